//! Many masked claims on one tensor → one masked claim: the masked sumcheck of `P·W`,
//! `W = Σ_i α^i eq(p_i, ·)`, over `(w, x)`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::{eq_eval, eq_table_scaled};

use super::prover::prove_instance;
use super::{ClaimMask, MaskedClaim, MaskedSumcheckProof, labels, verify_zk_masked};
use crate::prover::eq_sum::{EqTerms, add_eq_scaled};
use crate::prover::state::InstanceOf;
use crate::zk::{MaskPool, MaskPoolVerifier};
use crate::{Column, SumcheckError, Term, WeightedPoint};

/// The column a claim reduction reduces: owned, or a base-field column borrowed (a committed
/// stack the caller keeps), which a large reduction reads until its first fold and never copies.
#[derive(Clone, Debug)]
pub enum Reduced<'a> {
    /// An owned column.
    Owned(Column),
    /// A borrowed base-field column.
    Borrowed(&'a [F]),
}

impl Reduced<'_> {
    /// The number of evaluations.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::Owned(c) => c.len(),
            Self::Borrowed(b) => b.len(),
        }
    }

    /// Whether there are no evaluations.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column, owned (a borrowed one copied).
    #[must_use]
    pub fn into_column(self) -> Column {
        match self {
            Self::Owned(c) => c,
            Self::Borrowed(b) => Column::Base(b.to_vec()),
        }
    }
}

impl From<Column> for Reduced<'_> {
    fn from(c: Column) -> Self {
        Self::Owned(c)
    }
}

impl<'a> From<&'a [F]> for Reduced<'a> {
    fn from(b: &'a [F]) -> Self {
        Self::Borrowed(b)
    }
}

impl<'a> From<Cow<'a, [F]>> for Reduced<'a> {
    fn from(c: Cow<'a, [F]>) -> Self {
        match c {
            Cow::Borrowed(b) => Self::Borrowed(b),
            Cow::Owned(v) => Self::Owned(Column::Base(v)),
        }
    }
}

/// A masked claim reduction: the masked sumcheck and the reduced (masked) value `P'(ρ)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedReductionProof {
    /// The masked sumcheck of `Σ_x P(x)·W(x) + Σ_i α^i Σ_k coeff_{ik} Σ_w R̂_{ik}(w)`.
    pub sumcheck: MaskedSumcheckProof,
    /// `P'(ρ)`: masked if the reduction is private, else `P(ρ)`.
    pub eval: EF,
}

/// Absorbs the claims (their values and masks), draws `α`; returns `α^i`, the combined statement
/// `Σ_i α^i v_i` and the incoming masks `α^i·masks_i`.
///
/// The points are not absorbed: in a public-coin protocol a claim's point is the verifier's (a
/// function of the transcript so far: challenges drawn from it, and public data absorbed into
/// it), so absorbing it again binds nothing new. A caller whose points come from anywhere else
/// must absorb them itself before the reduction. The values (prover messages, already absorbed
/// where they were sent, or the verifier's own) and the masks are absorbed in two
/// length-prefixed vectors: one label each, not four labels per claim (a reduction of the
/// lookups' blinding claims has tens of thousands of claims; their per-claim labels and points
/// were most of a GPT-2 verification's transcript hashing).
fn absorb(
    claims: &[MaskedClaim],
    weighted: Option<&[WeightedPoint]>,
    num_vars: usize,
    transcript: &mut Transcript,
) -> Result<(Vec<EF>, EF, Vec<ClaimMask>), SumcheckError> {
    if claims.is_empty() {
        return Err(SumcheckError::Empty);
    }
    if weighted.is_some_and(|ws| ws.len() != claims.len() || ws.iter().any(Vec::is_empty)) {
        return Err(SumcheckError::Empty);
    }
    if let Some((index, got)) = functionals(claims, weighted)
        .enumerate()
        .find_map(|(i, mut ts)| {
            ts.find(|(_, p)| p.len() != num_vars)
                .map(|(_, p)| (i, p.len()))
        })
    {
        return Err(SumcheckError::WrongPointLength {
            index,
            expected: num_vars,
            got,
        });
    }
    transcript.absorb_u64(labels::REDUCE_COUNT, claims.len() as u64);
    let values: Vec<EF> = claims.iter().map(|c| c.value).collect();
    transcript.absorb_exts(labels::REDUCE_CLAIM, &values);
    // Per claim: its mask count, then each mask's slot and coefficient.
    let mut masks = Vec::with_capacity(claims.iter().map(|c| 1 + 3 * c.masks.len()).sum());
    for c in claims {
        masks.push(F::from_u64(c.masks.len() as u64));
        for m in &c.masks {
            masks.push(F::from_u64(m.slot as u64));
            masks.extend_from_slice(m.coeff.as_basis_coefficients_slice());
        }
    }
    transcript.absorb_fields(labels::REDUCE_MASKS, &masks);
    let alpha = transcript.challenge(labels::REDUCE_ALPHA);
    let alphas: Vec<EF> = alpha.powers().take(claims.len()).collect();
    let sum = claims.iter().zip(&alphas).map(|(c, &a)| a * c.value).sum();
    let incoming = claims
        .iter()
        .zip(&alphas)
        .flat_map(|(c, &a)| c.scaled_masks(a))
        .collect();
    Ok((alphas, sum, incoming))
}

