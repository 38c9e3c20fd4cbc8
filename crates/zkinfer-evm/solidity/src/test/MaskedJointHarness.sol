// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Transcript, KeccakTranscript as T} from "../Transcript.sol";
import {Cursor, ProofReader as R} from "../ProofReader.sol";
import {MaskedVerifier as MV} from "../MaskedVerifier.sol";

/// Test and gas harness for `MaskedVerifier.verifyJointBatch`: the joint masked opening of a reusable weights
/// commitment and a proof's witness (`zkinfer_pcs::masked`, proof format 26's opening for small private
/// weights). A contract of its own (EIP-170: `MaskedHarness` is 23 KB).
contract MaskedJointHarness {
    /// On a transcript fresh from `init(context)`: absorbs the weights commitment (`MaskedPcs::
    /// absorb_reusable_batch_commitment`) and the witness commitment (`MaskedPcs::absorb_batch_commitment_at`),
    /// then verifies `proof` with the verifying data `jdata` (`MaskedVerifier.readJointConfig`) against
    /// `statement` (`zkinfer_evm::masked::joint_statement`: the weights' slots (`MaskedVerifier.readBatch`), root
    /// (25 bytes) and claims; the witness's slots, root and claims). Returns the execution gas (decoding the verifying data and
    /// the claims excluded).
    function verifyMaskedJoint(
        bytes calldata context,
        bytes calldata jdata,
        bytes calldata statement,
        bytes calldata proof
    ) external view returns (uint256 gasUsed) {
        Transcript memory t = T.init(context);
        (MV.Config memory cfg, uint256 wd, uint256 uses) = MV.readJointConfig(R.open(jdata));
        Cursor memory c = R.open(statement);
        MV.Weights memory w;
        w.slots = MV.readBatch(c, wd);
        w.d = wd;
        w.uses = uses;
        w.root = R.readDigest(c);
        (w.claims, w.stackClaims) = _claims(c);
        MV.Slot[] memory slots = MV.readBatch(c, cfg.d);
        bytes32 root = R.readDigest(c);
        (MV.ColumnClaim[] memory cs, MV.Claim[] memory ss) = _claims(c);
        R.finish(c);
        uint256 g = gasleft();
        MV.absorbReusableBatch(t, cfg, w);
        MV.absorbBatchAt(t, cfg, slots, root);
        MV.verifyJointBatch(t, cfg, w, slots, root, cs, ss, R.open(proof));
        gasUsed = g - gasleft();
    }

    /// A 2-byte count; per column claim a 2-byte column, a 1-byte point length, the point and the value; then a
    /// 1-byte count of stack claims, per claim a 1-byte point length, the point and the value.
    function _claims(Cursor memory c) private pure returns (MV.ColumnClaim[] memory cs, MV.Claim[] memory ss) {
        uint256 m = R.readUint(c, 2);
        cs = new MV.ColumnClaim[](m);
        for (uint256 i = 0; i < m; i++) {
            cs[i].column = R.readUint(c, 2);
            cs[i].point = _point(c);
            cs[i].value = R.readExt(c);
        }
        m = R.readUint(c, 1);
        ss = new MV.Claim[](m);
        for (uint256 i = 0; i < m; i++) {
            ss[i].point = _point(c);
            ss[i].value = R.readExt(c);
        }
    }

    function _point(Cursor memory c) private pure returns (uint256[] memory p) {
        uint256 k = R.readUint(c, 1);
        p = new uint256[](k);
        for (uint256 j = 0; j < k; j++) p[j] = R.readExt(c);
    }
}
