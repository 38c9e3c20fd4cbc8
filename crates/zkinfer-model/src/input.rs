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