/// Claim `i`'s evaluation functional `Σ_t c_t·P(p_t)` for each claim: its weighted point, or
/// `(1, its point)`.
fn functionals<'a>(
    claims: &'a [MaskedClaim],
    weighted: Option<&'a [WeightedPoint]>,
) -> impl Iterator<Item = impl Iterator<Item = (EF, &'a [EF])>> {
    claims.iter().enumerate().map(move |(i, c)| {
        let w = weighted.and_then(|ws| ws.get(i));
        let own = w.is_none().then_some((EF::ONE, c.point.as_slice()));
        own.into_iter()
            .chain(w.into_iter().flatten().map(|(k, p)| (*k, p.as_slice())))
    })
}

/// Reductions of base columns with at least this many variables never build their weight
/// table at full length (`crate::prover::eq_sum`; 2^20 elements: 16 MiB of table saved).
pub(crate) const EQ_SUM_MIN_VARS: usize = 20;

/// The most leading variables whose eq table [`functional_at`] builds (2^16 entries, 1 MiB).
const MAX_PREFIX_TABLE_VARS: usize = 16;

/// `W(ρ) = Σ_i α^i Σ_t c_t·eq(p_t, ρ)`, the verifier's side of [`add_eq_scaled`]: when every
/// point starts with `k ≥ 1` Boolean coordinates (claims on blocks of a stack) and there are enough
/// of them to pay for it, `eq(ρ_{<k}, ·)`'s table is built once and each point costs one lookup
/// and `eq` over its last `n − k` coordinates, instead of `eq` over all `n`. Lengths are checked
/// by [`absorb`] first.
fn functional_at(
    claims: &[MaskedClaim],
    weighted: Option<&[WeightedPoint]>,
    alphas: &[EF],
    rho: &[EF],
) -> EF {
    let is_bool = |c: &EF| *c == EF::ZERO || *c == EF::ONE;
    // The shortest Boolean prefix over all points, and how many points there are.
    let (k, terms) = functionals(claims, weighted).flatten().fold(
        (MAX_PREFIX_TABLE_VARS.min(rho.len()), 0usize),
        |(k, terms), (_, p)| {
            (
                k.min(p.iter().take_while(|c| is_bool(c)).count()),
                terms + 1,
            )
        },
    );
    // The table costs 2^k products; each point then saves k of them.
    let (rho_prefix, rho_rest) = rho.split_at(k);
    let table = (k > 0 && terms * k >= 1 << k).then(|| eq_table_scaled(rho_prefix, EF::ONE));
    let eq_at = |p: &[EF]| match &table {
        Some(table) => {
            let (prefix, rest) = p.split_at(k.min(p.len()));
            let block = prefix
                .iter()
                .fold(0usize, |acc, &c| 2 * acc + usize::from(c == EF::ONE));
            table.get(block).copied().unwrap_or(EF::ZERO) * eq_eval(rest, rho_rest)
        }
        None => eq_eval(p, rho),
    };
    functionals(claims, weighted)
        .zip(alphas)
        .map(|(ts, &a)| a * ts.map(|(c, p)| c * eq_at(p)).sum::<EF>())
        .sum()
}

