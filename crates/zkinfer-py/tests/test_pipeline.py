"""End to end on the bundled digits CNN: the verbs on files, the objects in memory, and that both
give the same proofs' verdicts."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

import zkinfer


def test_calibrate_writes_settings_and_reports_the_error(digits):
    r = digits.report
    assert r["samples"] == 32
    assert 0.9 <= r["argmax_agreement"] <= 1.0
    assert r["output"]["max_abs"] >= 0.0
    on_disk = json.loads(digits.settings.read_text())
    assert on_disk == r["settings"]
    assert len(on_disk["scales"]) == len(on_disk["names"]) > 0


def test_files_end_to_end_prove_the_model_output(digits):
    proof = digits.dir / "e2e.zkp"
    out = zkinfer.prove(digits.pk_path, digits.x[0], proof)
    assert out.dtype == np.float32
    assert out.shape == digits.vk.output_shape
    assert proof.stat().st_size > 0
    verified = zkinfer.verify(digits.vk_path, proof)
    np.testing.assert_array_equal(out, verified)
    # With its public input the proof verifies; with another input it is rejected.
    np.testing.assert_array_equal(zkinfer.verify(digits.vk_path, proof, input=digits.x[0]), out)
    with pytest.raises(zkinfer.ProofRejected):
        zkinfer.verify(digits.vk_path, proof, input=digits.x[1])


def test_proven_outputs_classify_held_out_digits(digits):
    # The proven outputs classify held-out digits (the float model: 98% on the whole set; the
    # first 16 proven here: 14 right).
    n = 16
    right = sum(int(digits.pk.prove(digits.x[i])[1].argmax() == digits.labels[i]) for i in range(n))
    assert right >= 13, right


def test_in_memory_objects_round_trip_through_bytes(digits):
    proof, out = digits.pk.prove(digits.x[2])
    again = zkinfer.Proof.from_bytes(proof.to_bytes())
    assert again == proof and proof.has_public_input
    vk = zkinfer.VerifyingKey.from_bytes(digits.vk.to_bytes())
    np.testing.assert_array_equal(vk.verify(again), out)
    pk = zkinfer.ProvingKey.from_bytes(digits.pk.to_bytes())
    assert pk.verifying_key == digits.vk == zkinfer.VerifyingKey.load(digits.vk_path)
    compiled = zkinfer.CompiledModel.load(digits.zkc)
    assert zkinfer.CompiledModel.from_bytes(compiled.to_bytes()) == compiled
    assert compiled.cost["committed"] > 0 and compiled.cost["predicted_prove_s"] > 0
    assert compiled.input_shape == digits.vk.input_shape and compiled.input_visibility == "public"


def test_settings_dict_path_and_report_compile_the_same_model(digits):
    from_path = zkinfer.compile(digits.model, digits.settings)
    from_dict = zkinfer.compile(digits.model, digits.report["settings"])
    from_report = zkinfer.compile(digits.model, digits.report)
    assert from_path == from_dict == from_report == zkinfer.CompiledModel.load(digits.zkc)


def _flip(data: bytes, i: int) -> bytes:
    b = bytearray(data)
    b[i] ^= 0x01
    return bytes(b)


def test_files_and_memory_give_the_same_verdicts_on_tampered_proofs(digits):
    proof, _ = digits.pk.prove(digits.x[3])
    good = proof.to_bytes()
    n = len(good)
    # Header, public input, output, commitments, messages, openings: a spread of positions.
    positions = sorted({12, 20, 40, 100, n // 4, n // 3, n // 2, (2 * n) // 3, n - 40, n - 1})
    rejected = 0
    for i in positions:
        bad = _flip(good, i)
        path = digits.dir / f"tampered_{i}.zkp"
        path.write_bytes(bad)
        with pytest.raises(zkinfer.Error) as from_file:
            zkinfer.verify(digits.vk_path, path)
        with pytest.raises(zkinfer.Error) as from_memory:
            digits.vk.verify(zkinfer.Proof.from_bytes(bad))
        assert type(from_file.value) is type(from_memory.value), i
        assert isinstance(from_file.value, (zkinfer.ProofRejected, zkinfer.FileError)), i
        rejected += isinstance(from_file.value, zkinfer.ProofRejected)
    # Flips inside values (not the encoding) reach the verifier, which rejects them.
    assert rejected >= len(positions) // 2
    # The untampered bytes verify both ways.
    path = digits.dir / "good.zkp"
    path.write_bytes(good)
    np.testing.assert_array_equal(zkinfer.verify(digits.vk_path, path), digits.vk.verify(proof))


def test_a_proof_for_another_model_is_rejected(digits, tmp_path):
    # The same network compiled with committed input is another model: its vk rejects these proofs.
    compiled = zkinfer.compile(digits.model, digits.settings, input_visibility="private")
    pk, vk = zkinfer.setup(compiled)
    assert vk.input_visibility == "private"
    proof, out = pk.prove(digits.x[4])
    assert not proof.has_public_input
    np.testing.assert_array_equal(vk.verify(proof), out)
    with pytest.raises(zkinfer.ProofRejected):
        digits.vk.verify(proof)
    public_proof, _ = digits.pk.prove(digits.x[4])
    with pytest.raises(zkinfer.ProofRejected):
        vk.verify(public_proof)


def test_output_and_weights_visibility(digits):
    # Private output: the verifier gets an empty output; the prover still gets the real one.
    compiled = zkinfer.compile(digits.model, digits.settings, output_visibility="private")
    pk, vk = zkinfer.setup(compiled)
    proof, out = pk.prove(digits.x[2])
    assert out.size > 0
    assert vk.verify(proof).size == 0
    # Public weights: the key carries them and is larger than the private-weights key.
    compiled = zkinfer.compile(digits.model, digits.settings, weights_visibility="public")
    pk, vk = zkinfer.setup(compiled)
    proof, out = pk.prove(digits.x[2])
    np.testing.assert_array_equal(vk.verify(proof), out)
    assert len(vk.to_bytes()) > len(digits.vk.to_bytes())
    with pytest.raises(zkinfer.InputError):
        zkinfer.compile(digits.model, digits.settings, weights_visibility="hidden")


def test_weights_data_seed_makes_a_small_key_that_proves(digits, tmp_path):
    # The default key stores the weights' commitment (its tree after the key's body); a seed-only
    # key is small and re-derives it per proof. Both prove, saved and loaded, and verify.
    compiled = zkinfer.CompiledModel.load(digits.dir / "model.zkc")
    pk, vk = zkinfer.setup(compiled, tmp_path / "seed.pk", tmp_path / "seed.vk", weights_data="seed")
    assert (tmp_path / "seed.pk").stat().st_size * 4 < digits.pk_path.stat().st_size
    proof, out = zkinfer.ProvingKey.load(tmp_path / "seed.pk").prove(digits.x[1])
    np.testing.assert_array_equal(vk.verify(proof), out)
    with pytest.raises(zkinfer.ProofRejected):
        digits.vk.verify(proof)
    with pytest.raises(zkinfer.InputError):
        zkinfer.setup(compiled, weights_data="all")


def test_hashed_input_is_checked_by_its_holder(digits):
    compiled = zkinfer.compile(digits.model, digits.settings, input_visibility="hashed")
    pk, vk = zkinfer.setup(compiled)
    proof, out, openings = pk.prove_with_openings(digits.x[3])
    assert [o["tensor"] for o in openings] == ["Input"]
    np.testing.assert_array_equal(vk.verify(proof), out)
    digest = zkinfer.check_commitment(vk, proof, openings, input=digits.x[3])
    assert digest == openings[0]["digest"]
    with pytest.raises(zkinfer.ProofRejected):
        zkinfer.check_commitment(vk, proof, openings, input=digits.x[4])
    with pytest.raises(zkinfer.InputError):
        zkinfer.check_commitment(vk, proof, openings)
    # A model without hashed tensors has no openings.
    _, _, none = digits.pk.prove_with_openings(digits.x[3])
    assert none == []


def test_inspect_lists_nodes_and_with_data_the_cost(digits):
    info = zkinfer.inspect(digits.model)
    assert info["nodes"] and info["cost"] is None
    assert set(info["ops"]) == {n["op"] for n in info["nodes"]}
    assert tuple(info["input_shape"]) == digits.vk.input_shape
    with_data = zkinfer.inspect(digits.model, data=digits.x[:8])
    assert with_data["cost"]["predicted_prove_s"] > 0
    assert with_data["cost"]["committed"] > 0


def test_progress_bars_do_not_change_results(digits):
    proof, out = digits.pk.prove(digits.x[5], progress=True)
    np.testing.assert_array_equal(digits.vk.verify(proof, progress=True), out)


def test_the_gil_is_released_while_proving(digits):
    # While another thread proves, this one keeps running Python code; if the native call held
    # the GIL, the loop below would stall for the whole proof.
    done = threading.Event()
    result = {}

    def work():
        result["out"] = digits.pk.prove(digits.x[6])[1]
        done.set()

    t = threading.Thread(target=work)
    start = time.perf_counter()
    t.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - start
    assert "out" in result
    # One tick per ~1 ms of sleep: at least a quarter of the ticks the proof's duration allows.
    assert elapsed > 0.02 and ticks >= elapsed / 0.001 / 4, (ticks, elapsed)
