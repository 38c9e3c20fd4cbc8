//! Graphs built in code, for tests and benchmarks: an MLP, a LeNet-5, a residual CNN, a
//! CIFAR-sized CNN, with seeded random integer weights. Shifts keep activations well inside 16
//! bits for inputs in `[-2^8, 2^8]`.

use crate::ir::{AxisMap, Const, Node, Op, ProofGraph, Tensor, TensorId, Window};

/// A small deterministic generator (SplitMix64), so graphs are reproducible without `rand`.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[-m, m]`.
    pub fn signed(&mut self, m: i64) -> i64 {
        let span = u64::try_from(2 * m + 1).unwrap_or(1);
        i64::try_from(self.next_u64() % span).unwrap_or(0) - m
    }

    /// `n` values uniform in `[-m, m]`.
    pub fn vec(&mut self, n: usize, m: i64) -> Vec<i64> {
        (0..n).map(|_| self.signed(m)).collect()
    }
}

/// Builds a [`ProofGraph`] op by op, inferring shapes.
#[derive(Debug)]
pub struct GraphBuilder {
    g: ProofGraph,
    rng: Rng,
}

const W_MAX: i64 = 32;

impl GraphBuilder {
    /// A graph with input `shape`, activations of `act_bits`.
    #[must_use]
    pub fn new(shape: &[usize], act_bits: u32, seed: u64) -> Self {
        let g = ProofGraph {
            tensors: vec![Tensor {
                name: "input".into(),
                shape: shape.to_vec(),
                scale: 8,
            }],
            nodes: vec![Node {
                name: "input".into(),
                op: Op::Input,
                inputs: vec![],
                output: 0,
            }],
            input: 0,
            output: 0,
            act_bits,
        };
        Self {
            g,
            rng: Rng::new(seed),
        }
    }

    fn push(&mut self, op: Op, inputs: Vec<TensorId>, shape: Vec<usize>) -> TensorId {
        let t = self.g.tensors.len();
        let name = format!("{}{}", op.kind().to_lowercase(), self.g.nodes.len());
        self.g.tensors.push(Tensor {
            name: name.clone(),
            shape,
            scale: 8,
        });
        self.g.nodes.push(Node {
            name,
            op,
            inputs,
            output: t,
        });
        self.g.output = t;
        t
    }

    /// The shape of `t`.
    #[must_use]
    pub fn shape(&self, t: TensorId) -> Vec<usize> {
        self.g.tensors[t].shape.clone()
    }

    /// `x · W + b` with random weights, then a rescale keeping the magnitude.
    pub fn linear(&mut self, x: TensorId, n: usize) -> TensorId {
        let k = self.shape(x).last().copied().unwrap_or(1);
        let acc = self.linear_acc(x, n);
        self.rescale(acc, shift_for(k))
    }

    /// A 2-D convolution (NCHW, N = 1) with random weights, then a rescale.
    pub fn conv(
        &mut self,
        x: TensorId,
        co: usize,
        k: usize,
        stride: usize,
        pad: usize,
    ) -> TensorId {
        let s = self.shape(x);
        let (ci, h, w) = (s[1], s[2], s[3]);
        let window = Window {
            kernel: [k, k],
            stride: [stride; 2],
            pad: [pad; 4],
            dilation: [1, 1],
        };
        let (oh, ow) = (
            window.out_dim(0, h).unwrap_or(1),
            window.out_dim(1, w).unwrap_or(1),
        );
        let weight = Const {
            shape: vec![co, ci, k, k],
            values: self.rng.vec(co * ci * k * k, W_MAX),
        };
        let bias = Some(Const {
            shape: vec![co],
            values: self.rng.vec(co, 4096),
        });
        let acc = self.push(
            Op::Conv2d {
                weight,
                bias,
                window,
            },
            vec![x],
            vec![1, co, oh, ow],
        );
        self.rescale(acc, shift_for(ci * k * k))
    }

