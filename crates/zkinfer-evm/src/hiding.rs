//! The calldata of a hiding opening (`zkinfer_pcs::HidingPcs`, p3-whir's HVZK-WHIR over the salted tree) for
//! the EVM, and its decoder: the proof's values in the order the verifier's transcript takes them, Merkle
//! openings in `Merkle.sol`'s layout (salted leaves) where the verifier checks them.
//!
//! **Status**: the layout a Solidity hiding verifier will read; no contract reads it yet (the hiding verifier
//! is not built: see the crate README). `decode_proof` reads back exactly what `encode_proof` writes, so
//! byte-level mutations of the calldata can be handed to `HidingPcs::verify` (the tests do).
//!
//! Layout (all integers big-endian; EF as `ProofReader`'s 16 bytes; roots 25 bytes; PoW witnesses 8 bytes):
//! 1. the opened values (one EF per claim, in claim order), then the root of the one tree of every
//!    batch's sumcheck masks (since proof format 23; vendored p3-whir patch 17);
//! 2. masked sumcheck batch 0: `mu_tilde`, then per round the round's coefficients and, where the batch
//!    grinds, its PoW witness;
//! 3. per code-switching round: the new oracle's root, the code-switch mask's root, the OOD answers, the
//!    query PoW witness (always present: p3 pins it to zero at zero difficulty), the STIR opening of the
//!    previous oracle (F rows in round 0, EF rows after); then the next masked sumcheck batch as in 2;
//! 4. the base case: the fresh main mask's root, each blind site's fresh-blind root (the mask groups of one
//!    codeword length share a tree: `p3_whir::blind_sites`), the masked claim, the blinded message, the
//!    blinded randomness, each blinded mask (message, randomness), the PoW witness, the source opening, the
//!    fresh main mask's opening, then per carried tree its opening (every batch's sumcheck masks are one
//!    tree, each code-switch mask its own: `ZkWhirConfig::carried_trees`), then per blind site its fresh one.

use p3_merkle_tree::MerkleCap;
use p3_sumcheck::zk::ZkSumcheckData;
use p3_whir::{BaseCaseZkProof, BlindedMask, SharedProofOpening, ZkRoundProof};
use zkinfer_field::{EF, F, PrimeCharacteristicRing};
use zkinfer_pcs::hiding::{SALT_ELEMS, SaltedKeccakMmcs};
use zkinfer_pcs::{DIGEST_BYTES, Digest};

use crate::encoding::{DecodeError, Reader, put_ext};
use crate::merkle::{
    MerkleOpening, RowShape, SaltedProof, encode_opening, read_opening, salted_parts,
};
use crate::whir::{put_witness, read_witness};

/// A tree's commitment (one root: cap height 0).
type Cap = MerkleCap<F, Digest>;

/// p3-whir's hiding proof over zkinfer-pcs' salted tree.
pub type HidingProof = p3_whir::ZkWhirProof<F, EF, SaltedKeccakMmcs>;

/// The shape of a hiding opening: what the decoder (and a contract) needs to read its calldata. Constant for
/// an instance (configuration and number of claims); [`HidingLayout::of`] reads it off an honest proof of the
/// instance, as `recording::verifying_data` reads the plain verifier's data off a throwaway run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HidingLayout {
    /// Claims (opened values).
    pub claims: usize,
    /// Per masked sumcheck batch: rounds, coefficients per round, whether each round carries a PoW witness.
    pub batches: Vec<(usize, usize, bool)>,
    /// Per code-switching round: OOD answers, STIR queries, opened row width.
    pub rounds: Vec<(usize, usize, usize)>,
    /// Base case: the blinded message's and the blinded randomness's lengths.
    pub blinded: (usize, usize),
    /// Base case: each blinded mask's message and randomness lengths.
    pub blinded_masks: Vec<(usize, usize)>,
    /// Base case: source positions and the source rows' width.
    pub source: (usize, usize),
    /// Per carried mask tree: positions and row width (the widths of its groups).
    pub carried: Vec<(usize, usize)>,
    /// Per blind site: positions and its fresh-blind tree's row width (the widths of its groups).
    pub sites: Vec<(usize, usize)>,
}

/// Each mask group's (tree, first column in the tree's rows), for trees that hold their groups' columns side by
/// side in group order: the base case's carried trees (`BaseCaseZkConfig::carried_trees`) or its blind sites
/// (`p3_whir::blind_sites`, vendored patch items 16–17).
#[must_use]
pub fn group_columns(
    trees: &[Vec<usize>],
    groups: &[p3_whir::MaskGroupShape],
) -> Vec<(usize, usize)> {
    let mut out = vec![(0, 0); groups.len()];
    for (tree, members) in trees.iter().enumerate() {
        let mut column = 0;
        for &g in members {
            out[g] = (tree, column);
            column += groups[g].width;
        }
    }
    out
}

fn rows_of<P>(o: &p3_whir::QueryOpenings<F, EF, P>) -> (usize, usize) {
    match o {
        p3_whir::QueryOpenings::Base(s) => (s.rows.len(), s.rows.first().map_or(0, Vec::len)),
        p3_whir::QueryOpenings::Extension(s) => (s.rows.len(), s.rows.first().map_or(0, Vec::len)),
    }
}

