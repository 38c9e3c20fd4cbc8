"""The pipeline's verbs, as the ``zkinfer`` command has them: inspect, calibrate, compile, setup,
prove, verify. Each takes paths or in-memory values."""

from __future__ import annotations

import json
import os
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _arrays, _native
from ._arrays import PathLike
from ._objects import CompiledModel, Proof, ProvingKey, VerifyingKey
from .errors import InputError

Settings = Union[PathLike, dict]


def _model_input_shape(model: PathLike) -> Tuple[int, ...]:
    return tuple(json.loads(_native.inspect(os.fspath(model)))["input_shape"])


def inspect(model: PathLike, data: Optional[Any] = None) -> dict:
    """Imports an ONNX model and describes it; with sample ``data``, also the proof's predicted cost.

    Returns ``{"nodes": [{"name", "op"}...], "ops": [the distinct ops], "input_shape",
    "output_shape", "cost": None or {per-node and total cost, "predicted_prove_s",
    "predicted_memory_bytes", ...}}``. Every node listed is supported: an op zkinfer cannot prove
    raises ``zkinfer.UnsupportedModel`` naming it.

    >>> info = zkinfer.inspect("model.onnx", data=samples)
    >>> info["ops"], info["cost"]["predicted_prove_s"]
    """
    model = os.fspath(model)
    if data is None:
        info = json.loads(_native.inspect(model))
    else:
        buf, n = _arrays.samples(data, _model_input_shape(model), "data")
        info = json.loads(_native.inspect(model, buf, n))
    info["ops"] = sorted({n["op"] for n in info["nodes"]})
    return info


def calibrate(
    model: PathLike,
    data: Any,
    settings: Optional[PathLike] = None,
    *,
    act_bits: int = 16,
    weight_bits: int = 16,
    progress: bool = False,
) -> dict:
    """Chooses fixed-point scales from sample inputs; returns the quantization error report.

    ``data``: a numpy array of samples stacked on the first axis (shape ``(n, *input_shape)`` or
    ``(n, input_size)``; one sample alone also works), a one-element list of such arrays (one per
    graph input), or an EZKL JSON path ``{"input_data": [[...], ...]}``. Any numeric dtype.
    With ``settings`` (a path), the settings are written there as JSON, as
    ``zkinfer calibrate -o`` does. The report: ``{"output": {"max_abs", "mean_abs", ...},
    "argmax_agreement", "layers", "samples", "settings": <the settings as a dict>}``;
    ``report["settings"]`` can be passed to ``compile`` directly. The GIL is released meanwhile.

    >>> report = zkinfer.calibrate("model.onnx", samples, "settings.json")
    >>> report["argmax_agreement"]
    1.0
    """
    model = os.fspath(model)
    buf, n = _arrays.samples(data, _model_input_shape(model), "data")
    settings_json, report_json = _native.calibrate(model, buf, n, act_bits, weight_bits, progress)
    if settings is not None:
        _native.write_settings(settings_json, os.fspath(settings))
    report = json.loads(report_json)
    report["settings"] = json.loads(settings_json)
    return report


def compile(
    model: PathLike,
    settings: Settings,
    output: Optional[PathLike] = None,
    *,
    input_visibility: str = "public",
    output_visibility: str = "public",
    weights_visibility: str = "private",
    progress: bool = False,
) -> CompiledModel:
    """Quantizes the model with ``settings`` and compiles it into a proof plan.

    ``settings``: a settings JSON path (from ``calibrate``), the settings dict
    (``report["settings"]``) or the whole report ``calibrate`` returned. ``input_visibility``:
    ``"public"`` (the verifier sees the input and can check it), ``"private"`` (the input is
    in the proof's hiding commitment and not sent; see docs/ZK.md for what a proof still reveals)
    or ``"hashed"`` (private, plus a commitment its holder can recompute; the openings come from
    the CLI's ``zkinfer prove --opening-out`` — not from these bindings yet). ``output_visibility``:
    the same three for the output (private and hashed need a model that ends with a
    requantization or activation). ``weights_visibility``: ``"private"`` (the verifying key holds a
    commitment) or ``"public"`` (it carries the weights). With ``output``, the compiled model is
    also written there (``model.zkc``).

    >>> compiled = zkinfer.compile("model.onnx", "settings.json", "model.zkc", input_visibility="public")
    """
    if isinstance(settings, dict):
        settings = settings.get("settings", settings)
        native = _native.compile(os.fspath(model), None, json.dumps(settings), input_visibility, progress, output_visibility, weights_visibility)
    elif _arrays.is_path(settings):
        native = _native.compile(os.fspath(model), os.fspath(settings), None, input_visibility, progress, output_visibility, weights_visibility)
    else:
        raise InputError(
            f"settings is a {type(settings).__name__}; pass a settings.json path or the dict calibrate returned"
        )
    compiled = CompiledModel(native)
    if output is not None:
        compiled.save(output)
    return compiled


