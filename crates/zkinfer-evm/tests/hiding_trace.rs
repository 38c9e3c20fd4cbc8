//! Real `zkinfer_pcs::HidingPcs` openings (the hiding commitment every zkinfer proof's witness is opened
//! with) and the parts of their on-chain verification built so far: the verifier's whole transcript replayed
//! by the contract's transcript, and every Merkle opening of the proof (the salted initial oracle, the folded
//! oracles, the base case's source and fresh main mask, each mask group's carried and fresh trees) verified
//! by `Merkle.sol` at the positions the transcript draws. **Not** a hiding verifier: the masked sumchecks,
//! the code-switching algebra and the base case's target and spot checks are not in Solidity yet (see the
//! crate README, "The hiding variant").
//!
//! Run with `--nocapture` to print the trace's shape and the gas figures.

mod common;

use common::{
    Opened, accepts, check_merkle, random_columns_and_claims, rejects_with, replay_trace,
};
use p3_field::TwoAdicField;
use p3_whir::QueryOpenings;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint, decode_uint_array};
use zkinfer_evm::call_tx_gas;
use zkinfer_evm::encoding::ext_to_word;
use zkinfer_evm::hiding::{
    self, HidingAlgebra, HidingLayout, HidingProof, MaskSpotChecks, SourceSpotChecks,
};
use zkinfer_evm::merkle::MerkleOpening;
use zkinfer_evm::recording::{
    Ev, ext_samples, hiding_config, hiding_positions, record_hiding, salted_mmcs, summary,
};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_pcs::Digest;
use zkinfer_pcs::{ColumnClaim, HidingOpeningProof, HidingPcs, PcsConfig};

/// The Merkle openings of a hiding proof in the order the verifier checks them, with their trees' roots and
/// the positions the trace drew for them.
fn openings(
    root: Digest,
    proof: &p3_whir::ZkWhirProof<
        zkinfer_field::F,
        zkinfer_field::EF,
        zkinfer_pcs::hiding::SaltedKeccakMmcs,
    >,
    sites: &[(usize, Vec<usize>)],
    base: &p3_whir::BaseCaseZkConfig<zkinfer_field::F>,
) -> Vec<Opened> {
    let digest = |cap: &p3_merkle_tree::MerkleCap<zkinfer_field::F, Digest>| cap.roots()[0];
    let mut out = Vec::new();
    let mut site = sites.iter();
    let mut push =
        |name: String, root: Digest, (shape, opening), (bits, indices): &(usize, Vec<usize>)| {
            out.push(Opened {
                name,
                root,
                bits: *bits,
                shape,
                indices: indices.clone(),
                opening,
            });
        };
    let of_query = |o: &QueryOpenings<_, _, _>| match o {
        QueryOpenings::Base(o) => MerkleOpening::from_salted(&o.rows, &o.proof),
        QueryOpenings::Extension(o) => MerkleOpening::from_salted(&o.rows, &o.proof),
    };
    // Code-switching rounds: each opens the previous oracle.
    let mut active = root;
    for (i, r) in proof.rounds.iter().enumerate() {
        let s = site.next().expect("a round's site");
        push(format!("round {i} STIR"), active, of_query(&r.openings), s);
        active = digest(&r.commitment);
    }
    // Base case: the source (the last oracle) and the fresh main mask at the same positions.
    let bc = &proof.base_case;
    let s = site.next().expect("the source site");
    push(
        "base-case source".to_owned(),
        active,
        of_query(&bc.source_openings),
        s,
    );
    push(
        "base-case fresh main mask".to_owned(),
        digest(&bc.fresh_main_commitment),
        MerkleOpening::from_salted(&bc.fresh_main_openings.rows, &bc.fresh_main_openings.proof),
        s,
    );
    // Mask groups, in the verifier's chronological order (sumcheck 0, switch 0, sumcheck 1, …), each with its
    // blind site's positions. Carried trees (every batch's sumcheck masks one tree, each round's code-switch
    // mask its own), each at its first group's positions; then each blind site's fresh tree at its first
    // group's positions.
    let group_sites: Vec<&(usize, Vec<usize>)> =
        site.by_ref().take(base.mask_groups.len()).collect();
    let carried_roots: Vec<Digest> = std::iter::once(digest(&proof.sumcheck_mask_commitment))
        .chain(proof.rounds.iter().map(|r| digest(&r.mask_commitment)))
        .collect();
    assert_eq!(
        (carried_roots.len(), base.carried_trees.len()),
        (bc.carried_openings.len(), bc.carried_openings.len()),
        "one carried opening per tree"
    );
    for (t, ((carried, root), members)) in bc
        .carried_openings
        .iter()
        .zip(&carried_roots)
        .zip(&base.carried_trees)
        .enumerate()
    {
        push(
            format!("carried tree {t} (groups {members:?})"),
            *root,
            MerkleOpening::from_salted(&carried.rows, &carried.proof),
            group_sites[members[0]],
        );
    }
    let blind_sites = p3_whir::blind_sites(&base.mask_groups);
    for (k, fresh) in bc.fresh_openings.iter().enumerate() {
        let first = blind_sites[k][0];
        push(
            format!("blind site {k} fresh"),
            digest(&bc.fresh_mask_commitments[k]),
            MerkleOpening::from_salted(&fresh.rows, &fresh.proof),
            group_sites[first],
        );
    }
    assert!(site.next().is_none(), "every site opened");
    out
}