impl HidingLayout {
    /// The layout of `proof`'s instance.
    #[must_use]
    pub fn of(proof: &HidingProof) -> Self {
        let bc = &proof.base_case;
        Self {
            claims: proof.evals.len(),
            batches: proof
                .sumchecks
                .iter()
                .map(|s| {
                    (
                        s.round_coefficients.len(),
                        s.round_coefficients.first().map_or(0, Vec::len),
                        !s.pow_witnesses.is_empty(),
                    )
                })
                .collect(),
            rounds: proof
                .rounds
                .iter()
                .map(|r| {
                    let (q, w) = rows_of(&r.openings);
                    (r.ood_answers.len(), q, w)
                })
                .collect(),
            blinded: (bc.blinded_message.len(), bc.blinded_randomness.len()),
            blinded_masks: bc
                .blinded_masks
                .iter()
                .map(|m| (m.message.len(), m.randomness.len()))
                .collect(),
            source: rows_of(&bc.source_openings),
            carried: bc
                .carried_openings
                .iter()
                .map(|o| (o.rows.len(), o.rows.first().map_or(0, Vec::len)))
                .collect(),
            sites: bc
                .fresh_openings
                .iter()
                .map(|o| (o.rows.len(), o.rows.first().map_or(0, Vec::len)))
                .collect(),
        }
    }
}

fn put_root(out: &mut Vec<u8>, cap: &Cap) {
    out.extend_from_slice(&cap.roots()[0]);
}

fn put_exts(out: &mut Vec<u8>, xs: &[EF]) {
    xs.iter().for_each(|&x| put_ext(out, x));
}

fn put_salted<T: zkinfer_field::BasedVectorSpace<F> + Clone>(
    out: &mut Vec<u8>,
    rows: &[Vec<T>],
    proof: &SaltedProof,
) -> Result<(), DecodeError> {
    out.extend_from_slice(&encode_opening(&MerkleOpening::from_salted(rows, proof).1)?);
    Ok(())
}

fn put_batch(out: &mut Vec<u8>, s: &ZkSumcheckData<F, EF>) {
    put_ext(out, s.mu_tilde);
    for (k, coefficients) in s.round_coefficients.iter().enumerate() {
        put_exts(out, coefficients);
        if let Some(&w) = s.pow_witnesses.get(k) {
            put_witness(out, 1, w);
        }
    }
}

/// The calldata of a hiding opening (layout in the module doc).
///
/// # Errors
/// [`DecodeError::TooLong`] if an opening has more than 65,535 siblings.
pub fn encode_proof(proof: &HidingProof) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    put_exts(&mut out, &proof.evals);
    put_root(&mut out, &proof.sumcheck_mask_commitment);
    for (b, s) in proof.sumchecks.iter().enumerate() {
        if b > 0 {
            let r = &proof.rounds[b - 1];
            put_root(&mut out, &r.commitment);
            put_root(&mut out, &r.mask_commitment);
            put_exts(&mut out, &r.ood_answers);
            put_witness(&mut out, 1, r.pow_witness);
            let (_, opening) = MerkleOpening::from_queries(&r.openings, salted_parts);
            out.extend_from_slice(&encode_opening(&opening)?);
        }
        put_batch(&mut out, s);
    }
    let bc = &proof.base_case;
    put_root(&mut out, &bc.fresh_main_commitment);
    bc.fresh_mask_commitments
        .iter()
        .for_each(|c| put_root(&mut out, c));
    put_ext(&mut out, bc.masked_claim);
    put_exts(&mut out, &bc.blinded_message);
    put_exts(&mut out, &bc.blinded_randomness);
    for m in &bc.blinded_masks {
        put_exts(&mut out, &m.message);
        put_exts(&mut out, &m.randomness);
    }
    put_witness(&mut out, 1, bc.pow_witness);
    let (_, source) = MerkleOpening::from_queries(&bc.source_openings, salted_parts);
    out.extend_from_slice(&encode_opening(&source)?);
    put_salted(
        &mut out,
        &bc.fresh_main_openings.rows,
        &bc.fresh_main_openings.proof,
    )?;
    for opening in bc.carried_openings.iter().chain(&bc.fresh_openings) {
        put_salted(&mut out, &opening.rows, &opening.proof)?;
    }
    Ok(out)
}

fn read_root(r: &mut Reader<'_>) -> Result<Cap, DecodeError> {
    let mut root = [0u8; DIGEST_BYTES];
    root.copy_from_slice(r.take_bytes(DIGEST_BYTES)?);
    Ok(MerkleCap::new(vec![root]))
}

fn read_exts(r: &mut Reader<'_>, n: usize) -> Result<Vec<EF>, DecodeError> {
    (0..n).map(|_| r.read_ext()).collect()
}

fn read_salted(
    r: &mut Reader<'_>,
    queries: usize,
    width: usize,
    ext: bool,
) -> Result<MerkleOpening, DecodeError> {
    read_opening(
        r,
        queries,
        RowShape {
            width,
            ext,
            salt_elems: SALT_ELEMS,
        },
    )
}

