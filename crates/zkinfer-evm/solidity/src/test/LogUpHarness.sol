// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {
    BlindedLogUp,
    BlindedLookupProof,
    DeferredLookupClaims,
    LookupInstance
} from "../LogUpGkr.sol";
import {LeafForm, LookupTables} from "../LookupTables.sol";

/// Test and gas harness for `BlindedLogUp.verifyDeferred` (not part of a verifier). Decodes the statement and
/// the proof, verifies on a transcript started from `context`, and returns the claims flattened as
/// `zkinfer_evm::logup::flatten_claims` lays them out: α, β; the tree count, then per tree its instance, tree,
/// p, q, the point's length and the point; the inner claim count, then per claim instance, tree, height, z0, c,
/// R_p, R_q; the layer count, then per layer mask claim the point's length, the point and the value.
/// `tableColumns` and `leafForm` expose `LookupTables.sol` (a point as `ProofReader.readExts8` reads it).
contract LogUpHarness {
    function tableColumns(uint256 kind, uint256 bits, bytes calldata point) external pure returns (uint256[] memory) {
        return LookupTables.columnsAt(kind, bits, _point(point));
    }

    /// The leaf form flattened: s, z, the P constant, the multiplicity coefficient, the Q constant, the witness
    /// coefficients (count first), the two mask coefficients.
    function leafForm(bytes calldata point, bool isTable, uint256 kind, uint256 bits, uint256 alpha, uint256 beta)
        external
        pure
        returns (uint256[] memory out)
    {
        LeafForm memory f = LookupTables.leafForm(_point(point), isTable, kind, bits, alpha, beta);
        out = new uint256[](8 + f.witness.length);
        (out[0], out[1], out[2], out[3], out[4], out[5]) = (f.s, f.z, f.pConst, f.multiplicity, f.qConst, f.witness.length);
        for (uint256 c = 0; c < f.witness.length; c++) {
            out[6 + c] = f.witness[c];
        }
        out[6 + f.witness.length] = f.masks[0];
        out[7 + f.witness.length] = f.masks[1];
    }

    function _point(bytes calldata data) private pure returns (uint256[] memory p) {
        Cursor memory c = R.open(data);
        p = R.readExts8(c);
        R.finish(c);
    }

    function verifyDeferred(bytes calldata context, bytes calldata statement, bytes calldata proof)
        external
        view
        returns (uint256[] memory out, uint256 gasUsed, uint256 verifyGas)
    {
        uint256 g = gasleft();
        Cursor memory cs = R.open(statement);
        LookupInstance[] memory st = BlindedLogUp.readStatement(cs);
        R.finish(cs);
        Cursor memory c = R.open(proof);
        BlindedLookupProof memory p = BlindedLogUp.readProof(c);
        R.finish(c);
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        DeferredLookupClaims memory claims = BlindedLogUp.verifyDeferred(t, st, p);
        verifyGas = g1 - gasleft();
        out = _flatten(claims);
        gasUsed = g - gasleft();
    }

    function _flatten(DeferredLookupClaims memory c) private pure returns (uint256[] memory out) {
        // α, β, the three counts.
        uint256 n = 5 + 7 * c.inner.length;
        for (uint256 j = 0; j < c.leaves.length; j++) {
            n += 5 + c.leaves[j].point.length;
        }
        for (uint256 k = 0; k < c.masks.length; k++) {
            n += 2 + c.masks[k].point.length;
        }
        out = new uint256[](n);
        uint256 o = 0;
        out[o++] = c.alpha;
        out[o++] = c.beta;
        out[o++] = c.leaves.length;
        for (uint256 j = 0; j < c.leaves.length; j++) {
            out[o++] = c.leaves[j].instance;
            out[o++] = c.leaves[j].tree;
            out[o++] = c.leaves[j].p;
            out[o++] = c.leaves[j].q;
            o = _put(out, o, c.leaves[j].point);
        }
        out[o++] = c.inner.length;
        for (uint256 i = 0; i < c.inner.length; i++) {
            out[o++] = c.inner[i].instance;
            out[o++] = c.inner[i].tree;
            out[o++] = c.inner[i].height;
            out[o++] = c.inner[i].z0;
            out[o++] = c.inner[i].c;
            out[o++] = c.inner[i].rp;
            out[o++] = c.inner[i].rq;
        }
        out[o++] = c.masks.length;
        for (uint256 k = 0; k < c.masks.length; k++) {
            o = _put(out, o, c.masks[k].point);
            out[o++] = c.masks[k].value;
        }
    }

    function _put(uint256[] memory out, uint256 o, uint256[] memory xs) private pure returns (uint256) {
        out[o++] = xs.length;
        for (uint256 i = 0; i < xs.length; i++) {
            out[o++] = xs[i];
        }
        return o;
    }
}
