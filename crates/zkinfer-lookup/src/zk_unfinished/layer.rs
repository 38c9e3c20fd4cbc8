//! One layer of the blinded GKR with Libra's `Z·R` masking of the layer values
//! (docs/ZK-sumcheck.md §2.4), proved by a naive ZK sumcheck over `(w, x)`.
//!
//! For a tree of height `H` and a layer of height `2 ≤ h < H`, the layer's polynomials are
//! `Ṽ_h(y_0, y') = V_h(y_0, y') + Z(y')·Σ_w R(y_0, w)` with `Z(y') = Π_i y'_i(1 − y'_i)` and a
//! committed bilinear `R(y_0, w) = a + b·y_0 + c·w + d·y_0·w` per `V ∈ {p, q}` ([`InnerMasks`]).
//! Layer `k` proves the batched claim `Σ_x eq(z, x)·B̃(x) + Z(z')·Σ_w M(w)` (with `B̃` the parent
//! expression over the masked children and `M` the claim's masks) as one sum over `k + 1`
//! variables `(w, x)` of `eq(z, x)·B̃(x)/2 + Z(z')·M(w)/2^k`; the last `x` round has degree 5.
//!
//! The prover is naive (`O(2^k)` per round on extension-field tables, no kernels): a prototype.

use zkinfer_field::{EF, Field, PrimeCharacteristicRing, Transcript};
use zkinfer_poly::{eq_table, fix_first_var_in_place};
use zkinfer_sumcheck::zk::{MaskClaim, ZkSumcheckProof, labels as zk_labels};
use zkinfer_sumcheck::{MaskPolynomial, SumcheckProof, labels as sc_labels};

use crate::proof::{Slot, layer_terms};

/// `[a, b, c, d]`: `R(y_0, w) = a + b·y_0 + c·w + d·y_0·w`.
pub type Bilinear = [EF; 4];

/// The round degree of the masked layer sumchecks (`eq · Ṽ · Ṽ`, `Ṽ` of degree 2 in the last
/// round).
pub const MASKED_LAYER_DEGREE: usize = 5;

/// `R(y_0, w)`.
pub(crate) fn bilinear(r: &Bilinear, y0: EF, w: EF) -> EF {
    r[0] + r[1] * y0 + (r[2] + r[3] * y0) * w
}

/// `Σ_{w ∈ {0,1}} R(y_0, w)`.
pub(crate) fn sum_w(r: &Bilinear, y0: EF) -> EF {
    bilinear(r, y0, EF::ZERO) + bilinear(r, y0, EF::ONE)
}

/// `Z(y) = Π_i y_i(1 − y_i)` (1 for no coordinates).
pub(crate) fn vanishing(y: &[EF]) -> EF {
    y.iter().map(|&v| v * (EF::ONE - v)).product()
}

/// The `Z·R` masks of one instance: `trees[j][h] = [R_p, R_q]` for tree `j` (witnesses, then the
/// table) and height `h ≤ H_j`; only `2 ≤ h < H_j` are used (the others must be zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InnerMasks {
    /// Per tree, per height: `[R_p, R_q]`.
    pub trees: Vec<Vec<[Bilinear; 2]>>,
}

impl InnerMasks {
    /// Uniform masks for trees of the given heights.
    pub fn random<R: rand::CryptoRng + ?Sized>(heights: &[usize], rng: &mut R) -> Self {
        use zkinfer_sumcheck::zk::random_ext;
        let trees = heights
            .iter()
            .map(|&hj| {
                (0..=hj)
                    .map(|h| {
                        if (2..hj).contains(&h) {
                            [0, 1].map(|_| [0; 4].map(|_| random_ext(rng)))
                        } else {
                            [[EF::ZERO; 4]; 2]
                        }
                    })
                    .collect()
            })
            .collect();
        Self { trees }
    }

