//! The state of one sumcheck instance between rounds.
//!
//! Columns stay in `F` until the first challenge, then live in `EF`. The eq factor follows
//! Gruen: `eq(r, x) = eq(r_k, x_k) · eq(r_{>k}, x_{>k}) · Π_{j<k} eq(r_j, ρ_j)`, so round `k`
//! computes `h(X) = Σ_{x'} eq(r_{>k}, x') f(ρ, X, x')` (degree `d_f`, one point fewer than `g`),
//! and `g(X) = scale · eq(r_k, X) · h(X)` follows in `O(d)`. The table `eq(r_{>k}, ·)` shrinks
//! by adding halves (no multiplications), starting at half the size of a full eq table.

use std::borrow::Cow;

use zkinfer_field::{EF, F, Field, PrimeCharacteristicRing};
use zkinfer_poly::{eq_table, fix_first_var_in_place, fold_first_var};

use super::eq_sum::{self, EqTerms};
use super::kernels;
use crate::verifier::interpolate_uni;
use crate::{Column, Term};

enum Cols<'a> {
    Base(Vec<Vec<F>>),
    Ext(Vec<Vec<EF>>),
    /// A product of two, one column in `F` and one in `EF` (a claim reduction: the committed
    /// values times the batched eq weights), until the first fold. Lifting the base column
    /// instead would write a second, twice as large copy of it (512 MiB for a 2^25 stack).
    Mixed {
        base: Vec<F>,
        ext: Vec<EF>,
        /// The base column's index (0 or 1).
        base_col: usize,
    },
    /// A claim reduction `P·W` before its first challenge, with `W` given by its eq terms and
    /// written half a table at a time into `scratch` (`eq_sum`): column 0 is `P`, column 1 `W`.
    EqSum {
        base: Cow<'a, [F]>,
        terms: EqTerms,
        /// Half of `base`'s length.
        scratch: Vec<EF>,
    },
}

/// The eq factor: the point, the current suffix table and `Π_{j<k} eq(r_j, ρ_j)`.
struct EqState {
    r: Vec<EF>,
    table: Vec<EF>,
    scale: EF,
}

/// One instance being proved: its columns, terms, eq factor and running claim. `'a`: a borrowed
/// base column (an eq-sum instance's, until its first fold).
pub(crate) struct InstanceOf<'a> {
    cols: Cols<'a>,
    terms: Vec<Term>,
    prod2: Option<(usize, usize, EF)>,
    eq: Option<EqState>,
    num_vars: usize,
    round: usize,
    /// Points of `h` minus one: `max(d_f, 1)`.
    dh: usize,
    degree: usize,
    claim: Option<EF>,
    /// A challenge not yet applied to the product-of-two columns: the next round folds and
    /// measures in one pass.
    pending: Option<EF>,
}

/// `eq(a, b)` for one variable.
pub(crate) fn eq1(a: EF, b: EF) -> EF {
    a * b + (EF::ONE - a) * (EF::ONE - b)
}

/// An instance that owns all its columns.
pub(crate) type Instance = InstanceOf<'static>;

