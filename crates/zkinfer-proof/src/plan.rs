//! Compile: a [`ProofGraph`] becomes a [`Plan`] — layouts, committed columns, lookups, costs.

use serde::{Deserialize, Serialize};

use crate::error::CompileError;
use crate::ir::{Node, Op, ProofGraph, TableGen, TensorId, Window};
use crate::layout::Layout;
use crate::ops::product;

/// Who sees the input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputVisibility {
    /// The verifier gets the input and evaluates it itself.
    #[default]
    Public,
    /// The input is committed in the proof and not sent (not yet zero-knowledge: the
    /// commitment is not hiding).
    Committed,
}

/// Options of [`compile`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileOptions {
    /// Input visibility.
    pub input: InputVisibility,
}

/// Where the values of a tensor come from, for the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// The public input: the verifier evaluates it.
    PublicInput,
    /// A committed witness column.
    Committed {
        /// Index into [`Plan::witness_columns`].
        column: usize,
    },
    /// The output of a linear op: claims on it are reduced and moved to its inputs.
    Derived,
    /// Same storage as another tensor (a reshape).
    Alias {
        /// The tensor whose storage it shares.
        of: TensorId,
    },
}

/// A committed column (witness or weights).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// Name, for messages.
    pub name: String,
    /// Number of variables.
    pub num_vars: usize,
}

/// A lookup table, by content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TableSpec {
    /// `[0, 2^bits)`.
    Range {
        /// Width.
        bits: u32,
    },
    /// `[-2^(bits-1), 2^(bits-1))`.
    SignedRange {
        /// Width.
        bits: u32,
    },
    /// `(i, outputs[i + 2^(bits-1)])` over the signed range.
    Function {
        /// Name.
        name: String,
        /// Input width.
        bits: u32,
        /// Outputs (empty in a verifying key when `generator` makes them).
        outputs: Vec<i64>,
        /// How they are made.
        generator: TableGen,
        /// Keccak-256 of the outputs: the verifier checks that what it generates is the table the
        /// prover used.
        digest: [u8; 32],
    },
}

/// Which values one lookup reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LookupWitness {
    /// A committed input, into the signed activation range.
    Input,
    /// The output of a rescale, into the signed activation range.
    RescaleOut {
        /// The node.
        node: usize,
    },
    /// One 16-bit limb of a rescale's remainder.
    RescaleLimb {
        /// The node.
        node: usize,
        /// The limb.
        limb: usize,
    },
    /// `(x, f(x))` of a ReLU or table node.
    Elementwise {
        /// The node.
        node: usize,
    },
    /// `y − window` of a max-pool, into `[0, 2^A)`.
    MaxDiff {
        /// The node.
        node: usize,
    },
    /// A committed witness column read as it is (limbs, slacks, differences, outputs of the
    /// transformer gadgets); its claim goes to that column.
    Column {
        /// The node that owns it (for messages).
        node: usize,
        /// Index into [`Plan::witness_columns`].
        column: usize,
    },
}

/// A non-negative value `v ∈ [0, 2^bits)` committed as limbs of at most 16 bits, each
/// range-checked: `ṽ = Σ_l 2^(16l) · l̃imb_l`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limbs {
    /// Limb columns, least significant first.
    pub columns: Vec<usize>,
    /// Bits of each limb (16 but the last).
    pub bits: Vec<u32>,
}

/// One lookup: a witness into a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupUse {
    /// Index into [`Plan::tables`].
    pub table: usize,
    /// What it reads.
    pub witness: LookupWitness,
    /// Variables of the witness columns.
    pub num_vars: usize,
}

/// Per-node data the prover and verifier need beyond the op.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodePlan {
    /// Nothing beyond the op.
    Plain,
    /// A linear layer with committed weights.
    Weighted {
        /// Weight column (in the weights commitment).
        weight: usize,
        /// Bias column.
        bias: Option<usize>,
        /// For a matmul: the number of leading (row) axes of the input layout.
        split: usize,
    },
    /// A rescale: its output and remainder limbs.
    Rescale {
        /// Output column.
        out: usize,
        /// Remainder limb columns, 16 bits each but the last.
        limbs: Vec<usize>,
        /// Bits of each limb.
        limb_bits: Vec<u32>,
    },
    /// An element-wise lookup node.
    Elementwise {
        /// Output column.
        out: usize,
        /// Index of its table.
        table: usize,
    },
    /// A max-pool: output and window columns.
    MaxPool {
        /// Output column.
        out: usize,
        /// Windows column, layout `[KHp, KWp, C.., OHp, OWp]`.
        windows: usize,
        /// Padded kernel sizes.
        kpad: [usize; 2],
    },
    /// A max along the last axis: output and the differences `D = (y − x)·valid` (layout of x).
    ReduceMax {
        /// Output column (layout of x with the last axis of size 1).
        out: usize,
        /// Differences column, range-checked to `[0, 2^A)`.
        diff: usize,
    },
    /// An arg-max along the last axis.
    ArgMax {
        /// Output (index) column.
        out: usize,
        /// Row maximum column (layout of the output).
        max: usize,
        /// One-hot column (layout of x).
        onehot: usize,
        /// `D = (y − x − before)·valid` (layout of x), range-checked to `[0, 2^A)`.
        diff: usize,
    },
    /// A division `q = ⌊a·2^shift / b⌋`.
    Div {
        /// Quotient column (layout of a), range-checked to the signed activation range.
        out: usize,
        /// Remainder `r ∈ [0, 2^divisor_bits)`.
        rem: Limbs,
        /// Slack `c = (b − 1 − r)·valid ∈ [0, 2^divisor_bits)`.
        slack: Limbs,
    },
    /// An integer square root `y = ⌊√x⌋`.
    Isqrt {
        /// Output column.
        out: usize,
        /// Limbs of the output when it is wider than 16 bits (else the output column itself is
        /// range-checked).
        out_limbs: Option<Limbs>,
        /// `t1 = x − y²`.
        lo: Limbs,
        /// `t2 = y² + 2y − x`.
        hi: Limbs,
    },
}

