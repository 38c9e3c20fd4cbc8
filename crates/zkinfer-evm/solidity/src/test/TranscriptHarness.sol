// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {Sumcheck} from "../Sumcheck.sol";

/// Test and gas harness for the transcript (not part of a verifier). `run` replays a script of operations
/// (see `zkinfer_evm::harness::TranscriptOp` for the encoding) and returns every challenge drawn.
contract TranscriptHarness {
    error UnknownOp(uint256 op);

    function run(bytes calldata context, bytes calldata script) external pure returns (uint256[] memory outs) {
        Transcript memory t = T.init(context);
        Cursor memory c = R.open(script);
        uint256 nOut = R.readUint(c, 2);
        outs = new uint256[](nOut);
        uint256 k = 0;
        while (c.pos < c.end) {
            uint256 op = R.readUint(c, 1);
            bytes memory label = T.encodeLabel(_bytes(c, R.readUint(c, 1)));
            if (op == 0) {
                T.absorbBytes(t, label, _bytes(c, R.readUint(c, 2)));
            } else if (op == 1) {
                T.absorbU64(t, label, uint64(R.readUint(c, 8)));
            } else if (op == 2) {
                T.absorbField(t, label, R.readUint(c, 8));
            } else if (op == 3) {
                uint256 n = R.readUint(c, 2);
                uint256[] memory xs = new uint256[](n);
                for (uint256 i = 0; i < n; i++) xs[i] = R.readUint(c, 8);
                T.absorbFields(t, label, xs);
            } else if (op == 4) {
                T.absorbExt(t, label, R.readExt(c));
            } else if (op == 5) {
                uint256 n = R.readUint(c, 2);
                uint256[] memory xs = new uint256[](n);
                for (uint256 i = 0; i < n; i++) xs[i] = R.readExt(c);
                T.absorbExts(t, label, xs);
            } else if (op == 6) {
                outs[k++] = T.challenge(t, label);
            } else if (op == 7) {
                uint256[] memory cs = T.challenges(t, label, R.readUint(c, 1));
                for (uint256 i = 0; i < cs.length; i++) outs[k++] = cs[i];
            } else {
                revert UnknownOp(op);
            }
        }
    }

    /// Gas of one `absorbExt` followed by one `challenge` (the sumcheck's encoded labels), after `init`.
    function benchChallenge(uint256 x, uint256 n) external view returns (uint256 c, uint256 gasUsed) {
        Transcript memory t = T.init("bench");
        uint256 g = gasleft();
        for (uint256 i = 0; i < n; i++) {
            T.absorbExt(t, Sumcheck.ROUND, x ^ i);
            c = T.challenge(t, Sumcheck.CHALLENGE);
        }
        gasUsed = g - gasleft();
    }

    /// A Merkle path as WHIR's tree hashes it (node = keccak256(left ‖ right), standard padded Keccak-256):
    /// the root from `leaf`, its index and the siblings (32 bytes each, leaf level first), and the gas of the
    /// walk. A measurement for the WHIR budget, not yet the WHIR verifier.
    function merkleRoot(bytes32 leaf, uint256 index, bytes calldata siblings)
        external
        view
        returns (bytes32 root, uint256 gasUsed)
    {
        uint256 g = gasleft();
        assembly ("memory-safe") {
            let node := leaf
            let n := div(siblings.length, 32)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let sib := calldataload(add(siblings.offset, mul(i, 32)))
                switch and(shr(i, index), 1)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sib)
                }
                default {
                    mstore(0x00, sib)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
            }
            root := node
        }
        gasUsed = g - gasleft();
    }

    /// Gas of `init` with a 32-byte context.
    function benchInit(bytes32 context) external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        T.init(abi.encodePacked(context));
        gasUsed = g - gasleft();
    }

    function _bytes(Cursor memory c, uint256 n) private pure returns (bytes memory b) {
        if (n > c.end - c.pos) revert R.Truncated(c.pos - c.base, n);
        b = new bytes(n);
        uint256 pos = c.pos;
        assembly ("memory-safe") {
            calldatacopy(add(b, 0x20), pos, n)
        }
        c.pos = pos + n;
    }
}
