//! The prover's binary trees of fractions.
//!
//! A tree of height `n` holds `2^n` leaves `(p_i, q_i)` and every layer above them; the parent of
//! `L = layer[i]` and `R = layer[i + half]` (the leading variable splits the children) is
//! `(p_L q_R + p_R q_L, q_L q_R)`. No inversion is ever needed. Each layer is stored as its two
//! halves, which are exactly the `L` and `R` columns of the sumcheck above it, and is moved (not
//! copied) into that sumcheck, so memory falls as the prover walks down.

use zkinfer_field::{EF, F, PrimeCharacteristicRing};
use zkinfer_sumcheck::Column;

use crate::proof::Slot;

/// The numerators of a tree's leaves.
#[derive(Clone, Debug)]
pub enum Numerators {
    /// All 1 (a witness).
    Ones,
    /// Base-field values (the multiplicities).
    Base(Vec<F>),
    /// Extension-field values (a blinded table tree's leaves, see `crate::zk`).
    Ext(Vec<EF>),
}

/// The leaves' numerators, by halves.
#[derive(Clone, Debug)]
enum LeafNums {
    Ones,
    Base([Vec<F>; 2]),
    Ext([Vec<EF>; 2]),
}

/// A layer of `≥ 2` entries, as its halves `[L, R]`.
#[derive(Clone, Debug, Default)]
struct Halves {
    p: [Vec<EF>; 2],
    q: [Vec<EF>; 2],
}

/// A binary tree of fractions, built bottom-up and proved top-down.
#[derive(Clone, Debug)]
pub struct FractionTree {
    height: usize,
    root: [EF; 2],
    /// `inner[k]` is the layer at height `k + 1`, for `k + 1 < height`.
    inner: Vec<Halves>,
    /// The leaves' halves (empty at height 0).
    leaf_p: LeafNums,
    leaf_q: [Vec<EF>; 2],
}

/// A layer's numerators, by halves.
#[derive(Clone, Copy)]
enum NumView<'a> {
    Ones,
    Base(&'a [F], &'a [F]),
    Ext(&'a [EF], &'a [EF]),
}

impl FractionTree {
    /// Builds the tree over the leaves `(leaf_p, leaf_q)`.
    ///
    /// # Panics
    /// If `leaf_q.len()` is not a power of two or `leaf_p` has another length (caller bugs).
    #[must_use]
    pub fn new(leaf_p: Numerators, leaf_q: Vec<EF>) -> Self {
        Self::build(leaf_p, leaf_q, None)
    }

    /// A tree whose leaf numerators are `leaf_p` except the last two, `last` (the blinding slots
    /// of `crate::zk`): built from `leaf_p` with the two parents above those leaves patched, so
    /// its leaf layer keeps `leaf_p`'s cheap columns (the prover adds the two numerators'
    /// differences as a sparse correction).
    ///
    /// # Panics
    /// If `leaf_q` has fewer than 4 entries or is not a power of two (caller bugs).
    #[must_use]
    pub(crate) fn with_last_numerators(leaf_p: Numerators, leaf_q: Vec<EF>, last: [EF; 2]) -> Self {
        assert!(leaf_q.len() >= 4, "FractionTree: too few leaves for slots");
        Self::build(leaf_p, leaf_q, Some(last))
    }

    fn build(leaf_p: Numerators, mut leaf_q: Vec<EF>, last: Option<[EF; 2]>) -> Self {
        assert!(
            leaf_q.len().is_power_of_two(),
            "FractionTree: leaves not a power of two"
        );
        let height = leaf_q.len().trailing_zeros() as usize;
        let num_len = match &leaf_p {
            Numerators::Ones => leaf_q.len(),
            Numerators::Base(m) => m.len(),
            Numerators::Ext(m) => m.len(),
        };
        assert_eq!(
            num_len,
            leaf_q.len(),
            "FractionTree: numerators and denominators differ"
        );
        if height == 0 {
            let p = match leaf_p {
                Numerators::Ones => EF::ONE,
                Numerators::Base(m) => EF::from(m[0]),
                Numerators::Ext(m) => m[0],
            };
            let root = [p, leaf_q[0]];
            return Self {
                height,
                root,
                inner: Vec::new(),
                leaf_p: LeafNums::Ones,
                leaf_q: Default::default(),
            };
        }
        let half = leaf_q.len() / 2;
        let q_r = leaf_q.split_off(half);
        let leaf_q = [leaf_q, q_r];
        let leaf_p = match leaf_p {
            Numerators::Ones => LeafNums::Ones,
            Numerators::Base(mut m) => {
                let m_r = m.split_off(half);
                LeafNums::Base([m, m_r])
            }
            Numerators::Ext(mut m) => {
                let m_r = m.split_off(half);
                LeafNums::Ext([m, m_r])
            }
        };
        let view = match &leaf_p {
            LeafNums::Ones => NumView::Ones,
            LeafNums::Base([l, r]) => NumView::Base(l, r),
            LeafNums::Ext([l, r]) => NumView::Ext(l, r),
        };
        let mut inner = Vec::with_capacity(height - 1);
        let mut up = parent(view, &leaf_q[0], &leaf_q[1]);
        if let (Some(last), Ok(layer)) = (last, &mut up) {
            // Leaves `2^n − 2 + b` are entries `half − 2 + b` of the right half; their parents
            // are entries `half − 2 + b` of the layer above (stored by halves of `half / 2`).
            for (b, &pi) in last.iter().enumerate() {
                let j = half - 2 + b;
                let (ql, qr) = (leaf_q[0][j], leaf_q[1][j]);
                let pl = match view {
                    NumView::Ones => EF::ONE,
                    NumView::Base(l, _) => EF::from(l[j]),
                    NumView::Ext(l, _) => l[j],
                };
                let (h, i) = (j / (half / 2), j % (half / 2));
                layer.p[h][i] = pl * qr + pi * ql;
            }
        }
        let root = loop {
            match up {
                Err(root) => break root,
                Ok(layer) => {
                    let [pl, pr] = &layer.p;
                    up = parent(NumView::Ext(pl, pr), &layer.q[0], &layer.q[1]);
                    inner.push(layer);
                }
            }
        };
        inner.reverse();
        Self {
            height,
            root,
            inner,
            leaf_p,
            leaf_q,
        }
    }

