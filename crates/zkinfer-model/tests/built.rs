//! Models built in code with the ONNX builder: a residual CNN block, checked end to end, and the
//! quantized graph's serde round trip.

mod common;

use common::*;
use zkinfer_model::builder::{OnnxBuilder, attr_ints};
use zkinfer_model::*;

fn residual_net() -> Vec<u8> {
    let mut b = OnnxBuilder::new(&[1, 3, 12, 12]);
    let x = b.conv("input", 3, 8, 3, 1, 1);
    let x = b.node("Relu", &[&x], vec![]);
    let x = b.basic_block(&x, 8, 8, 1);
    let x = b.basic_block(&x, 8, 16, 2);
    let x = b.node(
        "AveragePool",
        &[&x],
        vec![
            attr_ints("kernel_shape", &[3, 3]),
            attr_ints("strides", &[1, 1]),
        ],
    );
    let x = b.node("GlobalAveragePool", &[&x], vec![]);
    let x = b.node("Flatten", &[&x], vec![]);
    let x = b.gemm(&x, 16, 10);
    let x = b.node("Sigmoid", &[&x], vec![]);
    let x = b.gemm(&x, 10, 6);
    b.build(&x)
}

#[test]
fn residual_block_end_to_end() {
    let g = import_onnx(&residual_net(), &ImportOptions::default()).unwrap();
    let mut b = OnnxBuilder::new(&[1]);
    let samples: Vec<Vec<f32>> = (0..6).map(|_| b.uniform(3 * 12 * 12, 1.0)).collect();
    for s in &samples {
        let d = max_abs_diff(&g.run_float(s).unwrap(), &g.eval(s).unwrap()[g.output]);
        assert!(d < 1e-4, "tract vs IR {d}");
    }
    let cal = calibrate(&g, &samples[..4], &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let r = error_report(&g, &qg, &samples[4..]).unwrap();
    println!("{r}");
    // 12-bit activations after ~10 roundings: errors of a few 2^-12 per layer, well under 1%.
    assert!(r.output.max_abs <= 0.01 * r.output.range.max(1.0), "{r}");
    assert_eq!(r.argmax_agreement, 1.0);
    // The AveragePool 3x3 uses a fixed-point multiplier (1/9 is not a power of two).
    assert!(
        qg.nodes
            .iter()
            .any(|n| matches!(n.op, QOp::MulConst { c } if c != 1 && c != -1))
    );

    // serde round trip of the graph and the calibration; identical traces.
    let json = serde_json::to_string(&qg).unwrap();
    let back: QuantGraph = serde_json::from_str(&json).unwrap();
    assert_eq!(back, qg);
    let cal2: Calibration = serde_json::from_str(&serde_json::to_string(&cal).unwrap()).unwrap();
    assert_eq!(cal2, cal);
    let q = qg.quantize_input(&samples[5]).unwrap();
    assert_eq!(back.execute(&q).unwrap(), qg.execute(&q).unwrap());
}

/// A residual block that ends at 1 × 1 pixels (as ResNet-18's last block on a 32 × 32 input):
/// tract folds the residual `Add` into the convolution's bias, an activation, not a constant.
#[test]
fn residual_added_at_one_pixel() {
    let mut b = OnnxBuilder::new(&[1, 3, 4, 4]);
    let x = b.conv("input", 3, 8, 3, 2, 1);
    let x = b.node("Relu", &[&x], vec![]);
    let x = b.basic_block(&x, 8, 16, 2);
    let x = b.node("Flatten", &[&x], vec![]);
    let x = b.gemm(&x, 16, 4);
    let g = import_onnx(&b.build(&x), &ImportOptions::default()).unwrap();
    let adds = g.nodes.iter().filter(|n| matches!(n.op, Op::Add)).count();
    assert!(adds >= 1, "the residual is an Add of two tensors");
    let mut r = OnnxBuilder::new(&[1]);
    let samples: Vec<Vec<f32>> = (0..6).map(|_| r.uniform(3 * 4 * 4, 1.0)).collect();
    for s in &samples {
        let d = max_abs_diff(&g.run_float(s).unwrap(), &g.eval(s).unwrap()[g.output]);
        assert!(d < 1e-4, "tract vs IR {d}");
    }
    let cal = calibrate(&g, &samples[..4], &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let rep = error_report(&g, &qg, &samples[4..]).unwrap();
    assert!(
        rep.output.max_abs <= 0.01 * rep.output.range.max(1.0),
        "{rep}"
    );
}

#[test]
fn quantized_graph_shape_of_ops() {
    let g = import_onnx(&residual_net(), &ImportOptions::default()).unwrap();
    let mut b = OnnxBuilder::new(&[1]);
    let cal = calibrate(&g, &[b.uniform(3 * 12 * 12, 1.0)], &QuantConfig::default()).unwrap();
    let qg = quantize(&g, &cal).unwrap();
    let (_, hi) = qg.act_range();
    for n in &qg.nodes {
        if !n.op.is_linear() && !matches!(n.op, QOp::Rescale { .. }) {
            assert!(
                qg.tensors[n.inputs[0]].bound <= hi as u64 + 1,
                "{} input not narrow",
                n.name
            );
        }
        assert!(qg.tensors[n.output].bound < 1 << 62);
    }
    assert!(qg.tensors[qg.output].bound <= hi as u64 + 1);
}

/// An unfolded BatchNormalization after a Conv is folded into the conv's weights and bias.
#[test]
fn batchnorm_folds_into_conv() {
    let mut b = OnnxBuilder::new(&[1, 2, 6, 6]);
    let x = b.conv("input", 2, 4, 3, 1, 1);
    let scale = b.constant("gamma", &[4], vec![0.5, 1.5, -0.7, 1.1]);
    let bias = b.constant("beta", &[4], vec![0.1, -0.2, 0.3, 0.0]);
    let mean = b.constant("mean", &[4], vec![0.05, -0.1, 0.2, 0.3]);
    let var = b.constant("var", &[4], vec![0.8, 1.3, 0.5, 2.0]);
    let y = b.node(
        "BatchNormalization",
        &[&x, &scale, &bias, &mean, &var],
        vec![],
    );
    let y = b.node("Relu", &[&y], vec![]);
    let g = import_onnx(&b.build(&y), &ImportOptions::default()).unwrap();
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(ops, ["Conv2d", "Relu"]);
    let x = OnnxBuilder::new(&[1]).uniform(72, 1.0);
    let d = max_abs_diff(&g.run_float(&x).unwrap(), &g.eval(&x).unwrap()[g.output]);
    assert!(d < 1e-5, "{d}");
}