impl<'a> InstanceOf<'a> {
    /// # Panics
    /// On inconsistent shapes (caller bugs): see [`crate::prove`].
    pub(crate) fn new(columns: Vec<Column>, terms: &[Term], eq_point: Option<&[EF]>) -> Self {
        let len = columns.first().map_or(1, Column::len);
        assert!(
            len.is_power_of_two(),
            "sumcheck: column length {len} is not a power of two"
        );
        assert!(
            columns.iter().all(|c| c.len() == len),
            "sumcheck: columns of different lengths"
        );
        assert!(
            terms
                .iter()
                .flat_map(|t| &t.factors)
                .all(|&f| f < columns.len()),
            "sumcheck: factor index out of range"
        );
        let num_vars = len.trailing_zeros() as usize;
        let eq = eq_point.map(|r| {
            assert_eq!(r.len(), num_vars, "sumcheck: eq point of the wrong length");
            EqState {
                r: r.to_vec(),
                table: eq_table(r.get(1..).unwrap_or(&[])),
                scale: EF::ONE,
            }
        });
        let d_f = terms.iter().map(|t| t.factors.len()).max().unwrap_or(0);
        let prod2 = match terms {
            [t] if t.factors.len() == 2 => Some((t.factors[0], t.factors[1], t.coeff)),
            _ => None,
        };
        let mixed = match (&columns[..], prod2) {
            (
                [Column::Base(_), Column::Ext(_)] | [Column::Ext(_), Column::Base(_)],
                Some((a, b, _)),
            ) => a != b,
            _ => false,
        };
        let cols = if mixed {
            let base_col = usize::from(matches!(columns[0], Column::Ext(_)));
            let (mut base, mut ext) = (Vec::new(), Vec::new());
            for c in columns {
                match c {
                    Column::Base(v) => base = v,
                    Column::Ext(v) => ext = v,
                }
            }
            Cols::Mixed {
                base,
                ext,
                base_col,
            }
        } else if columns.iter().all(|c| matches!(c, Column::Base(_))) {
            Cols::Base(
                columns
                    .into_iter()
                    .filter_map(|c| match c {
                        Column::Base(v) => Some(v),
                        Column::Ext(_) => None,
                    })
                    .collect(),
            )
        } else {
            // Mixed: lift the base columns once (the common shapes are all-base or all-ext).
            Cols::Ext(
                columns
                    .into_iter()
                    .map(|c| match c {
                        Column::Base(v) => v.into_iter().map(EF::from).collect(),
                        Column::Ext(v) => v,
                    })
                    .collect(),
            )
        };
        Self {
            cols,
            terms: terms.to_vec(),
            prod2,
            degree: d_f + usize::from(eq.is_some()),
            eq,
            num_vars,
            round: 0,
            dh: d_f.max(1),
            claim: None,
            pending: None,
        }
    }

    /// The instance `coeff·Σ_x P(x)·W(x)` of a claim reduction, `W = Σ_t c_t·eq(p_t, ·)` given
    /// by its terms and never built at full length (`eq_sum`): column 0 is `P`, column 1 `W`.
    ///
    /// # Panics
    /// If `base`'s length is not a power of two of at least 4, or a point has another number
    /// of coordinates (caller bugs).
    pub(crate) fn product_with_eq_sum(base: Cow<'a, [F]>, terms: EqTerms, coeff: EF) -> Self {
        let len = base.len();
        assert!(
            len.is_power_of_two() && len >= 4,
            "sumcheck: an eq-sum instance needs a power-of-two length of at least 4, got {len}"
        );
        let num_vars = len.trailing_zeros() as usize;
        assert!(
            terms.iter().all(|(_, p)| p.len() == num_vars),
            "sumcheck: an eq term's point has the wrong length"
        );
        Self {
            cols: Cols::EqSum {
                scratch: EF::zero_vec(len / 2),
                base,
                terms,
            },
            terms: vec![Term::new(coeff, vec![0, 1])],
            prod2: Some((0, 1, coeff)),
            degree: 2,
            eq: None,
            num_vars,
            round: 0,
            dh: 2,
            claim: None,
            pending: None,
        }
    }

    pub(crate) fn num_vars(&self) -> usize {
        self.num_vars
    }

    pub(crate) fn degree(&self) -> usize {
        self.degree
    }

    /// The round polynomial `g` at `0..=max(degree, 1)` (at least two values, so that
    /// `g(0) + g(1)` is the current sum even when the degree is 0).
    pub(crate) fn round_poly(&mut self) -> Vec<EF> {
        if let Cols::EqSum {
            base,
            terms,
            scratch,
        } = &mut self.cols
        {
            let coeff = self.prod2.map_or(EF::ONE, |(_, _, c)| c);
            return eq_sum::first_round(base, terms, coeff, scratch);
        }
        let half = 1usize << (self.num_vars - self.round - 1);
        let w = self.eq.as_ref().map(|e| e.table.as_slice());
        // `skip`: the value at 1 follows from the running claim, `g(1) = claim − g(0)`.
        let (skip, rk, scale) = match (&self.eq, self.claim) {
            (_, None) => (false, EF::ZERO, EF::ONE),
            (None, Some(_)) => (true, EF::ZERO, EF::ONE),
            (Some(e), Some(_)) => {
                let rk = e.r[self.round];
                (!(e.scale * rk).is_zero(), rk, e.scale)
            }
        };
        let mut h = match self.pending.take() {
            Some(r) if skip => self.fold_kernel::<false>(r),
            Some(r) => self.fold_kernel::<true>(r),
            None if skip => self.kernel::<false>(half, w),
            None => self.kernel::<true>(half, w),
        };
        if let (true, Some(claim)) = (skip, self.claim) {
            h[1] = match &self.eq {
                None => claim - h[0],
                // claim = scale·((1 − r_k)·h(0) + r_k·h(1)).
                Some(_) => (claim - scale * (EF::ONE - rk) * h[0]) * (scale * rk).inverse(),
            };
        }
        let Some(e) = &self.eq else { return h };
        let rk = e.r[self.round];
        h.push(interpolate_uni(&h, EF::from_usize(self.dh + 1)));
        h.iter()
            .enumerate()
            .map(|(t, &ht)| e.scale * eq1(rk, EF::from_usize(t)) * ht)
            .collect()
    }

