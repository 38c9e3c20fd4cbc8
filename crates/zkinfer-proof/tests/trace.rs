//! The witness is the interpreter's trace laid out: its logical positions are the trace of
//! `zkinfer-model`'s interpreter ([`zkinfer_proof::trace::run`]), and a trace that is not the
//! interpreter's is refused by the prover or gives a proof the verifier rejects.

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::ir::{Op, ProofGraph};
use zkinfer_proof::testing::{lenet5, mlp, residual_cnn};
use zkinfer_proof::trace::run;
use zkinfer_proof::witness::generate;
use zkinfer_proof::{CompileOptions, InputVisibility, ProveError, compile, prove, setup, verify};

fn output_of(g: &ProofGraph, kind: &str) -> usize {
    g.nodes
        .iter()
        .find(|n| n.op.kind() == kind)
        .map(|n| n.output)
        .expect("the graph has the op")
}

#[test]
fn witness_logical_positions_are_the_trace() {
    for (g, x) in [mlp(&[32, 24, 10], 1), lenet5(2), residual_cnn(3)] {
        let plan = compile(&g, CompileOptions::default()).unwrap();
        let trace = run(&g, &x).unwrap();
        assert_eq!(trace.len(), g.tensors.len());
        assert_eq!(trace[g.input], x);
        let wit = generate(&g, &plan, &x).unwrap();
        for (t, want) in trace.iter().enumerate() {
            assert_eq!(want.len(), g.tensors[t].len(), "tensor {t}");
            assert_eq!(&plan.layouts[t].gather(&wit.tensors[t]), want, "tensor {t}");
        }
        wit.check_trace(&g, &plan, &trace).unwrap();
    }
}

#[test]
fn traces_that_are_not_the_interpreters_are_refused() {
    let (g, x) = mlp(&[32, 24, 10], 1);
    let plan = compile(&g, CompileOptions::default()).unwrap();
    let pk = setup(&g, &plan, PcsConfig::default()).unwrap();
    let trace = run(&g, &x).unwrap();
    let honest = prove(&pk, &x, Some(&trace)).unwrap();
    verify(&pk.vk, &honest, Some(&x), None).unwrap();

    // A rescaled value off by one: its remainder leaves [0, 2^k), the prover refuses.
    let mut bad = trace.clone();
    bad[output_of(&g, "Rescale")][0] += 1;
    assert!(matches!(
        prove(&pk, &x, Some(&bad)),
        Err(ProveError::TraceMismatch { .. })
    ));
    // A trace whose input is not the input proved.
    let mut bad = trace.clone();
    bad[g.input][0] += 1;
    assert!(matches!(
        prove(&pk, &x, Some(&bad)),
        Err(ProveError::TraceMismatch { .. })
    ));
    // A trace of the wrong shape.
    assert!(prove(&pk, &x, Some(&trace[1..])).is_err());
    let mut bad = trace.clone();
    bad[output_of(&g, "MatMulConst")].pop();
    assert!(prove(&pk, &x, Some(&bad)).is_err());
    // A linear layer's output off by one: taken as given, the proof does not verify.
    let mut bad = trace;
    bad[output_of(&g, "MatMulConst")][0] += 1;
    if let Ok(p) = prove(&pk, &x, Some(&bad)) {
        assert!(verify(&pk.vk, &p, Some(&x), None).is_err());
    }
}

#[test]
fn out_of_range_values_are_the_interpreters_errors() {
    let (g, mut x) = mlp(&[32, 24, 10], 1);
    let plan = compile(&g, CompileOptions::with_input(InputVisibility::Public)).unwrap();
    let pk = setup(&g, &plan, PcsConfig::default()).unwrap();
    assert!(matches!(
        prove(&pk, &x[1..], None),
        Err(ProveError::InputLength { .. })
    ));
    // Inputs far outside the calibrated range push a rescale output out of the activation range.
    x.iter_mut().for_each(|v| *v *= 1 << 12);
    let is_rescale = g.nodes.iter().any(|n| matches!(n.op, Op::Rescale { .. }));
    assert!(is_rescale);
    assert!(matches!(
        prove(&pk, &x, None),
        Err(ProveError::OutOfRange { .. })
    ));
}
