//! Padded power-of-two layouts.
//!
//! Every tensor is stored as a multilinear table: each logical axis is padded to the next power of
//! two, so the point of a tensor is the concatenation of its axes' points (the big-endian
//! convention of `zkinfer-poly`). A reshaped tensor keeps the storage of its input, so reshapes
//! cost nothing. When every logical element keeps its stored position under the natural layout of
//! the new shape (no padding before, or only splits/merges of power-of-two axes), the reshape
//! takes that natural layout (attention's `[T, D] → [T, H, D/H]`); otherwise its layout is the
//! input's and the ops that read through it (a linear layer after a flatten) re-lay their weights
//! at compile time instead.

use serde::{Deserialize, Serialize};
use zkinfer_poly::log2_ceil;

/// Logical axes and their padded sizes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Logical sizes.
    pub logical: Vec<usize>,
    /// Padded sizes (powers of two).
    pub padded: Vec<usize>,
}

impl Layout {
    /// The natural layout of a shape: each axis padded to a power of two.
    #[must_use]
    pub fn natural(shape: &[usize]) -> Self {
        Self {
            logical: shape.to_vec(),
            padded: shape.iter().map(|&d| 1usize << log2_ceil(d)).collect(),
        }
    }

    /// Number of stored elements.
    #[must_use]
    pub fn size(&self) -> usize {
        self.padded.iter().product()
    }

    /// Number of variables of the stored table.
    #[must_use]
    pub fn num_vars(&self) -> usize {
        self.size().trailing_zeros() as usize
    }

    /// Number of logical elements.
    #[must_use]
    pub fn logical_len(&self) -> usize {
        self.logical.iter().product()
    }

    /// Variables of each axis.
    #[must_use]
    pub fn axis_vars(&self) -> Vec<usize> {
        self.padded
            .iter()
            .map(|p| p.trailing_zeros() as usize)
            .collect()
    }

    /// The stored index of each logical element, in row-major logical order.
    #[must_use]
    pub fn logical_to_stored(&self) -> Vec<usize> {
        let mut out = vec![0usize];
        for (&l, &p) in self.logical.iter().zip(&self.padded) {
            let mut next = Vec::with_capacity(out.len() * l);
            for &base in &out {
                for i in 0..l {
                    next.push(base * p + i);
                }
            }
            out = next;
        }
        out
    }

    /// Scatters logical row-major values into a zero-padded stored table.
    #[must_use]
    pub fn scatter<T: Copy + Default>(&self, logical: &[T]) -> Vec<T> {
        let mut out = vec![T::default(); self.size()];
        for (&s, &v) in self.logical_to_stored().iter().zip(logical) {
            out[s] = v;
        }
        out
    }

    /// Gathers the logical values out of a stored table.
    #[must_use]
    pub fn gather<T: Copy>(&self, stored: &[T]) -> Vec<T> {
        self.logical_to_stored()
            .iter()
            .map(|&s| stored[s])
            .collect()
    }

    /// Splits a stored table into its logical values and its non-zero padded entries, as
    /// flat `(stored position, value)` pairs in increasing position ([`Layout::join_padding`]
    /// inverts it). A public output is sent this way: the padding of most outputs is all zero,
    /// so the proof carries the logical values only (GPT-2's logits: 50,257 of 65,536 per row).
    #[must_use]
    pub fn split_padding(&self, stored: &[i64]) -> (Vec<i64>, Vec<i64>) {
        let positions = self.logical_to_stored();
        let logical = positions.iter().map(|&s| stored[s]).collect();
        let mut is_logical = vec![false; self.size()];
        for &s in &positions {
            is_logical[s] = true;
        }
        let pad = stored
            .iter()
            .enumerate()
            .filter(|&(s, &v)| v != 0 && !is_logical[s])
            .flat_map(|(s, &v)| [s as i64, v])
            .collect();
        (logical, pad)
    }

