// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {Whir} from "./Whir.sol";
import {WhirAlgebra as A} from "./WhirAlgebra.sol";
import {HidingBaseCase as H} from "./HidingBaseCase.sol";

/// @title The algebra of a hiding p3-whir 0.8 opening (HVZK-WHIR, zkinfer-pcs' `HidingPcs`) with the challenges
/// given: the masked sumcheck batches (`ZkVerifier::replay_claim`: target ← ε·target + mu_tilde, per round
/// c1 = target − 2·c0 − Σ higher and target ← the round polynomial at the challenge), the symbolic source claim
/// (eq constraints of the lifted claim points with α-powers, power constraints of the OOD and STIR points, all
/// folded by eq / select at each batch's challenges and scaled by ε), the mask covectors (each batch's sumcheck
/// masks, powers of its challenges; each round's `switch_mask_covector`; earlier ones scaled by ε·2^−k), the
/// code-switch batching, and the base case's target check ⟨f*, W⟩ + Σ⟨ξ*_i, u_i⟩ = μ_g + γ·target
/// (`TargetCheckFailed`).
/// @notice Nothing is materialised: ⟨f*, eq(p, ·)⟩ is the multilinear extension of f* at p (`Whir.foldRow`),
/// ⟨f*, (v^i)_i⟩ is a Horner evaluation, a mask's covector is dotted with its reveal when it appears and the
/// running sum takes every later batch's scale. `zkinfer_evm::hiding::HidingAlgebra` encodes the message and
/// is the Rust twin, error for error; both are checked against real `HidingPcs` proofs p3 accepted. NOT a hiding
/// verifier: the challenges and opened rows are inputs (see crates/zkinfer-evm/README.md).
/// Message (big-endian; EF as `ProofReader`): n and the sumcheck mask length (1 byte each); γ, μ_g; f* (2-byte
/// length, EF values); the mask reveals (2-byte count, each a 2-byte length and EF values); the claims (2-byte
/// count, each n EF point coordinates and the EF value); α; the batch count (1 byte); per batch b, after a
/// code-switching round when b > 0 — the OOD count (1 byte) and (ρ, answer) pairs, the STIR index width
/// (1 byte), the query count and row width (2 bytes each), per query its index (4 bytes) and row (EF values),
/// the batching challenge, the code-switch mask's length (2 bytes) — then ε, mu_tilde, the round count and the
/// coefficients per round (1 byte each), per round its coefficients and its challenge.
library HidingAlgebra {
    error BadHidingShape(uint256 what);
    error TargetCheckFailed();

    uint256 private constant ONE = 1;

    struct State {
        uint256 target;
        uint256 numVars;
        uint256 maskLen;
        /// Eq terms: the claims' points, how much of each is folded, the coefficients.
        uint256[][] eqPoint;
        uint256 eqOff;
        uint256[] eqCoeff;
        /// Power terms, per round: the variables and the coefficients.
        uint256[][] powVar;
        uint256[][] powCoeff;
        uint256 rounds;
        /// The mask reveals, the next one, the running Σ⟨ξ*_i, u_i⟩, a length mismatch seen.
        uint256[][] masks;
        uint256 nextMask;
        uint256 maskSum;
        bool maskShapeBad;
        uint256[] randomness;
    }

    /// Σ_i coeffs[i] · v^i for the first `n` coefficients, v in EF.
    function _hornerExt(uint256[] memory coeffs, uint256 n, uint256 v) private pure returns (uint256 acc) {
        if (v >> 64 == 0) return H.encodeAtPrefix(coeffs, n, v);
        for (uint256 i = n; i > 0; i--) {
            acc = G.extAdd(G.extMul(acc, v), coeffs[i - 1]);
        }
    }

    /// p3's `Point::eval_select(v, r)`: Π over r from the last, r_j·(v − 1) + 1, v squared each step.
    function _select(uint256 v, uint256[] memory r) private pure returns (uint256 acc) {
        acc = ONE;
        for (uint256 j = r.length; j > 0; j--) {
            acc = G.extMul(acc, G.extAdd(G.extMul(r[j - 1], G.extSub(v, ONE)), ONE));
            v = G.extMul(v, v);
        }
    }

    /// The next mask reveal's ⟨ξ*, u⟩ for a covector u of `len` entries (0 and the shape flag on a mismatch).
    function _takeMask(State memory s, uint256 len) private pure returns (uint256[] memory xi) {
        if (s.nextMask >= s.masks.length || s.masks[s.nextMask].length != len) {
            s.maskShapeBad = true;
            s.nextMask++;
            return new uint256[](0);
        }
        xi = s.masks[s.nextMask++];
    }

    function _readHeader(State memory s, Cursor memory c)
        private
        pure
        returns (uint256 gamma, uint256 masked, uint256[] memory fStar)
    {
        uint256 n = R.readUint(c, 1);
        s.maskLen = R.readUint(c, 1);
        gamma = R.readExt(c);
        masked = R.readExt(c);
        fStar = _readExts(c, R.readUint(c, 2));
        uint256 nm = R.readUint(c, 2);
        s.masks = new uint256[][](nm);
        for (uint256 i = 0; i < nm; i++) s.masks[i] = _readExts(c, R.readUint(c, 2));
        uint256 m = R.readUint(c, 2);
        s.eqPoint = new uint256[][](m);
        s.eqCoeff = new uint256[](m);
        uint256[] memory values = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            s.eqPoint[i] = _readExts(c, n);
            values[i] = R.readExt(c);
        }
        uint256 alpha = R.readExt(c);
        uint256 power = ONE;
        for (uint256 i = 0; i < m; i++) {
            s.eqCoeff[i] = power;
            s.target = G.extAdd(s.target, G.extMul(power, values[i]));
            power = G.extMul(power, alpha);
        }
        s.numVars = n;
    }

    function _readExts(Cursor memory c, uint256 k) private pure returns (uint256[] memory xs) {
        xs = new uint256[](k);
        for (uint256 i = 0; i < k; i++) xs[i] = R.readExt(c);
    }

    /// A code-switching round: the folded STIR rows and the OOD answers batched into the target, their power
    /// constraints, the code-switch mask's covector dotted with its reveal.
    function _switch(State memory s, Cursor memory c) private pure {
        uint256 ood = R.readUint(c, 1);
        uint256[] memory vars = new uint256[](ood);
        uint256[] memory values = new uint256[](ood);
        for (uint256 j = 0; j < ood; j++) {
            vars[j] = R.readExt(c);
            values[j] = R.readExt(c);
        }
        uint256 bits = R.readUint(c, 1);
        if (bits > 32) revert BadHidingShape(6);
        uint256 q = R.readUint(c, 2);
        uint256 width = R.readUint(c, 2);
        uint256[] memory allVars = new uint256[](ood + q);
        uint256[] memory allValues = new uint256[](ood + q);
        for (uint256 j = 0; j < ood; j++) {
            allVars[j] = vars[j];
            allValues[j] = values[j];
        }
        uint256[] memory row = new uint256[](width);
        for (uint256 j = 0; j < q; j++) {
            uint256 index = R.readUint(c, 4);
            if (index >> bits != 0) revert BadHidingShape(7);
            for (uint256 i = 0; i < width; i++) row[i] = R.readExt(c);
            allValues[ood + j] = Whir.foldRow(row, s.randomness);
            allVars[ood + j] = A.omegaPow(bits, index);
        }
        uint256 comb = R.readExt(c);
        uint256 switchLen = R.readUint(c, 2);
        if (switchLen < ood) revert BadHidingShape(1);
        uint256[] memory xi = _takeMask(s, switchLen);
        uint256[] memory coeffs = new uint256[](ood + q);
        uint256 coeff = comb;
        for (uint256 j = 0; j < ood + q; j++) {
            coeffs[j] = coeff;
            s.target = G.extAdd(s.target, G.extMul(coeff, allValues[j]));
            if (xi.length == switchLen) {
                // ⟨ξ*, c·v^shift·(v^s)_s⟩ over the slots the term reaches (OOD: all; STIR: the randomness).
                uint256 v = allVars[j];
                uint256 shifted = v;
                for (uint256 i = 0; i < s.numVars; i++) shifted = G.extMul(shifted, shifted);
                uint256 slots = j < ood ? switchLen : switchLen - ood;
                s.maskSum =
                    G.extAdd(s.maskSum, G.extMul(G.extMul(coeff, shifted), _hornerExt(xi, slots, v)));
            }
            coeff = G.extMul(coeff, comb);
        }
        s.powVar[s.rounds] = allVars;
        s.powCoeff[s.rounds] = coeffs;
        s.rounds++;
    }

    /// A masked sumcheck batch, then the fold of every source constraint and the masks' scale.
    function _batch(State memory s, Cursor memory c) private pure {
        uint256 eps = R.readExt(c);
        s.target = G.extAdd(G.extMul(eps, s.target), R.readExt(c));
        uint256 k = R.readUint(c, 1);
        uint256 w = R.readUint(c, 1);
        uint256[] memory r = new uint256[](k);
        for (uint256 j = 0; j < k; j++) {
            if (w == 0) revert BadHidingShape(3);
            uint256 c0 = R.readExt(c);
            uint256 higher = 0;
            uint256 sum = 0;
            uint256[] memory rest = _readExts(c, w - 1);
            uint256 g = R.readExt(c);
            for (uint256 i = w - 1; i > 0; i--) {
                higher = G.extAdd(G.extMul(higher, g), rest[i - 1]);
                sum = G.extAdd(sum, rest[i - 1]);
            }
            uint256 c1 = G.extSub(G.extSub(s.target, G.extAdd(c0, c0)), sum);
            s.target = G.extAdd(G.extAdd(G.extMul(G.extMul(higher, g), g), G.extMul(c1, g)), c0);
            r[j] = g;
        }
        if (k > s.numVars) revert BadHidingShape(2);
        // Eq terms: the next k coordinates of each point.
        for (uint256 i = 0; i < s.eqPoint.length; i++) {
            uint256 acc = ONE;
            uint256[] memory p = s.eqPoint[i];
            for (uint256 j = 0; j < k; j++) {
                uint256 l = p[s.eqOff + j];
                uint256 lr = G.extMul(l, r[j]);
                acc = G.extMul(acc, G.extAdd(G.extSub(G.extSub(G.extAdd(lr, lr), l), r[j]), ONE));
            }
            s.eqCoeff[i] = G.extMul(G.extMul(s.eqCoeff[i], acc), eps);
        }
        s.eqOff += k;
        // Power terms: select at v^(2^(numVars − k)).
        for (uint256 t = 0; t < s.rounds; t++) {
            uint256[] memory vars = s.powVar[t];
            uint256[] memory coeffs = s.powCoeff[t];
            for (uint256 j = 0; j < vars.length; j++) {
                uint256 seed = vars[j];
                for (uint256 i = 0; i < s.numVars - k; i++) seed = G.extMul(seed, seed);
                coeffs[j] = G.extMul(G.extMul(coeffs[j], _select(seed, r)), eps);
            }
        }
        // Masks: earlier ones scaled by ε·2^−k, then this batch's (powers of each challenge).
        s.maskSum = G.extMul(s.maskSum, G.extMul(eps, G.extInv(G.pow(2, k))));
        for (uint256 j = 0; j < k; j++) {
            uint256[] memory xi = _takeMask(s, s.maskLen);
            if (xi.length == s.maskLen) s.maskSum = G.extAdd(s.maskSum, _hornerExt(xi, s.maskLen, r[j]));
        }
        s.randomness = r;
        s.numVars -= k;
    }

    /// Checks the algebra (as `HidingAlgebra::check`); reverts with `BadHidingShape`, `WrongRowLength` or
    /// `TargetCheckFailed`.
    function check(Cursor memory c) internal pure {
        State memory s;
        (uint256 gamma, uint256 masked, uint256[] memory fStar) = _readHeader(s, c);
        uint256 nb = R.readUint(c, 1);
        s.powVar = new uint256[][](nb);
        s.powCoeff = new uint256[][](nb);
        s.randomness = new uint256[](0);
        for (uint256 b = 0; b < nb; b++) {
            if (b > 0) _switch(s, c);
            _batch(s, c);
        }
        R.finish(c);
        if (s.maskShapeBad || s.nextMask != s.masks.length) revert BadHidingShape(4);
        if (s.numVars >= 64 || fStar.length != 1 << s.numVars) revert BadHidingShape(5);
        uint256 lhs = s.maskSum;
        uint256[] memory copy = new uint256[](fStar.length);
        for (uint256 i = 0; i < s.eqPoint.length; i++) {
            uint256[] memory p = s.eqPoint[i];
            uint256[] memory rest = new uint256[](s.numVars);
            for (uint256 j = 0; j < s.numVars; j++) rest[j] = p[s.eqOff + j];
            for (uint256 j = 0; j < fStar.length; j++) copy[j] = fStar[j];
            lhs = G.extAdd(lhs, G.extMul(s.eqCoeff[i], Whir.foldRow(copy, rest)));
        }
        for (uint256 t = 0; t < s.rounds; t++) {
            uint256[] memory vars = s.powVar[t];
            uint256[] memory coeffs = s.powCoeff[t];
            for (uint256 j = 0; j < vars.length; j++) {
                lhs = G.extAdd(lhs, G.extMul(coeffs[j], _hornerExt(fStar, fStar.length, vars[j])));
            }
        }
        if (lhs != G.extAdd(masked, G.extMul(gamma, s.target))) revert TargetCheckFailed();
    }
}
