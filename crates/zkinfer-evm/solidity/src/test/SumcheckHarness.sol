// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {Sumcheck} from "../Sumcheck.sol";
import {ZkSumcheck} from "../ZkSumcheck.sol";

/// Test and gas harness for the sumcheck verifier (not part of a verifier). `verify` decodes the proof
/// (round polynomials, then the columns' values at the final point), verifies the rounds, and discharges
/// the sub-claim against the statement's terms: [eq(eqPoint, ρ)] · Σ_j c_j Π evals[f_{j,i}].
/// Statement encoding: a 1-byte term count; per term its coefficient (EF), a 1-byte factor count and 1-byte
/// factor indices; a 1-byte eq flag, then (if set) the eq point (1-byte count, EF values).
contract SumcheckHarness {
    struct Statement {
        uint256[] coeffs;
        uint256[][] factors;
        bool hasEq;
        uint256[] eqPoint;
    }

    struct Decoded {
        uint256[][] rounds;
        uint256[] evals;
    }

    function verify(
        bytes calldata context,
        uint256 numVars,
        uint256 degree,
        uint256 claimedSum,
        bytes calldata statement,
        bytes calldata proof
    ) external view returns (uint256[] memory point, uint256 value, uint256 gasUsed, uint256 roundsGas) {
        uint256 g = gasleft();
        Statement memory s = _statement(statement);
        Decoded memory d = _decode(proof);
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        (point, value) = Sumcheck.verify(t, numVars, degree, claimedSum, d.rounds);
        roundsGas = g1 - gasleft();
        Sumcheck.checkProducts(value, s.coeffs, s.factors, s.hasEq, s.eqPoint, point, d.evals);
        gasUsed = g - gasleft();
    }

    /// `ZkSumcheck.verifyPerRound` on a proof encoded as the mask's sum, the round polynomials, the mask's
    /// value at the final point; `degrees` holds one byte per round. Returns the point, the sub-claim's value
    /// on `f`, the mask's claimed value, the gas of the whole call and of the verification alone.
    function verifyZk(bytes calldata context, bytes calldata degrees, uint256 claimedSum, bytes calldata proof)
        external
        view
        returns (uint256[] memory point, uint256 value, uint256 maskValue, uint256 gasUsed, uint256 verifyGas)
    {
        uint256 g = gasleft();
        uint256[] memory ds = new uint256[](degrees.length);
        for (uint256 k = 0; k < degrees.length; k++) {
            ds[k] = uint8(degrees[k]);
        }
        Cursor memory c = R.open(proof);
        uint256 maskSum = R.readExt(c);
        uint256[][] memory rounds = R.readSumcheckProof(c);
        uint256 maskEval = R.readExt(c);
        R.finish(c);
        Transcript memory t = T.init(context);
        uint256 g1 = gasleft();
        (point, value, maskValue) = ZkSumcheck.verifyPerRound(t, ds, claimedSum, maskSum, rounds, maskEval);
        verifyGas = g1 - gasleft();
        gasUsed = g - gasleft();
    }

    function _decode(bytes calldata proof) private pure returns (Decoded memory d) {
        Cursor memory c = R.open(proof);
        d.rounds = R.readSumcheckProof(c);
        d.evals = R.readExts8(c);
        R.finish(c);
    }

    function _statement(bytes calldata statement) private pure returns (Statement memory s) {
        Cursor memory c = R.open(statement);
        uint256 n = R.readUint(c, 1);
        s.coeffs = new uint256[](n);
        s.factors = new uint256[][](n);
        for (uint256 j = 0; j < n; j++) {
            s.coeffs[j] = R.readExt(c);
            uint256 m = R.readUint(c, 1);
            uint256[] memory fs = new uint256[](m);
            for (uint256 i = 0; i < m; i++) fs[i] = R.readUint(c, 1);
            s.factors[j] = fs;
        }
        s.hasEq = R.readUint(c, 1) != 0;
        if (s.hasEq) s.eqPoint = R.readExts8(c);
        R.finish(c);
    }
}
