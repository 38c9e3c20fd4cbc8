// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {Sumcheck} from "./Sumcheck.sol";
import {ZkSumcheck} from "./ZkSumcheck.sol";

/// One lookup instance of the statement: a table (its id, `Table::id`, and its width in bits) and its
/// witnesses' numbers of variables.
struct LookupInstance {
    bytes32 tableId;
    uint256 tableBits;
    uint256[] shapes;
}

/// One masked layer of a blinded LogUp-GKR proof (`zkinfer_lookup::zk::MaskedLayerProof`).
struct MaskedLayer {
    uint256 maskSum;
    uint256[][] rounds;
    uint256 maskEval;
    /// Per active tree `[p̃_L, p̃_R, q̃_L, q̃_R]`.
    uint256[] children;
    /// Per active tree whose claim is masked, `R_p(z_0, c)` then `R_q(z_0, c)`.
    uint256[] maskEvals;
}

/// A deferred blinded LogUp-GKR proof: the roots (`p, q` per tree) and the layers, from the root down.
struct BlindedLookupProof {
    uint256[] roots;
    MaskedLayer[] layers;
}

/// A tree's leaf claim (`zkinfer_lookup::zk::LeafClaim`): the masked leaf polynomials at `point` are `p`, `q`.
struct LeafClaim {
    uint256 instance;
    uint256 tree;
    uint256[] point;
    uint256 p;
    uint256 q;
}

/// A claim on a tree's `Z·R` masks at height `height` (`zkinfer_lookup::zk::InnerMaskClaim`):
/// `R_p(z0, c) = rp`, `R_q(z0, c) = rq`.
struct InnerMaskClaim {
    uint256 instance;
    uint256 tree;
    uint256 height;
    uint256 z0;
    uint256 c;
    uint256 rp;
    uint256 rq;
}

/// A layer mask's claim (`zkinfer_sumcheck::zk::MaskClaim`): the mask at `point` is `value`.
struct LayerMaskClaim {
    uint256[] point;
    uint256 value;
}

/// What a deferred blinded LogUp-GKR verification leaves to the caller (`BlindedClaims` with `leaves`).
struct DeferredLookupClaims {
    uint256 alpha;
    uint256 beta;
    LeafClaim[] leaves;
    /// Grouped by instance (as `InstanceClaims::inner`), each group in layer order.
    InnerMaskClaim[] inner;
    LayerMaskClaim[] masks;
}