/// Cost of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCost {
    /// Node name.
    pub name: String,
    /// Op kind.
    pub op: String,
    /// Elements committed per proof.
    pub committed: usize,
    /// Total size of the sumchecks run.
    pub sumcheck: usize,
    /// Rows looked up.
    pub lookups: usize,
    /// Multiply-adds of the op (what a circuit prover pays per gate).
    pub macs: usize,
}

/// Totals and predictions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Per node.
    pub nodes: Vec<NodeCost>,
    /// Elements committed per proof (witness, multiplicities).
    pub committed: usize,
    /// Weight elements (committed at setup).
    pub weights: usize,
    /// Total sumcheck size.
    pub sumcheck: usize,
    /// Total rows looked up.
    pub lookups: usize,
    /// Total multiply-adds.
    pub macs: usize,
    /// Predicted prove time on a 2-core machine, seconds.
    pub predicted_prove_s: f64,
    /// Predicted peak memory, bytes.
    pub predicted_memory_bytes: u64,
}

/// The compiled model: everything but the weight values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The graph (in a verifying key, with weight values removed).
    pub graph: ProofGraph,
    /// Options it was compiled with.
    pub options: CompileOptions,
    /// Layout of every tensor.
    pub layouts: Vec<Layout>,
    /// Source of every tensor.
    pub sources: Vec<Source>,
    /// Per node.
    pub nodes: Vec<NodePlan>,
    /// Witness columns, committed per proof (multiplicities last).
    pub witness_columns: Vec<ColumnSpec>,
    /// Weight columns, committed at setup.
    pub weight_columns: Vec<ColumnSpec>,
    /// Distinct tables.
    pub tables: Vec<TableSpec>,
    /// Multiplicity column of each table.
    pub multiplicity_columns: Vec<usize>,
    /// Lookups.
    pub lookups: Vec<LookupUse>,
    /// Costs.
    pub cost: Cost,
}

impl Plan {
    /// The lookups of each table, in table order.
    #[must_use]
    pub fn lookups_by_table(&self) -> Vec<Vec<LookupUse>> {
        let mut out = vec![Vec::new(); self.tables.len()];
        for lu in &self.lookups {
            if let Some(v) = out.get_mut(lu.table) {
                v.push(*lu);
            }
        }
        out
    }
}

/// The largest column we commit (variables).
pub const MAX_COLUMN_VARS: usize = 24;

/// Compiles `graph`.
///
/// # Errors
/// A [`CompileError`] naming the node whose shape or op has no prover, or the limit exceeded.
pub fn compile(graph: &ProofGraph, options: CompileOptions) -> Result<Plan, CompileError> {
    let mut b = Builder::new(graph, options);
    for (i, node) in graph.nodes.iter().enumerate() {
        b.node(i, node)?;
    }
    b.finish()
}

struct Builder<'a> {
    g: &'a ProofGraph,
    options: CompileOptions,
    layouts: Vec<Option<Layout>>,
    sources: Vec<Source>,
    nodes: Vec<NodePlan>,
    witness_columns: Vec<ColumnSpec>,
    weight_columns: Vec<ColumnSpec>,
    tables: Vec<TableSpec>,
    lookups: Vec<LookupUse>,
    costs: Vec<NodeCost>,
}

impl<'a> Builder<'a> {
    fn new(g: &'a ProofGraph, options: CompileOptions) -> Self {
        Self {
            g,
            options,
            layouts: vec![None; g.tensors.len()],
            sources: vec![Source::Derived; g.tensors.len()],
            nodes: Vec::new(),
            witness_columns: Vec::new(),
            weight_columns: Vec::new(),
            tables: Vec::new(),
            lookups: Vec::new(),
            costs: Vec::new(),
        }
    }

    fn err(node: &Node, msg: impl Into<String>) -> CompileError {
        CompileError::Unsupported {
            node: node.name.clone(),
            op: node.op.kind(),
            reason: msg.into(),
        }
    }

    fn layout(&self, node: &Node, i: usize) -> Result<Layout, CompileError> {
        node.inputs
            .get(i)
            .and_then(|&t| self.layouts.get(t).cloned().flatten())
            .ok_or_else(|| Self::err(node, format!("input {i} is missing or not yet computed")))
    }

