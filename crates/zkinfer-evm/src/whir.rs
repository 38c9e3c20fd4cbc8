//! The Rust side of `solidity/src/Whir.sol`: the constants a WHIR verifier contract needs from the
//! configuration, pre-encoded as the bytes the contract absorbs.
//!
//! p3-whir seeds every sub-protocol it runs on the transcript (the WHIR run itself, each delegated sumcheck)
//! with a domain separator: a byte string fixed by the configuration, absorbed through p3's
//! `TranscriptField::observe_seed` as field elements (the length, then 7-byte little-endian chunks). The
//! contract does not rebuild these strings: [`encode_seed`] turns one into the exact bytes the transcript
//! absorbs (8 little-endian bytes per element), to be carried in the verifying data and absorbed with
//! `KeccakTranscript.observeRaw`.

/// The bytes the zkinfer transcript absorbs when p3 observes `seed` with `observe_seed` (Goldilocks: 7 bytes
/// per element): the length, then each 7-byte chunk read little-endian, each element as 8 little-endian bytes.
#[must_use]
pub fn encode_seed(seed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 * (1 + seed.len().div_ceil(7)));
    out.extend_from_slice(&(seed.len() as u64).to_le_bytes());
    for chunk in seed.chunks(7) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        out.extend_from_slice(&w);
    }
    out
}

use p3_field::{Field, TwoAdicField};
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use zkinfer_field::{EF, F, PrimeCharacteristicRing};
use zkinfer_pcs::DIGEST_BYTES;

use crate::encoding::{DecodeError, Reader, put_ext};
use crate::merkle::MerkleOpening;

/// One STIR query: its index in the folded domain and the opened row (F rows lifted to EF).
pub type Query = (u64, Vec<EF>);

/// One intermediate WHIR round: its out-of-domain (point challenge, answer) pairs, the round batching
/// challenge γ, the index width of its queries and the queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgebraRound {
    /// (z, answer) per OOD sample.
    pub ood: Vec<(EF, EF)>,
    /// γ.
    pub gamma: EF,
    /// log₂ of the folded domain the indices live in.
    pub bits: u8,
    /// The queries (rows of the previous oracle).
    pub queries: Vec<Query>,
}

/// Everything the algebra of a plain WHIR opening reads (one claim), with the challenges **given** (taken
/// from the transcript, which `KeccakTranscript` replays separately: see `tests/whir_trace.rs`): the claim
/// chain through every sumcheck phase, the OOD and STIR constraints with their batching powers, the final
/// queries against the final polynomial, and the closing identity. `solidity/src/WhirAlgebra.sol` reads
/// [`WhirAlgebra::encode`]'s bytes; [`WhirAlgebra::check`] is its Rust twin, error for error.
///
/// NOT the whole WHIR verifier: the challenges are inputs here; tying them to the transcript in one
/// contract (and the seeds as verifying data) is the remaining step (README, "WHIR verifier: status").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhirAlgebra {
    /// Variables of the stacked polynomial.
    pub n: u8,
    /// Variables folded per phase.
    pub fold: u8,
    /// The claims in p3's schedule order: each point lifted into the stack (n coordinates) and its value.
    pub claims: Vec<(Vec<EF>, EF)>,
    /// The layout's out-of-domain (z, answer) pairs.
    pub init_ood: Vec<(EF, EF)>,
    /// The claim batching challenge α.
    pub alpha: EF,
    /// Per sumcheck phase (initial, one per round, final): per round (h(0), h(∞), challenge).
    pub phases: Vec<Vec<[EF; 3]>>,
    /// The intermediate rounds.
    pub rounds: Vec<AlgebraRound>,
    /// The final polynomial.
    pub final_poly: Vec<EF>,
    /// log₂ of the final folded domain.
    pub final_bits: u8,
    /// The final queries.
    pub final_queries: Vec<Query>,
}

/// Why the algebra was rejected (the contract's error names).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlgebraError {
    /// The bytes did not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Counts or lengths inconsistent with each other (`what` says which).
    #[error("inconsistent shape ({what})")]
    BadShape {
        /// Which check.
        what: u64,
    },
    /// A final query's fold differs from the final polynomial at its point.
    #[error("final query {query} does not match the final polynomial")]
    FinalQueryMismatch {
        /// Which query.
        query: u64,
    },
    /// claim ≠ W(r) · f̂(r_final).
    #[error("the closing identity of WHIR fails")]
    ClosingIdentityFailed,
}

