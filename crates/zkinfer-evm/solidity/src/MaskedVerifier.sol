// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Goldilocks as G} from "./Goldilocks.sol";
import {Transcript, KeccakTranscript as T} from "./Transcript.sol";
import {Cursor, ProofReader as R} from "./ProofReader.sol";
import {Merkle} from "./Merkle.sol";
import {Sumcheck} from "./Sumcheck.sol";
import {WhirVerifier} from "./WhirVerifier.sol";
import {PlainOpening} from "./PlainOpening.sol";

/// @title The verifier of the masked-first-round opening of `zkinfer_pcs::masked` (docs/PROOF_SIZE.md §2.i):
/// a zero-knowledge opening of one committed column whose folded polynomial is masked, then opened with the
/// plain `Pcs`, which `WhirVerifier.sol` verifies; and (`verifyBatch`) of several columns stacked in one, the
/// form a zkinfer proof's witness opening takes since proof format 25 (`MaskedPcs::verify_batch`), in the
/// half or the tail layout.
/// @notice The Rust verifier is `MaskedPcs::absorb_commitment` + `MaskedPcs::verify`; this replays the same
/// transcript: the commitment and the claims; the mask regions' points (drawn) and values; the first
/// sumcheck (`Sumcheck.sol`); `μ`, `ρ`; `P₁`'s plain commitment; the proof of work; the row positions, the
/// rows and their Merkle multi-proof (`Merkle.sol`); `P₁`'s codeword values from the rows; the reduction
/// sumcheck; the final check `P₁(ρ*)·V(ρ*)`; the plain opening of `P₁`'s two columns at `ρ*`.
///
/// Verifying data (`zkinfer_evm::masked::verifying_data`): d, k, n, row bits (1 byte each), queries (2),
/// proof-of-work bits (1), the folds' proof-of-work bits (1), ω (8: the rows' domain generator), then `WhirVerifier`'s verifying data of the
/// plain opening of two columns of n − k variables. Proof calldata (`zkinfer_evm::masked::encode_proof`): the
/// two mask values (EF), the first sumcheck, its rounds' and `ρ`'s proof-of-work witnesses (8 each), μ (EF), `P₁`'s root (25), the proof-of-work witness (8), the rows
/// and siblings in `Merkle.sol`'s layout (rows of 2^k + 4 F, no salt elements: the salt is the rows' last two
/// F), the reduction sumcheck, `C₀(ρ*)`, `C₁(ρ*)` (EF), then the plain opening (`zkinfer_evm::whir`).
library MaskedVerifier {
    error BadMaskedData(uint256 what);
    error MaskedProofOfWork();
    error MaskedFinal(uint256 expected, uint256 got);

    uint256 private constant P = 0xFFFFFFFF00000001;
    /// `zkinfer_pcs::masked::MASK_VARS`.
    uint256 internal constant MASK_VARS = 8;
    /// EF's X, packed.
    uint256 private constant X = 1 << 64;

    bytes private constant LABEL_ROOT = "mk/root";
    bytes private constant LABEL_CLAIMS = "mk/claims";
    bytes private constant LABEL_MASK_POINTS = "mk/r";
    bytes private constant LABEL_MASK_VALUES = "mk/t";
    bytes private constant LABEL_BATCH = "mk/beta";
    bytes private constant LABEL_MU = "mk/mu";
    bytes private constant LABEL_RHO = "mk/rho";
    bytes private constant LABEL_GAMMA = "mk/gamma";
    bytes private constant LABEL_SPLIT = "mk/split";
    bytes private constant LABEL_SHAPES = "mk/shapes";
    bytes private constant LABEL_USES = "mk/uses";

    /// A column of a batch: its variables, its padded variables (`arity`) and its slot's offset in the stack.
    struct Slot {
        uint256 numVars;
        uint256 arity;
        uint256 offset;
    }

    /// A claim on a column of a batch.
    struct ColumnClaim {
        uint256 column;
        uint256[] point;
        uint256 value;
    }

    struct Config {
        uint256 d;
        uint256 k;
        uint256 n;
        uint256 rowVars;
        uint256 queries;
        uint256 powBits;
        /// The grinding before each fold's challenge (`MaskedConfig::fold_pow_bits` at this stack).
        uint256 foldPowBits;
        uint256 omega;
        WhirVerifier.Config plain;
        /// Where the plain opening's verifying data sits in calldata (absolute offsets), for `PlainOpening`.
        uint256 plainStart;
        uint256 plainEnd;
    }

    /// A claim on the column: the point (d coordinates, big-endian) and the value.
    struct Claim {
        uint256[] point;
        uint256 value;
    }

    /// One run's state (in memory, clear of the stack limit).
    struct Run {
        Transcript t;
        uint256[][] points;
        uint256[] betas;
        uint256[] alpha;
        uint256 c;
        uint256 mu;
        uint256 rho;
        bytes32 folded;
        uint256[] indices;
        uint256[] answers;
        uint256[] gammas;
        uint256[] at;
        uint256 value;
        /// A joint opening (`Q = W ‖ X`): the weights' root.
        bool joint;
        bytes32 weightsRoot;
    }

    function readConfig(Cursor memory c) internal pure returns (Config memory cfg) {
        cfg = _readBase(c);
        uint256 n = _minStack(cfg.d, cfg.k);
        // The tail layout: the stack is the column itself (`n = d`), the masks in every limb's last rows.
        if (cfg.n == cfg.d && cfg.d >= cfg.k + MASK_VARS + 2) n = cfg.d;
        if (cfg.n != n) revert BadMaskedData(0);
    }

    /// A joint opening's verifying data (`zkinfer_evm::masked::joint_verifying_data`): the weights' stack
    /// variables `d_w` (1 byte) and the weights commitment's budget of openings `uses` (4), then `readConfig`'s
    /// data for the witness (`d` its stack's variables) at the joint stack `n`: the half layout for both, and
    /// room in every weights limb for `uses · queries` uniform entries after the weights
    /// (`MaskedPcs::reusable_fits`).
    function readJointConfig(Cursor memory c) internal pure returns (Config memory cfg, uint256 wd, uint256 uses) {
        wd = R.readUint(c, 1);
        uses = R.readUint(c, 4);
        cfg = _readBase(c);
        uint256 n = cfg.n;
        if (
            n < _minStack(cfg.d, cfg.k) || n < _minStack(wd, cfg.k) || n > 30 || wd <= cfg.k || wd > 26 || uses == 0
                || (1 << (n - cfg.k)) < (1 << (wd - cfg.k)) + uses * cfg.queries
        ) revert BadMaskedData(0);
    }

    /// `MaskedPcs::stack_vars`: the half layout's stack for a column of `2^d`.
    function _minStack(uint256 d, uint256 k) private pure returns (uint256) {
        return d + 1 > k + MASK_VARS + 2 ? d + 1 : k + MASK_VARS + 2;
    }

    function _readBase(Cursor memory c) private pure returns (Config memory cfg) {
        cfg.d = R.readUint(c, 1);
        cfg.k = R.readUint(c, 1);
        cfg.n = R.readUint(c, 1);
        cfg.rowVars = R.readUint(c, 1);
        cfg.queries = R.readUint(c, 2);
        cfg.powBits = R.readUint(c, 1);
        cfg.foldPowBits = R.readUint(c, 1);
        cfg.omega = R.readUint(c, 8);
        cfg.plainStart = c.pos;
        cfg.plain = WhirVerifier.readConfig(c);
        cfg.plainEnd = c.pos;
        if (cfg.k == 0 || cfg.k > 8 || cfg.d <= cfg.k || cfg.d > 26 || cfg.n < cfg.d || cfg.n > 30) {
            revert BadMaskedData(0);
        }
        if (
            cfg.rowVars < cfg.n - cfg.k || cfg.rowVars > 32 || cfg.queries == 0 || cfg.omega >= P
                || cfg.foldPowBits == 0 || cfg.foldPowBits > 32
        ) {
            revert BadMaskedData(1);
        }
        WhirVerifier.Config memory pc = cfg.plain;
        if (pc.colVars.length != 2 || pc.colVars[0] != cfg.n - cfg.k || pc.colVars[1] != cfg.n - cfg.k) {
            revert BadMaskedData(2);
        }
    }

    /// A batch's slots (`zkinfer_evm::masked::batch_data`): a 2-byte count, per column its variables and padded
    /// variables (1 byte each) and its slot's offset (4 bytes); each slot aligned and inside the columns' stack of
    /// `2^d` (`cfg.d` for the witness, a joint opening's `d_w` for the weights). The caller checks for trailing bytes.
    function readBatch(Cursor memory c, uint256 d) internal pure returns (Slot[] memory slots) {
        uint256 count = R.readUint(c, 2);
        if (count == 0) revert BadMaskedData(5);
        slots = new Slot[](count);
        for (uint256 i = 0; i < count; i++) {
            Slot memory s = slots[i];
            s.numVars = R.readUint(c, 1);
            s.arity = R.readUint(c, 1);
            s.offset = R.readUint(c, 4);
            if (
                s.arity < s.numVars || s.arity > d || s.offset % (1 << s.arity) != 0
                    || s.offset + (1 << s.arity) > (1 << d)
            ) revert BadMaskedData(6);
        }
    }

    /// `MaskedPcs::absorb_batch_commitment` + `MaskedPcs::verify_batch`: absorbs the columns' shapes, lifts
    /// each column claim to the stack (`c̃(p) = D(bits(offset >> arity) ‖ 0… ‖ p)`), appends the claims on the
    /// stack itself, and verifies as `verify` does.
    function verifyBatch(
        Transcript memory t,
        Config memory cfg,
        Slot[] memory slots,
        bytes32 root,
        ColumnClaim[] memory claims,
        Claim[] memory stackClaims,
        Cursor memory c
    ) internal pure {
        _absorbShapes(t, slots);
        verify(t, cfg, root, _onStack(slots, cfg.d, claims, stackClaims), c);
    }

    /// The weights' side of a joint opening: the columns of a reusable weights commitment (`MaskedPcs::
    /// commit_reusable_batch`), its root and its claims, on the columns and on their stack `2^d_w`.
    struct Weights {
        Slot[] slots;
        uint256 d;
        uint256 uses;
        bytes32 root;
        ColumnClaim[] claims;
        Claim[] stackClaims;
    }

    /// `MaskedPcs::absorb_reusable_batch_commitment`: the weights' shapes, their budget `uses`, their stack's
    /// root at the joint stack `cfg.n` (a verifying key's fixed commitment: absorbed first).
    function absorbReusableBatch(Transcript memory t, Config memory cfg, Weights memory w) internal pure {
        _absorbShapes(t, w.slots);
        T.absorbU64(t, T.encodeLabel(LABEL_USES), uint64(w.uses));
        _absorbRoot(t, w.d, cfg.n, w.root);
    }

    /// `MaskedPcs::absorb_batch_commitment_at`: a proof's witness columns committed at the joint stack.
    function absorbBatchAt(Transcript memory t, Config memory cfg, Slot[] memory slots, bytes32 root)
        internal
        pure
    {
        _absorbShapes(t, slots);
        _absorbRoot(t, cfg.d, cfg.n, root);
    }

    /// `MaskedPcs::verify_joint_batch` (both commitments absorbed before, the weights' first): one masked
    /// opening of `Q = W ‖ X` — the weights' claims absorbed first, each claim point behind its selector bit (0
    /// the weights, 1 the witness), a first sumcheck of `k + 1` rounds, both trees' rows at the same positions,
    /// a row's limbs the weights' then the witness's.
    function verifyJointBatch(
        Transcript memory t,
        Config memory cfg,
        Weights memory w,
        Slot[] memory slots,
        bytes32 root,
        ColumnClaim[] memory claims,
        Claim[] memory stackClaims,
        Cursor memory c
    ) internal pure {
        if (cfg.n == cfg.d) revert BadMaskedData(0);
        Claim[] memory wc = _onStack(w.slots, w.d, w.claims, w.stackClaims);
        if (wc.length == 0) revert BadMaskedData(3);
        Run memory run;
        run.t = t;
        run.weightsRoot = w.root;
        run.joint = true;
        uint256 sum = _claims(run, cfg, w.d, wc, _onStack(slots, cfg.d, claims, stackClaims), c);
        _open(run, cfg, root, sum, c);
    }

    function _absorbShapes(Transcript memory t, Slot[] memory slots) private pure {
        bytes memory label = T.encodeLabel(LABEL_SHAPES);
        T.absorbU64(t, label, uint64(slots.length));
        for (uint256 i = 0; i < slots.length; i++) {
            T.absorbU64(t, label, uint64(slots[i].numVars));
        }
    }

    function _absorbRoot(Transcript memory t, uint256 d, uint256 n, bytes32 root) private pure {
        bytes memory label = T.encodeLabel(LABEL_ROOT);
        T.absorbU64(t, label, uint64(d));
        T.absorbU64(t, label, uint64(n));
        T.absorbBytes(t, label, abi.encodePacked(bytes25(root)));
    }

    /// The claims on a batch's stack `D` of `2^d`: each column claim lifted (`c̃(p) = D(bits(offset >> arity) ‖
    /// 0… ‖ p)`), then the claims on `D` itself.
    function _onStack(Slot[] memory slots, uint256 d, ColumnClaim[] memory claims, Claim[] memory stackClaims)
        private
        pure
        returns (Claim[] memory all)
    {
        all = new Claim[](claims.length + stackClaims.length);
        for (uint256 i = 0; i < claims.length; i++) {
            ColumnClaim memory cc = claims[i];
            if (cc.column >= slots.length) revert BadMaskedData(7);
            Slot memory s = slots[cc.column];
            if (cc.point.length != s.numVars) revert BadMaskedData(4);
            uint256[] memory p = new uint256[](d);
            uint256 sel = d - s.arity;
            uint256 slot = s.offset >> s.arity;
            for (uint256 j = 0; j < sel; j++) p[j] = (slot >> (sel - 1 - j)) & 1;
            uint256 pad = s.arity - s.numVars;
            for (uint256 j = 0; j < s.numVars; j++) p[sel + pad + j] = cc.point[j];
            all[i] = Claim({point: p, value: cc.value});
        }
        for (uint256 i = 0; i < stackClaims.length; i++) {
            all[claims.length + i] = stackClaims[i];
        }
    }

    /// Verifies `c` (the proof calldata) against `claims` on the column committed as `root`, on the transcript
    /// `t` (fresh, as the prover's before its commitment). Reverts with a named error on any failure.
    function verify(Transcript memory t, Config memory cfg, bytes32 root, Claim[] memory claims, Cursor memory c)
        internal
        pure
    {
        _absorbRoot(t, cfg.d, cfg.n, root);
        Run memory run;
        run.t = t;
        uint256 sum = _claims(run, cfg, 0, new Claim[](0), claims, c);
        _open(run, cfg, root, sum, c);
    }

    /// From the first sumcheck (claimed sum `sum`) to the plain opening of `P₁`.
    function _open(Run memory run, Config memory cfg, bytes32 root, uint256 sum, Cursor memory c) private pure {
        Transcript memory t = run.t;
        uint256 fold = run.joint ? cfg.k + 1 : cfg.k;
        uint256[][] memory first = R.readSumcheckProof(c);
        // The folds' proof-of-work witnesses: one per first-sumcheck round, then `ρ`'s.
        uint256[] memory pows = new uint256[](fold + 1);
        for (uint256 i = 0; i <= fold; i++) {
            pows[i] = R.readUint(c, 8);
            if (pows[i] >= P) revert R.NonCanonical(c.pos - c.base - 8);
        }
        (run.alpha, run.c) = Sumcheck.verifyGround(t, fold, 2, sum, first, cfg.foldPowBits, pows);
        run.mu = R.readExt(c);
        T.absorbExt(t, T.encodeLabel(LABEL_MU), run.mu);
        if (!T.checkWitness(t, cfg.foldPowBits, pows[fold])) revert Sumcheck.RoundProofOfWork(fold);
        run.rho = T.challenge(t, T.encodeLabel(LABEL_RHO));
        run.folded = R.readDigest(c);
        WhirVerifier.absorbPcsCommitment(t, cfg.plain, run.folded);
        uint256 pow = R.readUint(c, 8);
        if (pow >= P) revert R.NonCanonical(c.pos - c.base - 8);
        if (!T.checkWitness(t, cfg.powBits, pow)) revert MaskedProofOfWork();
        _rows(run, cfg, root, c);
        _reduction(run, cfg, c);
        uint256 s0 = R.readExt(c);
        uint256 s1 = R.readExt(c);
        uint256 p1 = G.extAdd(s0, G.extMul(X, s1));
        uint256 got = G.extMul(p1, _weightAt(run, cfg));
        if (got != run.value) revert MaskedFinal(run.value, got);
        uint256[] memory split = new uint256[](2);
        split[0] = s0;
        split[1] = s1;
        T.absorbExts(t, T.encodeLabel(LABEL_SPLIT), split);
        // The plain opening of `C₀`, `C₁` at `ρ*`: the rest of the calldata, verified by the deployed library.
        (bytes memory pending, uint256 out, uint256 left) = T.save(t);
        PlainOpening.verifyTwo(
            pending, out, left, _slice(cfg.plainStart, cfg.plainEnd), run.folded, run.at, s0, s1, _slice(c.pos, c.end)
        );
    }

    /// The calldata bytes `[from, to)` (absolute offsets) as a `bytes calldata`.
    function _slice(uint256 from, uint256 to) private pure returns (bytes calldata s) {
        assembly ("memory-safe") {
            s.offset := from
            s.length := sub(to, from)
        }
    }

    /// Absorbs claims on a stack of `2^d` (`MaskedPcs`' `absorb_claims`).
    function _absorbClaims(Transcript memory t, uint256 d, Claim[] memory claims) private pure {
        bytes memory label = T.encodeLabel(LABEL_CLAIMS);
        T.absorbU64(t, label, uint64(claims.length));
        for (uint256 i = 0; i < claims.length; i++) {
            if (claims[i].point.length != d) revert BadMaskedData(4);
            T.absorbExts(t, label, claims[i].point);
            T.absorbExt(t, label, claims[i].value);
        }
    }

    /// A claim point `z` on the column of `2^d` as a point of the `n`-variable stack (behind the selector bit
    /// `sel` in a joint opening): the half layout's `(z_<k, 0…0, z_≥k)`, the tail layout's `(z_≥d−k, z_<d−k)`.
    function _lift(Run memory run, Config memory cfg, uint256[] memory z, uint256 sel)
        private
        pure
        returns (uint256[] memory p)
    {
        uint256 s = run.joint ? 1 : 0;
        p = new uint256[](cfg.n + s);
        if (s == 1) p[0] = sel;
        uint256 d = z.length;
        if (cfg.n == d) {
            // The tail layout, `Q(c, i) = D(i ‖ c)`.
            uint256 hi = d - cfg.k;
            for (uint256 j = 0; j < cfg.k; j++) p[s + j] = z[hi + j];
            for (uint256 j = 0; j < hi; j++) p[s + cfg.k + j] = z[j];
        } else {
            for (uint256 j = 0; j < cfg.k; j++) p[s + j] = z[j];
            uint256 zeros = cfg.n - d;
            for (uint256 j = cfg.k; j < d; j++) p[s + j + zeros] = z[j];
        }
    }

    /// The claims absorbed (a joint opening's `weights` claims on their stack of `2^wd` first), the mask regions'
    /// points drawn and values read; the stack's claim points kept; returns the first sumcheck's claimed sum
    /// `Σ_i β^i v_i`.
    function _claims(
        Run memory run,
        Config memory cfg,
        uint256 wd,
        Claim[] memory weights,
        Claim[] memory claims,
        Cursor memory c
    ) private pure returns (uint256 sum) {
        Transcript memory t = run.t;
        uint256 w = weights.length;
        uint256 m = w + claims.length;
        if (claims.length == 0) revert BadMaskedData(3);
        if (run.joint) _absorbClaims(t, wd, weights);
        _absorbClaims(t, cfg.d, claims);
        run.points = new uint256[][](m + 2);
        uint256[] memory values = new uint256[](m + 2);
        for (uint256 i = 0; i < w; i++) {
            run.points[i] = _lift(run, cfg, weights[i].point, 0);
            values[i] = weights[i].value;
        }
        for (uint256 i = 0; i < claims.length; i++) {
            run.points[w + i] = _lift(run, cfg, claims[i].point, 1);
            values[w + i] = claims[i].value;
        }
        uint256 s = run.joint ? 1 : 0;
        bytes memory maskLabel = T.encodeLabel(LABEL_MASK_POINTS);
        for (uint256 j = 0; j < 2; j++) {
            uint256[] memory r = T.challenges(t, maskLabel, cfg.k + MASK_VARS);
            // (r_<k, 1, 0…0, j, r_≥k); in the tail layout (r_<k, 1…1, j, r_≥k); behind the selector 1 in a
            // joint opening (the witness's regions)
            uint256[] memory p = new uint256[](cfg.n + s);
            if (s == 1) p[0] = 1;
            for (uint256 i = 0; i < cfg.k; i++) p[s + i] = r[i];
            p[s + cfg.k] = 1;
            if (cfg.n == cfg.d) {
                for (uint256 i = cfg.k + 1; i < cfg.n - MASK_VARS - 1; i++) p[s + i] = 1;
            }
            p[s + cfg.n - MASK_VARS - 1] = j;
            for (uint256 i = 0; i < MASK_VARS; i++) p[s + cfg.n - MASK_VARS + i] = r[cfg.k + i];
            run.points[m + j] = p;
        }
        uint256[] memory tv = new uint256[](2);
        tv[0] = R.readExt(c);
        tv[1] = R.readExt(c);
        T.absorbExts(t, T.encodeLabel(LABEL_MASK_VALUES), tv);
        values[m] = tv[0];
        values[m + 1] = tv[1];
        uint256 beta = T.challenge(t, T.encodeLabel(LABEL_BATCH));
        run.betas = _powers(beta, m + 2);
        for (uint256 i = 0; i < m + 2; i++) {
            sum = G.extAdd(sum, G.extMul(run.betas[i], values[i]));
        }
    }

    /// The row positions, the rows' Merkle multi-proof (a joint opening's: the witness's, then the weights' at
    /// the same positions), and `P₁`'s codeword value at each row: `Σ_c eq(α, c)·row[c] + ρ·(row[2^k] +
    /// X·row[2^k + 1])`, over the weights' limbs then the witness's in a joint opening.
    function _rows(Run memory run, Config memory cfg, bytes32 root, Cursor memory c) private pure {
        uint256 q = cfg.queries;
        run.indices = new uint256[](q);
        for (uint256 i = 0; i < q; i++) {
            run.indices[i] = T.sampleBits(run.t, cfg.rowVars);
        }
        uint256 limbs = 1 << cfg.k;
        uint256[][] memory rows = _opening(run, cfg, root, limbs + 4, c);
        uint256[][] memory wrows;
        if (run.joint) wrows = _opening(run, cfg, run.weightsRoot, limbs + 2, c);
        uint256[] memory eq = _eqTable(run.alpha);
        uint256 off = run.joint ? limbs : 0;
        run.answers = new uint256[](q);
        for (uint256 i = 0; i < q; i++) {
            uint256[] memory row = rows[i];
            uint256 y = 0;
            for (uint256 l = 0; l < limbs; l++) {
                y = G.extAdd(y, G.extMulBase(eq[off + l], row[l]));
            }
            if (run.joint) {
                uint256[] memory wrow = wrows[i];
                for (uint256 l = 0; l < limbs; l++) {
                    y = G.extAdd(y, G.extMulBase(eq[l], wrow[l]));
                }
            }
            run.answers[i] = G.extAdd(y, G.extMul(run.rho, G.ext(row[limbs], row[limbs + 1])));
        }
    }

    /// One tree's opened rows (`width` F each, the salt included) at the run's positions, checked against `root`.
    function _opening(Run memory run, Config memory cfg, bytes32 root, uint256 width, Cursor memory c)
        private
        pure
        returns (uint256[][] memory rows)
    {
        bytes32[] memory leaves;
        (leaves, rows) =
            Merkle.readRows(c, cfg.queries, Merkle.RowShape({width: width, elemBytes: 8, saltElems: 0}));
        (uint256 sib, uint256 count) = Merkle.readSiblings(c);
        Merkle.verifyMulti(sib, count, root, cfg.rowVars, run.indices, leaves);
    }

    /// `γ`, the reduction sumcheck of `Σ_b P₁(b)·V(b)` from `Σ_i γ^i y_i + γ^q·(c + ρμ)`.
    function _reduction(Run memory run, Config memory cfg, Cursor memory c) private pure {
        uint256 q = cfg.queries;
        uint256 gamma = T.challenge(run.t, T.encodeLabel(LABEL_GAMMA));
        run.gammas = _powers(gamma, q + 1);
        uint256 sum = G.extMul(run.gammas[q], G.extAdd(run.c, G.extMul(run.rho, run.mu)));
        for (uint256 i = 0; i < q; i++) {
            sum = G.extAdd(sum, G.extMul(run.gammas[i], run.answers[i]));
        }
        (run.at, run.value) = Sumcheck.verify(run.t, cfg.n - cfg.k, 2, sum, R.readSumcheckProof(c));
    }

    /// `V(ρ*) = Σ_i γ^i pow(ω^{r_i})(ρ*) + γ^q Σ_j β^j eq(p_j, α ‖ ρ*)`.
    function _weightAt(Run memory run, Config memory cfg) private pure returns (uint256 v) {
        uint256 q = cfg.queries;
        uint256[] memory at = run.at;
        for (uint256 i = 0; i < q; i++) {
            uint256 x = G.pow(cfg.omega, run.indices[i]);
            v = G.extAdd(v, G.extMul(run.gammas[i], _powerMle(x, at)));
        }
        uint256 k = run.alpha.length;
        uint256[] memory full = new uint256[](k + at.length);
        for (uint256 i = 0; i < k; i++) full[i] = run.alpha[i];
        for (uint256 i = 0; i < at.length; i++) full[k + i] = at[i];
        uint256 w = 0;
        for (uint256 j = 0; j < run.points.length; j++) {
            w = G.extAdd(w, G.extMul(run.betas[j], Sumcheck.eqEval(run.points[j], full)));
        }
        v = G.extAdd(v, G.extMul(run.gammas[q], w));
    }

    /// The multilinear extension of `b ↦ x^b` (big-endian `b`) at `point`: `Π_j (1 − ρ_j + ρ_j·x^(2^(m−1−j)))`.
    function _powerMle(uint256 x, uint256[] memory point) private pure returns (uint256 acc) {
        acc = 1;
        uint256 sq = x;
        for (uint256 j = point.length; j > 0; j--) {
            uint256 r = point[j - 1];
            acc = G.extMul(acc, G.extAdd(G.extSub(1, r), G.extMulBase(r, sq)));
            sq = G.mul(sq, sq);
        }
    }

    /// `eq(α, ·)` over `{0,1}^k`, `α_0` on the most significant bit.
    function _eqTable(uint256[] memory alpha) private pure returns (uint256[] memory table) {
        table = new uint256[](1 << alpha.length);
        table[0] = 1;
        uint256 len = 1;
        for (uint256 i = 0; i < alpha.length; i++) {
            uint256 a = alpha[i];
            for (uint256 j = len; j > 0; j--) {
                uint256 v = table[j - 1];
                uint256 hi = G.extMul(v, a);
                table[2 * (j - 1) + 1] = hi;
                table[2 * (j - 1)] = G.extSub(v, hi);
            }
            len *= 2;
        }
    }

    function _powers(uint256 x, uint256 n) private pure returns (uint256[] memory out) {
        out = new uint256[](n);
        uint256 p = 1;
        for (uint256 i = 0; i < n; i++) {
            out[i] = p;
            p = G.extMul(p, x);
        }
    }
}
