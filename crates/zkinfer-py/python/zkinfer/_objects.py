"""In-memory objects: a compiled model, the keys and a proof, each convertible to and from the bytes
of its file (``model.zkc``, ``model.pk``, ``model.vk``, ``proof.zkp``)."""

from __future__ import annotations

import os
import json
from typing import Any, Optional, Tuple, Type, TypeVar

import numpy as np

from . import _arrays, _native

T = TypeVar("T", bound="_FileObject")


class _FileObject:
    _native_type: Any = None
    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        if not isinstance(inner, self._native_type):
            raise TypeError(
                f"{type(self).__name__} is made by zkinfer's functions, "
                f"{type(self).__name__}.load(path) or {type(self).__name__}.from_bytes(data)"
            )
        self._inner = inner

    @classmethod
    def from_bytes(cls: Type[T], data: bytes) -> T:
        """Decodes the bytes of a file of this kind (what ``to_bytes`` returned).

        Raises ``zkinfer.FileError`` for bytes of another kind or version, or corrupted ones."""
        return cls(cls._native_type.from_bytes(bytes(data)))

    @classmethod
    def load(cls: Type[T], path: _arrays.PathLike) -> T:
        """Reads a file of this kind. Raises ``zkinfer.IoError`` or ``zkinfer.FileError``."""
        return cls(cls._native_type.load(os.fspath(path)))

    def to_bytes(self) -> bytes:
        """The bytes of the file (magic, format version, contents)."""
        return self._inner.to_bytes()

    def save(self, path: _arrays.PathLike) -> int:
        """Writes the file; returns its size in bytes."""
        return self._inner.save(os.fspath(path))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_bytes() == other.to_bytes()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<zkinfer.{type(self).__name__}>"


class CompiledModel(_FileObject):
    """A quantized model and its proof plan (``model.zkc``), from ``zkinfer.compile``.

    >>> compiled = zkinfer.compile("model.onnx", "settings.json")
    >>> compiled.cost["predicted_prove_s"]
    0.41
    """

    _native_type = _native.NativeCompiled
    __slots__ = ()

    @property
    def cost(self) -> dict:
        """The predicted cost of one proof: per node and in total (committed elements, sumcheck
        size, lookups, multiply-adds, predicted prove time in seconds and memory in bytes)."""
        return json.loads(self._inner.cost_json())

    @property
    def input_shape(self) -> Tuple[int, ...]:
        """The model's input shape."""
        return tuple(self._inner.input_shape())

    @property
    def input_visibility(self) -> str:
        """``"public"`` (the verifier sees the input), ``"private"`` or ``"hashed"``."""
        return self._inner.input_visibility()


class Proof(_FileObject):
    """A proof of one inference (``proof.zkp``), from ``ProvingKey.prove``.

    >>> proof, out = pk.prove(x)
    >>> data = proof.to_bytes()               # send it anywhere
    >>> vk.verify(zkinfer.Proof.from_bytes(data))
    """

    _native_type = _native.NativeProof
    __slots__ = ()

    @property
    def has_public_input(self) -> bool:
        """Whether the proof carries its input (a model compiled with ``input_visibility="public"``)."""
        return self._inner.has_public_input()


class VerifyingKey(_FileObject):
    """The verifying key (``model.vk``): small and shareable; it commits to the weights.

    >>> vk = zkinfer.VerifyingKey.load("model.vk")
    >>> out = vk.verify(proof)                # raises zkinfer.ProofRejected
    """

    _native_type = _native.NativeVerifyingKey
    __slots__ = ()

    @property
    def input_shape(self) -> Tuple[int, ...]:
        """The model's input shape."""
        return tuple(self._inner.input_shape())

    @property
    def output_shape(self) -> Tuple[int, ...]:
        """The model's output shape."""
        return tuple(self._inner.output_shape())

    @property
    def input_visibility(self) -> str:
        """``"public"`` (the verifier sees the input), ``"private"`` or ``"hashed"``."""
        return self._inner.input_visibility()

    def verify(self, proof: Proof, input: Optional[Any] = None, *, progress: bool = False) -> np.ndarray:
        """Verifies ``proof``; returns the proven output (float32, the output's shape).

        With ``input`` (an array or an EZKL JSON path), also checks that the proof is about that
        public input. Raises ``zkinfer.ProofRejected`` when the proof does not verify; the GIL is
        released meanwhile.

        >>> out = vk.verify(proof, x)
        """
        if not isinstance(proof, Proof):
            raise TypeError("proof must be a zkinfer.Proof (Proof.load(path) or Proof.from_bytes(data))")
        x = None if input is None else _arrays.one_sample(input, self.input_shape, "input")
        return _arrays.output(_native.verify(self._inner, proof._inner, x, progress))


class ProvingKey(_FileObject):
    """The proving key (``model.pk``): the weights and what proving needs; keep it private.

    >>> pk, vk = zkinfer.setup(compiled)
    >>> proof, out = pk.prove(x)
    """

    _native_type = _native.NativeProvingKey
    __slots__ = ()

    @property
    def verifying_key(self) -> VerifyingKey:
        """The verifying key that goes with this proving key."""
        return VerifyingKey(self._inner.verifying_key())

    @property
    def input_shape(self) -> Tuple[int, ...]:
        """The model's input shape."""
        return tuple(self._inner.input_shape())

    def prove(self, x: Any, *, progress: bool = False) -> Tuple[Proof, np.ndarray]:
        """Proves one inference on ``x``; returns the proof and the output (float32, its shape).

        ``x``: one sample as a numpy array (any numeric dtype: float64 and int64 token ids are
        converted to float32; the model's input shape, or flat), a one-element list of arrays
        (one per graph input), or an EZKL JSON path (its first row). A wrong shape, NaN or a value
        outside the calibrated range raises ``zkinfer.InputError``. The GIL is released meanwhile.
        Private weights stay hidden for at most 256 proofs of one key, and this method does not
        count them (``zkinfer.setup``).

        >>> proof, out = pk.prove(np.zeros((1, 64)))
        """
        buf = _arrays.one_sample(x, self.input_shape, "x")
        proof, out = _native.prove(self._inner, buf, progress)
        return Proof(proof), _arrays.output(out)

    def prove_with_openings(self, x: Any, *, progress: bool = False) -> Tuple[Proof, np.ndarray, list]:
        """As ``prove``, also returning the openings of the proof's hashed input/output (a list
        of dicts; empty when the model has none). Secret: give each only to the holder of its
        tensor, who checks it with ``zkinfer.check_commitment``.

        >>> proof, out, openings = pk.prove_with_openings(x)
        """
        buf = _arrays.one_sample(x, self.input_shape, "x")
        proof, out, openings = _native.prove_with_openings(self._inner, buf, progress)
        return Proof(proof), _arrays.output(out), json.loads(openings)