impl AlgebraError {
    /// The contract's error name.
    #[must_use]
    pub fn solidity_name(&self) -> &'static str {
        match self {
            Self::Decode(DecodeError::Truncated { .. }) => "Truncated",
            Self::Decode(DecodeError::NonCanonical { .. }) => "NonCanonical",
            Self::Decode(DecodeError::TrailingBytes { .. }) => "TrailingBytes",
            Self::Decode(_) => "Encode",
            Self::BadShape { .. } => "BadShape",
            Self::FinalQueryMismatch { .. } => "FinalQueryMismatch",
            Self::ClosingIdentityFailed => "ClosingIdentityFailed",
        }
    }
}

fn put_queries(out: &mut Vec<u8>, qs: &[Query]) {
    out.extend_from_slice(&(qs.len() as u16).to_be_bytes());
    for (i, row) in qs {
        out.extend_from_slice(&(*i as u32).to_be_bytes());
        out.push(row.len() as u8);
        for &x in row {
            put_ext(out, x);
        }
    }
}

fn read_queries(r: &mut Reader<'_>) -> Result<Vec<Query>, DecodeError> {
    let n = r.read_uint(2)?;
    let mut qs = Vec::new();
    for _ in 0..n {
        let i = r.read_uint(4)?;
        let len = r.read_uint(1)?;
        let row = (0..len).map(|_| r.read_ext()).collect::<Result<_, _>>()?;
        qs.push((i, row));
    }
    Ok(qs)
}

fn read_pairs(r: &mut Reader<'_>) -> Result<Vec<(EF, EF)>, DecodeError> {
    let n = r.read_uint(1)?;
    (0..n).map(|_| Ok((r.read_ext()?, r.read_ext()?))).collect()
}

