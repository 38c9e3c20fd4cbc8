//! Limits every crate agrees on, defined once.
//!
//! - [`FIELD_SAFE_BITS`]: every integer a proof relation equates, on either side, stays below
//!   `2^FIELD_SAFE_BITS` in absolute value. Two sides each below `2^62` differ by less than
//!   `2^63 < p`, so equality mod `p` is equality over the integers (DESIGN §4), and every such
//!   value also fits `i64` arithmetic. The quantizer's overflow analysis (`zkinfer-model`) and
//!   the engine's compile-time checks both use it.
//! - [`MAX_TABLE_BITS`]: the widest lookup table, `2^16` rows. `zkinfer-lookup` refuses wider
//!   tables, so function tables (which cover the whole activation range) need
//!   `act_bits ≤ MAX_TABLE_BITS`, and wider ranges are range-checked as limbs of this width.

/// Integers equated by a proof relation stay below `2^FIELD_SAFE_BITS` in absolute value.
pub const FIELD_SAFE_BITS: u32 = 62;

/// `2^FIELD_SAFE_BITS`: the exclusive bound on `|v|` for every integer a relation equates.
pub const FIELD_SAFE_BOUND: i128 = 1 << FIELD_SAFE_BITS;

/// The widest lookup table: `2^MAX_TABLE_BITS` rows.
pub const MAX_TABLE_BITS: u32 = 16;

/// The widest input of the integer square root gadget (bits): `y²` and the slacks `x − y²`,
/// `y² + 2y − x` stay below the field-safety bound.
pub const MAX_ISQRT_BITS: u32 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_safe_values_cannot_wrap() {
        // |a − b| < 2 · 2^62 = 2^63 < p.
        assert!(2 * FIELD_SAFE_BOUND < i128::from(crate::MODULUS));
        assert!(FIELD_SAFE_BOUND <= i128::from(i64::MAX));
    }
}