    fn shape(&self, node: &Node, i: usize) -> Result<Vec<usize>, CompileError> {
        node.inputs
            .get(i)
            .and_then(|&t| self.g.tensors.get(t))
            .map(|t| t.shape.clone())
            .ok_or_else(|| Self::err(node, format!("input {i} is missing")))
    }

    fn witness(&mut self, name: String, num_vars: usize) -> usize {
        self.witness_columns.push(ColumnSpec { name, num_vars });
        self.witness_columns.len() - 1
    }

    fn weight(&mut self, name: String, num_vars: usize) -> usize {
        self.weight_columns.push(ColumnSpec { name, num_vars });
        self.weight_columns.len() - 1
    }

    fn table(&mut self, t: TableSpec) -> usize {
        if let Some(i) = self.tables.iter().position(|x| *x == t) {
            return i;
        }
        self.tables.push(t);
        self.tables.len() - 1
    }

    fn lookup(&mut self, table: TableSpec, witness: LookupWitness, num_vars: usize) -> usize {
        let table = self.table(table);
        self.lookups.push(LookupUse {
            table,
            witness,
            num_vars,
        });
        table
    }

    /// A committed column of `num_vars` variables read by a lookup into `table`.
    fn checked_column(
        &mut self,
        node: usize,
        name: String,
        table: TableSpec,
        num_vars: usize,
    ) -> usize {
        let column = self.witness(name, num_vars);
        self.lookup(table, LookupWitness::Column { node, column }, num_vars);
        column
    }

    /// A value in `[0, 2^bits)` committed as range-checked limbs of at most 16 bits.
    fn limbs(&mut self, node: usize, name: &str, bits: u32, num_vars: usize) -> Limbs {
        let mut out = Limbs {
            columns: Vec::new(),
            bits: Vec::new(),
        };
        let mut left = bits;
        while left > 0 {
            let b = left.min(16);
            left -= b;
            let l = out.columns.len();
            let c = self.checked_column(
                node,
                format!("{name}{l}"),
                TableSpec::Range { bits: b },
                num_vars,
            );
            out.columns.push(c);
            out.bits.push(b);
        }
        out
    }

    /// The layout of an input of a last-axis reduction, checked to have the tensor's last axis.
    fn last_axis_input(&self, node: &Node, out_shape: &[usize]) -> Result<Layout, CompileError> {
        let x = self.layout(node, 0)?;
        let shape = self
            .g
            .tensors
            .get(node.inputs[0])
            .map(|t| t.shape.clone())
            .unwrap_or_default();
        let (Some(&n), Some(&ln)) = (shape.last(), x.logical.last()) else {
            return Err(Self::err(node, "input has no axes"));
        };
        if n != ln || n == 0 {
            return Err(Self::err(
                node,
                format!(
                    "the input's stored layout {:?} does not keep its last axis {n} (reduce before the reshape, or reshape so the last axis stays)",
                    x.logical
                ),
            ));
        }
        let mut want = shape.clone();
        if let Some(l) = want.last_mut() {
            *l = 1;
        }
        if want != out_shape {
            return Err(Self::err(
                node,
                format!("output shape {out_shape:?} is not {want:?} (the last axis kept as 1)"),
            ));
        }
        Ok(x)
    }

    fn set_out(&mut self, node: &Node, layout: Layout, source: Source) -> Result<(), CompileError> {
        if layout.num_vars() > MAX_COLUMN_VARS {
            return Err(CompileError::TooLarge {
                node: node.name.clone(),
                elements: layout.size(),
                max: 1 << MAX_COLUMN_VARS,
            });
        }
        let t = node.output;
        *self
            .layouts
            .get_mut(t)
            .ok_or_else(|| Self::err(node, "output tensor out of range"))? = Some(layout);
        self.sources[t] = source;
        Ok(())
    }