impl WhirAlgebra {
    /// The contract's message (integers big-endian, EF as in [`crate::encoding`]): n, fold (1 byte each); the
    /// claims (1-byte count; per claim its lifted point (n EF) and its value); the OOD pairs (1-byte count); α; the phases (1-byte count; per phase a 1-byte
    /// round count, then h(0), h(∞), r per round); the rounds (1-byte count; per round the OOD pairs, γ, the
    /// index width (1 byte), the queries); the final polynomial (1-byte count), its index width, its queries.
    /// Queries: 2-byte count; per query a 4-byte index, a 1-byte row length and the row.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.n, self.fold, self.claims.len() as u8];
        for (point, value) in &self.claims {
            for &x in point {
                put_ext(&mut out, x);
            }
            put_ext(&mut out, *value);
        }
        out.push(self.init_ood.len() as u8);
        for &(z, y) in &self.init_ood {
            put_ext(&mut out, z);
            put_ext(&mut out, y);
        }
        put_ext(&mut out, self.alpha);
        out.push(self.phases.len() as u8);
        for p in &self.phases {
            out.push(p.len() as u8);
            for v in p {
                for &x in v {
                    put_ext(&mut out, x);
                }
            }
        }
        out.push(self.rounds.len() as u8);
        for rd in &self.rounds {
            out.push(rd.ood.len() as u8);
            for &(z, y) in &rd.ood {
                put_ext(&mut out, z);
                put_ext(&mut out, y);
            }
            put_ext(&mut out, rd.gamma);
            out.push(rd.bits);
            put_queries(&mut out, &rd.queries);
        }
        out.push(self.final_poly.len() as u8);
        for &x in &self.final_poly {
            put_ext(&mut out, x);
        }
        out.push(self.final_bits);
        put_queries(&mut out, &self.final_queries);
        out
    }

    /// Decodes [`Self::encode`]'s bytes as the contract does.
    ///
    /// # Errors
    /// [`DecodeError`].
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(data);
        let n = r.read_uint(1)? as u8;
        let fold = r.read_uint(1)? as u8;
        let nc = r.read_uint(1)?;
        let mut claims = Vec::new();
        for _ in 0..nc {
            let point = (0..n).map(|_| r.read_ext()).collect::<Result<_, _>>()?;
            claims.push((point, r.read_ext()?));
        }
        let init_ood = read_pairs(&mut r)?;
        let alpha = r.read_ext()?;
        let np = r.read_uint(1)?;
        let mut phases = Vec::new();
        for _ in 0..np {
            let k = r.read_uint(1)?;
            let mut p = Vec::new();
            for _ in 0..k {
                p.push([r.read_ext()?, r.read_ext()?, r.read_ext()?]);
            }
            phases.push(p);
        }
        let nr = r.read_uint(1)?;
        let mut rounds = Vec::new();
        for _ in 0..nr {
            let ood = read_pairs(&mut r)?;
            let gamma = r.read_ext()?;
            let bits = r.read_uint(1)? as u8;
            let queries = read_queries(&mut r)?;
            rounds.push(AlgebraRound {
                ood,
                gamma,
                bits,
                queries,
            });
        }
        let nf = r.read_uint(1)?;
        let final_poly = (0..nf).map(|_| r.read_ext()).collect::<Result<_, _>>()?;
        let final_bits = r.read_uint(1)? as u8;
        let final_queries = read_queries(&mut r)?;
        r.finish()?;
        Ok(Self {
            n,
            fold,
            claims,
            init_ood,
            alpha,
            phases,
            rounds,
            final_poly,
            final_bits,
            final_queries,
        })
    }

    /// The checks, in the contract's order: shapes, the claim chain with the final queries, the closing
    /// identity.
    ///
    /// # Errors
    /// [`AlgebraError`].
    pub fn check(&self) -> Result<(), AlgebraError> {
        let n = usize::from(self.n);
        let fold = usize::from(self.fold);
        let bad = |what| Err(AlgebraError::BadShape { what });
        if self.claims.is_empty() {
            return bad(6);
        }
        if self.phases.len() != self.rounds.len() + 2 {
            return bad(1);
        }
        if self.phases.iter().map(Vec::len).sum::<usize>() != n {
            return bad(2);
        }
        for (i, p) in self.phases.iter().enumerate() {
            if i + 1 < self.phases.len() && p.len() != fold {
                return bad(3);
            }
        }
        let last = self.phases.len() - 1;
        if self.phases[last].len() >= 32 || self.final_poly.len() != 1 << self.phases[last].len() {
            return bad(4);
        }
        let queries = self.rounds.iter().map(|r| (&r.queries, r.bits));
        for (qs, bits) in queries.chain([(&self.final_queries, self.final_bits)]) {
            for (i, row) in qs {
                if fold >= 32 || row.len() != 1 << fold || bits >= 32 || *i >> bits != 0 {
                    return bad(5);
                }
            }
        }
        let rs = |p: &Vec<[EF; 3]>| -> Vec<EF> { p.iter().map(|v| v[2]).collect() };
        let reduce = |claim: EF, v: &[EF; 3]| {
            let (h0, hinf, r) = (v[0], v[1], v[2]);
            h0 + r * (claim - h0 - h0 + hinf * (r - EF::ONE))
        };
        let fold_row =
            |row: &[EF], r: &[EF]| Poly::new(row.to_vec()).eval_ext::<F>(&Point::new(r.to_vec()));
        let omega = |bits: u8, i: u64| F::two_adic_generator(usize::from(bits)).exp_u64(i);
        let mut claim = EF::ZERO;
        let mut pw = EF::ONE;
        for (_, v) in &self.claims {
            claim += pw * *v;
            pw *= self.alpha;
        }
        for &(_, y) in &self.init_ood {
            claim += pw * y;
            pw *= self.alpha;
        }
        for v in &self.phases[0] {
            claim = reduce(claim, v);
        }
        for (i, rd) in self.rounds.iter().enumerate() {
            let prev = rs(&self.phases[i]);
            let mut pw = rd.gamma;
            for &(_, y) in &rd.ood {
                claim += pw * y;
                pw *= rd.gamma;
            }
            for (_, row) in &rd.queries {
                claim += pw * fold_row(row, &prev);
                pw *= rd.gamma;
            }
            for v in &self.phases[i + 1] {
                claim = reduce(claim, v);
            }
        }
        let prev = rs(&self.phases[last - 1]);
        for (q, (i, row)) in self.final_queries.iter().enumerate() {
            let x = omega(self.final_bits, *i);
            let mut acc = EF::ZERO;
            for &c in self.final_poly.iter().rev() {
                acc = acc * x + c;
            }
            if acc != fold_row(row, &prev) {
                return Err(AlgebraError::FinalQueryMismatch { query: q as u64 });
            }
        }
        for v in &self.phases[last] {
            claim = reduce(claim, v);
        }
        let full: Vec<EF> = self.phases.iter().flat_map(rs).collect();
        let local = |nv: usize| &full[full.len() - nv..];
        let eq_expanded = |z: EF, loc: &[EF]| {
            Point::eval_eq(Point::expand_from_univariate(z, loc.len()).as_slice(), loc)
        };
        let mut w = EF::ZERO;
        let mut pw = EF::ONE;
        for (p, _) in &self.claims {
            w += pw * Point::eval_eq(p, local(n));
            pw *= self.alpha;
        }
        for &(z, _) in &self.init_ood {
            w += pw * eq_expanded(z, local(n));
            pw *= self.alpha;
        }
        for (i, rd) in self.rounds.iter().enumerate() {
            let loc = local(n - fold * (i + 1));
            let mut pw = rd.gamma;
            for &(z, _) in &rd.ood {
                w += pw * eq_expanded(z, loc);
                pw *= rd.gamma;
            }
            for (idx, _) in &rd.queries {
                w += pw * Point::eval_select(omega(rd.bits, *idx), loc);
                pw *= rd.gamma;
            }
        }
        let f =
            Poly::new(self.final_poly.clone()).eval_ext::<F>(&Point::new(rs(&self.phases[last])));
        let _ = EF::ONE.inverse();
        if claim == w * f {
            Ok(())
        } else {
            Err(AlgebraError::ClosingIdentityFailed)
        }
    }
}

