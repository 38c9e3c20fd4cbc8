//! Fuzzing of proof and key decoding plus `verify` (issue 12, item 4): real proof and key bytes
//! of a small model, mutated by byte flips, truncation, insertion, deletion, splices (within the
//! file and from another proof), overwritten length prefixes and random bytes, and proofs
//! mutated after decoding (swapped, dropped, duplicated and changed messages, changed output and
//! public input, swapped commitments). Every case asserts that nothing panics and that an
//! accepted proof proves the honest statement (this vk, this input, the honest output).
//!
//! Case counts (proptest, seeded from the environment like every proptest run):
//! - `ZKINFER_FUZZ_CASES` (default 20 000): decode-only cases, each decoding one mutated proof,
//!   verifying-key or proving-key file — fast, most mutated inputs fail decoding or its checks;
//! - `ZKINFER_FUZZ_VERIFY_CASES` (default 150): full cases, each decoding a mutated proof and,
//!   when it decodes, running `verify` on it; and as many structural mutations, each verified.
//!
//! The defaults keep the test within CI's budget (≤ 60 s on a 2-core machine); raise them for a
//! long local run, e.g.
//! `ZKINFER_FUZZ_CASES=1000000 cargo test -p zkinfer-proof --test fuzz -- --nocapture` (the test
//! profile already optimises: `opt-level = 2`, dependencies at 3).
//! Each test prints how many executions it ran and how they ended.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_pcs::PcsConfig;
use zkinfer_proof::channel::Msg;
use zkinfer_proof::commit::{WitnessCommitment, WitnessOpening};
use zkinfer_proof::testing::residual_cnn;
use zkinfer_proof::weights::{WeightsCommitment, WeightsOpening};
use zkinfer_proof::{
    CompileOptions, InputVisibility, Proof, ProvingKey, VerifyingKey, ZkFile, compile, prove,
    setup_with_weights_data, verify,
};

/// The honest statement and its files.
struct Fixture {
    input: Vec<i64>,
    output: Vec<i64>,
    vk: VerifyingKey,
    proof: Proof,
    proof_bytes: Vec<u8>,
    /// A proof of the same model on another input (material for splices).
    other_bytes: Vec<u8>,
    vk_bytes: Vec<u8>,
    pk_bytes: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIX: OnceLock<Fixture> = OnceLock::new();
    FIX.get_or_init(|| {
        let (g, input) = residual_cnn(11);
        let plan = compile(&g, CompileOptions::with_input(InputVisibility::Public)).unwrap();
        // The seed-only key: a key that stores its weights tree carries it after the body
        // (tens of MiB here), which the mutations below would mostly hit and every decode
        // would copy; the tree's own corruptions are tested in zk_weights.rs and
        // zkinfer-pcs' stored_hiding.rs.
        let pk = setup_with_weights_data(
            &g,
            &plan,
            PcsConfig::default(),
            zkinfer_proof::weights::DEFAULT_MAX_PROOFS,
            zkinfer_proof::WeightsData::Seed,
        )
        .unwrap();
        let proof = prove(&pk, &input, None).unwrap();
        let output = verify(&pk.vk, &proof, Some(&input), None).unwrap();
        let other_input: Vec<i64> = input.iter().map(|v| v / 2).collect();
        let other = prove(&pk, &other_input, None).unwrap();
        Fixture {
            proof_bytes: proof.to_bytes(),
            other_bytes: other.to_bytes(),
            vk_bytes: pk.vk.to_bytes(),
            pk_bytes: pk.to_bytes(),
            input,
            output,
            vk: pk.vk,
            proof,
        }
    })
}

fn env_cases(var: &str, default: u32) -> u32 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // The inputs are mutation descriptions of a fixed file: nothing worth persisting.
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    })
}

