//! Input files: EZKL's `{"input_data": [[flat floats], …]}`.

use std::path::Path;

use serde::Deserialize;

use crate::error::{ModelError, Result};
use crate::graph::{InputKind, InputPart};

#[derive(Deserialize)]
struct InputJson {
    input_data: Vec<Vec<f32>>,
}

/// Parses EZKL-format input JSON text; each inner list is one flattened input.
///
/// # Errors
/// [`ModelError::Json`] if the text is not `{"input_data": [[numbers]]}`.
pub fn parse_input_json(text: &str, origin: &str) -> Result<Vec<Vec<f32>>> {
    let v: InputJson = serde_json::from_str(text).map_err(|e| ModelError::Json {
        path: origin.to_string(),
        message: e.to_string(),
    })?;
    Ok(v.input_data)
}

/// Reads an EZKL-format input file.
///
/// # Errors
/// [`ModelError::Io`] if it cannot be read, [`ModelError::Json`] if it is malformed.
pub fn load_input_json(path: impl AsRef<Path>) -> Result<Vec<Vec<f32>>> {
    let p = path.as_ref();
    let text = std::fs::read_to_string(p).map_err(|e| ModelError::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    })?;
    parse_input_json(&text, &p.display().to_string())
}

/// The token ids of a token-id input given as numbers (JSON has one number type): each must be a
/// whole number in `[0, vocab)`. `name` names the input in errors.
///
/// # Errors
/// [`ModelError::NonFinite`] for NaN/inf, [`ModelError::NotInteger`] for a fraction,
/// [`ModelError::TokenId`] for an id outside the vocabulary (each naming the position).
pub fn token_ids(name: &str, x: &[f32], vocab: usize) -> Result<Vec<i64>> {
    x.iter()
        .enumerate()
        .map(|(position, &v)| {
            if !v.is_finite() {
                return Err(ModelError::NonFinite {
                    name: name.to_string(),
                    index: position,
                    value: v,
                });
            }
            if v.fract() != 0.0 {
                return Err(ModelError::NotInteger {
                    name: name.to_string(),
                    position,
                    value: v,
                    vocab,
                });
            }
            let id = f64::from(v);
            if id < 0.0 || id >= vocab as f64 {
                return Err(ModelError::TokenId {
                    name: name.to_string(),
                    position,
                    id,
                    vocab,
                });
            }
            Ok(id as i64)
        })
        .collect()
}

/// The one sample of EZKL-format `rows` for a model with inputs `parts`: for one input, its
/// first list; for several, one flat list per graph input, in the graph's input order, each of
/// its input's size. Returns the packed input (the lists concatenated).
///
/// # Errors
/// [`ModelError::InputCount`] for a number of lists other than the number of inputs,
/// [`ModelError::PartLength`] for a list of the wrong length (naming the input).
pub fn pack_sample(parts: &[InputPart], rows: &[Vec<f32>]) -> Result<Vec<f32>> {
    if parts.len() <= 1 {
        return rows.first().cloned().ok_or_else(|| ModelError::InputCount {
            expected: 1,
            got: 0,
            names: names(parts),
        });
    }
    let samples = split_samples(parts, rows)?;
    match samples.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(ModelError::PartLength {
            index: 0,
            name: parts[0].name.clone(),
            shape: parts[0].shape.clone(),
            expected: parts[0].len(),
            got: rows[0].len(),
            hint: format!(
                " ({} samples); give one sample: each list exactly its input's size",
                samples.len()
            ),
        }),
    }
}

