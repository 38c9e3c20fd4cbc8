//! The witness: every tensor in its padded layout, and the committed columns.
//!
//! Values at logical positions are those of the integer interpreter (`zkinfer-model`); the prover
//! checks that with [`Witness::check_trace`]. The padded positions are defined by the same
//! formulas the layer proofs use (biases broadcast over padded rows, windows read only real
//! positions, element-wise ops apply to every stored element), so the relations hold on the whole
//! table.

use zkinfer_field::{F, from_signed};

use crate::error::ProveError;
use crate::ir::{Const, Node, Op, ProofGraph, Window};
use crate::layout::Layout;
use crate::ops::product;
use crate::plan::{NodePlan, Plan, chw_of};

/// All tensors (stored layout) and all witness columns but the multiplicities.
#[derive(Clone, Debug)]
pub struct Witness {
    /// Per tensor, its stored values.
    pub tensors: Vec<Vec<i64>>,
    /// Witness columns (multiplicity columns are filled by the prover later).
    pub columns: Vec<Vec<i64>>,
}

/// The activation range `[-2^(A-1), 2^(A-1))`.
pub(crate) fn act_range(a: u32) -> (i128, i128) {
    let h = 1i128 << (a - 1);
    (-h, h - 1)
}

pub(crate) fn checked(layer: &str, v: i128, lo: i128, hi: i128) -> Result<i64, ProveError> {
    if v < lo || v > hi {
        return Err(ProveError::OutOfRange {
            layer: layer.to_string(),
            value: v,
            lo,
            hi,
        });
    }
    i64::try_from(v).map_err(|_| ProveError::OutOfRange {
        layer: layer.to_string(),
        value: v,
        lo,
        hi,
    })
}

/// Lays `W [K, N]` out as `[stored K positions of the input's trailing axes, Np]`.
#[must_use]
pub fn matmul_weight_column(w: &Const, kl: &Layout) -> Vec<i64> {
    let (k, n) = (w.shape[0], w.shape[1]);
    let np = n.next_power_of_two();
    let mut out = vec![0i64; kl.size() * np];
    for (ki, s) in kl.logical_to_stored().into_iter().enumerate().take(k) {
        out[s * np..s * np + n].copy_from_slice(&w.values[ki * n..ki * n + n]);
    }
    out
}

/// The stored weight and bias columns of a graph, in the plan's order.
#[must_use]
pub fn weight_columns(graph: &ProofGraph, plan: &Plan) -> Vec<Vec<i64>> {
    let mut cols = vec![Vec::new(); plan.weight_columns.len()];
    for (node, np) in graph.nodes.iter().zip(&plan.nodes) {
        let NodePlan::Weighted {
            weight,
            bias,
            split,
        } = np
        else {
            continue;
        };
        let x = &plan.layouts[node.inputs[0]];
        match &node.op {
            Op::MatMulConst { weight: w, bias: b } => {
                cols[*weight] = matmul_weight_column(w, &x.sub(*split..x.logical.len()));
                if let (Some(bc), Some(b)) = (bias, b) {
                    cols[*bc] = Layout::natural(&b.shape).scatter(&b.values);
                }
            }
            Op::AddConst { c } | Op::MulConstTensor { c } => {
                let shape = &graph.tensors[node.output].shape;
                cols[*weight] =
                    plan.layouts[node.output].scatter(&c.broadcast_to(shape).unwrap_or_default());
            }
            Op::Conv2d {
                weight: w, bias: b, ..
            } => {
                cols[*weight] = Layout::natural(&w.shape).scatter(&w.values);
                if let (Some(bc), Some(b)) = (bias, b) {
                    cols[*bc] = Layout::natural(&b.shape).scatter(&b.values);
                }
            }
            _ => {}
        }
    }
    cols
}