fn read_shared(
    r: &mut Reader<'_>,
    (queries, width): (usize, usize),
) -> Result<SharedProofOpening<EF, SaltedProof>, DecodeError> {
    let o = read_salted(r, queries, width, true)?;
    Ok(SharedProofOpening {
        rows: o.p3_rows(),
        proof: o.salted_proof(),
    })
}

fn read_batch(
    r: &mut Reader<'_>,
    &(rounds, coefficients, pow): &(usize, usize, bool),
) -> Result<ZkSumcheckData<F, EF>, DecodeError> {
    let mu_tilde = r.read_ext()?;
    let mut round_coefficients = Vec::with_capacity(rounds);
    let mut pow_witnesses = Vec::new();
    for _ in 0..rounds {
        round_coefficients.push(read_exts(r, coefficients)?);
        if pow {
            pow_witnesses.push(read_witness(r, 1)?);
        }
    }
    Ok(ZkSumcheckData {
        mu_tilde,
        round_coefficients,
        pow_witnesses,
    })
}

/// Reads [`encode_proof`]'s calldata back into p3's proof, for the instance of `layout`.
///
/// # Errors
/// [`DecodeError`]: truncated data, a non-canonical element, trailing bytes.
pub fn decode_proof(data: &[u8], layout: &HidingLayout) -> Result<HidingProof, DecodeError> {
    let mut r = Reader::new(data);
    let evals = read_exts(&mut r, layout.claims)?;
    let sumcheck_mask_commitment = read_root(&mut r)?;
    let (mut sumchecks, mut rounds) = (Vec::new(), Vec::new());
    for (b, batch) in layout.batches.iter().enumerate() {
        if b > 0 {
            let &(ood, queries, width) = layout.rounds.get(b - 1).ok_or(DecodeError::TooLong {
                what: "sumcheck batches (one more than rounds)",
                got: layout.batches.len(),
                max: layout.rounds.len() + 1,
            })?;
            let commitment = read_root(&mut r)?;
            let mask_commitment = read_root(&mut r)?;
            let ood_answers = read_exts(&mut r, ood)?;
            let pow_witness = read_witness(&mut r, 1)?;
            let openings = read_salted(&mut r, queries, width, b > 1)?
                .to_queries(b > 1, MerkleOpening::salted_proof);
            rounds.push(ZkRoundProof {
                commitment,
                mask_commitment,
                ood_answers,
                pow_witness,
                openings,
            });
        }
        sumchecks.push(read_batch(&mut r, batch)?);
    }
    let fresh_main_commitment = read_root(&mut r)?;
    let fresh_mask_commitments = (0..layout.sites.len())
        .map(|_| read_root(&mut r))
        .collect::<Result<_, _>>()?;
    let masked_claim = r.read_ext()?;
    let blinded_message = read_exts(&mut r, layout.blinded.0)?;
    let blinded_randomness = read_exts(&mut r, layout.blinded.1)?;
    let blinded_masks = layout
        .blinded_masks
        .iter()
        .map(|&(m, k)| {
            Ok(BlindedMask {
                message: read_exts(&mut r, m)?,
                randomness: read_exts(&mut r, k)?,
            })
        })
        .collect::<Result<_, DecodeError>>()?;
    let pow_witness = read_witness(&mut r, 1)?;
    let source_ext = !layout.rounds.is_empty();
    let source_openings = read_salted(&mut r, layout.source.0, layout.source.1, source_ext)?
        .to_queries(source_ext, MerkleOpening::salted_proof);
    let fresh_main_openings = read_shared(&mut r, (layout.source.0, 1))?;
    let carried_openings = layout
        .carried
        .iter()
        .map(|&g| read_shared(&mut r, g))
        .collect::<Result<_, DecodeError>>()?;
    let fresh_openings = layout
        .sites
        .iter()
        .map(|&s| read_shared(&mut r, s))
        .collect::<Result<_, DecodeError>>()?;
    r.finish()?;
    Ok(HidingProof {
        evals,
        sumchecks,
        sumcheck_mask_commitment,
        rounds,
        base_case: BaseCaseZkProof {
            fresh_main_commitment,
            fresh_mask_commitments,
            masked_claim,
            blinded_message,
            blinded_randomness,
            blinded_masks,
            pow_witness,
            source_openings,
            fresh_main_openings,
            carried_openings,
            fresh_openings,
        },
    })
}

/// Σ_j `coeffs[j]` · x^j (Horner from the top): `HidingBaseCase.encodeAt`. Of a reveal's concatenated message
/// and randomness it is p3's `padded_ood_t1`, the re-encoding the base case checks at each spot position.
pub fn encode_at(coeffs: &[EF], x: F) -> EF {
    coeffs
        .iter()
        .rev()
        .fold(EF::ZERO, |acc, &c| acc * EF::from(x) + c)
}

/// A reveal in `HidingBaseCase.readReveal`'s layout (2-byte lengths, then the message and the randomness).
///
/// # Panics
/// On a vector of more than 65,535 elements.
#[must_use]
pub fn encode_reveal(message: &[EF], randomness: &[EF]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [message, randomness] {
        out.extend_from_slice(&u16::try_from(v.len()).expect("short").to_be_bytes());
    }
    put_exts(&mut out, message);
    put_exts(&mut out, randomness);
    out
}