/// The verifying data of `WhirVerifier.sol` for one WHIR instance: the shape of the run and the seeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyingData {
    /// Variables of the stacked polynomial.
    pub n: u8,
    /// Variables folded per phase.
    pub fold: u8,
    /// The layout's out-of-domain samples.
    pub init_ood: u8,
    /// PoW bits of the initial sumcheck's rounds.
    pub init_fold_pow: u8,
    /// Per round: (OOD samples, query PoW bits, folding PoW bits, queries, index width).
    pub rounds: Vec<(u8, u8, u8, u16, u8)>,
    /// Final query PoW bits.
    pub final_query_pow: u8,
    /// Final queries.
    pub final_queries: u16,
    /// Final index width.
    pub final_bits: u8,
    /// Rounds of the final sumcheck (the final polynomial has 2^this evaluations).
    pub final_rounds: u8,
    /// PoW bits of the final sumcheck's rounds.
    pub final_fold_pow: u8,
    /// The seeds, in the order the run absorbs them (each already as the bytes the transcript absorbs:
    /// [`encode_seed`] of p3's seed string).
    pub seeds: Vec<Vec<u8>>,
    /// zkinfer-pcs' `PcsConfig` as `Pcs` absorbs it: security bits, log inverse rate, folding factor,
    /// starting PoW bits, soundness regime (`as usize`).
    pub pcs_config: [u8; 5],
    /// Per committed column: its variables, its table's rank in p3's schedule, the zero padding before a
    /// claim point and the selector bits (0/1, reversed) after it that lift the point into the stack.
    pub columns: Vec<(u8, u8, u8, Vec<u8>)>,
}

impl VerifyingData {
    /// The contract's encoding (see `WhirVerifier.sol`).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.n, self.fold, self.init_ood, self.init_fold_pow];
        out.push(self.rounds.len() as u8);
        for &(ood, qpow, fpow, q, bits) in &self.rounds {
            out.extend_from_slice(&[ood, qpow, fpow]);
            out.extend_from_slice(&q.to_be_bytes());
            out.push(bits);
        }
        out.push(self.final_query_pow);
        out.extend_from_slice(&self.final_queries.to_be_bytes());
        out.extend_from_slice(&[self.final_bits, self.final_rounds, self.final_fold_pow]);
        out.push(self.seeds.len() as u8);
        for s in &self.seeds {
            out.extend_from_slice(&(s.len() as u16).to_be_bytes());
            out.extend_from_slice(s);
        }
        out.extend_from_slice(&self.pcs_config);
        out.extend_from_slice(&(self.columns.len() as u16).to_be_bytes());
        for (vars, rank, pad, suffix) in &self.columns {
            out.extend_from_slice(&[*vars, *rank, *pad, suffix.len() as u8]);
            out.extend_from_slice(suffix);
        }
        out
    }
}

type WhirPcsProof = p3_whir::PcsProof<F, EF, zkinfer_pcs::KeccakMmcs>;

