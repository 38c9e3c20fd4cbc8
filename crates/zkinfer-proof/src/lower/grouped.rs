//! Grouped and depthwise convolutions, rewritten into proof ops that already exist.
//!
//! `y[co] = b[co] + Σ_{ci' < CI/G, k} W[co, ci', k] · x[g(co)·CI/G + ci', window(o, k)]` with
//! `g(co) = co / (CO/G)` is exactly (over the integers: every step is linear, nothing rounds)
//! one of two sums of ops the engine proves:
//!
//! - **Depthwise** (`CI/G = 1`, any channel multiplier `M = CO/G`): per kernel tap `k`,
//!   `y += W[:, 0, k] ⊙ shift_k(x)`. Lowered to one padding map ([`AxisMap::Place`] on H and W,
//!   plus a [`AxisMap::Gather`] on channels when `M > 1`), one slice map per tap
//!   ([`AxisMap::Slice`] with the tap's offset and the stride on H and W), one
//!   [`Op::MulConstTensor`] per tap (the tap's weights as a `[1, CO, 1, 1]` constant), a chain of
//!   [`Op::Add`] and an [`Op::AddConst`] for the bias. This form has no quadratic-in-channels
//!   weight. Its constants were committed as `KH·KW + 1` tensors of the output's size; since key
//!   format 10 each is committed as its `CO` values (`crate::ops::affine`'s compact constants).
//!   When the broadcast tensors would cost more committed weight elements than a dense weight
//!   (few channels, a large image: `(KH·KW + 1)·CO·OH·OW > CO·CI·KH·KW`, each axis padded to a
//!   power of two), the depthwise convolution is one [`Op::Conv2d`] with the block-diagonal
//!   weight instead. That rule is kept as it was (the same lowering as before the compact
//!   constants; it now also weighs the per-tap form's larger proof graph against the dense
//!   weight), not re-tuned.
//! - **Grouped** (`CI/G > 1`): per group, a channel slice of `x` ([`AxisMap::Slice`]), an
//!   ordinary [`Op::Conv2d`] with that group's weights and bias, and one [`Op::Concat`] of the
//!   groups along channels. The weights are committed once, unexpanded.
//!
//! Nothing here adds a relation: every new op is proved by its own module with its own
//! soundness argument, so a false grouped convolution cannot verify unless one of those ops
//! accepts a false statement. The new tensors are appended after the quantized graph's, so the
//! interpreter's trace of the quantized graph is a prefix of the proof graph's
//! ([`crate::trace::run`] computes the rest).

use zkinfer_model::{ConstTensor, QNode};

use crate::ir::{AxisMap, Const, Node, Op, Tensor, TensorId, Window};

/// Where lowering appends tensors and nodes.
#[derive(Debug)]
pub struct Emit<'a> {
    /// The proof graph's tensors so far.
    pub tensors: &'a mut Vec<Tensor>,
    /// The proof graph's nodes so far.
    pub nodes: &'a mut Vec<Node>,
}

impl Emit<'_> {
    fn tensor(&mut self, name: String, shape: Vec<usize>, scale: i32) -> TensorId {
        self.tensors.push(Tensor { name, shape, scale });
        self.tensors.len() - 1
    }

    fn node(&mut self, name: String, op: Op, inputs: Vec<TensorId>, output: TensorId) {
        self.nodes.push(Node {
            name,
            op,
            inputs,
            output,
        });
    }
}