fn product() -> [Term; 1] {
    [Term::new(EF::ONE, vec![0, 1])]
}

/// Reduces masked claims on the multilinear `poly` to one claim at a fresh point `ρ`, masked
/// again if `private` (with a fresh claim mask; else `P(ρ)` is revealed, e.g. for a column
/// whose claim goes to a PCS opening that reveals it anyway). Sends `P'(ρ)` (absorbed).
///
/// # Errors
/// [`SumcheckError::Empty`] without claims, [`SumcheckError::WrongPointLength`], the errors of
/// [`prove_zk_masked`](super::prove_zk_masked).
///
/// # Panics
/// If `poly`'s length is not a power of two (a caller bug).
pub fn reduce_masked_claims<'a>(
    poly: impl Into<Reduced<'a>>,
    claims: &[MaskedClaim],
    private: bool,
    pool: &mut MaskPool,
    transcript: &mut Transcript,
) -> Result<(MaskedReductionProof, MaskedClaim), SumcheckError> {
    reduce_masked(poly.into(), claims, None, private, pool, transcript)
}

/// [`reduce_masked_claims`] for claims on linear combinations of evaluations: claim `i` says
/// `Σ_t c_t·P(p_t) (+ its masks) = value_i` for `weighted[i] = [(c_t, p_t)]` (its `point` is
/// not used): `W = Σ_i α^i Σ_t c_t·eq(p_t, ·)`. For a column committed as several pieces. The
/// verifier's twin is [`verify_reduce_masked_claims_weighted`].
///
/// # Errors
/// As [`reduce_masked_claims`]; [`SumcheckError::Empty`] also if `weighted` does not have one
/// non-empty entry per claim.
///
/// # Panics
/// As [`reduce_masked_claims`].
pub fn reduce_masked_claims_weighted<'a>(
    poly: impl Into<Reduced<'a>>,
    claims: &[MaskedClaim],
    weighted: &[WeightedPoint],
    private: bool,
    pool: &mut MaskPool,
    transcript: &mut Transcript,
) -> Result<(MaskedReductionProof, MaskedClaim), SumcheckError> {
    reduce_masked(
        poly.into(),
        claims,
        Some(weighted),
        private,
        pool,
        transcript,
    )
}

fn reduce_masked(
    poly: Reduced<'_>,
    claims: &[MaskedClaim],
    weighted: Option<&[WeightedPoint]>,
    private: bool,
    pool: &mut MaskPool,
    transcript: &mut Transcript,
) -> Result<(MaskedReductionProof, MaskedClaim), SumcheckError> {
    assert!(
        poly.len().is_power_of_two(),
        "reduce_masked_claims: length is not a power of two"
    );
    let n = poly.len().trailing_zeros() as usize;
    let (alphas, _, incoming) = absorb(claims, weighted, n, transcript)?;
    let priv_cols: &[usize] = if private { &[0] } else { &[] };
    let base = match poly {
        Reduced::Borrowed(p) if n >= EQ_SUM_MIN_VARS => Ok(Cow::Borrowed(p)),
        Reduced::Owned(Column::Base(p)) if n >= EQ_SUM_MIN_VARS => Ok(Cow::Owned(p)),
        other => Err(other.into_column()),
    };
    let inst = match base {
        // A large base column: `W` is never built at full length (`eq_sum`), which saves a
        // table twice the column's bytes, and a borrowed column is not copied (its first fold
        // is the first table the reduction writes). The same rounds, values and transcript.
        Ok(p) => {
            let terms: EqTerms = functionals(claims, weighted)
                .zip(&alphas)
                .flat_map(|(ts, &a)| ts.map(move |(c, p)| (a * c, p.to_vec())))
                .collect();
            InstanceOf::product_with_eq_sum(p, terms, EF::ONE)
        }
        Err(poly) => {
            let mut w = vec![EF::ZERO; poly.len()];
            for (ts, &a) in functionals(claims, weighted).zip(&alphas) {
                for (c, p) in ts {
                    add_eq_scaled(&mut w, p, a * c);
                }
            }
            InstanceOf::new(vec![poly, Column::Ext(w)], &product(), None)
        }
    };
    let out = prove_instance(
        inst,
        2,
        &product(),
        None,
        priv_cols,
        &incoming,
        pool,
        transcript,
    )?;
    let claim = out
        .claims
        .into_iter()
        .next()
        .ok_or(SumcheckError::WrongEvalCount {
            expected: 2,
            got: 0,
        })?;
    transcript.absorb_ext(labels::REDUCE_EVAL, claim.value);
    Ok((
        MaskedReductionProof {
            sumcheck: out.proof,
            eval: claim.value,
        },
        claim,
    ))
}