/// Computes the witness from the (quantized) input.
///
/// # Errors
/// [`ProveError::InputLength`] or [`ProveError::OutOfRange`] (a value outside what the model was
/// compiled for).
pub fn generate(graph: &ProofGraph, plan: &Plan, input: &[i64]) -> Result<Witness, ProveError> {
    let wcols = weight_columns(graph, plan);
    let mut tensors: Vec<Vec<i64>> = vec![Vec::new(); graph.tensors.len()];
    let mut columns: Vec<Vec<i64>> = vec![Vec::new(); plan.witness_columns.len()];
    let a = graph.act_bits;
    let (lo, hi) = act_range(a);
    for (idx, (node, np)) in graph.nodes.iter().zip(&plan.nodes).enumerate() {
        let out_l = &plan.layouts[node.output];
        let name = node.name.as_str();
        let x = node
            .inputs
            .first()
            .map(|&t| (&tensors[t], &plan.layouts[t]));
        let y: Vec<i64> = match (&node.op, np) {
            (Op::Input, _) => {
                let want = graph.tensors[node.output].len();
                if input.len() != want {
                    return Err(ProveError::InputLength {
                        expected: want,
                        got: input.len(),
                    });
                }
                let s = out_l.scatter(input);
                if let crate::plan::Source::Committed { column } = plan.sources[node.output] {
                    columns[column] = s.clone();
                }
                s
            }
            (Op::MatMulConst { weight, bias }, NodePlan::Weighted { split, .. }) => {
                let (xv, xl) = x.ok_or_else(|| missing(name))?;
                let kl = xl.sub(*split..xl.logical.len());
                let w = matmul_weight_column(weight, &kl);
                let np2 = weight.shape[1].next_power_of_two();
                let ks = kl.size();
                let rows = xv.len() / ks;
                let b = bias
                    .as_ref()
                    .map(|b| Layout::natural(&b.shape).scatter(&b.values));
                let mut y = vec![0i64; rows * np2];
                for m in 0..rows {
                    for n in 0..np2 {
                        let mut acc: i128 = b.as_ref().map_or(0, |b| i128::from(b[n]));
                        for s in 0..ks {
                            acc += i128::from(xv[m * ks + s]) * i128::from(w[s * np2 + n]);
                        }
                        y[m * np2 + n] = checked(name, acc, -(1i128 << 62), 1i128 << 62)?;
                    }
                }
                y
            }
            (
                Op::Conv2d {
                    weight,
                    bias,
                    window,
                },
                _,
            ) => {
                let (xv, xl) = x.ok_or_else(|| missing(name))?;
                conv(name, xv, xl, out_l, weight, bias.as_ref(), window)?
            }
            (Op::MatMul, _) => {
                let (a, b) = (node.inputs[0], node.inputs[1]);
                let (la, lb) = (&plan.layouts[a], &plan.layouts[b]);
                product::matmul_witness(name, &tensors[a], la, &tensors[b], lb)?
            }
            (Op::Mul | Op::Add | Op::Sub, _)
                if product::is_broadcast(plan, node) || matches!(node.op, Op::Mul) =>
            {
                let (a, b) = (node.inputs[0], node.inputs[1]);
                let (la, lb) = (&plan.layouts[a], &plan.layouts[b]);
                product::elementwise_witness(name, &node.op, &tensors[a], la, &tensors[b], lb)?
            }
            (Op::Add | Op::Sub, _) => {
                let av = &tensors[node.inputs[0]];
                let bv = &tensors[node.inputs[1]];
                let sub = matches!(node.op, Op::Sub);
                av.iter()
                    .zip(bv)
                    .map(|(&p, &q)| {
                        let v = if sub {
                            i128::from(p) - i128::from(q)
                        } else {
                            i128::from(p) + i128::from(q)
                        };
                        checked(name, v, -(1i128 << 62), 1i128 << 62)
                    })
                    .collect::<Result<_, _>>()?
            }
            (
                Op::AddConst { .. } | Op::MulConstTensor { .. },
                NodePlan::Weighted { weight, .. },
            ) => {
                let (xv, _) = x.ok_or_else(|| missing(name))?;
                let add = matches!(node.op, Op::AddConst { .. });
                xv.iter()
                    .zip(&wcols[*weight])
                    .map(|(&v, &c)| {
                        let r = if add {
                            i128::from(v) + i128::from(c)
                        } else {
                            i128::from(v) * i128::from(c)
                        };
                        checked(name, r, -(1i128 << 62), 1i128 << 62)
                    })
                    .collect::<Result<_, _>>()?
            }
            (Op::MulConst { c }, _) => {
                let (xv, _) = x.ok_or_else(|| missing(name))?;
                xv.iter()
                    .map(|&v| {
                        checked(
                            name,
                            i128::from(v) * i128::from(*c),
                            -(1i128 << 62),
                            1i128 << 62,
                        )
                    })
                    .collect::<Result<_, _>>()?
            }
            (Op::SumPool { window }, _) => {
                let (xv, xl) = x.ok_or_else(|| missing(name))?;
                pool(xv, xl, out_l, window, false).0
            }
            (Op::Reshape, _) => x.ok_or_else(|| missing(name))?.0.clone(),
            (Op::Transpose { perm }, _) => {
                let (xv, xl) = x.ok_or_else(|| missing(name))?;
                transpose(xv, &xl.padded, perm)
            }
            (Op::AxisMap { maps }, _) => {
                let (xv, xl) = x.ok_or_else(|| missing(name))?;
                axis_map(xv, xl, out_l, maps)
            }
            (Op::Concat { axis }, _) => {
                let mut y = vec![0i64; out_l.size()];
                for (t, maps) in node.inputs.iter().zip(concat_maps(plan, node, *axis)) {
                    let part = axis_map(&tensors[*t], &plan.layouts[*t], out_l, &maps);
                    for (yv, pv) in y.iter_mut().zip(part) {
                        *yv += pv;
                    }
                }
                y
            }
            (
                Op::Rescale { shift },
                NodePlan::Rescale {
                    out,
                    limbs,
                    limb_bits,
                },
            ) => {
                let (xv, _) = x.ok_or_else(|| missing(name))?;
                let k = *shift;
                let half = 1i128 << (k - 1);
                let mut y = Vec::with_capacity(xv.len());
                let mut rems: Vec<Vec<i64>> = vec![Vec::with_capacity(xv.len()); limbs.len()];
                for &v in xv {
                    let t = i128::from(v) + half;
                    let q = t.div_euclid(1i128 << k);
                    let mut r = t.rem_euclid(1i128 << k);
                    y.push(checked(name, q, lo, hi)?);
                    for (l, &bits) in limb_bits.iter().enumerate() {
                        rems[l].push(i64::try_from(r & ((1i128 << bits) - 1)).unwrap_or_default());
                        r >>= bits;
                    }
                }
                for (c, r) in limbs.iter().zip(rems) {
                    columns[*c] = r;
                }
                columns[*out] = y.clone();
                y
            }
            (Op::Relu | Op::Table { .. }, NodePlan::Elementwise { out, .. }) => {
                let (xv, _) = x.ok_or_else(|| missing(name))?;
                let y: Vec<i64> = xv
                    .iter()
                    .map(|&v| {
                        let v = checked(name, i128::from(v), lo, hi)?;
                        Ok(match &node.op {
                            Op::Table { outputs, .. } => {
                                outputs[usize::try_from(v - i64::try_from(lo).unwrap_or_default())
                                    .unwrap_or_default()]
                            }
                            _ => v.max(0),
                        })
                    })
                    .collect::<Result<_, ProveError>>()?;
                columns[*out] = y.clone();
                y
            }
            (Op::MaxPool { window }, NodePlan::MaxPool { out, windows, .. }) => {
                let (xv, xl) = x.ok_or_else(|| missing(name))?;
                let (y, w) = pool(xv, xl, out_l, window, true);
                columns[*out] = y.clone();
                columns[*windows] = w;
                y
            }
            (Op::ReduceMax | Op::ArgMax | Op::Div { .. } | Op::Isqrt { .. }, _) => {
                crate::ops::gadgets::witness(graph, plan, idx, &tensors, &mut columns)?
            }
            _ => {
                return Err(ProveError::Backend(format!(
                    "node `{name}`: plan does not match op"
                )));
            }
        };
        tensors[node.output] = y;
    }
    Ok(Witness { tensors, columns })
}

