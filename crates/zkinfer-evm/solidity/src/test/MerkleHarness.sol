// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {Merkle} from "../Merkle.sol";

/// Test and gas harness for `Merkle.sol` (not part of a verifier): decodes `opening` (the rows of
/// `indices.length` queries, then the pruned multiproof) and verifies it against `root`. Returns the opened
/// values (row-major, F as integers, EF packed) and the execution gas measured inside.
contract MerkleHarness {
    function verify(
        bytes32 root,
        uint256 logHeight,
        uint256 width,
        uint256 elemBytes,
        uint256 saltElems,
        uint256[] calldata indices,
        bytes calldata opening
    ) external view returns (uint256[] memory flat, uint256 gasUsed, uint256 readGas) {
        uint256 g = gasleft();
        Cursor memory c = R.open(opening);
        Merkle.RowShape memory s = Merkle.RowShape(width, elemBytes, saltElems);
        (bytes32[] memory leaves, uint256[][] memory values) = Merkle.readRows(c, indices.length, s);
        (uint256 sib, uint256 count) = Merkle.readSiblings(c);
        R.finish(c);
        readGas = g - gasleft();
        Merkle.verifyMulti(sib, count, root, logHeight, indices, leaves);
        gasUsed = g - gasleft();
        flat = new uint256[](indices.length * width);
        for (uint256 q = 0; q < indices.length; q++) {
            for (uint256 i = 0; i < width; i++) flat[q * width + i] = values[q][i];
        }
    }
}
