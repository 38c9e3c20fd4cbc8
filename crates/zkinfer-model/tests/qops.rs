//! Exact semantics of the transformer primitives on hand-picked values, and their run-time and
//! static errors.

use zkinfer_model::*;

/// A graph over `shapes[0]` (the input) plus extra inputs built by the caller as constants are not
/// available: two-operand ops get their second operand from `second` applied to the input.
struct G {
    q: QuantGraph,
}

impl G {
    fn new(shape: &[usize], bound: u64) -> Self {
        G {
            q: QuantGraph {
                tensors: vec![QTensor {
                    name: "x".into(),
                    shape: shape.to_vec(),
                    scale: 0,
                    bound,
                }],
                nodes: Vec::new(),
                input: 0,
                output: 0,
                act_bits: 16,
                weight_bits: 16,
                input_kind: Default::default(),
                input_parts: Vec::new(),
            },
        }
    }

    fn op(&mut self, op: QOp, inputs: &[usize], shape: &[usize], bound: u64) -> usize {
        let output = self.q.tensors.len();
        self.q.tensors.push(QTensor {
            name: format!("t{output}"),
            shape: shape.to_vec(),
            scale: 0,
            bound,
        });
        self.q.nodes.push(QNode {
            name: format!("n{output}"),
            op,
            inputs: inputs.to_vec(),
            output,
        });
        self.q.output = output;
        output
    }

    fn run(&self, x: &[i64]) -> Result<Trace> {
        self.q.execute(x)
    }
}

fn slice(x: usize, start: usize, end: usize, axis: usize) -> QOp {
    let _ = x;
    QOp::Slice {
        axis,
        start,
        end,
        step: 1,
    }
}

#[test]
fn argmax_ties_take_the_lowest_index_and_reducemax() {
    let mut g = G::new(&[3, 4], 1 << 15);
    let m = g.op(QOp::ReduceMax, &[0], &[3, 1], 1 << 15);
    let a = g.op(QOp::ArgMax, &[0], &[3, 1], 3);
    let x = [5, 7, 7, -1, -3, -3, -3, -3, 0, 1, 2, 9];
    let t = g.run(&x).unwrap();
    assert_eq!(t.values[m], [7, -3, 9]);
    assert_eq!(t.values[a], [1, 0, 3]);
    // The analysed bound of ArgMax is d - 1.
    g.q.tensors[a].bound = 2;
    assert!(g.q.validate().is_err());
}

#[test]
fn reducemax_rejects_wide_inputs() {
    let mut g = G::new(&[4], 1 << 15);
    let w = g.op(QOp::MulConst { c: 4 }, &[0], &[4], 1 << 17);
    g.op(QOp::ReduceMax, &[w], &[1], 1 << 17);
    assert!(matches!(g.q.validate(), Err(ModelError::Invalid { .. })));
}

#[test]
fn div_floors_toward_minus_infinity_with_broadcast_divisor() {
    // x = [a0..a3 | b0 b1]: dividends [2, 2], divisors [2, 1].
    let mut g = G::new(&[6], 1 << 15);
    let a = g.op(slice(0, 0, 4, 0), &[0], &[4], 1 << 15);
    let a = g.op(QOp::Reshape { shape: vec![2, 2] }, &[a], &[2, 2], 1 << 15);
    let b = g.op(slice(0, 4, 6, 0), &[0], &[2], 1 << 15);
    let b = g.op(QOp::Reshape { shape: vec![2, 1] }, &[b], &[2, 1], 1 << 15);
    let q = g.op(
        QOp::Div {
            shift: 2,
            divisor_bits: 16,
        },
        &[a, b],
        &[2, 2],
        1 << 15,
    );
    // floor(-7·4/3) = floor(-9.33) = -10, floor(7·4/3) = 9, floor(-1·4/5) = -1, floor(0) = 0.
    let t = g.run(&[-7, 7, -1, 0, 3, 5]).unwrap();
    assert_eq!(t.values[q], [-10, 9, -1, 0]);
    // exact division of a negative dividend: -6·4/3 = -8.
    let t = g.run(&[-6, 6, -5, 5, 3, 5]).unwrap();
    assert_eq!(t.values[q], [-8, 8, -4, 4]);
}

fn div_graph() -> (G, usize) {
    let mut g = G::new(&[4], 1 << 15);
    let a = g.op(slice(0, 0, 2, 0), &[0], &[2], 1 << 15);
    let b = g.op(slice(0, 2, 3, 0), &[0], &[1], 1 << 15);
    let q = g.op(
        QOp::Div {
            shift: 10,
            divisor_bits: 8,
        },
        &[a, b],
        &[2],
        1 << 15,
    );
    (g, q)
}

#[test]
fn div_by_zero_or_negative_or_too_large_is_a_run_error() {
    let (g, _) = div_graph();
    for bad in [0, -3, 256] {
        let err = g.run(&[1, 2, bad, 0]).unwrap_err();
        let ModelError::OutOfRange {
            layer,
            value,
            min,
            max,
            ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(
            (layer.as_str(), *value, *min, *max),
            ("n3", i128::from(bad), 1, 255),
            "{err}"
        );
    }
    assert!(g.run(&[1, 2, 255, 0]).is_ok());
}

#[test]
fn div_quotient_outside_act_range_is_a_run_error() {
    let (g, _) = div_graph();
    // 100 · 2^10 / 1 = 102400 > 2^15 - 1.
    let err = g.run(&[100, 2, 1, 0]).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::OutOfRange {
                value: 102_400,
                max: 32767,
                ..
            }
        ),
        "{err}"
    );
    // 31 · 1024 = 31744 fits.
    assert_eq!(g.run(&[31, -32, 1, 0]).unwrap().values[3], [31744, -32768]);
}