    /// The number of layers below the root.
    #[must_use]
    pub fn height(&self) -> usize {
        self.height
    }

    /// The root fraction `[p, q]`.
    pub fn root(&self) -> [EF; 2] {
        self.root
    }

    /// Moves out the sumcheck columns of layer `k < height` (the children at height `k + 1`,
    /// by halves) with their slot. Each layer can be taken once; later calls get empty columns.
    pub(crate) fn take_layer_columns(&mut self, k: usize) -> (Slot, Vec<Column>) {
        if k + 1 == self.height {
            let [ql, qr] = std::mem::take(&mut self.leaf_q);
            match std::mem::replace(&mut self.leaf_p, LeafNums::Ones) {
                LeafNums::Ones => (Slot::Ones, vec![Column::Ext(ql), Column::Ext(qr)]),
                LeafNums::Ext([pl, pr]) => (
                    Slot::Full,
                    vec![
                        Column::Ext(pl),
                        Column::Ext(pr),
                        Column::Ext(ql),
                        Column::Ext(qr),
                    ],
                ),
                LeafNums::Base([ml, mr]) => (
                    Slot::Full,
                    vec![
                        Column::Base(ml),
                        Column::Base(mr),
                        Column::Ext(ql),
                        Column::Ext(qr),
                    ],
                ),
            }
        } else {
            let Halves {
                p: [pl, pr],
                q: [ql, qr],
            } = self
                .inner
                .get_mut(k)
                .map(std::mem::take)
                .unwrap_or_default();
            (
                Slot::Full,
                vec![
                    Column::Ext(pl),
                    Column::Ext(pr),
                    Column::Ext(ql),
                    Column::Ext(qr),
                ],
            )
        }
    }
}

/// The layer above children `(p, q)` given by halves: its halves, or `Err(root)` at the top.
fn parent(p: NumView<'_>, ql: &[EF], qr: &[EF]) -> Result<Halves, [EF; 2]> {
    let at = |i: usize| {
        let (l, r) = (ql[i], qr[i]);
        let num = match p {
            NumView::Ones => l + r,
            NumView::Base(ml, mr) => r * ml[i] + l * mr[i],
            NumView::Ext(pl, pr) => pl[i] * r + pr[i] * l,
        };
        (num, l * r)
    };
    let n = ql.len();
    if n == 1 {
        let (p, q) = at(0);
        return Err([p, q]);
    }
    let (pl, qlo) = fill(0, n / 2, at);
    let (pr, qhi) = fill(n / 2, n, at);
    Ok(Halves {
        p: [pl, pr],
        q: [qlo, qhi],
    })
}

/// `(start..end).map(f).unzip()`, in parallel above the threshold.
fn fill(
    start: usize,
    end: usize,
    f: impl Fn(usize) -> (EF, EF) + Sync + Send,
) -> (Vec<EF>, Vec<EF>) {
    let (mut a, mut b) = (
        Vec::with_capacity(end - start),
        Vec::with_capacity(end - start),
    );
    #[cfg(feature = "parallel")]
    if end - start >= crate::PARALLEL_THRESHOLD {
        use rayon::prelude::*;
        (start..end)
            .into_par_iter()
            .map(f)
            .unzip_into_vecs(&mut a, &mut b);
        return (a, b);
    }
    for i in start..end {
        let (x, y) = f(i);
        a.push(x);
        b.push(y);
    }
    (a, b)
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
        let q: Vec<EF> = (0..16u64)
            .map(|i| EF::from(F::from_u64(3 * i + 5)))
            .collect();
        let m: Vec<F> = (0..16u64).map(|i| F::from_u64(i % 3)).collect();
        let pm: Vec<EF> = m.iter().map(|&x| EF::from(x)).collect();
        let t = FractionTree::new(Numerators::Base(m), q.clone());
        let [p, r] = t.root();
        assert_eq!(p * r.inverse(), sum_of_fractions(&pm, &q));
        let mut ones = FractionTree::new(Numerators::Ones, q.clone());
        let [p, r] = ones.root();
        assert_eq!(p * r.inverse(), sum_of_fractions(&[EF::ONE; 16], &q));
        assert_eq!(ones.height(), 4);
        assert_eq!(ones.take_layer_columns(3).0, Slot::Ones);
        let (slot, cols) = ones.take_layer_columns(0);
        assert_eq!((slot, cols.len(), cols[0].len()), (Slot::Full, 4, 1));
        let leaf = FractionTree::new(Numerators::Ones, vec![EF::TWO]);
        assert_eq!(leaf.root(), [EF::ONE, EF::TWO]);
        let two = FractionTree::new(Numerators::Ones, vec![EF::TWO, EF::ONE]);
        assert_eq!(two.root(), [EF::from(F::from_u64(3)), EF::TWO]);
    }
}