    fn kernel<const ONE: bool>(&self, half: usize, w: Option<&[EF]>) -> Vec<EF> {
        match (&self.cols, self.prod2) {
            (Cols::Base(c), Some((a, b, coeff))) if w.is_none() => {
                kernels::prod2_base::<ONE>(&c[a], &c[b], coeff)
            }
            (Cols::Base(c), Some((a, b, coeff))) => {
                kernels::prod2::<F, F, ONE>(&c[a], &c[b], w, coeff)
            }
            (Cols::Ext(c), Some((a, b, coeff))) => {
                kernels::prod2::<EF, EF, ONE>(&c[a], &c[b], w, coeff)
            }
            (Cols::Mixed { base, ext, .. }, Some((_, _, coeff))) => {
                kernels::prod2::<F, EF, ONE>(base, ext, w, coeff)
            }
            (Cols::Mixed { .. }, None) => unreachable!("a mixed instance is a product of two"),
            (Cols::Base(c), None) => kernels::generic::<F, ONE>(c, &self.terms, w, half, self.dh),
            (Cols::Ext(c), None) => kernels::generic::<EF, ONE>(c, &self.terms, w, half, self.dh),
            (Cols::EqSum { .. }, _) => {
                unreachable!("an eq-sum instance's first round is `eq_sum::first_round`")
            }
        }
    }

    /// Applies the pending challenge to every column, fusing it with the round's sum for the
    /// product of two.
    fn fold_kernel<const ONE: bool>(&mut self, r: EF) -> Vec<EF> {
        let Some((a, b, coeff)) = self.prod2 else {
            unreachable!("pending challenges are only left for a product of two")
        };
        if let Cols::Mixed { .. } = self.cols {
            // Fold both into `EF` (the base column into a new table of half its length, the
            // extension column in place), then measure: one pass more than the fused kernels,
            // once per instance.
            self.fold(r);
            let half = self.len() / 2;
            let w = self.eq.as_ref().map(|e| e.table.as_slice());
            return self.kernel::<ONE>(half, w);
        }
        let w = self.eq.as_ref().map(|e| e.table.as_slice());
        match &mut self.cols {
            Cols::Mixed { .. } => unreachable!("folded above"),
            Cols::EqSum { .. } => unreachable!("an eq-sum instance folds when bound"),
            Cols::Base(cols) => {
                let (fa, fb, h) = kernels::fold_prod2_base::<ONE>(&cols[a], &cols[b], r, w, coeff);
                let (mut fa, mut fb) = (Some(fa), Some(fb));
                let folded = (0..cols.len())
                    .map(|i| match i {
                        _ if i == a => fa.take().unwrap_or_default(),
                        _ if i == b => fb.take().unwrap_or_default(),
                        _ => fold_first_var(&cols[i], r),
                    })
                    .collect();
                self.cols = Cols::Ext(folded);
                h
            }
            Cols::Ext(cols) => {
                for (i, c) in cols.iter_mut().enumerate() {
                    if i != a && i != b {
                        fix_first_var_in_place(c, r);
                    }
                }
                let (lo, hi) = cols.split_at_mut(a.max(b));
                let (ca, cb) = (&mut lo[a.min(b)], &mut hi[0]);
                let (ca, cb) = if a < b { (ca, cb) } else { (cb, ca) };
                kernels::fold_prod2::<ONE>(ca, cb, r, w, coeff)
            }
        }
    }

