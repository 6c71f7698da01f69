"""The ``insight`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from typing import Sequence

from .errors import ArgumentError

__all__ = ["main"]


def _cmd_models(args: argparse.Namespace) -> int:
    from .models.files import pretrained_aliases, pretrained_cards

    cards = pretrained_cards()  # cards only: no weights are read
    if not cards:
        print("no bundled models installed")
        return 0
    aliases: dict[str, list[str]] = {}
    for alias, target in pretrained_aliases().items():
        aliases.setdefault(target, []).append(alias)
    rows = [("model", "aliases", "architecture", "data", "target", "test MAE")]
    for name, card in cards.items():
        mae = f"{card.test_mae:.3f} {card.energy_unit}" if card.test_mae is not None else "-"
        rows.append((name, ", ".join(aliases.get(name, [])) or "-", f"{card.architecture} T={card.n_interactions}",
                     card.dataset or "-", card.target or "-", mae))
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .models.card import read_card
    from .models.files import resolve_model_folder
    from .zoo import render_card

    card = read_card(resolve_model_folder(args.model))
    if args.json:
        print(json.dumps(card.to_dict(), indent=2, ensure_ascii=False))
    else:
        text = render_card(card)
        print(text.split("\nHyperparameters:")[0].rstrip() if not args.full else text)
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from .io import read
    from .models import load_model

    model = load_model(args.model, device=args.device, trust=args.trust, property=args.property,
                       energy_unit=args.energy_unit)
    _say_schnetpack_unit(model)
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


def _say_schnetpack_unit(model) -> None:
    """A converted SchNetPack model: say which energy unit is used and where it comes from (files do not
    record it)."""
    if model.card.source.get("format") == "schnetpack":
        from .models.schnetpack import unit_note

        print(f"{model.card.source.get('file')}: {model.card.architecture} output {model.card.target!r}, "
              f"{unit_note(model)}")


def _parse_hyperparameters(pairs: Sequence[str]) -> dict:
    values = {}
    for item in pairs:
        key, _, raw = item.partition("=")
        if not raw:
            raise ArgumentError(f"hyperparameter {item!r} must look like name=value, e.g. n_interactions=6")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    return values


def _cmd_train(args: argparse.Namespace) -> int:
    from .training import TrainingConfig, train

    hyperparameters = _parse_hyperparameters(args.set or [])
    if args.interactions is not None:
        hyperparameters["n_interactions"] = args.interactions
    config = TrainingConfig(
        architecture=args.architecture,
        hyperparameters=hyperparameters,
        dataset=args.dataset,
        rho=args.rho,
        target=args.target,
        n_train=args.n_train,
        n_validation=args.n_validation,
        split_seed=args.split_seed,
        train_subset=args.train_subset,
        seed=args.seed,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        lr_schedule=args.schedule,
        plateau_patience=args.plateau_patience,
        max_epochs=args.max_epochs,
        early_stopping_patience=args.patience,
        max_hours=args.hours,
        ema_decay=args.ema,
        restart_lr=args.restart_lr,
        loss=args.loss,
        name=args.name,
    )
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    best = train(config, args.output, device=args.device, progress=not args.quiet, compile=args.compile)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, the first process speaks for all
        print(f"best model: {best}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, packed_test_data
    from .models import load_model, load_split, save_model
    from .models.files import resolve_model_folder

    model = load_model(args.model, device=args.device)
    folder = resolve_model_folder(args.model)
    split = load_split(folder)
    data = packed_test_data(model, split)
    print(f"evaluating {model.name} on its {args.split} split ({len(split[args.split]):,} structures) ...",
          file=sys.stderr, flush=True)
    result = evaluate(model, data, split[args.split], progress=True)
    unit = model.energy_unit
    print(f"{model.name} on the {args.split} split ({result.n} structures): "
          f"MAE {result.mae:.4f} {unit}, RMSE {result.rmse:.4f} {unit}")
    print(result.per_size.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.update_card:
        metrics = {**model.card.metrics, f"{args.split}_mae": result.mae, f"{args.split}_rmse": result.rmse,
                   f"n_{args.split}": result.n}
        save_model(model, folder, model.card.replace(metrics=metrics))
        print(f"card of {folder} updated")
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from .zoo import publish

    extra = {"status": args.status} if args.status else {}
    if args.note:
        extra["notes"] = tuple(args.note)
    folder = publish(args.best, args.name, args.destination, description=args.description, extra=extra,
                     refit_offset=args.refit_offset, progress=not args.quiet)
    from .models.card import read_card

    card = read_card(folder)
    print(f"published {args.name} to {folder}: test MAE {card.test_mae:.4f} {card.energy_unit} on "
          f"{card.metrics['n_test']} test structures")
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from .models import save_model
    from .models.schnetpack import load_schnetpack

    model = load_schnetpack(args.file, trust=args.trust, property=args.property, energy_unit=args.energy_unit)
    save_model(model, args.output, model.card.replace(name=args.name or model.card.name))
    _say_schnetpack_unit(model)
    architecture = {"schnet": "SchNet", "painn": "PaiNN"}[model.architecture]
    print(f"{args.file} (SchNetPack {architecture}, T={model.n_interactions}, cutoff {model.cutoff} Å) written to "
          f"{args.output} in insight's format: load it with insight.load_model({str(args.output)!r}), no --trust "
          "needed")
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from .data.flla import fetch_flla, load_flla

    fetch_flla(source=args.source, progress=not args.quiet, force=args.force)
    flla = load_flla()
    elements = len(set(flla.numbers.tolist()))
    print(f"FLLA: {len(flla)} crystals, {len(flla.numbers)} atoms, {elements} elements")
    return 0


def _cmd_data_generate_md(args: argparse.Namespace) -> int:
    from .data.md import METHOD, generate_md, trajectory_path

    output = args.output or trajectory_path(args.molecule)
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.frames, desc=f"{args.molecule} MD ({METHOD}, {args.temperature:g} K)", unit="frame",
                   mininterval=2.0, disable=None)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    trajectory = generate_md(args.molecule, args.frames, temperature=args.temperature, interval=args.interval,
                             seed=args.seed, progress=progress)
    if bar is not None:
        bar.close()
    path = trajectory.save(output)
    energies = trajectory.energies
    print(f"{path}: {len(trajectory)} frames of {args.molecule} ({METHOD}), energy spread "
          f"{energies.std():.2f} kcal/mol, mean |F| {abs(trajectory.forces).mean():.2f} kcal/mol/Å")
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    from .data.flla import flla_csv_path
    from .data.md import trajectory_path
    from .data.registry import dataset_entry, dataset_names

    for name in dataset_names():
        entry = dataset_entry(name)
        protocol = entry.protocol
        if name == "flla":
            path = flla_csv_path()
            where = f"fetched: {path}" if path.is_file() else "not fetched: run `insight data fetch flla`"
        elif name.startswith("md:"):
            molecule = name[3:]
            path = trajectory_path(molecule)
            where = (f"generated: {path}" if path.is_file()
                     else f"not generated: run `insight data generate-md {molecule}`")
        else:
            where = "from the qm9pack package"
        print(f"{name:18s} {entry.description}; default target {protocol.default_target}, split "
              f"{protocol.n_train:,} train / {protocol.n_validation:,} validation / rest test [{where}]")
    return 0


def _schnetpack_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--property", default=None,
                        help="SchNetPack files: the output to use, e.g. energy_U0 (default: the model's only one)")
    parser.add_argument("--energy-unit", default=None,
                        help="SchNetPack files: its unit, e.g. kcal/mol (default: as the run's config.yaml beside the "
                             "file records it, else eV, which is then said to be assumed)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insight", description="Analyse what DTNN and SchNet models learned.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list the bundled pretrained models")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("info", help="a model's card, as a readable summary")
    p.add_argument("model", help="bundled model name or model folder")
    p.add_argument("--json", action="store_true", help="the raw card.json instead")
    p.add_argument("--full", action="store_true", help="with all hyperparameters and notes")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("predict", help="energy and atom-wise contributions of the structures in a file")
    p.add_argument("file", help="structure file (xyz, extxyz, sdf, mol, cif)")
    p.add_argument("--model", default="schnet-qm9", help="bundled model name or model folder")
    p.add_argument("--format", default=None, help="file format if the extension does not say")
    p.add_argument("--forces", action="store_true", help="also print forces")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--output", "-o", default=None, help="write the atom-wise table to this CSV file")
    p.add_argument("--trust", action="store_true",
                   help="read a SchNetPack file the restricted reader cannot map by unpickling it (runs code from "
                        "it); trusted files only")
    _schnetpack_output_options(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("train", help="train DTNN, SchNet or PaiNN (resumes if OUTPUT holds a run)")
    p.add_argument("architecture", choices=["schnet", "dtnn", "painn"])
    p.add_argument("--output", "-o", required=True, help="run folder (checkpoint, log.csv, best/)")
    p.add_argument("--interactions", "-T", type=int, default=None, help="number of interaction passes T")
    p.add_argument("--set", nargs="*", metavar="NAME=VALUE", help="other hyperparameters, e.g. cutoff=5.0")
    p.add_argument("--dataset", default="qm9",
                   help="qm9 (molecules), flla (Materials Project crystals; `insight data fetch flla` first) or "
                        "md:MOLECULE (a trajectory from `insight data generate-md MOLECULE`)")
    p.add_argument("--rho", type=float, default=None,
                   help="train on energies and forces with Eq. 5.7's trade-off rho (thesis: 0.01); MD data only")
    p.add_argument("--target", default=None, help="property (default: U0 for qm9, formation_energy_per_atom for flla)")
    p.add_argument("--n-train", type=int, default=None, help="default: 110,000 (qm9), 3,000 (flla)")
    p.add_argument("--n-validation", type=int, default=None, help="default: 10,000 (qm9), 438 (flla)")
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--train-subset", type=int, default=None, metavar="N",
                   help="train on only N of the split's training items, keeping its validation and test sets "
                        "(nested subsets for a learning curve)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    # The names of insight.training.LR_SCHEDULES, listed here so that `insight --help` need not import torch.
    p.add_argument("--schedule", choices=["exponential", "plateau", "budget"], default="exponential",
                   help="exponential: the thesis' 0.96 per 100k steps; plateau: halve on stalled validation; "
                        "budget: decay linearly to 0 at the end of --hours (a resumed run may switch to it)")
    p.add_argument("--plateau-patience", type=int, default=8, help="epochs without improvement before halving lr")
    p.add_argument("--max-epochs", type=int, default=10_000)
    p.add_argument("--patience", type=int, default=None,
                   help="early stopping after this many epochs without improvement (default: 60; none with "
                        "--schedule budget, which trains to the end of its --hours)")
    p.add_argument("--hours", type=float, default=None, help="stop (resumably) after this many hours")
    p.add_argument("--ema", type=float, default=None, metavar="DECAY",
                   help="validate and publish an exponential moving average of the weights (e.g. 0.995)")
    # The names of insight.training.ENERGY_LOSSES.
    p.add_argument("--loss", choices=["mse", "mae"], default="mse",
                   help="what energy training minimises: mse (the thesis' squared error) or mae (the absolute error)")
    p.add_argument("--restart-lr", type=float, default=None, metavar="LR",
                   help="budget schedule, resumed after its budget was spent: decay linearly from LR to 0 at --hours")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--device", default=None)
    p.add_argument("--compile", action=argparse.BooleanOptionalAction, default=True,
                   help="compile the training step with torch.compile (default; the same steps to round-off, "
                        "faster after a first minute; eager where it cannot run). --no-compile: eager")
    p.add_argument("--name", default=None, help="model name for its card")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("convert", help="convert a SchNetPack model file (best_model, 0.3 to 2.2; SchNet or PaiNN) to "
                                       "insight's safe format")
    p.add_argument("file", help="SchNetPack model file, e.g. best_model")
    p.add_argument("--output", "-o", required=True, help="model folder to write")
    p.add_argument("--trust", action="store_true",
                   help="read a file the restricted reader cannot map by unpickling it, which runs code from it; "
                        "only for files you trust")
    _schnetpack_output_options(p)
    p.add_argument("--name", default=None, help="model name for the card")
    p.set_defaults(func=_cmd_convert)

    p = sub.add_parser("data", help="datasets: fetch the FLLA crystals, list what is available")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    q = data_sub.add_parser("fetch", help="download a dataset once into the cache folder")
    q.add_argument("dataset", choices=["flla"], help="flla: 3,938 Materials Project crystals from matminer 0.4.0")
    q.add_argument("--from", dest="source", default=None,
                   help="use a local matminer-0.4.0.tar.gz or flla_2015.csv instead of downloading")
    q.add_argument("--force", action="store_true", help="fetch again even if already cached")
    q.add_argument("--quiet", action="store_true")
    q.set_defaults(func=_cmd_data_fetch)
    q = data_sub.add_parser("generate-md", help="an MD17-like trajectory with GFN2-xTB (tblite) at 500 K")
    q.add_argument("molecule", help="benzene, toluene, malonaldehyde, 'salicylic acid', aspirin, ethanol, uracil, "
                                    "naphthalene, or a SMILES")
    q.add_argument("--frames", type=int, default=3000, help="frames to record (default 3000)")
    q.add_argument("--interval", type=int, default=10, help="MD steps of 0.5 fs between frames (default 10)")
    q.add_argument("--temperature", type=float, default=500.0, help="Kelvin (default 500, as MD17)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--output", "-o", default=None, help="file (default: the cache, for --dataset md:MOLECULE)")
    q.add_argument("--quiet", action="store_true")
    q.set_defaults(func=_cmd_data_generate_md)
    q = data_sub.add_parser("info", help="the datasets insight trains on and whether they are available")
    q.set_defaults(func=_cmd_data_info)

    p = sub.add_parser("evaluate", help="MAE and RMSE of a model on its recorded split, per molecule size")
    p.add_argument("model", help="bundled model name or model folder (with split.npz)")
    p.add_argument("--split", default="test", choices=["train", "validation", "test"])
    p.add_argument("--device", default=None)
    p.add_argument("--update-card", action="store_true", help="write the metrics into the model card")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("publish", help="evaluate a run's best model on its test split and add it to pretrained/")
    p.add_argument("best", help="a run's best/ folder")
    p.add_argument("--name", required=True, help="zoo name, e.g. schnet-qm9")
    p.add_argument("--destination", default=None, help="folder to write (default: pretrained/NAME)")
    p.add_argument("--description", default=None)
    p.add_argument("--status", default=None, help="e.g. 'interim: training continues'")
    p.add_argument("--note", action="append", default=None, help="a line for the card's notes (repeatable)")
    p.add_argument("--refit-offset", action="store_true",
                   help="refit the energy offset on the training structures first (models trained on forces)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_publish)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import InsightError

    args = build_parser().parse_args(argv)

    def print_warning(message, category, filename, lineno, file=None, line=None):  # one line, no source excerpt
        print(f"insight {args.command}: warning: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = print_warning
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"insight {args.command}: interrupted", file=sys.stderr)
        return 130
    except (InsightError, ValueError, OSError) as err:
        print(f"insight {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - one line, never a traceback; INSIGHT_DEBUG=1 shows it
        if os.environ.get("INSIGHT_DEBUG"):
            raise
        print(f"insight {args.command}: unexpected error ({type(err).__name__}: {err}); run again with "
              "INSIGHT_DEBUG=1 for the traceback and please report it", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
