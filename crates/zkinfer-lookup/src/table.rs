//! Lookup tables whose multilinear extensions the verifier evaluates itself.
//!
//! Row `j` of a table is the tuple of its columns at `j`; the row index is big-endian in the
//! table's variables (see `zkinfer-poly`). Signed values embed as `v mod p`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use serde::{Deserialize, Serialize};
use tiny_keccak::{Hasher, Keccak};
use zkinfer_field::{EF, F, PrimeCharacteristicRing, PrimeField64, from_signed, to_signed};
use zkinfer_poly::evaluate;

use crate::{LookupError, MAX_TABLE_BITS};

/// A lookup table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Table {
    /// The values `0 .. 2^bits`, one column.
    Range {
        /// Width, `1..=MAX_TABLE_BITS`.
        bits: u32,
    },
    /// The values `-2^(bits-1) .. 2^(bits-1)` in increasing order, one column.
    SignedRange {
        /// Width, `1..=MAX_TABLE_BITS`.
        bits: u32,
    },
    /// Two columns: the signed `in_bits` range `i` and `outputs[i + 2^(in_bits-1)]`.
    Function {
        /// A name for messages and the id.
        name: String,
        /// Input width, `1..=MAX_TABLE_BITS`.
        in_bits: u32,
        /// `2^in_bits` outputs, for the inputs in increasing order.
        outputs: Outputs,
    },
}

/// A function table's outputs and their digest ([`outputs_digest`]), computed once when the
/// outputs are made or decoded, so the table's [`Table::id`], absorbed by every proof, costs no
/// second pass over them. Reads as a `[i64]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<i64>", into = "Vec<i64>")]
pub struct Outputs {
    values: Vec<i64>,
    digest: [u8; 32],
}

impl Outputs {
    /// Wraps `values`, hashing them.
    #[must_use]
    pub fn new(values: Vec<i64>) -> Self {
        let digest = outputs_digest(&values);
        Self { values, digest }
    }

    /// [`outputs_digest`] of the values.
    #[must_use]
    pub const fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

impl From<Vec<i64>> for Outputs {
    fn from(values: Vec<i64>) -> Self {
        Self::new(values)
    }
}

impl From<Outputs> for Vec<i64> {
    fn from(o: Outputs) -> Self {
        o.values
    }
}

impl std::ops::Deref for Outputs {
    type Target = [i64];

    fn deref(&self) -> &[i64] {
        &self.values
    }
}

/// Keccak-256 of a function table's outputs (little-endian `i64`s after a domain tag): the
/// digest a verifying key records for a table it does not embed.
#[must_use]
pub fn outputs_digest(values: &[i64]) -> [u8; 32] {
    let mut h = Keccak::v256();
    h.update(b"zkinfer/table");
    let mut buf = [0u8; 8 * 512];
    for chunk in values.chunks(512) {
        for (dst, v) in buf.chunks_exact_mut(8).zip(chunk) {
            dst.copy_from_slice(&v.to_le_bytes());
        }
        h.update(buf.get(..8 * chunk.len()).unwrap_or_default());
    }
    let mut out = [0u8; 32];
    h.finalize(&mut out);
    out
}

impl Table {
    /// The function table of `f` over the signed `in_bits` range.
    ///
    /// # Errors
    /// [`LookupError::TableBits`] if `in_bits ∉ 1..=MAX_TABLE_BITS`.
    pub fn function(
        name: impl Into<String>,
        in_bits: u32,
        f: impl Fn(i64) -> i64,
    ) -> Result<Self, LookupError> {
        check_bits(in_bits)?;
        let half = 1i64 << (in_bits - 1);
        let outputs = Outputs::new((-half..half).map(f).collect());
        Ok(Self::Function {
            name: name.into(),
            in_bits,
            outputs,
        })
    }

    /// Checks the width and, for a function, the number of outputs.
    ///
    /// # Errors
    /// [`LookupError::TableBits`] or [`LookupError::FunctionOutputs`].
    pub fn validate(&self) -> Result<(), LookupError> {
        match self {
            Self::Range { bits } | Self::SignedRange { bits } => check_bits(*bits),
            Self::Function {
                name,
                in_bits,
                outputs,
            } => {
                check_bits(*in_bits)?;
                let expected = 1usize << in_bits;
                if outputs.len() == expected {
                    Ok(())
                } else {
                    Err(LookupError::FunctionOutputs {
                        name: name.clone(),
                        expected,
                        got: outputs.len(),
                    })
                }
            }
        }
    }

    /// The number of columns (the width of a witness tuple).
    #[must_use]
    pub fn num_columns(&self) -> usize {
        match self {
            Self::Range { .. } | Self::SignedRange { .. } => 1,
            Self::Function { .. } => 2,
        }
    }

