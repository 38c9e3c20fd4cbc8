"""Shared fixtures: the bundled digits CNN taken through calibrate, compile and setup once, on files."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import numpy as np
import pytest

import zkinfer


@dataclass
class Digits:
    dir: pathlib.Path
    model: str
    x: np.ndarray  # held-out images, one float32 row of 64 values each
    labels: np.ndarray
    report: dict
    settings: pathlib.Path
    zkc: pathlib.Path
    pk_path: pathlib.Path
    vk_path: pathlib.Path
    pk: zkinfer.ProvingKey
    vk: zkinfer.VerifyingKey


@pytest.fixture(scope="session")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Digits:
    d = tmp_path_factory.mktemp("digits")
    model, x, labels = zkinfer.digits_example(d)
    settings, zkc, pk_path, vk_path = d / "settings.json", d / "model.zkc", d / "model.pk", d / "model.vk"
    report = zkinfer.calibrate(model, x[:32], settings)
    zkinfer.compile(model, settings, zkc, input_visibility="public")
    pk, vk = zkinfer.setup(zkc, pk_path, vk_path)
    return Digits(d, model, x, labels, report, settings, zkc, pk_path, vk_path, pk, vk)
