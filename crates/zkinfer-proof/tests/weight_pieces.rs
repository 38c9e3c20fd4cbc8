//! Weight columns committed as power-of-two pieces (`zkinfer_proof::pieces`): a padded tensor
//! column is committed as the boxes of its logical entries, and the ops' claims on the padded
//! column become claims on linear combinations of the pieces inside the weights' stack
//! reduction.
//!
//! Model: `x [1, 300]` → linear 200 → ReLU → linear 10. The first matrix `[300, 200]` is laid
//! out `512 × 256` (2^17 entries, 60,000 of them weights) and committed as six pieces
//! (`256 + 64` rows × `128 + 64 + 8` columns: 64,000 entries; key format 9 cut the columns in
//! two, `128 + 128`: four pieces, 81,920 entries); the second (`[200, 10]`, 2^12) and the
//! biases stay whole.

use zkinfer_pcs::PcsConfig;
use zkinfer_proof::weights::{WeightShapes, codeword_len, pieces};
use zkinfer_proof::{
    CompileOptions, Profile, Proof, WeightsData, compile, prove, prove_non_zk_for_bench,
    setup_with_weights_data, verify,
};

const USES: usize = 8;

#[test]
fn pieced_weights_prove_verify_and_shrink_the_commitment() {
    let (g, x) = zkinfer_proof::testing::mlp(&[300, 200, 10], 5);
    let plan = compile(&g, CompileOptions::default()).expect("compiles");
    let first = &plan.weight_columns[0];
    assert_eq!(first.axes, vec![(300, 512), (200, 256)], "{}", first.name);
    let ps = pieces(&first.axes).expect("pieced");
    assert_eq!(ps.len(), 6);
    assert_eq!(
        ps.iter().map(|p| 1usize << p.vars()).sum::<usize>(),
        320 * 200
    );
    assert!(
        plan.weight_columns[1..]
            .iter()
            .all(|c| pieces(&c.axes).is_none()),
        "the small columns stay whole"
    );
    // The pieces shrink the commitment: its codeword against the whole columns'.
    let pcs = PcsConfig::default();
    let vars: Vec<usize> = plan.weight_columns.iter().map(|c| c.num_vars).collect();
    let (pieced_shapes, whole_shapes) =
        (WeightShapes::of(&plan), WeightShapes::new(vars, Vec::new()));
    let pieced = codeword_len(pcs, &pieced_shapes, USES).expect("fits");
    let whole = codeword_len(pcs, &whole_shapes, USES).expect("fits");
    assert!(2 * pieced <= whole, "pieced {pieced} vs whole {whole}");
    assert!(pieced_shapes.committed_len() < whole_shapes.committed_len());
    // The cost model prices the committed pieces, not the padded table.
    let cost = |shapes: &WeightShapes| {
        zkinfer_proof::cost::total(
            plan.cost.nodes.clone(),
            &plan.witness_columns,
            shapes,
            false,
        )
    };
    assert!(cost(&pieced_shapes).predicted_prove_s < cost(&whole_shapes).predicted_prove_s);
    assert_eq!(
        cost(&pieced_shapes).predicted_prove_s,
        plan.cost.predicted_prove_s
    );

    let pk = setup_with_weights_data(&g, &plan, pcs, USES, WeightsData::Stored).expect("setup");
    let seed_pk = setup_with_weights_data(&g, &plan, pcs, USES, WeightsData::Seed).expect("setup");
    let proof = prove(&pk, &x, None).expect("proves");
    let out = verify(&pk.vk, &proof, Some(&x), None).expect("verifies");
    let seed_proof = prove(&seed_pk, &x, None).expect("proves from the seed");
    assert_eq!(
        verify(&seed_pk.vk, &seed_proof, Some(&x), None).expect("verifies"),
        out
    );
    // The benchmark-only non-ZK prover runs the plain weighted reduction.
    let plain = prove_non_zk_for_bench(&pk, &x, &mut Profile::default()).expect("proves");
    assert_eq!(
        verify(&pk.vk, &plain, Some(&x), None).expect("verifies"),
        out
    );

    let rejected = |label: &str, p: &Proof, vk: &zkinfer_proof::VerifyingKey| {
        assert!(verify(vk, p, Some(&x), None).is_err(), "{label}: accepted");
    };
    rejected("another key's proof", &seed_proof, &pk.vk);
    rejected("this proof under another key", &proof, &seed_pk.vk);
    let mut p = proof.clone();
    p.output[0] += 1;
    rejected("a changed output", &p, &pk.vk);
    let mut changed = x.clone();
    changed[0] += 1;
    assert!(verify(&pk.vk, &proof, Some(&changed), None).is_err());
    // Every weights-reduction message and the plain proof's, changed one at a time.
    for (label, pr) in [("zk", &proof), ("plain", &plain)] {
        let bytes = bincode::serialize(pr).expect("encodes");
        let (mut decoded, mut rejected_all) = (0, true);
        for at in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            let mut b = bytes.clone();
            b[at] ^= 0x5a;
            if let Ok(p) = bincode::deserialize::<Proof>(&b) {
                decoded += 1;
                rejected_all &= verify(&pk.vk, &p, Some(&x), None).is_err();
            }
        }
        assert!(rejected_all, "{label}: a flipped byte was accepted");
        assert!(
            decoded > 50,
            "{label}: only {decoded} flipped proofs decoded"
        );
    }
}

#[test]
fn a_key_whose_weights_are_not_zero_outside_the_tensor_is_refused() {
    // The laid-out column with a non-zero padded entry: the pieces do not hold it, so setup
    // refuses it instead of committing weights the ops would read differently.
    let (g, _) = zkinfer_proof::testing::mlp(&[300, 200, 10], 5);
    let mut plan = compile(&g, CompileOptions::default()).expect("compiles");
    // Claim the column is a smaller box than the weights fill: rows 256.. are then padding
    // holding weights.
    plan.weight_columns[0].axes = vec![(256, 512), (200, 256)];
    let err = setup_with_weights_data(&g, &plan, PcsConfig::default(), USES, WeightsData::Stored)
        .expect_err("refused");
    assert!(err.to_string().contains("zero outside"), "{err}");
}
