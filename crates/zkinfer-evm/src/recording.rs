//! p3-whir driven through a recording challenger around the zkinfer transcript, with zkinfer-pcs' parameters:
//! what a WHIR verifier absorbs and draws, in order, and the verifying data of `WhirVerifier.sol` read off
//! such a trace ([`verifying_data`]; [`verifying_data_for`] runs a throwaway opening of the same instance).
//!
//! Why a recording run: p3 builds the transcript seeds of its sub-protocols with crate-private functions
//! (`DomainSeparator::seed_bytes`), so the seeds are taken from the sponge's input instead. Each is
//! self-delimiting (byte length, then 7-byte chunks), constant for a configuration, and checked by the
//! end-to-end tests (a wrong seed changes every later challenge).

use p3_challenger::{
    CanObserve, CanSample, CanSampleBits, CanSampleUniformBits, FieldChallenger,
    GrindingChallenger, ResamplingError,
};
use p3_commit::MultilinearPcs;
use p3_dft::Radix2DFTSmallBatch;
use p3_matrix::dense::RowMajorMatrix;
use p3_merkle_tree::MerkleCap;
use p3_multilinear_util::point::Point;
use p3_sumcheck::layout::{Layout, PrefixProver, Table};
use p3_sumcheck::{OpeningBatch, OpeningProtocol, PrescribedPointPcs, TableShape, TableSpec};
use p3_symmetric::{CompressionFunctionFromHasher, SerializingHasher};
use p3_whir::WhirProver;
use revm::primitives::U256;
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, PrimeField64, Transcript};
use zkinfer_pcs::Digest;
use zkinfer_pcs::TruncatedKeccak;
use zkinfer_pcs::hiding::{HidingParameters, SaltedKeccakMmcs, labels};
use zkinfer_pcs::{ColumnClaim, HidingCommitment, HidingOpeningProof, HidingPcs};
use zkinfer_pcs::{KeccakMmcs, PcsConfig};

use crate::whir::VerifyingData;

/// One primitive operation on the sponge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    /// Observe a base element.
    Observe(u64),
    /// Observe a digest ([`zkinfer_pcs::DIGEST_BYTES`] bytes).
    ObserveDigest(Digest),
    /// Sample a base element.
    Sample(u64),
    /// Sample bits (width, value).
    SampleBits(usize, usize),
    /// Check a PoW witness (bits, witness, verdict).
    CheckWitness(usize, u64, bool),
    /// Grind (bits, witness).
    Grind(usize, u64),
}

#[derive(Clone, Debug)]
/// A recording challenger around the zkinfer transcript: every primitive operation p3 plays on it, in order.
pub struct Rec {
    /// The transcript.
    pub t: Transcript,
    /// The operations so far.
    pub log: Vec<Ev>,
}

