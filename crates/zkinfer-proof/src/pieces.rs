//! A weight column committed as power-of-two pieces instead of its zero-padded table.
//!
//! A tensor column pads every axis to a power of two (a 3 × 3 kernel occupies 4 × 4 entries, a
//! 384-wide matrix 512), so its table can be nearly twice the tensor (ResNet-18: 19.7M padded
//! entries for 11.2M weights; a MiniLM encoder 35.9M for 22.6M), and the private weights'
//! stack, its codeword, the key and every proof's weights reduction and opening grow with it.
//! Here each axis of `n` logical entries padded to `2^k` is cut into a few aligned blocks —
//! `n`'s largest powers of two, then the power of two covering the rest — as few as waste at
//! most an eighth of `n` (3 = 2 + 1, 384 = 256 + 128, 1536 = 1024 + 512; GPT-2's vocabulary
//! 50,257 = 32,768 + 16,384 + 2,048 rounded, where two blocks would cover 65,536), and the column
//! into the products of its axes' blocks: each such box is a *piece*, committed as a column of
//! its own; the padding outside the boxes is not committed (it is zero).
//!
//! The ops keep proving on the padded table, so their claims are on the padded column's
//! multilinear extension `W̃`. For a point `p` (big-endian, axis by axis) and a piece whose
//! block on axis `a` has `bits_a` bits at offset `o_a`,
//! `W̃(p) = Σ_pieces Π_a eq(p_a[..k_a − bits_a], o_a >> bits_a) · piece(p_a[k_a − bits_a..] …)`:
//! the padded entries are zero and the pieces are disjoint. So a claim on the column becomes a
//! claim on a linear combination of piece evaluations ([`Piece::split_point`]), which the
//! weights' stack reduction takes as it is (`zkinfer_sumcheck::reduce_masked_claims_weighted`):
//! no evaluation of a piece is revealed, and soundness is the reduction's.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, PrimeCharacteristicRing};

/// A column of fewer variables than this is committed whole (its pieces would be small, and
/// the stack pads each column to the fold anyway).
pub const PIECE_MIN_VARS: usize = 16;

/// A piece is kept only if the pieces together take at most this fraction of the padded table
/// (in eighths): a column that shrinks by less is committed whole.
const KEEP_EIGHTHS: usize = 7;

/// The smallest column the stack places, in variables (the fold of the weights' commitment:
/// a smaller piece still occupies `2^4` entries).
const MIN_SLOT_VARS: usize = 4;

/// The most blocks an axis is cut into ([`axis_blocks`]).
const MAX_AXIS_BLOCKS: usize = 3;

/// The most pieces a column is committed as: past it, each axis is cut into at most two blocks.
const MAX_PIECES: usize = 16;

/// One axis's block: indices `[offset, offset + 2^bits)` of an axis of `2^axis_bits` entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    axis_bits: usize,
    bits: usize,
    offset: usize,
}

/// One piece of a column: a block per axis, big-endian.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    blocks: Vec<Block>,
}

impl Piece {
    /// The piece's number of variables.
    #[must_use]
    pub fn vars(&self) -> usize {
        self.blocks.iter().map(|b| b.bits).sum()
    }

    /// For a point on the whole padded column, this piece's coefficient and point: the
    /// column's evaluation is `Σ_pieces coefficient · piece(point)`. `None` if `point` does not
    /// have the column's number of variables.
    #[must_use]
    pub fn split_point(&self, point: &[EF]) -> Option<(EF, Vec<EF>)> {
        let mut coeff = EF::ONE;
        let mut out = Vec::with_capacity(self.vars());
        let mut at = 0;
        for b in &self.blocks {
            let axis = point.get(at..at + b.axis_bits)?;
            let hi = b.axis_bits.checked_sub(b.bits)?;
            let select = b.offset >> b.bits;
            let (high, low) = axis.split_at(hi);
            for (j, &c) in high.iter().enumerate() {
                coeff *= if (select >> (hi - 1 - j)) & 1 == 1 {
                    c
                } else {
                    EF::ONE - c
                };
            }
            out.extend_from_slice(low);
            at += b.axis_bits;
        }
        (at == point.len()).then_some((coeff, out))
    }

    /// The piece's values, big-endian over its blocks, read out of the whole padded column.
    /// `None` if the column is shorter than the layout says.
    #[must_use]
    pub fn extract<T: Copy>(&self, column: &[T]) -> Option<Vec<T>> {
        let n = self.blocks.len();
        // The column's stride of each axis.
        let mut stride = vec![1usize; n];
        for a in (0..n.saturating_sub(1)).rev() {
            let next = self.blocks.get(a + 1)?;
            let s = *stride.get(a + 1)? << next.axis_bits;
            *stride.get_mut(a)? = s;
        }
        let len = 1usize << self.vars();
        let mut out = Vec::with_capacity(len);
        for local in 0..len {
            let mut rest = local;
            let mut idx = 0usize;
            for (b, &s) in self.blocks.iter().zip(&stride).rev() {
                let y = rest & ((1usize << b.bits) - 1);
                rest >>= b.bits;
                idx += (b.offset + y) * s;
            }
            out.push(*column.get(idx)?);
        }
        Some(out)
    }
}

