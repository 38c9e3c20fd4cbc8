//! The calldata encoding of proof data, shared with `solidity/src/ProofReader.sol`.
//!
//! Integers are big-endian. An [`EF`] element `c0 + c1·X` is 16 bytes, `c1` then `c0` (8 bytes each), so the
//! 16 bytes read as one integer are the contract's packed word `c0 | c1 << 64`; a coordinate `≥ p` is
//! rejected. A sumcheck proof is a 2-byte round count, then per round a 1-byte value count and the values.
//! The decoder rejects exactly what the Solidity reader rejects, with the same offsets, so the two can be
//! compared error for error.

use revm::primitives::U256;
use zkinfer_field::{BasedVectorSpace, EF, F, MODULUS, PrimeCharacteristicRing, PrimeField64};
use zkinfer_sumcheck::SumcheckProof;
use zkinfer_sumcheck::zk::ZkSumcheckProof;

/// Bytes of one encoded [`EF`] element.
pub const EXT_BYTES: usize = 16;

/// Why encoded proof data was rejected (the Solidity reader's errors, with the same fields).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer than `need` bytes are left at `offset`.
    #[error("encoded proof is truncated: {need} bytes needed at offset {offset}")]
    Truncated {
        /// Where the read started.
        offset: usize,
        /// How many bytes it needed.
        need: usize,
    },
    /// A field coordinate at `offset` is not below p.
    #[error("non-canonical field element at offset {offset} (a coordinate is not below p)")]
    NonCanonical {
        /// Where the element starts.
        offset: usize,
    },
    /// Bytes are left after the last field.
    #[error("{} trailing bytes after offset {offset}", length - offset)]
    TrailingBytes {
        /// Where the unread bytes start.
        offset: usize,
        /// The data's length.
        length: usize,
    },
    /// A value does not fit its length field (an encoder-side error).
    #[error("{what} has {got} entries, more than the encoding's {max}")]
    TooLong {
        /// What was being encoded.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The largest encodable length.
        max: usize,
    },
}

impl DecodeError {
    /// The custom error `ProofReader.sol` reverts with (`Encode` for the encoder-side [`DecodeError::TooLong`]).
    #[must_use]
    pub fn solidity_name(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "Truncated",
            Self::NonCanonical { .. } => "NonCanonical",
            Self::TrailingBytes { .. } => "TrailingBytes",
            _ => "Encode",
        }
    }
}

/// The contract's packed word for `x`: `c0 | c1 << 64`.
#[must_use]
pub fn ext_to_word(x: EF) -> U256 {
    let c = BasedVectorSpace::<F>::as_basis_coefficients_slice(&x);
    U256::from(c[0].as_canonical_u64()) | (U256::from(c[1].as_canonical_u64()) << 64)
}

/// The [`EF`] element of a packed word, or `None` unless it is `c0 | c1 << 64` with both coordinates `< p`.
#[must_use]
pub fn word_to_ext(w: U256) -> Option<EF> {
    if w >> 128 != U256::ZERO {
        return None;
    }
    let limbs = w.as_limbs();
    let (c0, c1) = (limbs[0], limbs[1]);
    if c0 >= MODULUS || c1 >= MODULUS {
        return None;
    }
    Some(EF::from_basis_coefficients_fn(|i| {
        F::from_u64(if i == 0 { c0 } else { c1 })
    }))
}

/// A base-field element as a word.
#[must_use]
pub fn base_to_word(x: F) -> U256 {
    U256::from(x.as_canonical_u64())
}

/// Appends the 16-byte encoding of `x`.
pub fn put_ext(out: &mut Vec<u8>, x: EF) {
    let c = BasedVectorSpace::<F>::as_basis_coefficients_slice(&x);
    out.extend_from_slice(&c[1].as_canonical_u64().to_be_bytes());
    out.extend_from_slice(&c[0].as_canonical_u64().to_be_bytes());
}

/// Appends `n` as a `bytes`-byte big-endian integer (`bytes ≤ 8`).
///
/// # Errors
/// [`DecodeError::TooLong`] (naming `what`) if `n` does not fit.
pub fn put_uint(
    out: &mut Vec<u8>,
    what: &'static str,
    n: usize,
    bytes: usize,
) -> Result<(), DecodeError> {
    let max = u64::MAX >> (64 - 8 * bytes.clamp(1, 8));
    if n as u64 > max {
        return Err(DecodeError::TooLong {
            what,
            got: n,
            max: max as usize,
        });
    }
    out.extend_from_slice(&(n as u64).to_be_bytes()[8 - bytes.clamp(1, 8)..]);
    Ok(())
}

/// Appends a 1-byte count and the elements.
///
/// # Errors
/// [`DecodeError::TooLong`] for more than 255 elements.
pub fn put_exts8(out: &mut Vec<u8>, what: &'static str, xs: &[EF]) -> Result<(), DecodeError> {
    let n = u8::try_from(xs.len()).map_err(|_| DecodeError::TooLong {
        what,
        got: xs.len(),
        max: 255,
    })?;
    out.push(n);
    xs.iter().for_each(|&x| put_ext(out, x));
    Ok(())
}

/// Appends the encoding of a sumcheck proof.
///
/// # Errors
/// [`DecodeError::TooLong`] for more than 65,535 rounds or a round of more than 255 values.
pub fn put_sumcheck_proof(out: &mut Vec<u8>, proof: &SumcheckProof) -> Result<(), DecodeError> {
    let n = u16::try_from(proof.round_polys.len()).map_err(|_| DecodeError::TooLong {
        what: "sumcheck proof",
        got: proof.round_polys.len(),
        max: 65_535,
    })?;
    out.extend_from_slice(&n.to_be_bytes());
    for g in &proof.round_polys {
        put_exts8(out, "sumcheck round", g)?;
    }
    Ok(())
}