/// Lowers node `n`, a convolution with `groups ≠ 1`, into `e`.
///
/// # Errors
/// A hint (for [`super::LowerError`]) when the shapes do not fit the groups.
pub fn lower_grouped(
    e: &mut Emit<'_>,
    n: &QNode,
    weight: &ConstTensor,
    bias: Option<&ConstTensor>,
    window: Window,
    groups: usize,
) -> Result<(), String> {
    let shape_of = |e: &Emit<'_>, t: TensorId| e.tensors.get(t).map(|t| (t.shape.clone(), t.scale));
    let (&x, y) = (n.inputs.first().ok_or("no input")?, n.output);
    let (xs, xscale) = shape_of(e, x).ok_or("input tensor out of range")?;
    let (ys, yscale) = shape_of(e, y).ok_or("output tensor out of range")?;
    let ([1, ci, h, w], [co, cig, kh, kw], [1, yco, oh, ow]) = (
        <[usize; 4]>::try_from(xs).map_err(|_| "input is not [1, C, H, W]")?,
        <[usize; 4]>::try_from(weight.shape.clone())
            .map_err(|_| "weight is not [CO, CI/groups, KH, KW]")?,
        <[usize; 4]>::try_from(ys).map_err(|_| "output is not [1, CO, OH, OW]")?,
    ) else {
        return Err("input or output batch is not 1".into());
    };
    let fits = groups > 0
        && ci == cig * groups
        && co % groups == 0
        && yco == co
        && weight.data.len() == co * cig * kh * kw
        && bias.is_none_or(|b| b.data.len() == co)
        && window.kernel == [kh, kw]
        && window.out_hw(h, w) == Some([oh, ow]);
    if !fits {
        return Err(format!(
            "weight {:?} does not fit {groups} groups of an input with {ci} channels; \
             re-export the model with consistent Conv shapes",
            weight.shape
        ));
    }
    let taps = taps_cost(co, bias.is_some(), [kh, kw, oh, ow]);
    if cig == 1 && taps < dense_cost(co, ci, [kh, kw]) {
        depthwise(
            e,
            n,
            weight,
            bias,
            window,
            (x, xscale),
            (y, yscale),
            [h, w, oh, ow],
        );
    } else if cig == 1 {
        block_diagonal(e, n, weight, bias, window, groups, ci);
    } else {
        per_group(
            e,
            n,
            weight,
            bias,
            window,
            groups,
            (x, xscale),
            (y, yscale),
            [h, w, oh, ow],
        );
    }
    Ok(())
}

/// Committed weight elements the per-tap lowering had before compact constants: one constant
/// per tap (and the bias), each broadcast to the output's padded layout (the rule's measure).
fn taps_cost(co: usize, bias: bool, [kh, kw, oh, ow]: [usize; 4]) -> usize {
    (kh * kw + usize::from(bias))
        * co.next_power_of_two()
        * oh.next_power_of_two()
        * ow.next_power_of_two()
}

/// Committed weight elements of the block-diagonal lowering: a dense `[CO, CI, KH, KW]` weight,
/// each axis padded.
fn dense_cost(co: usize, ci: usize, [kh, kw]: [usize; 2]) -> usize {
    co.next_power_of_two()
        * ci.next_power_of_two()
        * kh.next_power_of_two()
        * kw.next_power_of_two()
}

/// A depthwise convolution as one ordinary convolution with the block-diagonal weight
/// `W'[co, ci, k] = W[co, 0, k]` if `ci = co / M` else 0 (cheaper than the per-tap lowering when
/// channels are few and the image large).
fn block_diagonal(
    e: &mut Emit<'_>,
    n: &QNode,
    weight: &ConstTensor,
    bias: Option<&ConstTensor>,
    window: Window,
    groups: usize,
    ci: usize,
) {
    let [co, _, kh, kw] = [
        weight.shape[0],
        weight.shape[1],
        weight.shape[2],
        weight.shape[3],
    ];
    let (k, mult) = (kh * kw, co / groups);
    let mut values = vec![0i64; co * ci * k];
    for o in 0..co {
        let i = o / mult;
        values[(o * ci + i) * k..(o * ci + i + 1) * k]
            .copy_from_slice(&weight.data[o * k..(o + 1) * k]);
    }
    let op = Op::Conv2d {
        weight: Const {
            shape: vec![co, ci, kh, kw],
            values,
        },
        bias: bias.map(|b| Const {
            shape: vec![co],
            values: b.data.clone(),
        }),
        window,
    };
    e.node(n.name.clone(), op, n.inputs.clone(), n.output);
}

/// `[1, CO, 1, 1]` of `values` (broadcast by the affine ops).
fn per_channel(values: Vec<i64>) -> Const {
    Const {
        shape: vec![1, values.len(), 1, 1],
        values,
    }
}

