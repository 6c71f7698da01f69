"""Fig. 4.10: local chemical potentials Ω_C of DTNN (top) and SchNet (bottom) for benzene, toluene, methane,
pyrazine and propane, carbon probe, on the isosurface Σ|r − r_i|⁻² = 3.7 Å⁻².

    python analyses/fig_4_10_dtnn_schnet_potentials.py [--quick] [--output DIR]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import start

import insight
from insight.plots.potential import isosurface_grid_figure

MODELS = {"DTNN": "dtnn-qm9", "SchNet": "schnet-qm9"}
MOLECULES = {"benzene": "c1ccccc1", "toluene": "Cc1ccccc1", "methane": "C", "pyrazine": "c1cnccn1", "propane": "CCC"}
LEVEL = 3.7


def main(argv=None) -> None:
    run = start("fig_4_10", __doc__.splitlines()[0], argv)
    spacing = 0.2 if run.quick else 0.1
    molecules = {name: insight.from_smiles(smiles) for name, smiles in MOLECULES.items()}
    surfaces, tables, ranges = {}, [], {}
    for label, name in MODELS.items():
        model = insight.load_model(name, device="cpu")
        for molecule_name, molecule in molecules.items():
            surface = insight.potential_on_isosurface(model, molecule, "C", level=LEVEL, spacing=spacing)
            surfaces[(f"{label} ({name})", molecule_name)] = surface
            ranges[(label, molecule_name)] = float(np.ptp(surface.values))
            v = surface.vertices
            tables.append(pd.DataFrame({"model": name, "molecule": molecule_name, "x": v[:, 0], "y": v[:, 1],
                                        "z": v[:, 2], "Omega_C": surface.values}))
    figure = isosurface_grid_figure(surfaces, title="Fig. 4.10: Ω<sub>C</sub> of DTNN (top) and SchNet (bottom), "
                                                    "isosurface Σ|r−r<sub>i</sub>|<sup>−2</sup> = 3.7 Å<sup>−2</sup>")
    run.save("fig_4_10_dtnn_schnet_potentials", figure, pd.concat(tables), width=1500, height=750)
    run.render("fig_4_10_dtnn_schnet_potentials_render", surfaces, {key: molecules[key[1]] for key in surfaces})
    compressed = [m for m in MOLECULES if ranges[("SchNet", m)] < ranges[("DTNN", m)]]
    run.report(
        "Fig. 4.10",
        "Both models reflect the molecules' symmetries, but SchNet's Ω_C has a compressed energy range and more "
        "clearly separated low and high regions than DTNN's.",
        len(compressed) == len(MOLECULES),
        "Range of Ω_C, DTNN vs SchNet (kcal/mol): " + ", ".join(
            f"{m} {ranges[('DTNN', m)]:.1f} vs {ranges[('SchNet', m)]:.1f}" for m in MOLECULES)
        + f". SchNet's range is smaller for {len(compressed)} of {len(MOLECULES)} molecules (criterion: all).",
        {"ranges": {f"{a}/{m}": r for (a, m), r in ranges.items()}},
    )


if __name__ == "__main__":
    main()
