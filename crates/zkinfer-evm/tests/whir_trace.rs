//! A recording challenger around the zkinfer transcript, and p3-whir driven through it exactly as
//! zkinfer-pcs drives it (one stacked column, one claim): what the WHIR verifier absorbs and draws, in order.
//! Run with `--nocapture` to print the verifier's transcript trace and the gas figures.

use p3_challenger::{
    CanObserve, CanSample, CanSampleBits, CanSampleUniformBits, FieldChallenger,
    GrindingChallenger, ResamplingError,
};
use p3_commit::MultilinearPcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_keccak::Keccak256Hash;
use p3_matrix::dense::RowMajorMatrix;
use p3_merkle_tree::MerkleCap;
use p3_multilinear_util::point::Point;
use p3_sumcheck::layout::{Layout, PrefixProver, Table};
use p3_sumcheck::{OpeningBatch, OpeningProtocol, PrescribedPointPcs, TableShape, TableSpec};
use p3_symmetric::{CompressionFunctionFromHasher, SerializingHasher};
use p3_whir::{QueryOpenings, WhirProver};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use revm::primitives::U256;
use zkinfer_evm::abi::{Token, decode_uint, decode_uint_array};
use zkinfer_evm::merkle::{MerkleOpening, RowShape, encode_opening, rust_verdict};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_pcs::{KeccakMmcs, PcsConfig};

/// One primitive operation on the sponge.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    Observe(u64),
    ObserveDigest([u8; 32]),
    Sample(u64),
    SampleBits(usize, usize),
    CheckWitness(usize, u64, bool),
    Grind(usize, u64),
}

#[derive(Clone, Debug)]
struct Rec {
    t: Transcript,
    log: Vec<Ev>,
}

impl CanObserve<F> for Rec {
    fn observe(&mut self, x: F) {
        self.log.push(Ev::Observe(x.as_canonical_u64()));
        self.t.observe(x);
    }
}
impl CanObserve<MerkleCap<F, [u8; 32]>> for Rec {
    fn observe(&mut self, cap: MerkleCap<F, [u8; 32]>) {
        for d in cap.roots() {
            self.log.push(Ev::ObserveDigest(*d));
        }
        self.t.observe(&cap);
    }
}
impl CanSample<F> for Rec {
    fn sample(&mut self) -> F {
        let x: F = self.t.sample();
        self.log.push(Ev::Sample(x.as_canonical_u64()));
        x
    }
}
impl CanSampleBits<usize> for Rec {
    fn sample_bits(&mut self, bits: usize) -> usize {
        let v = self.t.sample_bits(bits);
        self.log.push(Ev::SampleBits(bits, v));
        v
    }
}
impl CanSampleUniformBits<F> for Rec {
    fn sample_uniform_bits<const RESAMPLE: bool>(
        &mut self,
        bits: usize,
    ) -> Result<usize, ResamplingError> {
        Ok(self.sample_bits(bits))
    }
}
impl GrindingChallenger for Rec {
    type Witness = F;
    fn grind(&mut self, bits: usize) -> F {
        let w = self.t.grind(bits);
        self.log.push(Ev::Grind(bits, w.as_canonical_u64()));
        w
    }
    fn check_witness(&mut self, bits: usize, w: F) -> bool {
        let ok = self.t.check_witness(bits, w);
        self.log
            .push(Ev::CheckWitness(bits, w.as_canonical_u64(), ok));
        ok
    }
}
impl FieldChallenger<F> for Rec {}

type Dft = Radix2DFTSmallBatch<F>;

const MERKLE_VERIFY: &str = "verify(bytes32,uint256,uint256,uint256,uint256,uint256[],bytes)";
type RecWhir = WhirProver<EF, F, Dft, KeccakMmcs, Rec, PrefixProver<F, EF>>;

fn mmcs() -> KeccakMmcs {
    KeccakMmcs::new(
        SerializingHasher::new(Keccak256Hash),
        CompressionFunctionFromHasher::new(Keccak256Hash),
        0,
    )
}