/// The blocks an axis of `n` logical entries padded to `2^k` is cut into: the fewest, up to
/// `max_blocks`, whose cover wastes at most an eighth of `n` (or, if none does, `max_blocks`).
/// The first blocks are `n`'s largest powers of two, greedily (each aligned at its offset, as
/// the offsets are sums of larger powers of two); the last covers the rest rounded up to a
/// power of two. Two blocks cut 3 = 2 + 1, 384 = 256 + 128, 1536 = 1024 + 512; three cut
/// GPT-2's vocabulary of 50,257 into 32,768 + 16,384 + 2,048, where two would cover 65,536.
fn axis_blocks(n: usize, k: usize, max_blocks: usize) -> Vec<Block> {
    let cut = |count: usize| {
        let mut blocks = Vec::with_capacity(count);
        let mut offset = 0usize;
        while offset < n {
            let rest = n - offset;
            let bits = if blocks.len() + 1 == count || rest.is_power_of_two() {
                rest.next_power_of_two().trailing_zeros() as usize
            } else {
                (usize::BITS - 1 - rest.leading_zeros()) as usize
            };
            blocks.push(Block {
                axis_bits: k,
                bits,
                offset,
            });
            offset += 1usize << bits;
        }
        blocks
    };
    let cover = |blocks: &[Block]| blocks.iter().map(|b| 1usize << b.bits).sum::<usize>();
    (1..max_blocks)
        .map(cut)
        .find(|blocks| cover(blocks).saturating_mul(8) <= n.saturating_mul(9))
        .unwrap_or_else(|| cut(max_blocks))
}

/// The pieces a weight column of these axes (`(logical, padded)` per axis, big-endian) is
/// committed as, or `None` to commit it whole: a column under 2^[`PIECE_MIN_VARS`] entries, a
/// column whose axes are all powers of two, or one whose pieces would save less than an
/// eighth of its table. Deterministic in `axes` (prover and verifier derive it from the plan).
#[must_use]
pub fn pieces(axes: &[(usize, usize)]) -> Option<Vec<Piece>> {
    pieces_cut(axes, MAX_AXIS_BLOCKS)
}