/// One mask group's spot checks (check 5 of the base case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskGroupChecks {
    /// log2 of the group's mask-code domain.
    pub bits: u8,
    /// Each member's reveal (blinded message, blinded randomness).
    pub reveals: Vec<(Vec<EF>, Vec<EF>)>,
    /// The positions.
    pub positions: Vec<u32>,
    /// Per position, per member: the carried mask's opened value ξ_i(y).
    pub carried: Vec<Vec<EF>>,
    /// Per position, per member: the fresh mask's opened value s'_i(y).
    pub fresh: Vec<Vec<EF>>,
}

/// The message of `HidingBaseCase.checkMasks` and its Rust twin: check 5 of p3-whir's masked base case,
/// Enc(ξ*_i, r*_i)(ω^y) = s'_i(y) + γ · ξ_i(y) for every member of every group at each of its positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskSpotChecks {
    /// The base case's γ.
    pub gamma: EF,
    /// The groups, in the verifier's order.
    pub groups: Vec<MaskGroupChecks>,
}

/// `HidingBaseCase.sol`'s errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpotCheckError {
    /// A member's re-encoded reveal differs from s'_i(y) + γ · ξ_i(y).
    MaskSpotCheckFailed {
        /// The group.
        group: usize,
        /// The position.
        position: u32,
    },
    /// A source row's re-encoding differs from g(z) + γ · f(z).
    SourceSpotCheckFailed {
        /// The position.
        position: u32,
    },
    /// A domain wider than 2^32, or a position outside its domain.
    BadSpotCheckShape(u8),
    /// A source row that is not 2^(folding challenges) wide (`Whir.foldRow`).
    WrongRowLength,
}

impl SpotCheckError {
    /// The custom error `HidingBaseCase.sol` reverts with.
    #[must_use]
    pub fn solidity_name(&self) -> &'static str {
        match self {
            Self::MaskSpotCheckFailed { .. } => "MaskSpotCheckFailed",
            Self::SourceSpotCheckFailed { .. } => "SourceSpotCheckFailed",
            Self::BadSpotCheckShape(_) => "BadSpotCheckShape",
            Self::WrongRowLength => "WrongRowLength",
        }
    }
}

impl MaskSpotChecks {
    /// The checks of `proof`'s base case at γ `gamma`, with each group's (domain bits, positions) from
    /// `sites` (the last `groups` entries of [`crate::recording::hiding_positions`]), for the instance of
    /// `base` (its `ZkWhirConfig::base_case_config`): each group's carried values are its columns of its
    /// carried tree's rows (`base.carried_trees`, each tree's groups side by side in group order), its
    /// fresh values its columns of its blind site's fresh rows ([`group_columns`]).
    ///
    /// # Panics
    /// If `sites` has fewer entries than `base` has groups, the proof fewer carried or fresh openings or
    /// reveals than `base` gives, or a position exceeds 32 bits.
    #[must_use]
    pub fn of(
        proof: &HidingProof,
        gamma: EF,
        sites: &[(usize, Vec<usize>)],
        base: &p3_whir::BaseCaseZkConfig<F>,
    ) -> Self {
        let bc = &proof.base_case;
        let groups = &base.mask_groups;
        let sites = &sites[sites.len() - groups.len()..];
        let carried_of = group_columns(&base.carried_trees, groups);
        let fresh_of = group_columns(&p3_whir::blind_sites(groups), groups);
        let columns = |rows: &[Vec<EF>], column: usize, width: usize| -> Vec<Vec<EF>> {
            rows.iter()
                .map(|row| row[column..column + width].to_vec())
                .collect()
        };
        let mut reveals = bc.blinded_masks.iter();
        let groups = groups
            .iter()
            .zip(sites)
            .zip(carried_of.into_iter().zip(fresh_of))
            .map(
                |((group, (bits, positions)), ((tree, c), (site, f)))| MaskGroupChecks {
                    bits: u8::try_from(*bits).expect("bits"),
                    reveals: reveals
                        .by_ref()
                        .take(group.width)
                        .map(|m| (m.message.clone(), m.randomness.clone()))
                        .collect(),
                    positions: positions
                        .iter()
                        .map(|&p| u32::try_from(p).expect("position"))
                        .collect(),
                    carried: columns(&bc.carried_openings[tree].rows, c, group.width),
                    fresh: columns(&bc.fresh_openings[site].rows, f, group.width),
                },
            )
            .collect();
        Self { gamma, groups }
    }

