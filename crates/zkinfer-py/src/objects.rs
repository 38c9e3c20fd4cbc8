//! The in-memory objects: compiled model, proving key, verifying key, proof. Each is the library's
//! value behind an opaque handle, with the file format's bytes as its serialization.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkinfer::{CompiledModel, InputVisibility, Proof, ProverKey, VerifyingKey, ZkFile};

use crate::errors::IntoPy;

fn visibility_name(v: InputVisibility) -> &'static str {
    match v {
        InputVisibility::Public => "public",
        InputVisibility::Private => "private",
        InputVisibility::Hashed => "hashed",
    }
}

/// The shape of a plan's `input` or `output` tensor.
macro_rules! plan_shape {
    ($plan:expr, $which:ident) => {{
        let g = &$plan.graph;
        g.tensors
            .get(g.$which)
            .map(|t| t.shape.clone())
            .unwrap_or_default()
    }};
}

/// A handle's methods: bytes in and out (the file format), load and save, and its own `$extra`.
macro_rules! file_object {
    ($name:ident, $inner:ty, { $($extra:tt)* }) => {
        #[pymethods]
        impl $name {
            $($extra)*

            /// Decodes the bytes of a file of this kind.
            #[staticmethod]
            fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
                <$inner as ZkFile>::from_bytes(data)
                    .map_err(|source| zkinfer::Error::File {
                        path: "<bytes>".into(),
                        source,
                    })
                    .py_err(py)
                    .map(|inner| Self { inner })
            }

            /// Reads a file of this kind.
            #[staticmethod]
            fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
                py.detach(|| zkinfer::read_file::<$inner>(&path))
                    .py_err(py)
                    .map(|inner| Self { inner })
            }

            /// The file format's bytes.
            fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
                PyBytes::new(py, &ZkFile::to_bytes(&self.inner))
            }

            /// Writes the file; returns its size in bytes.
            fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<usize> {
                py.detach(|| zkinfer::write_file(&path, &self.inner))
                    .py_err(py)
            }
        }
    };
}

/// A compiled model (`model.zkc`).
#[pyclass(frozen, module = "zkinfer._native")]
#[derive(Debug)]
pub struct NativeCompiled {
    pub(crate) inner: CompiledModel,
}
file_object!(NativeCompiled, CompiledModel, {
    /// The predicted cost of a proof, as JSON.
    fn cost_json(&self, py: Python<'_>) -> PyResult<String> {
        zkinfer::to_json(&self.inner.plan.cost).py_err(py)
    }

    /// The input's shape.
    fn input_shape(&self) -> Vec<usize> {
        plan_shape!(self.inner.plan, input)
    }

    /// Who sees the input: "public" or "committed".
    fn input_visibility(&self) -> &'static str {
        visibility_name(self.inner.plan.options.input)
    }
});

/// A proving key (`model.pk`).
#[pyclass(frozen, module = "zkinfer._native")]
#[derive(Debug)]
pub struct NativeProvingKey {
    pub(crate) inner: ProverKey,
}
file_object!(NativeProvingKey, ProverKey, {
    /// The input's shape.
    fn input_shape(&self) -> Vec<usize> {
        plan_shape!(self.inner.pk.vk.plan, input)
    }

    /// The verifying key inside it.
    fn verifying_key(&self) -> NativeVerifyingKey {
        NativeVerifyingKey {
            inner: self.inner.pk.vk.clone(),
        }
    }
});

/// A verifying key (`model.vk`).
#[pyclass(frozen, module = "zkinfer._native")]
#[derive(Debug)]
pub struct NativeVerifyingKey {
    pub(crate) inner: VerifyingKey,
}
file_object!(NativeVerifyingKey, VerifyingKey, {
    /// The input's shape.
    fn input_shape(&self) -> Vec<usize> {
        plan_shape!(self.inner.plan, input)
    }

    /// The output's shape.
    fn output_shape(&self) -> Vec<usize> {
        plan_shape!(self.inner.plan, output)
    }

    /// Who sees the input: "public" or "committed".
    fn input_visibility(&self) -> &'static str {
        visibility_name(self.inner.plan.options.input)
    }
});

/// A proof (`proof.zkp`).
#[pyclass(frozen, module = "zkinfer._native")]
#[derive(Debug)]
pub struct NativeProof {
    pub(crate) inner: Proof,
}
file_object!(NativeProof, Proof, {
    /// Whether the proof carries its (public) input.
    fn has_public_input(&self) -> bool {
        self.inner.public_input.is_some()
    }
});
