"""Inference throughput of insight and SchNetPack 2.2 on the same models and the same QM9 molecules.

    python benchmarks/schnetpack_comparison.py [--molecules 1000] [--threads 2] [--batch 100]

Builds SchNetPack's QM9 SchNet (its qm9_atomwise configuration: F = 128, T = 6, 20 Gaussians, 5 Å cosine
cutoff, SiLU output network) and PaiNN (F = 128, T = 3, the same basis) with random weights, converts each with
insight.models.schnetpack, checks that both codes give the same energies, then times energies (and energies +
forces) end to end, from structures to numbers, each with its own neighbour list (SchNetPack: matscipy;
insight: its own), and the model alone.

Latest (2026-12-02, 2 idle CPU cores, 1,000 QM9 molecules, batches of 100; molecules/s, SchNetPack 2.2 / insight):

| | SchNet F=128 T=6 | PaiNN F=128 T=3 |
|---|---|---|
| energies | 628 / 1,074 (1.71x) | 298 / 598 (2.01x) |
| energies + forces | 292 / 649 (2.22x) | 89 / 223 (2.50x) |
| energies, tabulated filters | 628 / 2,443 (3.89x) | 298 / 842 (2.83x) |
| model only, energies | 994 / 1,722 (1.73x) | 637 / 959 (1.50x) |

Largest energy difference between the two codes: 1.8e-5 eV (SchNet) and 3.8e-5 eV (PaiNN) in float32.
Needs the schnetpack extra: bash scripts/install_schnetpack.sh.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _common import best_of, qm9_molecules

from insight.models.schnetpack import from_schnetpack


def representations(spk, cutoff: float) -> dict:
    """SchNetPack's QM9 settings: SchNet (qm9_atomwise with model/representation=schnet) and PaiNN (its default)."""
    return {
        "SchNet F=128 T=6": lambda: spk.representation.SchNet(
            n_atom_basis=128, n_interactions=6, radial_basis=spk.nn.GaussianRBF(n_rbf=20, cutoff=cutoff),
            cutoff_fn=spk.nn.CosineCutoff(cutoff)),
        "PaiNN F=128 T=3": lambda: spk.representation.PaiNN(
            n_atom_basis=128, n_interactions=3, radial_basis=spk.nn.GaussianRBF(n_rbf=20, cutoff=cutoff),
            cutoff_fn=spk.nn.CosineCutoff(cutoff)),
    }


def compare(spk, make_representation, molecules, batch_size: int, cutoff: float) -> list[tuple]:
    import schnetpack.transform as trn

    torch.manual_seed(0)
    representation = make_representation()
    head = spk.atomistic.Atomwise(n_in=128, output_key="energy")

    def network(with_forces: bool):  # the same modules, with or without SchNetPack's Forces output
        outputs = [head] + ([spk.atomistic.Forces(energy_key="energy", force_key="forces")] if with_forces else [])
        return spk.model.NeuralNetworkPotential(
            representation=representation, input_modules=[spk.atomistic.PairwiseDistances()], output_modules=outputs,
            postprocessors=[trn.CastTo64(), trn.AddOffsets("energy", add_mean=True,
                                                          property_mean=torch.tensor(-4.0))]).eval()

    models = {False: network(False), True: network(True)}
    ours = from_schnetpack(models[True]).eval()
    atoms = [m.to_ase() for m in molecules]
    converter = spk.interfaces.AtomsConverter(neighbor_list=trn.MatScipyNeighborList(cutoff=cutoff),
                                              dtype=torch.float32)
    batches = [atoms[k : k + batch_size] for k in range(0, len(atoms), batch_size)]

    def spk_energies(with_forces: bool):
        out = []
        for batch in batches:
            inputs = converter(batch)
            if with_forces:
                out.append(models[True](inputs)["energy"].detach())
            else:
                with torch.no_grad():
                    out.append(models[False](inputs)["energy"])
        return torch.cat(out).numpy()

    def insight_energies(with_forces: bool, tabulate: bool = False):
        return ours.predict(molecules, forces=with_forces, batch_size=batch_size, tabulate=tabulate).energy

    reference, converted = spk_energies(False), insight_energies(False)
    tabulated = insight_energies(False, tabulate=True)
    print(f"same model: largest energy difference {np.max(np.abs(reference - converted)):.2e} eV "
          f"(float32) over {len(molecules)} QM9 molecules; with tabulated filters "
          f"{np.max(np.abs(reference - tabulated)):.2e} eV")
    rows = []
    for label, forces in (("energies", False), ("energies + forces", True)):
        rows.append((label, len(molecules) / best_of(lambda: spk_energies(forces)),
                     len(molecules) / best_of(lambda: insight_energies(forces))))
    rows.append(("energies, tabulated filters", rows[0][1],
                 len(molecules) / best_of(lambda: insight_energies(False, True))))
    spk_inputs = [converter(batch) for batch in batches]
    our_batches = [ours.batch(molecules[k : k + batch_size]) for k in range(0, len(molecules), batch_size)]

    def spk_model_only():
        with torch.no_grad():
            for inputs in spk_inputs:
                models[False](dict(inputs))

    def insight_model_only(tabulate: bool = False):
        with torch.no_grad():
            for batch in our_batches:
                ours(batch, tabulate=tabulate)

    spk_model_rate = len(molecules) / best_of(spk_model_only)
    rows.append(("model only, energies", spk_model_rate, len(molecules) / best_of(insight_model_only)))
    rows.append(("model only, tabulated filters", spk_model_rate,
                 len(molecules) / best_of(lambda: insight_model_only(True))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--molecules", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--only", choices=["SchNet", "PaiNN"], default=None, help="one architecture only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import schnetpack as spk

    cutoff = 5.0
    molecules = qm9_molecules(args.molecules)
    for name, make in representations(spk, cutoff).items():
        if args.only and not name.startswith(args.only):
            continue
        print(f"\n== {name}")
        rows = compare(spk, make, molecules, args.batch, cutoff)
        print(f"\n{args.threads} CPU threads, batches of {args.batch}, {name} (SchNetPack's QM9 setting)")
        print("| molecules/s | SchNetPack 2.2 | insight | ratio |")
        print("|---|---|---|---|")
        for label, spk_rate, our_rate in rows:
            print(f"| {label} | {spk_rate:,.0f} | {our_rate:,.0f} | {our_rate / spk_rate:.2f}x |")


if __name__ == "__main__":
    main()
