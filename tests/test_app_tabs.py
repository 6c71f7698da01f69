"""Each part of the workbench without a browser: its callbacks called with their inputs, their outputs checked."""

from __future__ import annotations

import time

import numpy as np
import pytest
from dash import Patch, no_update
from insight_app import components
from insight_app.layout import STRUCTURE
from insight_app.state import Workbench, structure_from_json, structure_to_json
from insight_app.tabs import (
    accuracy,
    alchemy,
    embeddings,
    filters,
    inputs,
    partition,
    potential,
    relevance,
    rings,
    sensitivity,
    view,
)

import insight

QM9_MODEL = "schnet-qm9"


@pytest.fixture(scope="module")
def bench() -> Workbench:
    return Workbench(device="cpu", default=QM9_MODEL)


def _json(name: str = "phenol") -> dict:
    return structure_to_json(insight.example(name))


# -- shared parts ----------------------------------------------------------------------------------------------


def test_a_guarded_callback_turns_bad_input_into_a_message_and_keeps_quotes(bench):
    def failing(_bench, text):
        raise insight.StructureError(f"cannot read {text!r}")

    outputs = components.guarded(failing, bench, 3, on_error={1: True})("abc")
    assert outputs == (no_update, True, "cannot read 'abc'")  # the closing quote stays
    assert components.error_text(KeyError("missing")) == "missing"


def test_the_model_picker_is_grouped_and_shows_aliases_as_aliases(bench):
    options = bench.model_options()
    headings = [o["label"] for o in options if o.get("disabled")]
    assert headings[0] == "QM9 molecules" and "Materials Project crystals" in headings
    labels = {o["value"]: o["label"] for o in options}
    assert labels["schnet-qm9"] == "schnet-qm9 = schnet-qm9-t6 (alias)"
    under_qm9 = [o["value"] for o in options[1:options.index(next(o for o in options[1:] if o.get("disabled")))]]
    assert "schnet-mp" not in under_qm9 and "dtnn-qm9-t3" in under_qm9


# -- input and the 3D view -----------------------------------------------------------------------------------------


def test_loading_an_example_then_a_smiles_clears_the_example_picker(bench):
    data, highlight, example, text = inputs.load_structure(bench, "example", "aspirin", *[None] * 8, QM9_MODEL)
    assert structure_from_json(data).formula == "C9H8O4" and example == "aspirin" and text == ""
    data, _, example, _ = inputs.load_structure(bench, "smiles", "aspirin", None, "CCO.O", *[None] * 6, QM9_MODEL)
    assert structure_from_json(data).formula == "C2H8O2" and example is None  # two molecules, apart


def test_a_structure_the_model_cannot_take_is_refused_with_the_library_words(bench):
    wrapped = components.guarded(inputs.load_structure, bench, 4, trigger=False)
    outputs = wrapped("smiles", "phenol", None, "[NH4+]", *[None] * 6, QM9_MODEL)
    assert outputs[:3] == (no_update,) * 3 and "net charge of +1" in outputs[3]


def test_the_view_warns_for_a_molecule_under_a_crystal_model(bench):
    _figure, title, cautions, repeat_control, _ = view.draw(bench, _json("ethanol"), "schnet-mp", "energy", [], [])
    assert "eV/atom" in title and any("trained on crystals" in c.children for c in cautions)
    assert repeat_control == {"display": "none"}  # cell repeats are for crystals
    _figure, title, cautions, _, _ = view.draw(bench, _json("phenol"), QM9_MODEL, "element", [], [])
    assert cautions == [] and "(schnet-qm9 = schnet-qm9-t6)" in title


def test_a_crystal_can_be_shown_as_a_supercell_with_its_energies_repeated(bench):
    graphite = _json("graphite")
    one, _, _, control, _ = view.draw(bench, graphite, "schnet-mp", "energy", [], [], 1)
    eight, _, _, _, _ = view.draw(bench, graphite, "schnet-mp", "energy", [], [], 2)
    assert control == {} and len(eight.data[0].x) == 8 * len(one.data[0].x)
    np.testing.assert_allclose(eight.data[0].intensity[:len(one.data[0].x)], one.data[0].intensity)


