//! Tensor kernels shared by the float evaluator (`f32`) and the integer interpreter (`i64`).
//!
//! All tensors are dense and row-major; images are NCHW with N = 1 (the kernels see `[C, H, W]`).
//! Callers check shapes; the kernels index within the shapes they are given.

use std::ops::{Add, Mul};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Below this many multiply-adds a convolution runs serially.
pub const PARALLEL_MIN_MACS: usize = 1 << 16;

/// The arithmetic the kernels need; implemented for `f32`, `i64` and `i128` (the engine's
/// padded positions, computed without overflow before their field-safety check).
pub trait Scalar:
    Copy + Default + Add<Output = Self> + Mul<Output = Self> + PartialOrd + Send + Sync
{
}
impl Scalar for f32 {}
impl Scalar for i64 {}
impl Scalar for i128 {}

/// Geometry of a 2-D window op (conv or pool) on a `[C, H, W]` input: the one window type of the
/// workspace (the engine's graph and key files carry it too, so its serialized form is part of
/// the key format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Strides.
    pub stride: [usize; 2],
    /// Padding: top, left, bottom, right.
    pub pad: [usize; 4],
    /// Dilations.
    pub dilation: [usize; 2],
}

impl Window {
    /// Output size along axis `a` (0 = H, 1 = W) for an input of size `n`, or `None` if the
    /// window does not fit.
    #[must_use]
    pub fn out_dim(&self, a: usize, n: usize) -> Option<usize> {
        let span = (self.kernel[a].checked_sub(1)?)
            .checked_mul(self.dilation[a])?
            .checked_add(1)?;
        let padded = n + self.pad[a] + self.pad[a + 2];
        if self.stride[a] == 0 || padded < span {
            return None;
        }
        Some((padded - span) / self.stride[a] + 1)
    }

    /// Output height and width for an input of `h × w`, or `None` if the window does not fit.
    pub fn out_hw(&self, h: usize, w: usize) -> Option<[usize; 2]> {
        Some([self.out_dim(0, h)?, self.out_dim(1, w)?])
    }

    /// The range `lo..hi` of outputs along axis `a` whose tap `k` falls inside an input of length `len`.
    fn valid(&self, a: usize, k: usize, len: usize, out: usize) -> (usize, usize) {
        let off = k * self.dilation[a];
        let s = self.stride[a];
        let lo = self.pad[a].saturating_sub(off).div_ceil(s);
        let hi = if len + self.pad[a] > off {
            (len + self.pad[a] - off - 1) / s + 1
        } else {
            0
        };
        (lo.min(out), hi.min(out).max(lo.min(out)))
    }

    /// The input index read along axis `a` (0 = H, 1 = W) by output index `o` and kernel tap `k`,
    /// if it lies inside an input of size `n` (padding taps read nothing).
    #[inline]
    #[must_use]
    pub fn source(&self, a: usize, o: usize, k: usize, n: usize) -> Option<usize> {
        (o * self.stride[a] + k * self.dilation[a])
            .checked_sub(self.pad[a])
            .filter(|&i| i < n)
    }
}

/// `y[m, n] = Σ_k x[m, k] · w[k, n]`.
pub fn matmul<T: Scalar>(x: &[T], m: usize, k: usize, w: &[T], n: usize) -> Vec<T> {
    let mut y = vec![T::default(); m * n];
    for i in 0..m {
        let row = &mut y[i * n..(i + 1) * n];
        for kk in 0..k {
            let a = x[i * k + kk];
            let wrow = &w[kk * n..(kk + 1) * n];
            for (r, &b) in row.iter_mut().zip(wrow) {
                *r = *r + a * b;
            }
        }
    }
    y
}