    /// No masking (the layer values are revealed as plain LogUp-GKR reveals them).
    #[must_use]
    pub fn none(heights: &[usize]) -> Self {
        Self {
            trees: heights
                .iter()
                .map(|&h| vec![[[EF::ZERO; 4]; 2]; h + 1])
                .collect(),
        }
    }

    /// Tree `j`'s masks at height `h`, if that layer is masked (`2 ≤ h < height`).
    pub(crate) fn at(&self, j: usize, h: usize, height: usize) -> Option<[Bilinear; 2]> {
        if (2..height).contains(&h) {
            self.trees.get(j)?.get(h).copied()
        } else {
            None
        }
    }
}

/// The proof of one masked layer.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MaskedLayerProof {
    /// The ZK sumcheck over `(w, x)`.
    pub sumcheck: ZkSumcheckProof,
    /// Per active tree, the masked children `[p̃_L, p̃_R, q̃_L, q̃_R]` at `ρ`.
    pub children: Vec<EF>,
    /// Per active tree whose claim is masked: `[R_p(z_0, c), R_q(z_0, c)]`.
    pub mask_evals: Vec<[EF; 2]>,
}

/// One active tree of a layer, on the prover's side.
pub(crate) struct ProverTree {
    /// `[p_L, p_R, q_L, q_R]` over `x`.
    pub tables: [Vec<EF>; 4],
    /// The children's masks (height `k + 1`), if masked.
    pub child_mask: Option<[Bilinear; 2]>,
    /// The claim's masks (height `k`), if masked.
    pub claim_mask: Option<[Bilinear; 2]>,
}

/// `M(w) = Σ_j λ^{2j}(R_p(z_0, w) + λ·R_q(z_0, w))` over the trees with masked claims, from their
/// masks' values at `(z_0, w)`.
pub(crate) fn mask_combination(values: &[(usize, [EF; 2])], lambda: EF) -> EF {
    let l2 = lambda.square();
    values
        .iter()
        .map(|&(j, [rp, rq])| l2.exp_u64(j as u64) * (rp + lambda * rq))
        .sum()
}

/// `eq(z, x)·B̃(x)/2` summed, at one assignment, from the masked children.
fn parent_term(children: &[EF], lambda: EF, trees: usize) -> EF {
    let terms = layer_terms(&vec![Slot::Full; trees], lambda);
    terms
        .iter()
        .map(|t| t.factors.iter().fold(t.coeff, |acc, &f| acc * children[f]))
        .sum()
}

