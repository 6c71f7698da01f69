"""Figure builders: what a reader relies on (framing, hover, scales), checked on the figure objects."""

from __future__ import annotations

import numpy as np
import pandas as pd

import insight
from insight.plots.filters import filter_cuts_figure
from insight.plots.rings import ring_ranking_figure
from insight.plots.structure import atom_at, structure_figure, view_camera


def test_the_camera_looks_at_a_ring_face_on():
    benzene = insight.example("benzene")
    camera = view_camera(benzene.positions)
    eye = np.array([camera["eye"][k] for k in "xyz"])
    centred = benzene.positions - benzene.positions.mean(axis=0)
    normal = np.linalg.svd(centred)[2][-1]  # the ring's plane normal
    assert abs(abs(eye @ normal) / np.linalg.norm(eye) - 1) < 1e-6
    assert structure_figure(benzene).layout.scene.camera.eye.x == camera["eye"]["x"]


def test_atoms_carry_their_hover_and_a_click_finds_the_atom():
    phenol = insight.example("phenol")
    values = np.arange(len(phenol), dtype=float)
    mesh = structure_figure(phenol, values, value_label="E_i (kcal/mol)").data[0]
    vertices_per_atom = len(mesh.x) // len(phenol)
    assert mesh.hoverinfo == "text" and mesh.text[vertices_per_atom * 3].startswith(f"{phenol.symbols[3]} 3<br>")
    point = np.array([mesh.x[vertices_per_atom * 5], mesh.y[vertices_per_atom * 5], mesh.z[vertices_per_atom * 5]])
    assert atom_at(phenol, point) == 5  # a vertex of atom 5's sphere
    assert atom_at(phenol, phenol.positions.mean(axis=0) + 20.0) is None
    by_element = structure_figure(phenol).data[0]
    assert by_element.uid != mesh.uid  # switching the colouring redraws the mesh instead of patching it


def test_filter_panels_share_one_labelled_colour_scale_per_block():
    model = insight.load_model("schnet-qm9-t1", device="cpu")
    figure = filter_cuts_figure(insight.filter_cuts(model, extent=10.0, resolution=21))
    scales = [trace for trace in figure.data if trace.showscale]
    assert len(scales) == 1 and "W" in scales[0].colorbar.title.text
    assert len({(trace.zmin, trace.zmax) for trace in figure.data}) == 1
    assert figure.layout.xaxis.title.text == "Å"


def test_ring_ranking_draws_dots_so_an_axis_without_zero_does_not_mislead():
    table = pd.DataFrame({"rank": [1, 2, 3], "smiles": ["a", "b", "c"], "E_ring": [-700.0, -690.0, -650.0],
                          "structure": [0, 1, 2], "ring": ["0-1-2-3-4-5"] * 3})
    figure = ring_ranking_figure(insight.RingStability(table, "kcal/mol"), n=1)
    assert all(trace.type == "scatter" and trace.mode == "markers" for trace in figure.data)


def test_learning_curve_is_log_log_with_each_reference_point_told_apart():
    from insight.plots.accuracy import learning_curve_figure

    table = pd.DataFrame({"n_train": [500, 1000], "model": ["a", "b"], "test_mae": [0.3, 0.2],
                          "training_mean_mae": [0.9, 0.9], "sine_matrix_mae": [0.5, 0.45]})
    figure = learning_curve_figure(insight.LearningCurve(table, "eV/atom", "formation_energy_per_atom", 500),
                                   {"thesis: SchNet": (3000, 0.127), "thesis: sine matrix": (3000, 0.37)})
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
    assert "eV/atom" in figure.layout.yaxis.title.text
    assert [t.name for t in figure.data][:3] == ["SchNet (ours)", "sine matrix (KRR, ours)", "training mean"]
    references = [t for t in figure.data if t.name.startswith("thesis")]
    assert len({t.marker.symbol for t in references}) == 2
