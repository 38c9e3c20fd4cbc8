//! Shared helpers for HVZK-WHIR (eprint 2026/391).
//!
//! References:
//! - <https://eprint.iacr.org/2026/391> (HVZK-WHIR),
//! - <https://eprint.iacr.org/2024/1586> (base WHIR).

use alloc::vec::Vec;

use p3_field::{ExtensionField, Field, HornerIter, PackedValue, PrimeCharacteristicRing};
use p3_maybe_rayon::prelude::*;

/// Action of `ze*_n(ρ) := (1, ρ, …, ρ^{n-1})` on a coefficient vector,
/// computed by Horner's method (Definition 6.1 of eprint 2026/391).
///
/// # Math
///
/// ```text
///     ze*_n(ρ) · coeffs = Σ_i c_i · ρ^i
///                       = c_0 + ρ · (c_1 + ρ · (… + ρ · c_{n-1}))
/// ```
///
/// # Zero-evader bound
///
/// For any non-zero `v ∈ F^n`, the polynomial `Σ_i v_i · X^i` has degree
/// `< n`, so at most `n - 1` roots in `F`.
///
/// ```text
///     Pr_ρ[ze*_n(ρ) · v = 0] ≤ (n - 1) / |F|.
/// ```
///
/// # Cost
///
/// `n - 1` multiplications, `n - 1` additions, no allocation.
///
/// # Edge case
///
/// `coeffs.len() == 0` returns `F::ZERO` (empty sum).
#[inline]
pub(crate) fn eval_ze_star_n<F, EF>(point: F, coeffs: &[EF]) -> EF
where
    F: Field,
    EF: ExtensionField<F>,
{
    // c_0 + ρ·(c_1 + ρ·(... + ρ·c_{n-1})) with n-1 multiplications.
    //
    // Mixed accumulator: extension coefficients fold against a base point,
    // so each step costs one cheap EF x F multiplication.
    coeffs.iter().copied().horner_acc(EF::ZERO, point)
}

/// Chunk-parallel form of [`eval_ze_star_n`].
///
/// # Math
///
/// The coefficients are cut into runs of `chunk_len`. Run `c` is folded by its
/// own Horner pass and re-based by one `ρ^{c · chunk_len}` shift:
///
/// ```text
///     Σ_i c_i · ρ^i = Σ_c ρ^{c · chunk_len} · Σ_j c_{c · chunk_len + j} · ρ^j
/// ```
///
/// This is an exact-field reassociation, so the result equals
/// [`eval_ze_star_n`] on the same inputs for every `chunk_len`.
///
/// # Cost
///
/// One serial dependency chain of length `chunk_len` per run instead of a
/// single chain of length `coeffs.len()`, plus one `ρ^{c · chunk_len}` per run.
///
/// # Panics
///
/// Panics if `chunk_len` is zero.
pub(crate) fn par_eval_ze_star_n<F, EF>(point: F, coeffs: &[EF], chunk_len: usize) -> EF
where
    F: Field,
    EF: ExtensionField<F>,
{
    assert_ne!(chunk_len, 0, "chunk length must be positive");
    coeffs
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(chunk_idx, chunk)| {
            eval_ze_star_n(point, chunk) * point.exp_u64((chunk_idx * chunk_len) as u64)
        })
        .sum()
}

/// Adds the scaled power run `coeff · ρ^b` into slot `b` of `out`.
///
/// # Math
///
/// ```text
///     out[b] += coeff · ρ^b        for b ∈ [0, out.len())
/// ```
///
/// Each run of `chunk_len` slots restarts the running power from
/// `coeff · ρ^{c · chunk_len}`, so the runs carry independent chains.
///
/// # Panics
///
/// Panics if `chunk_len` is zero.
pub(crate) fn par_add_scaled_powers<EF: Field>(
    out: &mut [EF],
    point: EF,
    coeff: EF,
    chunk_len: usize,
) {
    assert_ne!(chunk_len, 0, "chunk length must be positive");
    out.par_chunks_mut(chunk_len)
        .enumerate()
        .for_each(|(chunk_idx, chunk)| {
            let mut term = coeff * point.exp_u64((chunk_idx * chunk_len) as u64);
            for dst in chunk {
                *dst += term;
                term *= point;
            }
        });
}

