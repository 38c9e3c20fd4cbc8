//! Lowering of tract's elementwise ops: unary `ElementWiseOp`s and `TypedBinOp`s (with a
//! constant operand they become `AddConst`/`MulConst`/`Relu`/`Clip`).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops;

use super::lower::{Lowerer, Val};
use crate::error::Result;
use crate::graph::{FConst, Op, TensorId};

impl Lowerer<'_> {
    pub(super) fn lower_unary(
        &mut self,
        node: &TypedNode,
        e: &ops::element_wise::ElementWiseOp,
        shape: Vec<usize>,
    ) -> Result<TensorId> {
        let x = self.tensor_input(node, 0)?;
        let m = &e.0;
        let op = if m.downcast_ref::<ops::nn::Sigmoid>().is_some() {
            Op::Sigmoid
        } else if m.downcast_ref::<ops::math::Tanh>().is_some() {
            Op::Tanh
        } else if m.downcast_ref::<ops::math::Erf>().is_some() {
            Op::Erf
        } else if m.downcast_ref::<ops::nn::GeluExact>().is_some() {
            Op::GeluErf
        } else if m.downcast_ref::<ops::math::Recip>().is_some() {
            Op::Recip
        } else if m.downcast_ref::<ops::math::Exp>().is_some() {
            Op::Exp
        } else if let Some(l) = m.downcast_ref::<ops::nn::LeakyRelu>() {
            Op::LeakyRelu { alpha: l.alpha }
        } else if let Some(p) = m.downcast_ref::<ops::math::PowConst>() {
            Op::PowConst { p: p.exponent }
        } else {
            return Err(self.unsupported(&node.name, &m.name(), String::new()));
        };
        Ok(self.push(&node.name, op, vec![x], shape))
    }

    pub(super) fn lower_binary(
        &mut self,
        node: &TypedNode,
        b: &ops::binary::TypedBinOp,
        shape: &[usize],
    ) -> Result<TensorId> {
        let kind = BinKind::of(b)
            .ok_or_else(|| self.unsupported(&node.name, b.0.name(), String::new()))?;
        let name = node.name.as_str();
        let (a, c) = (self.input(node, 0)?, self.input(node, 1)?);
        let rank = shape.len();
        let full = |t: TensorId, s: &Self| s.shape(t) == shape;
        match (a, c) {
            (Val::T(x), Val::T(y)) => {
                let fits = |t: TensorId| {
                    let s = self.shape(t);
                    s.len() == rank && s.iter().zip(shape).all(|(&a, &b)| a == 1 || a == b)
                };
                if !fits(x) || !fits(y) {
                    return Err(self.unsupported(
                        name,
                        b.0.name(),
                        "broadcasting across ranks".into(),
                    ));
                }
                let op = match kind {
                    BinKind::Add => Op::Add,
                    BinKind::Sub => Op::Sub,
                    BinKind::Mul => Op::Mul,
                    BinKind::Div => Op::Div,
                    _ => {
                        return Err(self.unsupported(
                            name,
                            b.0.name(),
                            "between two activations".into(),
                        ));
                    }
                };
                Ok(self.push(name, op, vec![x, y], shape.to_vec()))
            }
            (Val::T(x), Val::C(c)) if full(x, self) => {
                self.with_const(name, b.0.name(), kind, x, pad_rank(c, rank), false)
            }
            (Val::C(c), Val::T(x)) if full(x, self) => {
                self.with_const(name, b.0.name(), kind, x, pad_rank(c, rank), true)
            }
            _ => Err(self.unsupported(
                name,
                b.0.name(),
                "a constant broadcasts the activation".into(),
            )),
        }
    }

    /// `x ∘ c` (or `c ∘ x` when `swapped`).
    fn with_const(
        &mut self,
        name: &str,
        opn: &str,
        kind: BinKind,
        x: TensorId,
        c: FConst,
        swapped: bool,
    ) -> Result<TensorId> {
        let shape = self.shape(x).to_vec();
        let scalar = c.scalar();
        let map = |c: &FConst, f: &dyn Fn(f32) -> f32| FConst {
            shape: c.shape.clone(),
            data: c.data.iter().map(|&v| f(v)).collect(),
        };
        let op = match (kind, swapped) {
            (BinKind::Add, _) => Op::AddConst { c },
            (BinKind::Sub, false) => Op::AddConst {
                c: map(&c, &|v| -v),
            },
            (BinKind::Sub, true) => {
                let neg = FConst {
                    shape: vec![1; shape.len()],
                    data: vec![-1.0],
                };
                let t = self.push(name, Op::MulConst { c: neg }, vec![x], shape.clone());
                return Ok(self.push(name, Op::AddConst { c }, vec![t], shape));
            }
            (BinKind::Mul, _) => Op::MulConst { c },
            (BinKind::Div, false) => Op::MulConst {
                c: map(&c, &|v| 1.0 / v),
            },
            (BinKind::Max, _) if scalar == Some(0.0) => Op::Relu,
            (BinKind::Max, _) if scalar.is_some() => Op::Clip {
                lo: c.data[0],
                hi: f32::INFINITY,
            },
            (BinKind::Min, _) if scalar.is_some() => Op::Clip {
                lo: f32::NEG_INFINITY,
                hi: c.data[0],
            },
            _ => {
                return Err(self.unsupported(
                    name,
                    opn,
                    "this form with a constant operand".into(),
                ));
            }
        };
        Ok(self.push(name, op, vec![x], shape))
    }
}

#[derive(Clone, Copy, Debug)]
enum BinKind {
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
}

impl BinKind {
    fn of(b: &ops::binary::TypedBinOp) -> Option<Self> {
        use ops::math;
        let m = &b.0;
        if m.downcast_ref::<math::Add>().is_some() {
            Some(BinKind::Add)
        } else if m.downcast_ref::<math::Sub>().is_some() {
            Some(BinKind::Sub)
        } else if m.downcast_ref::<math::Mul>().is_some() {
            Some(BinKind::Mul)
        } else if m.downcast_ref::<math::Div>().is_some() {
            Some(BinKind::Div)
        } else if m.downcast_ref::<math::Max>().is_some() {
            Some(BinKind::Max)
        } else if m.downcast_ref::<math::Min>().is_some() {
            Some(BinKind::Min)
        } else {
            None
        }
    }
}

fn pad_rank(mut c: FConst, rank: usize) -> FConst {
    while c.shape.len() < rank {
        c.shape.insert(0, 1);
    }
    c
}
