"""Sharing results with other tools: a structure set with its atom-wise quantities as a chemiscope input file.

`chemiscope <https://chemiscope.org>`_ shows a dataset as a map of structures next to a 3D viewer; with this file
a user browses a model's partitioning (E_i per atom, the forces as arrows) across a dataset in chemiscope,
next to insight. The file is written by chemiscope's own ``write_input``, so it follows their format exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import require
from .io import writable_path
from .models.base import AtomisticModel, structure_list
from .structures import Structure

__all__ = ["write_chemiscope"]


def write_chemiscope(path: str | Path, model: AtomisticModel, structures: Structure | Sequence[Structure],
                     forces: bool = True, batch_size: int = 64) -> Path:
    """Write ``structures`` with ``model``'s predictions as a chemiscope input (``.json`` or ``.json.gz``).

    Per atom: ``E_i`` (in the model's energy unit) and, with ``forces``, the force components and an arrow per
    atom (the shape ``forces``, in the model's force unit per Å drawn). Per structure: the energy, the energy per
    atom and the number of atoms. Every atom is an environment, so chemiscope's map can show atoms as points.
    """
    chemiscope = require("chemiscope", "share", "Writing a chemiscope file")
    path = writable_path(path)
    structures = structure_list(structures)
    prediction = model.predict(structures, forces=forces, batch_size=batch_size)
    unit = model.energy_unit
    contributions = np.concatenate(prediction.contributions)
    properties = {
        "E_i": {"target": "atom", "values": contributions, "units": unit,
                "description": "atom-wise energy contribution (thesis Eq. 3.4)"},
        "energy": {"target": "structure", "values": prediction.energy, "units": unit,
                   "description": f"predicted by {model.name}"},
        "energy per atom": {"target": "structure", "units": unit,
                            "values": prediction.energy / np.array([len(s) for s in structures])},
        "atoms": {"target": "structure", "values": np.array([len(s) for s in structures], dtype=float)},
    }
    shapes = None
    if forces:
        force_unit = f"{unit}/Å"
        stacked = np.concatenate(prediction.forces)
        for axis, values in zip("xyz", stacked.T):
            properties[f"F_{axis}"] = {"target": "atom", "values": values, "units": force_unit}
        scale = 1.0 / max(float(np.abs(stacked).max()), 1e-12)  # the largest force is drawn 1 Å long
        shapes = {"forces": {"kind": "arrow", "parameters": {
            "global": {"baseRadius": 0.05, "headRadius": 0.12, "headLength": 0.2},
            "atom": [{"vector": (scale * force).tolist()} for force in stacked]}}}
    environments = [(k, i, model.cutoff or 5.0) for k, s in enumerate(structures) for i in range(len(s))]
    chemiscope.write_input(
        str(path), structures=[s.to_ase() for s in structures], properties=properties, environments=environments,
        shapes=shapes, metadata={"name": f"{model.name}: atom-wise energies of {len(structures)} structures",
                                 "description": f"Written by insight with model {model.name} ({unit})."},
        settings={"structure": [{"color": {"property": "E_i"}}], "target": "atom"},
    )
    return path