def test_a_click_on_a_drawn_atom_selects_that_atom(bench):
    data = _json("phenol")
    structure = structure_from_json(data)
    on_atom_3 = structure.positions[3] + np.array([0.2, 0.0, 0.0])  # on its sphere (radius 0.45 x 0.76 Å)
    click = {"points": [{"x": on_atom_3[0], "y": on_atom_3[1], "z": on_atom_3[2], "curveNumber": 0}]}
    assert view.select(bench, view.VIEW, click, data, [])[0] == [3]
    assert view.select(bench, view.VIEW, click, data, [5, 7])[0] == [7, 3]  # pairs: the last two
    far = {"points": [{"x": 50.0, "y": 0.0, "z": 0.0}]}
    assert view.select(bench, view.VIEW, far, data, [1])[0] is no_update
    assert view.select(bench, STRUCTURE, None, data, [1])[0] == []  # a new structure clears the selection


def test_the_shown_structure_downloads_as_a_file_that_reads_back(bench):
    download, text = view.export(bench, 1, _json("aspirin"), "xyz")
    assert download["filename"] == "aspirin.xyz" and text == ""
    assert insight.parse(download["content"], "xyz")[0].formula == "C9H8O4"
    with pytest.raises(insight.StructureError, match="CIF file describes a crystal"):
        view.export(bench, 1, _json("aspirin"), "cif")
    download, _ = view.export(bench, 1, _json("aspirin"), "chemiscope", QM9_MODEL)  # with the model's E_i
    assert download["filename"] == "aspirin.chemiscope.json.gz" and download["base64"]


# -- analysis tabs -------------------------------------------------------------------------------------------------


def test_partition_table_sums_to_the_energy_and_marks_the_selection(bench):
    rows, columns, marked, summary, _ = partition.energy_table(bench, _json("phenol"), QM9_MODEL, [2])
    total = float(summary.split("=")[-1].split()[0])
    assert abs(sum(r["E_i"] for r in rows) - total) < 1e-2 and columns[2]["name"] == "E_i (kcal/mol)"
    assert marked[0]["if"]["filter_query"] == "{atom} = 2"
    assert partition.select_row(bench, {"row": 4}, rows, [2])[0] == [2, 4]


def test_the_distributions_fill_without_a_tab_switch_and_stop_polling(bench):
    data = _json("phenol")
    for _ in range(600):  # the sample is computed in a thread; the page polls once a second
        figure, table, poll_disabled, _ = partition.distributions(bench, data, "dtnn-qm9-t1", partition.TAB, None)
        if poll_disabled:
            break
        time.sleep(0.5)
    assert poll_disabled and table is not None
    panels = [a.text for a in figure.layout.annotations]
    assert panels == ["H", "C", "N", "O", "F"] and figure.layout.height >= 260 * 5  # every element, full size
    assert partition.distributions(bench, data, "dtnn-qm9-t1", "rings", None)[:3] == (no_update, no_update, True)


def test_a_new_probe_patches_only_the_values_on_the_same_surface(bench):
    data = _json("ethanol")
    figure, _, shown, style, _ = potential.potential(bench, data, QM9_MODEL, "H", 3.8, potential.TAB, None)
    surface = figure.data[shown["trace"]]
    assert surface.name == "potential" and "kcal/mol" in surface.hovertemplate and style == {}
    patch, _, kept, _, _ = potential.potential(bench, data, QM9_MODEL, "C", 3.8, potential.TAB, shown)
    assert isinstance(patch, Patch) and kept is no_update
    _, _, _, style, _ = potential.potential(bench, _json("graphite"), "schnet-mp", "C", 3.8, potential.TAB, None)
    assert style == {"display": "none"}  # no isosurface level for a crystal's planar cut


def test_the_potential_downloads_as_a_surface_a_cube_and_a_render(bench):
    data = _json("ethanol")
    for trigger, suffix, magic in ((potential.PLY, ".ply", b"ply"), (potential.CUBE, ".cube", b"insight"),
                                   (potential.RENDER, ".png", b"\x89PNG")):
        download, _ = potential.potential_file(bench, trigger, 1, 1, 1, 1, data, QM9_MODEL, "H", 3.8)
        assert download["filename"].endswith(suffix)
        import base64

        content = base64.b64decode(download["content"]) if download.get("base64") else download["content"].encode()
        assert content.startswith(magic)


def test_sensitivity_waits_for_two_atoms_then_draws_both(bench):
    figure, _, status, _ = sensitivity.pair_curve(bench, [0], QM9_MODEL, sensitivity.TAB, _json("ethanol"))
    assert "select 1 more" in status
    figure, _, status, _ = sensitivity.pair_curve(bench, [0, 1], QM9_MODEL, sensitivity.TAB, _json("ethanol"))
    assert "and" in status and len(figure.data) == 2