/// Samples (each a packed input) from EZKL-format `rows` for a model with inputs `parts`.
///
/// One input: a row of the input's size is one sample, a row of `k` times that size holds `k`
/// samples. Several inputs (EZKL's layout): exactly one list per graph input, in the graph's
/// input order; a list `k` times its input's size holds `k` samples (the same `k` for every
/// input); sample `j` is the `j`-th chunk of every list, concatenated.
///
/// # Errors
/// [`ModelError::InputCount`], [`ModelError::PartLength`] (or [`ModelError::InputLength`] for
/// one input) for a list whose length is not a multiple of its input's size.
pub fn split_samples(parts: &[InputPart], rows: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
    if let [p] = parts {
        let n = p.len();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if n == 0 || row.is_empty() || row.len() % n != 0 {
                return Err(ModelError::InputLength {
                    name: p.name.clone(),
                    expected: n,
                    got: row.len(),
                });
            }
            out.extend(row.chunks_exact(n).map(<[f32]>::to_vec));
        }
        return Ok(out);
    }
    if rows.len() != parts.len() {
        return Err(ModelError::InputCount {
            expected: parts.len(),
            got: rows.len(),
            names: names(parts),
        });
    }
    let mut k = None;
    for (index, (p, row)) in parts.iter().zip(rows).enumerate() {
        let n = p.len();
        let bad = |hint: String| ModelError::PartLength {
            index,
            name: p.name.clone(),
            shape: p.shape.clone(),
            expected: n,
            got: row.len(),
            hint,
        };
        if n == 0 || row.is_empty() || row.len() % n != 0 {
            return Err(bad(format!(
                "; give one flat list of {n} values per sample (k samples: k × {n} values)"
            )));
        }
        let kr = row.len() / n;
        match k {
            Some(k) if k != kr => {
                return Err(bad(format!(
                    " ({kr} samples, the inputs before it {k}); give every input the same \
                     number of samples"
                )));
            }
            _ => k = Some(kr),
        }
    }
    let k = k.unwrap_or(0);
    Ok((0..k)
        .map(|j| {
            parts
                .iter()
                .zip(rows)
                .flat_map(|(p, row)| row[j * p.len()..(j + 1) * p.len()].iter().copied())
                .collect()
        })
        .collect())
}

/// Checks a packed input against its parts: the length, finite values, token ids whole and in
/// their vocabulary, mask values 0 or 1 (errors name the part and the position in it).
///
/// # Errors
/// [`ModelError::InputLength`], [`ModelError::NonFinite`], [`ModelError::NotInteger`],
/// [`ModelError::TokenId`], [`ModelError::MaskValue`].
pub fn check_parts(parts: &[InputPart], x: &[f32]) -> Result<()> {
    let total: usize = parts.iter().map(InputPart::len).sum();
    if x.len() != total {
        return Err(ModelError::InputLength {
            name: names(parts),
            expected: total,
            got: x.len(),
        });
    }
    for p in parts {
        let v = &x[p.offset..p.offset + p.len()];
        if let Some((index, &value)) = v.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ModelError::NonFinite {
                name: p.name.clone(),
                index,
                value,
            });
        }
        match p.kind {
            InputKind::Float => {}
            InputKind::TokenIds { vocab } => {
                token_ids(&p.name, v, vocab)?;
            }
            InputKind::Mask => {
                if let Some((position, &value)) =
                    v.iter().enumerate().find(|(_, v)| **v != 0.0 && **v != 1.0)
                {
                    return Err(ModelError::MaskValue {
                        name: p.name.clone(),
                        position,
                        value,
                    });
                }
            }
        }
    }
    Ok(())
}

fn names(parts: &[InputPart]) -> String {
    parts
        .iter()
        .map(|p| format!("`{}` {:?}", p.name, p.shape))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_are_whole_numbers_inside_the_vocabulary() {
        assert_eq!(token_ids("ids", &[0.0, 3.0, 9.0], 10).unwrap(), [0, 3, 9]);
        let e = token_ids("ids", &[1.0, 10.0], 10).unwrap_err().to_string();
        assert!(
            e.contains("token id 10 at position 1") && e.contains("[0, 10)"),
            "{e}"
        );
        let e = token_ids("ids", &[-1.0], 10).unwrap_err().to_string();
        assert!(e.contains("token id -1 at position 0"), "{e}");
        let e = token_ids("ids", &[2.0, 2.5], 10).unwrap_err().to_string();
        assert!(
            e.contains("integer token ids") && e.contains("position 1 holds 2.5"),
            "{e}"
        );
        assert!(matches!(
            token_ids("ids", &[f32::NAN], 10),
            Err(ModelError::NonFinite { index: 0, .. })
        ));
    }
}
