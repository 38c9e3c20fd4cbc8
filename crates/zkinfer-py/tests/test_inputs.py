"""numpy dtypes and shapes, lists, files, and the typed errors bad input gets."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zkinfer


def _out(digits, x):
    return digits.pk.prove(x)[1]


def test_dtypes_float64_and_int64_give_the_float32_result(digits):
    x = digits.x[0]
    want = _out(digits, x)
    np.testing.assert_array_equal(_out(digits, x.astype(np.float64)), want)
    np.testing.assert_array_equal(_out(digits, x.tolist()), want)
    # Integers (as token ids are), within the calibrated range, prove as the same values in float32.
    ints = np.round(x).astype(np.int64)
    want_ints = _out(digits, ints.astype(np.float32))
    assert not np.array_equal(want_ints, want)
    np.testing.assert_array_equal(_out(digits, ints), want_ints)
    np.testing.assert_array_equal(_out(digits, ints.astype(np.int32)), want_ints)
    np.testing.assert_array_equal(_out(digits, ints.astype(np.uint8)), want_ints)


def test_shapes_that_hold_one_sample_are_accepted(digits):
    x = digits.x[1]
    want = _out(digits, x)
    shape = digits.vk.input_shape
    for s in [shape, (1,) + shape, (x.size,), (1, x.size), (x.size, 1), (8, 8), (1, 8, 8)]:
        np.testing.assert_array_equal(_out(digits, x.reshape(s)), want)
    np.testing.assert_array_equal(_out(digits, [x.reshape(shape)]), want)


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.zeros(63, dtype=np.float32), "shape (63,)"),
        (np.zeros((2, 64), dtype=np.float32), "shape (2, 64)"),
        (np.zeros((8, 9), dtype=np.float32), "shape (8, 9)"),
        ([np.zeros(64), np.zeros(64)], "2 arrays given"),
        (np.array(["a"] * 64), "dtype <U1"),
        (np.full(64, 1 << 30, dtype=np.int64), "2^24"),
        (np.full(64, 1e300), "beyond float32"),
    ],
)
def test_wrong_inputs_raise_input_error_naming_the_problem(digits, bad, words):
    with pytest.raises(zkinfer.InputError) as e:
        digits.pk.prove(bad)
    assert words in str(e.value)
    assert isinstance(e.value, ValueError) and e.value.exit_code == 4
    assert "\n" not in str(e.value)


def test_nan_and_out_of_range_values_are_input_errors_from_the_library(digits):
    x = digits.x[0].copy()
    x[5] = np.nan
    with pytest.raises(zkinfer.InputError):
        digits.pk.prove(x)
    with pytest.raises(zkinfer.InputError, match="outside .* recalibrate"):
        digits.pk.prove(np.full(64, 1e9, dtype=np.float32))


def test_calibration_data_stacked_on_the_first_axis_paths_and_lists(digits, tmp_path):
    x = digits.x[:16]
    flat = zkinfer.calibrate(digits.model, x)
    shaped = zkinfer.calibrate(digits.model, x.reshape((16,) + digits.vk.input_shape))
    listed = zkinfer.calibrate(digits.model, [x.astype(np.float64)])
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"input_data": x.tolist()}))
    from_file = zkinfer.calibrate(digits.model, path)
    assert flat["settings"] == shaped["settings"] == listed["settings"] == from_file["settings"]
    assert flat["samples"] == 16
    one = zkinfer.calibrate(digits.model, x[0])
    assert one["samples"] == 1
    with pytest.raises(zkinfer.InputError, match="stacked on the first axis"):
        zkinfer.calibrate(digits.model, np.zeros((4, 63)))
    with pytest.raises(zkinfer.InputError, match="at least one sample"):
        zkinfer.calibrate(digits.model, np.zeros((0, 64)))


def test_prove_and_verify_read_ezkl_json_inputs(digits, tmp_path):
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"input_data": [digits.x[7].tolist()]}))
    proof = tmp_path / "p.zkp"
    out = zkinfer.prove(digits.pk, path, proof)
    np.testing.assert_array_equal(out, _out(digits, digits.x[7]))
    np.testing.assert_array_equal(zkinfer.verify(digits.vk, proof, input=path), out)


def test_file_errors_are_typed(digits, tmp_path):
    missing = tmp_path / "missing.vk"
    with pytest.raises(zkinfer.IoError) as e:
        zkinfer.VerifyingKey.load(missing)
    assert str(e.value).startswith(str(missing)) and isinstance(e.value, OSError)
    with pytest.raises(zkinfer.FileError, match="not a zkinfer proof file"):
        zkinfer.Proof.load(digits.vk_path)
    with pytest.raises(zkinfer.FileError):
        zkinfer.VerifyingKey.from_bytes(b"not a key at all")
    truncated = digits.vk.to_bytes()[:-10]
    with pytest.raises(zkinfer.FileError):
        zkinfer.VerifyingKey.from_bytes(truncated)


def test_model_and_argument_errors_are_typed(digits, tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07 this is not an onnx protobuf")
    with pytest.raises(zkinfer.UnsupportedModel) as e:
        zkinfer.inspect(junk)
    assert e.value.exit_code == 5
    with pytest.raises(zkinfer.IoError):
        zkinfer.inspect(tmp_path / "nowhere.onnx")
    with pytest.raises(zkinfer.InputError, match='"public", "private" or "hashed"'):
        zkinfer.compile(digits.model, digits.settings, input_visibility="secret")
    bad_settings = tmp_path / "bad.json"
    bad_settings.write_text("{")
    with pytest.raises(zkinfer.InputError, match="malformed JSON"):
        zkinfer.compile(digits.model, bad_settings)
    with pytest.raises(TypeError):
        zkinfer.Proof(object())
