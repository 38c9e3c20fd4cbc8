//! Quantization recipes of the transformer ops into the integer primitives (the exact QOp
//! sequences are listed on each function).

use zkinfer_field::limits::MAX_ISQRT_BITS;

use super::build::{Builder, quant_const};
use super::fuse::{Elementwise, Norm, eval_group};
use super::{ConstTensor, QOp, TableFn, round_away};
use crate::calibrate::pow2_scale;
use crate::error::{ModelError, Result};
use crate::graph::{FConst, Node, TensorId};

/// Functions a fused elementwise group is compared against.
const CANDIDATES: [TableFn; 6] = [
    TableFn::GeluTanh,
    TableFn::GeluErf,
    TableFn::Sigmoid,
    TableFn::Tanh,
    TableFn::Erf,
    TableFn::Exp,
];

/// Number of bits of `b` (`b < 2^bits`).
fn bits(b: u64) -> u32 {
    64 - b.leading_zeros()
}

impl Builder<'_> {
    fn unsupported(&self, node: &Node, detail: String) -> ModelError {
        ModelError::UnsupportedOp {
            node: node.name.clone(),
            op: node.op.name().to_string(),
            detail,
            supported: crate::import::SUPPORTED_OPS.into(),
        }
    }

    /// [`Builder::emit`] of a helper tensor named `<float tensor>/<tag>#id`.
    fn helper(
        &mut self,
        name: &str,
        tag: &str,
        op: QOp,
        inputs: Vec<TensorId>,
        shape: Vec<usize>,
        scale: i32,
    ) -> Result<TensorId> {
        let base = self.tensor_name.clone();
        self.tensor_name = format!("{base}/{tag}");
        let r = self.emit(name, op, inputs, shape, scale);
        self.tensor_name = base;
        r
    }

    fn shape_of(&self, t: TensorId) -> Vec<usize> {
        self.q.tensors[t].shape.clone()
    }

    fn reshape_q(&mut self, name: &str, t: TensorId, shape: &[usize]) -> Result<TensorId> {
        if self.q.tensors[t].shape == shape {
            return Ok(t);
        }
        let s = self.scale(t);
        let op = QOp::Reshape {
            shape: shape.to_vec(),
        };
        self.helper(name, "reshape", op, vec![t], shape.to_vec(), s)
    }

    fn transpose_q(&mut self, name: &str, t: TensorId, perm: &[usize]) -> Result<TensorId> {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(t);
        }
        let xs = self.shape_of(t);
        let shape: Vec<usize> = perm.iter().map(|&p| xs[p]).collect();
        let s = self.scale(t);
        let op = QOp::Transpose {
            perm: perm.to_vec(),
        };
        self.helper(name, "transpose", op, vec![t], shape, s)
    }

    /// Broadcasts `t` to `shape` by repeating its size-1 axes (`Gather` with indices 0).
    fn expand(&mut self, name: &str, mut t: TensorId, shape: &[usize]) -> Result<TensorId> {
        for (axis, &d) in shape.iter().enumerate() {
            if self.q.tensors[t].shape[axis] != d {
                let mut s = self.shape_of(t);
                s[axis] = d;
                let op = QOp::Gather {
                    axis,
                    indices: vec![0; d],
                };
                let sc = self.scale(t);
                t = self.helper(name, "expand", op, vec![t], s, sc)?;
            }
        }
        Ok(t)
    }

    /// Add/Sub with broadcasting: `narrow(a)`, `narrow(b)`, `MulConst 2^d` on the coarser one
    /// (scale alignment), `Gather` to broadcast `a` if it is the smaller one (Add swaps
    /// instead), then `Add`/`Sub` with `b` broadcast.
    pub(super) fn add_sub(&mut self, node: &Node, shape: Vec<usize>) -> Result<TensorId> {
        let name = node.name.as_str();
        let (a, b) = (self.narrow(node.inputs[0])?, self.narrow(node.inputs[1])?);
        let [mut a, mut b] = self.align(name, &[a, b])?[..] else {
            return Err(ModelError::invalid(name, "Add/Sub needs two inputs"));
        };
        let add = matches!(node.op, crate::graph::Op::Add);
        if self.q.tensors[a].shape != shape {
            if add && self.q.tensors[b].shape == shape {
                std::mem::swap(&mut a, &mut b);
            } else {
                a = self.expand(name, a, &shape)?;
            }
        }
        let op = if add { QOp::Add } else { QOp::Sub };
        let s = self.scale(a);
        self.emit(name, op, vec![a, b], shape, s)
    }

    /// Product of two activations: `narrow(a)`, `narrow(b)`, `Mul` (the smaller operand as the
    /// broadcast `b`; `Gather` if neither fits) at scale `s_a + s_b`.
    pub(super) fn mul(&mut self, node: &Node, shape: Vec<usize>) -> Result<TensorId> {
        let name = node.name.as_str();
        let (mut a, mut b) = (self.narrow(node.inputs[0])?, self.narrow(node.inputs[1])?);
        if self.q.tensors[a].shape != shape {
            if self.q.tensors[b].shape == shape {
                std::mem::swap(&mut a, &mut b);
            } else {
                a = self.expand(name, a, &shape)?;
            }
        }
        let s = self.scale(a) + self.scale(b);
        self.emit(name, QOp::Mul, vec![a, b], shape, s)
    }

    /// Einsum of two activations `"<a>,<b>-><out>"` (one letter per axis): `narrow` both,
    /// `Transpose` each to `[batch.., m.., k..]` / `[batch.., k.., n..]`, `Reshape` to
    /// `[B, M, K]` / `[B, K, N]`, `MatMul` (scale `s_a + s_b`, wide), `Reshape` to
    /// `[batch.., m.., n..]`, `Transpose` to the output order, `Reshape` to the output shape.
    /// Identity layout steps are left out; size-1 axes found in one operand only are dropped.
    pub(super) fn einsum(
        &mut self,
        node: &Node,
        expr: &str,
        out_shape: &[usize],
    ) -> Result<TensorId> {
        let name = node.name.as_str();
        let (ins, os) = expr.split_once("->").unwrap_or((expr, ""));
        let (sa, sb) = ins.split_once(',').unwrap_or((ins, ""));
        let (fa, fb) = (node.inputs[0], node.inputs[1]);
        let (ash, bsh) = (
            self.g.tensors[fa].shape.clone(),
            self.g.tensors[fb].shape.clone(),
        );
        if sa.len() != ash.len() || sb.len() != bsh.len() || os.len() != out_shape.len() {
            return Err(self.unsupported(node, format!("cannot read the einsum `{expr}`")));
        }
        let dim = |spec: &str, sh: &[usize], c: char| spec.find(c).map(|i| sh[i]);
        let (mut batch, mut m, mut k, mut n) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for c in sa.chars() {
            match (sb.contains(c), os.contains(c)) {
                (true, true) => batch.push(c),
                (false, true) => m.push(c),
                (true, false) => k.push(c),
                (false, false) if dim(sa, &ash, c) == Some(1) => {}
                (false, false) => {
                    return Err(self.unsupported(node, format!("axis `{c}` summed on one operand")));
                }
            }
        }
        for c in sb.chars() {
            match (sa.contains(c), os.contains(c)) {
                (false, true) => n.push(c),
                (false, false) if dim(sb, &bsh, c) != Some(1) => {
                    return Err(self.unsupported(node, format!("axis `{c}` summed on one operand")));
                }
                _ => {}
            }
        }
        for c in batch.iter().chain(&k) {
            if dim(sa, &ash, *c) != dim(sb, &bsh, *c) {
                return Err(self.unsupported(
                    node,
                    format!("axis `{c}` differs in size (broadcast einsum)"),
                ));
            }
        }
        for (i, c) in os.chars().enumerate() {
            if !sa.contains(c) && !sb.contains(c) && out_shape[i] != 1 {
                return Err(self.unsupported(node, format!("output axis `{c}` from no input")));
            }
        }
        let prod = |spec: &str, sh: &[usize], cs: &[char]| -> usize {
            cs.iter().map(|&c| dim(spec, sh, c).unwrap_or(1)).product()
        };
        let perm_of = |spec: &str, groups: [&[char]; 3]| -> Vec<usize> {
            let listed: Vec<char> = groups.concat();
            listed
                .iter()
                .chain(
                    spec.chars()
                        .filter(|c| !listed.contains(c))
                        .collect::<Vec<_>>()
                        .iter(),
                )
                .filter_map(|&c| spec.find(c))
                .collect()
        };
        let (bb, mm, kk, nn) = (
            prod(sa, &ash, &batch),
            prod(sa, &ash, &m),
            prod(sa, &ash, &k),
            prod(sb, &bsh, &n),
        );
        let a = self.narrow(fa)?;
        let a = self.transpose_q(name, a, &perm_of(sa, [&batch, &m, &k]))?;
        let a = self.reshape_q(name, a, &[bb, mm, kk])?;
        let b = self.narrow(fb)?;
        let b = self.transpose_q(name, b, &perm_of(sb, [&batch, &k, &n]))?;
        let b = self.reshape_q(name, b, &[bb, kk, nn])?;
        let s = self.scale(a) + self.scale(b);
        let y = self.helper(name, "matmul", QOp::MatMul, vec![a, b], vec![bb, mm, nn], s)?;
        let labels: Vec<char> = batch.iter().chain(&m).chain(&n).copied().collect();
        let dims: Vec<usize> = labels
            .iter()
            .map(|&c| dim(sa, &ash, c).or(dim(sb, &bsh, c)).unwrap_or(1))
            .collect();
        let y = self.reshape_q(name, y, &dims)?;
        let perm: Vec<usize> = os
            .chars()
            .filter_map(|c| labels.iter().position(|&l| l == c))
            .collect();
        let y = self.transpose_q(name, y, &perm)?;
        // The last step carries the float tensor's name (a no-op reshape is still emitted so
        // the result is named after it).
        let sc = self.scale(y);
        let op = QOp::Reshape {
            shape: out_shape.to_vec(),
        };
        self.emit(name, op, vec![y], out_shape.to_vec(), sc)
    }

    /// Softmax over the last axis (other axes: `Transpose` there and back) of the float tensor
    /// `x` (the unmasked scores when `keep` is given). With `A` = act_bits, `s` = x's narrow scale:
    ///
    /// 1. `h = Rescale{1}(narrow x)` (`Rescale{2}` with a mask): |h| ≤ 2^(A-2) (2^(A-3)).
    /// 2. mask only: `h = AddConst(MulConstTensor(h, keep), -(1-keep)·2^(A-3))`: dropped entries
    ///    sit at −2^(A-3) ≤ every kept one, |h| ≤ 2^(A-2).
    /// 3. `m = ReduceMax(h)`, `z = Sub(h, m)` ∈ [−2^(A-1), 0].
    /// 4. `e = Table{Exp, s - shift, A-2}(z)` ∈ [0, 2^(A-2)]; mask only: `e = MulConstTensor(e, keep)`.
    /// 5. `S = Sum(e)` ≥ 2^(A-2) (the maximum contributes e^0), `p = Div{s_p, bits(n·2^(A-2))}(e, S)`
    ///    at `s_p = min(A-2, calibrated scale of the output)`.
    pub(super) fn softmax(
        &mut self,
        node: &Node,
        x: TensorId,
        keep: Option<&FConst>,
    ) -> Result<TensorId> {
        self.softmax_with(node, x, keep, None)
    }

    /// Softmax behind a data-dependent attention mask: `keep` (a float tensor of 0/1 values
    /// computed from a mask input, quantized at scale 0 with bound 1) broadcasts to `x`. As the
    /// constant mask: `h·k + (k − 1)·2^(A−4)` (h with 3 bits of headroom) moves masked scores to the bottom before the max
    /// and `e·k` zeroes their exponentials (products of two activations), so a masked position
    /// gets exactly zero weight.
    pub(super) fn softmax_masked_by(
        &mut self,
        node: &Node,
        x: TensorId,
        keep: TensorId,
    ) -> Result<TensorId> {
        self.softmax_with(node, x, None, Some(keep))
    }

    fn softmax_with(
        &mut self,
        node: &Node,
        x: TensorId,
        keep: Option<&FConst>,
        keep_t: Option<TensorId>,
    ) -> Result<TensorId> {
        let name = node.name.as_str();
        let crate::graph::Op::Softmax { axis } = node.op else {
            return Err(ModelError::invalid(name, "softmax recipe on another op"));
        };
        let shape = self.g.tensors[node.output].shape.clone();
        let rank = shape.len();
        let a = self.q.act_bits as i32;
        let xn = self.narrow(x)?;
        // Move the axis last.
        let mut perm: Vec<usize> = (0..rank).filter(|&i| i != axis).collect();
        perm.push(axis);
        let xn = self.transpose_q(name, xn, &perm)?;
        let ls = self.shape_of(xn);
        let n = ls[rank - 1];
        let kb = match keep_t {
            Some(k) => Some(self.mask_tensor(node, k, &shape, &perm)?),
            None => None,
        };
        // Headroom: the constant mask's fill needs 2 bits; the tensor mask's `h·k + L·k − L`
        // (the analysis adds the three bounds) 3, with L = 2^(A−4), so that `h − max` stays in
        // the exp table's domain.
        let shift = match (keep, kb) {
            (_, Some(_)) => 3,
            (Some(_), None) => 2,
            (None, None) => 1,
        };
        let s = self.scale(xn) - shift;
        let mut h = self.helper(
            name,
            "headroom",
            QOp::Rescale {
                shift: shift as u32,
            },
            vec![xn],
            ls.clone(),
            s,
        )?;
        if let Some(k) = keep {
            let kq = quant_const(k, 0);
            // Every lane must keep at least one entry.
            let kl = *k.shape.last().unwrap_or(&1);
            if kq.data.chunks(kl.max(1)).any(|l| l.iter().all(|&v| v == 0)) {
                return Err(self.unsupported(node, "the attention mask drops a whole row".into()));
            }
            let fill = ConstTensor {
                shape: kq.shape.clone(),
                data: kq.data.iter().map(|&v| (v - 1) << (a - 3)).collect(),
                scale: s,
            };
            h = self.helper(
                name,
                "mask",
                QOp::MulConstTensor { c: kq.clone() },
                vec![h],
                ls.clone(),
                s,
            )?;
            h = self.helper(
                name,
                "mask",
                QOp::AddConst { c: fill },
                vec![h],
                ls.clone(),
                s,
            )?;
        }
        if let Some(k) = kb {
            let lift = 1i64 << (a - 4);
            h = self.helper(name, "mask", QOp::Mul, vec![h, k], ls.clone(), s)?;
            let f = self.helper(
                name,
                "mask_fill",
                QOp::MulConst { c: lift },
                vec![k],
                ls.clone(),
                s,
            )?;
            h = self.helper(name, "mask", QOp::Add, vec![h, f], ls.clone(), s)?;
            let c = ConstTensor {
                shape: vec![1; rank],
                data: vec![-lift],
                scale: s,
            };
            h = self.helper(name, "mask", QOp::AddConst { c }, vec![h], ls.clone(), s)?;
        }
        let mut ms = ls.clone();
        ms[rank - 1] = 1;
        let m = self.helper(name, "max", QOp::ReduceMax, vec![h], ms.clone(), s)?;
        let z = self.helper(name, "shifted", QOp::Sub, vec![h, m], ls.clone(), s)?;
        let se = a - 2;
        let exp = QOp::Table {
            func: TableFn::Exp,
            in_scale: s,
            out_scale: se,
        };
        let mut e = self.helper(name, "exp", exp, vec![z], ls.clone(), se)?;
        if let Some(k) = keep {
            let kq = quant_const(k, 0);
            e = self.helper(
                name,
                "exp_masked",
                QOp::MulConstTensor { c: kq },
                vec![e],
                ls.clone(),
                se,
            )?;
        }
        if let Some(k) = kb {
            e = self.helper(name, "exp_masked", QOp::Mul, vec![e, k], ls.clone(), se)?;
        }
        let sum = QOp::Sum {
            axes: vec![rank - 1],
        };
        let sm = self.helper(name, "sum", sum, vec![e], ms, se)?;
        let sp = self.cal.scales[node.output].min(a - 2);
        let divisor_bits = bits((n as u64) << se);
        let div = QOp::Div {
            shift: sp.max(0) as u32,
            divisor_bits,
        };
        let back: Vec<usize> = (0..rank)
            .map(|i| perm.iter().position(|&p| p == i).unwrap_or(i))
            .collect();
        if back.iter().enumerate().all(|(i, &p)| i == p) {
            return self.emit(name, div, vec![e, sm], ls, sp);
        }
        let p = self.helper(name, "p", div, vec![e, sm], ls, sp)?;
        let shape2: Vec<usize> = back.iter().map(|&b| self.q.tensors[p].shape[b]).collect();
        self.emit(name, QOp::Transpose { perm: back }, vec![p], shape2, sp)
    }

    /// The quantized 0/1 mask `k` (float tensor) broadcast to the softmax's `shape` (a constant
    /// `Gather` of index 0 along each broadcast axis) and permuted by `perm` as the scores are.
    fn mask_tensor(
        &mut self,
        node: &Node,
        k: TensorId,
        shape: &[usize],
        perm: &[usize],
    ) -> Result<TensorId> {
        let name = node.name.as_str();
        let mut t = self.wide(k)?;
        let (scale, bound) = (self.scale(t), self.q.tensors[t].bound);
        if scale != 0 || bound > 1 {
            return Err(self.unsupported(
                node,
                format!(
                    "the attention mask must be 0/1 integers from a mask input (scale 0, bound \
                     1); this one has scale {scale} and bound {bound}"
                ),
            ));
        }
        let mut ks = self.shape_of(t);
        if ks.len() != shape.len() {
            return Err(self.unsupported(node, "the mask's rank differs from the scores'".into()));
        }
        for axis in 0..shape.len() {
            if ks[axis] == shape[axis] {
                continue;
            }
            if ks[axis] != 1 {
                return Err(self.unsupported(
                    node,
                    format!("the mask {ks:?} does not broadcast to the scores {shape:?}"),
                ));
            }
            ks[axis] = shape[axis];
            let op = QOp::Gather {
                axis,
                indices: vec![0; shape[axis]],
            };
            t = self.helper(name, "mask_broadcast", op, vec![t], ks.clone(), 0)?;
        }
        self.transpose_q(name, t, perm)
    }

    /// LayerNorm (`mean`) / RmsNorm over the last axis of `x` (n entries, narrow scale s):
    ///
    /// - `d = Sub(MulConst{n}(x), Sum(x))` = n(x − μ) exactly (RmsNorm: `d = x`),
    /// - `v = Sum(Mul(d, d))` (= n³·var·2^(2s); RmsNorm: n·mean(x²)·2^(2s)),
    /// - `v' = AddConst(v, max(1, round(eps·α²·n·2^(2s))))` with α = n (LN) or 1,
    /// - `σ = Isqrt{bits(v')}(v')`, `q = Div{k, bits(σ)}(d, σ)` ≈ y/√n · 2^k; since σ ≥ |d_i|,
    ///   |q| ≤ 2^k, and k ≤ A−2 keeps q in range,
    /// - y = q·√n/2^k: `MulConst{1}` relabelling the scale to k − e when n = 4^e, else
    ///   `MulConst{round(√n·2^c)}` at scale k + c (wide; narrowed by its consumer).
    pub(super) fn norm(&mut self, node: &Node, nm: &Norm) -> Result<TensorId> {
        let name = node.name.as_str();
        let crate::graph::Op::RmsNorm { axis, .. } = node.op else {
            return Err(ModelError::invalid(name, "norm recipe on another op"));
        };
        let rank = self.g.tensors[nm.x].shape.len();
        if axis + 1 != rank {
            return Err(self.unsupported(
                node,
                "normalization over an axis other than the last".into(),
            ));
        }
        let x = self.narrow(nm.x)?;
        let xs = self.shape_of(x);
        let n = xs[rank - 1];
        let s = self.scale(x);
        let mut ms = xs.clone();
        ms[rank - 1] = 1;
        let sum = || QOp::Sum {
            axes: vec![rank - 1],
        };
        let (d, alpha) = if nm.mean {
            let t1 = self.helper(
                name,
                "nx",
                QOp::MulConst { c: n as i64 },
                vec![x],
                xs.clone(),
                s,
            )?;
            let t2 = self.helper(name, "sum", sum(), vec![x], ms.clone(), s)?;
            let d = self.helper(name, "centered", QOp::Sub, vec![t1, t2], xs.clone(), s)?;
            (d, n as f64)
        } else {
            (x, 1.0)
        };
        // Wide rows (GPT-2's d 768 at 16-bit activations): Σ d² would pass the square root's
        // input width. The variance is then taken of `d` rescaled by 2^t to the activation
        // range (t bits of `d` dropped for σ only), and the division keeps `d` whole with its
        // shift lowered by t, so `q ≈ d·2^k/σ` is unchanged up to σ's rounding.
        //
        // `eps_at(sc)`: ε·α²·n at the scale of Σ d², 2·sc.
        let eps_at = |sc: i32| {
            round_away(f64::from(nm.eps) * alpha * alpha * n as f64 * f64::from(2 * sc).exp2())
                .max(1)
        };
        let t = self.variance_shift(d, n, eps_at(s));
        let (dv, sv) = if t == 0 {
            (d, s)
        } else {
            let r = self.helper(
                name,
                "centered_narrow",
                QOp::Rescale { shift: t },
                vec![d],
                xs.clone(),
                s - t as i32,
            )?;
            (r, s - t as i32)
        };
        let dd = self.helper(name, "square", QOp::Mul, vec![dv, dv], xs.clone(), 2 * sv)?;
        let v = self.helper(name, "sumsq", sum(), vec![dd], ms.clone(), 2 * sv)?;
        let c = ConstTensor {
            shape: vec![1; rank],
            data: vec![eps_at(sv)],
            scale: 2 * sv,
        };
        let v = self.helper(
            name,
            "var_eps",
            QOp::AddConst { c },
            vec![v],
            ms.clone(),
            2 * sv,
        )?;
        let in_bits = bits(self.q.tensors[v].bound);
        let sigma = self.helper(name, "sigma", QOp::Isqrt { in_bits }, vec![v], ms, sv)?;
        let divisor_bits = bits(self.q.tensors[sigma].bound).max(1);
        let a = self.q.act_bits as i32;
        let root = (n as f64).sqrt();
        let e = (n as f64).log2() / 2.0;
        let pow4 = e.fract() == 0.0;
        let k = if pow4 {
            (self.cal.scales[node.output] + e as i32).min(a - 2)
        } else {
            a - 2
        };
        if k < t as i32 {
            return Err(self.unsupported(
                node,
                format!(
                    "normalization over {n} entries needs its variance taken 2^{t} coarser than \
                     the output precision 2^-{k} allows; use more activation bits"
                ),
            ));
        }
        let div = QOp::Div {
            shift: (k - t as i32).max(0) as u32,
            divisor_bits,
        };
        let q = self.helper(name, "normalized", div, vec![d, sigma], xs.clone(), k)?;
        if pow4 {
            self.emit(name, QOp::MulConst { c: 1 }, vec![q], xs, k - e as i32)
        } else {
            let cfg = &self.cal.config;
            let sc = pow2_scale(root as f32, cfg.weight_bits, 1.0, cfg.max_weight_scale);
            let c = round_away(root * f64::from(sc).exp2());
            self.emit(name, QOp::MulConst { c }, vec![q], xs, k + sc)
        }
    }

    /// The shift `t` applied to the centred values `d` before squaring: 0 when
    /// `n·bound(d)² + ε` fits the square root's input width ([`MAX_ISQRT_BITS`]); otherwise the
    /// least `t` that brings `d` into the activation range (`bound(d)/2^t + 1 ≤ 2^(A−2)`), which
    /// makes `Σ d²` at most `n·2^(2A−4)` (plus ε) — far below the width for any row that fits.
    fn variance_shift(&self, d: TensorId, n: usize, eps: i64) -> u32 {
        let bd = u128::from(self.q.tensors[d].bound);
        let wide = (n as u128)
            .saturating_mul(bd)
            .saturating_mul(bd)
            .saturating_add(u128::from(eps.unsigned_abs()));
        if 128 - wide.leading_zeros() <= MAX_ISQRT_BITS {
            return 0;
        }
        let room = 1u128 << (self.q.act_bits - 2);
        let mut t = 0u32;
        while (bd >> t) + 1 > room {
            t += 1;
        }
        t
    }

    /// ArgMax: `narrow(x)`, `Transpose` the axis last (if needed), `ArgMax` (scale 0), `Transpose`
    /// back.
    pub(super) fn argmax(&mut self, node: &Node, axis: usize) -> Result<TensorId> {
        let name = node.name.as_str();
        let x = self.narrow(node.inputs[0])?;
        let rank = self.q.tensors[x].shape.len();
        let mut perm: Vec<usize> = (0..rank).filter(|&i| i != axis).collect();
        perm.push(axis);
        let t = self.transpose_q(name, x, &perm)?;
        let mut s = self.shape_of(t);
        s[rank - 1] = 1;
        let back: Vec<usize> = (0..rank)
            .map(|i| perm.iter().position(|&p| p == i).unwrap_or(i))
            .collect();
        if back.iter().enumerate().all(|(i, &p)| i == p) {
            return self.emit(name, QOp::ArgMax, vec![t], s, 0);
        }
        let y = self.helper(name, "argmax", QOp::ArgMax, vec![t], s.clone(), 0)?;
        let shape: Vec<usize> = back.iter().map(|&b| s[b]).collect();
        self.emit(name, QOp::Transpose { perm: back }, vec![y], shape, 0)
    }

    /// An elementwise group of one tensor: if its f64 function agrees with a known table
    /// function within 1e-5 (relative to max(1, |f|)) at 400 points over the table's whole
    /// input range and 400 points in [−8, 8], ONE `Table`; otherwise the group's nodes one by one.
    pub(super) fn elementwise(&mut self, node: &Node, e: &Elementwise) -> Result<TensorId> {
        let shape = self.g.tensors[node.output].shape.clone();
        if self.q.act_bits <= super::bounds::MAX_TABLE_BITS {
            let x = self.narrow(e.root)?;
            let reach = f64::from(self.q.act_bits as i32 - 1 - self.scale(x)).exp2();
            let points = (0..=400)
                .map(|i| reach * (f64::from(i) / 200.0 - 1.0))
                .chain((0..=400).map(|i| 8.0 * (f64::from(i) / 200.0 - 1.0)));
            let samples: Option<Vec<(f64, f64)>> = points
                .map(|p| eval_group(self.g, e, p).map(|y| (p, y)))
                .collect();
            if let Some(samples) = samples {
                let found = CANDIDATES.into_iter().find(|f| {
                    samples.iter().all(|&(p, y)| {
                        let r = f.real(p);
                        (r == y) || (r - y).abs() <= 1e-5 * r.abs().max(1.0)
                    })
                });
                if let Some(func) = found {
                    let out = self.cal.scales[node.output];
                    return self.table(&node.name, e.root, func, shape, Some(out));
                }
            }
        }
        // No table: lower the group's nodes one by one.
        let last = e.nodes.len() - 1;
        for &j in &e.nodes[..last] {
            let inner = &self.g.nodes[j];
            self.tensor_name = self.g.tensors[inner.output].name.clone();
            let t = self.lower(inner)?;
            self.set(inner.output, t);
        }
        self.tensor_name = self.g.tensors[node.output].name.clone();
        self.lower(node)
    }
}
