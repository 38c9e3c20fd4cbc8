//! Where each column sits in the hiding commitment's stacked polynomial, and how a claim on a
//! column becomes a claim on the stack. Shared by prover and verifier.
//!
//! The placement is [`crate::layout::Plan`]'s (columns padded to at least `folding_factor`
//! variables, largest first, each in a power-of-two-aligned slot); the stack is then extended
//! with zeros to the number of variables the hiding WHIR instance needs
//! ([`super::HidingPcs`] raises it for small stacks so the encoding randomness fits). A column
//! `c` of `n` variables padded to `a` at offset `o` gives, in the big-endian order of
//! `zkinfer-poly`, `c̃(p) = P(bits(o >> a) ‖ 0^{a-n} ‖ p)`: the selector bits and the padding
//! bits are Boolean, so the opening reveals the claimed value and nothing else about `P`.
//!
//! The verifier runs this on untrusted shapes and claims, so it is held to the verifier's lints.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use p3_multilinear_util::point::Point;
use rand_zk::RngExt;
use rand_zk::rngs::StdRng;
use zkinfer_field::{EF, F, PrimeCharacteristicRing};

use super::StackClaim;
use crate::layout::Plan;
use crate::{ColumnClaim, MAX_CLAIMS, PcsConfig, PcsError};

/// Where a reusable commitment keeps its openings' randomness: in the committed message itself
/// (docs/ZK.md §6.1), in one of two forms.
///
/// *Extra variables* (proof format 19, `interleaved = false`). The stack `P` of the columns
/// (`n` variables) becomes `P'` of `n + extra_vars` variables, whose index is, most significant
/// first, `(b, s, j)`: `b` the `limb_vars` bits of the first oracle's limb (the first fold's
/// variables), `s` the `extra_vars` new bits, `j` the rest. `P'(b, 0, j) = P(b, j)`; every
/// `P'(b, s ≠ 0, j)` is uniformly random. Each limb's message thus carries
/// `(2^extra_vars − 1) · 2^(n − limb_vars)` random coefficients; a claim `P(p) = v` is the claim
/// `P'(p_b, 0, p_j) = v`, so the randomness never enters a claimed value.
///
/// *The stack's free tail* (proof format 20, `interleaved = true`, `extra_vars = 0`). When the
/// columns leave enough of the stack unused, no variable is added: the committed stack is the
/// columns' stack with its index rotated so that its *lowest* `limb_vars` bits index the limb,
/// `P''(b, j) = P(j ‖ b)`. Every column (at a power-of-two-aligned slot from the bottom) is then
/// spread evenly over the limbs, the unused part of `P` (from `used`, rounded up to the limb
/// count) is the top of every limb's message, and it is filled uniformly at random. A claim on
/// a column is a claim on `P''` at the rotated point; the randomness sits where no column's
/// selector reaches, so it never enters a claimed value either, and claims on the whole stack
/// are made on `P''` itself (its randomness included).
///
/// Either way the configuration search sizes the random coefficients to at least `uses` openings'
/// queries of the first oracle per limb, and the first fold puts the folded randomness into the
/// next oracle's message, which each opening hides like any other, instead of into a code-switch
/// mask revealed in every opening (the mask's reveal is `uses ·` the first round's queries long).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Spread {
    /// The first fold's variables: the limb index's bits.
    pub(crate) limb_vars: usize,
    /// The new variables after them; `P'` is `2^extra_vars` times `P` (0 when `interleaved`).
    pub(crate) extra_vars: usize,
    /// The columns' stack's index rotated, its free tail random (no new variables).
    pub(crate) interleaved: bool,
}

impl Spread {
    /// The form with `extra_vars` new variables after the limb bits (proof format 19).
    pub(crate) fn extra(limb_vars: usize, extra_vars: usize) -> Self {
        Self {
            limb_vars,
            extra_vars,
            interleaved: false,
        }
    }

    /// The form in the stack's free tail, its index rotated (proof format 20).
    pub(crate) fn tail(limb_vars: usize) -> Self {
        Self {
            limb_vars,
            extra_vars: 0,
            interleaved: true,
        }
    }