    #[allow(clippy::too_many_lines)]
    fn node(&mut self, idx: usize, node: &Node) -> Result<(), CompileError> {
        let a = self.g.act_bits;
        let out_shape = self
            .g
            .tensors
            .get(node.output)
            .map(|t| t.shape.clone())
            .ok_or_else(|| Self::err(node, "output tensor out of range"))?;
        let mut cost = NodeCost {
            name: node.name.clone(),
            op: node.op.kind().to_string(),
            ..NodeCost::default()
        };
        let plan = match &node.op {
            Op::Input => {
                let layout = Layout::natural(&out_shape);
                let source = match self.options.input {
                    InputVisibility::Public => Source::PublicInput,
                    InputVisibility::Committed => {
                        cost.committed = layout.size();
                        cost.lookups = layout.size();
                        let column = self.witness("input".into(), layout.num_vars());
                        self.lookup(
                            TableSpec::SignedRange { bits: a },
                            LookupWitness::Input,
                            layout.num_vars(),
                        );
                        Source::Committed { column }
                    }
                };
                self.set_out(node, layout, source)?;
                NodePlan::Plain
            }
            Op::MatMulConst { weight, bias } => {
                let x = self.layout(node, 0)?;
                let [k, n] = weight.shape[..] else {
                    return Err(Self::err(node, "weight is not 2-D"));
                };
                let split = x.split_suffix(k).ok_or_else(|| {
                    Self::err(
                        node,
                        format!(
                            "input shape {:?} has no trailing axes of size {k}",
                            x.logical
                        ),
                    )
                })?;
                let kl = x.sub(split..x.logical.len());
                let mut out = x.sub(0..split);
                out.logical.push(n);
                out.padded.push(n.next_power_of_two());
                if out.logical_len() != out_shape.iter().product::<usize>() {
                    return Err(Self::err(node, "output shape does not match x·W"));
                }
                let np = n.next_power_of_two();
                let wcol = self.weight(
                    format!("{}.weight", node.name),
                    (kl.size() * np).trailing_zeros() as usize,
                );
                let bcol = bias.as_ref().map(|_| {
                    self.weight(format!("{}.bias", node.name), np.trailing_zeros() as usize)
                });
                cost.sumcheck = kl.size() + out.size();
                cost.macs = out.logical_len() * k;
                self.set_out(node, out, Source::Derived)?;
                NodePlan::Weighted {
                    weight: wcol,
                    bias: bcol,
                    split,
                }
            }
            Op::Conv2d {
                weight,
                bias,
                window,
            } => {
                let x = self.layout(node, 0)?;
                let [co, ci, kh, kw] = weight.shape[..] else {
                    return Err(Self::err(node, "weight is not [CO, CI, KH, KW]"));
                };
                let (c, h, w) =
                    chw(&x).ok_or_else(|| Self::err(node, "input is not [1, C, H, W]"))?;
                if c != ci || window.kernel != [kh, kw] {
                    return Err(Self::err(
                        node,
                        "weight shape does not match input channels/kernel (grouped convolutions are not supported yet)",
                    ));
                }
                let (oh, ow) =
                    out_hw(window, h, w).ok_or_else(|| Self::err(node, "window does not fit"))?;
                let out = Layout::natural(&[1, co, oh, ow]);
                if out.logical_len() != out_shape.iter().product::<usize>() {
                    return Err(Self::err(node, "output shape mismatch"));
                }
                let wl = Layout::natural(&[co, ci, kh, kw]);
                let wcol = self.weight(format!("{}.weight", node.name), wl.num_vars());
                let bcol = bias.as_ref().map(|_| {
                    self.weight(
                        format!("{}.bias", node.name),
                        Layout::natural(&[co]).num_vars(),
                    )
                });
                cost.sumcheck = Layout::natural(&[ci, kh, kw]).size() + x.size() + out.size();
                cost.macs = out.logical_len() * ci * kh * kw;
                self.set_out(node, out, Source::Derived)?;
                NodePlan::Weighted {
                    weight: wcol,
                    bias: bcol,
                    split: 0,
                }
            }
            Op::Add | Op::Sub => {
                let x = self.layout(node, 0)?;
                let y = self.layout(node, 1)?;
                let (xs, ys) = (self.shape(node, 0)?, self.shape(node, 1)?);
                if x != y {
                    product::plan_broadcast(&xs, &x, &ys, &y, &out_shape)
                        .map_err(|m| Self::err(node, m))?;
                    cost.sumcheck = x.size() + y.size();
                } else {
                    cost.sumcheck = x.size();
                }
                cost.macs = x.logical_len();
                self.set_out(node, x, Source::Derived)?;
                NodePlan::Plain
            }
            Op::Mul => {
                let x = self.layout(node, 0)?;
                let y = self.layout(node, 1)?;
                let (xs, ys) = (self.shape(node, 0)?, self.shape(node, 1)?);
                product::plan_broadcast(&xs, &x, &ys, &y, &out_shape)
                    .map_err(|m| Self::err(node, m))?;
                cost.sumcheck = x.size();
                cost.macs = x.logical_len();
                self.set_out(node, x, Source::Derived)?;
                NodePlan::Plain
            }
            Op::MatMul => {
                let x = self.layout(node, 0)?;
                let y = self.layout(node, 1)?;
                let (xs, ys) = (self.shape(node, 0)?, self.shape(node, 1)?);
                let out = product::plan_matmul(&xs, &x, &ys, &y, &out_shape)
                    .map_err(|m| Self::err(node, m))?;
                let d = product::MatDims::new(&x, &y)
                    .ok_or_else(|| Self::err(node, "operands do not multiply"))?;
                // The sumcheck over (batch, K) plus the two folds of the operands.
                cost.sumcheck = d.bp * d.kp + x.size() + y.size();
                cost.macs = out.logical_len() * d.k;
                self.set_out(node, out, Source::Derived)?;
                NodePlan::Plain
            }
            Op::AddConst { c } | Op::MulConstTensor { c } => {
                let x = self.layout(node, 0)?;
                if c.broadcast_to(&out_shape).is_none() {
                    return Err(Self::err(
                        node,
                        format!(
                            "constant of shape {:?} does not broadcast to {:?}",
                            c.shape, out_shape
                        ),
                    ));
                }
                let wcol = self.weight(format!("{}.const", node.name), x.num_vars());
                cost.sumcheck = if matches!(node.op, Op::MulConstTensor { .. }) {
                    x.size()
                } else {
                    0
                };
                cost.macs = x.logical_len();
                self.set_out(node, x, Source::Derived)?;
                NodePlan::Weighted {
                    weight: wcol,
                    bias: None,
                    split: 0,
                }
            }
            Op::MulConst { c } => {
                if *c == 0 {
                    return Err(Self::err(node, "multiplication by the constant 0"));
                }
                let x = self.layout(node, 0)?;
                self.set_out(node, x, Source::Derived)?;
                NodePlan::Plain
            }
            Op::SumPool { window } => {
                let x = self.layout(node, 0)?;
                let (c, h, w) =
                    chw(&x).ok_or_else(|| Self::err(node, "input is not [1, C, H, W]"))?;
                let (oh, ow) =
                    out_hw(window, h, w).ok_or_else(|| Self::err(node, "window does not fit"))?;
                cost.sumcheck = x.size();
                cost.macs = c * oh * ow * window.kernel[0] * window.kernel[1];
                self.set_out(node, Layout::natural(&[1, c, oh, ow]), Source::Derived)?;
                NodePlan::Plain
            }
            Op::Transpose { perm } => {
                let x = self.layout(node, 0)?;
                let xt = self
                    .g
                    .tensors
                    .get(node.inputs[0])
                    .map(|t| t.shape.clone())
                    .unwrap_or_default();
                if x.logical != xt {
                    return Err(Self::err(
                        node,
                        "transpose of a reshaped tensor is not supported yet",
                    ));
                }
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                if sorted != (0..x.logical.len()).collect::<Vec<_>>() {
                    return Err(Self::err(
                        node,
                        format!("{perm:?} is not a permutation of the axes"),
                    ));
                }
                let out = Layout {
                    logical: perm.iter().map(|&a| x.logical[a]).collect(),
                    padded: perm.iter().map(|&a| x.padded[a]).collect(),
                };
                if out.logical != out_shape {
                    return Err(Self::err(
                        node,
                        "output shape does not match the permutation",
                    ));
                }
                self.set_out(node, out, Source::Derived)?;
                NodePlan::Plain
            }
            Op::AxisMap { maps } => {
                let x = self.layout(node, 0)?;
                let xt = self
                    .g
                    .tensors
                    .get(node.inputs[0])
                    .map(|t| t.shape.clone())
                    .unwrap_or_default();
                if x.logical != xt || maps.len() != xt.len() || out_shape.len() != xt.len() {
                    return Err(Self::err(
                        node,
                        "axis map needs an input in its natural layout and one map per axis",
                    ));
                }
                for (a, m) in maps.iter().enumerate() {
                    let ok = match m {
                        crate::ir::AxisMap::Identity => out_shape[a] == xt[a],
                        crate::ir::AxisMap::Sum => out_shape[a] == 1,
                        crate::ir::AxisMap::Slice { start, step } => {
                            *step >= 1
                                && out_shape[a] >= 1
                                && start + (out_shape[a] - 1) * step < xt[a]
                        }
                        crate::ir::AxisMap::Place { offset } => offset + xt[a] <= out_shape[a],
                        crate::ir::AxisMap::Gather { indices } => {
                            indices.len() == out_shape[a] && indices.iter().all(|&i| i < xt[a])
                        }
                    };
                    if !ok {
                        return Err(Self::err(
                            node,
                            format!(
                                "axis {a}: map {m:?} does not fit {} -> {}",
                                xt[a], out_shape[a]
                            ),
                        ));
                    }
                }
                cost.sumcheck = x.size();
                self.set_out(node, Layout::natural(&out_shape), Source::Derived)?;
                NodePlan::Plain
            }
            Op::Concat { axis } => {
                let axis = *axis;
                if node.inputs.len() < 2 || axis >= out_shape.len() {
                    return Err(Self::err(
                        node,
                        format!(
                            "concatenation needs two or more inputs and an axis below the rank {}",
                            out_shape.len()
                        ),
                    ));
                }
                let mut along = 0;
                for i in 0..node.inputs.len() {
                    let x = self.layout(node, i)?;
                    let xs = self.shape(node, i)?;
                    let fits = xs.len() == out_shape.len()
                        && xs
                            .iter()
                            .zip(&out_shape)
                            .enumerate()
                            .all(|(a, (d, o))| a == axis || d == o);
                    if x.logical != xs || !fits {
                        return Err(Self::err(
                            node,
                            format!(
                                "input {i} (shape {xs:?}) does not concatenate into {out_shape:?} \
                                 along axis {axis}, or is not in its natural layout (insert an \
                                 identity AxisMap after a reshape)"
                            ),
                        ));
                    }
                    along += xs[axis];
                    cost.sumcheck += x.size();
                }
                if along != out_shape[axis] {
                    return Err(Self::err(
                        node,
                        format!(
                            "the inputs add up to {along} along axis {axis}, the output has {}",
                            out_shape[axis]
                        ),
                    ));
                }
                self.set_out(node, Layout::natural(&out_shape), Source::Derived)?;
                NodePlan::Plain
            }
            Op::Reshape => {
                let x = self.layout(node, 0)?;
                if x.logical_len() != out_shape.iter().product::<usize>() {
                    return Err(Self::err(node, "reshape changes the number of elements"));
                }
                let of = node.inputs[0];
                let root = match self.sources[of] {
                    Source::Alias { of } => of,
                    _ => of,
                };
                // Same storage either way; when every logical element keeps its stored position
                // under the natural layout of the new shape, take that layout (so ops that need
                // their input's natural layout, like a transpose to attention heads, apply).
                let natural = Layout::natural(&out_shape);
                let layout = if same_storage(&x, &natural) {
                    natural
                } else {
                    x
                };
                self.set_out(node, layout, Source::Alias { of: root })?;
                NodePlan::Plain
            }
            Op::Rescale { shift } => {
                if *shift == 0 || *shift > 48 {
                    return Err(Self::err(
                        node,
                        format!("rescale shift {shift} outside 1..=48"),
                    ));
                }
                let x = self.layout(node, 0)?;
                let nv = x.num_vars();
                let out = self.witness(format!("{}.out", node.name), nv);
                let mut limbs = Vec::new();
                let mut limb_bits = Vec::new();
                let mut left = *shift;
                while left > 0 {
                    let bits = left.min(16);
                    left -= bits;
                    let l = limbs.len();
                    limbs.push(self.witness(format!("{}.rem{l}", node.name), nv));
                    limb_bits.push(bits);
                    self.lookup(
                        TableSpec::Range { bits },
                        LookupWitness::RescaleLimb { node: idx, limb: l },
                        nv,
                    );
                }
                self.lookup(
                    TableSpec::SignedRange { bits: a },
                    LookupWitness::RescaleOut { node: idx },
                    nv,
                );
                cost.committed = x.size() * (1 + limbs.len());
                cost.lookups = x.size() * (1 + limbs.len());
                self.set_out(node, x, Source::Committed { column: out })?;
                NodePlan::Rescale {
                    out,
                    limbs,
                    limb_bits,
                }
            }
            Op::Relu | Op::Table { .. } => {
                let x = self.layout(node, 0)?;
                let nv = x.num_vars();
                let (name, outputs, generator) = match &node.op {
                    Op::Table {
                        name,
                        outputs,
                        generator,
                    } => (name.clone(), outputs.clone(), generator.clone()),
                    _ => (
                        "relu".to_string(),
                        TableGen::Relu.generate(a).unwrap_or_default(),
                        TableGen::Relu,
                    ),
                };
                if outputs.len() != 1usize << a {
                    return Err(Self::err(
                        node,
                        format!("table has {} entries, expected 2^{a}", outputs.len()),
                    ));
                }
                let spec = TableSpec::Function {
                    name,
                    bits: a,
                    digest: table_digest(&outputs),
                    outputs,
                    generator,
                };
                let out = self.witness(format!("{}.out", node.name), nv);
                let table = self.lookup(spec, LookupWitness::Elementwise { node: idx }, nv);
                cost.committed = x.size();
                cost.lookups = x.size();
                self.set_out(node, x, Source::Committed { column: out })?;
                NodePlan::Elementwise { out, table }
            }
            Op::MaxPool { window } => {
                let x = self.layout(node, 0)?;
                if window.pad != [0; 4] {
                    return Err(Self::err(
                        node,
                        "max-pool with padding is not supported yet",
                    ));
                }
                let (c, h, w) =
                    chw(&x).ok_or_else(|| Self::err(node, "input is not [1, C, H, W]"))?;
                let (oh, ow) =
                    out_hw(window, h, w).ok_or_else(|| Self::err(node, "window does not fit"))?;
                let out = Layout::natural(&[1, c, oh, ow]);
                let kpad = [
                    window.kernel[0].next_power_of_two(),
                    window.kernel[1].next_power_of_two(),
                ];
                let wnv = out.num_vars() + (kpad[0] * kpad[1]).trailing_zeros() as usize;
                let ocol = self.witness(format!("{}.out", node.name), out.num_vars());
                let wcol = self.witness(format!("{}.windows", node.name), wnv);
                self.lookup(
                    TableSpec::Range { bits: a },
                    LookupWitness::MaxDiff { node: idx },
                    wnv,
                );
                cost.committed = out.size() + (1 << wnv);
                cost.lookups = 1 << wnv;
                cost.sumcheck = x.size() + (1 << wnv);
                self.set_out(node, out, Source::Committed { column: ocol })?;
                NodePlan::MaxPool {
                    out: ocol,
                    windows: wcol,
                    kpad,
                }
            }
            Op::ReduceMax | Op::ArgMax => {
                let x = self.last_axis_input(node, &out_shape)?;
                let n = x.logical.last().copied().unwrap_or(1);
                let mut out = x.clone();
                if let (Some(l), Some(p)) = (out.logical.last_mut(), out.padded.last_mut()) {
                    *l = 1;
                    *p = 1;
                }
                let (nv, no) = (x.num_vars(), out.num_vars());
                let ocol = self.witness(format!("{}.out", node.name), no);
                let diff = self.checked_column(
                    idx,
                    format!("{}.diff", node.name),
                    TableSpec::Range { bits: a },
                    nv,
                );
                cost.macs = x.logical_len();
                cost.lookups = x.size();
                let plan = if matches!(node.op, Op::ReduceMax) {
                    cost.committed = out.size() + x.size();
                    // The zero-check has degree n + 1 over the rows.
                    cost.sumcheck = x.size() + out.size() * n * n;
                    NodePlan::ReduceMax { out: ocol, diff }
                } else {
                    let max = self.witness(format!("{}.max", node.name), no);
                    let onehot = self.witness(format!("{}.onehot", node.name), nv);
                    cost.committed = 2 * out.size() + 2 * x.size();
                    cost.sumcheck = 4 * x.size();
                    NodePlan::ArgMax {
                        out: ocol,
                        max,
                        onehot,
                        diff,
                    }
                };
                self.set_out(node, out, Source::Committed { column: ocol })?;
                plan
            }
            Op::Div {
                shift,
                divisor_bits,
                dividend_bits,
            } => {
                let x = self.layout(node, 0)?;
                let b = self.layout(node, 1)?;
                let shape_of = |i: usize| {
                    node.inputs
                        .get(i)
                        .and_then(|&t| self.g.tensors.get(t))
                        .map(|t| t.shape.clone())
                        .unwrap_or_default()
                };
                if x.logical != shape_of(0) || b.logical != shape_of(1) {
                    return Err(Self::err(
                        node,
                        "an operand is stored in the layout of a reshape; division of reshaped tensors is not supported yet (divide before reshaping)",
                    ));
                }
                if b.logical.len() != x.logical.len()
                    || b.logical
                        .iter()
                        .zip(&x.logical)
                        .any(|(&d, &n)| d != 1 && d != n)
                {
                    return Err(Self::err(
                        node,
                        format!(
                            "divisor of shape {:?} does not broadcast to {:?} (same rank, each dim 1 or equal)",
                            b.logical, x.logical
                        ),
                    ));
                }
                if out_shape != x.logical {
                    return Err(Self::err(node, "output shape differs from the dividend's"));
                }
                if *divisor_bits == 0 || *divisor_bits > 48 || *shift > 48 {
                    return Err(Self::err(
                        node,
                        format!(
                            "divisor_bits {divisor_bits} outside 1..=48 or shift {shift} above 48"
                        ),
                    ));
                }
                // |a·2^shift| < 2^(dividend_bits+shift) and |q·b + r| ≤ 2^(A−1+divisor_bits) +
                // 2^divisor_bits must stay below 2^62 so that the field identity is the integer one.
                if dividend_bits + shift > 61 || a + divisor_bits > 61 {
                    return Err(Self::err(
                        node,
                        format!(
                            "a·2^{shift} or q·b (dividend bits {dividend_bits}, activation bits {a}, divisor bits {divisor_bits}) could exceed 2^62 and wrap the field; lower the shift or the divisor bits"
                        ),
                    ));
                }
                let nv = x.num_vars();
                let out = self.checked_column(
                    idx,
                    format!("{}.out", node.name),
                    TableSpec::SignedRange { bits: a },
                    nv,
                );
                let rem = self.limbs(idx, &format!("{}.rem", node.name), *divisor_bits, nv);
                let slack = self.limbs(idx, &format!("{}.slack", node.name), *divisor_bits, nv);
                let k = 1 + rem.columns.len() + slack.columns.len();
                cost.committed = x.size() * k;
                cost.lookups = x.size() * k;
                cost.sumcheck = x.size() * (4 + k);
                cost.macs = x.logical_len();
                self.set_out(node, x, Source::Committed { column: out })?;
                NodePlan::Div { out, rem, slack }
            }
            Op::Isqrt { in_bits } => {
                if *in_bits == 0 || *in_bits > 60 {
                    return Err(Self::err(node, format!("in_bits {in_bits} outside 1..=60")));
                }
                let x = self.layout(node, 0)?;
                let nv = x.num_vars();
                let h = in_bits.div_ceil(2);
                let (out, out_limbs) = if h <= 16 {
                    let c = self.checked_column(
                        idx,
                        format!("{}.out", node.name),
                        TableSpec::Range { bits: h },
                        nv,
                    );
                    (c, None)
                } else {
                    let c = self.witness(format!("{}.out", node.name), nv);
                    (
                        c,
                        Some(self.limbs(idx, &format!("{}.out", node.name), h, nv)),
                    )
                };
                let lo = self.limbs(idx, &format!("{}.lo", node.name), h + 1, nv);
                let hi = self.limbs(idx, &format!("{}.hi", node.name), h + 1, nv);
                let nl = out_limbs.as_ref().map_or(1, |l| l.columns.len())
                    + lo.columns.len()
                    + hi.columns.len();
                cost.committed = x.size() * (nl + usize::from(out_limbs.is_some()));
                cost.lookups = x.size() * nl;
                cost.sumcheck = x.size() * (4 + nl);
                cost.macs = x.logical_len();
                self.set_out(node, x, Source::Committed { column: out })?;
                NodePlan::Isqrt {
                    out,
                    out_limbs,
                    lo,
                    hi,
                }
            }
        };
        self.nodes.push(plan);
        self.costs.push(cost);
        Ok(())
    }

