"""The record that ties docs/screenshots to the app they show: a hash of the page's layout.

``benchmarks/app_responsiveness.py --screenshots`` writes ``manifest.json`` next to the PNGs; a test recomputes
the hash, so a change to what the page shows that is not followed by new screenshots fails the suite. The hash
covers the component tree (types, ids, labels, styles) and the style sheet, not figures, option lists or values,
which follow the models and data rather than the layout.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "manifest.json"
#: Properties that hold data rather than layout.
_DATA_PROPS = ("figure", "data", "options", "value", "columns", "max")


def _describe(node):
    from dash.development.base_component import Component

    if isinstance(node, Component):
        props = node.to_plotly_json()["props"]
        return [type(node).__name__, {k: _describe(v) for k, v in sorted(props.items()) if k not in _DATA_PROPS}]
    if isinstance(node, (list, tuple)):
        return [_describe(item) for item in node]
    return node if isinstance(node, (str, int, float, bool, type(None), dict)) else str(node)


def layout_hash() -> str:
    from insight_app.main import create_app

    tree = _describe(create_app("schnet-qm9", device="cpu").layout)
    digest = hashlib.sha256(json.dumps(tree, sort_keys=True, default=str).encode())
    for css in sorted((ROOT / "app" / "assets").glob("*.css")):
        digest.update(css.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()[:16]


def write_manifest(folder: Path, model: str, crystal: str | None = None) -> None:
    shots = sorted(p.name for p in Path(folder).glob("*.png"))
    record = {"layout_hash": layout_hash(), "model": model, "crystal": crystal, "screenshots": shots}
    (Path(folder) / MANIFEST).write_text(json.dumps(record, indent=2) + "\n")


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text())
