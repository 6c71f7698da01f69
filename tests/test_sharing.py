"""The chemiscope export: chemiscope's own loader reads it back, with the predictions it was written from."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

import insight

chemiscope = pytest.importorskip("chemiscope")


def test_a_structure_set_round_trips_through_chemiscope(tmp_path):
    model = insight.load_model("schnet-md-ethanol", device="cpu")
    molecules = [insight.example("ethanol"), insight.example("ethanol").translated([0.3, 0.0, 0.0])]
    path = insight.write_chemiscope(tmp_path / "ethanol.json.gz", model, molecules)

    widget = chemiscope.show_input(str(path))  # chemiscope's loader validates the file and builds its viewer
    assert type(widget).__name__ == "ChemiscopeWidget"
    data = json.load(gzip.open(path, "rt"))
    prediction = model.predict(molecules, forces=True)
    e_i = np.array(data["properties"]["E_i"]["values"])
    np.testing.assert_allclose(e_i, np.concatenate(prediction.contributions), rtol=1e-6)
    np.testing.assert_allclose(e_i.reshape(2, -1).sum(axis=1), data["properties"]["energy"]["values"], rtol=1e-6)
    assert data["properties"]["E_i"]["units"] == model.energy_unit
    assert len(data["shapes"]["forces"]["parameters"]["atom"]) == 18 and len(data["environments"]) == 18
    forces = np.stack([data["properties"][f"F_{axis}"]["values"] for axis in "xyz"], axis=1)
    np.testing.assert_allclose(forces, np.concatenate(prediction.forces), rtol=1e-5, atol=1e-6)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(insight.ArgumentError, match="does not exist"):
        insight.write_chemiscope(tmp_path / "no" / "x.json", insight.load_model("schnet-qm9-t1", device="cpu"),
                                 insight.example("ethanol"))