    /// The number of variables: `log2` of the number of rows.
    #[must_use]
    pub fn num_vars(&self) -> usize {
        self.bits() as usize
    }

    fn bits(&self) -> u32 {
        match self {
            Self::Range { bits } | Self::SignedRange { bits } => *bits,
            Self::Function { in_bits, .. } => *in_bits,
        }
    }

    /// The tuple in row `row` (`None` past the last row or for an invalid function table):
    /// `O(1)`, for callers that need a known member of the table (e.g. to fill rows).
    #[must_use]
    pub fn row(&self, row: usize) -> Option<Vec<F>> {
        let bits = self.bits();
        let rows = 1usize.checked_shl(bits)?;
        if row >= rows {
            return None;
        }
        let signed = row as i64 - (rows as i64 / 2);
        Some(match self {
            Self::Range { .. } => vec![from_signed(row as i64)],
            Self::SignedRange { .. } => vec![from_signed(signed)],
            Self::Function { outputs, .. } => {
                vec![from_signed(signed), from_signed(*outputs.get(row)?)]
            }
        })
    }

    /// A short description for messages, e.g. `signed-range(16)`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Range { bits } => format!("range({bits})"),
            Self::SignedRange { bits } => format!("signed-range({bits})"),
            Self::Function { name, in_bits, .. } => format!("function {name}({in_bits})"),
        }
    }

    /// The columns, each of `2^num_vars` entries. The table must be valid.
    #[must_use]
    pub fn columns(&self) -> Vec<Vec<F>> {
        let n = 1i64 << self.bits();
        let half = n / 2;
        match self {
            Self::Range { .. } => vec![(0..n).map(from_signed).collect()],
            Self::SignedRange { .. } => vec![(-half..half).map(from_signed).collect()],
            Self::Function { outputs, .. } => vec![
                (-half..half).map(from_signed).collect(),
                outputs.iter().map(|&v| from_signed(v)).collect(),
            ],
        }
    }

    /// Each column's MLE at `point`: `O(bits)` for ranges and function inputs (`Σ_k 2^(bits-1-k)
    /// r_k`, minus `2^(bits-1)` when signed), `O(2^bits)` for function outputs.
    ///
    /// # Panics
    /// If `point.len() != num_vars()` or a function table is invalid (see [`Table::validate`]).
    #[must_use]
    pub fn evaluate_columns(&self, point: &[EF]) -> Vec<EF> {
        assert_eq!(
            point.len(),
            self.num_vars(),
            "Table::evaluate_columns: wrong point length"
        );
        let unsigned = point.iter().fold(EF::ZERO, |acc, &r| acc.double() + r);
        let offset = EF::from(F::from_u64(1u64 << (self.bits() - 1)));
        match self {
            Self::Range { .. } => vec![unsigned],
            Self::SignedRange { .. } => vec![unsigned - offset],
            Self::Function { outputs, .. } => {
                let outs: Vec<F> = outputs.iter().map(|&v| from_signed(v)).collect();
                vec![unsigned - offset, evaluate(&outs, point)]
            }
        }
    }

    /// The row holding `tuple`, if any (`tuple.len() == num_columns()`).
    #[must_use]
    pub fn row_of(&self, tuple: &[F]) -> Option<usize> {
        let bits = self.bits();
        let half = 1i128 << (bits - 1);
        match (self, tuple) {
            (Self::Range { .. }, &[x]) => {
                let v = x.as_canonical_u64();
                (v < (1u64 << bits)).then_some(v as usize)
            }
            (Self::SignedRange { .. }, &[x]) => signed_row(x, half),
            (Self::Function { outputs, .. }, &[x, y]) => {
                let row = signed_row(x, half)?;
                (from_signed(*outputs.get(row)?) == y).then_some(row)
            }
            _ => None,
        }
    }

    /// A digest of the table's definition (Keccak-256), absorbed into the transcript.
    #[must_use]
    pub fn id(&self) -> [u8; 32] {
        let mut h = Keccak::v256();
        h.update(b"zkinfer/lookup-table/v1");
        match self {
            Self::Range { bits } => {
                h.update(&[0]);
                h.update(&bits.to_le_bytes());
            }
            Self::SignedRange { bits } => {
                h.update(&[1]);
                h.update(&bits.to_le_bytes());
            }
            Self::Function {
                name,
                in_bits,
                outputs,
            } => {
                h.update(&[2]);
                h.update(&in_bits.to_le_bytes());
                h.update(&(name.len() as u64).to_le_bytes());
                h.update(name.as_bytes());
                h.update(&(outputs.len() as u64).to_le_bytes());
                h.update(outputs.digest());
            }
        }
        let mut out = [0u8; 32];
        h.finalize(&mut out);
        out
    }
}

