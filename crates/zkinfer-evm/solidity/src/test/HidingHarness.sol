// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {HidingBaseCase as H} from "../HidingBaseCase.sol";
import {HidingAlgebra} from "../HidingAlgebra.sol";
import {WhirAlgebra as A} from "../WhirAlgebra.sol";

/// Test and gas harness for `HidingBaseCase.sol` (not part of a verifier).
contract HidingHarness {
    /// `HidingBaseCase.checkMasks` on `message`, and its execution gas (decoding included).
    function maskSpotChecks(bytes calldata message) external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        H.checkMasks(R.open(message));
        gasUsed = g - gasleft();
    }

    /// `HidingAlgebra.check` on `message`, and its execution gas (decoding included).
    function algebra(bytes calldata message) external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        HidingAlgebra.check(R.open(message));
        gasUsed = g - gasleft();
    }

    /// `HidingBaseCase.checkSource` on `message`, and its execution gas (decoding included).
    function sourceSpotChecks(bytes calldata message) external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        H.checkSource(R.open(message));
        gasUsed = g - gasleft();
    }

    /// The re-encoding of one reveal (`HidingBaseCase.readReveal`'s layout) at ω^position for each position
    /// (the source spot checks' work), and the gas of the evaluations alone.
    function encodeAt(bytes calldata reveal, uint256 bits, uint256[] calldata positions)
        external
        view
        returns (uint256[] memory values, uint256 gasUsed)
    {
        Cursor memory c = R.open(reveal);
        uint256[] memory coeffs = H.readReveal(c);
        R.finish(c);
        values = new uint256[](positions.length);
        uint256 g = gasleft();
        for (uint256 k = 0; k < positions.length; k++) {
            values[k] = H.encodeAt(coeffs, A.omegaPow(bits, positions[k]));
        }
        gasUsed = g - gasleft();
    }
}