/// Grouped 2-D convolution of `x: [ci, h, w]` with `weight: [co, ci/groups, kh, kw]`; returns `[co, oh, ow]`.
pub fn conv2d<T: Scalar>(
    x: &[T],
    [ci, h, w]: [usize; 3],
    weight: &[T],
    co: usize,
    groups: usize,
    win: &Window,
    [oh, ow]: [usize; 2],
) -> Vec<T> {
    let cig = ci / groups;
    let cog = co / groups;
    let [kh, kw] = win.kernel;
    let mut y = vec![T::default(); co * oh * ow];
    let plane_len = (oh * ow).max(1);
    let channel = |(oc, out): (usize, &mut [T])| {
        let g = oc / cog;
        for icg in 0..cig {
            let ic = g * cig + icg;
            let plane = &x[ic * h * w..(ic + 1) * h * w];
            for ky in 0..kh {
                for kx in 0..kw {
                    let wv = weight[((oc * cig + icg) * kh + ky) * kw + kx];
                    let (lo, hi) = win.valid(1, kx, w, ow);
                    for oy in 0..oh {
                        let Some(iy) = win.source(0, oy, ky, h) else {
                            continue;
                        };
                        let row = &plane[iy * w..(iy + 1) * w];
                        let orow = &mut out[oy * ow..(oy + 1) * ow];
                        for (ox, o) in orow.iter_mut().enumerate().take(hi).skip(lo) {
                            let ix = ox * win.stride[1] + kx * win.dilation[1] - win.pad[1];
                            *o = *o + row[ix] * wv;
                        }
                    }
                }
            }
        }
    };
    if co * cig * kh * kw * oh * ow >= PARALLEL_MIN_MACS {
        y.par_chunks_mut(plane_len).enumerate().for_each(channel);
    } else {
        y.chunks_mut(plane_len).enumerate().for_each(channel);
    }
    y
}

