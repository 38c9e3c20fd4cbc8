//! Attention masks as exporters emit them from an integer `attention_mask` input (Hugging Face
//! BERT / GPT-2, `torch.onnx.export`, opset 17): `Cast` to bool, reshapes and a constant
//! `Gather`, `And` with the causal (or all-true) pattern, then `Where(mask, 0, finfo.min)`
//! added to the attention scores. Booleans are 0/1 values of the float graph:
//!
//! - `Cast` to bool or float is the identity (the mask's values are checked to be 0 or 1);
//! - `And(c, m)` with a constant `c`: `m` broadcast to the output (a `Gather` repeating index 0
//!   along each broadcast axis), times `c` (0/1);
//! - `Where(m, a, b)` with a tensor condition and constant scalars: `(a − b)·m + b`, each of
//!   `a`, `b` clamped to `±MASK_CLAMP` (exp of −1e9 is 0 in f32 as exp of `finfo.min` is, and
//!   `finfo.min − finfo.min` would not be exact).
//!
//! The quantizer recognises `Softmax(scores + (a − b)·m + b)` with `a = 0`, `b ≤ MASK_FILL`
//! as a softmax behind the data-dependent mask `m` (`quant::fuse`).

use tract_onnx::prelude::*;

use super::lower::{Lowerer, Val};
use crate::error::Result;
use crate::graph::{FConst, Op, TensorId};

/// `finfo(float32).min`-sized constants of a mask are clamped to this magnitude.
pub(crate) const MASK_CLAMP: f32 = 1e9;

impl Lowerer<'_> {
    /// `Cast` to bool or f32: the identity on the 0/1 and integer values it sees.
    pub(super) fn lower_cast(&mut self, node: &TypedNode) -> Result<Val> {
        let dt = node.outputs.first().map(|o| o.fact.datum_type);
        match (self.input(node, 0)?, dt) {
            (v @ (Val::T(_) | Val::C(_)), Some(DatumType::Bool | DatumType::F32)) => Ok(v),
            _ => Err(self.unsupported(
                &node.name,
                "Cast",
                format!("only casts of attention masks (0/1 values) to bool or float (to {dt:?})"),
            )),
        }
    }

    /// `And(a, b)` of 0/1 values: a tensor and a constant, or two constants.
    pub(super) fn lower_and(&mut self, node: &TypedNode, shape: &[usize]) -> Result<Val> {
        match (self.input(node, 0)?, self.input(node, 1)?) {
            (Val::C(a), Val::C(b)) if a.shape == b.shape => Ok(Val::C(FConst {
                shape: a.shape.clone(),
                data: a
                    .data
                    .iter()
                    .zip(&b.data)
                    .map(|(&x, &y)| f32::from(u8::from(x != 0.0 && y != 0.0)))
                    .collect(),
            })),
            (Val::C(c), Val::T(m)) | (Val::T(m), Val::C(c)) => {
                let m = self.broadcast(&node.name, m, shape)?;
                let mut c = c;
                while c.shape.len() < shape.len() {
                    c.shape.insert(0, 1);
                }
                if c.data.iter().all(|&v| v != 0.0) {
                    return Ok(Val::T(m));
                }
                c.data
                    .iter_mut()
                    .for_each(|v| *v = f32::from(u8::from(*v != 0.0)));
                Ok(Val::T(self.push(
                    &node.name,
                    Op::MulConst { c },
                    vec![m],
                    shape.to_vec(),
                )))
            }
            (Val::T(a), Val::T(b)) => {
                let a = self.broadcast(&node.name, a, shape)?;
                Ok(Val::T(self.push(
                    &node.name,
                    Op::Mul,
                    vec![a, b],
                    shape.to_vec(),
                )))
            }
            _ => Err(self.unsupported(&node.name, "And", "of a NaN guard".into())),
        }
    }

    /// `Where(m, a, b)` with a tensor condition `m` (0/1) and constant scalars `a`, `b`:
    /// `(a − b)·m + b` (constants clamped to `±MASK_CLAMP`).
    pub(super) fn lower_where_tensor(
        &mut self,
        node: &TypedNode,
        m: TensorId,
        a: &FConst,
        b: &FConst,
    ) -> Result<Val> {
        let shape = node
            .outputs
            .first()
            .and_then(|o| o.fact.shape.as_concrete().map(<[usize]>::to_vec))
            .unwrap_or_default();
        let (Some(a), Some(b)) = (a.scalar(), b.scalar()) else {
            return Err(self.unsupported(
                &node.name,
                "Iff",
                "Where with a tensor condition takes scalar values (an attention mask)".into(),
            ));
        };
        let clamp = |v: f32| v.clamp(-MASK_CLAMP, MASK_CLAMP);
        let (a, b) = (clamp(a), clamp(b));
        let m = self.broadcast(&node.name, m, &shape)?;
        let rank = shape.len();
        let scalar = |v: f32| FConst {
            shape: vec![1; rank],
            data: vec![v],
        };
        let t = self.push(
            &node.name,
            Op::MulConst { c: scalar(a - b) },
            vec![m],
            shape.clone(),
        );
        Ok(Val::T(self.push(
            &node.name,
            Op::AddConst { c: scalar(b) },
            vec![t],
            shape,
        )))
    }

    /// `x` repeated along the axes where it has size 1 and `shape` more (a constant `Gather`
    /// of index 0 per axis); the identity when the shapes agree.
    fn broadcast(&mut self, name: &str, x: TensorId, shape: &[usize]) -> Result<TensorId> {
        let mut t = x;
        if self.shape(t).len() < shape.len() {
            let mut s = self.shape(t).to_vec();
            while s.len() < shape.len() {
                s.insert(0, 1);
            }
            t = self.reshape(name, t, &s);
        }
        if self.shape(t).len() != shape.len() {
            return Err(self.unsupported(name, "broadcast", "rank above the output's".into()));
        }
        for axis in 0..shape.len() {
            let d = self.shape(t)[axis];
            if d == shape[axis] {
                continue;
            }
            if d != 1 {
                return Err(self.unsupported(
                    name,
                    "broadcast",
                    format!("{:?} does not broadcast to {shape:?}", self.shape(t)),
                ));
            }
            let mut s = self.shape(t).to_vec();
            s[axis] = shape[axis];
            t = self.push(
                name,
                Op::Gather {
                    axis,
                    indices: vec![0; shape[axis]],
                },
                vec![t],
                s,
            );
        }
        Ok(t)
    }
}
