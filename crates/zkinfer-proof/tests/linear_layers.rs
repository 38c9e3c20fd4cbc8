//! Each linear layer alone: the prover's claims on inputs and weights are true, and the verifier
//! derives the same claims from the messages; a wrong output claim is rejected.

use zkinfer_proof::ir::{Op, ProofGraph, Window};
use zkinfer_proof::testing::{GraphBuilder, Rng, check_linear_node};

fn last_linear(g: &ProofGraph) -> usize {
    g.nodes
        .iter()
        .rposition(|n| !n.op.is_nonlinear() && !matches!(n.op, Op::Input | Op::Reshape))
        .unwrap()
}

#[test]
fn matmul_conv_pool_add() {
    // matmul on a flattened conv output (reshape alias).
    let mut b = GraphBuilder::new(&[1, 3, 7, 6], 16, 5);
    let c = b.conv(0, 5, 3, 2, 1);
    let f = b.flatten(c);
    b.linear(f, 6);
    let mut g = b.finish();
    let mut b2 = GraphBuilder::new(&[1, 3, 7, 6], 16, 5);
    let x = b2.random_input();
    // matmul is the node before the final rescale
    g.output = g.nodes[g.nodes.len() - 2].output;
    g.nodes.pop();
    g.tensors.pop();
    let idx = last_linear(&g);
    assert!(check_linear_node(&g, &x, idx, false));
    assert!(!check_linear_node(&g, &x, idx, true));

    // a conv straight on the input: strided, padded, non-power-of-two everything.
    let mut b = GraphBuilder::new(&[1, 3, 7, 6], 16, 6);
    b.conv(0, 5, 3, 2, 1);
    let mut g = b.finish();
    g.nodes.pop();
    g.tensors.pop();
    g.output = g.nodes.last().unwrap().output;
    assert!(check_linear_node(&g, &x, 1, false));
    assert!(!check_linear_node(&g, &x, 1, true));

    // sum-pool with a 3x3 window, stride 2, padding 1.
    let b = GraphBuilder::new(&[1, 3, 7, 6], 16, 7);
    let _ = b.shape(0);
    let mut g = b.finish();
    let window = Window {
        kernel: [3, 3],
        stride: [2, 2],
        pad: [1; 4],
        dilation: [1, 1],
    };
    g.tensors.push(zkinfer_proof::ir::Tensor {
        name: "p".into(),
        shape: vec![1, 3, 4, 3],
        scale: 8,
    });
    g.nodes.push(zkinfer_proof::ir::Node {
        name: "pool".into(),
        op: Op::SumPool { window },
        inputs: vec![0],
        output: 1,
    });
    g.output = 1;
    assert!(check_linear_node(&g, &x, 1, false));
    assert!(!check_linear_node(&g, &x, 1, true));

    // add of two tensors.
    let mut b = GraphBuilder::new(&[1, 3, 7, 6], 16, 8);
    let y = b.conv(0, 3, 3, 1, 1);
    b.add(0, y);
    let g = b.finish();
    let idx = g.nodes.len() - 1;
    assert!(check_linear_node(&g, &x, idx, false));
    assert!(!check_linear_node(&g, &x, idx, true));
}

#[test]
fn add_and_mul_broadcast_constants() {
    use zkinfer_proof::ir::{Const, Node, Tensor};
    let x = Rng::new(3).vec(3 * 5 * 6, 200);
    for (i, op) in [
        Op::AddConst {
            c: Const {
                shape: vec![1, 3, 1, 1],
                values: vec![5, -7, 11],
            },
        },
        Op::MulConstTensor {
            c: Const {
                shape: vec![1, 1, 5, 6],
                values: Rng::new(4).vec(30, 50),
            },
        },
    ]
    .into_iter()
    .enumerate()
    {
        let b = GraphBuilder::new(&[1, 3, 5, 6], 16, 7 + i as u64);
        let mut g = b.finish();
        g.tensors.push(Tensor {
            name: "y".into(),
            shape: vec![1, 3, 5, 6],
            scale: 8,
        });
        g.nodes.push(Node {
            name: "c".into(),
            op,
            inputs: vec![0],
            output: 1,
        });
        g.output = 1;
        assert!(check_linear_node(&g, &x, 1, false));
        assert!(!check_linear_node(&g, &x, 1, true));
    }
}

#[test]
fn transpose_slice_and_sum() {
    use zkinfer_proof::ir::{AxisMap, Node, Tensor};
    let x = Rng::new(5).vec(3 * 5 * 6, 200);
    let cases: Vec<(Op, Vec<usize>)> = vec![
        (
            Op::Transpose {
                perm: vec![0, 2, 3, 1],
            },
            vec![1, 5, 6, 3],
        ),
        (
            Op::Transpose {
                perm: vec![0, 3, 1, 2],
            },
            vec![1, 6, 3, 5],
        ),
        (
            Op::AxisMap {
                maps: vec![
                    AxisMap::Identity,
                    AxisMap::Identity,
                    AxisMap::Slice { start: 1, step: 2 },
                    AxisMap::Identity,
                ],
            },
            vec![1, 3, 2, 6],
        ),
        (
            Op::AxisMap {
                maps: vec![
                    AxisMap::Identity,
                    AxisMap::Sum,
                    AxisMap::Identity,
                    AxisMap::Slice { start: 0, step: 3 },
                ],
            },
            vec![1, 1, 5, 2],
        ),
    ];
    for (op, shape) in cases {
        let b = GraphBuilder::new(&[1, 3, 5, 6], 16, 9);
        let mut g = b.finish();
        g.tensors.push(Tensor {
            name: "y".into(),
            shape,
            scale: 8,
        });
        g.nodes.push(Node {
            name: "t".into(),
            op,
            inputs: vec![0],
            output: 1,
        });
        g.output = 1;
        assert!(check_linear_node(&g, &x, 1, false));
        assert!(!check_linear_node(&g, &x, 1, true));
    }
}