    /// Rescale by `2^shift`.
    pub fn rescale(&mut self, x: TensorId, shift: u32) -> TensorId {
        let s = self.shape(x);
        self.push(Op::Rescale { shift }, vec![x], s)
    }

    /// ReLU.
    pub fn relu(&mut self, x: TensorId) -> TensorId {
        let s = self.shape(x);
        self.push(Op::Relu, vec![x], s)
    }

    /// An element-wise table `f` over the signed activation range.
    pub fn table(&mut self, x: TensorId, name: &str, f: impl Fn(i64) -> i64) -> TensorId {
        let s = self.shape(x);
        let half = 1i64 << (self.g.act_bits - 1);
        let outputs = (-half..half).map(f).collect();
        self.push(
            Op::Table {
                name: name.into(),
                outputs,
                generator: crate::ir::TableGen::Explicit,
            },
            vec![x],
            s,
        )
    }

    /// Max-pool `k×k`, stride `k`.
    pub fn maxpool(&mut self, x: TensorId, k: usize) -> TensorId {
        let s = self.shape(x);
        let window = Window {
            kernel: [k, k],
            stride: [k, k],
            pad: [0; 4],
            dilation: [1, 1],
        };
        let shape = vec![1, s[1], s[2] / k, s[3] / k];
        self.push(Op::MaxPool { window }, vec![x], shape)
    }

    /// Average-pool `k×k`, stride `k`: sum-pool, fixed-point multiply by `⌊2^16/k²⌉`, rescale 16.
    pub fn avgpool(&mut self, x: TensorId, k: usize) -> TensorId {
        let s = self.shape(x);
        let window = Window {
            kernel: [k, k],
            stride: [k, k],
            pad: [0; 4],
            dilation: [1, 1],
        };
        let shape = vec![1, s[1], s[2] / k, s[3] / k];
        let sum = self.push(Op::SumPool { window }, vec![x], shape.clone());
        let kk = i64::try_from(k * k).unwrap_or(1);
        let m = self.push(
            Op::MulConst {
                c: ((1i64 << 16) + kk / 2) / kk,
            },
            vec![sum],
            shape,
        );
        self.rescale(m, 16)
    }

    /// `a + b`.
    pub fn add(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let s = self.shape(a);
        self.push(Op::Add, vec![a, b], s)
    }

    /// `a − b` (`b` broadcast to `a`).
    pub fn sub(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let s = self.shape(a);
        self.push(Op::Sub, vec![a, b], s)
    }

    /// `a ⊙ b` element-wise (`b` broadcast to `a`).
    pub fn mul(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let s = self.shape(a);
        self.push(Op::Mul, vec![a, b], s)
    }

    /// `a · b` over the last two axes: `[.., M, K] · [.., K, N]`.
    pub fn matmul(&mut self, a: TensorId, b: TensorId) -> TensorId {
        let mut s = self.shape(a);
        let n = self.shape(b).last().copied().unwrap_or(1);
        if let Some(last) = s.last_mut() {
            *last = n;
        }
        self.push(Op::MatMul, vec![a, b], s)
    }

    /// Axes permuted: `y.shape[i] = x.shape[perm[i]]`.
    pub fn transpose(&mut self, x: TensorId, perm: &[usize]) -> TensorId {
        let s = self.shape(x);
        let shape = perm.iter().map(|&a| s[a]).collect();
        self.push(
            Op::Transpose {
                perm: perm.to_vec(),
            },
            vec![x],
            shape,
        )
    }

    /// The inputs side by side along `axis`.
    pub fn concat(&mut self, xs: &[TensorId], axis: usize) -> TensorId {
        let mut s = self.shape(xs[0]);
        s[axis] = xs.iter().map(|&t| self.shape(t)[axis]).sum();
        self.push(Op::Concat { axis }, xs.to_vec(), s)
    }