/// Transposes a stored table with padded dims `dims`.
fn transpose(x: &[i64], dims: &[usize], perm: &[usize]) -> Vec<i64> {
    let od: Vec<usize> = perm.iter().map(|&a| dims[a]).collect();
    let mut istr = vec![1usize; dims.len()];
    for a in (0..dims.len().saturating_sub(1)).rev() {
        istr[a] = istr[a + 1] * dims[a + 1];
    }
    let n: usize = dims.iter().product();
    let mut y = vec![0i64; n];
    for (o, yv) in y.iter_mut().enumerate() {
        let (mut rem, mut src) = (o, 0usize);
        for a in (0..od.len()).rev() {
            src += (rem % od[a]) * istr[perm[a]];
            rem /= od[a];
        }
        *yv = x[src];
    }
    y
}

/// The per-axis maps that place each input of a concatenation along `axis`: identity on the
/// other axes, [`AxisMap::Place`](crate::ir::AxisMap::Place) at the running offset on `axis`.
pub(crate) fn concat_maps(plan: &Plan, node: &Node, axis: usize) -> Vec<Vec<crate::ir::AxisMap>> {
    let mut offset = 0;
    node.inputs
        .iter()
        .map(|&t| {
            let logical = plan
                .layouts
                .get(t)
                .map_or(&[][..], |l| l.logical.as_slice());
            let place = crate::ir::AxisMap::Place { offset };
            offset += logical.get(axis).copied().unwrap_or(0);
            crate::ir::AxisMap::on_axis(logical.len(), axis, place).unwrap_or_default()
        })
        .collect()
}