#[test]
fn div_static_overflow_of_the_shifted_dividend() {
    let mut g = G::new(&[2], 1 << 15);
    let b = g.op(slice(0, 1, 2, 0), &[0], &[1], 1 << 15);
    g.op(
        QOp::Div {
            shift: 50,
            divisor_bits: 16,
        },
        &[0, b],
        &[2],
        1 << 15,
    );
    assert!(matches!(g.q.validate(), Err(ModelError::Overflow { .. })));
}

#[test]
fn isqrt_of_perfect_squares_and_neighbours() {
    let mut g = G::new(&[8], 1 << 15);
    let y = g.op(QOp::Isqrt { in_bits: 15 }, &[0], &[8], 181);
    let t = g.run(&[0, 1, 3, 4, 15, 16, 32_399, 32_400]).unwrap();
    assert_eq!(t.values[y], [0, 1, 1, 2, 3, 4, 179, 180]);
    // a negative input is a run error naming the layer, value and range.
    let err = g.run(&[0, 1, 3, 4, -1, 16, 0, 0]).unwrap_err();
    assert!(
        matches!(&err, ModelError::OutOfRange { value: -1, min: 0, max: 32767, index: 4, layer, .. } if layer == "n1"),
        "{err}"
    );
}

#[test]
fn isqrt_of_wide_inputs_and_in_bits_limit() {
    let mut g = G::new(&[3], 1 << 15);
    let sq = g.op(QOp::Mul, &[0, 0], &[3], 1 << 30);
    let w = g.op(QOp::Mul, &[sq, sq], &[3], 1 << 60);
    let y = g.op(QOp::Isqrt { in_bits: 61 }, &[w], &[3], 1 << 30);
    let t = g.run(&[32767, -32768, 3]).unwrap();
    assert_eq!(t.values[w], [32767i64.pow(4), 1 << 60, 81]);
    assert_eq!(t.values[y], [32767 * 32767, 1 << 30, 9]);
    // 2^60 does not fit 60 bits: run error.
    g.q.nodes[2].op = QOp::Isqrt { in_bits: 60 };
    assert!(matches!(
        g.run(&[1, -32768, 3]),
        Err(ModelError::OutOfRange { index: 1, .. })
    ));
    g.q.nodes[2].op = QOp::Isqrt { in_bits: 63 };
    assert!(g.q.validate().is_err());
}

#[test]
fn batched_matmul_and_broadcast_mul_add_sub() {
    // x: [2, 2, 2] used as both operands: y[b] = x[b] · x[b].
    let mut g = G::new(&[2, 2, 2], 1 << 15);
    let y = g.op(QOp::MatMul, &[0, 0], &[2, 2, 2], 1 << 31);
    let t = g.run(&[1, 2, 3, 4, 0, -1, 2, 5]).unwrap();
    assert_eq!(t.values[y], [7, 10, 15, 22, -2, -5, 10, 23]);
    // b broadcast along the middle axis: [2, 1, 2].
    let mut g = G::new(&[2, 2, 2], 1 << 15);
    let b = g.op(slice(0, 0, 1, 1), &[0], &[2, 1, 2], 1 << 15);
    let m = g.op(QOp::Mul, &[0, b], &[2, 2, 2], 1 << 30);
    let a = g.op(QOp::Add, &[0, b], &[2, 2, 2], 1 << 16);
    let s = g.op(QOp::Sub, &[0, b], &[2, 2, 2], 1 << 16);
    let t = g.run(&[1, 2, 3, 4, 0, -1, 2, 5]).unwrap();
    assert_eq!(t.values[m], [1, 4, 3, 8, 0, 1, 0, -5]);
    assert_eq!(t.values[a], [2, 4, 4, 6, 0, -2, 2, 4]);
    assert_eq!(t.values[s], [0, 0, 2, 2, 0, 0, 2, 6]);
    // the analysed bounds: Mul 2^30, MatMul k · 2^30.
    g.q.tensors[m].bound = (1 << 30) - 1;
    assert!(g.q.validate().is_err());
}

#[test]
fn gather_repeats_and_reorders() {
    let mut g = G::new(&[2, 3], 1 << 15);
    let y = g.op(
        QOp::Gather {
            axis: 1,
            indices: vec![2, 0, 0, 1],
        },
        &[0],
        &[2, 4],
        1 << 15,
    );
    let t = g.run(&[1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!(t.values[y], [3, 1, 1, 2, 6, 4, 4, 5]);
    g.q.nodes[0].op = QOp::Gather {
        axis: 1,
        indices: vec![3, 0, 0, 1],
    };
    assert!(matches!(g.q.validate(), Err(ModelError::Invalid { .. })));
}

#[test]
fn rescale_bound_shrinks_with_the_shift() {
    // Rescale by 2 of an act_bits value lies in [-2^13, 2^13]: that is its analysed bound.
    let mut g = G::new(&[2], 1 << 15);
    let r = g.op(QOp::Rescale { shift: 2 }, &[0], &[2], 1 << 13);
    let t = g.run(&[-32768, 32767]).unwrap();
    assert_eq!(t.values[r], [-8192, 8192]);
    g.q.tensors[r].bound = (1 << 13) - 1;
    assert!(g.q.validate().is_err());
}