/// [`pieces`] with each axis cut into at most `max_axis_blocks` blocks (key format 9 cut
/// into two: for tests that compare).
pub(crate) fn pieces_cut(axes: &[(usize, usize)], max_axis_blocks: usize) -> Option<Vec<Piece>> {
    let mut per_axis: Vec<Vec<Block>> = Vec::with_capacity(axes.len());
    let mut total_bits = 0usize;
    for &(n, p) in axes {
        if !p.is_power_of_two() || n == 0 || n > p {
            return None;
        }
        let k = p.trailing_zeros() as usize;
        total_bits += k;
        per_axis.push(axis_blocks(n, k, max_axis_blocks));
    }
    // A column of many small pieces: each axis at most two blocks (the rest rounded up).
    if per_axis.iter().map(Vec::len).product::<usize>() > MAX_PIECES {
        per_axis = axes
            .iter()
            .map(|&(n, p)| axis_blocks(n, p.trailing_zeros() as usize, max_axis_blocks.min(2)))
            .collect();
    }
    if total_bits < PIECE_MIN_VARS {
        return None;
    }
    let mut out = vec![Piece { blocks: Vec::new() }];
    for blocks in &per_axis {
        out = out
            .iter()
            .flat_map(|piece| {
                blocks.iter().map(move |&b| {
                    let mut next = piece.clone();
                    next.blocks.push(b);
                    next
                })
            })
            .collect();
    }
    let slots: u128 = out
        .iter()
        .map(|piece| 1u128 << piece.vars().clamp(MIN_SLOT_VARS, 100))
        .sum();
    let whole = 1u128 << total_bits.min(100);
    (slots * 8 <= whole * KEEP_EIGHTHS as u128).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkinfer_field::F;
    use zkinfer_poly::eq_table;

    fn mle(values: &[i64], point: &[EF]) -> EF {
        eq_table(point)
            .into_iter()
            .zip(values)
            .map(|(e, &v)| e * EF::from(zkinfer_field::from_signed(v)))
            .sum()
    }

    /// A `[logical]` tensor scattered into its padded table, entries `1 + index`.
    fn padded(axes: &[(usize, usize)]) -> Vec<i64> {
        let size: usize = axes.iter().map(|a| a.1).product();
        let mut out = vec![0i64; size];
        let mut next = 1i64;
        for (i, slot) in out.iter_mut().enumerate() {
            let mut rest = i;
            let mut inside = true;
            for &(n, p) in axes.iter().rev() {
                inside &= rest % p < n;
                rest /= p;
            }
            if inside {
                *slot = next;
                next += 1;
            }
        }
        out
    }

    #[test]
    fn a_claim_on_the_padded_column_is_the_weighted_sum_of_piece_claims() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for axes in [
            vec![(64, 64), (64, 64), (3, 4), (3, 4)],
            vec![(384, 512), (384, 512)],
            vec![(300, 512), (7, 8), (40, 64)],
            vec![(1536, 2048), (384, 512)],
            // Three blocks on the first axis (64 + 32 + 4), two on the second (256 + 64).
            vec![(100, 128), (300, 512)],
        ] {
            let ps = pieces(&axes).expect("pieced");
            let column = padded(&axes);
            let real: usize = axes.iter().map(|a| a.0).product();
            // The pieces hold every logical entry once and nothing else.
            let mut held: Vec<i64> = ps
                .iter()
                .flat_map(|p| p.extract(&column).expect("fits"))
                .filter(|&v| v != 0)
                .collect();
            held.sort_unstable();
            assert_eq!(held, (1..=real as i64).collect::<Vec<_>>(), "{axes:?}");
            let vars = column.len().trailing_zeros() as usize;
            let point: Vec<EF> = (0..vars)
                .map(|_| EF::from(F::from_u64(rng.random::<u64>() >> 1)))
                .collect();
            let sum: EF = ps
                .iter()
                .map(|p| {
                    let (c, q) = p.split_point(&point).expect("fits");
                    c * mle(&p.extract(&column).expect("fits"), &q)
                })
                .sum();
            assert_eq!(sum, mle(&column, &point), "{axes:?}");
            assert!(ps.iter().map(|p| 1usize << p.vars()).sum::<usize>() < column.len());
            assert!(ps[0].split_point(&point[1..]).is_none(), "a short point");
        }
    }

    #[test]
    fn small_or_power_of_two_or_barely_padded_columns_stay_whole() {
        assert!(
            pieces(&[(64, 64), (64, 64), (4, 4), (4, 4)]).is_none(),
            "no padding"
        );
        assert!(pieces(&[(6, 8), (1, 1), (5, 8), (5, 8)]).is_none(), "small");
        assert!(
            pieces(&[(1000, 1024), (64, 64)]).is_none(),
            "saves under 1/8"
        );
        assert!(pieces(&[(3, 2), (64, 64)]).is_none(), "logical past padded");
        assert_eq!(
            pieces(&[(512, 512), (512, 512), (3, 4), (3, 4)]).map(|p| p.len()),
            Some(4)
        );
    }

    /// `(offset, size)` of each block of an axis.
    fn cuts(n: usize, k: usize, max_blocks: usize) -> Vec<(usize, usize)> {
        axis_blocks(n, k, max_blocks)
            .iter()
            .map(|b| (b.offset, 1 << b.bits))
            .collect()
    }

    #[test]
    fn an_axis_takes_the_fewest_blocks_that_waste_at_most_an_eighth() {
        // GPT-2's vocabulary: two blocks would cover 65,536 entries (30% waste), three 51,200.
        assert_eq!(
            cuts(50257, 16, MAX_AXIS_BLOCKS),
            [(0, 32768), (32768, 16384), (49152, 2048)]
        );
        assert_eq!(cuts(50257, 16, 2), [(0, 32768), (32768, 32768)]);
        // Two blocks where they suffice, one where the padding is already small.
        assert_eq!(cuts(384, 9, MAX_AXIS_BLOCKS), [(0, 256), (256, 128)]);
        assert_eq!(cuts(3, 2, MAX_AXIS_BLOCKS), [(0, 2), (2, 1)]);
        assert_eq!(cuts(1000, 10, MAX_AXIS_BLOCKS), [(0, 1024)]);
        assert_eq!(cuts(64, 6, MAX_AXIS_BLOCKS), [(0, 64)]);
        // No cut within the limit wastes under an eighth: the most blocks.
        assert_eq!(cuts(100, 7, MAX_AXIS_BLOCKS), [(0, 64), (64, 32), (96, 4)]);
        // Every block is aligned at its offset and the blocks cover the axis in order.
        for n in 1..=2000usize {
            let k = n.next_power_of_two().trailing_zeros() as usize;
            for max_blocks in 1..=MAX_AXIS_BLOCKS {
                let c = cuts(n, k, max_blocks);
                assert!(c.len() <= max_blocks.max(1), "{n}: {c:?}");
                let mut at = 0;
                for &(offset, size) in &c {
                    assert_eq!(offset, at, "{n}: {c:?}");
                    assert_eq!(offset % size, 0, "{n}: {c:?} unaligned");
                    at += size;
                }
                assert!(at >= n && at <= 1 << k, "{n}: {c:?}");
            }
        }
        // GPT-2's embedding `[50257, 768]`: six pieces of 39.3M entries instead of 50.3M.
        let ps = pieces(&[(50257, 65536), (768, 1024)]).expect("pieced");
        assert_eq!(ps.len(), 6);
        assert_eq!(
            ps.iter().map(|p| 1usize << p.vars()).sum::<usize>(),
            51200 * 768
        );
        // Past the piece limit each axis is cut in two at most.
        let many = pieces(&[(300, 512), (100, 128), (100, 128)]).expect("pieced");
        const { assert!(2 * 3 * 3 > MAX_PIECES) };
        assert_eq!(many.len(), 8);
    }
}