/// Sum (`max = false`) or max pooling of `x: [c, h, w]`; padded taps are skipped
/// (they add 0 to a sum and never win a max). Returns `[c, oh, ow]`.
pub fn pool<T: Scalar>(
    x: &[T],
    [c, h, w]: [usize; 3],
    win: &Window,
    [oh, ow]: [usize; 2],
    max: bool,
) -> Vec<T> {
    let mut y = Vec::with_capacity(c * oh * ow);
    for ch in 0..c {
        let plane = &x[ch * h * w..(ch + 1) * h * w];
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc: Option<T> = None;
                for ky in 0..win.kernel[0] {
                    let Some(iy) = win.source(0, oy, ky, h) else {
                        continue;
                    };
                    for kx in 0..win.kernel[1] {
                        let Some(ix) = win.source(1, ox, kx, w) else {
                            continue;
                        };
                        let v = plane[iy * w + ix];
                        acc = Some(match acc {
                            None => v,
                            Some(a) if max => {
                                if v > a {
                                    v
                                } else {
                                    a
                                }
                            }
                            Some(a) => a + v,
                        });
                    }
                }
                y.push(acc.unwrap_or_default());
            }
        }
    }
    y
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// `y` with `y.shape[i] = shape[perm[i]]`.
pub fn transpose<T: Copy>(x: &[T], shape: &[usize], perm: &[usize]) -> Vec<T> {
    let st = strides(shape);
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let out_st: Vec<usize> = perm.iter().map(|&p| st[p]).collect();
    let n: usize = out_shape.iter().product();
    let mut y = Vec::with_capacity(n);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        let off: usize = idx.iter().zip(&out_st).map(|(i, s)| i * s).sum();
        y.push(x[off]);
        for a in (0..idx.len()).rev() {
            idx[a] += 1;
            if idx[a] < out_shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    y
}

/// For each flat index of `shape`, the flat index into a broadcast operand of `cshape`
/// (same rank; each dim 1 or equal).
pub fn broadcast_indices(shape: &[usize], cshape: &[usize]) -> Vec<usize> {
    let cst = strides(cshape);
    let eff: Vec<usize> = cshape
        .iter()
        .zip(&cst)
        .map(|(&d, &s)| if d == 1 { 0 } else { s })
        .collect();
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        out.push(idx.iter().zip(&eff).map(|(i, s)| i * s).sum());
        for a in (0..idx.len()).rev() {
            idx[a] += 1;
            if idx[a] < shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

/// Sum over `axes`, keeping them as size-1 dims.
pub fn reduce_sum<T: Scalar>(x: &[T], shape: &[usize], axes: &[usize]) -> Vec<T> {
    let oshape: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
        .collect();
    let map = broadcast_indices(shape, &oshape);
    let mut y = vec![T::default(); oshape.iter().product()];
    for (v, &o) in x.iter().zip(&map) {
        y[o] = y[o] + *v;
    }
    y
}

/// Elements `start, start + step, … < end` along `axis`.
pub fn slice<T: Copy>(
    x: &[T],
    shape: &[usize],
    axis: usize,
    start: usize,
    end: usize,
    step: usize,
) -> Vec<T> {
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let d = shape[axis];
    let mut y = Vec::new();
    for o in 0..outer {
        for i in (start..end.min(d)).step_by(step.max(1)) {
            let base = (o * d + i) * inner;
            y.extend_from_slice(&x[base..base + inner]);
        }
    }
    y
}

/// Concatenation along `axis` of tensors with the given shapes.
pub fn concat<T: Copy>(parts: &[(&[T], &[usize])], axis: usize) -> Vec<T> {
    let Some((_, s0)) = parts.first() else {
        return Vec::new();
    };
    let outer: usize = s0[..axis].iter().product();
    let mut y = Vec::new();
    for o in 0..outer {
        for (x, s) in parts {
            let chunk: usize = s[axis..].iter().product();
            y.extend_from_slice(&x[o * chunk..(o + 1) * chunk]);
        }
    }
    y
}

/// `y[.., j, ..] = x[.., indices[j], ..]` along `axis` (callers check `indices[j] < shape[axis]`).
pub fn gather<T: Copy>(x: &[T], shape: &[usize], axis: usize, indices: &[usize]) -> Vec<T> {
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let d = shape[axis];
    let mut y = Vec::with_capacity(outer * indices.len() * inner);
    for o in 0..outer {
        for &j in indices {
            let at = (o * d + j) * inner;
            y.extend_from_slice(&x[at..at + inner]);
        }
    }
    y
}

/// `y[t, ..] = table[ids[t], ..]` for a row-major `table` of `vocab` rows (callers check
/// `0 ≤ ids[t] < vocab`).
pub fn embedding<T: Copy>(ids: &[i64], table: &[T], vocab: usize) -> Vec<T> {
    let row = table.len() / vocab.max(1);
    let mut y = Vec::with_capacity(ids.len() * row);
    for &id in ids {
        let at = id as usize * row;
        y.extend_from_slice(&table[at..at + row]);
    }
    y
}

/// Batched matrix product: `a: [batch, m, k]`, `b: [batch, k, n]` (flattened), returns
/// `[batch, m, n]`.
pub fn batched_matmul<T: Scalar>(a: &[T], b: &[T], batch: usize, [m, k, n]: [usize; 3]) -> Vec<T> {
    let mut y = Vec::with_capacity(batch * m * n);
    for i in 0..batch {
        y.extend(matmul(
            &a[i * m * k..(i + 1) * m * k],
            m,
            k,
            &b[i * k * n..(i + 1) * k * n],
            n,
        ));
    }
    y
}

/// Applies `f` to each lane along the last axis (`x.len()` a multiple of `d ≥ 1`), one output
/// per lane.
pub fn last_axis<T: Copy, U>(x: &[T], d: usize, f: impl Fn(&[T]) -> U) -> Vec<U> {
    x.chunks(d.max(1)).map(f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_2x3() {
        let x = [1, 2, 3, 4, 5, 6];
        assert_eq!(transpose(&x, &[2, 3], &[1, 0]), vec![1, 4, 2, 5, 3, 6]);
    }

    #[test]
    fn conv_identity_and_pool() {
        let win = Window {
            kernel: [1, 1],
            stride: [1, 1],
            pad: [0; 4],
            dilation: [1, 1],
        };
        let x: Vec<i64> = (0..4).collect();
        assert_eq!(
            conv2d(&x, [1, 2, 2], &[2], 1, 1, &win, [2, 2]),
            vec![0, 2, 4, 6]
        );
        let win = Window {
            kernel: [2, 2],
            stride: [2, 2],
            pad: [0; 4],
            dilation: [1, 1],
        };
        assert_eq!(pool(&x, [1, 2, 2], &win, [1, 1], true), vec![3]);
        assert_eq!(pool(&x, [1, 2, 2], &win, [1, 1], false), vec![6]);
    }

    #[test]
    fn reduce_and_slice() {
        let x: [i64; 6] = [1, 2, 3, 4, 5, 6];
        assert_eq!(reduce_sum(&x, &[2, 3], &[1]), vec![6, 15]);
        assert_eq!(slice(&x, &[2, 3], 1, 0, 3, 2), vec![1, 3, 4, 6]);
        assert_eq!(
            concat(&[(&x[..], &[2, 3][..]), (&x[..2], &[2, 1][..])], 1),
            vec![1, 2, 3, 1, 4, 5, 6, 2]
        );
    }
}
