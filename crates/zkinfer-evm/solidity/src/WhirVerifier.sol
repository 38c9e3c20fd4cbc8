// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {Merkle} from "./Merkle.sol";
import {Whir} from "./Whir.sol";
import {WhirAlgebra as A} from "./WhirAlgebra.sol";

/// @title The verifier of a plain p3-whir 0.8 opening (zkinfer-pcs' `Pcs` instance, one stacked column, one
/// claim) in one pass over one calldata: the transcript replayed operation by operation as p3 plays it
/// (seeds from the verifying data, every proof value absorbed, every challenge drawn), the proof-of-work
/// checks, the STIR query indices, the Merkle openings, then `WhirAlgebra.check` on the drawn challenges and
/// the opened rows.
/// @notice Verifying data (`zkinfer_evm::whir::VerifyingData`, big-endian): n, fold, initial OOD samples,
/// initial folding PoW bits (1 byte each); the round count (1 byte) and per round its OOD samples, query PoW
/// bits, folding PoW bits (1 byte each), query count (2 bytes), index width (1 byte); the final query PoW
/// bits (1), query count (2), index width (1), sumcheck rounds (1), folding PoW bits (1); the seeds (1-byte
/// count, each a 2-byte length and the bytes the transcript absorbs). Proof calldata
/// (`zkinfer_evm::whir::encode_proof`): the values in the order the transcript takes them; EF as in
/// `ProofReader`, PoW witnesses as 8-byte integers (absent where the difficulty is 0), roots as 25 bytes,
/// openings in `Merkle.sol`'s layout.
/// Not covered yet: zkinfer's own absorbs before WHIR (shapes, config, labelled claims), several columns (a
/// claim's lift by selector bits), the hiding variant.
library WhirVerifier {
    error BadVerifyingData(uint256 what);

    struct Config {
        uint256 n;
        uint256 fold;
        uint256 initOod;
        uint256 initFoldPow;
        uint256[] ood;
        uint256[] queryPow;
        uint256[] foldPow;
        uint256[] queries;
        uint256[] bits;
        uint256 finalQueryPow;
        uint256 finalQueries;
        uint256 finalBits;
        uint256 finalRounds;
        uint256 finalFoldPow;
        bytes[] seeds;
        /// zkinfer-pcs' `PcsConfig` as `Pcs` absorbs it (security bits, log inverse rate, folding factor,
        /// starting PoW bits, soundness regime).
        uint256[] pcsConfig;
        /// Per committed column: its variables, its table's rank in p3's schedule (largest table first), and
        /// the lift of a claim point into the stack: `colPad` zeros, the point, then `colSuffix` (the slot's
        /// selector bits reversed: p3's `PrefixProver` interleaves, P(local bits, selector bits)).
        uint256[] colVars;
        uint256[] colRank;
        uint256[] colPad;
        uint256[][] colSuffix;
    }

    /// A claim as `Pcs::verify` takes it: the column, the point (big-endian, the column's variables), the value.
    struct Claim {
        uint256 column;
        uint256[] point;
        uint256 value;
    }

    error ValueMismatch(uint256 expected, uint256 got);

    bytes private constant LABEL_CONFIG = "pcs/config";
    bytes private constant LABEL_SHAPES = "pcs/column-vars";
    bytes private constant LABEL_CLAIM_COLUMN = "pcs/claim-column";
    bytes private constant LABEL_CLAIM_POINT = "pcs/claim-point";
    bytes private constant LABEL_CLAIM_VALUE = "pcs/claim-value";

    function readConfig(Cursor memory c) internal pure returns (Config memory cfg) {
        cfg.n = R.readUint(c, 1);
        cfg.fold = R.readUint(c, 1);
        cfg.initOod = R.readUint(c, 1);
        cfg.initFoldPow = R.readUint(c, 1);
        uint256 nr = R.readUint(c, 1);
        cfg.ood = new uint256[](nr);
        cfg.queryPow = new uint256[](nr);
        cfg.foldPow = new uint256[](nr);
        cfg.queries = new uint256[](nr);
        cfg.bits = new uint256[](nr);
        for (uint256 i = 0; i < nr; i++) {
            cfg.ood[i] = R.readUint(c, 1);
            cfg.queryPow[i] = R.readUint(c, 1);
            cfg.foldPow[i] = R.readUint(c, 1);
            cfg.queries[i] = R.readUint(c, 2);
            cfg.bits[i] = R.readUint(c, 1);
        }
        cfg.finalQueryPow = R.readUint(c, 1);
        cfg.finalQueries = R.readUint(c, 2);
        cfg.finalBits = R.readUint(c, 1);
        cfg.finalRounds = R.readUint(c, 1);
        cfg.finalFoldPow = R.readUint(c, 1);
        uint256 ns = R.readUint(c, 1);
        cfg.seeds = new bytes[](ns);
        for (uint256 i = 0; i < ns; i++) {
            uint256 len = R.readUint(c, 2);
            bytes memory b = new bytes(len);
            uint256 pos = c.pos;
            if (len > c.end - pos) revert R.Truncated(pos - c.base, len);
            assembly ("memory-safe") {
                calldatacopy(add(b, 0x20), pos, len)
            }
            c.pos = pos + len;
            cfg.seeds[i] = b;
        }
        cfg.pcsConfig = new uint256[](5);
        for (uint256 i = 0; i < 5; i++) cfg.pcsConfig[i] = R.readUint(c, 1);
        uint256 ncol = R.readUint(c, 2);
        cfg.colVars = new uint256[](ncol);
        cfg.colRank = new uint256[](ncol);
        cfg.colPad = new uint256[](ncol);
        cfg.colSuffix = new uint256[][](ncol);
        for (uint256 i = 0; i < ncol; i++) {
            cfg.colVars[i] = R.readUint(c, 1);
            cfg.colRank[i] = R.readUint(c, 1);
            cfg.colPad[i] = R.readUint(c, 1);
            uint256 k = R.readUint(c, 1);
            cfg.colSuffix[i] = new uint256[](k);
            for (uint256 j = 0; j < k; j++) cfg.colSuffix[i][j] = R.readUint(c, 1);
        }
        R.finish(c);
        if (cfg.fold == 0 || cfg.fold >= 32 || cfg.n >= 64) revert BadVerifyingData(2);
    }

    /// Mutable state of one run (kept in memory to stay clear of the stack limit).
    struct Run {
        Transcript t;
        uint256 seed;
        A.Msg m;
    }

    function _seed(Run memory run, Config memory cfg) private pure {
        T.observeRaw(run.t, cfg.seeds[run.seed]);
        run.seed++;
    }

    function _pow(Run memory run, Cursor memory c, uint256 round, uint256 bits) private pure {
        if (bits == 0) return;
        uint256 at = c.pos - c.base;
        uint256 w = R.readUint(c, 8);
        if (w >= 0xFFFFFFFF00000001) revert R.NonCanonical(at);
        Whir.checkPow(run.t, round, bits, w);
    }

    /// One sumcheck phase: its seed, then per round h(0), h(∞) absorbed, the PoW, the challenge.
    function _phase(Run memory run, Cursor memory c, Config memory cfg, uint256 p, uint256 rounds, uint256 pow)
        private
        pure
    {
        uint256[] memory h0 = new uint256[](rounds);
        uint256[] memory hinf = new uint256[](rounds);
        uint256[] memory r = new uint256[](rounds);
        if (rounds > 0) _seed(run, cfg);
        for (uint256 k = 0; k < rounds; k++) {
            h0[k] = R.readExt(c);
            hinf[k] = R.readExt(c);
            T.observeExt(run.t, h0[k]);
            T.observeExt(run.t, hinf[k]);
            _pow(run, c, p, pow);
            r[k] = T.sampleExt(run.t);
        }
        run.m.h0[p] = h0;
        run.m.hinf[p] = hinf;
        run.m.r[p] = r;
    }

    /// A query phase on the oracle with root `root`: PoW, indices, the Merkle opening; returns the queries.
    function _queries(
        Run memory run,
        Cursor memory c,
        uint256 round,
        uint256 pow,
        uint256 count,
        uint256 bits,
        bool ext,
        uint256 fold,
        bytes32 root
    ) private pure returns (A.Queries memory q) {
        _pow(run, c, round, pow);
        q.bits = bits;
        q.idx = Whir.queryIndices(run.t, bits, count, false);
        Merkle.RowShape memory shape = Merkle.RowShape(1 << fold, ext ? 16 : 8, 0);
        bytes32[] memory leaves;
        (leaves, q.rows) = Merkle.readRows(c, q.idx.length, shape);
        (uint256 sib, uint256 n) = Merkle.readSiblings(c);
        Merkle.verifyMulti(sib, n, root, bits, q.idx, leaves);
    }

    /// `Pcs::absorb_commitment` then `Pcs::verify`: zkinfer's labelled absorbs (the configuration and the
    /// column shapes before p3's commitment phase, the claims after it, in the caller's order), each claimed
    /// value checked against the proof's (`ValueMismatch`), each point lifted into the stack as its column
    /// says, then the WHIR opening. `t` is the caller's transcript before the commitment.
    function verifyPcs(Transcript memory t, Config memory cfg, bytes32 root, Claim[] memory claims, Cursor memory c)
        internal
        pure
    {
        T.absorbFields(t, T.encodeLabel(LABEL_CONFIG), cfg.pcsConfig);
        T.absorbFields(t, T.encodeLabel(LABEL_SHAPES), cfg.colVars);
        _verify(t, cfg, root, claims, true, false, c);
    }

    /// `Pcs::absorb_commitment` alone: the configuration, the column shapes, p3's commitment seed and the root.
    /// For a protocol that draws challenges of its own between the commitment and the opening; the opening is
    /// then `verifyPcsClaims` on the same transcript.
    function absorbPcsCommitment(Transcript memory t, Config memory cfg, bytes32 root) internal pure {
        if (cfg.seeds.length == 0) revert BadVerifyingData(1);
        T.absorbFields(t, T.encodeLabel(LABEL_CONFIG), cfg.pcsConfig);
        T.absorbFields(t, T.encodeLabel(LABEL_SHAPES), cfg.colVars);
        T.observeRaw(t, cfg.seeds[0]);
        T.observeDigest(t, root);
    }

    /// `Pcs::verify` after `absorbPcsCommitment` (the commitment already on the transcript `t`).
    function verifyPcsClaims(Transcript memory t, Config memory cfg, bytes32 root, Claim[] memory claims, Cursor memory c)
        internal
        pure
    {
        _verify(t, cfg, root, claims, true, true, c);
    }

    /// Verifies the opening in `proof` of the commitment `root` at `point` (the claimed value is in the
    /// proof), on the transcript `t` (in the state the prover's was in before the commitment was observed),
    /// as p3-whir's `verify_at` after `observe_commitment` (one claim, the point already in the stack).
    /// Reverts with a named error on any failure.
    function verify(Transcript memory t, Config memory cfg, bytes32 root, uint256[] memory point, Cursor memory c)
        internal
        pure
    {
        Claim[] memory claims = new Claim[](1);
        claims[0].point = point;
        _verify(t, cfg, root, claims, false, false, c);
    }

    /// The claims in p3's schedule order (stable by their column's rank) and their points lifted into the
    /// stack (`zk`: the column's zero padding, the point, its selector suffix; otherwise the point as given).
    function _schedule(Config memory cfg, Claim[] memory claims, bool zk)
        private
        pure
        returns (uint256[] memory order, uint256[][] memory lifted)
    {
        uint256 m = claims.length;
        order = new uint256[](m);
        lifted = new uint256[][](m);
        uint256[] memory rank = new uint256[](m);
        for (uint256 i = 0; i < m; i++) {
            uint256[] memory point = claims[i].point;
            for (uint256 j = 0; j < point.length; j++) {
                if (!G.isCanonicalExt(point[j])) revert BadVerifyingData(4);
            }
            uint256[] memory l = point;
            if (zk) {
                uint256 col = claims[i].column;
                if (col >= cfg.colVars.length) revert BadVerifyingData(5);
                if (point.length != cfg.colVars[col]) revert BadVerifyingData(3);
                uint256 pad = cfg.colPad[col];
                uint256[] memory suf = cfg.colSuffix[col];
                l = new uint256[](pad + point.length + suf.length);
                for (uint256 j = 0; j < point.length; j++) l[pad + j] = point[j];
                for (uint256 j = 0; j < suf.length; j++) l[pad + point.length + j] = suf[j];
                rank[i] = cfg.colRank[col];
            }
            if (l.length != cfg.n) revert BadVerifyingData(3);
            // Stable insertion by rank.
            uint256 k = i;
            while (k > 0 && rank[order[k - 1]] > rank[i]) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = i;
            lifted[i] = l;
        }
    }

    function _verify(
        Transcript memory t,
        Config memory cfg,
        bytes32 root,
        Claim[] memory claims,
        bool zk,
        bool absorbed,
        Cursor memory c
    ) private pure {
        uint256 nr = cfg.ood.length;
        if (claims.length == 0) revert BadVerifyingData(6);
        if (cfg.seeds.length != 3 + cfg.initOod + claims.length + nr + (cfg.finalRounds > 0 ? 1 : 0)) {
            revert BadVerifyingData(1);
        }
        (uint256[] memory order, uint256[][] memory lifted) = _schedule(cfg, claims, zk);
        Run memory run;
        run.t = t;
        A.Msg memory m = run.m;
        m.n = cfg.n;
        m.fold = cfg.fold;
        m.h0 = new uint256[][](nr + 2);
        m.hinf = new uint256[][](nr + 2);
        m.r = new uint256[][](nr + 2);
        m.rounds = new A.Round[](nr);
        // The commitment (layout seed, root), unless `absorbPcsCommitment` took it.
        if (absorbed) {
            run.seed = 1;
        } else {
            _seed(run, cfg);
            T.observeDigest(run.t, root);
        }
        if (zk) {
            for (uint256 i = 0; i < claims.length; i++) {
                T.absorbU64(run.t, T.encodeLabel(LABEL_CLAIM_COLUMN), uint64(claims[i].column));
                T.absorbExts(run.t, T.encodeLabel(LABEL_CLAIM_POINT), claims[i].point);
                T.absorbExt(run.t, T.encodeLabel(LABEL_CLAIM_VALUE), claims[i].value);
            }
        }
        // The layout's out-of-domain claims.
        m.initZ = new uint256[](cfg.initOod);
        m.initY = new uint256[](cfg.initOod);
        for (uint256 j = 0; j < cfg.initOod; j++) {
            _seed(run, cfg);
            m.initZ[j] = T.sampleExt(run.t);
            m.initY[j] = R.readExt(c);
            T.observeExt(run.t, m.initY[j]);
        }
        // The claims in schedule order (each its own seed, then its value), then the WHIR run's seeds and the
        // batching challenge.
        m.points = new uint256[][](claims.length);
        m.values = new uint256[](claims.length);
        for (uint256 k = 0; k < claims.length; k++) {
            _seed(run, cfg);
            uint256 v = R.readExt(c);
            if (zk && v != claims[order[k]].value) revert ValueMismatch(v, claims[order[k]].value);
            T.observeExt(run.t, v);
            m.points[k] = lifted[order[k]];
            m.values[k] = v;
        }
        _seed(run, cfg);
        m.alpha = T.sampleExt(run.t);
        _phase(run, c, cfg, 0, cfg.fold, cfg.initFoldPow);
        bytes32 prev = root;
        for (uint256 i = 0; i < nr; i++) {
            A.Round memory rd = m.rounds[i];
            bytes32 next = R.readDigest(c);
            T.observeDigest(run.t, next);
            rd.oodZ = new uint256[](cfg.ood[i]);
            rd.oodY = new uint256[](cfg.ood[i]);
            for (uint256 j = 0; j < cfg.ood[i]; j++) {
                rd.oodZ[j] = T.sampleExt(run.t);
                rd.oodY[j] = R.readExt(c);
                T.observeExt(run.t, rd.oodY[j]);
            }
            rd.q = _queries(run, c, i, cfg.queryPow[i], cfg.queries[i], cfg.bits[i], i > 0, cfg.fold, prev);
            rd.gamma = T.sampleExt(run.t);
            _phase(run, c, cfg, i + 1, cfg.fold, cfg.foldPow[i]);
            prev = next;
        }
        // Final: the polynomial in the clear, its queries, the closing sumcheck.
        uint256 len = 1 << cfg.finalRounds;
        m.finalPoly = new uint256[](len);
        for (uint256 k = 0; k < len; k++) {
            m.finalPoly[k] = R.readExt(c);
            T.observeExt(run.t, m.finalPoly[k]);
        }
        m.fq = _queries(run, c, nr, cfg.finalQueryPow, cfg.finalQueries, cfg.finalBits, nr > 0, cfg.fold, prev);
        _phase(run, c, cfg, nr + 1, cfg.finalRounds, cfg.finalFoldPow);
        R.finish(c);
        A.check(m);
    }
}