    /// The contract's message (layout in `HidingBaseCase.checkMasks`).
    ///
    /// # Panics
    /// On more than 65,535 groups, members, positions or coefficients.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let short = |n: usize| u16::try_from(n).expect("short").to_be_bytes();
        let mut out = Vec::new();
        put_ext(&mut out, self.gamma);
        out.extend_from_slice(&short(self.groups.len()));
        for g in &self.groups {
            out.push(g.bits);
            out.extend_from_slice(&short(g.reveals.len()));
            for (m, r) in &g.reveals {
                out.extend_from_slice(&encode_reveal(m, r));
            }
            out.extend_from_slice(&short(g.positions.len()));
            for (k, &p) in g.positions.iter().enumerate() {
                out.extend_from_slice(&p.to_be_bytes());
                for i in 0..g.reveals.len() {
                    put_ext(&mut out, g.carried[k][i]);
                    put_ext(&mut out, g.fresh[k][i]);
                }
            }
        }
        out
    }

    /// The Rust twin of `HidingBaseCase.checkMasks`, error for error (p3's check 5 on these values).
    ///
    /// # Errors
    /// [`SpotCheckError`].
    pub fn check(&self) -> Result<(), SpotCheckError> {
        use p3_field::TwoAdicField;
        for (group, g) in self.groups.iter().enumerate() {
            if g.bits > 32 {
                return Err(SpotCheckError::BadSpotCheckShape(1));
            }
            let coeffs: Vec<Vec<EF>> = g
                .reveals
                .iter()
                .map(|(m, r)| m.iter().chain(r).copied().collect())
                .collect();
            for (k, &position) in g.positions.iter().enumerate() {
                if u64::from(position) >> g.bits != 0 {
                    return Err(SpotCheckError::BadSpotCheckShape(2));
                }
                let x = F::two_adic_generator(usize::from(g.bits)).exp_u64(u64::from(position));
                for (i, c) in coeffs.iter().enumerate() {
                    if encode_at(c, x) != g.fresh[k][i] + self.gamma * g.carried[k][i] {
                        return Err(SpotCheckError::MaskSpotCheckFailed { group, position });
                    }
                }
            }
        }
        Ok(())
    }
}

/// The message of `HidingBaseCase.checkSource` and its Rust twin: check 4 of p3-whir's masked base case,
/// Enc(f*, r*)(ω^z) = g(z) + γ · f(z) at every source position z, f(z) the opened source row folded at the
/// last sumcheck batch's challenges (p3's `Poly::eval_ext`, as the verifier folds it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpotChecks {
    /// The base case's γ.
    pub gamma: EF,
    /// log2 of the code's domain.
    pub bits: u8,
    /// The blinded message f* and randomness r*.
    pub reveal: (Vec<EF>, Vec<EF>),
    /// The last batch's challenges.
    pub point: Vec<EF>,
    /// The positions.
    pub positions: Vec<u32>,
    /// Per position: the opened source row (base-field rows lifted).
    pub rows: Vec<Vec<EF>>,
    /// Per position: the fresh main mask's opened value g(z).
    pub fresh: Vec<EF>,
}

impl SourceSpotChecks {
    /// The checks of `proof`'s base case at γ `gamma` and folding point `point`, with the source site's
    /// (domain bits, positions) from `sites` (entry `proof.rounds.len()` of
    /// [`crate::recording::hiding_positions`]).
    ///
    /// # Panics
    /// If `sites` has no source site, or a position exceeds 32 bits.
    #[must_use]
    pub fn of(
        proof: &HidingProof,
        gamma: EF,
        point: Vec<EF>,
        sites: &[(usize, Vec<usize>)],
    ) -> Self {
        let bc = &proof.base_case;
        let (bits, positions) = &sites[proof.rounds.len()];
        let rows = match &bc.source_openings {
            p3_whir::QueryOpenings::Base(o) => o
                .rows
                .iter()
                .map(|r| r.iter().map(|&x| EF::from(x)).collect())
                .collect(),
            p3_whir::QueryOpenings::Extension(o) => o.rows.clone(),
        };
        Self {
            gamma,
            bits: u8::try_from(*bits).expect("bits"),
            reveal: (bc.blinded_message.clone(), bc.blinded_randomness.clone()),
            point,
            positions: positions
                .iter()
                .map(|&p| u32::try_from(p).expect("position"))
                .collect(),
            rows,
            fresh: bc.fresh_main_openings.rows.iter().map(|r| r[0]).collect(),
        }
    }

    /// The contract's message (layout in `HidingBaseCase.checkSource`).
    ///
    /// # Panics
    /// On more than 255 challenges or 65,535 positions, row values or coefficients.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let short = |n: usize| u16::try_from(n).expect("short").to_be_bytes();
        let mut out = Vec::new();
        put_ext(&mut out, self.gamma);
        out.push(self.bits);
        out.extend_from_slice(&encode_reveal(&self.reveal.0, &self.reveal.1));
        out.push(u8::try_from(self.point.len()).expect("challenges"));
        put_exts(&mut out, &self.point);
        out.extend_from_slice(&short(self.rows.first().map_or(0, Vec::len)));
        out.extend_from_slice(&short(self.positions.len()));
        for ((&p, row), &g) in self.positions.iter().zip(&self.rows).zip(&self.fresh) {
            out.extend_from_slice(&p.to_be_bytes());
            put_exts(&mut out, row);
            put_ext(&mut out, g);
        }
        out
    }

    /// The Rust twin of `HidingBaseCase.checkSource`, error for error.
    ///
    /// # Errors
    /// [`SpotCheckError`].
    pub fn check(&self) -> Result<(), SpotCheckError> {
        use p3_field::TwoAdicField;
        use p3_multilinear_util::point::Point;
        use p3_multilinear_util::poly::Poly;
        if self.bits > 32 {
            return Err(SpotCheckError::BadSpotCheckShape(1));
        }
        let coeffs: Vec<EF> = self
            .reveal
            .0
            .iter()
            .chain(&self.reveal.1)
            .copied()
            .collect();
        let point = Point::new(self.point.clone());
        for ((&position, row), &g) in self.positions.iter().zip(&self.rows).zip(&self.fresh) {
            if u64::from(position) >> self.bits != 0 {
                return Err(SpotCheckError::BadSpotCheckShape(2));
            }
            if self.point.len() >= 64 || row.len() != 1 << self.point.len() {
                return Err(SpotCheckError::WrongRowLength);
            }
            let f = Poly::new(row.clone()).eval_ext::<F>(&point);
            let x = F::two_adic_generator(usize::from(self.bits)).exp_u64(u64::from(position));
            if encode_at(&coeffs, x) != g + self.gamma * f {
                return Err(SpotCheckError::SourceSpotCheckFailed { position });
            }
        }
        Ok(())
    }
}