/// Verifies a [`MaskedReductionProof`] of `claims` on a multilinear of `num_vars` variables:
/// the twin of [`reduce_masked_claims`]. Returns the reduced claim (masked if `private`).
///
/// # Errors
/// [`SumcheckError::Empty`] without claims, [`SumcheckError::WrongPointLength`], the errors of
/// [`verify_zk_masked`], [`SumcheckError::FinalEvalMismatch`] if `eval·W(ρ)` differs from the
/// final claim.
///
/// # Soundness
/// The returned claim must be discharged (the next op's masked sumcheck, or the PCS opening for
/// an unmasked one), and the pool finished.
pub fn verify_reduce_masked_claims(
    num_vars: usize,
    claims: &[MaskedClaim],
    private: bool,
    proof: &MaskedReductionProof,
    pool: &mut MaskPoolVerifier,
    transcript: &mut Transcript,
) -> Result<MaskedClaim, SumcheckError> {
    verify_reduce_masked(num_vars, claims, None, private, proof, pool, transcript)
}

/// Verifies a [`reduce_masked_claims_weighted`] proof: the twin of
/// [`verify_reduce_masked_claims`] with `W(ρ) = Σ_i α^i Σ_t c_t·eq(p_t, ρ)`.
///
/// # Errors
/// As [`verify_reduce_masked_claims`]; [`SumcheckError::Empty`] also if `weighted` does not
/// have one non-empty entry per claim.
///
/// # Soundness
/// As [`verify_reduce_masked_claims`].
pub fn verify_reduce_masked_claims_weighted(
    num_vars: usize,
    claims: &[MaskedClaim],
    weighted: &[WeightedPoint],
    private: bool,
    proof: &MaskedReductionProof,
    pool: &mut MaskPoolVerifier,
    transcript: &mut Transcript,
) -> Result<MaskedClaim, SumcheckError> {
    verify_reduce_masked(
        num_vars,
        claims,
        Some(weighted),
        private,
        proof,
        pool,
        transcript,
    )
}

fn verify_reduce_masked(
    num_vars: usize,
    claims: &[MaskedClaim],
    weighted: Option<&[WeightedPoint]>,
    private: bool,
    proof: &MaskedReductionProof,
    pool: &mut MaskPoolVerifier,
    transcript: &mut Transcript,
) -> Result<MaskedClaim, SumcheckError> {
    let (alphas, sum, incoming) = absorb(claims, weighted, num_vars, transcript)?;
    let priv_cols: &[usize] = if private { &[0] } else { &[] };
    let sub = verify_zk_masked(
        num_vars,
        &product(),
        None,
        priv_cols,
        &incoming,
        sum,
        &proof.sumcheck,
        pool,
        transcript,
    )?;
    transcript.absorb_ext(labels::REDUCE_EVAL, proof.eval);
    let w = functional_at(claims, weighted, &alphas, &sub.sub.point);
    sub.check_products(&product(), None, &[proof.eval, w])?
        .into_iter()
        .next()
        .ok_or(SumcheckError::WrongEvalCount {
            expected: 2,
            got: 0,
        })
}