/// Proves layer `k` (claim point `z`, `k` coordinates). Returns the proof, the `x`-point `ρ`
/// and the mask claim of the ZK sumcheck.
pub(crate) fn prove_layer(
    z: &[EF],
    lambda: EF,
    mut trees: Vec<ProverTree>,
    zk_mask: &MaskPolynomial,
    transcript: &mut Transcript,
) -> (MaskedLayerProof, Vec<EF>, MaskClaim) {
    let k = z.len();
    let half = EF::TWO.inverse();
    let scale_m = EF::TWO.exp_u64(k as u64).inverse();
    let (z0, z_rest) = z
        .split_first()
        .map_or((EF::ZERO, &[][..]), |(a, b)| (*a, b));
    let zc = vanishing(z_rest);
    let m_at = |w: EF| {
        let vals: Vec<(usize, [EF; 2])> = trees
            .iter()
            .enumerate()
            .filter_map(|(j, t)| {
                t.claim_mask
                    .map(|[rp, rq]| (j, [bilinear(&rp, z0, w), bilinear(&rq, z0, w)]))
            })
            .collect();
        mask_combination(&vals, lambda)
    };
    let mut eq = eq_table(z);
    // Σ_x eq(z, x)·B(x) over the cube (no Z there).
    let cube_sum: EF = (0..1usize << k)
        .map(|i| {
            let ch: Vec<EF> = trees
                .iter()
                .flat_map(|t| t.tables.iter().map(|v| v[i]))
                .collect();
            eq[i] * parent_term(&ch, lambda, trees.len())
        })
        .sum();
    let claimed = cube_sum + zc * (m_at(EF::ZERO) + m_at(EF::ONE));

    let mask_sum = zk_mask.sum();
    transcript.absorb_ext(zk_labels::ZK_CLAIM, claimed);
    transcript.absorb_ext(zk_labels::MASK_SUM, mask_sum);
    let rho_m = transcript.challenge(zk_labels::MASK_COEFF);
    transcript.absorb_ext(sc_labels::CLAIM, claimed + rho_m * mask_sum);
    let mut round_polys = Vec::with_capacity(k + 1);
    let mut point: Vec<EF> = Vec::with_capacity(k + 1);
    let nodes: Vec<EF> = (0..=MASKED_LAYER_DEGREE).map(EF::from_usize).collect();
    let mut send = |f: Vec<EF>, point: &mut Vec<EF>, transcript: &mut Transcript| -> EF {
        let m = zk_mask.round_poly(point).unwrap_or_default();
        let g: Vec<EF> = f.iter().zip(&m).map(|(&a, &b)| a + rho_m * b).collect();
        transcript.absorb_exts(sc_labels::ROUND, &g);
        let r = transcript.challenge(sc_labels::CHALLENGE);
        point.push(r);
        round_polys.push(g);
        r
    };
    // Round 0: w.
    let f: Vec<EF> = nodes
        .iter()
        .map(|&t| cube_sum * half + zc * m_at(t))
        .collect();
    let c = send(f, &mut point, transcript);
    let m_c = zc * m_at(c) * scale_m;
    // Rounds 1..=k: x_0 … x_{k−1}.
    let mut zpre = EF::ONE;
    for i in 0..k {
        let len = 1usize << (k - i);
        let halfn = len / 2;
        let last = i + 1 == k;
        let rest = EF::TWO.exp_u64((k - 1 - i) as u64);
        let f: Vec<EF> = nodes
            .iter()
            .map(|&t| {
                let zt = if last {
                    zpre * t * (EF::ONE - t)
                } else {
                    EF::ZERO
                };
                let sum: EF = (0..halfn)
                    .map(|idx| {
                        let at = |v: &[EF]| v[idx] + t * (v[idx + halfn] - v[idx]);
                        let ch: Vec<EF> = trees
                            .iter()
                            .flat_map(|tr| {
                                let sums = tr.child_mask.map(|[rp, rq]| {
                                    [
                                        sum_w(&rp, EF::ZERO),
                                        sum_w(&rp, EF::ONE),
                                        sum_w(&rq, EF::ZERO),
                                        sum_w(&rq, EF::ONE),
                                    ]
                                });
                                (0..4).map(move |c| {
                                    at(&tr.tables[c]) + sums.map_or(EF::ZERO, |s| zt * s[c])
                                })
                            })
                            .collect();
                        at(&eq) * parent_term(&ch, lambda, trees.len())
                    })
                    .sum();
                sum * half + rest * m_c
            })
            .collect();
        let r = send(f, &mut point, transcript);
        zpre *= r * (EF::ONE - r);
        fix_first_var_in_place(&mut eq, r);
        for tr in &mut trees {
            for v in &mut tr.tables {
                fix_first_var_in_place(v, r);
            }
        }
    }
    let rho: Vec<EF> = point.get(1..).unwrap_or_default().to_vec();
    let zr = vanishing(&rho);
    let children: Vec<EF> = trees
        .iter()
        .flat_map(|tr| {
            let sums = tr.child_mask.map(|[rp, rq]| {
                [
                    sum_w(&rp, EF::ZERO),
                    sum_w(&rp, EF::ONE),
                    sum_w(&rq, EF::ZERO),
                    sum_w(&rq, EF::ONE),
                ]
            });
            (0..4).map(move |c| tr.tables[c][0] + sums.map_or(EF::ZERO, |s| zr * s[c]))
        })
        .collect();
    let mask_evals: Vec<[EF; 2]> = trees
        .iter()
        .filter_map(|t| {
            t.claim_mask
                .map(|[rp, rq]| [bilinear(&rp, z0, c), bilinear(&rq, z0, c)])
        })
        .collect();
    let mask_eval = zk_mask.evaluate(&point).unwrap_or_default();
    transcript.absorb_ext(zk_labels::MASK_EVAL, mask_eval);
    let proof = MaskedLayerProof {
        sumcheck: ZkSumcheckProof {
            mask_sum,
            sumcheck: SumcheckProof { round_polys },
            mask_eval,
        },
        children,
        mask_evals,
    };
    (
        proof,
        rho,
        MaskClaim {
            point,
            value: mask_eval,
        },
    )
}