    /// Binds the current variable to `r`; `g` is the round polynomial just sent.
    pub(crate) fn bind(&mut self, g: &[EF], r: EF) {
        self.claim = Some(interpolate_uni(g, r));
        // The product of two with a round still to come: fold in the next round's pass (not an
        // eq-sum instance's first fold, which writes `W(r, ·)` from its terms).
        let fuse = self.prod2.is_some_and(|(a, b, _)| a != b)
            && self.round + 2 < self.num_vars
            && !matches!(self.cols, Cols::EqSum { .. });
        if fuse {
            self.pending = Some(r);
        } else {
            self.fold(r);
        }
        if let Some(e) = &mut self.eq {
            e.scale *= eq1(e.r[self.round], r);
            if e.table.len() > 1 {
                kernels::sum_halves(&mut e.table);
            }
        }
        self.round += 1;
    }

    /// Binds the first variable of every column to `r`.
    fn fold(&mut self, r: EF) {
        self.cols = match core::mem::replace(&mut self.cols, Cols::Ext(Vec::new())) {
            Cols::Base(v) => Cols::Ext(v.iter().map(|c| fold_first_var(c, r)).collect()),
            Cols::Ext(mut v) => {
                v.iter_mut().for_each(|c| fix_first_var_in_place(c, r));
                Cols::Ext(v)
            }
            Cols::Mixed {
                base,
                mut ext,
                base_col,
            } => {
                let base = fold_first_var(&base, r);
                fix_first_var_in_place(&mut ext, r);
                Cols::Ext(if base_col == 0 {
                    vec![base, ext]
                } else {
                    vec![ext, base]
                })
            }
            // `P(r, ·)`, and `W(r, ·)` written over the first round's scratch.
            Cols::EqSum {
                base,
                terms,
                mut scratch,
            } => {
                let folded = fold_first_var(&base, r);
                drop(base);
                eq_sum::fill_half(&mut scratch, &terms, r);
                Cols::Ext(vec![folded, scratch])
            }
        };
    }

    /// The current length of the columns.
    fn len(&self) -> usize {
        match &self.cols {
            Cols::Base(v) => v.first().map_or(1, Vec::len),
            Cols::Ext(v) => v.first().map_or(1, Vec::len),
            Cols::Mixed { base, .. } => base.len(),
            Cols::EqSum { base, .. } => base.len(),
        }
    }

    /// The columns' values once every variable is bound (or the single values when `n = 0`).
    pub(crate) fn evals(&self) -> Vec<EF> {
        (0..self.num_columns())
            .map(|c| self.entry(c, 0).unwrap_or(EF::ZERO))
            .collect()
    }

    fn num_columns(&self) -> usize {
        match &self.cols {
            Cols::Base(v) => v.len(),
            Cols::Ext(v) => v.len(),
            Cols::Mixed { .. } | Cols::EqSum { .. } => 2,
        }
    }

    /// Column `col`'s entry `index` in the current state.
    fn entry(&self, col: usize, index: usize) -> Option<EF> {
        match &self.cols {
            Cols::Base(v) => v.get(col)?.get(index).map(|&x| EF::from(x)),
            Cols::Ext(v) => v.get(col)?.get(index).copied(),
            Cols::Mixed {
                base,
                ext,
                base_col,
            } => match col {
                _ if col == *base_col => base.get(index).map(|&x| EF::from(x)),
                0 | 1 => ext.get(index).copied(),
                _ => None,
            },
            // `W` is not held at full length before the first challenge.
            Cols::EqSum { base, .. } => match col {
                0 => base.get(index).map(|&x| EF::from(x)),
                _ => None,
            },
        }
    }

    /// Column `col`'s entry `index` in the current state (`None` out of range or while a fold is
    /// pending, which only a product of two with rounds to come leaves).
    pub(crate) fn value(&self, col: usize, index: usize) -> Option<EF> {
        if self.pending.is_some() {
            return None;
        }
        self.entry(col, index)
    }

    /// The summand at the single point of a 0-variable instance.
    pub(crate) fn summand_at_point(&self) -> EF {
        let evals = self.evals();
        self.terms
            .iter()
            .map(|t| t.factors.iter().fold(t.coeff, |acc, &f| acc * evals[f]))
            .sum()
    }
}