#[cfg(test)]
mod tests {
    use zkinfer_field::{EF, PrimeCharacteristicRing};
    use zkinfer_poly::eq_table_scaled;

    use super::add_eq_scaled;

    /// `W(ρ)` with the shared prefix table equals the sum of `eq`s, for block claims (Boolean
    /// prefixes, many of them: the table is built), a mix with a random first coordinate (it is
    /// not), and weighted points.
    #[test]
    fn functional_at_equals_the_sum_of_eqs() {
        use rand::SeedableRng;
        use rand::rngs::SmallRng;

        use super::{MaskedClaim, functional_at};
        use crate::zk::random_ext;
        use zkinfer_poly::eq_eval;

        let mut rng = SmallRng::seed_from_u64(3);
        let n = 8;
        let rho: Vec<EF> = (0..n).map(|_| random_ext(&mut rng)).collect();
        let bit = |b: usize| if b == 1 { EF::ONE } else { EF::ZERO };
        let block_point = |block: usize, rng: &mut SmallRng| -> Vec<EF> {
            (0..6)
                .map(|i| bit((block >> (5 - i)) & 1))
                .chain((0..2).map(|_| random_ext(rng)))
                .collect()
        };
        let claim = |point: Vec<EF>| MaskedClaim {
            point,
            value: EF::ZERO,
            masks: Vec::new(),
        };
        let blocks: Vec<MaskedClaim> = (0..40)
            .map(|b| claim(block_point((7 * b) % 64, &mut rng)))
            .collect();
        let mut mixed = blocks.clone();
        mixed.push(claim((0..n).map(|_| random_ext(&mut rng)).collect()));
        for claims in [&blocks, &mixed] {
            let alphas: Vec<EF> = (0..claims.len()).map(|_| random_ext(&mut rng)).collect();
            let want: EF = claims
                .iter()
                .zip(&alphas)
                .map(|(c, &a)| a * eq_eval(&c.point, &rho))
                .sum();
            assert_eq!(functional_at(claims, None, &alphas, &rho), want);
        }
        // Weighted: two points per claim.
        let weighted: Vec<Vec<(EF, Vec<EF>)>> = (0..20)
            .map(|b| {
                vec![
                    (random_ext(&mut rng), block_point(b, &mut rng)),
                    (random_ext(&mut rng), block_point(63 - b, &mut rng)),
                ]
            })
            .collect();
        let alphas: Vec<EF> = (0..20).map(|_| random_ext(&mut rng)).collect();
        let want: EF = weighted
            .iter()
            .zip(&alphas)
            .map(|(ts, &a)| a * ts.iter().map(|(c, p)| *c * eq_eval(p, &rho)).sum::<EF>())
            .sum();
        let owners = vec![claim(vec![EF::ZERO; n]); 20];
        assert_eq!(functional_at(&owners, Some(&weighted), &alphas, &rho), want);
    }

    /// The block-wise kernel equals the full table for points with 0, some and all coordinates
    /// Boolean (a stack claim's selector and padding bits).
    #[test]
    fn kernel_with_boolean_prefix_equals_the_full_table() {
        let r = |i: u64| EF::from_u64(7 + 13 * i);
        let points = [
            vec![r(1), r(2), r(3), r(4)],
            vec![EF::ONE, EF::ZERO, r(3), r(4)],
            vec![EF::ZERO, EF::ONE, EF::ONE, r(9)],
            vec![EF::ONE, EF::ONE, EF::ZERO, EF::ONE],
            // A Boolean coordinate after a random one is left in the table.
            vec![r(5), EF::ONE, r(6), EF::ZERO],
        ];
        for p in &points {
            let mut w = vec![EF::from_u64(3); 16];
            add_eq_scaled(&mut w, p, r(11));
            let full: Vec<EF> = eq_table_scaled(p, r(11))
                .into_iter()
                .map(|e| e + EF::from_u64(3))
                .collect();
            assert_eq!(w, full);
        }
    }
}
