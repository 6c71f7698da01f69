"""Start the insight workbench: ``insight-app [--model NAME] [--model-dir DIR] [--schnetpack FILE --trust] [--host H]
[--port P] [--device D]``."""

from __future__ import annotations

import argparse
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
               schnetpack_files: Sequence[str | Path] = (), trust: bool = False):
    """The Dash app (also used by the tests); ``model`` is a name from the registry.

    ``schnetpack_files`` are SchNetPack 2.x model files, converted once at start-up (they are pickles:
    ``trust`` must be given) and offered in the model picker as ``FILE (SchNetPack)``.
    """
    import insight

    from .state import Workbench
    from .workbench import build_app

    bench = Workbench(device=device, model_dir=Path(model_dir).expanduser() if model_dir else None)
    for path in schnetpack_files:
        bench.add_schnetpack(Path(path).expanduser(), trust=trust)
    names = list(bench.model_folders())
    bench.default = model or default_model(names)
    if bench.default is None:
        raise insight.ModelFileError("no models found: the bundled models are missing and --model-dir has none")
    bench.model(bench.default)  # fail early, with a clear message, on an unknown or broken model
    return build_app(bench)


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
                        help="a SchNetPack 2.x model file (best_model) to offer as well; repeatable; needs --trust")
    parser.add_argument("--trust", action="store_true",
                        help="allow reading --schnetpack files: they are pickles, and reading one runs code from it")
    return parser


def build_parser_defaults() -> dict:
    return vars(build_parser().parse_args([]))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import insight

    try:
        insight.errors.require("dash", "app", "The insight-app web workbench")
        app = create_app(args.model, args.model_dir, args.device, args.schnetpack, args.trust)
    except (insight.InsightError, ValueError) as err:
        print(f"insight-app: error: {err}", file=sys.stderr)
        return 2
    port = args.port or free_port(args.host)
    print(f"insight-app running at http://{args.host}:{port}/  (Ctrl+C to stop)", flush=True)
    app.run(host=args.host, port=port, debug=False)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
