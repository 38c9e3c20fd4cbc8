//! The one error type of this crate.

use zkinfer_field::EF;

/// Why a commitment could not be made, or an opening was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PcsError {
    /// `commit` was given no columns, or a commitment lists none.
    #[error("a commitment needs at least one column")]
    NoColumns,
    /// More columns than [`crate::MAX_COLUMNS`].
    #[error("too many columns: at most {max}, got {got}")]
    TooManyColumns {
        /// The limit.
        max: usize,
        /// The count given.
        got: usize,
    },
    /// A column whose length is not a power of two.
    #[error("column {column} has length {len}, which is not a power of two")]
    ColumnNotPowerOfTwo {
        /// The column index.
        column: usize,
        /// Its length.
        len: usize,
    },
    /// A column (or the stack of all columns) larger than the field's FFT domain allows.
    #[error("column {column}: {got} variables, at most {max} allowed")]
    ColumnTooLarge {
        /// The column index (`usize::MAX` for the stack of all columns).
        column: usize,
        /// The limit on the number of variables.
        max: usize,
        /// The number of variables found.
        got: usize,
    },
    /// `open`/`verify` was given no claims.
    #[error("an opening needs at least one claim")]
    NoClaims,
    /// More claims than [`crate::MAX_CLAIMS`].
    #[error("too many claims: at most {max}, got {got}")]
    TooManyClaims {
        /// The limit.
        max: usize,
        /// The count given.
        got: usize,
    },
    /// A claim on a column the commitment does not have.
    #[error("claim {claim} names column {got}, but the commitment has {columns} columns")]
    ColumnOutOfRange {
        /// The claim index.
        claim: usize,
        /// The number of committed columns.
        columns: usize,
        /// The column named.
        got: usize,
    },
    /// A claim whose point has the wrong number of coordinates.
    #[error("claim {claim}: point has {got} coordinates, the column has {expected} variables")]
    PointLength {
        /// The claim index.
        claim: usize,
        /// The column's number of variables.
        expected: usize,
        /// The point's length.
        got: usize,
    },
    /// The committed polynomial does not take the claimed value (prover side: the caller's
    /// claim is false; verifier side: the proof's value differs from the claim).
    #[error("claim {claim}: value {got} claimed, the opening gives {expected}")]
    ValueMismatch {
        /// The claim index.
        claim: usize,
        /// The value carried by the opening.
        expected: EF,
        /// The value claimed.
        got: EF,
    },
    /// The opening proof has the wrong shape before any cryptographic check.
    #[error("malformed opening proof: {what}: expected {expected}, got {got}")]
    ProofShape {
        /// Which part.
        what: &'static str,
        /// The expected count.
        expected: usize,
        /// The count found.
        got: usize,
    },
    /// The commitment is not one this verifier can read (e.g. a Merkle cap of the wrong size).
    #[error("malformed commitment: {what}: expected {expected}, got {got}")]
    CommitmentShape {
        /// Which part.
        what: &'static str,
        /// The expected count.
        expected: usize,
        /// The count found.
        got: usize,
    },
    /// The parameters do not form a WHIR configuration for this size.
    #[error("WHIR configuration for {num_vars} variables: {reason}")]
    Config {
        /// The stacked polynomial's number of variables.
        num_vars: usize,
        /// p3-whir's reason.
        reason: String,
    },
    /// The WHIR verifier rejected the opening.
    #[error("WHIR opening rejected: {reason}")]
    Whir {
        /// p3-whir's reason.
        reason: String,
    },
    /// p3-whir's verifier panicked on this proof (caught; the proof is rejected).
    #[error("WHIR verifier panicked on a malformed proof: {reason}")]
    VerifierPanicked {
        /// The panic message.
        reason: String,
    },
    /// The parameters ask for fewer bits of security than the hiding commitment accepts.
    #[error(
        "{got}-bit security requested, but commitments must keep at least {min} bits: raise `security_bits` to {min} or more"
    )]
    SecurityTooLow {
        /// The least accepted security level.
        min: usize,
        /// The level asked for.
        got: usize,
    },
    /// The parameters ask for more security than the Merkle digests carry.
    #[error(
        "{got}-bit security requested, but the Merkle digests are {bytes} bytes, collision-resistant to {max} bits: lower `security_bits` to {max} or less"
        , bytes = crate::DIGEST_BYTES
    )]
    SecurityAboveDigest {
        /// The most a digest carries.
        max: usize,
        /// The level asked for.
        got: usize,
    },
    /// The operating system's random number generator failed (hiding randomness is never
    /// drawn from anything else).
    #[error("the OS random number generator failed: {reason}; hiding commitments need it")]
    Entropy {
        /// The OS error.
        reason: String,
    },
    /// The hiding commitment was asked to run in a list-decoding regime: p3-whir's own
    /// A regime whose soundness rests on a conjecture (the capacity bound).
    #[error(
        "the {got:?} regime rests on a conjecture; zkinfer accepts only proven regimes (unique decoding, Johnson bound)"
    )]
    ConjecturedRegime {
        /// The regime asked for.
        got: crate::Soundness,
    },
    /// accounting of its masked base case certifies far fewer bits there (see docs/ZK.md).
    #[error(
        "hiding commitments run in the unique-decoding regime, got {got:?}: p3-whir's accounting of the masked base case certifies fewer than 100 bits under list decoding at a 128-bit field; use PcsConfig::hiding_default()"
    )]
    HidingRegime {
        /// The regime asked for.
        got: crate::Soundness,
    },
    /// p3-whir's soundness accounting of the hiding commitment misses the security level.
    #[error(
        "hiding commitment of {stacked_vars} variables: {term} keeps {got} bits by p3-whir's accounting, {required} required; raise pow_bits or use PcsConfig::hiding_default()"
    )]
    HidingSoundness {
        /// Variables of the stacked polynomial.
        stacked_vars: usize,
        /// Which error term.
        term: &'static str,
        /// Its bits (rounded down).
        got: usize,
        /// The security level.
        required: usize,
    },
    /// A reusable hiding commitment was opened more often than its randomness covers
    /// ([`crate::HidingPcs::commit_reusable`]'s `uses`): one more opening would reveal more
    /// codeword positions than its encoding randomness hides.
    #[error(
        "this reusable hiding commitment covers {uses} openings and all of them are spent; commit again (for a proving key: `zkinfer setup` again, with a larger `--max-proofs` if needed)"
    )]
    UsesExhausted {
        /// The openings the commitment covers.
        uses: usize,
    },
    /// No stack size and rate fit a reusable commitment's randomness (`uses` × one opening's
    /// queries per limb must fit the first oracle's slack at the security level).
    #[error(
        "no hiding commitment of these columns covers {uses} openings ({reason}); lower the number of openings (`zkinfer setup --max-proofs`) or the columns' size"
    )]
    ReuseBudget {
        /// The openings asked for.
        uses: usize,
        /// The last configuration's failure.
        reason: String,
    },
    /// Stored prover data (e.g. the weights' in a proving key) does not fit the columns or the
    /// parameters it is restored with, or opening it failed: the file holding it is corrupted.
    #[error(
        "the stored commitment data is corrupted or belongs to other columns ({reason}); regenerate the proving key (`zkinfer setup`)"
    )]
    StoredData {
        /// What does not fit.
        reason: String,
    },
    /// Two hiding commitments cannot be opened jointly (their shapes or the joint
    /// configuration do not fit; the caller opens them apart), or a joint opening's inputs do
    /// not belong together.
    #[error("no joint opening: {reason}")]
    Joint {
        /// Why.
        reason: String,
    },
}
