"""The ``insight`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

__all__ = ["main"]


def _cmd_models(args: argparse.Namespace) -> int:
    from .models import list_pretrained, load_model

    names = list_pretrained()
    if not names:
        print("no bundled models installed")
    for name in names:
        card = load_model(name, device="cpu").card
        metrics = card.get("metrics", {})
        mae = metrics.get("test_mae")
        mae_text = f"test MAE {mae:.3f} {card.get('units', {}).get('energy', '')}" if mae is not None else ""
        print(f"{name:20s} {card['architecture']:7s} T={card['hyperparameters']['n_interactions']}  {mae_text}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .models import load_model

    model = load_model(args.model, device="cpu")
    print(json.dumps(model.card, indent=2, ensure_ascii=False))
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from .io import read
    from .models import load_model

    model = load_model(args.model, device=args.device)
    structures = read(args.file, format=args.format, index=None)
    prediction = model.predict(structures, forces=args.forces)
    rows = []
    for k, (structure, contributions) in enumerate(zip(structures, prediction.contributions)):
        for i, (symbol, e_i) in enumerate(zip(structure.symbols, contributions)):
            row = {"structure": k, "atom": i, "element": symbol, "E_i": float(e_i)}
            if args.forces:
                row.update(zip(("F_x", "F_y", "F_z"), prediction.forces[k][i].tolist()))
            rows.append(row)
    table = pd.DataFrame(rows)
    for k, energy in enumerate(prediction.energy):
        print(f"structure {k} ({structures[k].formula}): E = {energy:.4f} {prediction.unit}")
    if args.output:
        table.to_csv(args.output, index=False)
        print(f"atom-wise contributions written to {args.output}")
    else:
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insight", description="Analyse what DTNN and SchNet models learned.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list the bundled pretrained models")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("info", help="print a model's card")
    p.add_argument("model", help="bundled model name or model folder")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("predict", help="energy and atom-wise contributions of the structures in a file")
    p.add_argument("file", help="structure file (xyz, extxyz, sdf, mol, cif)")
    p.add_argument("--model", default="schnet-qm9", help="bundled model name or model folder")
    p.add_argument("--format", default=None, help="file format if the extension does not say")
    p.add_argument("--forces", action="store_true", help="also print forces")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--output", "-o", default=None, help="write the atom-wise table to this CSV file")
    p.set_defaults(func=_cmd_predict)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .structures import StructureError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (StructureError, ValueError, FileNotFoundError) as err:
        print(f"insight {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
