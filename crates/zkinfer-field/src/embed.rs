//! Signed integers as field elements.
//!
//! A signed integer `v` with `|v| < p/2` is embedded as `v mod p`. The embedding is a ring
//! homomorphism for any relation whose both sides stay below `p/2` in absolute value *as integers*;
//! callers check that statically (the compiler's overflow analysis), and [`from_signed_checked`]
//! enforces a declared bit width at run time.

use p3_field::{PrimeCharacteristicRing, PrimeField64};

use crate::{F, MODULUS};

/// A value that does not fit the range it was declared to lie in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// `value` is outside the signed range `[-2^(bits-1), 2^(bits-1))`.
    #[error("value {value} is outside the signed {bits}-bit range [-2^{}, 2^{})", bits - 1, bits - 1)]
    OutOfRange {
        /// The offending value.
        value: i128,
        /// The declared width.
        bits: u32,
    },
    /// A field element whose centered representative is outside the declared range.
    #[error("field element {element} is not a signed {bits}-bit integer")]
    NotSmall {
        /// The canonical representative of the element.
        element: u64,
        /// The declared width.
        bits: u32,
    },
}

/// Embeds `v` as `v mod p`. Every `i64` except those with `|v| ≥ p/2` round-trips through
/// [`to_signed`]; use [`from_signed_checked`] where the width is declared.
#[inline]
pub fn from_signed(v: i64) -> F {
    if v >= 0 {
        F::from_u64(v.unsigned_abs())
    } else {
        -F::from_u64(v.unsigned_abs())
    }
}

/// Embeds `v`, checking that it lies in the signed `bits`-bit range (`bits ≤ 63`).
///
/// # Errors
/// [`EmbedError::OutOfRange`] when `v ∉ [-2^(bits-1), 2^(bits-1))`.
pub fn from_signed_checked(v: i128, bits: u32) -> Result<F, EmbedError> {
    let half = 1i128 << bits.clamp(1, 63).saturating_sub(1);
    if bits == 0 || bits > 63 || v < -half || v >= half {
        return Err(EmbedError::OutOfRange { value: v, bits });
    }
    // In range, so it fits an i64.
    Ok(from_signed(
        i64::try_from(v).map_err(|_| EmbedError::OutOfRange { value: v, bits })?,
    ))
}

/// The centered representative of `x` in `(-p/2, p/2]` as an `i128`.
#[inline]
#[must_use]
pub fn to_signed(x: F) -> i128 {
    let c = x.as_canonical_u64();
    if c > MODULUS / 2 {
        i128::from(c) - i128::from(MODULUS)
    } else {
        i128::from(c)
    }
}

/// The centered representative of `x`, checked to be a signed `bits`-bit integer.
///
/// # Errors
/// [`EmbedError::NotSmall`] when it is not.
pub fn to_signed_checked(x: F, bits: u32) -> Result<i64, EmbedError> {
    let v = to_signed(x);
    let half = 1i128 << bits.clamp(1, 63).saturating_sub(1);
    if v < -half || v >= half {
        return Err(EmbedError::NotSmall {
            element: x.as_canonical_u64(),
            bits,
        });
    }
    i64::try_from(v).map_err(|_| EmbedError::NotSmall {
        element: x.as_canonical_u64(),
        bits,
    })
}

/// Embeds a slice of signed integers.
#[must_use]
pub fn from_signed_slice(vs: &[i64]) -> Vec<F> {
    vs.iter().map(|&v| from_signed(v)).collect()
}

/// `2^k` as a field element (`k < 64`).
#[inline]
pub fn pow2(k: u32) -> F {
    F::from_u64(1u64 << k.min(63))
        * if k >= 64 {
            F::from_u64(1u64 << (k - 63))
        } else {
            F::ONE
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_signed() {
        for v in [
            0i64,
            1,
            -1,
            42,
            -42,
            i64::from(i32::MAX),
            i64::from(i32::MIN),
            1 << 62,
            -(1 << 62),
        ] {
            assert_eq!(to_signed(from_signed(v)), i128::from(v));
        }
    }

    #[test]
    fn embedding_is_a_ring_homomorphism_in_range() {
        let (a, b) = (-123_456_789i64, 987_654i64);
        assert_eq!(
            to_signed(from_signed(a) * from_signed(b)),
            i128::from(a) * i128::from(b)
        );
        assert_eq!(
            to_signed(from_signed(a) + from_signed(b)),
            i128::from(a + b)
        );
    }

    #[test]
    fn checked_ranges() {
        assert!(from_signed_checked(32767, 16).is_ok());
        assert!(from_signed_checked(-32768, 16).is_ok());
        assert_eq!(
            from_signed_checked(32768, 16),
            Err(EmbedError::OutOfRange {
                value: 32768,
                bits: 16
            })
        );
        assert!(from_signed_checked(-32769, 16).is_err());
        assert!(from_signed_checked(0, 0).is_err());
        assert!(from_signed_checked(0, 64).is_err());
        assert_eq!(to_signed_checked(from_signed(-5), 4), Ok(-5));
        assert!(to_signed_checked(from_signed(8), 4).is_err());
    }

    #[test]
    fn pow2_matches_shift() {
        assert_eq!(pow2(0), F::ONE);
        assert_eq!(pow2(40), F::from_u64(1 << 40));
        assert_eq!(pow2(64), F::from_u64(1 << 63) * F::TWO);
    }
}