fn put_opening(
    out: &mut Vec<u8>,
    o: &p3_whir::QueryOpenings<F, EF, p3_merkle_tree::PrunedMerklePaths<u8, DIGEST_BYTES>>,
) -> Result<(), DecodeError> {
    let (_, opening) =
        MerkleOpening::from_queries(o, |p, n| (vec![vec![]; n], p.sibling_hashes.clone()));
    out.extend_from_slice(&crate::merkle::encode_opening(&opening)?);
    Ok(())
}

pub(crate) fn put_witness(out: &mut Vec<u8>, bits: u8, w: F) {
    use p3_field::PrimeField64;
    if bits > 0 {
        out.extend_from_slice(&w.as_canonical_u64().to_be_bytes());
    }
}

fn put_sumcheck(out: &mut Vec<u8>, s: &p3_sumcheck::SumcheckData<F, EF>, bits: u8) {
    for (k, [h0, hinf]) in s.polynomial_evaluations.iter().enumerate() {
        put_ext(out, *h0);
        put_ext(out, *hinf);
        put_witness(
            out,
            bits,
            s.pow_witnesses.get(k).copied().unwrap_or(F::ZERO),
        );
    }
}

/// The calldata of `WhirVerifier.sol` for a plain WHIR opening with one claim (`proof.evals` holds its value):
/// the values in the order the transcript takes them.
///
/// # Errors
/// [`DecodeError::TooLong`] if an opening has more than 65,535 siblings.
pub fn encode_proof(proof: &WhirPcsProof, vd: &VerifyingData) -> Result<Vec<u8>, DecodeError> {
    let w = &proof.whir;
    let mut out = Vec::new();
    for &y in &w.initial_ood_answers {
        put_ext(&mut out, y);
    }
    for batch in &proof.evals {
        for &v in batch.current() {
            put_ext(&mut out, v);
        }
    }
    put_sumcheck(&mut out, &w.initial_sumcheck, vd.init_fold_pow);
    for (r, &(_, qpow, fpow, _, _)) in w.rounds.iter().zip(&vd.rounds) {
        let root = r
            .commitment
            .as_ref()
            .map(|c| c.roots()[0])
            .unwrap_or_default();
        out.extend_from_slice(&root);
        for &y in &r.ood_answers {
            put_ext(&mut out, y);
        }
        put_witness(&mut out, qpow, r.pow_witness);
        put_opening(&mut out, &r.openings)?;
        put_sumcheck(&mut out, &r.sumcheck, fpow);
    }
    for &c in w.final_poly.as_ref().map(Poly::as_slice).unwrap_or(&[]) {
        put_ext(&mut out, c);
    }
    put_witness(&mut out, vd.final_query_pow, w.final_pow_witness);
    put_opening(&mut out, &w.final_openings)?;
    if let Some(s) = &w.final_sumcheck {
        put_sumcheck(&mut out, s, vd.final_fold_pow);
    }
    Ok(out)
}

pub(crate) fn read_witness(r: &mut Reader<'_>, bits: u8) -> Result<F, DecodeError> {
    if bits == 0 {
        return Ok(F::ZERO);
    }
    let at = r.position();
    let w = r.read_uint(8)?;
    if w >= zkinfer_field::MODULUS {
        return Err(DecodeError::NonCanonical { offset: at });
    }
    Ok(F::from_u64(w))
}

fn read_sumcheck(
    r: &mut Reader<'_>,
    rounds: usize,
    bits: u8,
) -> Result<p3_sumcheck::SumcheckData<F, EF>, DecodeError> {
    let mut evals = Vec::with_capacity(rounds);
    let mut witnesses = Vec::new();
    for _ in 0..rounds {
        evals.push([r.read_ext()?, r.read_ext()?]);
        if bits > 0 {
            witnesses.push(read_witness(r, bits)?);
        }
    }
    Ok(p3_sumcheck::SumcheckData {
        polynomial_evaluations: evals,
        pow_witnesses: witnesses,
    })
}

type Openings = p3_whir::QueryOpenings<F, EF, p3_merkle_tree::PrunedMerklePaths<u8, DIGEST_BYTES>>;

fn read_openings(
    r: &mut Reader<'_>,
    queries: usize,
    width: usize,
    ext: bool,
) -> Result<Openings, DecodeError> {
    let shape = crate::merkle::RowShape {
        width,
        ext,
        salt_elems: 0,
    };
    Ok(crate::merkle::read_opening(r, queries, shape)?.to_queries(ext, MerkleOpening::pruned))
}

