// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskPool, Pool, PoolClaim, PoolProof} from "../MaskPool.sol";
import {ColumnClaim, MaskedProof, MaskedStatement, MaskedSumcheck} from "../MaskedSumcheck.sol";
import {PoolScript} from "./PoolScript.sol";

/// Test and gas harness for `MaskPool.sol` and `MaskedSumcheck.sol` (not part of a verifier). `run` walks a script
/// of the pool operations a proof's verifier performs (`PoolScript`; `zkinfer_evm::pool::encode_script`), then the
/// discharge, and returns the three claims on the pool's column. `runMasked` runs a masked sumcheck between the
/// script and the discharge (`zkinfer_evm::pool::encode_masked` encodes its statement, proof and reported
/// evaluations) and returns its column claims before the pool's claims.
contract PoolHarness {
    function run(bytes calldata context, bytes calldata script, bytes calldata proof)
        external
        view
        returns (uint256[] memory out, uint256 gasUsed, uint256 finishGas)
    {
        uint256 g = gasleft();
        PoolProof memory pr = PoolScript.readPoolProof(proof);
        Pool memory p = PoolScript.run(script);
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        PoolClaim[3] memory claims = MaskPool.finish(p, t, pr);
        finishGas = g1 - gasleft();
        out = PoolScript.flatten(new uint256[](0), claims);
        gasUsed = g - gasleft();
    }

    function runMasked(bytes calldata context, bytes calldata script, bytes calldata masked, bytes calldata proof)
        external
        view
        returns (uint256[] memory out, uint256 gasUsed, uint256 verifyGas)
    {
        uint256 g = gasleft();
        PoolProof memory pr = PoolScript.readPoolProof(proof);
        (MaskedStatement memory st, MaskedProof memory mp, uint256[] memory evals) = _masked(masked);
        Pool memory p = PoolScript.run(script);
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        ColumnClaim[] memory cols = MaskedSumcheck.verifyAndCheck(p, t, st, mp, evals);
        verifyGas = g1 - gasleft();
        out = PoolScript.flatten(PoolScript.flattenColumns(cols), MaskPool.finish(p, t, pr));
        gasUsed = g - gasleft();
    }

    /// Statement: 1-byte variables; 1-byte term count, per term its coefficient, 1-byte factor count and 1-byte
    /// factors; 1-byte eq flag and (if set) the eq point (`readExts8`); 1-byte private count and 1-byte columns;
    /// 1-byte incoming count, per incoming mask a 2-byte slot and its coefficient; the claimed sum. Then the proof
    /// (`PoolScript.readMaskedProof`) and the reported evaluations (`readExts8`).
    function _masked(bytes calldata data)
        private
        pure
        returns (MaskedStatement memory st, MaskedProof memory mp, uint256[] memory evals)
    {
        Cursor memory c = R.open(data);
        st.numVars = R.readUint(c, 1);
        uint256 terms = R.readUint(c, 1);
        st.coeffs = new uint256[](terms);
        st.factors = new uint256[][](terms);
        for (uint256 j = 0; j < terms; j++) {
            st.coeffs[j] = R.readExt(c);
            uint256[] memory fs = new uint256[](R.readUint(c, 1));
            for (uint256 i = 0; i < fs.length; i++) {
                fs[i] = R.readUint(c, 1);
            }
            st.factors[j] = fs;
        }
        st.hasEq = R.readUint(c, 1) != 0;
        if (st.hasEq) st.eqPoint = R.readExts8(c);
        st.priv = new uint256[](R.readUint(c, 1));
        for (uint256 i = 0; i < st.priv.length; i++) {
            st.priv[i] = R.readUint(c, 1);
        }
        uint256 k = R.readUint(c, 1);
        st.inSlots = new uint256[](k);
        st.inCoeffs = new uint256[](k);
        for (uint256 i = 0; i < k; i++) {
            st.inSlots[i] = R.readUint(c, 2);
            st.inCoeffs[i] = R.readExt(c);
        }
        st.claimedSum = R.readExt(c);
        mp = PoolScript.readMaskedProof(c);
        evals = R.readExts8(c);
        R.finish(c);
    }
}
