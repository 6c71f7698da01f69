"""Fig. 4.4: 10 × 10 Å cuts through the continuous filters of every interaction block of a SchNet trained on an
MD trajectory of ethanol (ours: GFN2-xTB, not the thesis' DFT).

    python analyses/fig_4_4_filters.py [--quick] [--output DIR]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import start

import insight
from insight.models.files import untrained_like
from insight.plots.filters import filter_cuts_figure
from insight.zoo import find_models


def main(argv=None) -> None:
    run = start("fig_4_4", __doc__.splitlines()[0], argv)
    name = (find_models(dataset="md:ethanol", architecture="schnet", forces=True) or ["schnet-qm9"])[0]
    model = insight.load_model(name, device="cpu")
    resolution = 41 if run.quick else 101
    cuts = insight.filter_cuts(model, extent=10.0, resolution=resolution)
    n_filters = 8 if run.quick else 16
    figure = filter_cuts_figure(cuts, filters=list(range(n_filters)))
    figure.update_layout(title=f"Fig. 4.4: filter cuts 10 × 10 Å of {name} (first {n_filters} of "
                               f"{cuts.values.shape[1]} filters per block; negative blue, positive red)")
    # The cuts are radial, so the CSV holds each filter as a function of distance (out to the cut's corner).
    distances = np.linspace(0.0, 5.0 * np.sqrt(2.0), 143)
    radial = insight.radial_filters(model, distances)  # (blocks, distances, filters)
    table = pd.DataFrame([{"block": t + 1, "filter": f, "distance": d, "W": radial[t, k, f]}
                          for t in range(radial.shape[0]) for f in range(radial.shape[2])
                          for k, d in enumerate(distances)])
    run.save("fig_4_4_filters", figure, table, width=1600, height=180 * cuts.values.shape[0] + 150)
    # Shape, not scale: how often each filter rises and falls, against an untrained SchNet of the same size, whose
    # random filters over the Gaussian expansion oscillate; and how alike the untied blocks are.
    excursions = np.nanmedian(insight.filter_excursions(model, distances), axis=1)
    control = untrained_like(model, 1)[0]
    control_excursions = np.nanmedian(insight.filter_excursions(control, distances), axis=1)
    off_diagonal = _off_diagonal(insight.block_similarity(model, distances))
    control_off_diagonal = _off_diagonal(insight.block_similarity(control, distances))
    smooth = bool(np.all(excursions < control_excursions))
    distinct = bool(off_diagonal.max() < 0.9) if len(off_diagonal) else None
    blocks = ", ".join(f"{v:.1f}" for v in excursions)
    control_blocks = ", ".join(f"{v:.1f}" for v in control_excursions)
    run.report(
        "Fig. 4.4",
        "The learned filters are smooth, radial functions of distance with distinct structure in each interaction "
        "block.",
        smooth and distinct if distinct is not None else None,
        f"{name}: {radial.shape[0]} blocks x {radial.shape[2]} filters over 0-{distances[-1]:.1f} Å; a filter rises "
        f"and falls (total variation / range, median per block) {blocks} times; the largest correlation between "
        f"two blocks' filter profiles is {off_diagonal.max():.2f}. Radial by construction (filters depend on "
        "distance only).",
        {"excursions": excursions.tolist(), "control_excursions": control_excursions.tolist(),
         "block_correlation_max": float(off_diagonal.max()),
         "control_block_correlation_max": float(control_off_diagonal.max())},
        criterion=(f"Smooth: in every block the filters' median total variation per unit range ({blocks}) is below "
                   f"the untrained control's; distinct: no two blocks correlate above 0.9 "
                   f"({off_diagonal.max():.2f})."),
        control=(f"An untrained SchNet of the same size: {control_blocks} per block, largest block correlation "
                 f"{control_off_diagonal.max():.2f}. Distinct blocks hold for it too, since the blocks' weights are "
                 "untied: that half checks the architecture. Smoothness is what training adds: untrained filters "
                 "are random functions of the Gaussian expansion and oscillate."),
        spread="No repetitions of the MD SchNets exist, so there is no spread across training runs.",
    )


def _off_diagonal(matrix: np.ndarray) -> np.ndarray:
    return matrix[~np.eye(len(matrix), dtype=bool)]

if __name__ == "__main__":
    main()
