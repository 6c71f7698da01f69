"""Start the insight workbench: ``insight-app [--model NAME] [--host H] [--port P] [--device D]``.

This first version is a minimal page (model, molecule from SMILES, energy
and atom-wise contributions); the full workbench replaces its layout.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Sequence


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def default_model() -> str | None:
    from insight.models.files import list_pretrained, pretrained_aliases

    names, aliases = list_pretrained(), pretrained_aliases()
    for preferred in ("schnet-qm9", "dtnn-qm9"):
        if preferred in aliases or preferred in names:
            return preferred
    return names[0] if names else None


def build_app(model_name: str | None, device: str | None):
    import dash
    from dash import Input, Output, State, dash_table, dcc, html

    import insight

    model = insight.load_model(model_name, device=device) if model_name else None
    app = dash.Dash(__name__, title="insight")
    app.layout = html.Div(
        [
            html.H2("insight: what did the network learn?"),
            html.P(f"model: {model.name} ({model.architecture}, T={model.n_interactions}, energies in {model.energy_unit})"
                   if model else "no model loaded: pass --model PATH to a model folder"),
            dcc.Input(id="smiles", value="c1ccccc1", debounce=True, style={"width": "30em"}),
            html.Div(id="message", style={"color": "#b00020", "margin": "0.5em 0"}),
            dash_table.DataTable(id="contributions", page_size=30),
        ],
        style={"fontFamily": "sans-serif", "margin": "2em"},
    )

    @app.callback(
        Output("contributions", "data"), Output("message", "children"), Input("smiles", "value"),
    )
    def update(smiles: str):
        if model is None:
            return [], "no model loaded"
        try:
            structure = insight.from_smiles(smiles or "")
            prediction = model.predict(structure)
        except (insight.StructureError, ValueError) as err:
            return [], str(err)
        rows = [
            {"atom": i, "element": s, f"E_i ({model.energy_unit})": round(float(e), 4)}
            for i, (s, e) in enumerate(zip(structure.symbols, prediction.contributions[0]))
        ]
        return rows, f"{structure.formula}: E = {prediction.energy[0]:.3f} {model.energy_unit}"

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="insight-app", description="The insight workbench in your browser.")
    parser.add_argument("--model", default=None, help="bundled model name or model folder (default: best SchNet)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one, printed at start-up)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    args = parser.parse_args(argv)
    import insight

    try:
        app = build_app(args.model or default_model(), args.device)
    except (insight.ModelFileError, ValueError) as err:
        print(f"insight-app: error: {err}", file=sys.stderr)
        return 2
    port = args.port or free_port(args.host)
    print(f"insight-app running at http://{args.host}:{port}/  (Ctrl+C to stop)", flush=True)
    app.run(host=args.host, port=port, debug=False)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