impl CanObserve<F> for Rec {
    fn observe(&mut self, x: F) {
        self.log.push(Ev::Observe(x.as_canonical_u64()));
        self.t.observe(x);
    }
}
impl CanObserve<MerkleCap<F, Digest>> for Rec {
    fn observe(&mut self, cap: MerkleCap<F, Digest>) {
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

/// zkinfer's labelled absorbs (`zkinfer_field::Transcript`'s), played on the recorded sponge: the label (one
/// element: `zkinfer_field::label_element`), a length where the transcript writes one, then the values, each
/// logged as the base-field observe it is.
impl Rec {
    fn observe_len(&mut self, len: usize) {
        self.observe(F::from_u64(len as u64));
    }

    fn label(&mut self, label: &[u8]) {
        self.observe(zkinfer_field::label_element(label));
    }

    /// `Transcript::absorb_fields`.
    pub fn absorb_fields(&mut self, label: &[u8], xs: &[F]) {
        self.label(label);
        self.observe_len(xs.len());
        for &x in xs {
            self.observe(x);
        }
    }

    /// `Transcript::absorb_u64` (its 8 little-endian bytes as a length-prefixed byte string of 7-byte chunks).
    pub fn absorb_u64(&mut self, label: &[u8], v: u64) {
        self.label(label);
        let bytes = v.to_le_bytes();
        self.observe_len(bytes.len());
        for chunk in bytes.chunks(7) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.observe(F::from_u64(u64::from_le_bytes(buf)));
        }
    }

    fn observe_ext(&mut self, x: EF) {
        let coefficients: &[F] = x.as_basis_coefficients_slice();
        for &c in coefficients {
            self.observe(c);
        }
    }

    /// `Transcript::absorb_ext`.
    pub fn absorb_ext(&mut self, label: &[u8], x: EF) {
        self.label(label);
        self.observe_ext(x);
    }

    /// `Transcript::absorb_exts`.
    pub fn absorb_exts(&mut self, label: &[u8], xs: &[EF]) {
        self.label(label);
        self.observe_len(xs.len());
        for &x in xs {
            self.observe_ext(x);
        }
    }
}

/// Summarises a trace as runs of the same kind of operation (observed values shown as text where they are).
pub fn summary(log: &[Ev]) -> String {
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

/// The verifier's trace as a `WhirHarness.run` script and the outputs it must produce.
///
/// # Panics
/// On a grind (a prover's operation) or a value that does not fit the script's fields.
pub fn script(log: &[Ev]) -> (Vec<u8>, Vec<U256>) {
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

/// The EF challenges of a trace, in order (each is two consecutive base samples).
///
/// # Panics
/// On an odd number of base samples.
pub fn ext_samples(log: &[Ev]) -> Vec<EF> {
    let s: Vec<u64> = log
        .iter()
        .filter_map(|e| {
            if let Ev::Sample(v) = e {
                Some(*v)
            } else {
                None
            }
        })
        .collect();
    s.chunks(2)
        .map(|c| EF::from_basis_coefficients_fn(|i| F::from_u64(c[i])))
        .collect()
}

/// The query phases of a trace: each maximal run of bit samples is one phase's indices.
pub fn query_phases(log: &[Ev]) -> Vec<(usize, Vec<usize>)> {
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

/// The FFT of zkinfer-pcs.
pub type Dft = Radix2DFTSmallBatch<F>;

/// zkinfer-pcs' WHIR instance, over the recording challenger.
pub type RecWhir = WhirProver<EF, F, Dft, KeccakMmcs, Rec, PrefixProver<F, EF>>;

/// zkinfer-pcs' Merkle scheme.
#[must_use]
pub fn mmcs() -> KeccakMmcs {
    KeccakMmcs::new(
        SerializingHasher::new(TruncatedKeccak),
        CompressionFunctionFromHasher::new(TruncatedKeccak),
        0,
    )
}

/// zkinfer-pcs' WHIR instance for a stack of `n` variables (grinding raised until feasible), over `Rec`.
///
/// # Panics
/// If no grinding budget up to `MAX_POW_BITS` configures.
#[must_use]
pub fn whir(n: usize) -> RecWhir {
    whir_with(&PcsConfig::default(), n)
}

/// [`whir`] under the commitment settings `cfg` (e.g. a masked opening's plain opening of `P₁`).
///
/// # Panics
/// As [`whir`].
#[must_use]
pub fn whir_with(cfg: &PcsConfig, n: usize) -> RecWhir {
    let mut params = cfg.protocol_parameters_for_bench(n);
    for pow in cfg.pow_bits..=zkinfer_pcs::MAX_POW_BITS {
        params.pow_bits = pow;
        if let Ok(c) = p3_whir::WhirConfig::new(n, params.clone()) {
            return RecWhir::new(c, Dft::default(), mmcs());
        }
    }
    panic!("no WHIR config for {n} variables");
}

/// A recording challenger on a fresh transcript bound to `ctx`.
#[must_use]
pub fn rec(ctx: &[u8]) -> Rec {
    Rec {
        t: Transcript::new(ctx),
        log: Vec::new(),
    }
}

/// The verifying data of `WhirVerifier.sol` for the instance `v.log` ran (the whole verifier trace,
/// commitment included), read off the trace: the seeds (constant, self-delimiting: byte length, then 7-byte
/// chunks) where the run absorbs them, the PoW difficulties where it checks them, the query counts.
///
/// # Panics
/// If the trace does not have the shape of a plain WHIR verification of `proof`.
#[must_use]
pub fn verifying_data(
    log: &[Ev],
    proof: &p3_whir::PcsProof<F, EF, KeccakMmcs>,
    n: usize,
) -> VerifyingData {
    verifying_data_with(&PcsConfig::default(), log, proof, n)
}

/// [`verifying_data`] of a run under the commitment settings `cfg`.
///
/// # Panics
/// As [`verifying_data`].
#[must_use]
pub fn verifying_data_with(
    cfg: &PcsConfig,
    log: &[Ev],
    proof: &p3_whir::PcsProof<F, EF, KeccakMmcs>,
    n: usize,
) -> VerifyingData {
    let fold = cfg.folding_factor;
    let mut pos = 0usize;
    let obs = |e: &Ev| {
        if let Ev::Observe(v) = e {
            Some(*v)
        } else {
            None
        }
    };
    let to_bytes = |vals: &[u64]| {
        vals.iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    let take_seed = |pos: &mut usize| {
        let len = obs(&log[*pos]).expect("a seed starts with its length") as usize;
        let count = 1 + len.div_ceil(7);
        let vals: Vec<u64> = log[*pos..*pos + count]
            .iter()
            .map(|e| obs(e).expect("seed"))
            .collect();
        *pos += count;
        to_bytes(&vals)
    };
    let take_until_sample = |pos: &mut usize| {
        let mut vals = Vec::new();
        while let Some(v) = obs(&log[*pos]) {
            vals.push(v);
            *pos += 1;
        }
        to_bytes(&vals)
    };
    let skip = |pos: &mut usize, k: usize| *pos += k;
    let pow_at = |pos: &mut usize| -> u8 {
        if let Ev::CheckWitness(b, _, _) = log[*pos] {
            *pos += 1;
            u8::try_from(b).expect("bits")
        } else {
            0
        }
    };
    let mut vd = VerifyingData {
        n: u8::try_from(n).expect("n"),
        fold: u8::try_from(fold).expect("fold"),
        init_ood: u8::try_from(proof.whir.initial_ood_answers.len()).expect("ood"),
        pcs_config: {
            let c = cfg;
            [
                c.security_bits,
                c.log_inv_rate,
                c.folding_factor,
                c.pow_bits,
                c.soundness as usize,
            ]
            .map(|x| u8::try_from(x).expect("small"))
        },
        columns: vec![(u8::try_from(n).expect("n"), 0, 0, Vec::new())],
        ..VerifyingData::default()
    };
    // Commitment: seed, digest.
    vd.seeds.push(take_seed(&mut pos));
    skip(&mut pos, 1);
    for _ in 0..vd.init_ood {
        vd.seeds.push(take_until_sample(&mut pos));
        skip(&mut pos, 4);
    }
    for batch in &proof.evals {
        vd.seeds.push(take_seed(&mut pos));
        skip(&mut pos, 2 * batch.current().len());
    }
    vd.seeds.push(take_until_sample(&mut pos));
    skip(&mut pos, 2);
    let phase = |pos: &mut usize, rounds: usize, seeds: &mut Vec<Vec<u8>>| -> u8 {
        let mut bits = 0;
        if rounds > 0 {
            seeds.push(take_seed(pos));
        }
        for _ in 0..rounds {
            skip(pos, 4);
            bits = pow_at(pos);
            skip(pos, 2);
        }
        bits
    };
    vd.init_fold_pow = phase(&mut pos, fold, &mut vd.seeds);
    for r in &proof.whir.rounds {
        skip(&mut pos, 1 + 4 * r.ood_answers.len());
        let qpow = pow_at(&mut pos);
        let (mut q, mut bits) = (0u16, 0u8);
        while let Ev::SampleBits(b, _) = log[pos] {
            q += 1;
            bits = u8::try_from(b).expect("bits");
            pos += 1;
        }
        skip(&mut pos, 2);
        let fpow = phase(&mut pos, fold, &mut vd.seeds);
        vd.rounds.push((
            u8::try_from(r.ood_answers.len()).expect("ood"),
            qpow,
            fpow,
            q,
            bits,
        ));
    }
    let final_len = proof
        .whir
        .final_poly
        .as_ref()
        .expect("final")
        .as_slice()
        .len();
    skip(&mut pos, 2 * final_len);
    vd.final_query_pow = pow_at(&mut pos);
    while let Ev::SampleBits(b, _) = log[pos] {
        vd.final_queries += 1;
        vd.final_bits = u8::try_from(b).expect("bits");
        pos += 1;
    }
    vd.final_rounds = u8::try_from(final_len.trailing_zeros()).expect("rounds");
    vd.final_fold_pow = phase(&mut pos, usize::from(vd.final_rounds), &mut vd.seeds);
    assert_eq!(pos, log.len(), "the whole trace is accounted for");
    vd
}

/// The verifying data of `WhirVerifier.sol` for zkinfer-pcs' plain WHIR instance of a stack of `n`
/// variables with one claim: runs a throwaway commit/open/verify of a zero column through [`Rec`] and reads
/// the data off the verifier's trace.
///
/// # Panics
/// If p3 cannot configure or run the instance (as [`whir`]).
#[must_use]
pub fn verifying_data_for(n: usize) -> VerifyingData {
    let w = whir(n);
    let table = Table::new(RowMajorMatrix::new(vec![F::ZERO; 1 << n], 1 << n));
    let witness =
        PrefixProver::<F, EF>::new_witness(vec![table], PcsConfig::default().folding_factor);
    let protocol = OpeningProtocol::new(vec![TableSpec::new(
        TableShape::new(n, 1),
        vec![OpeningBatch::new(vec![0], Vec::new())],
    )]);
    let points = vec![Point::new(vec![EF::ONE; n])];
    let mut p = rec(b"setup");
    let (cap, data) = match w.commit(witness, &mut p) {
        Ok(x) => x,
        Err(e) => panic!("commit: {e}"),
    };
    let proof = match w.open_at(data, &protocol, &points, &mut p) {
        Ok(x) => x,
        Err(e) => panic!("open: {e}"),
    };
    let mut v = rec(b"setup");
    w.observe_commitment(&cap, &mut v);
    if let Err(e) = w.verify_at(&cap, &proof, &protocol, &points, &mut v) {
        panic!("verify: {e}");
    }
    verifying_data(&v.log, &proof, n)
}

/// The verifying data of `WhirVerifier.verifyPcs` for a zkinfer-pcs `Pcs` commitment of columns of
/// `num_vars[c]` variables opened with one claim per entry of `claim_columns` (in that order): the stack
/// laid out as zkinfer-pcs lays it out (columns padded to the folding factor, one p3 table per padded size,
/// largest first, columns in commit order, each in a power-of-two-aligned slot), each column's lift (zero
/// padding before the point, its slot's selector bits reversed after it: p3's `PrefixProver` interleaves) and
/// rank, and the seeds of that instance from a
/// throwaway recording run.
///
/// # Panics
/// On no columns or a claim on a column that does not exist, or if p3 cannot run the instance.
#[must_use]
pub fn verifying_data_for_columns(num_vars: &[usize], claim_columns: &[usize]) -> VerifyingData {
    verifying_data_for_columns_with(&PcsConfig::default(), num_vars, claim_columns)
}

/// [`verifying_data_for_columns`] under the commitment settings `cfg`.
///
/// # Panics
/// As [`verifying_data_for_columns`].
#[must_use]
pub fn verifying_data_for_columns_with(
    cfg: &PcsConfig,
    num_vars: &[usize],
    claim_columns: &[usize],
) -> VerifyingData {
    let r = record_columns_with(cfg, num_vars, claim_columns);
    let mut vd = verifying_data_with(cfg, &r.log, &r.proof, r.n);
    vd.columns = r.columns;
    vd
}

/// A throwaway opening of a zkinfer-pcs-shaped stack through [`Rec`] (see [`verifying_data_for_columns`]).
pub struct Recorded {
    /// Stacked variables.
    pub n: usize,
    /// The proof.
    pub proof: p3_whir::PcsProof<F, EF, KeccakMmcs>,
    /// The verifier's trace (commitment included).
    pub log: Vec<Ev>,
    /// The claims' points as p3 took them (zero padding, then the column's point), in schedule order.
    pub points: Vec<Vec<EF>>,
    /// Per column: variables, rank, zero padding, selector suffix.
    pub columns: Vec<(u8, u8, u8, Vec<u8>)>,
}

impl std::fmt::Debug for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorded")
            .field("n", &self.n)
            .field("trace", &self.log.len())
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

/// Runs the throwaway opening of [`verifying_data_for_columns`].
///
/// # Panics
/// As [`verifying_data_for_columns`].
#[must_use]
pub fn record_columns(num_vars: &[usize], claim_columns: &[usize]) -> Recorded {
    record_columns_with(&PcsConfig::default(), num_vars, claim_columns)
}

/// [`record_columns`] under the commitment settings `cfg`.
///
/// # Panics
/// As [`verifying_data_for_columns`].
#[must_use]
pub fn record_columns_with(
    cfg: &PcsConfig,
    num_vars: &[usize],
    claim_columns: &[usize],
) -> Recorded {
    let fold = cfg.folding_factor;
    let arity: Vec<usize> = num_vars.iter().map(|&v| v.max(fold)).collect();
    let mut arities = arity.clone();
    arities.sort_unstable_by(|a, b| b.cmp(a));
    arities.dedup();
    let total: u128 = arity.iter().map(|&a| 1u128 << a).sum();
    let n = (u128::BITS - (total - 1).leading_zeros()) as usize;
    let tables: Vec<Vec<usize>> = arities
        .iter()
        .map(|&a| (0..num_vars.len()).filter(|&c| arity[c] == a).collect())
        .collect();
    // p3's `PrefixProver` stacks with `Witness::new_interleaved`: P(local bits, selector bits), each
    // selector's bit string reversed; a claim's stacked point is (zero padding ‖ point ‖ reversed selector
    // bits) (`lift_suffix`).
    let mut columns = vec![(0u8, 0u8, 0u8, Vec::new()); num_vars.len()];
    let mut offset = 0usize;
    for (t, cols) in tables.iter().enumerate() {
        let a = arities[t];
        for &c in cols {
            let slot = offset >> a;
            let sel = n - a;
            let mut bits: Vec<u8> = (0..sel)
                .map(|i| ((slot >> (sel - 1 - i)) & 1) as u8)
                .collect();
            bits.reverse();
            columns[c] = (
                u8::try_from(num_vars[c]).expect("vars"),
                u8::try_from(t).expect("rank"),
                u8::try_from(a - num_vars[c]).expect("pad"),
                bits,
            );
            offset += 1 << a;
        }
    }
    let w = whir_with(cfg, n);
    let p3_tables = tables
        .iter()
        .enumerate()
        .map(|(t, cols)| {
            let h = 1usize << arities[t];
            Table::new(RowMajorMatrix::new(vec![F::ZERO; h * cols.len()], h))
        })
        .collect();
    let witness = PrefixProver::<F, EF>::new_witness(p3_tables, fold);
    let mut specs = Vec::new();
    let mut points = Vec::new();
    for (t, cols) in tables.iter().enumerate() {
        let mut schedule = Vec::new();
        for &c in claim_columns {
            if arity[c] == arities[t] {
                let slot = cols
                    .iter()
                    .position(|&x| x == c)
                    .expect("column in its table");
                schedule.push(OpeningBatch::new(vec![slot], Vec::new()));
                let mut lifted = vec![EF::ZERO; arities[t] - num_vars[c]];
                lifted.extend(vec![EF::ONE; num_vars[c]]);
                points.push(Point::new(lifted));
            }
        }
        specs.push(TableSpec::new(
            TableShape::new(arities[t], cols.len()),
            schedule,
        ));
    }
    let protocol = OpeningProtocol::new(specs);
    let mut p = rec(b"setup");
    let (cap, data) = match w.commit(witness, &mut p) {
        Ok(x) => x,
        Err(e) => panic!("commit: {e}"),
    };
    let proof = match w.open_at(data, &protocol, &points, &mut p) {
        Ok(x) => x,
        Err(e) => panic!("open: {e}"),
    };
    let mut v = rec(b"setup");
    w.observe_commitment(&cap, &mut v);
    if let Err(e) = w.verify_at(&cap, &proof, &protocol, &points, &mut v) {
        panic!("verify: {e}");
    }
    Recorded {
        n,
        proof,
        log: v.log,
        points: points.iter().map(|p| p.as_slice().to_vec()).collect(),
        columns,
    }
}

/// zkinfer-pcs' hiding instance (p3-whir's HVZK-WHIR over the salted tree), over `Rec`.
pub type RecHidingWhir =
    p3_whir::HidingWhirPcs<EF, F, Dft, SaltedKeccakMmcs, Rec, rand_zk::rngs::StdRng>;

/// The salted tree with a fixed generator (verification never draws from it).
#[must_use]
pub fn salted_mmcs() -> SaltedKeccakMmcs {
    SaltedKeccakMmcs::new(
        SerializingHasher::new(TruncatedKeccak),
        CompressionFunctionFromHasher::new(TruncatedKeccak),
        0,
        <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(0),
    )
}

/// The hiding configuration of `parameters` (from [`HidingPcs::p3_parameters`]) over `Rec`.
///
/// # Errors
/// p3's configuration error, as text.
pub fn hiding_config(
    parameters: &HidingParameters,
) -> Result<p3_whir::ZkWhirConfig<EF, F, Rec>, String> {
    p3_whir::ZkWhirConfig::new_reusable(
        parameters.stacked_vars,
        parameters.protocol.clone(),
        parameters.zk.clone(),
        parameters.uses,
    )
    .map_err(|e| e.to_string())
}

/// The hiding instance of `parameters` (from [`HidingPcs::p3_parameters`]) over `Rec`.
///
/// # Errors
/// p3's configuration error, as text.
pub fn hiding_whir(parameters: &HidingParameters) -> Result<RecHidingWhir, String> {
    let config = hiding_config(parameters)?;
    Ok(RecHidingWhir::new(
        config,
        Dft::default(),
        salted_mmcs(),
        <rand_zk::rngs::StdRng as rand_zk::SeedableRng>::seed_from_u64(0),
    ))
}

/// A hiding opening's verification, recorded: `HidingPcs::absorb_commitment` + `HidingPcs::verify` played on
/// [`Rec`] (zkinfer's labelled absorbs of the configuration, the column shapes and the claims; p3-whir's
/// commitment phase, claim binding and HVZK-WHIR verifier on the same instance).
#[derive(Debug)]
pub struct HidingRecord {
    /// Every sponge operation, from the transcript's creation on.
    pub log: Vec<Ev>,
    /// The recording challenger after the run (its transcript is where the real verifier's ends).
    pub rec: Rec,
    /// Variables of the stacked polynomial.
    pub stacked_vars: usize,
    /// p3-whir's verdict.
    pub verdict: Result<(), p3_whir::ZkVerifierError>,
}

/// Records the verification of `proof` (claims `claims` on `commitment`) on a transcript created with
/// `context`, as [`HidingPcs::absorb_commitment`] then [`HidingPcs::verify`] play it (a one-time commitment,
/// column claims only).
///
/// # Errors
/// The commitment's or the claims' shape errors (`PcsError`, as text), before any p3 verification.
pub fn record_hiding(
    pcs: &HidingPcs,
    commitment: &HidingCommitment,
    claims: &[ColumnClaim],
    proof: &HidingOpeningProof,
    context: &[u8],
) -> Result<HidingRecord, String> {
    let parameters = pcs.p3_parameters(commitment).map_err(|e| e.to_string())?;
    let whir = hiding_whir(&parameters)?;
    let (stacked_vars, points) = pcs.lift(commitment, claims).map_err(|e| e.to_string())?;
    let mut v = rec(context);
    v.absorb_fields(labels::LABEL_CONFIG, &pcs.absorbed_config(stacked_vars));
    let shapes: Vec<F> = commitment
        .num_vars()
        .iter()
        .map(|&n| F::from_u32(n))
        .collect();
    v.absorb_fields(labels::LABEL_SHAPES, &shapes);
    let cap = MerkleCap::new(vec![commitment.root()]);
    whir.observe_commitment(&cap, &mut v);
    for claim in claims {
        v.absorb_u64(labels::LABEL_CLAIM_COLUMN, claim.column as u64);
        v.absorb_exts(labels::LABEL_CLAIM_POINT, &claim.point);
        v.absorb_ext(labels::LABEL_CLAIM_VALUE, claim.value);
    }
    let points = points.into_iter().map(Point::new).collect();
    let verdict = whir.verify(&cap, proof.p3_proof(), &mut v, points);
    Ok(HidingRecord {
        log: v.log.clone(),
        rec: v,
        stacked_vars,
        verdict,
    })
}

/// The positions a hiding verification draws, read off its trace `log` ([`record_hiding`]) in the order it
/// draws them, each as (log₂ of the tree's height, positions): every code-switching round's STIR queries on
/// the previous oracle, then the base case's source positions (shared by the source oracle and the fresh main
/// mask), then one set per mask group: its blind site's (p3's base case draws once for the groups of one
/// codeword length, shared by their carried trees and the site's one fresh-blind tree). A site whose draw
/// count is 0 opens every position and draws nothing (p3's `play_positions`).
///
/// # Errors
/// If the trace does not have the proof's shape (too few or too many draws, another index width).
pub fn hiding_positions(
    log: &[Ev],
    proof: &p3_whir::ZkWhirProof<F, EF, SaltedKeccakMmcs>,
    parameters: &HidingParameters,
) -> Result<Vec<(usize, Vec<usize>)>, String> {
    let config = hiding_config(parameters)?;
    let base = config.base_case_config();
    let shape = p3_whir::ZkBaseCaseShape::new(&base);
    let mut samples = log.iter().filter_map(|e| match e {
        Ev::SampleBits(b, v) => Some((*b, *v)),
        _ => None,
    });
    let mut take = |width: Option<usize>, draws: usize| -> Result<(usize, Vec<usize>), String> {
        let mut out = Vec::with_capacity(draws);
        let mut bits = width;
        for _ in 0..draws {
            let (b, v) = samples.next().ok_or("the trace has too few draws")?;
            if *bits.get_or_insert(b) != b {
                return Err(format!("a draw of {b} bits where {bits:?} were expected"));
            }
            out.push(v);
        }
        let bits = bits.ok_or("a site with neither draws nor a width")?;
        if draws == 0 {
            out = (0..1usize << bits).collect();
        }
        Ok((bits, out))
    };
    let mut sites = Vec::new();
    for round in &proof.rounds {
        let rows = match &round.openings {
            p3_whir::QueryOpenings::Base(o) => o.rows.len(),
            p3_whir::QueryOpenings::Extension(o) => o.rows.len(),
        };
        sites.push(take(None, rows)?);
    }
    sites.push(take(
        Some(shape.source_index_bits()),
        shape.source_query_draws(),
    )?);
    // One draw per blind site (the groups of one codeword length), handed to each of its groups.
    let blind_sites = shape.sites();
    let mut per_group = vec![None; base.mask_groups.len()];
    for (site, groups) in blind_sites.iter().enumerate() {
        let (width, draws) = shape.mask_query_site(site);
        let drawn = take(Some(width), draws)?;
        for &g in groups {
            per_group[g] = Some(drawn.clone());
        }
    }
    sites.extend(per_group.into_iter().flatten());
    if samples.next().is_some() {
        return Err("the trace has more draws than the proof's sites".to_owned());
    }
    Ok(sites)
}
