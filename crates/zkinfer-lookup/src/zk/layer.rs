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
use zkinfer_sumcheck::verifier::interpolate_uni;
use zkinfer_sumcheck::zk::{MaskClaim, ZkSumcheckProof, labels as zk_labels};
use zkinfer_sumcheck::{MaskPolynomial, RoundProver, SumcheckProof, labels as sc_labels};

use crate::proof::{Slot, layer_terms};

/// `[a, b, c, d]`: `R(y_0, w) = a + b·y_0 + c·w + d·y_0·w`.
pub type Bilinear = [EF; 4];

/// The degree of a masked layer sumcheck's last round (`eq · Ṽ · Ṽ`, `Ṽ` of degree 2 in that
/// variable), its highest.
pub const MASKED_LAYER_DEGREE: usize = 5;

/// The round degrees of layer `k`'s masked sumcheck over `(w, x)`, `k + 1` rounds: the `w` round
/// is linear (`Z(z')·M(w)`), `x_0 … x_{k−2}` have degree 3 (`eq·B` with the children
/// multilinear there: `Z` vanishes on the cube), `x_{k−1}` has [`MASKED_LAYER_DEGREE`] (the
/// children carry `Z(ρ)·Σ_w R`, quadratic in that variable). The layer's mask has these degrees
/// too, so each round sends as many values as its degree (proof format 28; before, every round
/// was sent at degree 5, its two or four top coefficients only mask noise).
#[must_use]
pub fn masked_layer_degrees(k: usize) -> Vec<usize> {
    let mut degrees = vec![1];
    if k >= 1 {
        degrees.extend(std::iter::repeat_n(3, k - 1));
        degrees.push(MASKED_LAYER_DEGREE);
    }
    degrees
}

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