fn check_bits(bits: u32) -> Result<(), LookupError> {
    if (1..=MAX_TABLE_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(LookupError::TableBits {
            bits,
            max: MAX_TABLE_BITS,
        })
    }
}

fn signed_row(x: F, half: i128) -> Option<usize> {
    let v = to_signed(x);
    (-half..half)
        .contains(&v)
        .then(|| usize::try_from(v + half).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    use zkinfer_field::BasedVectorSpace;

    use super::*;

    fn tables() -> Vec<Table> {
        vec![
            Table::Range { bits: 5 },
            Table::SignedRange { bits: 6 },
            Table::function("relu", 4, |i| i.max(0)).unwrap(),
        ]
    }

    #[test]
    fn row_is_the_inverse_of_row_of() {
        for t in tables() {
            let cols = t.columns();
            for r in 0..1usize << t.num_vars() {
                let tuple = t.row(r).unwrap();
                assert_eq!(tuple, cols.iter().map(|c| c[r]).collect::<Vec<_>>());
                assert_eq!(t.row_of(&tuple), Some(r));
            }
            assert_eq!(t.row(1 << t.num_vars()), None);
        }
    }

    #[test]
    fn evaluate_columns_matches_the_columns_mle() {
        let mut rng = StdRng::seed_from_u64(5);
        for t in tables() {
            t.validate().unwrap();
            let n = t.num_vars();
            let point: Vec<EF> = (0..n)
                .map(|_| {
                    EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random::<u32>().into()))
                })
                .collect();
            let want: Vec<EF> = t.columns().iter().map(|c| evaluate(c, &point)).collect();
            assert_eq!(t.evaluate_columns(&point), want, "{}", t.describe());
        }
    }

    #[test]
    fn row_of_inverts_columns() {
        for t in tables() {
            let cols = t.columns();
            for j in 0..1 << t.num_vars() {
                let tuple: Vec<F> = cols.iter().map(|c| c[j]).collect();
                assert_eq!(t.row_of(&tuple), Some(j));
            }
        }
        let s = Table::SignedRange { bits: 8 };
        assert_eq!(s.row_of(&[from_signed(-128)]), Some(0));
        assert_eq!(s.row_of(&[from_signed(128)]), None);
        assert_eq!(s.row_of(&[from_signed(-129)]), None);
        assert_eq!(Table::Range { bits: 8 }.row_of(&[from_signed(-1)]), None);
        let relu = Table::function("relu", 4, |i| i.max(0)).unwrap();
        assert_eq!(relu.row_of(&[from_signed(-3), F::ZERO]), Some(5));
        assert_eq!(relu.row_of(&[from_signed(-3), from_signed(-3)]), None);
        assert_eq!(relu.row_of(&[F::ZERO]), None);
    }

    #[test]
    fn outputs_digest_survives_decoding_and_binds_the_id() {
        let t = Table::function("relu", 8, |i| i.max(0)).unwrap();
        let Table::Function { outputs, .. } = &t else {
            panic!("function table")
        };
        assert_eq!(*outputs.digest(), outputs_digest(outputs));
        let decoded: Table = bincode::deserialize(&bincode::serialize(&t).unwrap()).unwrap();
        assert_eq!(decoded, t);
        assert_eq!(decoded.id(), t.id());
        // One output changed: another digest, another id.
        let mut values: Vec<i64> = outputs.to_vec();
        values[3] += 1;
        let changed = Table::Function {
            name: "relu".into(),
            in_bits: 8,
            outputs: values.into(),
        };
        assert_ne!(changed.id(), t.id());
    }

    #[test]
    fn validation_and_ids() {
        assert!(Table::Range { bits: 0 }.validate().is_err());
        assert!(Table::Range { bits: 17 }.validate().is_err());
        assert!(Table::function("f", 17, |i| i).is_err());
        let bad = Table::Function {
            name: "f".into(),
            in_bits: 3,
            outputs: vec![0; 7].into(),
        };
        assert!(matches!(
            bad.validate(),
            Err(LookupError::FunctionOutputs {
                expected: 8,
                got: 7,
                ..
            })
        ));
        let ids: Vec<_> = tables().iter().map(Table::id).collect();
        assert_ne!(ids[0], ids[1]);
        assert_ne!(ids[1], ids[2]);
        assert_ne!(Table::function("g", 4, |i| i.max(0)).unwrap().id(), ids[2]);
        assert_ne!(
            Table::function("relu", 4, |i| i.max(1)).unwrap().id(),
            ids[2]
        );
    }
}
