//! Golden tests on the PyTorch-exported fixtures: tract's float run and our float IR against
//! onnxruntime's output, then the quantized model against the float one.

mod common;

use common::*;
use zkinfer_model::*;

fn check_model(name: &str) -> ErrorReport {
    let graph = import_onnx(&fixture(&format!("{name}.onnx")), &ImportOptions::default()).unwrap();
    let inputs = load_input_json(fixture(&format!("{name}.input.json"))).unwrap();
    let exp = expected(name);
    assert_eq!(graph.output_shape(), exp.shape.as_slice());
    let tract_out = graph.run_float(&inputs[0]).unwrap();
    let ir_out = graph.eval(&inputs[0]).unwrap()[graph.output].clone();
    assert!(
        max_abs_diff(&tract_out, &exp.output_data[0]) <= 1e-4,
        "{name}: tract vs onnxruntime"
    );
    assert!(
        max_abs_diff(&ir_out, &exp.output_data[0]) <= 1e-4,
        "{name}: our float IR vs onnxruntime"
    );

    // Calibrate on the sample and 7 perturbed copies; report on the sample and 3 fresh perturbations.
    let mut cal_set = inputs.clone();
    cal_set.extend((1..8).map(|s| perturb(&inputs[0], s, 0.1)));
    let cal = calibrate(&graph, &cal_set, &QuantConfig::default()).unwrap();
    let qg = quantize(&graph, &cal).unwrap();
    let mut test_set = inputs.clone();
    test_set.extend((100..103).map(|s| perturb(&inputs[0], s, 0.05)));
    let report = error_report(&graph, &qg, &test_set).unwrap();
    println!("{name}:\n{report}");
    report
}

#[test]
fn mlp_acts() {
    let r = check_model("mlp_acts");
    assert!(r.output.max_abs <= 0.01 * r.output.range.max(1.0), "{r}");
    assert_eq!(r.argmax_agreement, 1.0);
}

#[test]
fn lenet_bn() {
    let r = check_model("lenet_bn");
    assert!(r.output.max_abs <= 0.01 * r.output.range.max(1.0), "{r}");
    assert_eq!(r.argmax_agreement, 1.0);
}

#[test]
fn resnet_mini() {
    let r = check_model("resnet_mini");
    assert!(r.output.max_abs <= 0.01 * r.output.range.max(1.0), "{r}");
    assert_eq!(r.argmax_agreement, 1.0);
}

#[test]
fn digits_cnn() {
    let r = check_model("digits_cnn");
    assert!(r.output.max_abs <= 0.01 * r.output.range.max(1.0), "{r}");
    assert_eq!(r.argmax_agreement, 1.0);
}

#[test]
fn digits_accuracy_quantized_within_two_points() {
    let graph = import_onnx(&fixture("digits_cnn.onnx"), &ImportOptions::default()).unwrap();
    let d = digits();
    let n = 100;
    let cal = calibrate(&graph, &d.inputs[n..n + 40], &QuantConfig::default()).unwrap();
    let qg = quantize(&graph, &cal).unwrap();
    let (mut float_ok, mut quant_ok) = (0, 0);
    for (x, &label) in d.inputs[..n].iter().zip(&d.labels) {
        float_ok += usize::from(argmax(&graph.run_float(x).unwrap()) == label);
        let tr = qg.execute(&qg.quantize_input(x).unwrap()).unwrap();
        quant_ok += usize::from(argmax(&qg.dequantize_output(&tr)) == label);
    }
    println!("digits: float {float_ok}/{n}, quantized {quant_ok}/{n}");
    assert!(
        float_ok.abs_diff(quant_ok) <= 2,
        "float {float_ok}, quantized {quant_ok}"
    );
    assert!(float_ok >= 90);
}

/// GPT-2 and BERT run in float (tract and our IR agree with onnxruntime); their quantization is
/// tested in `transformer.rs`.
#[test]
fn transformers_float() {
    for name in ["gpt2_mini_emb", "bert_mini_emb"] {
        let graph =
            import_onnx(&fixture(&format!("{name}.onnx")), &ImportOptions::default()).unwrap();
        let inputs = load_input_json(fixture(&format!("{name}.input.json"))).unwrap();
        let exp = expected(name);
        let tract_out = graph.run_float(&inputs[0]).unwrap();
        let ir_out = graph.eval(&inputs[0]).unwrap()[graph.output].clone();
        assert!(
            max_abs_diff(&tract_out, &exp.output_data[0]) <= 1e-4,
            "{name}: tract"
        );
        assert!(
            max_abs_diff(&ir_out, &exp.output_data[0]) <= 1e-4,
            "{name}: our float IR"
        );
    }
}