/// Appends a ZK sumcheck proof: the mask's sum, the rounds ([`put_sumcheck_proof`]), the mask's value.
///
/// # Errors
/// As [`put_sumcheck_proof`].
pub fn put_zk_sumcheck_proof(
    out: &mut Vec<u8>,
    proof: &ZkSumcheckProof,
) -> Result<(), DecodeError> {
    put_ext(out, proof.mask_sum);
    put_sumcheck_proof(out, &proof.sumcheck)?;
    put_ext(out, proof.mask_eval);
    Ok(())
}

/// A read position in encoded data; mirrors the Solidity `Cursor`.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    #[must_use]
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Reads an `n`-byte big-endian integer (`n ≤ 8`).
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] if fewer than `n` bytes are left.
    pub fn read_uint(&mut self, n: usize) -> Result<u64, DecodeError> {
        let bytes = self.take(n)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// The read position (bytes from the start).
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Fails with [`DecodeError::Truncated`] (at the current position, needing `n`) unless `n` bytes are left.
    ///
    /// # Errors
    /// As said.
    pub fn check_available(&mut self, n: usize) -> Result<(), DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::Truncated {
                offset: self.pos,
                need: n,
            });
        }
        Ok(())
    }

    /// Reads `n` raw bytes.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] if fewer are left.
    pub fn take_bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        self.take(n)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let truncated = DecodeError::Truncated {
            offset: self.pos,
            need: n,
        };
        let bytes = self
            .data
            .get(self.pos..self.pos.checked_add(n).ok_or(truncated.clone())?)
            .ok_or(truncated)?;
        self.pos += n;
        Ok(bytes)
    }

    /// Reads one canonical [`EF`] element.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`], or [`DecodeError::NonCanonical`] if a coordinate is `≥ p`.
    pub fn read_ext(&mut self) -> Result<EF, DecodeError> {
        let at = self.pos;
        let bytes = self.take(EXT_BYTES)?;
        let word = |b: &[u8]| b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        let (c1, c0) = (word(&bytes[..8]), word(&bytes[8..]));
        if c0 >= MODULUS || c1 >= MODULUS {
            return Err(DecodeError::NonCanonical { offset: at });
        }
        Ok(EF::from_basis_coefficients_fn(|i| {
            F::from_u64(if i == 0 { c0 } else { c1 })
        }))
    }

    /// Reads a 1-byte count, then that many elements.
    ///
    /// # Errors
    /// As [`Self::read_ext`].
    pub fn read_exts8(&mut self) -> Result<Vec<EF>, DecodeError> {
        let n = self.read_uint(1)?;
        (0..n).map(|_| self.read_ext()).collect()
    }

    /// Reads a sumcheck proof.
    ///
    /// # Errors
    /// As [`Self::read_ext`]; a round count larger than the bytes left is [`DecodeError::Truncated`].
    pub fn read_sumcheck_proof(&mut self) -> Result<SumcheckProof, DecodeError> {
        let n = self.read_uint(2)? as usize;
        if n > self.remaining() {
            return Err(DecodeError::Truncated {
                offset: self.pos,
                need: n,
            });
        }
        let round_polys = (0..n)
            .map(|_| self.read_exts8())
            .collect::<Result<_, _>>()?;
        Ok(SumcheckProof { round_polys })
    }

    /// Reads a ZK sumcheck proof ([`put_zk_sumcheck_proof`]'s layout).
    ///
    /// # Errors
    /// As [`Self::read_sumcheck_proof`].
    pub fn read_zk_sumcheck_proof(&mut self) -> Result<ZkSumcheckProof, DecodeError> {
        Ok(ZkSumcheckProof {
            mask_sum: self.read_ext()?,
            sumcheck: self.read_sumcheck_proof()?,
            mask_eval: self.read_ext()?,
        })
    }

    /// Checks that every byte was read.
    ///
    /// # Errors
    /// [`DecodeError::TrailingBytes`] otherwise.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                offset: self.pos,
                length: self.data.len(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_round_trips_through_bytes_and_words() {
        let x =
            EF::from_basis_coefficients_fn(|i| F::from_u64(if i == 0 { 5 } else { MODULUS - 1 }));
        let mut out = Vec::new();
        put_ext(&mut out, x);
        assert_eq!(out.len(), EXT_BYTES);
        assert_eq!(U256::from_be_slice(&out), ext_to_word(x));
        assert_eq!(Reader::new(&out).read_ext(), Ok(x));
        assert_eq!(word_to_ext(ext_to_word(x)), Some(x));
        assert_eq!(word_to_ext(U256::from(MODULUS)), None);
        assert_eq!(word_to_ext(U256::from(1) << 128), None);
    }

    #[test]
    fn decoder_rejects_bad_data_with_offsets() {
        let mut bad = vec![0u8; 16];
        bad[8..].copy_from_slice(&MODULUS.to_be_bytes());
        assert_eq!(
            Reader::new(&bad).read_ext(),
            Err(DecodeError::NonCanonical { offset: 0 })
        );
        assert_eq!(
            Reader::new(&[0, 9, 1]).read_sumcheck_proof(),
            Err(DecodeError::Truncated { offset: 2, need: 9 })
        );
        let r = Reader::new(&[0, 0, 7]);
        let mut r2 = r.clone();
        assert_eq!(r2.read_sumcheck_proof(), Ok(SumcheckProof::default()));
        assert_eq!(
            r2.finish(),
            Err(DecodeError::TrailingBytes {
                offset: 2,
                length: 3
            })
        );
    }
}