    /// The stored table of `logical` values and the non-zero padded entries `pad` of
    /// [`Layout::split_padding`]. Every table has one encoding: refuses a wrong number of
    /// values, an odd `pad`, a position out of range, on a logical element or not increasing,
    /// and a zero value.
    ///
    /// # Errors
    /// What is wrong, in words.
    pub fn join_padding(&self, logical: &[i64], pad: &[i64]) -> Result<Vec<i64>, String> {
        if logical.len() != self.logical_len() {
            return Err(format!(
                "{} values, expected {}",
                logical.len(),
                self.logical_len()
            ));
        }
        if !pad.len().is_multiple_of(2) {
            return Err("the padded entries are not (position, value) pairs".into());
        }
        // Row by row (the innermost axis is contiguous in both orders), without the position
        // table of `logical_to_stored`: GPT-2's public logits are 804k values.
        let mut out = vec![0i64; self.size()];
        self.for_each_row(|stored, at, len| {
            out[stored..stored + len].copy_from_slice(&logical[at..at + len]);
        });
        let mut next = 0usize;
        for pair in pad.chunks_exact(2) {
            let (s, v) = (pair[0], pair[1]);
            let s = usize::try_from(s)
                .ok()
                .filter(|&s| s >= next && s < out.len() && !self.is_logical_position(s))
                .ok_or_else(|| {
                    format!(
                        "padded entry at {s}: not a padded position of the {} stored, \
                         or out of order",
                        out.len()
                    )
                })?;
            if v == 0 {
                return Err(format!("padded entry at {s} is zero (zeros are not sent)"));
            }
            out[s] = v;
            next = s + 1;
        }
        Ok(out)
    }

