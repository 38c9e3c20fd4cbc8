"""zkinfer: zero-knowledge proofs of neural-network inference, from Python.

The command line's verbs, on paths or on numpy arrays and in-memory objects::

    import zkinfer
    report = zkinfer.calibrate("model.onnx", samples, "settings.json")   # samples: (n, *input_shape)
    zkinfer.compile("model.onnx", "settings.json", "model.zkc", input_visibility="public")
    zkinfer.setup("model.zkc", "model.pk", "model.vk")
    out = zkinfer.prove("model.pk", x, "proof.zkp")       # the proven output, a numpy array
    out = zkinfer.verify("model.vk", "proof.zkp")         # raises zkinfer.ProofRejected
    info = zkinfer.inspect("model.onnx")                  # nodes, ops, and with data the cost

In memory: ``compile`` returns a ``CompiledModel``, ``setup`` a ``(ProvingKey, VerifyingKey)``;
``ProvingKey.prove(x)`` returns ``(Proof, output)`` and ``VerifyingKey.verify(proof)`` the output;
each object has ``to_bytes()``/``from_bytes()`` (the file format's bytes) and ``load``/``save``.

Errors are ``zkinfer.Error`` subclasses (``InputError``, ``UnsupportedModel``, ``ProofRejected``,
``FileError``, ``IoError``, ``ProveError``) with the command line's one-line messages. Long steps
release the GIL, and show a progress spinner on stderr with ``progress=True``.
"""

from __future__ import annotations

from . import _native
from ._objects import CompiledModel, Proof, ProvingKey, VerifyingKey
from ._pipeline import (
    calibrate,
    check_commitment,
    compile,
    digits_example,
    inspect,
    prove,
    setup,
    verify,
)
from .errors import (
    Error,
    FileError,
    InputError,
    IoError,
    ProofRejected,
    ProveError,
    UnsupportedModel,
)

__version__: str = _native.__version__

__all__ = [
    "inspect",
    "calibrate",
    "compile",
    "setup",
    "prove",
    "verify",
    "check_commitment",
    "digits_example",
    "CompiledModel",
    "ProvingKey",
    "VerifyingKey",
    "Proof",
    "Error",
    "IoError",
    "FileError",
    "InputError",
    "UnsupportedModel",
    "ProveError",
    "ProofRejected",
]