/// What the verifier keeps from a masked layer.
pub(crate) struct LayerOutcome {
    /// The `x`-point `ρ` (the next claims are at `(μ, ρ)`).
    pub rho: Vec<EF>,
    /// The ZK sumcheck's mask claim.
    pub mask: MaskClaim,
    /// `(active position, [R_p(z_0, c), R_q(z_0, c)])` for every tree whose claim is masked.
    pub inner: Vec<(usize, [EF; 2])>,
    /// `(z_0, c)`, where the inner masks' claims are.
    pub inner_point: [EF; 2],
}

/// Verifies layer `k` (`z` of `k` coordinates) given the active trees' claims and which of them
/// are masked. Never panics.
pub(crate) fn verify_layer(
    z: &[EF],
    lambda: EF,
    claims: &[(EF, EF)],
    claim_masked: &[bool],
    proof: &MaskedLayerProof,
    transcript: &mut Transcript,
) -> Result<LayerOutcome, super::ZkLookupError> {
    use super::ZkLookupError;
    let k = z.len();
    let claimed = crate::proof::batch_claims(claims.iter().copied(), lambda);
    let sub = zkinfer_sumcheck::verify_zk(
        k + 1,
        MASKED_LAYER_DEGREE,
        claimed,
        &proof.sumcheck,
        transcript,
    )
    .map_err(|source| ZkLookupError::LayerSumcheck { layer: k, source })?;
    super::prover::count("children", 4 * claims.len(), proof.children.len())?;
    let masked: Vec<usize> = (0..claims.len())
        .filter(|&j| claim_masked.get(j).copied().unwrap_or(false))
        .collect();
    super::prover::count("inner mask values", masked.len(), proof.mask_evals.len())?;
    let (&c, rho) = sub.sub.point.split_first().ok_or(ZkLookupError::Count {
        what: "layer sumcheck rounds",
        expected: k + 1,
        got: 0,
    })?;
    let (z0, z_rest) = z
        .split_first()
        .map_or((EF::ZERO, &[][..]), |(a, b)| (*a, b));
    let inner: Vec<(usize, [EF; 2])> = masked
        .iter()
        .copied()
        .zip(proof.mask_evals.iter().copied())
        .collect();
    let m_c =
        vanishing(z_rest) * mask_combination(&inner, lambda) * EF::TWO.exp_u64(k as u64).inverse();
    let terms = layer_terms(&vec![Slot::Full; claims.len()], lambda);
    let parent = zkinfer_sumcheck::summand_at(&terms, None, &[], &proof.children)
        .map_err(|source| ZkLookupError::LayerSumcheck { layer: k, source })?;
    let expected = zkinfer_poly::eq_eval(z, rho) * parent * EF::TWO.inverse() + m_c;
    if expected != sub.sub.value {
        return Err(ZkLookupError::LayerSumcheck {
            layer: k,
            source: zkinfer_sumcheck::SumcheckError::FinalEvalMismatch {
                expected: sub.sub.value,
                got: expected,
            },
        });
    }
    Ok(LayerOutcome {
        rho: rho.to_vec(),
        mask: sub.mask,
        inner,
        inner_point: [z0, c],
    })
}