    /// Same data, new shape.
    pub fn reshape(&mut self, x: TensorId, shape: &[usize]) -> TensorId {
        self.push(Op::Reshape, vec![x], shape.to_vec())
    }

    /// `y[.., j, ..] = x[.., indices[j], ..]` along `axis`.
    pub fn gather(&mut self, x: TensorId, axis: usize, indices: &[usize]) -> TensorId {
        let mut s = self.shape(x);
        let gather = AxisMap::Gather {
            indices: indices.to_vec(),
        };
        let maps = AxisMap::on_axis(s.len(), axis, gather).expect("axis within the rank");
        s[axis] = indices.len();
        self.push(Op::AxisMap { maps }, vec![x], s)
    }

    /// `y[t, ..] = table[ids[t], ..]` for a random `[vocab, dim]` table (`ids` holds token ids:
    /// the input, or a reshape of it).
    pub fn embedding(&mut self, ids: TensorId, vocab: usize, dim: usize) -> TensorId {
        let table = Const {
            shape: vec![vocab, dim],
            values: self.rng.vec(vocab * dim, 1 << 10),
        };
        let mut s = self.shape(ids);
        s.push(dim);
        self.push(Op::Embedding { table }, vec![ids], s)
    }

    /// Sum over `axis` (kept as size 1).
    pub fn sum_axis(&mut self, x: TensorId, axis: usize) -> TensorId {
        let mut s = self.shape(x);
        let maps = AxisMap::on_axis(s.len(), axis, AxisMap::Sum).expect("axis within the rank");
        s[axis] = 1;
        self.push(Op::AxisMap { maps }, vec![x], s)
    }

    /// `x · W + b` with random weights, no rescale (the accumulator).
    pub fn linear_acc(&mut self, x: TensorId, n: usize) -> TensorId {
        let mut shape = self.shape(x);
        let k = shape.pop().unwrap_or(1);
        shape.push(n);
        let weight = Const {
            shape: vec![k, n],
            values: self.rng.vec(k * n, W_MAX),
        };
        let bias = Some(Const {
            shape: vec![n],
            values: self.rng.vec(n, 4096),
        });
        self.push(Op::MatMulConst { weight, bias }, vec![x], shape)
    }

    /// `x · c` for an integer constant.
    pub fn mul_const(&mut self, x: TensorId, c: i64) -> TensorId {
        let s = self.shape(x);
        self.push(Op::MulConst { c }, vec![x], s)
    }

    /// `x + c` for a scalar constant (broadcast); it also gives a graph a weight column.
    pub fn offset(&mut self, x: TensorId, c: i64) -> TensorId {
        let s = self.shape(x);
        let cst = Const {
            shape: vec![1; s.len()],
            values: vec![c],
        };
        self.push(Op::AddConst { c: cst }, vec![x], s)
    }

    /// Max along the last axis (kept as size 1).
    pub fn reduce_max(&mut self, x: TensorId) -> TensorId {
        let mut s = self.shape(x);
        if let Some(l) = s.last_mut() {
            *l = 1;
        }
        self.push(Op::ReduceMax, vec![x], s)
    }

    /// Lowest index of the maximum along the last axis (kept as size 1).
    pub fn argmax(&mut self, x: TensorId) -> TensorId {
        let mut s = self.shape(x);
        if let Some(l) = s.last_mut() {
            *l = 1;
        }
        self.push(Op::ArgMax, vec![x], s)
    }

    /// `⌊a·2^shift / b⌋`, `b` broadcast to `a`.
    pub fn div(&mut self, a: TensorId, b: TensorId, shift: u32, divisor_bits: u32) -> TensorId {
        let s = self.shape(a);
        self.push(
            Op::Div {
                shift,
                divisor_bits,
                dividend_bits: 16,
            },
            vec![a, b],
            s,
        )
    }

    /// `⌊√x⌋` for `0 ≤ x < 2^in_bits`.
    pub fn isqrt(&mut self, x: TensorId, in_bits: u32) -> TensorId {
        let s = self.shape(x);
        self.push(Op::Isqrt { in_bits }, vec![x], s)
    }

