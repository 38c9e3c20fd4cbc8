// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Sumcheck} from "./Sumcheck.sol";

/// @title The zero-knowledge sumcheck verifier of crates/zkinfer-sumcheck (`zk::verify_zk_per_round`).
/// @notice The prover masks `f` with `g` (committed before, opened later): it sends `G = Σ g`, the verifier
/// draws ρ, and the rounds are a sumcheck of `f + ρ·g` with claimed sum `H + ρ·G`, a degree per round (the
/// blinded LogUp layers of proof format 28 send degrees 1, 3, …, 3, 5). After the rounds the prover sends
/// `g(r)`; the sub-claim on `f` is `f(r) = value − ρ·g(r)`, and `g(r)` is a claim the caller must check
/// against the mask's commitment (the mask pool's opening). Transcript: "sumcheck-zk/claim" H,
/// "sumcheck-zk/mask-sum" G, challenge "sumcheck-zk/mask-coeff" ρ, the rounds as `Sumcheck.verifyPerRound`,
/// "sumcheck-zk/mask-eval" g(r).
library ZkSumcheck {
    /// `KeccakTranscript.encodeLabel` of "sumcheck-zk/claim", "sumcheck-zk/mask-sum",
    /// "sumcheck-zk/mask-coeff", "sumcheck-zk/mask-eval" (zkinfer_sumcheck::zk::labels).
    bytes internal constant ZK_CLAIM = hex"e38ea0ca27dfce9a";
    bytes internal constant MASK_SUM = hex"d9998ec8676c592d";
    bytes internal constant MASK_COEFF = hex"3f008fc801165f35";
    bytes internal constant MASK_EVAL = hex"459a8ec8fb795839";

    /// Verifies a ZK sumcheck with claimed sum `claimedSum` and round degrees `degrees`. Returns the point,
    /// the sub-claim's value on `f` and the mask's claimed value `g(point)` (both to be discharged by the
    /// caller). Reverts with `Sumcheck`'s errors.
    function verifyPerRound(
        Transcript memory t,
        uint256[] memory degrees,
        uint256 claimedSum,
        uint256 maskSum,
        uint256[][] memory roundPolys,
        uint256 maskEval
    ) internal pure returns (uint256[] memory point, uint256 value, uint256 maskValue) {
        return verifyPerRoundCached(t, degrees, claimedSum, maskSum, roundPolys, maskEval, new uint256[][](0));
    }

    /// `verifyPerRound` with the barycentric weights kept in `cache` across calls
    /// (`Sumcheck.verifyPerRoundCached`).
    function verifyPerRoundCached(
        Transcript memory t,
        uint256[] memory degrees,
        uint256 claimedSum,
        uint256 maskSum,
        uint256[][] memory roundPolys,
        uint256 maskEval,
        uint256[][] memory cache
    ) internal pure returns (uint256[] memory point, uint256 value, uint256 maskValue) {
        T.absorbExt(t, ZK_CLAIM, claimedSum);
        T.absorbExt(t, MASK_SUM, maskSum);
        uint256 rho = T.challenge(t, MASK_COEFF);
        uint256 combined = G.extAdd(claimedSum, G.extMul(rho, maskSum));
        uint256 v;
        (point, v) = Sumcheck.verifyPerRoundCached(t, degrees, combined, roundPolys, cache);
        T.absorbExt(t, MASK_EVAL, maskEval);
        value = G.extSub(v, G.extMul(rho, maskEval));
        maskValue = maskEval;
    }
}