/// Evaluate the polynomial `(msg ‖ rand)` (coefficients) at point `ρ`:
///
/// ```text
///     y = eval_ze_star_n(ρ, msg) + ρ^l · eval_ze_star_n(ρ, rand)
/// ```
///
/// Used as the prover's private out-of-domain (OOD) answer in HVZK
/// code-switching at `t = 1` (Construction 9.7 of eprint 2026/391).
///
/// - `rand` is fresh prover randomness;
/// - `ρ` is the verifier challenge.
///
/// # Why `y` hides `msg`
///
/// The `rand` contribution is `ρ^l · ze*_r(ρ) · rand`.
///
/// For `ρ ≠ 0` this is a non-zero `F`-linear functional in `rand`.
///
/// So uniform `rand` makes `y` uniform in `F`, independent of `msg`.
///
/// Privacy error `ζ_ze = 0`. (`ρ = 0` has measure `1/|F|`, soundness budget.)
///
/// # Relation to Lemma 9.3
///
/// Lemma 9.3 proves abstractly that `(r, 0)`-private zero-evaders
/// (Definition 9.2) exist by padding with a uniform random mask matrix.
///
/// We instead pick the deterministic `M = ρ^l · ze*_r(ρ)`: same property, no extra sampling.
///
/// # Cost
///
/// Two Horner passes plus one `ρ^l` (`log_2 l` field multiplications).
#[inline]
pub(crate) fn padded_ood_t1<F, EF>(point: F, msg: &[EF], rand: &[EF]) -> EF
where
    F: Field,
    EF: ExtensionField<F>,
{
    // ze*_l(ρ) · msg.
    let msg_eval = eval_ze_star_n(point, msg);

    // ze*_r(ρ) · rand: local index `j ∈ [0, r)`.
    //
    // The ρ^l shift to global index `l + j` is one scalar multiplication below.
    let rand_eval = eval_ze_star_n(point, rand);

    // ρ^l
    //
    // With msg.len() == 0 this is ρ^0 = 1, recovering the unpadded form.
    let shift = point.exp_u64(msg.len() as u64);

    // The shift stays in the base field: one cheap EF x F multiplication.
    msg_eval + rand_eval * shift
}