def setup(
    compiled: Union[PathLike, CompiledModel],
    pk: Optional[PathLike] = None,
    vk: Optional[PathLike] = None,
    *,
    weights_data: str = "auto",
    progress: bool = False,
) -> Tuple[ProvingKey, VerifyingKey]:
    """Makes the proving key and the verifying key (which commits to the weights).

    ``compiled``: a ``model.zkc`` path or a ``CompiledModel``. With ``pk``/``vk`` paths, the keys
    are also written there. The GIL is released meanwhile.

    ``weights_data`` (as ``zkinfer setup --weights-data``): what the proving key keeps of the
    private weights' hiding commitment — ``"stored"``, its data (proofs skip encoding and
    hashing the weights; the key is several times the weights' size, and a key loaded from a
    file reads the commitment's tree from the file where a proof opens it), ``"seed"``, a 32-byte
    seed from which each proof re-derives it, or ``"auto"`` (stored up to 8 GiB).

    Private weights are hidden for at most 256 proofs per key (the default budget of
    ``zkinfer setup --max-proofs``; docs/ZK.md §6.1). Unlike ``zkinfer prove``, the Python API
    does not count proofs yet: after 256 proofs with one key, call ``setup`` again, or later
    proofs reveal codeword positions of the weights.

    >>> pk, vk = zkinfer.setup("model.zkc", "model.pk", "model.vk")
    """
    if not isinstance(compiled, CompiledModel):
        compiled = CompiledModel.load(compiled)
    native_pk, native_vk = _native.setup(compiled._inner, progress, weights_data)
    proving, verifying = ProvingKey(native_pk), VerifyingKey(native_vk)
    if pk is not None:
        proving.save(pk)
    if vk is not None:
        verifying.save(vk)
    return proving, verifying


def prove(
    pk: Union[PathLike, ProvingKey],
    x: Any,
    proof: PathLike,
    *,
    progress: bool = False,
) -> np.ndarray:
    """Proves one inference, writes the proof to ``proof`` and returns the proven output.

    ``pk``: a ``model.pk`` path or a ``ProvingKey``. ``x``: one sample as a numpy array (any
    numeric dtype; the model's input shape, or flat), a one-element list of arrays (one per graph
    input), or an EZKL JSON path (its first row). The output is a float32 array of the model's
    output shape (de-quantized). To keep the proof in memory, use ``ProvingKey.prove``.
    The GIL is released meanwhile.

    >>> out = zkinfer.prove("model.pk", x, "proof.zkp")
    >>> out.argmax()
    """
    if not isinstance(pk, ProvingKey):
        pk = ProvingKey.load(pk)
    made, out = pk.prove(x, progress=progress)
    made.save(proof)
    return out


def verify(
    vk: Union[PathLike, VerifyingKey],
    proof: Union[PathLike, Proof],
    input: Optional[Any] = None,
    *,
    progress: bool = False,
) -> np.ndarray:
    """Verifies a proof; returns the proven output, or raises ``zkinfer.ProofRejected``.

    ``vk``: a ``model.vk`` path or a ``VerifyingKey``; ``proof``: a ``proof.zkp`` path or a
    ``Proof``. With ``input`` (an array or an EZKL JSON path), also checks that the proof is
    about that public input. For a model compiled with a private or hashed output the verifier
    learns no output: the returned array is empty. The GIL is released meanwhile.

    >>> out = zkinfer.verify("model.vk", "proof.zkp")
    """
    if not isinstance(vk, VerifyingKey):
        vk = VerifyingKey.load(vk)
    if not isinstance(proof, Proof):
        proof = Proof.load(proof)
    return vk.verify(proof, input, progress=progress)


def check_commitment(
    vk: Union[PathLike, VerifyingKey],
    proof: Union[PathLike, Proof],
    openings: Union[PathLike, list],
    *,
    input: Optional[Any] = None,
    output_ints: Optional[Any] = None,
) -> str:
    """The holder's side of a hashed input or output: verifies ``proof`` and checks that its
    commitment to that tensor holds ``input`` (an array or an EZKL JSON path) or ``output_ints``
    (the proven integers), using ``openings`` (what ``ProvingKey.prove_with_openings`` or
    ``zkinfer prove --opening-out`` gave: a list or a JSON path). Returns the commitment's digest;
    raises ``zkinfer.ProofRejected`` when the commitment holds other data.

    >>> digest = zkinfer.check_commitment(vk, proof, openings, input=x)
    """
    if not isinstance(vk, VerifyingKey):
        vk = VerifyingKey.load(vk)
    if not isinstance(proof, Proof):
        proof = Proof.load(proof)
    if not isinstance(openings, list):
        with open(os.fspath(openings)) as f:
            openings = json.load(f)
    x = None if input is None else _arrays.one_sample(input, vk.input_shape, "input")
    ints = None if output_ints is None else [int(v) for v in np.asarray(output_ints).ravel()]
    return _native.check_commitment(vk._inner, proof._inner, json.dumps(openings), x, ints)


def digits_example(directory: PathLike) -> Tuple[str, np.ndarray, np.ndarray]:
    """The bundled example: a small CNN trained on scikit-learn's 8×8 digits.

    Writes ``digits_cnn.onnx`` into ``directory``; returns its path, the held-out inputs (float32,
    one 64-value image per row) and their labels.

    >>> model, x, labels = zkinfer.digits_example(".")
    """
    onnx, inputs, n, labels = _native.digits()
    path = os.path.join(os.fspath(directory), "digits_cnn.onnx")
    with open(path, "wb") as f:
        f.write(onnx)
    return path, np.frombuffer(inputs, dtype="<f4").reshape(n, -1).copy(), np.asarray(labels)