#[allow(clippy::too_many_arguments)]
fn depthwise(
    e: &mut Emit<'_>,
    n: &QNode,
    weight: &ConstTensor,
    bias: Option<&ConstTensor>,
    win: Window,
    (x, xscale): (TensorId, i32),
    (y, yscale): (TensorId, i32),
    [h, w, oh, ow]: [usize; 4],
) {
    let [co, _, kh, kw] = [
        weight.shape[0],
        weight.shape[1],
        weight.shape[2],
        weight.shape[3],
    ];
    let ci = e.tensors[x].shape[1];
    let mult = co / ci;
    let name = &n.name;
    // Padding (and the channel multiplier's repetition), once.
    let [pt, pl, pb, pr] = win.pad;
    let (hp, wp) = (h + pt + pb, w + pl + pr);
    let place = |before: usize, total: usize| {
        if total == 0 {
            AxisMap::Identity
        } else {
            AxisMap::Place { offset: before }
        }
    };
    let chan = if mult > 1 {
        AxisMap::Gather {
            indices: (0..co).map(|o| o / mult).collect(),
        }
    } else {
        AxisMap::Identity
    };
    let maps = vec![
        AxisMap::Identity,
        chan,
        place(pt, pt + pb),
        place(pl, pl + pr),
    ];
    let src = if maps.iter().all(|m| *m == AxisMap::Identity) {
        x
    } else {
        let t = e.tensor(format!("{name}/pad"), vec![1, co, hp, wp], xscale);
        e.node(format!("{name}/pad"), Op::AxisMap { maps }, vec![x], t);
        t
    };
    // One product per tap, summed.
    let taps = kh * kw;
    let has_bias = bias.is_some();
    let mut acc: Option<TensorId> = None;
    for (k, (ky, kx)) in (0..kh)
        .flat_map(|a| (0..kw).map(move |b| (a, b)))
        .enumerate()
    {
        let shift = e.tensor(format!("{name}/tap{ky}.{kx}"), vec![1, co, oh, ow], xscale);
        let maps = vec![
            AxisMap::Identity,
            AxisMap::Identity,
            AxisMap::Slice {
                start: ky * win.dilation[0],
                step: win.stride[0],
            },
            AxisMap::Slice {
                start: kx * win.dilation[1],
                step: win.stride[1],
            },
        ];
        e.node(
            format!("{name}/tap{ky}.{kx}"),
            Op::AxisMap { maps },
            vec![src],
            shift,
        );
        let last = k + 1 == taps && !has_bias;
        let single = taps == 1;
        let prod = if last && single {
            y
        } else {
            e.tensor(format!("{name}/mul{ky}.{kx}"), vec![1, co, oh, ow], yscale)
        };
        let c = per_channel(
            (0..co)
                .map(|o| weight.data[(o * kh + ky) * kw + kx])
                .collect(),
        );
        e.node(
            format!("{name}/mul{ky}.{kx}"),
            Op::MulConstTensor { c },
            vec![shift],
            prod,
        );
        acc = Some(match acc {
            None => prod,
            Some(a) => {
                let s = if last {
                    y
                } else {
                    e.tensor(format!("{name}/sum{ky}.{kx}"), vec![1, co, oh, ow], yscale)
                };
                e.node(format!("{name}/sum{ky}.{kx}"), Op::Add, vec![a, prod], s);
                s
            }
        });
    }
    if let (Some(b), Some(a)) = (bias, acc) {
        e.node(
            format!("{name}/bias"),
            Op::AddConst {
                c: per_channel(b.data.clone()),
            },
            vec![a],
            y,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn per_group(
    e: &mut Emit<'_>,
    n: &QNode,
    weight: &ConstTensor,
    bias: Option<&ConstTensor>,
    win: Window,
    groups: usize,
    (x, xscale): (TensorId, i32),
    (y, yscale): (TensorId, i32),
    [h, w, oh, ow]: [usize; 4],
) {
    let [co, cig, kh, kw] = [
        weight.shape[0],
        weight.shape[1],
        weight.shape[2],
        weight.shape[3],
    ];
    let cog = co / groups;
    let per = cig * kh * kw;
    let name = &n.name;
    let mut parts = Vec::with_capacity(groups);
    for g in 0..groups {
        let xg = e.tensor(format!("{name}/in{g}"), vec![1, cig, h, w], xscale);
        let maps = vec![
            AxisMap::Identity,
            AxisMap::Slice {
                start: g * cig,
                step: 1,
            },
            AxisMap::Identity,
            AxisMap::Identity,
        ];
        e.node(format!("{name}/in{g}"), Op::AxisMap { maps }, vec![x], xg);
        let yg = e.tensor(format!("{name}/g{g}"), vec![1, cog, oh, ow], yscale);
        let op = Op::Conv2d {
            weight: Const {
                shape: vec![cog, cig, kh, kw],
                values: weight.data[g * cog * per..(g + 1) * cog * per].to_vec(),
            },
            bias: bias.map(|b| Const {
                shape: vec![cog],
                values: b.data[g * cog..(g + 1) * cog].to_vec(),
            }),
            window: win,
        };
        e.node(format!("{name}/g{g}"), op, vec![xg], yg);
        parts.push(yg);
    }
    e.node(format!("{name}/concat"), Op::Concat { axis: 1 }, parts, y);
}