/// One code-switching round as the hiding algebra reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgebraSwitch {
    /// The OOD points ρ (drawn) and the answers.
    pub ood: Vec<(EF, EF)>,
    /// log2 of the folded domain the STIR positions index.
    pub bits: u8,
    /// The STIR positions.
    pub indices: Vec<u32>,
    /// The opened rows of the previous oracle (base-field rows lifted), one per position.
    pub rows: Vec<Vec<EF>>,
    /// The batching challenge.
    pub comb: EF,
    /// The code-switch mask's message length (its covector's length: source randomness + OOD pad).
    pub switch_len: u16,
}

/// One masked sumcheck batch as the hiding algebra reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgebraBatch {
    /// ε (drawn after the mask root and `mu_tilde`).
    pub eps: EF,
    /// The batch's `mu_tilde`.
    pub mu_tilde: EF,
    /// Per round: the wire coefficients (c0, c2, c3, …: c1 is implied).
    pub coefficients: Vec<Vec<EF>>,
    /// Per round: the challenge.
    pub challenges: Vec<EF>,
}

/// The algebra of a hiding opening with the challenges given (`HidingAlgebra.sol`'s message and its Rust
/// twin, error for error): the masked sumcheck batches (`ZkVerifier::replay_claim`), the symbolic source claim
/// (eq constraints of the lifted claim points with α-powers, power constraints of the OOD and STIR points,
/// folded by eq / select at each batch's challenges and scaled by ε), the mask covectors (each batch's
/// sumcheck masks as powers of its challenges, each round's `switch_mask_covector`, carried ones scaled by
/// ε·2^−k), the code-switch batching of the carried claim, then the base case's target check
/// ⟨f*, W⟩ + Σ⟨ξ*_i, u_i⟩ = μ_g + γ·target. Checked against p3 on real proofs (tests/hiding_trace.rs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HidingAlgebra {
    /// Sumcheck mask length (p3's `ell_zk`).
    pub mask_len: u8,
    /// The claims' points lifted into the stack (all of the stack's length) and their values.
    pub claims: Vec<(Vec<EF>, EF)>,
    /// α.
    pub alpha: EF,
    /// The batches; batch `b > 0` follows code-switching round `b − 1`.
    pub batches: Vec<AlgebraBatch>,
    /// The code-switching rounds (one fewer than the batches).
    pub switches: Vec<AlgebraSwitch>,
    /// The base case's γ.
    pub gamma: EF,
    /// The base case's masked claim μ_g.
    pub masked_claim: EF,
    /// The blinded message f*.
    pub blinded_message: Vec<EF>,
    /// Each blinded mask's message ξ*_i (group order).
    pub blinded_masks: Vec<Vec<EF>>,
}

/// `HidingAlgebra.sol`'s errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgebraCheckError {
    /// A malformed message (`what` as the contract numbers it).
    BadHidingShape(u8),
    /// An opened row that is not 2^k wide (`Whir.foldRow`).
    WrongRowLength,
    /// The base case's target identity fails.
    TargetCheckFailed,
}

impl AlgebraCheckError {
    /// The custom error the contract reverts with.
    #[must_use]
    pub fn solidity_name(&self) -> &'static str {
        match self {
            Self::BadHidingShape(_) => "BadHidingShape",
            Self::WrongRowLength => "WrongRowLength",
            Self::TargetCheckFailed => "TargetCheckFailed",
        }
    }
}

enum Term {
    Eq(Vec<EF>),
    Pow { var: EF, vars: usize },
}

