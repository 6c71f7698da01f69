"""Fig. 3.15: local chemical potentials Ω_H of benzene for DTNNs trained on QM9 (top) and on an MD trajectory of
benzene (bottom), T = 1, 2, 3 interaction passes, on the isosurface Σ|r − r_i|⁻² = 3.8 Å⁻².

    python analyses/fig_3_15_md_potentials.py [--quick] [--output DIR]

The MD models are trained on GFN2-xTB trajectories computed here (not MD17's DFT).
"""

from __future__ import annotations

import pandas as pd
from _common import start

import insight
from insight.plots.potential import isosurface_grid_figure
from insight.zoo import find_models


def main(argv=None) -> None:
    run = start("fig_3_15", __doc__.splitlines()[0], argv)
    benzene = insight.example("benzene")
    spacing = 0.2 if run.quick else 0.1
    surfaces, tables, roughness = {}, [], {}
    for row, dataset in (("QM9", "qm9"), ("MD benzene", "md:benzene")):
        for t in (1, 2, 3):
            names = find_models(dataset=dataset, architecture="dtnn", n_interactions=t)
            if not names:
                continue
            model = insight.load_model(names[0], device="cpu")
            surface = insight.potential_on_isosurface(model, benzene, "H", spacing=spacing)
            surfaces[(row, f"T = {t}")] = surface
            roughness[f"{row}, T={t}"] = insight.analysis.potential.potential_roughness(surface)
            v = surface.vertices
            tables.append(pd.DataFrame({"training_data": row, "T": t, "model": names[0], "x": v[:, 0], "y": v[:, 1],
                                        "z": v[:, 2], "Omega_H": surface.values}))
    finding = ("Trained on an MD trajectory, DTNN potentials show more clearly separated low and high regions than "
               "trained on QM9, and with more interaction passes the potentials become smoother.")
    if not surfaces:
        run.report("Fig. 3.15", finding, None, "No DTNN models found.")
        return
    figure = isosurface_grid_figure(surfaces, title="Ω<sub>H</sub> of benzene: DTNN trained on QM9 (top) and on "
                                                    "benzene MD, GFN2-xTB (bottom)")
    run.save("fig_3_15_md_potentials", figure, pd.concat(tables), width=1400, height=900)
    run.render("fig_3_15_md_potentials_render", surfaces, {key: benzene for key in surfaces})
    smoother = {}
    for row in ("QM9", "MD benzene"):
        values = [roughness[k] for k in roughness if k.startswith(row + ",")]
        if len(values) >= 2:
            smoother[row] = values[-1] < values[0]
    missing = [f"{r}, T={t}" for r in ("QM9", "MD benzene") for t in (1, 2, 3) if f"{r}, T={t}" not in roughness]
    run.report(
        "Fig. 3.15", finding,
        (all(smoother.values()) if smoother and not missing else None),
        "Roughness (mean change along mesh edges / range): " + ", ".join(f"{k} {v:.4f}" for k, v in roughness.items())
        + (f". Missing models: {', '.join(missing)}" if missing else "") + ".",
        {"roughness": roughness},
    )


if __name__ == "__main__":
    main()
