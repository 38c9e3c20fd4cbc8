//! The state of a compile in progress: tensor layouts and sources, the committed columns, tables
//! and lookups allocated so far, and the cost of the node being planned. Op modules plan their
//! node through it ([`crate::ops::OpProof::plan`]); [`crate::compile`] drives it over the graph.

use crate::error::CompileError;
use crate::ir::{Const, Node, ProofGraph};
use crate::layout::Layout;
use crate::plan::{
    ColumnSpec, CompileOptions, Limbs, LookupUse, LookupWitness, MAX_COLUMN_VARS, NodeCost,
    NodePlan, Source, TableSpec,
};

/// A compile in progress.
#[derive(Debug)]
pub struct Planner<'a> {
    /// The graph.
    pub g: &'a ProofGraph,
    /// Options.
    pub options: CompileOptions,
    /// Layout of each tensor planned so far.
    pub layouts: Vec<Option<Layout>>,
    /// Source of each tensor.
    pub sources: Vec<Source>,
    /// Per node planned so far.
    pub nodes: Vec<NodePlan>,
    /// Witness columns.
    pub witness_columns: Vec<ColumnSpec>,
    /// Weight columns.
    pub weight_columns: Vec<ColumnSpec>,
    /// Distinct tables.
    pub tables: Vec<TableSpec>,
    /// Lookups.
    pub lookups: Vec<LookupUse>,
    /// Cost of each node planned so far.
    pub costs: Vec<NodeCost>,
    /// Cost of the node being planned.
    pub cost: NodeCost,
}

impl<'a> Planner<'a> {
    /// An empty plan of `g`.
    #[must_use]
    pub fn new(g: &'a ProofGraph, options: CompileOptions) -> Self {
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
            cost: NodeCost::default(),
        }
    }

    /// The error for `node`.
    pub fn err(node: &Node, msg: impl Into<String>) -> CompileError {
        CompileError::Unsupported {
            node: node.name.clone(),
            op: node.op.kind(),
            reason: msg.into(),
        }
    }

    /// The activation bits.
    #[must_use]
    pub fn act_bits(&self) -> u32 {
        self.g.act_bits
    }

    /// The layout of input `i` of `node`.
    ///
    /// # Errors
    /// If the input is missing or not planned yet.
    pub fn layout(&self, node: &Node, i: usize) -> Result<Layout, CompileError> {
        node.inputs
            .get(i)
            .and_then(|&t| self.layouts.get(t).cloned().flatten())
            .ok_or_else(|| Self::err(node, format!("input {i} is missing or not yet computed")))
    }

    /// The logical shape of input `i` of `node`.
    ///
    /// # Errors
    /// If the input is missing.
    pub fn shape(&self, node: &Node, i: usize) -> Result<Vec<usize>, CompileError> {
        node.inputs
            .get(i)
            .and_then(|&t| self.g.tensors.get(t))
            .map(|t| t.shape.clone())
            .ok_or_else(|| Self::err(node, format!("input {i} is missing")))
    }

    /// The logical shape of `node`'s output.
    ///
    /// # Errors
    /// If the output tensor does not exist.
    pub fn out_shape(&self, node: &Node) -> Result<Vec<usize>, CompileError> {
        self.g
            .tensors
            .get(node.output)
            .map(|t| t.shape.clone())
            .ok_or_else(|| Self::err(node, "output tensor out of range"))
    }

    /// Checks that a constant holds as many values as its shape says.
    ///
    /// # Errors
    /// If it does not.
    pub fn check_const(node: &Node, what: &str, c: &Const) -> Result<(), CompileError> {
        let want: usize = c.shape.iter().product();
        if c.values.len() != want {
            return Err(Self::err(
                node,
                format!(
                    "{what} of shape {:?} holds {} values, expected {want}",
                    c.shape,
                    c.values.len()
                ),
            ));
        }
        Ok(())
    }

    /// A new witness column.
    pub fn witness(&mut self, name: String, num_vars: usize) -> usize {
        self.witness_columns.push(ColumnSpec {
            name,
            num_vars,
            axes: Vec::new(),
        });
        self.witness_columns.len() - 1
    }

    /// A new weight column.
    pub fn weight(&mut self, name: String, num_vars: usize) -> usize {
        self.weight_columns.push(ColumnSpec {
            name,
            num_vars,
            axes: Vec::new(),
        });
        self.weight_columns.len() - 1
    }

    /// A new weight column holding a tensor in `layout` (its values scattered into the padded
    /// table, zeros elsewhere): the commitment may split it into pieces.
    pub fn weight_laid(&mut self, name: String, layout: &crate::layout::Layout) -> usize {
        self.weight_columns.push(ColumnSpec {
            name,
            num_vars: layout.num_vars(),
            axes: layout
                .logical
                .iter()
                .copied()
                .zip(layout.padded.iter().copied())
                .collect(),
        });
        self.weight_columns.len() - 1
    }

    /// The index of a table, added if new.
    pub fn table(&mut self, t: TableSpec) -> usize {
        if let Some(i) = self.tables.iter().position(|x| *x == t) {
            return i;
        }
        self.tables.push(t);
        self.tables.len() - 1
    }

    /// A lookup of `witness` into `table`; returns the table's index. A signed range of `b`
    /// bits is checked in the range table of `b` bits, the value shifted by `2^(b−1)`
    /// ([`LookupUse::offset`]): one table and one multiplicity column for both.
    pub fn lookup(&mut self, table: TableSpec, witness: LookupWitness, num_vars: usize) -> usize {
        let (table, offset) = match table {
            TableSpec::SignedRange { bits } if (1..64).contains(&bits) => {
                (TableSpec::Range { bits }, 1u64 << (bits - 1))
            }
            t => (t, 0),
        };
        let table = self.table(table);
        self.lookups.push(LookupUse {
            table,
            witness,
            num_vars,
            offset,
        });
        table
    }

    /// A committed column of `num_vars` variables read by a lookup into `table`.
    pub fn checked_column(
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
    pub fn limbs(&mut self, node: usize, name: &str, bits: u32, num_vars: usize) -> Limbs {
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

    /// The source of tensor `t` planned so far.
    #[must_use]
    pub fn source(&self, t: usize) -> Option<Source> {
        self.sources.get(t).copied()
    }

    /// Sets the layout and source of `node`'s output.
    ///
    /// # Errors
    /// If the layout is too large to commit or the output tensor does not exist.
    pub fn set_out(
        &mut self,
        node: &Node,
        layout: Layout,
        source: Source,
    ) -> Result<(), CompileError> {
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
        *self
            .sources
            .get_mut(t)
            .ok_or_else(|| Self::err(node, "output tensor out of range"))? = source;
        Ok(())
    }
}
