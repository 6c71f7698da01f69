"""Fig. 4.4: 10 × 10 Å cuts through the continuous filters of every interaction block of a SchNet trained on an
MD trajectory of ethanol (ours: GFN2-xTB, not the thesis' DFT).

    python analyses/fig_4_4_filters.py [--quick] [--output DIR]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import start

import insight
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
    # How much each block's filters vary with distance, and how alike the blocks are.
    variation = np.abs(np.diff(radial, axis=1)).sum(axis=1).mean(axis=1)
    correlation = insight.block_similarity(model, distances)
    off_diagonal = correlation[~np.eye(len(correlation), dtype=bool)]
    run.report(
        "Fig. 4.4",
        "The learned filters are smooth, radial functions of distance with distinct structure in each interaction "
        "block.",
        bool(off_diagonal.max() < 0.9) if len(off_diagonal) else None,
        f"{name}: {radial.shape[0]} blocks x {radial.shape[2]} filters; total variation over 0-7 Å per block "
        + ", ".join(f"{v:.2f}" for v in variation)
        + f"; largest correlation between two blocks' filter profiles {off_diagonal.max():.2f} (criterion: < 0.9, "
        "the blocks learn different filters). Radial by construction (filters depend on distance only).",
        {"variation": variation.tolist(), "block_correlation": correlation.tolist()},
    )


if __name__ == "__main__":
    main()