/// Decodes [`encode_proof`]'s calldata back into p3's proof, reading exactly what `WhirVerifier.sol` reads
/// in the same order (so a byte-level mutation of the calldata can be handed to p3's verifier).
///
/// # Errors
/// [`DecodeError`].
pub fn decode_proof(data: &[u8], vd: &VerifyingData) -> Result<WhirPcsProof, DecodeError> {
    let mut r = Reader::new(data);
    let proof = read_proof(&mut r, vd, 1)?;
    r.finish()?;
    Ok(proof)
}

/// Reads an opening of `claims` claims (one value each, in p3's schedule order) as [`encode_proof`] wrote it,
/// at the reader's position (a caller that embeds it in a larger calldata checks for trailing bytes).
///
/// # Errors
/// [`DecodeError`].
pub fn read_proof(
    r: &mut Reader<'_>,
    vd: &VerifyingData,
    claims: usize,
) -> Result<WhirPcsProof, DecodeError> {
    let fold = usize::from(vd.fold);
    let width = 1usize << fold;
    let initial_ood_answers = (0..vd.init_ood)
        .map(|_| r.read_ext())
        .collect::<Result<_, _>>()?;
    let values = (0..claims)
        .map(|_| r.read_ext())
        .collect::<Result<Vec<EF>, _>>()?;
    let initial_sumcheck = read_sumcheck(r, fold, vd.init_fold_pow)?;
    let mut rounds = Vec::new();
    for (i, &(ood, qpow, fpow, q, _)) in vd.rounds.iter().enumerate() {
        let mut root = [0u8; DIGEST_BYTES];
        root.copy_from_slice(r.take_bytes(DIGEST_BYTES)?);
        let ood_answers = (0..ood).map(|_| r.read_ext()).collect::<Result<_, _>>()?;
        let pow_witness = read_witness(r, qpow)?;
        let openings = read_openings(r, usize::from(q), width, i > 0)?;
        let sumcheck = read_sumcheck(r, fold, fpow)?;
        rounds.push(p3_whir::WhirRoundProof {
            commitment: Some(p3_merkle_tree::MerkleCap::new(vec![root])),
            ood_answers,
            pow_witness,
            openings,
            sumcheck,
        });
    }
    let final_poly: Vec<EF> = (0..1usize << vd.final_rounds)
        .map(|_| r.read_ext())
        .collect::<Result<_, _>>()?;
    let final_pow_witness = read_witness(r, vd.final_query_pow)?;
    let final_openings = read_openings(
        r,
        usize::from(vd.final_queries),
        width,
        !vd.rounds.is_empty(),
    )?;
    let final_sumcheck = if vd.final_rounds > 0 {
        Some(read_sumcheck(
            r,
            usize::from(vd.final_rounds),
            vd.final_fold_pow,
        )?)
    } else {
        None
    };
    Ok(p3_whir::PcsProof {
        whir: p3_whir::WhirProof {
            initial_ood_answers,
            initial_sumcheck,
            rounds,
            final_poly: Some(Poly::new(final_poly)),
            final_pow_witness,
            final_openings,
            final_sumcheck,
        },
        evals: values
            .into_iter()
            .map(|v| p3_sumcheck::OpeningBatch::new(vec![v], Vec::new()))
            .collect(),
    })
}

/// The category of a contract error (for comparing with p3's verdict, whose errors are named differently).
#[must_use]
pub fn contract_error_category(name: &str) -> &'static str {
    match name {
        "Truncated" | "NonCanonical" | "TrailingBytes" => "decode",
        "CapMismatch"
        | "SiblingCountMismatch"
        | "InconsistentDuplicateOpenings"
        | "IndexOutOfBounds" => "merkle",
        "PowWitnessRejected" => "pow",
        "FinalQueryMismatch" => "final query",
        "ClosingIdentityFailed" => "closing identity",
        _ => "other",
    }
}

/// The category of p3-whir's verifier error, as [`contract_error_category`].
#[must_use]
pub fn p3_error_category(e: &p3_whir::VerifierError) -> &'static str {
    let d = format!("{e:?}");
    if d.starts_with("MerkleProofInvalid") {
        "merkle"
    } else if d.starts_with("SumcheckFailed") {
        "closing identity"
    } else if d.starts_with("StirChallengeFailed") {
        "final query"
    } else if d.contains("Pow") {
        "pow"
    } else {
        "other"
    }
}