/// [`padded_ood_t1`] at up to `F::Packing::WIDTH` base-field points at once (zkinfer patch): the
/// points sit in SIMD lanes, so the Horner passes of different points run side by side instead
/// of one serial multiply-add chain per point. Lane `i` of the result equals
/// `padded_ood_t1(points[i], msg, rand)`; `None` for an extension of degree above 4.
#[doc(hidden)]
#[must_use]
pub fn padded_ood_t1_packed<F, EF>(points: &[F], msg: &[EF], rand: &[EF]) -> Option<Vec<EF>>
where
    F: Field,
    EF: ExtensionField<F>,
{
    type P<F> = <F as Field>::Packing;
    let degree = EF::DIMENSION;
    if degree > 4 || points.len() > P::<F>::WIDTH {
        return None;
    }
    let x = P::<F>::from_fn(|i| points.get(i).copied().unwrap_or(F::ZERO));
    // c_0 + x·(c_1 + x·(…)) coordinate by coordinate: the point is in the base field. The
    // coefficients are cut into `SEGMENTS` runs whose Horner chains are interleaved, so the
    // multiplications of different chains overlap instead of each waiting for the one before
    // (one chain per coordinate left the loop bound by the packed multiplication's latency);
    // the runs are joined at the end with `x^len` (zkinfer patch).
    let horner = |coeffs: &[EF]| {
        const SEGMENTS: usize = 4;
        let len = coeffs.len().div_ceil(SEGMENTS);
        let mut acc = [[P::<F>::ZERO; 4]; SEGMENTS];
        if len > 0 {
            // `full` runs of `len` coefficients, then one of `rest < len` (if any), then
            // empty ones (which stay zero).
            let full = coeffs.len() / len;
            let rest = coeffs.len() - full * len;
            let step = |acc: &mut [P<F>; 4], c: &EF| {
                for (a, &ck) in acc.iter_mut().zip(c.as_basis_coefficients_slice()) {
                    *a = *a * x + P::<F>::from(ck);
                }
            };
            for i in (rest..len).rev() {
                for (seg, acc) in acc.iter_mut().enumerate().take(full) {
                    step(acc, &coeffs[seg * len + i]);
                }
            }
            for i in (0..rest).rev() {
                for (seg, acc) in acc.iter_mut().enumerate().take(full + 1) {
                    step(acc, &coeffs[seg * len + i]);
                }
            }
        }
        // Σ_seg x^(seg·len) · acc[seg], by Horner over the runs.
        let x_len = x.exp_u64(len as u64);
        let mut total = [P::<F>::ZERO; 4];
        for run in acc.iter().rev() {
            for (t, &a) in total.iter_mut().zip(run) {
                *t = *t * x_len + a;
            }
        }
        total
    };
    let m = horner(msg);
    let r = horner(rand);
    let shift = x.exp_u64(msg.len() as u64);
    Some(
        (0..points.len())
            .map(|lane| {
                EF::from_basis_coefficients_fn(|k| {
                    m[k].as_slice()[lane] + r[k].as_slice()[lane] * shift.as_slice()[lane]
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use p3_baby_bear::BabyBear;
    use p3_field::PrimeCharacteristicRing;
    use p3_field::extension::BinomialExtensionField;
    use p3_koala_bear::KoalaBear;
    use proptest::prelude::*;
    use rand::rngs::SmallRng;
    use rand::{RngExt, SeedableRng};

    use super::*;

    type F = BabyBear;
    type EF = BinomialExtensionField<KoalaBear, 4>;

    #[test]
    fn ze_star_n_empty_message_is_zero() {
        // Empty sum convention; non-trivial ρ surfaces any spurious ρ factor.
        assert_eq!(eval_ze_star_n::<F, F>(F::from_u64(7), &[]), F::ZERO);
    }

    #[test]
    fn ze_star_n_constant_is_independent_of_point() {
        // ze*_1(ρ) · (c) = c since the only term is c · ρ^0.
        let c = F::from_u64(42);
        // Two well-separated points; same answer either way.
        assert_eq!(eval_ze_star_n(F::from_u64(7), &[c]), c);
        assert_eq!(eval_ze_star_n(F::ZERO, &[c]), c);
    }

    #[test]
    fn ze_star_n_at_zero_returns_constant_coefficient() {
        // At ρ = 0 every ρ^i with i ≥ 1 vanishes; only c_0 survives.
        let msg = [F::from_u64(7), F::from_u64(11), F::from_u64(13)];
        assert_eq!(eval_ze_star_n(F::ZERO, &msg), F::from_u64(7));
    }

    #[test]
    fn ze_star_n_at_one_returns_sum_of_coefficients() {
        // At ρ = 1 every ρ^i = 1, so the result is Σ_i coeffs[i].
        let msg = [F::from_u64(3), F::from_u64(5), F::from_u64(7)];
        // 3 + 5 + 7 = 15.
        assert_eq!(eval_ze_star_n(F::ONE, &msg), F::from_u64(15));
    }

    #[test]
    fn padded_ood_t1_empty_randomness_equals_unpadded_eval() {
        // No randomness => second Horner pass is 0; reduces to msg eval.
        let msg = [F::from_u64(3), F::from_u64(5), F::from_u64(2)];
        let sigma = F::from_u64(7);
        assert_eq!(padded_ood_t1(sigma, &msg, &[]), eval_ze_star_n(sigma, &msg));
    }

    #[test]
    fn padded_ood_t1_empty_message_equals_unpadded_eval_on_rand() {
        // No message => first pass is 0, shift ρ^0 = 1; reduces to rand eval.
        let rand = [F::from_u64(2), F::from_u64(3), F::from_u64(5)];
        let sigma = F::from_u64(11);
        assert_eq!(
            padded_ood_t1(sigma, &[], &rand),
            eval_ze_star_n(sigma, &rand)
        );
    }

    #[test]
    fn padded_ood_t1_matches_concatenated_polynomial_eval() {
        // Catches errors in the ρ^l shift exponent or the msg/rand split.
        let msg = [F::from_u64(3), F::from_u64(5), F::from_u64(2)];
        let rand = [F::from_u64(7), F::from_u64(11)];
        let sigma = F::from_u64(13);

        // msg ‖ rand as one coefficient vector.
        let concatenated: Vec<F> = msg.iter().chain(rand.iter()).copied().collect();

        // Fused form must equal the polynomial-on-concatenation form.
        assert_eq!(
            padded_ood_t1(sigma, &msg, &rand),
            eval_ze_star_n(sigma, &concatenated)
        );
    }

    proptest! {
        #[test]
        fn prop_ze_star_n_matches_power_loop_basefield(
            coeffs in prop::collection::vec(any::<u32>(), 0..32),
            sigma_raw in any::<u32>(),
        ) {
            // Sizes 0..32: cover n ≤ 1 boundary up to typical mask sizes.
            let coeffs: Vec<F> = coeffs.into_iter().map(F::from_u32).collect();
            let sigma = F::from_u32(sigma_raw);

            // Horner under test.
            let horner = eval_ze_star_n(sigma, &coeffs);

            // Reference: explicit Σ_i c_i · ρ^i with a running power.
            let mut expected = F::ZERO;
            let mut power = F::ONE;
            for &c in coeffs.iter() {
                expected += c * power;
                power *= sigma;
            }

            prop_assert_eq!(horner, expected);
        }

        #[test]
        fn prop_ze_star_n_matches_power_loop_extension(
            seed in any::<u64>(),
            n in 0usize..32,
        ) {
            // Same identity over an extension; catches bugs base-field misses.
            let mut rng = SmallRng::seed_from_u64(seed);
            let coeffs: Vec<EF> = (0..n).map(|_| rng.random()).collect();
            let sigma: EF = rng.random();

            // Horner under test.
            let horner = eval_ze_star_n(sigma, &coeffs);

            // Reference: explicit running-power loop.
            let mut expected = EF::ZERO;
            let mut power = EF::ONE;
            for &c in coeffs.iter() {
                expected += c * power;
                power *= sigma;
            }

            prop_assert_eq!(horner, expected);
        }

        #[test]
        fn prop_par_eval_ze_star_n_matches_serial_basefield(
            coeffs in prop::collection::vec(any::<u32>(), 0..40),
            sigma_raw in any::<u32>(),
            chunk_len in 1usize..5,
        ) {
            // Lengths reach ~10x the chunk length, so the chunk index runs well
            // past 1 and the per-chunk rho^{c · chunk_len} rebase is exercised.
            let coeffs: Vec<F> = coeffs.into_iter().map(F::from_u32).collect();
            let sigma = F::from_u32(sigma_raw);

            prop_assert_eq!(
                par_eval_ze_star_n(sigma, &coeffs, chunk_len),
                eval_ze_star_n(sigma, &coeffs),
            );
        }

        #[test]
        fn prop_par_eval_ze_star_n_matches_serial_extension(
            seed in any::<u64>(),
            n in 0usize..40,
            chunk_len in 1usize..5,
        ) {
            // Same identity over an extension, where the Horner accumulator is
            // a full EF x EF chain rather than the mixed EF x F one.
            let mut rng = SmallRng::seed_from_u64(seed);
            let coeffs: Vec<EF> = (0..n).map(|_| rng.random()).collect();
            let sigma: EF = rng.random();

            prop_assert_eq!(
                par_eval_ze_star_n(sigma, &coeffs, chunk_len),
                eval_ze_star_n(sigma, &coeffs),
            );
        }

        #[test]
        fn prop_par_add_scaled_powers_matches_serial_run(
            seed in any::<u64>(),
            n in 0usize..40,
            chunk_len in 1usize..5,
        ) {
            // Accumulates onto pre-existing content, so a chunk that overwrote
            // instead of adding would be caught alongside a bad rebase exponent.
            let mut rng = SmallRng::seed_from_u64(seed);
            let initial: Vec<EF> = (0..n).map(|_| rng.random()).collect();
            let sigma: EF = rng.random();
            let coeff: EF = rng.random();

            let mut actual = initial.clone();
            par_add_scaled_powers(&mut actual, sigma, coeff, chunk_len);

            // Reference: one serial running-power chain across the whole slice.
            let mut expected = initial;
            let mut term = coeff;
            for dst in &mut expected {
                *dst += term;
                term *= sigma;
            }

            prop_assert_eq!(actual, expected);
        }

        #[test]
        fn prop_padded_ood_t1_matches_concatenation_basefield(
            msg in prop::collection::vec(any::<u32>(), 0..16),
            rand in prop::collection::vec(any::<u32>(), 0..16),
            sigma_raw in any::<u32>(),
        ) {
            let msg: Vec<F> = msg.into_iter().map(F::from_u32).collect();
            let rand: Vec<F> = rand.into_iter().map(F::from_u32).collect();
            let sigma = F::from_u32(sigma_raw);

            // Fused form under test.
            let fused = padded_ood_t1(sigma, &msg, &rand);

            // Reference: build msg ‖ rand, evaluate as one polynomial.
            let concatenated: Vec<F> = msg.iter().chain(rand.iter()).copied().collect();
            let unfused = eval_ze_star_n(sigma, &concatenated);

            prop_assert_eq!(fused, unfused);
        }

        #[test]
        fn prop_padded_ood_t1_lemma_9_3_programmability(
            seed in any::<u64>(),
            msg_len in 1usize..16,
        ) {
            // (r, 0)-privacy at r = 1: any y_sim is reachable from some rand[0].
            let mut rng = SmallRng::seed_from_u64(seed);

            // Random message and target output to "explain".
            let msg: Vec<EF> = (0..msg_len).map(|_| rng.random()).collect();
            let y_sim: EF = rng.random();

            // Protocol rejects ρ = 0; loop for shrinking determinism.
            let mut sigma: EF = rng.random();
            while sigma == EF::ZERO {
                sigma = rng.random();
            }

            // Closed-form solve: rand[0] = (y_sim - msg_eval) / ρ^l.
            let msg_eval = eval_ze_star_n(sigma, &msg);
            let shift = sigma.exp_u64(msg_len as u64);
            let rand_0 = (y_sim - msg_eval) / shift;

            // Honest prover with this rand[0] must hit y_sim — Lemma 9.3 bijection.
            let real = padded_ood_t1(sigma, &msg, &[rand_0]);
            prop_assert_eq!(real, y_sim);
        }
    }
}