/// zkinfer-pcs' WHIR instance for a stack of `n` variables (grinding raised until feasible), over `Rec`.
fn whir(n: usize) -> RecWhir {
    let cfg = PcsConfig::default();
    let mut params = cfg.protocol_parameters_for_bench(n);
    for pow in cfg.pow_bits..=zkinfer_pcs::MAX_POW_BITS {
        params.pow_bits = pow;
        if let Ok(c) = p3_whir::WhirConfig::new(n, params.clone()) {
            return RecWhir::new(c, Dft::default(), mmcs());
        }
    }
    panic!("no WHIR config for {n} variables");
}

fn rec(ctx: &[u8]) -> Rec {
    Rec {
        t: Transcript::new(ctx),
        log: Vec::new(),
    }
}

/// Summarises a trace as runs of the same kind of operation.
fn summary(log: &[Ev]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < log.len() {
        let kind = std::mem::discriminant(&log[i]);
        let mut j = i;
        while j < log.len() && std::mem::discriminant(&log[j]) == kind {
            j += 1;
        }
        let name = match &log[i] {
            Ev::Observe(_) => {
                let vals: Vec<u64> = log[i..j]
                    .iter()
                    .map(|e| if let Ev::Observe(v) = e { *v } else { 0 })
                    .collect();
                let text: String = vals
                    .iter()
                    .flat_map(|v| v.to_le_bytes()[..7].to_vec())
                    .map(|b| if b.is_ascii_graphic() { b as char } else { '.' })
                    .collect();
                format!(
                    "observe F {:?}… «{}»",
                    &vals[..vals.len().min(3)],
                    &text[..text.len().min(160)]
                )
            }
            Ev::ObserveDigest(_) => "observe digest".to_owned(),
            Ev::Sample(_) => "sample F".to_owned(),
            Ev::SampleBits(b, _) => format!("sample {b} bits"),
            Ev::CheckWitness(b, _, ok) => format!("check pow {b} bits ({ok})"),
            Ev::Grind(b, _) => format!("grind {b}"),
        };
        out.push_str(&format!("{name} ×{}\n", j - i));
        i = j;
    }
    out
}

fn decode_name(e: &zkinfer_evm::encoding::DecodeError) -> &'static str {
    match e {
        zkinfer_evm::encoding::DecodeError::Truncated { .. } => "Truncated",
        zkinfer_evm::encoding::DecodeError::NonCanonical { .. } => "NonCanonical",
        zkinfer_evm::encoding::DecodeError::TrailingBytes { .. } => "TrailingBytes",
        _ => "Encode",
    }
}

/// The verifier's trace as a `WhirHarness.run` script and the outputs it must produce.
fn script(log: &[Ev]) -> (Vec<u8>, Vec<U256>) {
    let mut body = Vec::new();
    let mut outs = Vec::new();
    for e in log {
        match e {
            Ev::Observe(v) => {
                body.push(0);
                body.extend_from_slice(&v.to_be_bytes());
            }
            Ev::ObserveDigest(d) => {
                body.push(2);
                body.extend_from_slice(d);
            }
            Ev::Sample(v) => {
                body.push(4);
                outs.push(U256::from(*v));
            }
            Ev::SampleBits(b, v) => {
                body.extend_from_slice(&[6, u8::try_from(*b).expect("bits")]);
                outs.push(U256::from(*v));
            }
            Ev::CheckWitness(b, w, ok) => {
                body.extend_from_slice(&[7, u8::try_from(*b).expect("bits")]);
                body.extend_from_slice(&w.to_be_bytes());
                outs.push(U256::from(u8::from(*ok)));
            }
            Ev::Grind(..) => panic!("the verifier does not grind"),
        }
    }
    let mut data = u16::try_from(outs.len())
        .expect("outputs")
        .to_be_bytes()
        .to_vec();
    data.extend_from_slice(&body);
    (data, outs)
}

/// The query phases of a trace: each maximal run of bit samples is one phase's indices.
fn query_phases(log: &[Ev]) -> Vec<(usize, Vec<usize>)> {
    let mut phases: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut prev_bits = false;
    for e in log {
        if let Ev::SampleBits(b, v) = e {
            if !prev_bits {
                phases.push((*b, Vec::new()));
            }
            if let Some(last) = phases.last_mut() {
                last.1.push(*v);
            }
            prev_bits = true;
        } else {
            prev_bits = false;
        }
    }
    phases
}