    /// Flatten to `[1, n]`.
    pub fn flatten(&mut self, x: TensorId) -> TensorId {
        let n = self.shape(x).iter().product();
        self.push(Op::Reshape, vec![x], vec![1, n])
    }

    /// The graph.
    #[must_use]
    pub fn finish(self) -> ProofGraph {
        self.g
    }

    /// A random input in `[-2^8, 2^8]`.
    pub fn random_input(&mut self) -> Vec<i64> {
        let n = self.g.tensors[0].len();
        self.rng.vec(n, 256)
    }
}

fn shift_for(k: usize) -> u32 {
    5 + (usize::BITS - k.max(1).leading_zeros()).div_ceil(2)
}

/// MLP `sizes[0] → … → sizes.last()` with ReLU between layers.
#[must_use]
pub fn mlp(sizes: &[usize], seed: u64) -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, sizes[0]], 16, seed);
    let mut x = 0;
    for (i, &n) in sizes[1..].iter().enumerate() {
        x = b.linear(x, n);
        if i + 2 < sizes.len() {
            x = b.relu(x);
        }
    }
    let input = b.random_input();
    (b.finish(), input)
}

/// LeNet-5 on 1×28×28: conv 6@5×5 pad 2, ReLU, avg-pool 2, conv 16@5×5, ReLU, max-pool 2,
/// flatten, 120, ReLU, 84, ReLU, 10.
#[must_use]
pub fn lenet5(seed: u64) -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 1, 28, 28], 16, seed);
    let x = b.conv(0, 6, 5, 1, 2);
    let x = b.relu(x);
    let x = b.avgpool(x, 2);
    let x = b.conv(x, 16, 5, 1, 0);
    let x = b.relu(x);
    let x = b.maxpool(x, 2);
    let x = b.flatten(x);
    let x = b.linear(x, 120);
    let x = b.relu(x);
    let x = b.linear(x, 84);
    let x = b.relu(x);
    b.linear(x, 10);
    let input = b.random_input();
    (b.finish(), input)
}

/// A residual CNN on 3×16×16: stem conv, a residual block (conv-ReLU-conv + skip, ReLU),
/// global average pool, linear 4.
#[must_use]
pub fn residual_cnn(seed: u64) -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 3, 16, 16], 16, seed);
    let x = b.conv(0, 8, 3, 1, 1);
    let x = b.relu(x);
    let y = b.conv(x, 8, 3, 1, 1);
    let y = b.relu(y);
    let y = b.conv(y, 8, 3, 1, 1);
    let s = b.add(x, y);
    let s = b.relu(s);
    let p = b.avgpool(s, 16);
    let f = b.flatten(p);
    b.linear(f, 4);
    let input = b.random_input();
    (b.finish(), input)
}

/// A CIFAR-sized CNN on 3×32×32: three conv layers (16, 32, 32 channels, 3×3) with ReLU and
/// max-pool 2 after each, then a linear layer to 10.
#[must_use]
pub fn cifar_cnn(seed: u64) -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 3, 32, 32], 16, seed);
    let mut x = 0;
    for co in [16, 32, 32] {
        x = b.conv(x, co, 3, 1, 1);
        x = b.relu(x);
        x = b.maxpool(x, 2);
    }
    let f = b.flatten(x);
    b.linear(f, 10);
    let input = b.random_input();
    (b.finish(), input)
}

/// A small MLP with a sigmoid-like table, for lookup coverage.
#[must_use]
pub fn mlp_with_table(seed: u64) -> (ProofGraph, Vec<i64>) {
    let mut b = GraphBuilder::new(&[1, 16], 16, seed);
    let x = b.linear(0, 16);
    let x = b.table(x, "sigmoid", |v| {
        let r = 1.0 / (1.0 + (-(v as f64) / 256.0).exp());
        (r * 256.0).round() as i64
    });
    b.linear(x, 4);
    let input = b.random_input();
    (b.finish(), input)
}