/// A mutation of a byte string. Positions are taken modulo the length.
#[derive(Clone, Debug)]
enum ByteMutation {
    /// Flip bits of up to a few bytes.
    Flips(Vec<(u32, u8)>),
    /// Keep only the first `len` bytes.
    Truncate(u32),
    /// Insert bytes at a position.
    Insert(u32, Vec<u8>),
    /// Delete a range.
    Delete(u32, u16),
    /// Copy a range of this file over another place of it.
    SpliceSelf { from: u32, to: u32, len: u16 },
    /// Copy a range of another proof over this one (same offset or another).
    SpliceOther { from: u32, to: u32, len: u16 },
    /// Overwrite 8 bytes with a little-endian integer (hits bincode's length prefixes).
    Overwrite(u32, u64),
    /// Entirely random bytes, optionally behind the file's valid 12-byte header.
    Random { keep_header: bool, bytes: Vec<u8> },
}

fn byte_mutation() -> impl Strategy<Value = ByteMutation> {
    let big = prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::from(u32::MAX)),
        Just(u64::MAX),
        Just(1 << 40),
        any::<u64>(),
        0u64..64,
    ];
    prop_oneof![
        4 => prop::collection::vec((any::<u32>(), 1u8..=255), 1..4).prop_map(ByteMutation::Flips),
        1 => any::<u32>().prop_map(ByteMutation::Truncate),
        1 => (any::<u32>(), prop::collection::vec(any::<u8>(), 1..9))
            .prop_map(|(p, b)| ByteMutation::Insert(p, b)),
        1 => (any::<u32>(), 1u16..64).prop_map(|(p, n)| ByteMutation::Delete(p, n)),
        1 => (any::<u32>(), any::<u32>(), 1u16..512)
            .prop_map(|(from, to, len)| ByteMutation::SpliceSelf { from, to, len }),
        1 => (any::<u32>(), any::<u32>(), 1u16..2048)
            .prop_map(|(from, to, len)| ByteMutation::SpliceOther { from, to, len }),
        2 => (any::<u32>(), big).prop_map(|(p, v)| ByteMutation::Overwrite(p, v)),
        1 => (any::<bool>(), prop::collection::vec(any::<u8>(), 0..256))
            .prop_map(|(keep_header, bytes)| ByteMutation::Random { keep_header, bytes }),
    ]
}

fn at(pos: u32, len: usize) -> usize {
    if len == 0 { 0 } else { pos as usize % len }
}

fn apply(m: &ByteMutation, bytes: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let n = b.len();
    match m {
        ByteMutation::Flips(flips) => {
            for &(p, mask) in flips {
                let i = at(p, n);
                if let Some(x) = b.get_mut(i) {
                    *x ^= mask;
                }
            }
        }
        ByteMutation::Truncate(len) => b.truncate(at(*len, n)),
        ByteMutation::Insert(p, ins) => {
            let i = at(*p, n + 1);
            b.splice(i..i, ins.iter().copied());
        }
        ByteMutation::Delete(p, len) => {
            let i = at(*p, n);
            b.drain(i..(i + usize::from(*len)).min(n));
        }
        ByteMutation::SpliceSelf { from, to, len } => {
            let (f, t) = (at(*from, n), at(*to, n));
            let l = usize::from(*len).min(n - f).min(n - t);
            b.copy_within(f..f + l, t);
        }
        ByteMutation::SpliceOther { from, to, len } => {
            let (f, t) = (at(*from, other.len()), at(*to, n));
            let l = usize::from(*len).min(other.len() - f).min(n - t);
            b[t..t + l].copy_from_slice(&other[f..f + l]);
        }
        ByteMutation::Overwrite(p, v) => {
            let i = at(*p, n.saturating_sub(8).max(1));
            for (k, byte) in v.to_le_bytes().into_iter().enumerate() {
                if let Some(x) = b.get_mut(i + k) {
                    *x = byte;
                }
            }
        }
        ByteMutation::Random { keep_header, bytes } => {
            let mut r = if *keep_header {
                b[..12.min(n)].to_vec()
            } else {
                Vec::new()
            };
            r.extend_from_slice(bytes);
            return r;
        }
    }
    b
}

