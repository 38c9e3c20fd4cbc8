"""The exceptions zkinfer raises: one class per kind of failure, each with the library's one-line
message (the same text the ``zkinfer`` command prints) and the command's exit code for that kind.

>>> import zkinfer
>>> try:
...     zkinfer.verify("model.vk", "proof.zkp")
... except zkinfer.ProofRejected as e:
...     print("rejected:", e)
... except zkinfer.Error as e:
...     print("could not verify:", e)
"""

from __future__ import annotations

__all__ = [
    "Error",
    "IoError",
    "FileError",
    "InputError",
    "UnsupportedModel",
    "ProveError",
    "ProofRejected",
]


class Error(Exception):
    """Every error zkinfer raises. ``exit_code`` is what the ``zkinfer`` command exits with."""

    exit_code: int = 1


class IoError(Error, OSError):
    """A file could not be read or written (missing, no permission, disk full)."""

    exit_code = 2


class FileError(Error):
    """A file or bytes of the wrong kind (a proof given as a key), another format version, or
    corrupted or truncated data."""

    exit_code = 3


class InputError(Error, ValueError):
    """Bad input data: wrong shape or length, a dtype that is not numeric, NaN or infinity, a value
    outside the calibrated range, malformed JSON, or an argument that is not an option."""

    exit_code = 4


class UnsupportedModel(Error):
    """The model cannot be imported, quantized or compiled: an unsupported ONNX op (named in the
    message), dynamic shapes, an accumulator that could overflow, or a model too large."""

    exit_code = 5


class ProveError(Error):
    """Proving failed for a reason other than the input (a bug or a resource limit)."""

    exit_code = 6


class ProofRejected(Error):
    """The proof does not verify: tampered, made for another model, or about another input.
    The message names the check that failed."""

    exit_code = 7