def test_the_relevance_tab_lists_the_top_walks_and_draws_them_in_the_view(bench):
    data = _json("ethanol")
    options, value, _ = relevance.output_choices(bench, data, 12)
    assert len(options) == 10 and value == "energy"  # atom 12 does not exist in ethanol: back to the energy
    walks, rows, columns, summary, pairs, _, _ = relevance.relevance(bench, data, QM9_MODEL, "energy", 5, relevance.TAB)
    assert len(walks) == len(rows) == 5 and "of 4,782,969 walks behind E" in summary  # 9 atoms, T = 6: 9^7
    expected = insight.walk_relevance(bench.model(QM9_MODEL), structure_from_json(data), top=5)
    assert [w["atoms"] for w in walks] == expected.walks.tolist()
    assert [r["relevance"] for r in rows] == pytest.approx(expected.relevance, abs=1e-4)
    assert pairs.data[0].type == "heatmap"
    plain = view.draw(bench, data, QM9_MODEL, "energy", [], [])[0]
    drawn = view.draw(bench, data, QM9_MODEL, "energy", [], [], 1, walks)[0]
    assert len(drawn.data) == len(plain.data) + 5 and drawn.data[-5].name.startswith("#1 ")
    one_atom, *_ = relevance.relevance(bench, data, QM9_MODEL, 2, 3, relevance.TAB)
    assert all(w["atoms"][-1] == 2 for w in one_atom)  # walks into E_2 end at atom 2
    assert relevance.relevance(bench, data, QM9_MODEL, "energy", 5, "partition")[0] == []  # another tab: no walks
    assert "from 1 to 50" in relevance.relevance(bench, data, QM9_MODEL, "energy", 500, relevance.TAB)[-1]
    selection, _ = relevance.select_walk(bench, {"row": 0}, rows, walks, [])
    assert selection == [walks[0]["atoms"][0], walks[0]["atoms"][-1]][-len(selection):]


def test_alchemy_runs_a_fixed_path_and_refuses_a_relaxation_that_breaks_the_molecule(bench):
    data = _json("phenol")
    oxygen = int(np.flatnonzero(np.array(data["numbers"]) == 8)[0])
    figure, _, frames, last, first, note = alchemy.run_path(bench, alchemy.RUN, 1, None, data, QM9_MODEL, [oxygen],
                                                            "N", [], 5, "fixed")
    assert len(figure.data) == 1 and last == len(frames["positions"]) - 1 and first == 0 and note == ""
    assert alchemy.sync_frame(bench, alchemy.FRAME_TYPED, 0, 99, last) == (last, last)  # typed, clipped
    assert alchemy.sync_frame(bench, alchemy.FRAME_INDEX, 2, 0, last) == (no_update, 2)  # dragged
    download, _ = alchemy.export_frame(bench, 1, last, frames)  # the morphed end: phenol's O is an N
    assert insight.parse(download["content"], "xyz")[0].formula == "C6H6N"
    wrapped = components.guarded(alchemy.run_path, bench, 6)
    outputs = wrapped(alchemy.RUN, 1, None, _json("aspirin"), QM9_MODEL, [0], "N", [], 5, "interpolated")
    assert "forces are not reliable" in outputs[-1]


def test_tabs_refuse_models_they_do_not_apply_to(bench):
    with pytest.raises(components.UserError, match="trained on QM9"):
        rings.ranking(bench, "schnet-mp", rings.TAB, None)
    assert rings.ranking(bench, QM9_MODEL, "partition", None)[4] is True  # hidden tab: no work, no polling
    with pytest.raises(components.UserError, match="QM9 or FLLA"):
        accuracy.accuracy(bench, "schnet-md-ethanol", accuracy.TAB, None)


def test_filters_follow_the_model_and_a_loaded_crystal(bench):
    options, first = filters.block_choices(bench, QM9_MODEL)
    assert len(options) == 6 and first == 0
    molecular, _, _ = filters.filters(bench, "schnet-mp", 0, 10, filters.TAB, _json("phenol"))
    periodic, _, _ = filters.filters(bench, "schnet-mp", 0, 10, filters.TAB, _json("graphite"))
    assert "molecular" in molecular.layout.title.text and "periodic" in periodic.layout.title.text


def test_embeddings_of_a_crystal_model_come_with_the_group_reading(bench):
    figure, _, summary, _ = embeddings.embeddings(bench, "schnet-mp", embeddings.TAB)
    assert len(figure.data) >= 3 and "families" in summary