/// Applies per-axis maps (stored layouts in and out).
fn axis_map(x: &[i64], xl: &Layout, ol: &Layout, maps: &[crate::ir::AxisMap]) -> Vec<i64> {
    let mut cur = x.to_vec();
    let mut dims = xl.padded.clone();
    for (a, m) in maps.iter().enumerate() {
        let (inp, out, op) = (xl.logical[a], ol.logical[a], ol.padded[a]);
        let outer: usize = dims[..a].iter().product();
        let inner: usize = dims[a + 1..].iter().product();
        let ip = dims[a];
        let mut next = vec![0i64; outer * op * inner];
        for o in 0..outer {
            for j in 0..op {
                for i in 0..ip {
                    if m.weight(j, i, out, inp) {
                        for k in 0..inner {
                            next[(o * op + j) * inner + k] += cur[(o * ip + i) * inner + k];
                        }
                    }
                }
            }
        }
        cur = next;
        dims[a] = op;
    }
    cur
}

fn missing(name: &str) -> ProveError {
    ProveError::Backend(format!("node `{name}` has no input"))
}

/// Convolution on stored layouts; padded output positions hold the bias.
fn conv(
    name: &str,
    xv: &[i64],
    xl: &Layout,
    out_l: &Layout,
    weight: &Const,
    bias: Option<&Const>,
    window: &Window,
) -> Result<Vec<i64>, ProveError> {
    let (ci_n, h, w) = chw_of(xl).ok_or_else(|| missing(name))?;
    let (hp, wp) = (
        xl.padded[xl.padded.len() - 2],
        xl.padded[xl.padded.len() - 1],
    );
    let [co_n, _, kh_n, kw_n] = weight.shape[..] else {
        return Err(missing(name));
    };
    let (_, oh_n, ow_n) = chw_of(out_l).ok_or_else(|| missing(name))?;
    let n = out_l.padded.len();
    let (cop, ohp, owp) = (
        out_l.padded[n - 3],
        out_l.padded[n - 2],
        out_l.padded[n - 1],
    );
    let mut y = vec![0i64; out_l.size()];
    for co in 0..co_n {
        let b = bias.map_or(0, |b| i128::from(b.values[co]));
        for oh in 0..ohp {
            for ow in 0..owp {
                let mut acc = b;
                if oh < oh_n && ow < ow_n {
                    for ci in 0..ci_n {
                        for kh in 0..kh_n {
                            let Some(ih) = window.source(0, oh, kh, h) else {
                                continue;
                            };
                            for kw in 0..kw_n {
                                let Some(iw) = window.source(1, ow, kw, w) else {
                                    continue;
                                };
                                let wv = weight.values[((co * ci_n + ci) * kh_n + kh) * kw_n + kw];
                                acc += i128::from(wv) * i128::from(xv[(ci * hp + ih) * wp + iw]);
                            }
                        }
                    }
                }
                y[(co * ohp + oh) * owp + ow] = checked(name, acc, -(1i128 << 62), 1i128 << 62)?;
            }
        }
    }
    debug_assert!(cop >= co_n);
    Ok(y)
}

