"""numpy arrays, lists and EZKL JSON files ↔ the float32 buffers the native module takes."""

from __future__ import annotations

import os
from typing import Any, Sequence, Tuple, Union

import numpy as np

from . import _native
from .errors import InputError

# float32 holds every integer up to 2^24 exactly; token ids above that would be changed silently.
_EXACT_INT = 1 << 24

PathLike = Union[str, "os.PathLike[str]"]


def is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def _shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def same_shape(got: Sequence[int], want: Sequence[int]) -> bool:
    """One sample's shape fits the model's input: equal up to axes of length 1, or flat (one axis
    longer than 1) with the right number of values."""
    if int(np.prod(got)) != int(np.prod(want)):
        return False
    core = [d for d in got if d != 1]
    return len(core) <= 1 or core == [d for d in want if d != 1]


def _one_input(x: Any, what: str) -> Any:
    """A list of arrays is one array per graph input; zkinfer's models have one input today."""
    if isinstance(x, (list, tuple)) and x and all(isinstance(e, np.ndarray) for e in x):
        if len(x) != 1:
            raise InputError(
                f"{what}: {len(x)} arrays given (one per graph input), but zkinfer proves models "
                "with one input today; pass one array"
            )
        return x[0]
    return x


def as_float32(x: Any, what: str) -> np.ndarray:
    """Any numeric array-like as a C-contiguous little-endian float32 array, or an InputError."""
    try:
        a = np.asarray(_one_input(x, what))
    except (ValueError, TypeError) as e:
        raise InputError(f"{what} is not a numeric array: {e}") from None
    if a.dtype.kind not in "biuf":
        raise InputError(f"{what} has dtype {a.dtype}; pass an array of numbers (float or integer)")
    if a.dtype.kind in "iu" and a.size and int(np.max(np.abs(a.astype(np.int64)))) > _EXACT_INT:
        raise InputError(
            f"{what} holds integers beyond ±2^24, which float32 cannot represent exactly; "
            "zkinfer's inputs are real numbers or token ids below 16,777,216"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        f = np.ascontiguousarray(a, dtype="<f4")
    if a.dtype.kind == "f" and a.dtype.itemsize > 4:
        overflow = np.isfinite(a) & ~np.isfinite(f)
        if overflow.any():
            i = int(np.flatnonzero(overflow.ravel())[0])
            raise InputError(f"{what}: value {i} ({a.ravel()[i]}) is beyond float32's range")
    return f


def read_rows(path: PathLike) -> np.ndarray:
    """An EZKL JSON file ``{"input_data": [[...], ...]}`` as an (n, values) float32 array."""
    rows = _native.read_inputs(os.fspath(path))
    if not rows:
        raise InputError(f"{os.fspath(path)}: input_data is empty")
    lengths = {len(r) // 4 for r in rows}
    if len(lengths) != 1:
        raise InputError(
            f"{os.fspath(path)}: input_data rows have different lengths {sorted(lengths)}; "
            "one row per sample of the model's one input"
        )
    return np.frombuffer(b"".join(rows), dtype="<f4").reshape(len(rows), -1)


def one_sample(x: Any, shape: Sequence[int], what: str) -> bytes:
    """One input (path: the file's first row) for prove/verify, checked against the model's shape."""
    if is_path(x):
        x = read_rows(x)[0]
    a = as_float32(x, what)
    if not same_shape(a.shape, shape):
        raise InputError(
            f"{what} has shape {_shape_text(a.shape)}; the model's input has shape "
            f"{_shape_text(shape)} ({int(np.prod(shape))} values): pass one sample of that shape "
            "(or flat)"
        )
    return a.tobytes()


def samples(data: Any, shape: Sequence[int], what: str) -> Tuple[bytes, int]:
    """Samples stacked on the first axis (or one sample), checked; returns (buffer, count)."""
    a = read_rows(data) if is_path(data) else as_float32(data, what)
    size = int(np.prod(shape))
    if a.size == size and same_shape(a.shape, shape):
        n = 1
    elif a.ndim >= 1 and a.shape[0] > 0 and same_shape(a.shape[1:], shape):
        n = a.shape[0]
    elif a.size == 0:
        raise InputError(f"{what} is empty; calibration needs at least one sample")
    else:
        raise InputError(
            f"{what} has shape {_shape_text(a.shape)}; pass samples stacked on the first axis, "
            f"shape (n, {', '.join(str(d) for d in shape)}) or (n, {size})"
        )
    return a.tobytes(), n


def output(native: Tuple[bytes, Sequence[int], Sequence[int], int]) -> np.ndarray:
    """The native (float32 bytes, ints, shape, scale) output as a float32 array of its shape."""
    data, _ints, shape, _scale = native
    return np.frombuffer(data, dtype="<f4").copy().reshape(tuple(shape))