    /// Calls `f(stored, logical, len)` for every innermost row of the logical tensor, in
    /// row-major order: `len` values from logical offset `logical` sit at stored offset
    /// `stored` (each axis's stored stride is the padded sizes' product after it).
    fn for_each_row(&self, mut f: impl FnMut(usize, usize, usize)) {
        let Some((&row, outer)) = self.logical.split_last() else {
            // A scalar: one value, stored at 0.
            f(0, 0, 1);
            return;
        };
        if self.logical.contains(&0) {
            return;
        }
        let mut index = vec![0usize; outer.len()];
        let mut at = 0;
        loop {
            let stored = index
                .iter()
                .zip(&self.padded)
                .fold(0, |s, (&i, &p)| s * p + i)
                * self.padded[outer.len()];
            f(stored, at, row);
            at += row;
            // The next outer index (odometer, last outer axis fastest).
            let mut axis = outer.len();
            loop {
                if axis == 0 {
                    return;
                }
                axis -= 1;
                index[axis] += 1;
                if index[axis] < outer[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
    }

    /// Whether stored position `s` (below [`Layout::size`]) holds a logical element: every
    /// axis's index is inside the logical size.
    fn is_logical_position(&self, mut s: usize) -> bool {
        for (&l, &p) in self.logical.iter().zip(&self.padded).rev() {
            if s % p >= l {
                return false;
            }
            s /= p;
        }
        true
    }

    /// Splits the axes so that the trailing ones multiply to `k` (a linear layer's contraction
    /// dimension). Returns the number of leading axes, or `None` if no suffix has product `k`.
    #[must_use]
    pub fn split_suffix(&self, k: usize) -> Option<usize> {
        let mut prod = 1usize;
        for split in (0..=self.logical.len()).rev() {
            if prod == k {
                return Some(split);
            }
            if split == 0 {
                break;
            }
            prod *= self.logical[split - 1];
        }
        None
    }

    /// The layout of axes `range`.
    #[must_use]
    pub fn sub(&self, range: std::ops::Range<usize>) -> Self {
        Self {
            logical: self.logical[range.clone()].to_vec(),
            padded: self.padded[range].to_vec(),
        }
    }

    /// Whether every axis before `from_end` trailing axes is logically 1.
    #[must_use]
    pub fn leading_ones(&self, keep: usize) -> bool {
        self.logical.len() >= keep
            && self.logical[..self.logical.len() - keep]
                .iter()
                .all(|&d| d == 1)
    }
}

/// Whether two layouts of the same elements (row-major) put every logical element at the same
/// stored position and have the same size: then they describe one storage.
#[must_use]
pub fn same_storage(a: &Layout, b: &Layout) -> bool {
    if a.size() != b.size() || a.logical_len() != b.logical_len() {
        return false;
    }
    if a.size() == a.logical_len() {
        // No padding in either: both are the row-major identity.
        return true;
    }
    a.logical_to_stored() == b.logical_to_stored()
}

/// `(C, H, W)` of a `[1, C, H, W]` layout (any number of leading 1s).
#[must_use]
pub fn chw_of(x: &Layout) -> Option<(usize, usize, usize)> {
    let n = x.logical.len();
    if n < 3 || !x.leading_ones(3) {
        return None;
    }
    match x.logical.get(n - 3..)? {
        &[c, h, w] => Some((c, h, w)),
        _ => None,
    }
}

/// The output height and width of a window over an `h × w` input.
#[must_use]
pub fn out_hw(w: &crate::ir::Window, h: usize, wd: usize) -> Option<(usize, usize)> {
    Some((w.out_dim(0, h)?, w.out_dim(1, wd)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_splits_and_joins_with_one_encoding() {
        let l = Layout::natural(&[3, 5]);
        assert_eq!(l.size(), 32);
        let mut stored = l.scatter(&(1..=15).collect::<Vec<i64>>());
        stored[5] = -7; // row 0, padded column 5
        stored[31] = 2; // the padded row's last entry
        let (logical, pad) = l.split_padding(&stored);
        assert_eq!(logical, (1..=15).collect::<Vec<i64>>());
        assert_eq!(pad, vec![5, -7, 31, 2]);
        assert_eq!(l.join_padding(&logical, &pad).unwrap(), stored);
        // An all-zero padding sends nothing.
        let plain = l.scatter(&logical);
        assert!(l.split_padding(&plain).1.is_empty());
        assert_eq!(l.join_padding(&logical, &[]).unwrap(), plain);
        // Every other encoding is refused.
        for bad in [
            vec![5],           // not pairs
            vec![5, 0],        // a zero sent
            vec![0, 1],        // a logical position
            vec![31, 2, 5, 1], // out of order
            vec![5, 1, 5, 2],  // repeated
            vec![32, 1],       // out of range
            vec![-1, 1],       // negative
        ] {
            assert!(l.join_padding(&logical, &bad).is_err(), "{bad:?}");
        }
        assert!(l.join_padding(&logical[1..], &pad).is_err());
    }

    /// Row-wise joining and the position test agree with the position table on layouts with
    /// padding on any axis, scalars and empty axes.
    #[test]
    fn rows_and_positions_agree_with_the_position_table() {
        for shape in [
            vec![],
            vec![1],
            vec![5],
            vec![3, 5],
            vec![1, 16, 50],
            vec![3, 1, 4, 7],
            vec![2, 0, 3],
        ] {
            let l = Layout::natural(&shape);
            let logical: Vec<i64> = (1..=l.logical_len() as i64).collect();
            assert_eq!(
                l.join_padding(&logical, &[]).unwrap(),
                l.scatter(&logical),
                "{shape:?}"
            );
            let positions = l.logical_to_stored();
            for s in 0..l.size() {
                assert_eq!(
                    l.is_logical_position(s),
                    positions.contains(&s),
                    "{shape:?} at {s}"
                );
            }
        }
    }

    #[test]
    fn natural_layout_pads_each_axis() {
        let l = Layout::natural(&[1, 3, 5, 5]);
        assert_eq!(l.padded, vec![1, 4, 8, 8]);
        assert_eq!(l.size(), 256);
        assert_eq!(l.num_vars(), 8);
        let stored = l.logical_to_stored();
        assert_eq!(stored.len(), 75);
        assert_eq!(stored[5], 8); // (0,0,1,0)
        let vals: Vec<i64> = (0..75).collect();
        assert_eq!(l.gather(&l.scatter(&vals)), vals);
    }

    #[test]
    fn split_suffix_finds_contraction_axes() {
        let l = Layout::natural(&[1, 8, 6, 6]);
        assert_eq!(l.split_suffix(288), Some(1));
        assert_eq!(l.split_suffix(36), Some(2));
        assert_eq!(l.split_suffix(288 * 2), None);
        assert_eq!(Layout::natural(&[1, 32]).split_suffix(32), Some(1));
    }
}
