//! The library's errors as the Python exceptions of `zkinfer.errors`, one class per kind, with the
//! library's one-line message.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The name, in `zkinfer.errors`, of the exception class for an error of this kind.
fn class_name(e: &zkinfer::Error) -> &'static str {
    match e {
        zkinfer::Error::Io { .. } => "IoError",
        zkinfer::Error::File { .. } => "FileError",
        zkinfer::Error::Input(_) => "InputError",
        zkinfer::Error::Model(_) => "UnsupportedModel",
        zkinfer::Error::Prove(_) => "ProveError",
        zkinfer::Error::Rejected(_) => "ProofRejected",
        _ => "Error",
    }
}

/// Converts a library error into the matching `zkinfer.errors` exception.
pub fn to_py(py: Python<'_>, e: &zkinfer::Error) -> PyErr {
    let message = e.to_string();
    let made = py
        .import("zkinfer.errors")
        .and_then(|m| m.getattr(class_name(e)))
        .and_then(|class| class.call1((message.clone(),)));
    match made {
        Ok(exception) => PyErr::from_value(exception),
        // The Python half of the package is missing (the native module imported on its own).
        Err(_) => PyRuntimeError::new_err(message),
    }
}

/// Runs a library call; a failure becomes its Python exception.
pub trait IntoPy<T> {
    /// The value, or the typed exception.
    ///
    /// # Errors
    /// The library's error as a `zkinfer.errors` exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, zkinfer::Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}

/// An `InputError` raised by the bindings themselves (bad arguments the library never sees).
pub fn input_error(py: Python<'_>, message: String) -> PyErr {
    to_py(py, &zkinfer::Error::Input(message))
}
