//! The cost model's memory check before setup (issue 15, item 7): a model predicted to need more
//! memory than the limit is refused before anything is committed, with an error naming the
//! prediction, the limit and the override; within the limit (or unchecked) setup proceeds.

use zkinfer::{
    Error, MemoryLimit, QuantConfig, SetupOptions, check_memory, compile_graph, digits_graph,
    digits_test, machine_memory, setup_with,
};

#[test]
fn setup_refuses_a_model_over_the_memory_limit() {
    let graph = digits_graph().unwrap();
    let test = digits_test().unwrap();
    let cal = zkinfer_model::calibrate(&graph, &test.inputs[..8], &QuantConfig::default()).unwrap();
    let model = compile_graph(&graph, &cal, zkinfer_proof::CompileOptions::default()).unwrap();
    let need = model.plan.cost.predicted_memory_bytes;
    assert!(
        need > 1 << 20,
        "the digits CNN is predicted to need more than 1 MiB"
    );

    // One byte short of the prediction: refused, exit code 5, the message says what to change.
    let err = setup_with(
        &model,
        SetupOptions {
            memory_limit: MemoryLimit::Bytes(need - 1),
            ..SetupOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::Model(_)), "{err}");
    assert_eq!(err.exit_code(), 5);
    let msg = err.to_string();
    assert!(msg.contains(&format!("{} MiB", need >> 20)), "{msg}");
    assert!(
        msg.contains("--memory-limit-mib") && msg.contains("--act-bits"),
        "{msg}"
    );

    // At the prediction, unchecked, and on this machine (gigabytes): accepted.
    assert!(check_memory(&model.plan.cost, MemoryLimit::Bytes(need)).is_ok());
    assert!(check_memory(&model.plan.cost, MemoryLimit::Unchecked).is_ok());
    let machine = machine_memory().expect("/proc/meminfo is readable on Linux");
    assert!(machine > need, "{machine} B of memory");
    let (pk, vk) = setup_with(&model, SetupOptions::default()).unwrap();
    assert_eq!(pk.pk.vk.digest, vk.digest);
}