/// @title The blinded LogUp-GKR verifier with deferred leaves (`zkinfer_lookup::zk::verify_blinded_many_deferred`),
/// what the engine runs for every proof's lookups (docs/ZK.md §14).
/// @notice Transcript, in the Rust verifier's order: the marker "lookup-zk/blinded"; per instance the table id
/// ("lookup/table") and the witness shapes as u64 little-endian ("lookup/shapes"); α, β; the roots
/// ("lookup/roots"); per layer k: λ, the layer's ZK sumcheck over `(w, x)` (`ZkSumcheck.verifyPerRound`, degrees
/// 1, 3, …, 3, 5), the children ("lookup/children"), the inner masks' values ("lookup-zk/inner-mask-evals"), μ.
/// The checks: root denominators non-zero and each instance's witness roots summing to its table root; each
/// layer's closing identity `eq(z, ρ)·B(children)/2 + Z(z')·M(c)/2^k = f(c, ρ)`. What is returned is unchecked
/// and must be discharged by the caller: every tree's leaf claim (the masked leaf values), every inner mask
/// claim and every layer mask claim (the mask pool's opening). Errors are named as the Rust ones.
library BlindedLogUp {
    /// `Table::validate`: a table's width outside `1..=MAX_TABLE_BITS`.
    error TableBits(uint256 bits, uint256 max);
    /// A witness of no variables (it has no room for the two blinding slots).
    error WitnessTooSmall(uint256 witness, uint256 vars);
    /// A witness of more than `MAX_WITNESS_VARS` variables.
    error TooManyVars(uint256 witness, uint256 got, uint256 max);
    /// A count in the proof differs from the statement's (`what`: see `COUNT_*`).
    error Count(uint256 what, uint256 expected, uint256 got);
    /// A root's denominator is zero.
    error ZeroDenominator(uint256 tree);
    /// An instance's witness roots do not sum to its table root.
    error Unbalanced(uint256 instance);

    uint256 internal constant COUNT_ROOTS = 0;
    uint256 internal constant COUNT_LAYERS = 1;
    uint256 internal constant COUNT_CHILDREN = 2;
    uint256 internal constant COUNT_INNER_MASK_VALUES = 3;

    /// `zkinfer_field::MAX_TABLE_BITS`, `zkinfer_lookup::MAX_WITNESS_VARS`.
    uint256 internal constant MAX_TABLE_BITS = 16;
    uint256 internal constant MAX_WITNESS_VARS = 40;

    /// Encoded labels (`KeccakTranscript.encodeLabel`) of zkinfer_lookup's `labels` and `zk::labels`.
    bytes internal constant BLINDED = hex"98d1a8997b9f8fe6";
    bytes internal constant TABLE = hex"0b0d0306d6d29bd9";
    bytes internal constant SHAPES = hex"910dff05ddd19fd8";
    bytes internal constant ALPHA = hex"00ff060ae1e097c2";
    bytes internal constant BETA = hex"07fb0d6bdae49062";
    bytes internal constant ROOTS = hex"fdfffaf7e3dfa3e5";
    bytes internal constant LAMBDA = hex"aa010d07d6dd91d0";
    bytes internal constant CHILDREN = hex"92a09406ddd99bc7";
    bytes internal constant INNER_MASK_EVALS = hex"2cb30a3146d9ac1b";
    bytes internal constant MU = hex"f76e6f6bea702f6d";

    /// 1/2 in Goldilocks.
    uint256 private constant INV2 = 0x7FFFFFFF80000001;

    /// The trees of the statement, in the proof's order (per instance its witnesses, then its table).
    struct Trees {
        uint256[] instance;
        uint256[] tree;
        uint256[] height;
        uint256 maxHeight;
    }

    // ---------------------------------------------------------------- calldata

    /// Reads a statement: a 1-byte instance count; per instance the 32-byte table id, a 1-byte table width, a
    /// 2-byte witness count and one byte per witness (its number of variables).
    function readStatement(Cursor memory c) internal pure returns (LookupInstance[] memory st) {
        uint256 n = R.readUint(c, 1);
        st = new LookupInstance[](n);
        for (uint256 i = 0; i < n; i++) {
            st[i].tableId = bytes32(R.readUint(c, 32));
            st[i].tableBits = R.readUint(c, 1);
            uint256 m = R.readUint(c, 2);
            if (m > c.end - c.pos) revert R.Truncated(c.pos - c.base, m);
            uint256[] memory shapes = new uint256[](m);
            for (uint256 w = 0; w < m; w++) {
                shapes[w] = R.readUint(c, 1);
            }
            st[i].shapes = shapes;
        }
    }

    /// Reads a deferred proof (`zkinfer_evm::logup::encode_deferred_proof`): a 2-byte root count and the
    /// roots (`p, q`); a 1-byte layer count; per layer the mask's sum, the rounds (`ProofReader`'s sumcheck
    /// proof), the mask's value, a 2-byte children count and the children, a 1-byte count of inner-mask pairs
    /// and the pairs.
    function readProof(Cursor memory c) internal pure returns (BlindedLookupProof memory p) {
        uint256 n = R.readUint(c, 2);
        if (2 * 16 * n > c.end - c.pos) revert R.Truncated(c.pos - c.base, 2 * 16 * n);
        p.roots = new uint256[](2 * n);
        for (uint256 i = 0; i < 2 * n; i++) {
            p.roots[i] = R.readExt(c);
        }
        uint256 layers = R.readUint(c, 1);
        p.layers = new MaskedLayer[](layers);
        for (uint256 k = 0; k < layers; k++) {
            MaskedLayer memory l = p.layers[k];
            l.maskSum = R.readExt(c);
            l.rounds = R.readSumcheckProof(c);
            l.maskEval = R.readExt(c);
            uint256 m = R.readUint(c, 2);
            if (16 * m > c.end - c.pos) revert R.Truncated(c.pos - c.base, 16 * m);
            l.children = new uint256[](m);
            for (uint256 i = 0; i < m; i++) {
                l.children[i] = R.readExt(c);
            }
            uint256 q = R.readUint(c, 1);
            l.maskEvals = new uint256[](2 * q);
            for (uint256 i = 0; i < 2 * q; i++) {
                l.maskEvals[i] = R.readExt(c);
            }
        }
    }

    // ---------------------------------------------------------------- verifier

    /// Verifies a deferred blinded LogUp-GKR proof of the statement `st` on the transcript `t` (whose state
    /// must follow the absorbs of every commitment the lookup's claims will be checked against). Returns the
    /// claims the caller must discharge; reverts with a named error on the first failed check.
    function verifyDeferred(Transcript memory t, LookupInstance[] memory st, BlindedLookupProof memory proof)
        internal
        pure
        returns (DeferredLookupClaims memory out)
    {
        Trees memory tr = _trees(st);
        uint256 nTrees = tr.height.length;
        T.absorbBytes(t, BLINDED, "");
        for (uint256 i = 0; i < st.length; i++) {
            T.absorbBytes(t, TABLE, abi.encodePacked(st[i].tableId));
            T.absorbBytes(t, SHAPES, _shapeBytes(st[i].shapes));
        }
        out.alpha = T.challenge(t, ALPHA);
        out.beta = T.challenge(t, BETA);
        if (proof.roots.length != 2 * nTrees) revert Count(COUNT_ROOTS, nTrees, proof.roots.length / 2);
        T.absorbExts(t, ROOTS, proof.roots);
        _checkRoots(st, proof.roots);
        if (proof.layers.length != tr.maxHeight) revert Count(COUNT_LAYERS, tr.maxHeight, proof.layers.length);

        // Claims (p, q) per tree, the current claim point z and each tree's leaf point.
        uint256[] memory cp = new uint256[](nTrees);
        uint256[] memory cq = new uint256[](nTrees);
        for (uint256 j = 0; j < nTrees; j++) {
            cp[j] = proof.roots[2 * j];
            cq[j] = proof.roots[2 * j + 1];
        }
        uint256[][] memory leafPoints = new uint256[][](nTrees);
        out.masks = new LayerMaskClaim[](tr.maxHeight);
        InnerMaskClaim[] memory inner = new InnerMaskClaim[](_innerCount(tr));
        uint256 nInner = 0;
        uint256[] memory z = new uint256[](0);
        // The layers' barycentric weights (degrees 1, 3 and 5), computed once.
        uint256[][] memory weights = new uint256[][](6);
        for (uint256 k = 0; k < proof.layers.length; k++) {
            MaskedLayer memory layer = proof.layers[k];
            uint256 lambda = T.challenge(t, LAMBDA);
            uint256[] memory active = _active(tr, k);
            uint256[] memory rho;
            uint256 c;
            (rho, c, out.masks[k]) = _layer(t, k, z, lambda, active, tr, cp, cq, layer, weights);
            T.absorbExts(t, CHILDREN, layer.children);
            T.absorbExts(t, INNER_MASK_EVALS, layer.maskEvals);
            // Inner mask claims, in the order of the active trees whose claims are masked.
            uint256 q = 0;
            for (uint256 a = 0; a < active.length; a++) {
                uint256 j = active[a];
                if (k >= 2 && k < tr.height[j]) {
                    inner[nInner++] = InnerMaskClaim(
                        tr.instance[j],
                        tr.tree[j],
                        k,
                        z[0],
                        c,
                        layer.maskEvals[2 * q],
                        layer.maskEvals[2 * q + 1]
                    );
                    q++;
                }
            }
            uint256 mu = T.challenge(t, MU);
            z = new uint256[](rho.length + 1);
            z[0] = mu;
            for (uint256 i = 0; i < rho.length; i++) {
                z[i + 1] = rho[i];
            }
            for (uint256 a = 0; a < active.length; a++) {
                uint256 j = active[a];
                uint256[] memory ch = layer.children;
                cp[j] = _line(ch[4 * a], ch[4 * a + 1], mu);
                cq[j] = _line(ch[4 * a + 2], ch[4 * a + 3], mu);
                if (tr.height[j] == k + 1) leafPoints[j] = z;
            }
        }
        out.leaves = new LeafClaim[](nTrees);
        for (uint256 j = 0; j < nTrees; j++) {
            out.leaves[j] = LeafClaim(tr.instance[j], tr.tree[j], leafPoints[j], cp[j], cq[j]);
        }
        out.inner = _byInstance(inner, nInner, st.length);
    }

    /// The trees of `st` with their heights (a witness: its variables; a table: its width + 1), after the
    /// statement's checks (`Table::validate`, each witness's variables in `1..=MAX_WITNESS_VARS`).
    function _trees(LookupInstance[] memory st) private pure returns (Trees memory tr) {
        uint256 n = 0;
        for (uint256 i = 0; i < st.length; i++) {
            uint256 bits = st[i].tableBits;
            if (bits == 0 || bits > MAX_TABLE_BITS) revert TableBits(bits, MAX_TABLE_BITS);
            uint256[] memory shapes = st[i].shapes;
            for (uint256 w = 0; w < shapes.length; w++) {
                if (shapes[w] == 0) revert WitnessTooSmall(w, 0);
                if (shapes[w] > MAX_WITNESS_VARS) revert TooManyVars(w, shapes[w], MAX_WITNESS_VARS);
            }
            n += shapes.length + 1;
        }
        tr.instance = new uint256[](n);
        tr.tree = new uint256[](n);
        tr.height = new uint256[](n);
        uint256 j = 0;
        for (uint256 i = 0; i < st.length; i++) {
            uint256[] memory shapes = st[i].shapes;
            for (uint256 w = 0; w <= shapes.length; w++) {
                uint256 h = w < shapes.length ? shapes[w] : st[i].tableBits + 1;
                tr.instance[j] = i;
                tr.tree[j] = w;
                tr.height[j] = h;
                if (h > tr.maxHeight) tr.maxHeight = h;
                j++;
            }
        }
    }

    /// The witness shapes as the transcript absorbs them: u64 little-endian each.
    function _shapeBytes(uint256[] memory shapes) private pure returns (bytes memory b) {
        b = new bytes(8 * shapes.length);
        for (uint256 w = 0; w < shapes.length; w++) {
            // A shape is below 2^8: its little-endian u64 is the byte, then seven zeros.
            b[8 * w] = bytes1(uint8(shapes[w]));
        }
    }

    /// Root denominators non-zero; per instance, Σ p_w/q_w over the witnesses = p_t/q_t (cross-multiplied).
    function _checkRoots(LookupInstance[] memory st, uint256[] memory roots) private pure {
        for (uint256 j = 0; 2 * j < roots.length; j++) {
            if (roots[2 * j + 1] == 0) revert ZeroDenominator(j);
        }
        uint256 at = 0;
        for (uint256 i = 0; i < st.length; i++) {
            (uint256 pw, uint256 qw) = (0, 1);
            uint256 m = st[i].shapes.length;
            for (uint256 w = 0; w < m; w++) {
                (uint256 a, uint256 b) = (roots[2 * (at + w)], roots[2 * (at + w) + 1]);
                pw = G.extAdd(G.extMul(pw, b), G.extMul(a, qw));
                qw = G.extMul(qw, b);
            }
            (uint256 pt, uint256 qt) = (roots[2 * (at + m)], roots[2 * (at + m) + 1]);
            if (G.extMul(pw, qt) != G.extMul(pt, qw)) revert Unbalanced(i);
            at += m + 1;
        }
    }

    /// The positions (in tree order) of the trees still active at layer `k` (height > k).
    function _active(Trees memory tr, uint256 k) private pure returns (uint256[] memory active) {
        uint256 n = 0;
        for (uint256 j = 0; j < tr.height.length; j++) {
            if (tr.height[j] > k) n++;
        }
        active = new uint256[](n);
        n = 0;
        for (uint256 j = 0; j < tr.height.length; j++) {
            if (tr.height[j] > k) active[n++] = j;
        }
    }

    /// The number of inner mask claims: per tree, the layers `2 ≤ k < height`.
    function _innerCount(Trees memory tr) private pure returns (uint256 n) {
        for (uint256 j = 0; j < tr.height.length; j++) {
            if (tr.height[j] > 2) n += tr.height[j] - 2;
        }
    }

    /// Layer `k` (`zkinfer_lookup::zk::layer::verify_layer`): the ZK sumcheck of the batched claim over
    /// `(w, x)`, the counts, and the closing identity. Returns `ρ`, the `w` challenge `c` and the mask claim.
    function _layer(
        Transcript memory t,
        uint256 k,
        uint256[] memory z,
        uint256 lambda,
        uint256[] memory active,
        Trees memory tr,
        uint256[] memory cp,
        uint256[] memory cq,
        MaskedLayer memory layer,
        uint256[][] memory weights
    ) private pure returns (uint256[] memory rho, uint256 c, LayerMaskClaim memory mask) {
        uint256 l2 = G.extMul(lambda, lambda);
        uint256 claimed = 0;
        {
            uint256 coeff = 1;
            for (uint256 a = 0; a < active.length; a++) {
                uint256 j = active[a];
                claimed = G.extAdd(claimed, G.extMul(coeff, G.extAdd(cp[j], G.extMul(lambda, cq[j]))));
                coeff = G.extMul(coeff, l2);
            }
        }
        uint256[] memory point;
        uint256 value;
        (point, value, mask.value) = ZkSumcheck.verifyPerRoundCached(
            t, _degrees(k), claimed, layer.maskSum, layer.rounds, layer.maskEval, weights
        );
        mask.point = point;
        if (layer.children.length != 4 * active.length) {
            revert Count(COUNT_CHILDREN, 4 * active.length, layer.children.length);
        }
        // Masked claims: the active trees with 2 ≤ k < height; M(c) = Σ λ^{2a}(R_p + λ·R_q) at their positions.
        uint256 mc = 0;
        {
            uint256 nMasked = 0;
            for (uint256 a = 0; a < active.length; a++) {
                if (k >= 2 && k < tr.height[active[a]]) nMasked++;
            }
            if (layer.maskEvals.length != 2 * nMasked) {
                revert Count(COUNT_INNER_MASK_VALUES, nMasked, layer.maskEvals.length / 2);
            }
            uint256 q = 0;
            uint256 coeff = 1;
            for (uint256 a = 0; a < active.length; a++) {
                if (k >= 2 && k < tr.height[active[a]]) {
                    uint256 m = G.extAdd(layer.maskEvals[2 * q], G.extMul(lambda, layer.maskEvals[2 * q + 1]));
                    mc = G.extAdd(mc, G.extMul(coeff, m));
                    q++;
                }
                coeff = G.extMul(coeff, l2);
            }
        }
        c = point[0];
        rho = new uint256[](k);
        for (uint256 i = 0; i < k; i++) {
            rho[i] = point[i + 1];
        }
        // Z(z') with z' = z without its first coordinate, and 1/2^k.
        uint256 zc = 1;
        for (uint256 i = 1; i < k; i++) {
            zc = G.extMul(zc, G.extMul(z[i], G.extSub(1, z[i])));
        }
        mc = G.extMulBase(G.extMul(zc, mc), G.pow(INV2, k));
        uint256 expected = G.extMulBase(G.extMul(Sumcheck.eqEval(z, rho), _parent(layer.children, lambda)), INV2);
        expected = G.extAdd(expected, mc);
        // The Rust verifier's `LayerSumcheck { source: FinalEvalMismatch }`.
        if (expected != value) revert Sumcheck.FinalEvalMismatch(value, expected);
    }

    /// `zkinfer_lookup::zk::masked_layer_degrees(k)`: 1, then 3 × (k − 1), then 5 (k ≥ 1).
    function _degrees(uint256 k) private pure returns (uint256[] memory d) {
        d = new uint256[](k + 1);
        d[0] = 1;
        for (uint256 i = 1; i < k; i++) {
            d[i] = 3;
        }
        if (k >= 1) d[k] = 5;
    }

    /// `Σ_j λ^{2j}(p_L q_R + p_R q_L) + λ^{2j+1} q_L q_R` over the children `[p_L, p_R, q_L, q_R]` per tree.
    function _parent(uint256[] memory ch, uint256 lambda) private pure returns (uint256 sum) {
        uint256 l2 = G.extMul(lambda, lambda);
        uint256 coeff = 1;
        for (uint256 a = 0; 4 * a < ch.length; a++) {
            (uint256 pl, uint256 pr, uint256 ql, uint256 qr) = (ch[4 * a], ch[4 * a + 1], ch[4 * a + 2], ch[4 * a + 3]);
            uint256 p = G.extAdd(G.extMul(pl, qr), G.extMul(pr, ql));
            uint256 term = G.extAdd(p, G.extMul(lambda, G.extMul(ql, qr)));
            sum = G.extAdd(sum, G.extMul(coeff, term));
            coeff = G.extMul(coeff, l2);
        }
    }

    /// `l + μ(r − l)`.
    function _line(uint256 l, uint256 r, uint256 mu) private pure returns (uint256) {
        return G.extAdd(l, G.extMul(mu, G.extSub(r, l)));
    }

    /// The first `n` claims of `inner`, stably grouped by instance.
    function _byInstance(InnerMaskClaim[] memory inner, uint256 n, uint256 instances)
        private
        pure
        returns (InnerMaskClaim[] memory out)
    {
        out = new InnerMaskClaim[](n);
        uint256 o = 0;
        for (uint256 i = 0; i < instances; i++) {
            for (uint256 a = 0; a < n; a++) {
                if (inner[a].instance == i) out[o++] = inner[a];
            }
        }
    }
}
