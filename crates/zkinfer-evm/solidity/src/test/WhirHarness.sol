// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {Whir} from "../Whir.sol";
import {WhirAlgebra} from "../WhirAlgebra.sol";
import {WhirVerifier} from "../WhirVerifier.sol";

/// Test and gas harness for p3's raw challenger operations on the zkinfer transcript and for `Whir.sol`'s
/// pieces (not part of a verifier). `run` replays a script after `init(context)`: a 2-byte output count, then
/// ops: 0 observe F (8 bytes), 1 observe EF (16), 2 observe digest (32), 3 observe raw bytes (2-byte length,
/// bytes), 4 sample F, 5 sample EF, 6 sample bits (1-byte bits), 7 check witness (1-byte bits, 8-byte
/// witness; outputs 1 or 0), 8 query indices (1-byte width, 2-byte draws, 1-byte stratified flag; outputs
/// every index). Integers big-endian.
contract WhirHarness {
    error UnknownOp(uint256 op);

    function run(bytes calldata context, bytes calldata script) external pure returns (uint256[] memory outs) {
        outs = _run(context, script);
    }

    /// `run`, and its execution gas measured inside (script decoding included: an upper bound on the
    /// transcript work).
    function runMeasured(bytes calldata context, bytes calldata script)
        external
        view
        returns (uint256[] memory outs, uint256 gasUsed)
    {
        uint256 g = gasleft();
        outs = _run(context, script);
        gasUsed = g - gasleft();
    }

    function _run(bytes calldata context, bytes calldata script) private pure returns (uint256[] memory outs) {
        Transcript memory t = T.init(context);
        Cursor memory c = R.open(script);
        outs = new uint256[](R.readUint(c, 2));
        uint256 k = 0;
        while (c.pos < c.end) {
            uint256 op = R.readUint(c, 1);
            if (op == 0) {
                T.observeBase(t, R.readUint(c, 8));
            } else if (op == 1) {
                T.observeExt(t, R.readExt(c));
            } else if (op == 2) {
                T.observeDigest(t, R.readDigest(c));
            } else if (op == 3) {
                uint256 n = R.readUint(c, 2);
                bytes memory b = new bytes(n);
                for (uint256 i = 0; i < n; i++) b[i] = bytes1(uint8(R.readUint(c, 1)));
                T.observeRaw(t, b);
            } else if (op == 4) {
                outs[k++] = T.sampleBase(t);
            } else if (op == 5) {
                outs[k++] = T.sampleExt(t);
            } else if (op == 6) {
                outs[k++] = T.sampleBits(t, R.readUint(c, 1));
            } else if (op == 7) {
                uint256 bits = R.readUint(c, 1);
                outs[k++] = T.checkWitness(t, bits, R.readUint(c, 8)) ? 1 : 0;
            } else if (op == 8) {
                uint256 width = R.readUint(c, 1);
                uint256 draws = R.readUint(c, 2);
                bool strat = R.readUint(c, 1) != 0;
                uint256[] memory idx = Whir.queryIndices(t, width, draws, strat);
                for (uint256 i = 0; i < idx.length; i++) outs[k++] = idx[i];
            } else {
                revert UnknownOp(op);
            }
        }
    }

    /// `Whir.foldRow` and its gas.
    function fold(uint256[] memory row, uint256[] memory point) external view returns (uint256 v, uint256 gasUsed) {
        uint256 g = gasleft();
        v = Whir.foldRow(row, point);
        gasUsed = g - gasleft();
    }

    /// `Whir.checkPow` after observing `x` (reverts with `PowWitnessRejected`), and its gas.
    function pow(bytes calldata context, uint256 x, uint256 bits, uint256 witness)
        external
        view
        returns (uint256 gasUsed)
    {
        Transcript memory t = T.init(context);
        T.observeBase(t, x);
        uint256 g = gasleft();
        Whir.checkPow(t, 0, bits, witness);
        gasUsed = g - gasleft();
    }

    /// `WhirAlgebra.decode` then `check` on `message`, and the execution gas (decoding included).
    function algebra(bytes calldata message) external view returns (uint256 gasUsed) {
        uint256 g = gasleft();
        Cursor memory c = R.open(message);
        WhirAlgebra.Msg memory m = WhirAlgebra.decode(c);
        WhirAlgebra.check(m);
        gasUsed = g - gasleft();
    }

    /// `WhirVerifier.verify` of `proof` against `root` at `point` with verifying data `vdata`, on a transcript
    /// fresh from `init(context)`; returns the execution gas (decoding the verifying data excluded).
    function verifyOpening(
        bytes calldata context,
        bytes calldata vdata,
        bytes32 root,
        uint256[] calldata point,
        bytes calldata proof
    ) external view returns (uint256 gasUsed) {
        Transcript memory t = T.init(context);
        WhirVerifier.Config memory cfg = WhirVerifier.readConfig(R.open(vdata));
        uint256[] memory p = point;
        uint256 g = gasleft();
        WhirVerifier.verify(t, cfg, root, p, R.open(proof));
        gasUsed = g - gasleft();
    }

    /// `WhirVerifier.verifyPcs`: a zkinfer-pcs `Pcs` opening of `claims` (per claim: a 2-byte column, a 1-byte
    /// point length, the point (EF), the value (EF)) on a transcript fresh from `init(context)`; returns the
    /// execution gas.
    function verifyPcsOpening(
        bytes calldata context,
        bytes calldata vdata,
        bytes32 root,
        bytes calldata claims,
        bytes calldata proof
    ) external view returns (uint256 gasUsed) {
        Transcript memory t = T.init(context);
        WhirVerifier.Config memory cfg = WhirVerifier.readConfig(R.open(vdata));
        WhirVerifier.Claim[] memory cs = _claims(claims);
        uint256 g = gasleft();
        WhirVerifier.verifyPcs(t, cfg, root, cs, R.open(proof));
        gasUsed = g - gasleft();
    }

    function _claims(bytes calldata data) private pure returns (WhirVerifier.Claim[] memory cs) {
        Cursor memory c = R.open(data);
        uint256 m = R.readUint(c, 1);
        cs = new WhirVerifier.Claim[](m);
        for (uint256 i = 0; i < m; i++) {
            cs[i].column = R.readUint(c, 2);
            uint256 k = R.readUint(c, 1);
            cs[i].point = new uint256[](k);
            for (uint256 j = 0; j < k; j++) cs[i].point[j] = R.readExt(c);
            cs[i].value = R.readExt(c);
        }
        R.finish(c);
    }
}