    /// Random coefficients per limb for a stack of `stacked_vars` variables (`P'`'s) whose
    /// columns end at `used` (the columns' stack's index).
    pub(crate) fn randomness_per_limb(&self, stacked_vars: usize, used: usize) -> usize {
        let chunk_vars = stacked_vars.saturating_sub(self.limb_vars + self.extra_vars);
        if self.interleaved {
            (1usize << chunk_vars).saturating_sub(self.tail_start(used))
        } else {
            ((1usize << self.extra_vars) - 1) << chunk_vars
        }
    }

    /// With `interleaved`: where each limb's random tail starts (every limb holds `used`'s
    /// share of the columns, rounded up).
    fn tail_start(&self, used: usize) -> usize {
        used.div_ceil(1usize << self.limb_vars)
    }

    /// With `interleaved`: the committed position of the columns' stack's index `y` in a stack
    /// of `stacked_vars` variables (`y`'s low `limb_vars` bits become the high ones).
    fn rotated(&self, y: usize, stacked_vars: usize) -> usize {
        let low = y & ((1usize << self.limb_vars) - 1);
        (low << stacked_vars.saturating_sub(self.limb_vars)) | (y >> self.limb_vars)
    }
}

/// The placement of every column; a pure function of the column sizes and the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stack {
    /// Number of variables of each column (before padding).
    pub(crate) num_vars: Vec<usize>,
    /// Padded number of variables of each column.
    arity: Vec<usize>,
    /// Offset of each column's slot in the stack (a multiple of `2^arity`).
    offset: Vec<usize>,
    /// The fewest variables that hold every slot.
    pub(crate) min_stacked_vars: usize,
    /// The end of the last slot: the stack's indices from here on hold no column.
    pub(crate) used: usize,
    /// The randomness in the message of a reusable commitment ([`Spread`]), if it has it.
    pub(crate) spread: Option<Spread>,
}

impl Stack {
    /// Places columns of `num_vars[c]` variables.
    pub(crate) fn new(num_vars: &[usize], config: &PcsConfig) -> Result<Self, PcsError> {
        let plan = Plan::new(num_vars, config)?;
        let mut arity = vec![0; num_vars.len()];
        let mut offset = vec![0; num_vars.len()];
        let mut next = 0usize;
        for table in &plan.tables {
            for &c in &table.columns {
                let (a, o) = arity
                    .get_mut(c)
                    .zip(offset.get_mut(c))
                    .ok_or(PcsError::NoColumns)?;
                *a = table.arity;
                *o = next;
                next += 1usize << table.arity;
            }
        }
        Ok(Self {
            num_vars: num_vars.to_vec(),
            arity,
            offset,
            min_stacked_vars: plan.stacked_vars,
            used: next,
            spread: None,
        })
    }

    /// Each column's padded number of variables and its slot's offset.
    pub(crate) fn slots(&self) -> Vec<(usize, usize)> {
        self.arity
            .iter()
            .copied()
            .zip(self.offset.iter().copied())
            .collect()
    }

    /// This layout with the openings' randomness in the message (or not).
    pub(crate) fn with_spread(mut self, spread: Option<Spread>) -> Self {
        self.spread = spread;
        self
    }

    /// The number of variables of the columns' stack `P` inside a committed stack of
    /// `stacked_vars` variables (fewer than `stacked_vars` with a [`Spread`]).
    pub(crate) fn columns_vars(&self, stacked_vars: usize) -> usize {
        stacked_vars - self.spread.map_or(0, |s| s.extra_vars)
    }

    /// Where `P`'s index range `start..start + len` lies in the committed stack of
    /// `stacked_vars` variables, as `(position in the stack, position in the range, length)`:
    /// one piece, or one per limb the range crosses with a [`Spread`].
    fn segments(
        &self,
        start: usize,
        len: usize,
        stacked_vars: usize,
    ) -> impl Iterator<Item = (usize, usize, usize)> {
        let (chunk_vars, extra) = match self.spread {
            Some(s) => (
                self.columns_vars(stacked_vars).saturating_sub(s.limb_vars),
                s.extra_vars,
            ),
            None => (usize::BITS as usize - 1, 0),
        };
        let chunk = 1usize << chunk_vars;
        let end = start + len;
        let mut at = start;
        std::iter::from_fn(move || {
            (at < end).then(|| {
                let within = at & (chunk - 1);
                let take = (chunk - within).min(end - at);
                let to = (((at >> chunk_vars) << extra) << chunk_vars) | within;
                let piece = (to, at - start, take);
                at += take;
                piece
            })
        })
    }