/// Runs `verify` on a proof and checks that, if it is accepted, it proves the honest statement.
fn check_verdict(f: &Fixture, p: &Proof, accepted: &AtomicU64) -> Result<(), TestCaseError> {
    if let Ok(out) = verify(&f.vk, p, Some(&f.input), None) {
        accepted.fetch_add(1, Ordering::Relaxed);
        prop_assert_eq!(&out, &f.output, "a mutated proof proves another output");
        prop_assert_eq!(&p.output, &f.proof.output);
        prop_assert_eq!(p.public_input.as_deref(), Some(f.input.as_slice()));
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    runs: AtomicU64,
    decoded: AtomicU64,
    accepted: AtomicU64,
}

impl Counts {
    fn report(&self, what: &str, start: Instant) {
        eprintln!(
            "fuzz {what}: {} executions in {:.1} s, {} decoded, {} accepted (each accepted one \
             proved the honest statement)",
            self.runs.load(Ordering::Relaxed),
            start.elapsed().as_secs_f64(),
            self.decoded.load(Ordering::Relaxed),
            self.accepted.load(Ordering::Relaxed),
        );
    }
}

/// Which file a decode case mutates.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Proof,
    Vk,
    Pk,
}

#[test]
fn mutated_files_decode_without_panic() {
    let f = fixture();
    let counts = Counts::default();
    let start = Instant::now();
    let kind = prop_oneof![4 => Just(Kind::Proof), 2 => Just(Kind::Vk), 1 => Just(Kind::Pk)];
    runner(env_cases("ZKINFER_FUZZ_CASES", 20_000))
        .run(&(kind, byte_mutation()), |(kind, m)| {
            counts.runs.fetch_add(1, Ordering::Relaxed);
            let ok = match kind {
                Kind::Proof => {
                    Proof::from_bytes(&apply(&m, &f.proof_bytes, &f.other_bytes)).is_ok()
                }
                Kind::Vk => match VerifyingKey::from_bytes(&apply(&m, &f.vk_bytes, &f.pk_bytes)) {
                    // A key that still decodes (and so matches its own digest) is a key for
                    // the same model or for another one: never for another statement under
                    // this proof's digest.
                    Ok(vk) => {
                        if vk.digest != f.vk.digest {
                            prop_assert!(verify(&vk, &f.proof, Some(&f.input), None).is_err());
                        }
                        true
                    }
                    Err(_) => false,
                },
                Kind::Pk => ProvingKey::from_bytes(&apply(&m, &f.pk_bytes, &f.vk_bytes)).is_ok(),
            };
            if ok {
                counts.decoded.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    counts.report("decode (proof, vk, pk files)", start);
}

#[test]
fn mutated_proof_bytes_are_never_accepted_for_another_statement() {
    let f = fixture();
    let counts = Counts::default();
    let start = Instant::now();
    runner(env_cases("ZKINFER_FUZZ_VERIFY_CASES", 150))
        .run(&byte_mutation(), |m| {
            counts.runs.fetch_add(1, Ordering::Relaxed);
            if let Ok(p) = Proof::from_bytes(&apply(&m, &f.proof_bytes, &f.other_bytes)) {
                counts.decoded.fetch_add(1, Ordering::Relaxed);
                check_verdict(f, &p, &counts.accepted)?;
            }
            Ok(())
        })
        .unwrap();
    counts.report("decode + verify (proof bytes)", start);
}

/// A mutation of a decoded proof.
#[derive(Clone, Debug)]
enum ProofMutation {
    SwapMsgs(u32, u32),
    DropMsg(u32),
    DupMsg(u32),
    /// Add `delta` to one value of a message (an evaluation or a sumcheck round value).
    ChangeMsg(u32, u32, u64),
    /// Drop the last round of a sumcheck message.
    ShortenSumcheck(u32),
    ChangeOutput(u32, i64),
    ChangePublicInput(u32, i64),
    DropPublicInput,
    SwapCommitments,
    SwapOpenings,
    OtherLookups,
    OtherWitnessOpening,
}

fn proof_mutation() -> impl Strategy<Value = ProofMutation> {
    let delta = prop_oneof![Just(1i64), Just(-1), any::<i64>()];
    prop_oneof![
        1 => (any::<u32>(), any::<u32>()).prop_map(|(a, b)| ProofMutation::SwapMsgs(a, b)),
        1 => any::<u32>().prop_map(ProofMutation::DropMsg),
        1 => any::<u32>().prop_map(ProofMutation::DupMsg),
        3 => (any::<u32>(), any::<u32>(), 1u64..zkinfer_field::MODULUS)
            .prop_map(|(m, i, d)| ProofMutation::ChangeMsg(m, i, d)),
        1 => any::<u32>().prop_map(ProofMutation::ShortenSumcheck),
        2 => (any::<u32>(), delta.clone()).prop_map(|(i, d)| ProofMutation::ChangeOutput(i, d)),
        1 => (any::<u32>(), delta).prop_map(|(i, d)| ProofMutation::ChangePublicInput(i, d)),
        1 => Just(ProofMutation::DropPublicInput),
        1 => Just(ProofMutation::SwapCommitments),
        1 => Just(ProofMutation::SwapOpenings),
        1 => Just(ProofMutation::OtherLookups),
        1 => Just(ProofMutation::OtherWitnessOpening),
    ]
}

fn mutate(m: &ProofMutation, p: &mut Proof, other: &Proof) {
    let n = p.msgs.len();
    match *m {
        ProofMutation::SwapMsgs(a, b) => p.msgs.swap(at(a, n), at(b, n)),
        ProofMutation::DropMsg(i) => {
            p.msgs.remove(at(i, n));
        }
        ProofMutation::DupMsg(i) => {
            let msg = p.msgs[at(i, n)].clone();
            p.msgs.insert(at(i, n), msg);
        }
        ProofMutation::ChangeMsg(i, j, d) => {
            let delta = EF::from_u64(d);
            match &mut p.msgs[at(i, n)] {
                Msg::Evals(v) => {
                    let k = at(j, v.len());
                    if let Some(x) = v.get_mut(k) {
                        *x += delta;
                    }
                }
                Msg::Sumcheck(s) => {
                    let r = at(j, s.round_polys.len());
                    if let Some(round) = s.round_polys.get_mut(r) {
                        let k = at(j / 7, round.len());
                        if let Some(x) = round.get_mut(k) {
                            *x += delta;
                        }
                    }
                }
                Msg::ZkSumcheck(z) => {
                    let r = at(j, z.sumcheck.round_polys.len() + 2);
                    match z.sumcheck.round_polys.get_mut(r) {
                        Some(round) => {
                            let k = at(j / 7, round.len());
                            if let Some(x) = round.get_mut(k) {
                                *x += delta;
                            }
                        }
                        None if r.is_multiple_of(2) => z.mask_sum += delta,
                        None => z.mask_eval += delta,
                    }
                }
                Msg::Reduction(red) => {
                    let r = at(j, red.sumcheck.round_polys.len() + 1);
                    match red.sumcheck.round_polys.get_mut(r) {
                        Some(round) => {
                            let k = at(j / 7, round.len());
                            if let Some(x) = round.get_mut(k) {
                                *x += delta;
                            }
                        }
                        None => red.eval += delta,
                    }
                }
                Msg::MaskedSumcheck(m) => {
                    let z = &mut m.zk;
                    let r = at(j, z.sumcheck.round_polys.len() + 3);
                    match z.sumcheck.round_polys.get_mut(r) {
                        Some(round) => {
                            let k = at(j / 7, round.len());
                            if let Some(x) = round.get_mut(k) {
                                *x += delta;
                            }
                        }
                        None if r.is_multiple_of(3) => z.mask_sum += delta,
                        None if r % 3 == 1 => z.mask_eval += delta,
                        None => match m.incoming_eval.as_mut() {
                            Some(e) => *e += delta,
                            None => z.mask_eval += delta,
                        },
                    }
                }
                Msg::MaskedReduction(red) => {
                    let z = &mut red.sumcheck.zk;
                    let r = at(j, z.sumcheck.round_polys.len() + 1);
                    match z.sumcheck.round_polys.get_mut(r) {
                        Some(round) => {
                            let k = at(j / 7, round.len());
                            if let Some(x) = round.get_mut(k) {
                                *x += delta;
                            }
                        }
                        None => red.eval += delta,
                    }
                }
            }
        }
        ProofMutation::ShortenSumcheck(i) => {
            let start = at(i, n);
            let found = (0..n).map(|k| (start + k) % n).find(|&k| match &p.msgs[k] {
                Msg::Sumcheck(s) => !s.round_polys.is_empty(),
                Msg::ZkSumcheck(z) => !z.sumcheck.round_polys.is_empty(),
                Msg::Reduction(r) => !r.sumcheck.round_polys.is_empty(),
                Msg::MaskedSumcheck(m) => !m.zk.sumcheck.round_polys.is_empty(),
                Msg::MaskedReduction(r) => !r.sumcheck.zk.sumcheck.round_polys.is_empty(),
                Msg::Evals(_) => false,
            });
            match found.map(|k| &mut p.msgs[k]) {
                Some(Msg::Sumcheck(s)) => {
                    s.round_polys.pop();
                }
                Some(Msg::ZkSumcheck(z)) => {
                    z.sumcheck.round_polys.pop();
                }
                Some(Msg::Reduction(r)) => {
                    r.sumcheck.round_polys.pop();
                }
                Some(Msg::MaskedSumcheck(m)) => {
                    m.zk.sumcheck.round_polys.pop();
                }
                Some(Msg::MaskedReduction(r)) => {
                    r.sumcheck.zk.sumcheck.round_polys.pop();
                }
                _ => {}
            }
        }
        ProofMutation::ChangeOutput(i, d) => {
            let k = at(i, p.output.len());
            p.output[k] = p.output[k].wrapping_add(d);
        }
        ProofMutation::ChangePublicInput(i, d) => {
            if let Some(pi) = p.public_input.as_mut() {
                let k = at(i, pi.len());
                pi[k] = pi[k].wrapping_add(d);
            }
        }
        ProofMutation::DropPublicInput => p.public_input = None,
        // The weights' commitment (opening) in the witness's place: a commitment of other
        // columns (and, for a plain one, of the other kind).
        ProofMutation::SwapCommitments => match &p.weights {
            Some(WeightsCommitment::Plain(w)) => p.witness = WitnessCommitment::Plain(w.clone()),
            Some(WeightsCommitment::Hiding(ws)) => {
                if let Some(w) = ws.first() {
                    p.witness = WitnessCommitment::Hiding(w.hiding().clone());
                }
            }
            Some(WeightsCommitment::Masked(w)) => p.witness = WitnessCommitment::Masked(w.clone()),
            None => {}
        },
        ProofMutation::SwapOpenings => match &p.weights_opening {
            Some(WeightsOpening::Plain(o)) => {
                p.witness_opening = WitnessOpening::Plain(o.as_ref().clone());
            }
            Some(WeightsOpening::Hiding(os)) => {
                if let Some(o) = os.first() {
                    p.witness_opening = WitnessOpening::Hiding(o.clone());
                }
            }
            // Opened with the witness: nothing of its own to swap in.
            Some(WeightsOpening::WithWitness) | None => {}
        },
        ProofMutation::OtherLookups => p.lookups = other.lookups.clone(),
        ProofMutation::OtherWitnessOpening => {
            p.witness_opening = other.witness_opening.clone();
        }
    }
}

#[test]
fn mutated_proofs_are_never_accepted_for_another_statement() {
    let f = fixture();
    let other = Proof::from_bytes(&f.other_bytes).unwrap();
    let counts = Counts::default();
    let start = Instant::now();
    runner(env_cases("ZKINFER_FUZZ_VERIFY_CASES", 150))
        .run(&proof_mutation(), |m| {
            counts.runs.fetch_add(1, Ordering::Relaxed);
            let mut p = f.proof.clone();
            mutate(&m, &mut p, &other);
            // Through the file format too: a mutated proof must survive encode/decode.
            let bytes = p.to_bytes();
            let changed = bytes != f.proof_bytes;
            let p = Proof::from_bytes(&bytes).unwrap();
            counts.decoded.fetch_add(1, Ordering::Relaxed);
            let before = counts.accepted.load(Ordering::Relaxed);
            check_verdict(f, &p, &counts.accepted)?;
            // A changed proof (a swap of two equal messages changes nothing) may not verify.
            if changed {
                prop_assert_eq!(
                    counts.accepted.load(Ordering::Relaxed),
                    before,
                    "mutation {:?} accepted",
                    m
                );
            }
            Ok(())
        })
        .unwrap();
    counts.report("verify (decoded proofs, structural mutations)", start);
}