def test_every_figure_has_a_busy_indicator_and_the_colour_bar_leaves_the_toolbar_room(bench):
    from dash import dcc
    from insight_app.main import FIGURES, create_app

    layout = create_app(QM9_MODEL, device="cpu").layout
    wrapped = {child.id for loading in layout._traverse() if isinstance(loading, dcc.Loading)
               for child in [loading.children] if isinstance(child, dcc.Graph)}
    assert set(FIGURES) <= wrapped
    colorbar = view.structure_view(bench, insight.example("phenol"), QM9_MODEL, "energy", [])[0].data[0].colorbar
    assert colorbar.y + colorbar.len / 2 <= 0.85  # the top of the view stays free for plotly's toolbar


def test_a_row_of_the_largest_errors_shows_its_molecule_and_tabs_clear_highlights(bench):
    data, _ = accuracy.view_row(bench, {"row": 0, "column": 0}, [{"row": 5, "id": 6}], QM9_MODEL)
    assert data["name"] == "QM9 6" and structure_from_json(data).formula == "CH2O"  # formaldehyde
    assert accuracy.view_row(bench, {"row": 0}, [{"row": 5}], "schnet-mp")[0] is no_update  # not a QM9 model
    assert view.clear_highlight("rings") == []
    assert rings.select_clicked_row(bench, {"row": 3, "column": 1}) == [3]


def test_a_schnetpack_painn_file_opens_in_every_tab_that_applies(capsys):
    """A converted PaiNN (SchNetPack 2.2) drives the molecular tabs; the dataset tabs say plainly why not."""
    from pathlib import Path

    own = Workbench(device="cpu", default=QM9_MODEL)
    name = own.add_schnetpack(Path(__file__).parent / "data" / "schnetpack" / "2.2.0-painn.pt", trust=False)
    printed = capsys.readouterr().out
    assert "output 'energy_U0'" in printed and "eV assumed" in printed
    assert any("PaiNN" in o["label"] and "eV assumed" in o["label"] for o in own.model_options()
               if o["value"] == name)
    data = _json("ethanol")
    rows, _, _, summary, _ = partition.energy_table(own, data, name, [])
    assert len(rows) == 9 and "eV" in summary
    figure, _, shown, _, _ = potential.potential(own, data, name, "H", 3.8, potential.TAB, None)
    assert figure.data[shown["trace"]].name == "potential"
    figure, _, status, _ = sensitivity.pair_curve(own, [0, 1], name, sensitivity.TAB, data)
    assert len(figure.data) == 2
    oxygen = int(np.flatnonzero(np.array(data["numbers"]) == 8)[0])
    figure, *_ = alchemy.run_path(own, alchemy.RUN, 1, None, data, name, [oxygen], "N", [], 3, "fixed")
    assert len(figure.data) == 1
    options, _ = filters.block_choices(own, name)
    assert len(options) == 2
    assert filters.filters(own, name, 0, 10, filters.TAB, data)[0].data
    assert embeddings.embeddings(own, name, embeddings.TAB)[0].data
    with pytest.raises(components.UserError, match="trained on QM9"):
        rings.ranking(own, name, rings.TAB, None)
    with pytest.raises(components.UserError, match="QM9 or FLLA"):
        accuracy.accuracy(own, name, accuracy.TAB, None)
    walks, rows, *_ = relevance.relevance(own, data, name, "energy", 5, relevance.TAB)
    assert len(walks) == len(rows) == 5


def test_an_ensemble_of_repetitions_shows_each_e_i_with_its_spread(bench):
    name = "dtnn-qm9-t3 ensemble"
    options = {o["value"]: o["label"] for o in bench.model_options()}
    assert "3 repetitions" in options[name]
    rows, columns, _, summary, _ = partition.energy_table(bench, _json("phenol"), name, [])
    assert [c["id"] for c in columns] == ["atom", "element", "E_i", "x", "y", "z", "E_i_spread"]
    assert "±" in summary and "3 repetitions" in summary
    mean = float(summary.split("=")[-1].split("±")[0])
    assert abs(sum(r["E_i"] for r in rows) - mean) < 1e-2 and all(r["E_i_spread"] > 0 for r in rows)
    single, *_ = partition.energy_table(bench, _json("phenol"), "dtnn-qm9-t3", [])
    assert "E_i_spread" not in single[0]  # a single model has no spread column
    assert bench.model(name).name == "dtnn-qm9-t3"  # the other views show the first member