    fn finish(mut self) -> Result<Plan, CompileError> {
        let layouts: Vec<Layout> = self
            .layouts
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.clone().ok_or_else(|| {
                    CompileError::Graph(format!(
                        "tensor {} is never produced",
                        self.g.tensors.get(i).map_or("?", |t| t.name.as_str())
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let mut multiplicity_columns = Vec::new();
        for (i, t) in self.tables.clone().iter().enumerate() {
            let nv = match t {
                TableSpec::Range { bits }
                | TableSpec::SignedRange { bits }
                | TableSpec::Function { bits, .. } => *bits as usize,
            };
            multiplicity_columns.push(self.witness(format!("multiplicities.{i}"), nv));
        }
        let committed: usize = self
            .witness_columns
            .iter()
            .map(|c| 1usize << c.num_vars)
            .sum();
        let weights: usize = self
            .weight_columns
            .iter()
            .map(|c| 1usize << c.num_vars)
            .sum();
        let sumcheck: usize = self.costs.iter().map(|c| c.sumcheck).sum();
        let lookups: usize = self.costs.iter().map(|c| c.lookups).sum();
        let macs = self.costs.iter().map(|c| c.macs).sum();
        let cost = Cost {
            committed,
            weights,
            sumcheck,
            lookups,
            macs,
            predicted_prove_s: predict_seconds(committed, weights, sumcheck, lookups),
            predicted_memory_bytes: predict_memory(committed, weights),
            nodes: self.costs,
        };
        Ok(Plan {
            graph: self.g.clone(),
            options: self.options,
            layouts,
            sources: self.sources,
            nodes: self.nodes,
            witness_columns: self.witness_columns,
            weight_columns: self.weight_columns,
            tables: self.tables,
            multiplicity_columns,
            lookups: self.lookups,
            cost,
        })
    }
}

/// Time model, from `bench_proof` on the 2-core machine: per element committed, per element of
/// sumcheck, per lookup row.
fn predict_seconds(committed: usize, weights: usize, sumcheck: usize, lookups: usize) -> f64 {
    const COMMIT_NS: f64 = 150.0;
    const SUMCHECK_NS: f64 = 60.0;
    const LOOKUP_NS: f64 = 250.0;
    ((committed + weights) as f64 * COMMIT_NS
        + sumcheck as f64 * SUMCHECK_NS
        + lookups as f64 * LOOKUP_NS)
        * 1e-9
        + 0.01
}

/// Memory model: the encoded codeword and Merkle tree dominate.
fn predict_memory(committed: usize, weights: usize) -> u64 {
    ((committed + weights) as u64) * 96 + (64 << 20)
}

/// Whether two layouts of the same elements (row-major) put every logical element at the same
/// stored position and have the same size: then they describe one storage.
fn same_storage(a: &Layout, b: &Layout) -> bool {
    if a.size() != b.size() || a.logical_len() != b.logical_len() {
        return false;
    }
    if a.size() == a.logical_len() {
        // No padding in either: both are the row-major identity.
        return true;
    }
    // Walk the logical elements in row-major order, tracking the stored index in each layout.
    let mut ia = vec![0usize; a.logical.len()];
    let mut ib = vec![0usize; b.logical.len()];
    let stored = |l: &Layout, idx: &[usize]| {
        idx.iter()
            .zip(&l.padded)
            .fold(0usize, |acc, (&i, &p)| acc * p + i)
    };
    let step = |l: &Layout, idx: &mut [usize]| {
        for ax in (0..idx.len()).rev() {
            idx[ax] += 1;
            if idx[ax] < l.logical[ax] {
                return;
            }
            idx[ax] = 0;
        }
    };
    for _ in 0..a.logical_len() {
        if stored(a, &ia) != stored(b, &ib) {
            return false;
        }
        step(a, &mut ia);
        step(b, &mut ib);
    }
    true
}

fn chw(x: &Layout) -> Option<(usize, usize, usize)> {
    let n = x.logical.len();
    if n < 3 || !x.leading_ones(3) {
        return None;
    }
    Some((x.logical[n - 3], x.logical[n - 2], x.logical[n - 1]))
}

fn out_hw(w: &Window, h: usize, wd: usize) -> Option<(usize, usize)> {
    Some((w.out_dim(0, h)?, w.out_dim(1, wd)?))
}

/// `(C, H, W)` of a `[1, C, H, W]` layout.
#[must_use]
pub fn chw_of(x: &Layout) -> Option<(usize, usize, usize)> {
    chw(x)
}

/// Keccak-256 of a table's outputs ([`zkinfer_lookup::outputs_digest`], the digest the lookup
/// proof's table id is made from).
#[must_use]
pub fn table_digest(outputs: &[i64]) -> [u8; 32] {
    zkinfer_lookup::outputs_digest(outputs)
}
