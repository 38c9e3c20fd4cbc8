//! The small part of the Solidity ABI the harness needs: calls with `uint256`/`bytes`/`uint256[]` arguments, results
//! of `uint256` and `uint256[]`, and custom errors with `uint256` fields.

use revm::primitives::{U256, keccak256};
use serde_json::Value;

/// An argument of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A `uint256` (or any static one-word type: `bytes32`, `bool`, `uint64`).
    Uint(U256),
    /// A dynamic `bytes`.
    Bytes(Vec<u8>),
    /// A dynamic `uint256[]`.
    UintArray(Vec<U256>),
}

/// The 4-byte selector of a function or error signature such as `"mul(uint256,uint256)"`.
#[must_use]
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// ABI-encodes a call of `signature` with `args`.
#[must_use]
pub fn encode_call(signature: &str, args: &[Token]) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    let mut tail: Vec<u8> = Vec::new();
    let head_len = 32 * args.len();
    for arg in args {
        match arg {
            Token::Uint(v) => out.extend_from_slice(&v.to_be_bytes::<32>()),
            Token::Bytes(b) => {
                out.extend_from_slice(&U256::from(head_len + tail.len()).to_be_bytes::<32>());
                tail.extend_from_slice(&U256::from(b.len()).to_be_bytes::<32>());
                tail.extend_from_slice(b);
                tail.resize(tail.len().div_ceil(32) * 32, 0);
            }
            Token::UintArray(xs) => {
                out.extend_from_slice(&U256::from(head_len + tail.len()).to_be_bytes::<32>());
                tail.extend_from_slice(&U256::from(xs.len()).to_be_bytes::<32>());
                for x in xs {
                    tail.extend_from_slice(&x.to_be_bytes::<32>());
                }
            }
        }
    }
    out.extend_from_slice(&tail);
    out
}

/// Why return data could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AbiError {
    /// The data is shorter than the type needs.
    #[error("return data of {len} bytes is too short: word {word} needed")]
    Short {
        /// The data's length.
        len: usize,
        /// The word index that was read.
        word: usize,
    },
    /// An offset or length does not fit in memory.
    #[error("return data has an offset or length out of range at word {word}")]
    BadOffset {
        /// The word index that held it.
        word: usize,
    },
}

/// The 32-byte word at byte offset `at`.
fn word_at(data: &[u8], at: usize) -> Result<U256, AbiError> {
    data.get(at..at + 32)
        .map(U256::from_be_slice)
        .ok_or(AbiError::Short {
            len: data.len(),
            word: at / 32,
        })
}

fn small(v: U256, word: usize) -> Result<usize, AbiError> {
    usize::try_from(v).map_err(|_| AbiError::BadOffset { word })
}

/// The `index`-th head word of return data, as a `uint256`.
///
/// # Errors
/// [`AbiError::Short`] if the data has no such word.
pub fn decode_uint(data: &[u8], index: usize) -> Result<U256, AbiError> {
    word_at(data, 32 * index)
}

/// The `uint256[]` whose offset is the `index`-th head word of return data.
///
/// # Errors
/// [`AbiError`] if the data is too short or the offset or length is out of range.
pub fn decode_uint_array(data: &[u8], index: usize) -> Result<Vec<U256>, AbiError> {
    let offset = small(word_at(data, 32 * index)?, index)?;
    let len = small(word_at(data, offset)?, offset / 32)?;
    (0..len)
        .map(|i| word_at(data, offset + 32 + 32 * i))
        .collect()
}

/// A decoded custom error (`revert Name(uint256, …)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevertError {
    /// The error's name, e.g. `WrongRoundDegree`.
    pub name: String,
    /// Its `uint256` fields, in order.
    pub args: Vec<U256>,
}

/// Decodes revert data against the `error` entries of a contract's ABI. `None` if the selector is not one of
/// them (e.g. an empty revert or a panic).
#[must_use]
pub fn decode_revert(abi: &Value, data: &[u8]) -> Option<RevertError> {
    let sel = data.get(..4)?;
    abi.as_array()?
        .iter()
        .filter(|e| e["type"] == "error")
        .find_map(|e| {
            let name = e["name"].as_str()?;
            let types: Vec<&str> = e["inputs"]
                .as_array()?
                .iter()
                .filter_map(|i| i["type"].as_str())
                .collect();
            let signature = format!("{name}({})", types.join(","));
            (selector(&signature) == sel).then(|| RevertError {
                name: name.to_owned(),
                args: (0..types.len())
                    .filter_map(|i| word_at(data, 4 + 32 * i).ok())
                    .collect(),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_static_and_dynamic_arguments() {
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
        let data = encode_call(
            "f(uint256,bytes)",
            &[Token::Uint(U256::from(7)), Token::Bytes(vec![1, 2, 3])],
        );
        assert_eq!(data.len(), 4 + 32 * 4);
        assert_eq!(decode_uint(&data[4..], 0), Ok(U256::from(7)));
        assert_eq!(decode_uint(&data[4..], 1), Ok(U256::from(64)));
        assert_eq!(decode_uint(&data[4..], 2), Ok(U256::from(3)));
        assert_eq!(&data[4 + 96..4 + 99], &[1, 2, 3]);
    }

    #[test]
    fn decodes_arrays_and_rejects_short_data() {
        let mut data = Vec::new();
        for w in [32u64, 2, 5, 6] {
            data.extend_from_slice(&U256::from(w).to_be_bytes::<32>());
        }
        assert_eq!(
            decode_uint_array(&data, 0),
            Ok(vec![U256::from(5), U256::from(6)])
        );
        assert!(decode_uint_array(&data[..96], 0).is_err());
        assert!(decode_uint(&[0; 31], 0).is_err());
    }
}