    /// The stacked polynomial's `2^stacked_vars` evaluations (prover only): the columns in
    /// their slots, zeros elsewhere (a [`Spread`]'s randomness included: [`Stack::fill_randomness`]).
    pub(crate) fn fill(&self, columns: &[Vec<F>], stacked_vars: usize) -> Vec<F> {
        let mut values = F::zero_vec(1usize << stacked_vars);
        for ((column, &o), &n) in columns.iter().zip(&self.offset).zip(&self.num_vars) {
            debug_assert_eq!(column.len(), 1usize << n);
            if let Some(s) = self.spread.filter(|s| s.interleaved) {
                for (i, &v) in column.iter().enumerate() {
                    if let Some(dst) = values.get_mut(s.rotated(o + i, stacked_vars)) {
                        *dst = v;
                    }
                }
                continue;
            }
            for (to, from, take) in self.segments(o, column.len(), stacked_vars) {
                if let (Some(dst), Some(src)) =
                    (values.get_mut(to..to + take), column.get(from..from + take))
                {
                    dst.copy_from_slice(src);
                }
            }
        }
        values
    }

    /// Draws a [`Spread`]'s randomness from `rng` into a stack [`Stack::fill`] made: every
    /// limb's part after its columns' chunk (or share, `interleaved`). Nothing without a spread.
    pub(crate) fn fill_randomness(&self, values: &mut [F], rng: &mut StdRng) {
        if let Some(s) = self.spread {
            let block = values.len() >> s.limb_vars;
            let chunk = if s.interleaved {
                s.tail_start(self.used)
            } else {
                block >> s.extra_vars
            };
            for limb in values.chunks_mut(block.max(1)) {
                for v in limb.iter_mut().skip(chunk) {
                    *v = rng.random();
                }
            }
        }
    }

    /// Whether `stacked` (a stack this layout filled) holds `columns` — the first of the
    /// layout's columns, as many as are given — in their slots. The columns are taken one at a
    /// time, so a caller can make each only when it is compared.
    pub(crate) fn holds<C: AsRef<[F]>>(
        &self,
        stacked: &[F],
        columns: impl IntoIterator<Item = C>,
    ) -> bool {
        if !stacked.len().is_power_of_two() {
            return false;
        }
        let stacked_vars = stacked.len().trailing_zeros() as usize;
        let mut slots = self.offset.iter().zip(&self.num_vars);
        columns.into_iter().all(|column| {
            let column = column.as_ref();
            slots.next().is_some_and(|(&o, &n)| {
                if column.len() != 1usize << n {
                    return false;
                }
                if let Some(s) = self.spread.filter(|s| s.interleaved) {
                    return column
                        .iter()
                        .enumerate()
                        .all(|(i, v)| stacked.get(s.rotated(o + i, stacked_vars)) == Some(v));
                }
                self.segments(o, column.len(), stacked_vars)
                    .all(|(to, from, take)| {
                        matches!(
                            (stacked.get(to..to + take), column.get(from..from + take)),
                            (Some(a), Some(b)) if a == b
                        )
                    })
            })
        })
    }

    /// Checks every claim against the shapes and lifts it to a point of the committed stack of
    /// `stacked_vars ≥ min_stacked_vars` variables; then the `stack` claims' points, which are
    /// points of the columns' stack `P` (of [`Stack::columns_vars`] coordinates), lifted the
    /// same way.
    pub(crate) fn lift(
        &self,
        claims: &[ColumnClaim],
        stack: &[StackClaim],
        stacked_vars: usize,
    ) -> Result<Vec<Point<EF>>, PcsError> {
        let total = claims.len() + stack.len();
        if total == 0 {
            return Err(PcsError::NoClaims);
        }
        if total > MAX_CLAIMS {
            return Err(PcsError::TooManyClaims {
                max: MAX_CLAIMS,
                got: total,
            });
        }
        let columns_vars = self.columns_vars(stacked_vars);
        let mut points: Vec<Point<EF>> = self
            .lift_points(claims, stacked_vars)?
            .into_iter()
            .map(|p| Point::new(self.spread_point(p)))
            .collect();
        for (i, c) in stack.iter().enumerate() {
            if c.point.len() != columns_vars {
                return Err(PcsError::PointLength {
                    claim: claims.len() + i,
                    expected: columns_vars,
                    got: c.point.len(),
                });
            }
            points.push(Point::new(self.spread_point(c.point.clone())));
        }
        Ok(points)
    }