/// The coefficients of `S_V[0]` and `S_V[1]` (see [`InnerMasks::set_leaf`]) in a leaf claim
/// at `point = (μ ‖ ρ)`: `[Z(ρ)·(1 − μ), Z(ρ)·μ]`.
pub fn leaf_mask_coefficients(point: &[EF]) -> [EF; 2] {
    let (mu, rho) = point
        .split_first()
        .map_or((EF::ZERO, &[][..]), |(a, b)| (*a, b));
    let z = vanishing(rho);
    [z * (EF::ONE - mu), z * mu]
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

    /// Sets tree `j`'s leaf masks (height `H_j`, used only by the deferred protocol,
    /// [`super::prove_blinded_many_deferred`]) so that `Σ_w R_V(y_0, w) = (1 − y_0)·S_V[0] +
    /// y_0·S_V[1]` for `V = p` (`sums[0]`) and `V = q` (`sums[1]`): the masked leaf values at the
    /// last layer's children `(b, ρ)` are `V(b, ρ) + Z(ρ)·S_V[b]`, and the leaf claim is
    /// `V(μ, ρ) + Z(ρ)·((1 − μ)·S_V[0] + μ·S_V[1])` ([`leaf_mask_coefficients`]). The caller
    /// owns the randomness `S` (e.g. the engine's mask pool) and accounts for it.
    ///
    /// # Errors
    /// [`super::ZkLookupError::Count`] for a tree that does not exist or is shorter than 2
    /// (a leaf layer of height 1 has no coordinate to vanish on).
    pub fn set_leaf(&mut self, j: usize, sums: [[EF; 2]; 2]) -> Result<(), super::ZkLookupError> {
        let tree = self.trees.get_mut(j).ok_or(super::ZkLookupError::Count {
            what: "inner mask trees",
            expected: j + 1,
            got: 0,
        })?;
        let height = tree.len().saturating_sub(1);
        if height < 2 {
            return Err(super::ZkLookupError::Count {
                what: "leaf-masked tree height",
                expected: 2,
                got: height,
            });
        }
        let half = EF::TWO.inverse();
        if let Some(leaf) = tree.last_mut() {
            *leaf = sums.map(|[s0, s1]| [s0 * half, (s1 - s0) * half, EF::ZERO, EF::ZERO]);
        }
        Ok(())
    }

    /// Tree `j`'s masks at height `h`, if that layer is masked (`2 ≤ h < height`; also the
    /// leaves, `h = height ≥ 2`, which are zero unless [`InnerMasks::set_leaf`] set them).
    pub(crate) fn at(&self, j: usize, h: usize, height: usize) -> Option<[Bilinear; 2]> {
        if (2..=height).contains(&h) {
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

/// One active tree of a layer, on the prover's side. Its columns are in the layer's
/// [`RoundProver`] (from its offset): `[p_L, p_R, q_L, q_R]` for [`Slot::Full`], `[q_L, q_R]`
/// for [`Slot::Ones`] (`p_L = p_R = 1`), `[p_L, q_L]` for [`Slot::Padded`] (`p_R = 0`,
/// `q_R = 1`); the right children get the sparse corrections `p_R += e_p`, `q_R += e_q` (the two
/// blinding slots), which the plain kernels do not see.
pub(crate) struct ProverTree {
    pub slot: Slot,
    /// `(index, value)`: the non-zero entries of `e_p`.
    pub sparse_p: Vec<(usize, EF)>,
    /// `(index, value)`: the non-zero entries of `e_q`.
    pub sparse_q: Vec<(usize, EF)>,
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

/// `Σ_w` of the child masks per child `[p_L, p_R, q_L, q_R]` (zeros if unmasked).
fn child_sums(mask: Option<[Bilinear; 2]>) -> [EF; 4] {
    mask.map_or([EF::ZERO; 4], |[rp, rq]| {
        [
            sum_w(&rp, EF::ZERO),
            sum_w(&rp, EF::ONE),
            sum_w(&rq, EF::ZERO),
            sum_w(&rq, EF::ONE),
        ]
    })
}

/// Binds the leading variable of a sparse `e` of current length `2·halfn` to `r`.
fn fold_sparse(sparse: &mut Vec<(usize, EF)>, halfn: usize, r: EF) {
    let mut out: Vec<(usize, EF)> = Vec::with_capacity(sparse.len());
    for &(i, v) in sparse.iter() {
        let (j, w) = if i < halfn {
            (i, (EF::ONE - r) * v)
        } else {
            (i - halfn, r * v)
        };
        match out.iter_mut().find(|(k, _)| *k == j) {
            Some(e) => e.1 += w,
            None => out.push((j, w)),
        }
    }
    *sparse = out;
}

/// `eq(a, t)` for one variable.
fn eq1(a: EF, t: EF) -> EF {
    a * t + (EF::ONE - a) * (EF::ONE - t)
}

/// The parent expression `Σ_j λ^{2j}(p_L q_R + p_R q_L) + λ^{2j+1} q_L q_R` over the trees'
/// children `[p_L, p_R, q_L, q_R]`.
fn parent_expr(children: impl Iterator<Item = [EF; 4]>, lambda: EF) -> EF {
    let (mut sum, mut coeff) = (EF::ZERO, EF::ONE);
    for [pl, pr, ql, qr] in children {
        sum += coeff * (pl * qr + pr * ql + lambda * ql * qr);
        coeff *= lambda.square();
    }
    sum
}

/// Extends a polynomial's values at `0..values.len()` to `0..=MASKED_LAYER_DEGREE`.
fn extend(values: &[EF]) -> Vec<EF> {
    (0..=MASKED_LAYER_DEGREE)
        .map(|t| {
            values
                .get(t)
                .copied()
                .unwrap_or_else(|| interpolate_uni(values, EF::from_usize(t)))
        })
        .collect()
}

/// A tree's children `[p_L, p_R, q_L, q_R]` at entry `idx` of the current tables, with or
/// without the sparse corrections.
fn child_at(inst: &RoundProver, tr: &ProverTree, off: usize, idx: usize, sparse: bool) -> [EF; 4] {
    let v = |c: usize| inst.value(off + c, idx).unwrap_or_default();
    let e = |s: &[(usize, EF)]| -> EF {
        if sparse {
            s.iter().filter(|p| p.0 == idx).map(|p| p.1).sum()
        } else {
            EF::ZERO
        }
    };
    let (ep, eq) = (e(&tr.sparse_p), e(&tr.sparse_q));
    match tr.slot {
        Slot::Full => [v(0), v(1) + ep, v(2), v(3) + eq],
        Slot::Ones => [EF::ONE, EF::ONE + ep, v(0), v(1) + eq],
        Slot::Padded => [v(0), ep, v(1), EF::ONE + eq],
    }
}

/// `[V(x'), V(x' + halfn)]` per child: the children as lines in the current variable.
fn child_lines(
    inst: &RoundProver,
    tr: &ProverTree,
    off: usize,
    (halfn, x): (usize, usize),
    sparse: bool,
) -> [[EF; 2]; 4] {
    let (a, b) = (
        child_at(inst, tr, off, x, sparse),
        child_at(inst, tr, off, x + halfn, sparse),
    );
    [0, 1, 2, 3].map(|c| [a[c], b[c]])
}

fn at_t(lines: &[[EF; 2]; 4], t: EF) -> [EF; 4] {
    lines.map(|[a, b]| a + t * (b - a))
}

/// The sparse corrections of round `i` (current length `2·halfn`) at `X = 0..=3`: per tree with
/// corrections, `λ^{2j} Σ_{x'} eq(z, (ρ, X, x'))·(B(children) − B(children without them))`
/// over the few `x'` where they are non-zero.
fn sparse_round(
    trees: &[ProverTree],
    offsets: &[usize],
    inst: &RoundProver,
    (z, i, halfn, eq_scale, lambda): (&[EF], usize, usize, EF, EF),
) -> [EF; 4] {
    let mut h = [EF::ZERO; 4];
    let mut coeff = EF::ONE;
    for (tr, &off) in trees.iter().zip(offsets) {
        let mut xs: Vec<usize> = tr
            .sparse_p
            .iter()
            .chain(&tr.sparse_q)
            .map(|&(idx, _)| idx % halfn)
            .collect();
        xs.sort_unstable();
        xs.dedup();
        for x in xs {
            let full = child_lines(inst, tr, off, (halfn, x), true);
            let base = child_lines(inst, tr, off, (halfn, x), false);
            let w = coeff * eq_scale * zkinfer_poly::eq_at_index(&z[i + 1..], x);
            for (t, hv) in h.iter_mut().enumerate() {
                let t = EF::from_usize(t);
                let diff = parent_expr(std::iter::once(at_t(&full, t)), lambda)
                    - parent_expr(std::iter::once(at_t(&base, t)), lambda);
                *hv += w * eq1(z[i], t) * diff;
            }
        }
        coeff *= lambda.square();
    }
    h
}

/// Proves layer `k` (claim point `z`, `k` coordinates; `claimed` the batched claim) over the
/// active trees, whose columns are in `inst` (built with `eq(z, ·)` and the layer's plain
/// terms). Returns the proof, the `x`-point `ρ` and the mask claim of the ZK sumcheck.
///
/// Rounds: `w` in closed form (`O(trees)`); `x_0 … x_{k−2}` with the plain kernels (`Z = 0`
/// there) plus the sparse corrections (`O(trees·k)`); `x_{k−1}` (degree 5) in closed form from
/// the two-entry tables left.
pub(crate) fn prove_layer(
    z: &[EF],
    lambda: EF,
    claimed: EF,
    mut trees: Vec<ProverTree>,
    mut inst: RoundProver,
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
    // Σ_x eq(z, x)·B(x) over the cube (no Z there), from the claim.
    let cube_sum = claimed - zc * (m_at(EF::ZERO) + m_at(EF::ONE));
    let offsets: Vec<usize> = trees
        .iter()
        .scan(0, |o, t| {
            let here = *o;
            *o += t.slot.width();
            Some(here)
        })
        .collect();

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
        let message = zkinfer_sumcheck::round_message(&g);
        transcript.absorb_exts(sc_labels::ROUND, &message);
        let r = transcript.challenge(sc_labels::CHALLENGE);
        point.push(r);
        round_polys.push(message);
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
    let (mut zpre, mut eq_scale) = (EF::ONE, EF::ONE);
    for i in 0..k {
        let halfn = 1usize << (k - 1 - i);
        if i + 1 < k {
            let rest = EF::TWO.exp_u64((k - 1 - i) as u64);
            let plain = inst.round_poly();
            let sparse = sparse_round(&trees, &offsets, &inst, (z, i, halfn, eq_scale, lambda));
            // The plain part has the kernels' degree (2 for a lone `Padded` tree), the sparse
            // part degree 3: extend both before adding.
            let f = extend(&plain)
                .iter()
                .zip(extend(&sparse))
                .map(|(&a, b)| (a + b) * half + rest * m_c)
                .collect();
            let r = send(f, &mut point, transcript);
            inst.bind(&plain, r);
            for tr in &mut trees {
                fold_sparse(&mut tr.sparse_p, halfn, r);
                fold_sparse(&mut tr.sparse_q, halfn, r);
            }
            zpre *= r * (EF::ONE - r);
            eq_scale *= eq1(z[i], r);
        } else {
            let all: Vec<([[EF; 2]; 4], [EF; 4])> = trees
                .iter()
                .zip(&offsets)
                .map(|(tr, &off)| {
                    let lines = child_lines(&inst, tr, off, (1, 0), true);
                    (lines, child_sums(tr.child_mask))
                })
                .collect();
            let at = |t: EF| -> EF {
                let zt = zpre * t * (EF::ONE - t);
                let children = all.iter().map(|(e, s)| {
                    [0, 1, 2, 3].map(|c| e[c][0] + t * (e[c][1] - e[c][0]) + zt * s[c])
                });
                eq_scale * eq1(z[i], t) * parent_expr(children, lambda)
            };
            let f = nodes.iter().map(|&t| at(t) * half + m_c).collect();
            // The challenge is the last coordinate of `point`, read below.
            let _ = send(f, &mut point, transcript);
        }
    }
    let rho: Vec<EF> = point.get(1..).unwrap_or_default().to_vec();
    let zr = vanishing(&rho);
    let children: Vec<EF> = match rho.last() {
        // k ≥ 1: the last round's lines at its challenge.
        Some(&r) => trees
            .iter()
            .zip(&offsets)
            .flat_map(|(tr, &off)| {
                let lines = child_lines(&inst, tr, off, (1, 0), true);
                let s = child_sums(tr.child_mask);
                let v = at_t(&lines, r);
                [0, 1, 2, 3].map(|c| v[c] + zr * s[c])
            })
            .collect(),
        // k = 0: the single entries (layer 0's children are never masked).
        None => trees
            .iter()
            .zip(&offsets)
            .flat_map(|(tr, &off)| child_at(&inst, tr, off, 0, true))
            .collect(),
    };
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
    let sub = zkinfer_sumcheck::zk::verify_zk_per_round(
        &masked_layer_degrees(k),
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
