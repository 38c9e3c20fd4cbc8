//! JSON files of the pipeline (settings, inputs, outputs), with the same errors as the binary files.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses JSON text; `origin` (a path, or a description) names it in the error.
///
/// # Errors
/// [`Error::Input`] naming `origin` and the JSON error.
pub fn from_json<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Input(format!("{origin}: malformed JSON: {e}")))
}

/// Encodes a value as pretty JSON.
///
/// # Errors
/// [`Error::Input`] if the value cannot be encoded (a map with non-string keys).
pub fn to_json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Input(e.to_string()))
}

/// Reads a JSON file (settings: a [`crate::Calibration`]).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::Input`] if it is not the JSON expected.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    from_json(&text, &path.display().to_string())
}

/// Writes a value as a pretty JSON file.
///
/// # Errors
/// [`Error::Io`] or, for a value JSON cannot hold, [`Error::Input`].
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    std::fs::write(path, to_json(value)?).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Calibration, QuantConfig};

    #[test]
    fn settings_round_trip_and_errors_name_the_origin() {
        let cal = Calibration {
            config: QuantConfig::default(),
            names: vec!["x".into()],
            max_abs: vec![1.5],
            scales: vec![12],
        };
        let text = to_json(&cal).unwrap();
        let back: Calibration = from_json(&text, "settings").unwrap();
        assert_eq!(back.scales, cal.scales);
        assert_eq!(back.names, cal.names);
        let err = from_json::<Calibration>("{", "s.json").unwrap_err();
        assert!(matches!(err, Error::Input(ref m) if m.starts_with("s.json: malformed JSON")));
        let missing = read_json::<Calibration>(Path::new("/nonexistent/s.json")).unwrap_err();
        assert_eq!(missing.exit_code(), 2);
    }
}
