"""Model files written by every SchNetPack release (0.3 to 2.2), converted without SchNetPack and compared with
what that release computed for them (``scripts/schnetpack_fixtures.py`` wrote both)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import insight
from insight.models.schnetpack import UnsupportedSchNetPackModel, load_schnetpack

FIXTURES = Path(__file__).parent / "data" / "schnetpack"
CASES = sorted(path.stem for path in FIXTURES.glob("*.pt"))
#: Representations insight has no counterpart for: refused, naming the part.
REFUSED = {"so3net": "SO3net"}
CONVERTED = [case for case in CASES if not any(case.endswith(kind) for kind in REFUSED)]
PROPERTY = "energy_U0"


def manifest(case: str) -> dict:
    release = case.split("-", 1)[0]
    return json.loads((FIXTURES / f"manifest-{release}.json").read_text())[case]


def reference(case: str) -> tuple[list[insight.Structure], dict[str, np.ndarray]]:
    data = dict(np.load(FIXTURES / f"{case}.npz"))
    bounds = np.cumsum([0, *data["n_atoms"]])
    structures = []
    for k, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        periodic = bool(np.abs(data["cell"][k]).sum())
        structures.append(insight.Structure(data["numbers"][start:stop], data["positions"][start:stop],
                                            cell=data["cell"][k] if periodic else None, pbc=periodic))
    return structures, data


def contributions_from(data: dict[str, np.ndarray]) -> np.ndarray:
    """SchNetPack's per-atom outputs as insight's E_i = s y_i + mean + atomref[Z_i] (2.x adds the offsets to the
    total only; 0.3 and 1.x add them per atom already)."""
    if bool(data["per_atom_includes_offsets"]):
        return data["per_atom"]
    return data["per_atom"] + float(data["mean"]) + data["atomref"][data["numbers"]]


def test_every_release_has_fixtures():
    releases = {case.split("-", 1)[0] for case in CASES}
    assert releases == {"0.3", "1.0.1", "2.0.4", "2.1.1", "2.2.0"}
    assert {"2.2.0-schnet", "2.2.0-painn", "2.2.0-painn-shared", "2.2.0-so3net"} <= set(CASES)


@pytest.mark.parametrize("case", CONVERTED)
def test_release_converts_exactly(case):
    structures, data = reference(case)
    model = load_schnetpack(FIXTURES / f"{case}.pt", property=PROPERTY)
    assert model.card.target == PROPERTY and manifest(case)["release"] == case.split("-", 1)[0]
    for dtype, energies, forces, tolerance in ((torch.float32, data["energy"], data["forces"], 1e-5),
                                               (torch.float64, data["energy64"], data["forces64"], 1e-7)):
        prediction = model.to(dtype).predict(structures, forces=True)  # molecules and a crystal in one batch
        scale = np.maximum(1.0, np.abs(energies))
        assert np.all(np.abs(prediction.energy - energies) <= tolerance * scale), (case, dtype)
        np.testing.assert_allclose(np.concatenate(prediction.forces), forces,
                                   atol=tolerance * max(1.0, float(np.abs(forces).max())), err_msg=case)
        if dtype == torch.float32:
            contributions = np.concatenate(prediction.contributions)
            np.testing.assert_allclose(contributions, contributions_from(data), atol=1e-4, err_msg=case)
            sums = [float(c.sum()) for c in prediction.contributions]
            np.testing.assert_allclose(sums, prediction.energy, atol=1e-4)


@pytest.mark.parametrize("case", [c for c in CASES if c not in CONVERTED])
def test_unsupported_representation_is_named(case):
    kind = REFUSED[case.rsplit("-", 1)[-1]]
    with pytest.raises(UnsupportedSchNetPackModel, match=kind):
        load_schnetpack(FIXTURES / f"{case}.pt", property=PROPERTY)


def test_releases_read_without_schnetpack_installed(tmp_path):
    """In a fresh interpreter where ``import schnetpack`` fails, every fixture is read by the restricted reader."""
    script = (
        "import sys; sys.modules['schnetpack'] = None\n"
        "from pathlib import Path\n"
        "from insight.models.schnetpack import UnsupportedSchNetPackModel, load_schnetpack\n"
        f"for path in sorted(Path({str(FIXTURES)!r}).glob('*.pt')):\n"
        "    try:\n"
        "        model = load_schnetpack(path, property='energy_U0')\n"
        "        print(path.stem, 'converted', model.card.source['read'])\n"
        "    except UnsupportedSchNetPackModel as err:\n"
        "        print(path.stem, 'refused', err)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert set(lines) == set(CASES)
    for case in CONVERTED:
        assert lines[case].startswith("converted restricted reader"), lines[case]
    for case in set(CASES) - set(CONVERTED):
        assert lines[case].startswith("refused"), lines[case]


def test_the_unit_comes_from_the_runs_config_or_is_said_to_be_assumed(tmp_path):
    model_file = tmp_path / "best_model"
    model_file.write_bytes((FIXTURES / "2.2.0-painn.pt").read_bytes())
    assumed = insight.load_model(model_file)  # the only output, energy_U0; no config.yaml: eV assumed
    assert assumed.card.target == PROPERTY and assumed.energy_unit == "eV"
    assert assumed.card.source["energy_unit"] == "assumed" and "eV assumed" in assumed.card.label
    (tmp_path / "config.yaml").write_text(  # as spktrain writes it beside best_model
        "data:\n  property_units:\n    energy_U0: kcal/mol\n    forces: kcal/mol/Ang\n")
    recorded = insight.load_model(model_file)
    assert recorded.energy_unit == "kcal/mol" and recorded.card.source["energy_unit"] == "config.yaml"
    # the same numbers, only named in another unit: SchNetPack trained them in that unit
    np.testing.assert_array_equal(recorded.predict(insight.example("ethanol")).energy,
                                  assumed.predict(insight.example("ethanol")).energy)
    given = insight.load_model(model_file, energy_unit="Hartree")
    assert given.energy_unit == "Hartree" and given.card.source["energy_unit"] == "given"
    (tmp_path / "config.yaml").write_text("data:\n  property_units:\n    energy_U0: furlongs\n")
    with pytest.raises(UnsupportedSchNetPackModel, match="furlongs.*energy_unit="):
        insight.load_model(model_file)
    (tmp_path / "config.yaml").write_text("data: just text\n")  # not SchNetPack's layout: nothing recorded
    assert insight.load_model(model_file).card.source["energy_unit"] == "assumed"
    with pytest.raises(insight.ArgumentError, match="SchNetPack file's output"):
        insight.load_model("schnet-qm9", property="energy_U0")
    with pytest.raises(UnsupportedSchNetPackModel, match="no Atomwise output 'gap'"):
        insight.load_model(model_file, property="gap")