    /// A point of the columns' stack `P` as the point of the committed stack with the same
    /// value: `P(p) = P'(p_b, 0, p_j)` with a [`Spread`] of extra variables (the limb
    /// coordinates, then its zero coordinates), the point itself without one or with an
    /// interleaved one (whose claims are on the committed stack already).
    fn spread_point(&self, mut point: Vec<EF>) -> Vec<EF> {
        if let Some(s) = self.spread.filter(|s| !s.interleaved) {
            let at = s.limb_vars.min(point.len());
            point.splice(at..at, std::iter::repeat_n(EF::ZERO, s.extra_vars));
        }
        point
    }

    /// The stack claims are reduced on inside a committed stack (`stacked`, of
    /// `2^stacked_vars` values): the stack itself without a [`Spread`] or with an interleaved
    /// one, each limb's first chunk (the columns' stack `P`) with extra variables.
    pub(crate) fn columns_values<'a>(&self, stacked: &'a [F]) -> std::borrow::Cow<'a, [F]> {
        let Some(s) = self.spread.filter(|s| !s.interleaved) else {
            return std::borrow::Cow::Borrowed(stacked);
        };
        let block = stacked.len() >> s.limb_vars;
        let chunk = block >> s.extra_vars;
        std::borrow::Cow::Owned(
            stacked
                .chunks(block.max(1))
                .flat_map(|limb| limb.get(..chunk).unwrap_or_default())
                .copied()
                .collect(),
        )
    }

    /// Each column claim's point on the stack claims are reduced on ([`Stack::columns_values`])
    /// inside a committed stack of `stacked_vars` variables (the committed stack itself
    /// without a [`Spread`] or with an interleaved one, the columns' stack `P` with extra
    /// variables), after checking it against the shapes.
    pub(crate) fn lift_points(
        &self,
        claims: &[ColumnClaim],
        stacked_vars: usize,
    ) -> Result<Vec<Vec<EF>>, PcsError> {
        let columns = self.num_vars.len();
        claims
            .iter()
            .enumerate()
            .map(|(i, claim)| {
                let c = claim.column;
                let ((&n, &a), &o) = self
                    .num_vars
                    .get(c)
                    .zip(self.arity.get(c))
                    .zip(self.offset.get(c))
                    .ok_or(PcsError::ColumnOutOfRange {
                        claim: i,
                        columns,
                        got: c,
                    })?;
                if claim.point.len() != n {
                    return Err(PcsError::PointLength {
                        claim: i,
                        expected: n,
                        got: claim.point.len(),
                    });
                }
                let columns_vars = self.columns_vars(stacked_vars);
                let selector_bits =
                    columns_vars
                        .checked_sub(a)
                        .ok_or(PcsError::ColumnTooLarge {
                            column: c,
                            max: columns_vars,
                            got: a,
                        })?;
                let slot = o >> a;
                let mut coords = Vec::with_capacity(stacked_vars);
                for bit in (0..selector_bits).rev() {
                    coords.push(if (slot >> bit) & 1 == 1 {
                        EF::ONE
                    } else {
                        EF::ZERO
                    });
                }
                coords.resize(selector_bits + (a - n), EF::ZERO);
                coords.extend_from_slice(&claim.point);
                // Interleaved: the index's low `limb_vars` bits (the point's last coordinates)
                // are the committed stack's first.
                if let Some(s) = self.spread.filter(|s| s.interleaved) {
                    let split =
                        coords
                            .len()
                            .checked_sub(s.limb_vars)
                            .ok_or(PcsError::ColumnTooLarge {
                                column: c,
                                max: columns_vars,
                                got: s.limb_vars,
                            })?;
                    coords.rotate_left(split);
                }
                Ok(coords)
            })
            .collect()
    }
}
