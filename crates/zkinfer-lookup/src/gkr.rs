//! The prover's binary trees of fractions.
//!
//! A tree of height `n` holds `2^n` leaves `(p_i, q_i)` and every layer above them; the parent of
//! `L = layer[i]` and `R = layer[i + half]` (the leading variable splits the children) is
//! `(p_L q_R + p_R q_L, q_L q_R)`. No inversion is ever needed.

use zkinfer_field::{EF, F, PrimeCharacteristicRing};
use zkinfer_sumcheck::Column;

use crate::{par_map, proof::Slot};

/// The numerators of a tree's leaves.
#[derive(Clone, Debug)]
pub enum Numerators {
    /// All 1 (a witness).
    Ones,
    /// Base-field values (the multiplicities).
    Base(Vec<F>),
}

/// A binary tree of fractions, built bottom-up and proved top-down.
#[derive(Clone, Debug)]
pub struct FractionTree {
    leaf_p: Numerators,
    leaf_q: Vec<EF>,
    /// `inner[k] = (p_k, q_k)` with `2^k` entries, for `k < height` (`inner[0]` is the root).
    inner: Vec<(Vec<EF>, Vec<EF>)>,
}

impl FractionTree {
    /// Builds the tree over the leaves `(leaf_p, leaf_q)`.
    ///
    /// # Panics
    /// If `leaf_q.len()` is not a power of two or `leaf_p` has another length (caller bugs).
    #[must_use]
    pub fn new(leaf_p: Numerators, leaf_q: Vec<EF>) -> Self {
        assert!(leaf_q.len().is_power_of_two(), "FractionTree: leaves not a power of two");
        if let Numerators::Base(m) = &leaf_p {
            assert_eq!(m.len(), leaf_q.len(), "FractionTree: numerators and denominators differ");
        }
        let height = leaf_q.len().trailing_zeros() as usize;
        let mut inner = Vec::with_capacity(height);
        if height > 0 {
            let mut cur = match &leaf_p {
                Numerators::Ones => parent(&leaf_q, |_, ql, qr| ql + qr),
                Numerators::Base(m) => {
                    let half = m.len() / 2;
                    parent(&leaf_q, |i, ql, qr| qr * m[i] + ql * m[i + half])
                }
            };
            while cur.1.len() > 1 {
                let (p, q) = &cur;
                let half = p.len() / 2;
                let next = parent(q, |i, ql, qr| p[i] * qr + p[i + half] * ql);
                inner.push(cur);
                cur = next;
            }
            inner.push(cur);
            inner.reverse();
        }
        Self { leaf_p, leaf_q, inner }
    }

    /// The number of layers below the root.
    #[must_use]
    pub fn height(&self) -> usize {
        self.leaf_q.len().trailing_zeros() as usize
    }

    /// The root fraction `[p, q]`.
    #[must_use]
    pub fn root(&self) -> [EF; 2] {
        match (self.inner.first(), &self.leaf_p) {
            (Some((p, q)), _) => [p[0], q[0]],
            (None, Numerators::Ones) => [EF::ONE, self.leaf_q[0]],
            (None, Numerators::Base(m)) => [EF::from(m[0]), self.leaf_q[0]],
        }
    }

    /// The sumcheck columns of layer `k < height` (the children at height `k + 1`, split into
    /// halves) and their slot. `is_table` selects how leaf numerators are sent.
    pub(crate) fn layer_columns(&self, k: usize) -> (Slot, Vec<Column>) {
        let halves = |v: &[EF]| {
            let (l, r) = v.split_at(v.len() / 2);
            [Column::Ext(l.to_vec()), Column::Ext(r.to_vec())]
        };
        if k + 1 == self.height() {
            let [ql, qr] = halves(&self.leaf_q);
            match &self.leaf_p {
                Numerators::Ones => (Slot::Ones, vec![ql, qr]),
                Numerators::Base(m) => {
                    let (l, r) = m.split_at(m.len() / 2);
                    (Slot::Full, vec![Column::Base(l.to_vec()), Column::Base(r.to_vec()), ql, qr])
                }
            }
        } else {
            let (p, q) = &self.inner[k + 1];
            let [pl, pr] = halves(p);
            let [ql, qr] = halves(q);
            (Slot::Full, vec![pl, pr, ql, qr])
        }
    }
}

/// The layer above `q` (and the numerators behind `num`): `(num(i, q_L, q_R), q_L q_R)`.
fn parent(q: &[EF], num: impl Fn(usize, EF, EF) -> EF + Sync + Send) -> (Vec<EF>, Vec<EF>) {
    let half = q.len() / 2;
    let (ql, qr) = q.split_at(half);
    par_map(half, |i| {
        let (l, r) = (ql[i], qr[i]);
        (num(i, l, r), l * r)
    })
    .into_iter()
    .unzip()
}

#[cfg(test)]
mod tests {
    use zkinfer_field::Field;

    use super::*;

    fn sum_of_fractions(p: &[EF], q: &[EF]) -> EF {
        p.iter().zip(q).map(|(&a, &b)| a * b.inverse()).sum()
    }

    #[test]
    fn root_is_the_sum_of_the_leaves() {
        let q: Vec<EF> = (0..16u64).map(|i| EF::from(F::from_u64(3 * i + 5))).collect();
        let m: Vec<F> = (0..16u64).map(|i| F::from_u64(i % 3)).collect();
        let pm: Vec<EF> = m.iter().map(|&x| EF::from(x)).collect();
        let t = FractionTree::new(Numerators::Base(m), q.clone());
        let [p, r] = t.root();
        assert_eq!(p * r.inverse(), sum_of_fractions(&pm, &q));
        let ones = FractionTree::new(Numerators::Ones, q.clone());
        let [p, r] = ones.root();
        assert_eq!(p * r.inverse(), sum_of_fractions(&vec![EF::ONE; 16], &q));
        assert_eq!(ones.height(), 4);
        assert_eq!(ones.layer_columns(3).0, Slot::Ones);
        assert_eq!(ones.layer_columns(0).1.len(), 4);
        let leaf = FractionTree::new(Numerators::Ones, vec![EF::TWO]);
        assert_eq!(leaf.root(), [EF::ONE, EF::TWO]);
    }
}