fn flatten<T: BasedVectorSpace<F> + Clone>(row: &[T]) -> Vec<F> {
    row.iter()
        .flat_map(|x| x.as_basis_coefficients_slice().to_vec())
        .collect()
}

/// A real WHIR opening (zkinfer-pcs' parameters, one column of 2^n, one claim) verified by p3 through the
/// recording challenger; then, in the EVM: the verifier's whole transcript replayed (every challenge, query
/// index and proof-of-work verdict equal to p3's) and every STIR Merkle opening verified by `Merkle.sol`
/// against the proof's roots at the trace's indices. Prints the trace, the gas of both parts and the opening's
/// calldata size for 2^16 and 2^20 (`--nocapture`).
#[test]
fn whir_transcript_and_merkle_openings_of_real_proofs() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut th = Harness::deploy(Contract::WhirHarness).expect("deploys");
    let mut mh = Harness::deploy(Contract::MerkleHarness).expect("deploys");
    for n in [16usize, 20] {
        let w = whir(n);
        let column: Vec<F> = (0..1usize << n)
            .map(|_| F::from_u64(rng.random()))
            .collect();
        let table = Table::new(RowMajorMatrix::new(column, 1 << n));
        let witness =
            PrefixProver::<F, EF>::new_witness(vec![table], PcsConfig::default().folding_factor);
        let point: Vec<EF> = (0..n)
            .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
            .collect();
        let protocol = OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(n, 1),
            vec![OpeningBatch::new(vec![0], Vec::new())],
        )]);
        let points = vec![Point::new(point)];
        let mut p = rec(b"trace");
        let (cap, data) = w.commit(witness, &mut p).expect("commits");
        let proof = w.open_at(data, &protocol, &points, &mut p).expect("opens");
        let mut v = rec(b"trace");
        w.observe_commitment(&cap, &mut v);
        let before = v.log.len();
        w.verify_at(&cap, &proof, &protocol, &points, &mut v)
            .expect("verifies");
        eprintln!(
            "=== 2^{n}: p3-whir verifier trace after the commitment ===\n{}",
            summary(&v.log[before..])
        );

        // 1. The whole transcript, replayed by the contract.
        let (data, want) = script(&v.log);
        let out = th
            .call(
                "runMeasured(bytes,bytes)",
                &[Token::Bytes(b"trace".to_vec()), Token::Bytes(data)],
            )
            .expect("runs");
        assert!(out.success, "{:?}", th.revert_error(&out));
        assert_eq!(decode_uint_array(&out.output, 0).expect("outs"), want);
        let transcript_gas = decode_uint(&out.output, 1).expect("gas");

        // 2. Every STIR Merkle opening, at the trace's indices, against the proof's roots.
        let phases = query_phases(&v.log);
        let whir_proof = &proof.whir;
        let mut roots = vec![cap.roots()[0]];
        for r in &whir_proof.rounds {
            roots.push(r.commitment.as_ref().expect("round commitment").roots()[0]);
        }
        let mut openings: Vec<&QueryOpenings<F, EF, _>> =
            whir_proof.rounds.iter().map(|r| &r.openings).collect();
        openings.push(&whir_proof.final_openings);
        assert_eq!(phases.len(), openings.len());
        let (mut merkle_gas, mut merkle_bytes, mut queries, mut mutations) =
            (0u64, 0usize, 0usize, 0);
        for (round, ((bits, indices), opening)) in phases.iter().zip(&openings).enumerate() {
            let (shape, opening) = match opening {
                QueryOpenings::Base(o) => (
                    RowShape {
                        width: o.rows[0].len(),
                        ext: false,
                        salt_elems: 0,
                    },
                    MerkleOpening {
                        rows: o.rows.iter().map(|r| flatten(r)).collect(),
                        salts: vec![vec![]; o.rows.len()],
                        siblings: o.proof.sibling_hashes.clone(),
                    },
                ),
                QueryOpenings::Extension(o) => (
                    RowShape {
                        width: o.rows[0].len(),
                        ext: true,
                        salt_elems: 0,
                    },
                    MerkleOpening {
                        rows: o.rows.iter().map(|r| flatten(r)).collect(),
                        salts: vec![vec![]; o.rows.len()],
                        siblings: o.proof.sibling_hashes.clone(),
                    },
                ),
            };
            let root = roots[round];
            rust_verdict(root, *bits, shape, indices, &opening, None).expect("p3 accepts");
            let bytes = encode_opening(&opening).expect("encodes");
            let call_with = |root: [u8; 32], indices: &[usize], bytes: &[u8]| {
                vec![
                    Token::Uint(U256::from_be_bytes(root)),
                    Token::Uint(U256::from(*bits)),
                    Token::Uint(U256::from(shape.width)),
                    Token::Uint(U256::from(shape.elem_bytes())),
                    Token::Uint(U256::from(0)),
                    Token::UintArray(indices.iter().map(|&i| U256::from(i)).collect()),
                    Token::Bytes(bytes.to_vec()),
                ]
            };
            let call = |root: [u8; 32], bytes: &[u8]| call_with(root, indices, bytes);
            let out = mh.call(MERKLE_VERIFY, &call(root, &bytes)).expect("runs");
            assert!(out.success, "round {round}: {:?}", mh.revert_error(&out));
            let gas = u64::try_from(decode_uint(&out.output, 1).expect("gas")).expect("fits");
            let read = decode_uint(&out.output, 2).expect("gas");
            eprintln!(
                "2^{n} round {round}: {} queries, tree of 2^{bits} rows × {} {}, {} siblings, {} bytes, {gas} gas ({read} reading and hashing rows)",
                indices.len(),
                shape.width,
                if shape.ext { "EF" } else { "F" },
                opening.siblings.len(),
                bytes.len()
            );
            // Mutations of this real opening: both p3 and the contract reject, with the same error.
            for m in 0..40 {
                let mut bad = bytes.clone();
                let mut idx = indices.clone();
                let mut bad_root = root;
                match m % 5 {
                    0 | 1 => {
                        let pos = rng.random_range(0..bad.len());
                        bad[pos] ^= rng.random_range(1..=255u8);
                    }
                    2 => {
                        let q = rng.random_range(0..idx.len());
                        idx[q] = (idx[q] + rng.random_range(1..1usize << bits)) % (1 << bits);
                    }
                    3 => bad_root = roots[(round + 1) % roots.len()],
                    _ => {
                        // Another round's indices (a phase swapped in), or one query dropped.
                        let other = &phases[(round + 1) % phases.len()].1;
                        idx = other.iter().map(|&i| i % (1 << bits)).collect();
                        idx.resize(indices.len(), 0);
                    }
                }
                let rust = zkinfer_evm::merkle::decode_opening(&bad, idx.len(), shape)
                    .map_err(|e| decode_name(&e))
                    .and_then(|o| {
                        rust_verdict(bad_root, *bits, shape, &idx, &o, None)
                            .map_err(|e| zkinfer_evm::merkle::merkle_error_name(&e))
                    });
                let out = mh
                    .call(MERKLE_VERIFY, &call_with(bad_root, &idx, &bad))
                    .expect("runs");
                let name = rust.expect_err("p3 rejects every mutation");
                assert!(
                    !out.success,
                    "round {round} mutation {m}: the contract accepts"
                );
                assert_eq!(
                    mh.revert_error(&out).map(|e| e.name),
                    Some(name.to_owned()),
                    "round {round} mutation {m}"
                );
                mutations += 1;
            }
            merkle_gas += gas;
            merkle_bytes += bytes.len();
            queries += indices.len();
        }
        eprintln!(
            "whir gas 2^{n}: transcript replay {transcript_gas} gas ({} sponge operations, script decoding included); \
             STIR Merkle openings {merkle_gas} gas for {queries} queries in {} phases, {merkle_bytes} bytes of openings; \
             {mutations} mutated openings rejected by both with the same error",
            v.log.len(),
            phases.len()
        );
    }
}
