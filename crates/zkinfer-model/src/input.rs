//! Input files: EZKL's `{"input_data": [[flat floats], …]}`.

use std::path::Path;

use serde::Deserialize;

use crate::error::{ModelError, Result};

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