impl HidingAlgebra {
    /// The algebra message of `proof` with the claims' lifted `points` (in claim order), the run's EF
    /// challenges in order (`recording::ext_samples` of its trace), the positions of every site
    /// (`recording::hiding_positions`) and the sumcheck mask length.
    ///
    /// # Errors
    /// If the challenges or sites do not have the proof's shape.
    pub fn of(
        proof: &HidingProof,
        points: &[Vec<EF>],
        challenges: &[EF],
        sites: &[(usize, Vec<usize>)],
        mask_len: u8,
    ) -> Result<Self, &'static str> {
        let mut ch = challenges.iter().copied();
        let mut next = || ch.next().ok_or("too few challenges");
        let alpha = next()?;
        let mut batches = Vec::new();
        let mut switches = Vec::new();
        let mut flat = 0usize;
        for (b, s) in proof.sumchecks.iter().enumerate() {
            if b > 0 {
                let r = &proof.rounds[b - 1];
                let ood = r
                    .ood_answers
                    .iter()
                    .map(|&y| Ok((next()?, y)))
                    .collect::<Result<Vec<_>, &'static str>>()?;
                let (bits, indices) = sites.get(b - 1).ok_or("too few sites")?;
                let rows = match &r.openings {
                    p3_whir::QueryOpenings::Base(o) => o
                        .rows
                        .iter()
                        .map(|row| row.iter().map(|&x| EF::from(x)).collect())
                        .collect(),
                    p3_whir::QueryOpenings::Extension(o) => o.rows.clone(),
                };
                let switch_len = proof
                    .base_case
                    .blinded_masks
                    .get(flat)
                    .ok_or("too few masks")?
                    .message
                    .len();
                switches.push(AlgebraSwitch {
                    ood,
                    bits: u8::try_from(*bits).map_err(|_| "bits")?,
                    indices: indices
                        .iter()
                        .map(|&i| u32::try_from(i).map_err(|_| "index"))
                        .collect::<Result<_, _>>()?,
                    rows,
                    comb: next()?,
                    switch_len: u16::try_from(switch_len).map_err(|_| "mask")?,
                });
                flat += 1;
            }
            let eps = next()?;
            let challenges = s
                .round_coefficients
                .iter()
                .map(|_| next())
                .collect::<Result<Vec<_>, _>>()?;
            flat += challenges.len();
            batches.push(AlgebraBatch {
                eps,
                mu_tilde: s.mu_tilde,
                coefficients: s.round_coefficients.clone(),
                challenges,
            });
        }
        let bc = &proof.base_case;
        Ok(Self {
            mask_len,
            claims: points
                .iter()
                .cloned()
                .zip(proof.evals.iter().copied())
                .collect(),
            alpha,
            batches,
            switches,
            gamma: next()?,
            masked_claim: bc.masked_claim,
            blinded_message: bc.blinded_message.clone(),
            blinded_masks: bc.blinded_masks.iter().map(|m| m.message.clone()).collect(),
        })
    }

    /// The contract's message (layout in `HidingAlgebra.sol`).
    ///
    /// # Panics
    /// On counts beyond their fields (255 variables, batches, OOD samples, rounds or coefficients; 65,535
    /// claims, positions, row values, message values or masks).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let byte = |n: usize| u8::try_from(n).expect("byte");
        let short = |n: usize| u16::try_from(n).expect("short").to_be_bytes();
        let n = self.claims.first().map_or(0, |c| c.0.len());
        let mut out = vec![byte(n), self.mask_len];
        put_ext(&mut out, self.gamma);
        put_ext(&mut out, self.masked_claim);
        out.extend_from_slice(&short(self.blinded_message.len()));
        put_exts(&mut out, &self.blinded_message);
        out.extend_from_slice(&short(self.blinded_masks.len()));
        for m in &self.blinded_masks {
            out.extend_from_slice(&short(m.len()));
            put_exts(&mut out, m);
        }
        out.extend_from_slice(&short(self.claims.len()));
        for (p, v) in &self.claims {
            put_exts(&mut out, p);
            put_ext(&mut out, *v);
        }
        put_ext(&mut out, self.alpha);
        out.push(byte(self.batches.len()));
        for (b, batch) in self.batches.iter().enumerate() {
            if b > 0 {
                let s = &self.switches[b - 1];
                out.push(byte(s.ood.len()));
                for &(rho, y) in &s.ood {
                    put_ext(&mut out, rho);
                    put_ext(&mut out, y);
                }
                out.push(s.bits);
                out.extend_from_slice(&short(s.indices.len()));
                out.extend_from_slice(&short(s.rows.first().map_or(0, Vec::len)));
                for (&i, row) in s.indices.iter().zip(&s.rows) {
                    out.extend_from_slice(&i.to_be_bytes());
                    put_exts(&mut out, row);
                }
                put_ext(&mut out, s.comb);
                out.extend_from_slice(&s.switch_len.to_be_bytes());
            }
            put_ext(&mut out, batch.eps);
            put_ext(&mut out, batch.mu_tilde);
            out.push(byte(batch.coefficients.len()));
            out.push(byte(batch.coefficients.first().map_or(0, Vec::len)));
            for (w, &g) in batch.coefficients.iter().zip(&batch.challenges) {
                put_exts(&mut out, w);
                put_ext(&mut out, g);
            }
        }
        out
    }

    /// The Rust twin of `HidingAlgebra.check`, error for error.
    ///
    /// # Errors
    /// [`AlgebraCheckError`].
    pub fn check(&self) -> Result<(), AlgebraCheckError> {
        use p3_field::{Field, TwoAdicField};
        use p3_multilinear_util::point::Point;
        use p3_multilinear_util::poly::Poly;
        let shape = AlgebraCheckError::BadHidingShape;
        let n = self.claims.first().map_or(0, |c| c.0.len());
        let mut source: Vec<(Term, EF)> = Vec::new();
        let mut target = EF::ZERO;
        let mut power = EF::ONE;
        for (p, v) in &self.claims {
            source.push((Term::Eq(p.clone()), power));
            target += power * *v;
            power *= self.alpha;
        }
        let mut masks: Vec<Vec<EF>> = Vec::new();
        let mut num_vars = n;
        let mut randomness: Vec<EF> = Vec::new();
        for (b, batch) in self.batches.iter().enumerate() {
            if b > 0 {
                let s = &self.switches[b - 1];
                let k = randomness.len();
                if s.bits > 32 {
                    return Err(shape(6));
                }
                let mut folded = Vec::with_capacity(s.rows.len());
                for (&i, row) in s.indices.iter().zip(&s.rows) {
                    if u64::from(i) >> s.bits != 0 {
                        return Err(shape(7));
                    }
                    if k >= 64 || row.len() != 1 << k {
                        return Err(AlgebraCheckError::WrongRowLength);
                    }
                    folded.push(
                        Poly::new(row.clone()).eval_ext::<F>(&Point::new(randomness.clone())),
                    );
                }
                let omega = F::two_adic_generator(usize::from(s.bits));
                let xs: Vec<EF> = s
                    .indices
                    .iter()
                    .map(|&i| EF::from(omega.exp_u64(u64::from(i))))
                    .collect();
                let ood = s.ood.len();
                let switch_len = usize::from(s.switch_len);
                if switch_len < ood {
                    return Err(shape(1));
                }
                let mut c = s.comb;
                let mut cov = vec![EF::ZERO; switch_len];
                let shift = 1u64 << num_vars;
                for (j, (var, value)) in s
                    .ood
                    .iter()
                    .copied()
                    .chain(xs.iter().copied().zip(folded))
                    .enumerate()
                {
                    target += c * value;
                    source.push((
                        Term::Pow {
                            var,
                            vars: num_vars,
                        },
                        c,
                    ));
                    let slots = if j < ood {
                        switch_len
                    } else {
                        switch_len - ood
                    };
                    let mut term = c * var.exp_u64(shift);
                    for d in cov.iter_mut().take(slots) {
                        *d += term;
                        term *= var;
                    }
                    c *= s.comb;
                }
                masks.push(cov);
            }
            target = batch.eps * target + batch.mu_tilde;
            for (w, &g) in batch.coefficients.iter().zip(&batch.challenges) {
                let (&c0, rest) = w.split_first().ok_or(shape(3))?;
                let c1 = target - c0.double() - rest.iter().copied().sum::<EF>();
                target = rest.iter().rev().fold(EF::ZERO, |a, &v| a * g + v) * g * g + c1 * g + c0;
            }
            randomness.clone_from(&batch.challenges);
            let k = randomness.len();
            if k > num_vars {
                return Err(shape(2));
            }
            for (term, coeff) in &mut source {
                match term {
                    Term::Eq(p) => {
                        *coeff *= Point::eval_eq(&p[..k], &randomness);
                        *p = p[k..].to_vec();
                    }
                    Term::Pow { var, vars } => {
                        let seed = (0..*vars - k).fold(*var, |v, _| v.square());
                        *coeff *= Point::eval_select(seed, &randomness);
                        *vars -= k;
                    }
                }
                *coeff *= batch.eps;
            }
            let scale = batch.eps * EF::TWO.exp_u64(k as u64).inverse();
            for m in &mut masks {
                m.iter_mut().for_each(|x| *x *= scale);
            }
            for &g in &randomness {
                masks.push(g.powers().take(usize::from(self.mask_len)).collect());
            }
            num_vars -= k;
        }
        if self.blinded_masks.len() != masks.len()
            || self
                .blinded_masks
                .iter()
                .zip(&masks)
                .any(|(a, b)| a.len() != b.len())
        {
            return Err(shape(4));
        }
        if self.blinded_message.len() != 1 << num_vars {
            return Err(shape(5));
        }
        let mut dense = vec![EF::ZERO; 1 << num_vars];
        for (term, coeff) in &source {
            match term {
                Term::Eq(p) => {
                    let table = Poly::new_from_point(p.as_slice(), *coeff);
                    for (d, &t) in dense.iter_mut().zip(table.as_slice()) {
                        *d += t;
                    }
                }
                Term::Pow { var, .. } => {
                    for (d, pw) in dense.iter_mut().zip(var.shifted_powers(*coeff)) {
                        *d += pw;
                    }
                }
            }
        }
        let dot = |a: &[EF], b: &[EF]| a.iter().zip(b).map(|(&x, &y)| x * y).sum::<EF>();
        let combined = dot(&self.blinded_message, &dense)
            + self
                .blinded_masks
                .iter()
                .zip(&masks)
                .map(|(m, u)| dot(m, u))
                .sum::<EF>();
        if combined == self.masked_claim + self.gamma * target {
            Ok(())
        } else {
            Err(AlgebraCheckError::TargetCheckFailed)
        }
    }
}