/// A random point of `n` coordinates in EF.
pub fn rand_point(rng: &mut Rng, n: usize) -> Vec<zkinfer_field::EF> {
    use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};
    (0..n)
        .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.next_u64() >> 2)))
        .collect()
}

/// Proves linear node `idx` of `g` alone from `claim` on its output, in a fresh transcript
/// labelled `t`; returns the messages and the claims the prover is left with.
#[must_use]
pub fn prove_linear_alone(
    g: &ProofGraph,
    plan: &crate::plan::Plan,
    wit: &crate::witness::Witness,
    weights: &[Vec<i64>],
    idx: usize,
    claim: &crate::claims::Claim,
) -> (Vec<crate::channel::Msg>, crate::claims::Claims) {
    let mut tp = zkinfer_field::Transcript::new(b"t");
    let mut cx = crate::ops::ProverCtx {
        plan,
        graph: g,
        wit,
        weights,
        ch: crate::channel::Channel::new(&mut tp),
        claims: crate::claims::Claims::new(g.tensors.len()),
    };
    crate::ops::prove_node(&mut cx, idx, Some(claim)).expect("the node proves");
    (cx.ch.msgs, cx.claims)
}

/// Proves linear node `idx` of `g` alone from a random claim on its output (off by one if
/// `tamper`). Asserts that every claim the prover leaves is true; returns whether the verifier
/// accepts and every claim it is left with (inputs, derived tensors, weights, witness columns) is
/// true.
///
/// # Panics
/// If the graph does not compile or run, or a prover claim is false.
#[must_use]
pub fn check_linear_node(g: &ProofGraph, x: &[i64], idx: usize, tamper: bool) -> bool {
    use crate::channel::Reader;
    use crate::claims::{Claim, Claims};
    use crate::ops::{VerifierCtx, mle, verify_node};
    use crate::plan::Source;
    use zkinfer_field::{EF, PrimeCharacteristicRing, Transcript};

    let plan = crate::compile(g, crate::CompileOptions::default()).expect("compiles");
    let wit = crate::witness::generate(g, &plan, x).expect("runs");
    let weights = crate::witness::weight_columns(g, &plan).expect("weights lay out");
    let out_t = g.nodes[idx].output;
    let mut rng = Rng::new(9);
    let point = rand_point(&mut rng, plan.layouts[out_t].num_vars());
    let mut value = mle(&wit.tensors[out_t], &point);
    let claim = Claim::new(point.clone(), value);
    let (msgs, pclaims) = prove_linear_alone(g, &plan, &wit, &weights, idx, &claim);
    let tensor_of = |t: usize| match plan.sources[t] {
        Source::Alias { of } => of,
        _ => t,
    };
    let all_true = |c: &Claims| {
        (0..g.tensors.len()).all(|t| {
            c.derived[t]
                .iter()
                .all(|c| mle(&wit.tensors[tensor_of(t)], &c.point) == c.value)
        }) && c
            .public_input
            .iter()
            .all(|c| mle(&wit.tensors[g.input], &c.point) == c.value)
            && c.weights
                .iter()
                .all(|c| mle(&weights[c.column], &c.claim.point) == c.claim.value)
            && c.witness
                .iter()
                .all(|c| mle(&wit.columns[c.column], &c.claim.point) == c.claim.value)
    };
    assert!(all_true(&pclaims), "a prover claim is false");
    if tamper {
        value += EF::ONE;
    }
    let mut tv = Transcript::new(b"t");
    let mut vx = VerifierCtx {
        plan: &plan,
        public_input: Some(&wit.tensors[g.input]),
        rd: Reader::new(&mut tv, &msgs),
        claims: Claims::new(g.tensors.len()),
    };
    verify_node(&mut vx, idx, Some(&Claim::new(point, value))).is_ok() && all_true(&vx.claims)
}
