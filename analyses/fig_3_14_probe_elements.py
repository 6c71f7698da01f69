"""Fig. 3.14: local chemical potentials Ω_A of benzene, toluene, salicylic acid and malonaldehyde for probes
A = H, C, N, O, from a QM9 DTNN, on the isosurface Σ|r − r_i|⁻² = 3.8 Å⁻².

    python analyses/fig_3_14_probe_elements.py [--quick] [--output DIR]
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from _common import start

import insight
from insight.plots.potential import isosurface_grid_figure

MODEL = "dtnn-qm9-t2"
MOLECULES = ("benzene", "toluene", "salicylic acid", "malonaldehyde")
PROBES = ("H", "C", "N", "O")


def main(argv=None) -> None:
    run = start("fig_3_14", __doc__.splitlines()[0], argv)
    model = insight.load_model(MODEL, device="cpu")
    spacing = 0.2 if run.quick else 0.1
    surfaces, tables, ranges = {}, [], {}
    for name in MOLECULES:
        molecule = insight.example(name)
        shape = insight.isosurface(molecule, spacing=spacing)
        for probe in PROBES:
            values = insight.local_potential(model, molecule, shape.vertices, probe)
            surface = replace(shape, values=values, probe=probe, unit=model.energy_unit)
            surfaces[(name, f"probe {probe}")] = surface
            ranges[(name, probe)] = float(np.ptp(values))
            v = shape.vertices
            tables.append(pd.DataFrame({"molecule": name, "probe": probe, "x": v[:, 0], "y": v[:, 1], "z": v[:, 2],
                                        "Omega": values}))
    figure = isosurface_grid_figure(surfaces, title=f"Fig. 3.14: Ω<sub>A</sub> for probes H, C, N, O ({model.name}, "
                                                    "DTNN T=2 on QM9)")
    run.save("fig_3_14_probe_elements", figure, pd.concat(tables), width=1400, height=1400)
    run.render("fig_3_14_probe_elements_render", surfaces, {key: insight.example(key[0]) for key in surfaces})
    range_table = pd.DataFrame([{"molecule": m, "probe": p, "range": r} for (m, p), r in ranges.items()])
    run.save_table("fig_3_14_ranges", range_table)
    narrower = [m for m in MOLECULES if ranges[(m, "H")] < ranges[(m, "C")]]
    h_narrower = len(narrower) == len(MOLECULES)
    mean_range = range_table.groupby("probe")["range"].mean()
    run.report(
        "Fig. 3.14",
        "All probes give structurally similar potentials, but the H probe has a compact energy range (about "
        "60 kcal/mol) while the C probe's energy changes much more strongly.",
        h_narrower,
        "Mean range over the four molecules (kcal/mol): " + ", ".join(f"{p} {mean_range[p]:.1f}" for p in PROBES)
        + f"; the H range is below the C range for {len(narrower)} of {len(MOLECULES)} molecules (criterion: all). "
        "Per molecule, H vs C: " + ", ".join(f"{m} {ranges[(m, 'H')]:.1f} vs {ranges[(m, 'C')]:.1f}" for m in MOLECULES)
        + ".",
        {"ranges": {f"{m}/{p}": r for (m, p), r in ranges.items()}},
    )


if __name__ == "__main__":
    main()