/// Real hiding openings of a 2^12 and a 2^16 stack (three columns each, several claims, two on one column),
/// verified by `HidingPcs::verify`; the same verification recorded operation by operation (zkinfer's labelled
/// absorbs and p3's HVZK-WHIR verifier on one sponge) ends in the real verifier's transcript state. In the
/// EVM: the whole trace replayed (every challenge, position and proof-of-work verdict equal p3's), then every
/// Merkle opening of the proof at the trace's positions accepted by p3 and `Merkle.sol`, and mutations of each
/// (byte flips, a changed position, another tree's root, another site's positions) rejected by both with the
/// same error.
#[test]
fn hiding_openings_transcript_and_merkle() {
    let mut rng = StdRng::seed_from_u64(14);
    let mut th = Harness::deploy(Contract::WhirHarness).expect("deploys");
    let mut mh = Harness::deploy(Contract::MerkleHarness).expect("deploys");
    let mut hh = Harness::deploy(Contract::HidingHarness).expect("deploys");
    let spot_mutations = 60;
    let pcs = HidingPcs::new(PcsConfig::hiding_default()).expect("configures");
    let salted = salted_mmcs();
    let cases: [(&[usize], &[usize]); 2] = [
        (&[11, 10, 8], &[0, 1, 0, 2]),
        (&[15, 14, 10], &[1, 0, 2, 1]),
    ];
    let mut total_mutations = 0;
    let mut mutations = 0;
    let flips = 120;
    let mut previous_proof: Option<HidingProof> = None;
    for (shapes, claim_cols) in cases {
        let (columns, claims) = random_columns_and_claims(shapes, claim_cols, &mut rng);
        let mut t = Transcript::new(b"hiding");
        let (commitment, data) = pcs.commit(&columns, &mut t).expect("commits");
        let proof = pcs.open(data, &claims, &mut t).expect("opens");
        let mut tv = Transcript::new(b"hiding");
        pcs.absorb_commitment(&commitment, &mut tv)
            .expect("absorbs");
        pcs.verify(&commitment, &claims, &proof, &mut tv)
            .expect("HidingPcs::verify accepts");

        let record = record_hiding(&pcs, &commitment, &claims, &proof, b"hiding").expect("records");
        record
            .verdict
            .as_ref()
            .expect("p3 accepts through the recording challenger");
        let n = record.stacked_vars;
        let mut rt = record.rec.t.clone();
        assert_eq!(
            rt.challenge(b"after"),
            tv.challenge(b"after"),
            "the recorded run ends in HidingPcs::verify's transcript state"
        );
        eprintln!(
            "=== hiding 2^{n} ({shapes:?}): verifier trace ===\n{}",
            summary(&record.log)
        );

        // 1. The whole transcript, replayed by the contract.
        let transcript_gas = replay_trace(&mut th, b"hiding", &record.log);
        let pows = record
            .log
            .iter()
            .filter(|e| matches!(e, Ev::CheckWitness(..)))
            .count();

        // 2. Every Merkle opening at the trace's positions.
        let parameters = pcs.p3_parameters(&commitment).expect("parameters");
        let p3 = proof.p3_proof();
        let sites = hiding_positions(&record.log, p3, &parameters)
            .expect("the trace has the proof's shape");
        let base = hiding_config(&parameters)
            .expect("configures")
            .base_case_config();
        let opened = openings(commitment.root(), p3, &sites, &base);
        let (mut gas, mut bytes, mut rows) = (0u64, 0usize, 0usize);
        let per_opening = 20;
        for (i, o) in opened.iter().enumerate() {
            let other = &opened[(i + 1) % opened.len()];
            let other_root = if other.root == o.root {
                opened[(i + 2) % opened.len()].root
            } else {
                other.root
            };
            let cost = check_merkle(
                &mut mh,
                &mut rng,
                o,
                other_root,
                &other.indices,
                Some(&salted),
                per_opening,
            );
            eprintln!(
                "2^{n} {}: {} positions, tree of 2^{} rows × {} {}, {} siblings, {} bytes, {} gas ({} reading and hashing rows)",
                o.name,
                o.indices.len(),
                o.bits,
                o.shape.width,
                if o.shape.ext { "EF" } else { "F" },
                o.opening.siblings.len(),
                cost.bytes,
                cost.gas,
                cost.read
            );
            gas += cost.gas;
            bytes += cost.bytes;
            rows += o.indices.len();
            total_mutations += per_opening;
        }
        // 4. The base case's mask spot checks (check 5) in `HidingBaseCase.sol` on the real values (γ: the
        // run's last challenge; positions: the trace's), then mutated values rejected by the contract and its
        // Rust twin with the same error; the source spot checks' re-encoding (check 4's work) measured.
        let gamma = *ext_samples(&record.log).last().expect("challenges");
        let checks = MaskSpotChecks::of(p3, gamma, &sites, &base);
        checks
            .check()
            .expect("the twin accepts the real mask spot checks");
        // One call per group: at 2^16 all groups together exceed the 2^24 gas cap of a transaction.
        let per_group: Vec<MaskSpotChecks> = checks
            .groups
            .iter()
            .map(|g| MaskSpotChecks {
                gamma,
                groups: vec![g.clone()],
            })
            .collect();
        let mut mask_gas = 0u64;
        for c in &per_group {
            mask_gas += accepts(&mut hh, "maskSpotChecks(bytes)", c.encode());
        }
        for m in 0..spot_mutations {
            let mut bad = per_group[rng.random_range(0..per_group.len())].clone();
            let grp = &mut bad.groups[0];
            let k = rng.random_range(0..grp.positions.len());
            let i = rng.random_range(0..grp.reveals.len());
            match m % 6 {
                0 => grp.carried[k][i] += EF::ONE,
                1 => grp.fresh[k][i] += EF::ONE,
                2 => {
                    let j = rng.random_range(0..grp.reveals[i].0.len());
                    grp.reveals[i].0[j] += EF::ONE;
                }
                3 => {
                    let j = rng.random_range(0..grp.reveals[i].1.len());
                    grp.reveals[i].1[j] += EF::ONE;
                }
                4 => bad.gamma += EF::ONE,
                _ => grp.positions[k] = (grp.positions[k] + 1) % (1 << grp.bits),
            }
            let want = bad.check().expect_err("the twin rejects every mutation");
            rejects_with(
                &mut hh,
                "maskSpotChecks(bytes)",
                bad.encode(),
                want.solidity_name(),
                &format!("2^{n} spot-check mutation {m}"),
            );
        }
        // Check 4 on the real values: the folding point is the last batch's challenges (the EF challenges
        // just before γ).
        let challenges = ext_samples(&record.log);
        let k = p3
            .sumchecks
            .last()
            .expect("a batch")
            .round_coefficients
            .len();
        let point = challenges[challenges.len() - 1 - k..challenges.len() - 1].to_vec();
        let source = SourceSpotChecks::of(p3, gamma, point, &sites);
        source
            .check()
            .expect("the twin accepts the real source spot checks");
        // 5. The algebra (`HidingAlgebra.sol` and its Rust twin, with the trace's challenges): accepted on the
        // real proof; changed values (each re-read into the message) rejected by both with the same error.
        let (_, lifted) = pcs.lift(&commitment, &claims).expect("lifts");
        let mask_len = u8::try_from(p3.base_case.blinded_masks[0].message.len()).expect("short");
        let algebra = |p: &HidingProof| {
            HidingAlgebra::of(p, &lifted, &challenges, &sites, mask_len).expect("the proof's shape")
        };
        let real = algebra(p3);
        real.check().expect("the twin accepts what p3 accepted");
        let algebra_gas = accepts(&mut hh, "algebra(bytes)", real.encode());
        let mut changes: Vec<HidingAlgebra> = Vec::new();
        let mut changed = p3.clone();
        changed.evals[0] += EF::ONE;
        changes.push(algebra(&changed));
        let mut changed = p3.clone();
        changed.sumchecks[0].mu_tilde += EF::ONE;
        changes.push(algebra(&changed));
        let mut changed = p3.clone();
        changed.sumchecks[0].round_coefficients[1][0] += EF::ONE;
        changes.push(algebra(&changed));
        let mut changed = p3.clone();
        changed.base_case.masked_claim += EF::ONE;
        changes.push(algebra(&changed));
        let mut changed = p3.clone();
        changed.base_case.blinded_message[1] += EF::ONE;
        changes.push(algebra(&changed));
        let mut changed = p3.clone();
        changed.base_case.blinded_masks[0].message[0] += EF::ONE;
        changes.push(algebra(&changed));
        if !p3.rounds.is_empty() {
            let mut changed = p3.clone();
            if let p3_whir::QueryOpenings::Base(o) = &mut changed.rounds[0].openings {
                o.rows[0][0] += F::ONE;
            }
            changes.push(algebra(&changed));
            let mut m = real.clone();
            m.switches[0].comb += EF::ONE;
            changes.push(m);
            let mut m = real.clone();
            m.switches[0].indices[0] ^= 1;
            changes.push(m);
            let mut m = real.clone();
            m.switches[0].switch_len += 1;
            changes.push(m);
        }
        let mut m = real.clone();
        m.alpha += EF::ONE;
        changes.push(m);
        let mut m = real.clone();
        m.gamma += EF::ONE;
        changes.push(m);
        let mut m = real.clone();
        m.batches[0].eps += EF::ONE;
        changes.push(m);
        let mut m = real.clone();
        m.batches[0].challenges[0] += EF::ONE;
        changes.push(m);
        let mut m = real.clone();
        m.claims[0].0[0] += EF::ONE;
        changes.push(m);
        let mut m = real.clone();
        m.claims.swap(0, 1);
        changes.push(m);
        let mut m = real.clone();
        m.blinded_masks.pop();
        changes.push(m);
        let algebra_mutations = changes.len();
        for (i, c) in changes.iter().enumerate() {
            let want = c.check().expect_err("the twin rejects every change");
            rejects_with(
                &mut hh,
                "algebra(bytes)",
                c.encode(),
                want.solidity_name(),
                &format!("2^{n} algebra change {i}"),
            );
        }
        // In calls of at most 50 positions: at 2^12 the whole check is over the gas cap of a transaction.
        let parts: Vec<SourceSpotChecks> = (0..source.positions.len())
            .step_by(50)
            .map(|from| {
                let to = (from + 50).min(source.positions.len());
                SourceSpotChecks {
                    positions: source.positions[from..to].to_vec(),
                    rows: source.rows[from..to].to_vec(),
                    fresh: source.fresh[from..to].to_vec(),
                    ..source.clone()
                }
            })
            .collect();
        let mut source_check_gas = 0u64;
        for part in &parts {
            source_check_gas += accepts(&mut hh, "sourceSpotChecks(bytes)", part.encode());
        }
        for m in 0..spot_mutations {
            let mut bad = parts[rng.random_range(0..parts.len())].clone();
            let q = rng.random_range(0..bad.positions.len());
            match m % 6 {
                0 => {
                    let j = rng.random_range(0..bad.rows[q].len());
                    bad.rows[q][j] += EF::ONE;
                }
                1 => bad.fresh[q] += EF::ONE,
                2 => {
                    let j = rng.random_range(0..bad.reveal.0.len());
                    bad.reveal.0[j] += EF::ONE;
                }
                3 => {
                    let j = rng.random_range(0..bad.reveal.1.len());
                    bad.reveal.1[j] += EF::ONE;
                }
                4 => {
                    let j = rng.random_range(0..bad.point.len());
                    bad.point[j] += EF::ONE;
                }
                _ => bad.positions[q] = (bad.positions[q] + 1) % (1 << bad.bits),
            }
            let want = bad.check().expect_err("the twin rejects every mutation");
            rejects_with(
                &mut hh,
                "sourceSpotChecks(bytes)",
                bad.encode(),
                want.solidity_name(),
                &format!("2^{n} source mutation {m}"),
            );
        }
        let bc = &p3.base_case;
        let (source_bits, source_positions) = &sites[p3.rounds.len()];
        let out = hh
            .call(
                "encodeAt(bytes,uint256,uint256[])",
                &[
                    Token::Bytes(hiding::encode_reveal(
                        &bc.blinded_message,
                        &bc.blinded_randomness,
                    )),
                    Token::Uint(U256::from(*source_bits)),
                    Token::UintArray(source_positions.iter().map(|&p| U256::from(p)).collect()),
                ],
            )
            .expect("runs");
        assert!(out.success, "{:?}", hh.revert_error(&out));
        let coeffs: Vec<EF> = bc
            .blinded_message
            .iter()
            .chain(&bc.blinded_randomness)
            .copied()
            .collect();
        let omega = F::two_adic_generator(*source_bits);
        let want: Vec<U256> = source_positions
            .iter()
            .map(|&p| ext_to_word(hiding::encode_at(&coeffs, omega.exp_u64(p as u64))))
            .collect();
        assert_eq!(decode_uint_array(&out.output, 0).expect("values"), want);
        let source_gas = u64::try_from(decode_uint(&out.output, 1).expect("gas")).expect("fits");
        let mask_terms: usize = checks
            .groups
            .iter()
            .map(|g| {
                g.positions.len()
                    * g.reveals
                        .iter()
                        .map(|(m, r)| m.len() + r.len())
                        .sum::<usize>()
            })
            .sum();
        eprintln!(
            "hiding base case 2^{n}: mask spot checks (check 5, {} groups, {mask_terms} Horner steps) {mask_gas} gas \
             in HidingBaseCase.sol (one call per group), decoding included; source re-encoding (check 4's work: {} positions × {} \
             coefficients) {source_gas} gas, the whole check 4 (folds, decoding included; calls of ≤ 50 positions) {source_check_gas} gas; \
             {spot_mutations} + {spot_mutations} mutated mask and source spot checks rejected by the contract and \
             the twin with the same error; the algebra (HidingAlgebra.sol: sumchecks, source claim, masks, \
             code switch, target check; decoding included) {algebra_gas} gas, {algebra_mutations} changed \
             algebra messages rejected by both with the same error",
            checks.groups.len(),
            source_positions.len(),
            coeffs.len()
        );

        // 3. The whole proof as calldata (`zkinfer_evm::hiding`): read back exactly, accepted by
        // `HidingPcs::verify`; every mutation of it rejected by the Rust verifier on the decoded bytes.
        let layout = HidingLayout::of(p3);
        let calldata = hiding::encode_proof(p3).expect("encodes");
        let decoded = hiding::decode_proof(&calldata, &layout).expect("decodes");
        assert_eq!(hiding::encode_proof(&decoded).expect("encodes"), calldata);
        let verify = |proof: HidingProof, claims: &[ColumnClaim]| {
            let mut tv = Transcript::new(b"hiding");
            pcs.absorb_commitment(&commitment, &mut tv)
                .expect("absorbs");
            pcs.verify(
                &commitment,
                claims,
                &HidingOpeningProof::from_p3_proof(proof),
                &mut tv,
            )
        };
        verify(decoded.clone(), &claims).expect("the decoded calldata verifies");
        let mut decode_errors = 0;
        for _ in 0..flips {
            let mut bad = calldata.clone();
            let pos = rng.random_range(0..bad.len());
            bad[pos] ^= rng.random_range(1..=255u8);
            match hiding::decode_proof(&bad, &layout) {
                Err(_) => decode_errors += 1,
                Ok(p) => assert!(
                    verify(p, &claims).is_err(),
                    "2^{n}: a byte flip at {pos} of {} is accepted",
                    calldata.len()
                ),
            }
        }
        // Structural mutations, each re-encoded and decoded back.
        let mut structural: Vec<(&str, HidingProof, Vec<ColumnClaim>)> = Vec::new();
        let mut wrong_value = claims.clone();
        wrong_value[0].value += EF::ONE;
        structural.push(("wrong claimed value", decoded.clone(), wrong_value));
        let mut swapped = decoded.clone();
        swapped.sumchecks[0].round_coefficients.swap(0, 1);
        structural.push(("swapped sumcheck round messages", swapped, claims.clone()));
        let mut other_claim = decoded.clone();
        other_claim.evals[0] += EF::ONE;
        structural.push(("another opened value", other_claim, claims.clone()));
        let mut masked = decoded.clone();
        masked.base_case.masked_claim += EF::ONE;
        structural.push(("base case: another masked claim", masked, claims.clone()));
        let mut blinded = decoded.clone();
        blinded.base_case.blinded_message[0] += EF::ONE;
        structural.push((
            "base case: another blinded message",
            blinded,
            claims.clone(),
        ));
        if let Some(previous) = &previous_proof {
            structural.push((
                "another commitment's proof",
                previous.clone(),
                claims.clone(),
            ));
        }
        for (what, p, cl) in structural {
            match hiding::encode_proof(&p).map(|d| hiding::decode_proof(&d, &layout)) {
                Ok(Ok(p)) => assert!(verify(p, &cl).is_err(), "2^{n}: {what} is accepted"),
                _ => decode_errors += 1,
            }
            mutations += 1;
        }
        // Another verifying data: one claim fewer, one more round of sumcheck coefficients.
        let mut fewer = layout.clone();
        fewer.claims -= 1;
        assert!(hiding::decode_proof(&calldata, &fewer).is_err());
        let mut wider = layout.clone();
        wider.batches[0].1 += 1;
        assert!(hiding::decode_proof(&calldata, &wider).is_err());
        mutations += flips + 2;
        previous_proof = Some(decoded);
        let tx = call_tx_gas(
            &calldata,
            transcript_gas + gas + mask_gas + source_check_gas + algebra_gas,
        );
        eprintln!(
            "hiding calldata 2^{n}: {} bytes (the proof's bincode wire: {}); calldata gas {} standard / {} floor \
             (EIP-7623); with the execution of every part (transcript replay, Merkle openings, base-case spot \
             checks, algebra; each measured in its own calls with its own decoding: {} gas) a transaction of \
             ≈ {} gas; {flips} byte flips ({decode_errors} caught by the decoder) and the structural \
             mutations rejected by HidingPcs::verify",
            calldata.len(),
            proof.to_wire().len(),
            tx.calldata_standard,
            tx.calldata_floor,
            tx.execution,
            tx.total
        );
        eprintln!(
            "hiding gas 2^{n}: transcript replay {transcript_gas} gas ({} sponge operations, {pows} PoW checks, \
             script decoding included); {} Merkle openings {gas} gas for {rows} rows, {bytes} bytes of openings; \
             whole proof {} bytes on the wire (bincode)",
            record.log.len(),
            opened.len(),
            proof.to_wire().len()
        );
    }
    assert!(total_mutations >= 200, "{total_mutations} Merkle mutations");
    assert!(mutations >= 200, "{mutations} calldata mutations");
}
