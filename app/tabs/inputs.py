"""Where a structure comes from: examples, SMILES, QM9 and Materials Project search, uploads, and ring rows."""

from __future__ import annotations

import base64
from pathlib import Path

from dash import Input, Output, State, dcc, html, no_update

import insight
from insight.examples import EXAMPLE_CRYSTALS, EXAMPLE_MOLECULES

from ..components import UserError, guarded, message
from ..layout import HIGHLIGHT, MODEL, STRUCTURE
from ..state import Workbench, structure_to_json

EXAMPLE = "example"
SMILES = "smiles"
EMBED = "embed-smiles"
QM9_QUERY, QM9_RESULTS = "qm9-query", "qm9-results"
MP_QUERY, MP_RESULTS = "mp-query", "mp-results"
UPLOAD = "upload"
MESSAGE = "input-message"
#: Ring rows (owned by the rings tab) load their molecule too.
RING_TABLE = "rings-table"

#: Largest upload read, in bytes; the browser sends up to UPLOAD_LIMIT_BYTES, so a larger file gets a message.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_LIMIT_BYTES = 4 * MAX_UPLOAD_BYTES
DEFAULT_EXAMPLE = "phenol"
#: Rows listed for a QM9 or Materials Project search.
MAX_SEARCH_RESULTS = 200


def layout() -> list:
    return [
        dcc.Tabs(id="input-mode", value="examples", children=[
            dcc.Tab(label="Examples", value="examples", children=[
                dcc.Dropdown(id=EXAMPLE, options=_example_options(), value=DEFAULT_EXAMPLE, clearable=False)]),
            dcc.Tab(label="SMILES", value="smiles", children=[
                dcc.Input(id=SMILES, placeholder="e.g. c1ccccc1O", debounce=True, className="wide"),
                html.Button("embed in 3D", id=EMBED)]),
            dcc.Tab(label="QM9", value="qm9", children=[
                dcc.Input(id=QM9_QUERY, placeholder=insight.data.qm9.QM9.search_hint, debounce=True, className="wide"),
                dcc.Dropdown(id=QM9_RESULTS, placeholder="matching QM9 molecules")]),
            dcc.Tab(label="Materials Project", value="materials", children=[
                dcc.Input(id=MP_QUERY, placeholder=insight.data.flla.FLLA.search_hint, debounce=True,
                          className="wide"),
                dcc.Dropdown(id=MP_RESULTS, placeholder="matching FLLA crystals")]),
            dcc.Tab(label="Upload", value="upload", children=[
                dcc.Upload(id=UPLOAD, children=html.Div(["drop or ", html.A("choose"),
                                                         " an XYZ, SDF, MOL or CIF file (≤ 5 MB)"]),
                           max_size=UPLOAD_LIMIT_BYTES, className="upload")]),
        ]),
        message(MESSAGE),
    ]


def load_structure(bench: Workbench, trigger, example, _clicks, smiles, qm9_row, mp_row, upload, ring_rows,
                   filename, ring_data, model_name):
    """The structure the user asked for, checked against the model (refusals raise; warnings show in the view)."""
    highlight: list[int] = []
    if trigger in (None, EXAMPLE):
        structure = insight.example(example)
    elif trigger in (EMBED, SMILES):
        if not smiles:
            return no_update, no_update, no_update, ""
        structure = insight.from_smiles(smiles.strip())
    elif trigger in (QM9_RESULTS, MP_RESULTS):
        row = qm9_row if trigger == QM9_RESULTS else mp_row
        if row is None:
            return no_update, no_update, no_update, ""
        structure = bench.dataset("qm9" if trigger == QM9_RESULTS else "flla").structure(int(row))
    elif trigger == UPLOAD:
        structure = parse_upload(upload, filename)
    elif trigger == RING_TABLE:
        if not ring_rows:
            return no_update, no_update, no_update, ""
        row = ring_data[ring_rows[0]]
        structure = bench.qm9().structure(int(row["qm9_row"]))
        highlight = [int(a) for a in row["ring"].split("-")]
    else:
        return no_update, no_update, no_update, ""
    bench.model(model_name).domain_warnings(structure)  # refuses what the model cannot take
    shown_example = example if trigger in (None, EXAMPLE) else None  # the picker no longer names what is shown
    return structure_to_json(structure), highlight, shown_example, ""


def search(bench: Workbench, dataset_name: str, query: str | None) -> tuple[list[dict], int | None, str]:
    """Dropdown options for the first ``MAX_SEARCH_RESULTS`` rows found, the first one picked, and a count."""
    if not query:
        return [], None, ""
    dataset = bench.dataset(dataset_name)
    found = dataset.search(query)
    if found.empty:
        raise UserError(f"no {dataset.name.upper()} entry matches {query.strip()!r}; try {dataset.search_hint}")
    shown = found.head(MAX_SEARCH_RESULTS)
    options = [{"label": label, "value": int(row)} for row, label in zip(shown["row"], shown["label"])]
    more = f" (first {MAX_SEARCH_RESULTS} shown)" if len(found) > MAX_SEARCH_RESULTS else ""
    return options, options[0]["value"], f"{len(found)} matches{more}"


def parse_upload(contents: str | None, filename: str | None) -> insight.Structure:
    if not contents or not filename:
        raise UserError("no file received")
    _header, _, payload = contents.partition(",")
    raw = base64.b64decode(payload)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UserError(f"{filename} is {len(raw) / 2**20:.1f} MB, larger than the {MAX_UPLOAD_BYTES // 2**20} MB "
                        "the workbench reads; use the library (insight.read) for large files")
    text = insight.io.decode_text(raw, filename)
    fmt = Path(filename).suffix.lstrip(".").lower()
    return insight.parse(text, fmt, source=Path(filename).name)[0]


def _example_options() -> list[dict]:
    molecules = [{"label": name, "value": name} for name in EXAMPLE_MOLECULES]
    crystals = [{"label": f"{name} (crystal)", "value": name} for name in EXAMPLE_CRYSTALS]
    return molecules + crystals


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(STRUCTURE, "data"), Output(HIGHLIGHT, "data", allow_duplicate=True), Output(EXAMPLE, "value"),
        Output(MESSAGE, "children"),
        Input(EXAMPLE, "value"), Input(EMBED, "n_clicks"), Input(SMILES, "value"), Input(QM9_RESULTS, "value"),
        Input(MP_RESULTS, "value"), Input(UPLOAD, "contents"), Input(RING_TABLE, "selected_rows"),
        State(UPLOAD, "filename"), State(RING_TABLE, "data"), State(MODEL, "value"), prevent_initial_call=True,
    )(guarded(load_structure, bench, 4, trigger=True))
    for query, results, dataset_name in ((QM9_QUERY, QM9_RESULTS, "qm9"), (MP_QUERY, MP_RESULTS, "flla")):
        app.callback(Output(results, "options"), Output(results, "value"),
                     Output(MESSAGE, "children", allow_duplicate=True), Input(query, "value"),
                     prevent_initial_call=True)(
            guarded(lambda bench, text, name=dataset_name: search(bench, name, text), bench, 3))