/// Sum-pool (`max = false`) or max-pool with its windows column (`max = true`). Padded output
/// positions are 0; channels include padded ones. The windows column is laid out
/// `[KHp, KWp, output]` and a padded kernel row/column repeats row/column 0.
fn pool(
    xv: &[i64],
    xl: &Layout,
    out_l: &Layout,
    window: &Window,
    max: bool,
) -> (Vec<i64>, Vec<i64>) {
    let n = xl.padded.len();
    let (cp, hp, wp) = (xl.padded[n - 3], xl.padded[n - 2], xl.padded[n - 1]);
    let (h, w) = (xl.logical[n - 2], xl.logical[n - 1]);
    let m = out_l.padded.len();
    let (ohp, owp) = (out_l.padded[m - 2], out_l.padded[m - 1]);
    let (oh_n, ow_n) = (out_l.logical[m - 2], out_l.logical[m - 1]);
    let [kh_n, kw_n] = window.kernel;
    let (khp, kwp) = (kh_n.next_power_of_two(), kw_n.next_power_of_two());
    let osize = out_l.size();
    let mut y = vec![0i64; osize];
    let mut wins = if max {
        vec![0i64; khp * kwp * osize]
    } else {
        Vec::new()
    };
    for c in 0..cp {
        for oh in 0..oh_n {
            for ow in 0..ow_n {
                let o = (c * ohp + oh) * owp + ow;
                let mut acc: i64 = if max { i64::MIN } else { 0 };
                for kh in 0..khp {
                    for kw in 0..kwp {
                        let (rkh, rkw) = (
                            if kh < kh_n { kh } else { 0 },
                            if kw < kw_n { kw } else { 0 },
                        );
                        let v = match (window.source(0, oh, rkh, h), window.source(1, ow, rkw, w)) {
                            (Some(ih), Some(iw)) => xv[(c * hp + ih) * wp + iw],
                            _ => 0,
                        };
                        if max {
                            wins[(kh * kwp + kw) * osize + o] = v;
                            acc = acc.max(v);
                        } else if kh < kh_n && kw < kw_n {
                            acc += v;
                        }
                    }
                }
                y[o] = acc;
            }
        }
    }
    (y, wins)
}

impl Witness {
    /// Checks the logical positions of every tensor against the interpreter's trace.
    ///
    /// # Errors
    /// [`ProveError::TraceMismatch`] at the first difference.
    pub fn check_trace(
        &self,
        graph: &ProofGraph,
        plan: &Plan,
        trace: &[Vec<i64>],
    ) -> Result<(), ProveError> {
        for (t, (stored, want)) in self.tensors.iter().zip(trace).enumerate() {
            let got = plan.layouts[t].gather(stored);
            if let Some(index) = got.iter().zip(want).position(|(a, b)| a != b) {
                return Err(ProveError::TraceMismatch {
                    tensor: graph.tensors[t].name.clone(),
                    index,
                });
            }
        }
        Ok(())
    }

    /// A column as field elements.
    #[must_use]
    pub fn field(values: &[i64]) -> Vec<F> {
        values.iter().map(|&v| from_signed(v)).collect()
    }
}
