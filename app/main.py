"""Start the insight workbench: ``insight-app [--model NAME] [--model-dir DIR] [--schnetpack FILE [--property P]
[--energy-unit U] [--trust]] [--host H] [--port P] [--device D] [--verbose]``. ``create_app`` builds the page
from ``layout`` and the parts in ``tabs``."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from pathlib import Path
from typing import Sequence


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def default_model(names: Sequence[str]) -> str | None:
    for preferred in ("schnet-qm9", "dtnn-qm9"):
        if preferred in names:
            return preferred
    return next(iter(names), None)


def create_app(model: str | None = None, model_dir: str | Path | None = None, device: str | None = None,
               schnetpack_files: Sequence[str | Path] = (), trust: bool = False, property: str | None = None,
               energy_unit: str | None = None):
    """The Dash app (also used by the tests); ``model`` is a name from the registry.

    ``schnetpack_files`` are SchNetPack model files (0.3 to 2.2, SchNet or PaiNN), converted once at start-up and
    offered in the model picker as ``FILE (SchNetPack)``; they are read without running code from them, and
    ``trust`` allows reading one the restricted reader cannot map (a pickle: that runs code from it).
    ``property`` and ``energy_unit`` choose their output and its unit (see :func:`insight.load_model`); the unit
    used is printed, and the picker says when it is assumed.
    """
    import insight

    from .state import Workbench

    bench = Workbench(device=device, model_dir=Path(model_dir).expanduser() if model_dir else None)
    for path in schnetpack_files:
        bench.add_schnetpack(Path(path).expanduser(), trust=trust, property=property, energy_unit=energy_unit)
    names = list(bench.model_folders())
    bench.default = model or default_model(names)
    if bench.default is None:
        raise insight.ModelFileError("no models found: the bundled models are missing and --model-dir has none")
    bench.model(bench.default)  # fail early, with a clear message, on an unknown or broken model
    return build_app(bench)


def build_app(bench):
    """The page (``layout.build_layout``) with every part's callbacks registered."""
    import dash

    import insight

    from .components import register_downloads
    from .layout import build_layout
    from .state import structure_to_json
    from .tabs import ANALYSIS_TABS, inputs, view

    app = dash.Dash(__name__, title="insight", suppress_callback_exceptions=True)
    first = insight.example(inputs.DEFAULT_EXAMPLE)
    app.layout = build_layout(bench, inputs.layout() + view.layout(bench, first),
                              [tab.layout() for tab in ANALYSIS_TABS], structure_to_json(first))
    for part in (inputs, view, *ANALYSIS_TABS):
        part.register(app, bench)
    register_downloads(app, bench, FIGURES)
    app.server.config["MAX_CONTENT_LENGTH"] = 2 * inputs.UPLOAD_LIMIT_BYTES  # base64 and form overhead
    return app


#: Every figure card of the page, for the PNG / SVG / CSV downloads.
FIGURES = ["distributions", "pair-relevance", "potential", "pair-sensitivity", "element-sensitivity", "alchemy",
           "alchemy-frame", "rings", "embeddings", "filters", "errors-by-size", "isomers"]


def serve(app, host: str, port: int, verbose: bool = False) -> None:
    """Serve on this machine with Flask's server; beyond it (``--host``) with waitress, a production WSGI server.

    Only errors and the address are logged unless ``verbose``.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.ERROR)
    print(f"insight-app running at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    if host in LOCAL_HOSTS:
        app.run(host=host, port=port, debug=False)
        return
    import waitress

    logging.getLogger("waitress").setLevel(logging.INFO if verbose else logging.ERROR)
    waitress.serve(app.server, host=host, port=port, threads=8)


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insight-app", description="The insight workbench in your browser.")
    parser.add_argument("--model", default=None,
                        help="model name to start with (default: the best bundled SchNet); models in --model-dir "
                             "are named 'FOLDER (user)'")
    parser.add_argument("--model-dir", default=None, help="a folder of your own model folders to offer as well")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one, printed at start-up)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--schnetpack", action="append", default=[], metavar="FILE",
                        help="a SchNetPack model file (best_model; 0.3 to 2.2, SchNet or PaiNN) to offer as well; "
                             "repeatable")
    parser.add_argument("--property", default=None,
                        help="the output of the --schnetpack files to show, e.g. energy_U0 (default: their only one)")
    parser.add_argument("--energy-unit", default=None,
                        help="its unit, e.g. kcal/mol (default: as the run's config.yaml beside the file records it, "
                             "else eV, which is then said to be assumed)")
    parser.add_argument("--verbose", action="store_true", help="log every request (default: errors and the address)")
    parser.add_argument("--trust", action="store_true",
                        help="read --schnetpack files the restricted reader cannot map by unpickling them, which runs "
                             "code from them; trusted files only")
    return parser


def build_parser_defaults() -> dict:
    return vars(build_parser().parse_args([]))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import insight

    try:
        insight.errors.require("dash", "app", "The insight-app web workbench")
        app = create_app(args.model, args.model_dir, args.device, args.schnetpack, args.trust, args.property,
                         args.energy_unit)
    except (insight.InsightError, ValueError) as err:
        print(f"insight-app: error: {err}", file=sys.stderr)
        return 2
    serve(app, args.host, args.port or free_port(args.host), verbose=args.verbose)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
