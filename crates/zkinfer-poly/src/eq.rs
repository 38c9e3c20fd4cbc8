//! The equality polynomial `eq(r, x) = Π_k (r_k x_k + (1 − r_k)(1 − x_k))`.

use zkinfer_field::{EF, Field, PrimeCharacteristicRing};

/// `eq(r, x)` for two points of the same length.
///
/// # Panics
/// If the lengths differ (a caller bug, never proof data: verifiers check lengths first).
#[must_use]
pub fn eq_eval<A: Field>(r: &[A], x: &[A]) -> A {
    assert_eq!(r.len(), x.len(), "eq_eval: points of different lengths");
    // a·b + (1 − a)(1 − b) = 1 − a − b + 2ab: one multiplication per coordinate.
    r.iter()
        .zip(x)
        .map(|(&a, &b)| {
            let ab = a * b;
            A::ONE - a - b + ab + ab
        })
        .product()
}

/// `eq(r, bits(i))`: one entry of [`eq_table`] (`i` in `r.len()` big-endian bits; bits of `i`
/// above them are ignored), without the table.
#[must_use]
pub fn eq_at_index<A: Field>(r: &[A], i: usize) -> A {
    let n = r.len();
    r.iter()
        .enumerate()
        .map(|(k, &rk)| {
            if (i >> (n - 1 - k)) & 1 == 1 {
                rk
            } else {
                A::ONE - rk
            }
        })
        .product()
}

/// The table `T[i] = eq(r, bits(i))` (big-endian, see the crate doc), of length `2^r.len()`.
#[must_use]
pub fn eq_table(r: &[EF]) -> Vec<EF> {
    eq_table_scaled(r, EF::ONE)
}

/// The table `T[i] = scale · eq(r, bits(i))`.
#[must_use]
pub fn eq_table_scaled<A: Field>(r: &[A], scale: A) -> Vec<A> {
    let mut table = Vec::with_capacity(1 << r.len());
    table.push(scale);
    // Each variable doubles the table; r_0 ends up on the most significant bit.
    for &rk in r {
        let len = table.len();
        table.resize(2 * len, A::ZERO);
        for i in (0..len).rev() {
            let v = table[i];
            let hi = v * rk;
            table[2 * i + 1] = hi;
            table[2 * i] = v - hi;
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    use zkinfer_field::{BasedVectorSpace, F};

    use super::*;

    fn rand_ef(rng: &mut StdRng) -> EF {
        EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u64>() >> 1))
    }

    #[test]
    fn eq_at_index_is_the_tables_entry() {
        let mut rng = StdRng::seed_from_u64(2);
        for n in 0..7 {
            let r: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
            for (i, &ti) in eq_table(&r).iter().enumerate() {
                assert_eq!(eq_at_index(&r, i), ti, "n {n} i {i}");
            }
        }
    }

    #[test]
    fn eq_table_matches_eq_eval() {
        let mut rng = StdRng::seed_from_u64(1);
        for n in 0..6 {
            let r: Vec<EF> = (0..n).map(|_| rand_ef(&mut rng)).collect();
            let t = eq_table(&r);
            assert_eq!(t.len(), 1 << n);
            for (i, &ti) in t.iter().enumerate() {
                let x: Vec<EF> = (0..n)
                    .map(|k| {
                        if (i >> (n - 1 - k)) & 1 == 1 {
                            EF::ONE
                        } else {
                            EF::ZERO
                        }
                    })
                    .collect();
                assert_eq!(ti, eq_eval(&r, &x));
            }
            assert_eq!(t.iter().copied().sum::<EF>(), EF::ONE);
        }
    }
}
