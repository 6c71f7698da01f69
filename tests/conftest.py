"""Shared fixtures: small random models and small structures, float64 for precise checks."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from ase.build import bulk

import insight

torch.set_num_threads(2)


def _randomize_output_scaling(model: insight.AtomisticModel, seed: int) -> insight.AtomisticModel:
    """Non-trivial E_sigma, E_mu and atom references so that every readout path is exercised."""
    generator = torch.Generator().manual_seed(seed)
    model.stddev.fill_(2.5)
    model.mean.fill_(-1.5)
    model.atomref.copy_(torch.randn(model.atomref.shape, generator=generator, dtype=model.atomref.dtype))
    return model


def small_model(kind: str, periodic: bool = False, seed: int = 0) -> insight.AtomisticModel:
    """A small random model in float64: ``kind`` is "schnet", "dtnn" or "painn" (which always has a cutoff)."""
    torch.manual_seed(seed)
    cutoff = dict(cutoff=4.0, cosine_cutoff=True) if periodic else {}
    if kind == "painn":
        model = insight.PaiNN(n_features=8, n_interactions=2, n_output_hidden=6, cutoff=4.0, rbf_stop=4.0,
                              rbf_spacing=0.4, rbf_gamma=3.0)
    elif kind == "schnet":
        model = insight.SchNet(
            n_features=16, n_filters=16, n_interactions=2, n_output_hidden=8, neighbor_average=periodic, **cutoff
        )
    else:
        model = insight.DTNN(n_features=12, n_factors=16, n_interactions=2, n_output_hidden=6, **cutoff)
    return _randomize_output_scaling(model, seed).double().eval()


@pytest.fixture(params=["schnet", "dtnn", "painn"])
def molecular_model(request) -> insight.AtomisticModel:
    return small_model(request.param)


@pytest.fixture(params=["schnet", "dtnn", "painn"])
def periodic_model(request) -> insight.AtomisticModel:
    return small_model(request.param, periodic=True)


def aspirin() -> insight.Structure:
    return insight.read(DATA / "aspirin.xyz")


def random_crystal(seed: int = 3) -> insight.Structure:
    """A triclinic cell with atoms at random, partly outside the cell: no symmetry hides bugs."""
    rng = np.random.default_rng(seed)
    cell = np.array([[3.1, 0.0, 0.0], [0.7, 3.4, 0.0], [-0.4, 0.5, 3.8]])
    frac = rng.uniform(-0.3, 1.2, size=(5, 3))
    return insight.Structure([6, 8, 1, 6, 7], frac @ cell, cell=cell, pbc=True)


def silicon() -> insight.Structure:
    return insight.Structure.from_ase(bulk("Si", "diamond", a=5.43))


DATA = Path(__file__).parent / "data"
ROOT = DATA.parent.parent


def import_script(folder: str, name: str):
    """A module of a folder that is no package (analyses/, scripts/), imported as its siblings expect to be found."""
    path = str(ROOT / folder)
    sys.path.insert(0, path)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(path)


def pytest_setup_options():
    """Chrome options for Dash's browser tests: Debian's headless Chromium, no sandbox (CI runs as root)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1600,1100",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"):
        options.add_argument(flag)
    return options
