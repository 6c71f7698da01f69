"""Write small SchNetPack model files with every release, and their reference outputs, for insight's tests.

Run once, from the repository root, with the project's venv (installed by ``scripts/install_schnetpack.sh``,
which provides SchNetPack's runtime dependencies)::

    .venv/bin/python scripts/schnetpack_fixtures.py            # all releases
    .venv/bin/python scripts/schnetpack_fixtures.py 0.3 2.2.0  # some

The side environments: for each release, ``pip download --no-deps schnetpack==V`` fetches the wheel, which is
unpacked into a temporary folder and put first on ``PYTHONPATH`` of a child Python; that child builds the models
with the release's own classes, gives every parameter random values (a fixed seed), saves each whole model with
``torch.save`` as SchNetPack's trainers do (``best_model``), and stores what that release computes for it.
Shims, applied only in the child, so that old releases import on today's NumPy and PyTorch:

- ``np.int`` and ``np.float`` (removed in NumPy 1.24), used by 0.3 and 1.0.1 to build their inputs;
- ``--ignore-requires-python``: 2.2.0 declares Python >= 3.12 but runs on 3.11;
- ``torch.utils.data.dataloader.T_co`` (removed from that module in PyTorch 2.x), imported by 2.0.x and 2.1.x.

Output (``tests/data/schnetpack/``), per release and model: ``<name>.pt``, the pickled model, and
``<name>.npz`` with ``numbers``, ``positions``, ``cell`` (zeros for molecules), ``n_atoms`` and, from the
release, ``energy``, ``forces`` and ``per_atom`` in float32 and ``energy64``, ``forces64`` in float64, plus the
offsets needed to turn SchNetPack's per-atom outputs into contributions (``mean``, ``atomref``,
``per_atom_includes_offsets``). ``manifest.json`` lists the files with the release and the model's settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

RELEASES = ("0.3", "1.0.1", "2.0.4", "2.1.1", "2.2.0")
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "schnetpack"
CUTOFF = 4.0
N_FEATURES, N_RBF, N_INTERACTIONS = 16, 12, 2
PROPERTY = "energy_U0"  # SchNetPack's own QM9 configuration names its energy so


def structures():
    """Two molecules (one longer than the cutoff) and a periodic cell, as ``ase.Atoms``."""
    import ase.build

    ethanol = ase.build.molecule("CH3CH2OH")
    butane = ase.build.molecule("trans-butane")  # C-H pairs beyond the 4 Å cutoff
    crystal = ase.build.bulk("Si", "diamond", a=5.43) * (1, 1, 2)
    crystal.rattle(0.05, seed=1)
    return [("ethanol", ethanol), ("butane", butane), ("silicon", crystal)]


def randomize(model, seed: int) -> None:
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)


def atomref_table(seed: int):
    import numpy as np

    table = np.random.default_rng(seed).normal(-10.0, 3.0, size=(100, 1)).astype(np.float32)
    table[0] = 0.0
    return table


# -- child: SchNetPack 0.3 and 1.x ---------------------------------------------------------------------------
def legacy_models(spk):
    import torch

    version = spk_version(spk)
    models = {}
    for name, cutoff_network in (("schnet", None), ("schnet-cosine", spk.nn.cutoff.CosineCutoff),
                                 ("schnet-hard", spk.nn.cutoff.HardCutoff)):
        if name == "schnet":  # the release's default cutoff (hard in 0.3, cosine in 1.x)
            kwargs = {}
        elif (name == "schnet-hard") == version.startswith("0."):
            continue  # the default already covers it
        else:
            kwargs = {"cutoff_network": cutoff_network}
        representation = spk.representation.SchNet(
            n_atom_basis=N_FEATURES, n_filters=N_FEATURES, n_interactions=N_INTERACTIONS, cutoff=CUTOFF,
            n_gaussians=N_RBF, **kwargs)
        output = spk.atomistic.Atomwise(
            n_in=N_FEATURES, property=PROPERTY, contributions="contributions", derivative="forces",
            negative_dr=True, mean=torch.FloatTensor([-2.5]), stddev=torch.FloatTensor([1.7]),
            atomref=atomref_table(7))
        model = spk.atomistic.AtomisticModel(representation, output)
        randomize(model, 11)
        models[name] = model
    return models


def legacy_outputs(spk, model, atoms, dtype):
    import numpy as np
    import torch
    from schnetpack import Properties
    from schnetpack.environment import AseEnvironmentProvider, SimpleEnvironmentProvider

    provider = AseEnvironmentProvider(CUTOFF + 1.0) if atoms.pbc.any() else SimpleEnvironmentProvider()
    neighbors, offsets = provider.get_environment(atoms)
    mask = neighbors >= 0
    inputs = {
        Properties.Z: torch.as_tensor(atoms.numbers[None], dtype=torch.long),
        Properties.atom_mask: torch.ones((1, len(atoms)), dtype=dtype),
        Properties.R: torch.as_tensor(atoms.positions[None], dtype=dtype),
        Properties.neighbor_mask: torch.as_tensor(mask[None], dtype=dtype),
        Properties.neighbors: torch.as_tensor((neighbors * mask)[None], dtype=torch.long),
        Properties.cell: torch.as_tensor(np.asarray(atoms.cell)[None], dtype=dtype),
        Properties.cell_offset: torch.as_tensor(offsets[None], dtype=dtype),
    }
    result = model(inputs)
    return (result[PROPERTY].detach().reshape(-1).numpy(), result["forces"].detach()[0].numpy(),
            result["contributions"].detach()[0].reshape(-1).numpy())


# -- child: SchNetPack 2.x -----------------------------------------------------------------------------------
def modern_models(spk):
    import torch

    trn = spk.transform
    version = spk_version(spk)
    representations = {"schnet": lambda: spk.representation.SchNet(
        n_atom_basis=N_FEATURES, n_interactions=N_INTERACTIONS,
        radial_basis=spk.nn.GaussianRBF(n_rbf=N_RBF, cutoff=CUTOFF), cutoff_fn=spk.nn.CosineCutoff(CUTOFF))}
    if version.startswith("2.2"):
        for name, shared in (("painn", False), ("painn-shared", True)):
            representations[name] = lambda shared=shared: spk.representation.PaiNN(
                n_atom_basis=N_FEATURES, n_interactions=N_INTERACTIONS,
                radial_basis=spk.nn.GaussianRBF(n_rbf=N_RBF, cutoff=CUTOFF), cutoff_fn=spk.nn.CosineCutoff(CUTOFF),
                shared_interactions=shared, shared_filters=shared)
        representations["so3net"] = lambda: spk.representation.SO3net(
            n_atom_basis=N_FEATURES, n_interactions=N_INTERACTIONS, lmax=1,
            radial_basis=spk.nn.GaussianRBF(n_rbf=N_RBF, cutoff=CUTOFF), cutoff_fn=spk.nn.CosineCutoff(CUTOFF))
    models = {}
    for name, make in representations.items():
        atomwise = spk.atomistic.Atomwise(n_in=N_FEATURES, output_key=PROPERTY, per_atom_output_key="per_atom")
        forces = spk.atomistic.Forces(energy_key=PROPERTY, force_key="forces")
        # set after construction, as a data module would: 2.0.x cannot take the tensors as arguments
        offsets = trn.AddOffsets(PROPERTY, add_mean=True, add_atomrefs=True, is_extensive=True, zmax=100)
        offsets.atomref = torch.as_tensor(atomref_table(7)[:, 0])
        offsets.mean = torch.tensor([-2.5])
        model = spk.model.NeuralNetworkPotential(
            representation=make(), input_modules=[spk.atomistic.PairwiseDistances()],
            output_modules=[atomwise, forces], postprocessors=[trn.CastTo64(), offsets])
        randomize(model, 11)
        models[name] = model
    return models


def modern_outputs(spk, model, atoms, dtype):
    import numpy as np

    converter = spk.interfaces.AtomsConverter(neighbor_list=spk.transform.ASENeighborList(cutoff=CUTOFF),
                                              dtype=dtype)
    result = model(converter(atoms))
    return (result[PROPERTY].detach().reshape(-1).numpy(), result["forces"].detach().numpy(),
            result["per_atom"].detach().reshape(-1).numpy().astype(np.float64))


def spk_version(spk) -> str:
    return os.environ["SCHNETPACK_RELEASE"]


def child(release: str, out: Path) -> None:
    import numpy as np

    np.int, np.float = int, float  # shim: removed in NumPy 1.24, used by 0.3 and 1.x
    import torch
    import torch.utils.data.dataloader as dataloader
    from typing import TypeVar

    if not hasattr(dataloader, "T_co"):  # shim: imported by 2.0.x and 2.1.x
        dataloader.T_co = TypeVar("T_co", covariant=True)
    import schnetpack as spk

    assert Path(spk.__file__).resolve().is_relative_to(Path(os.environ["PYTHONPATH"]).resolve()), spk.__file__
    legacy = release.startswith(("0.", "1."))
    models = legacy_models(spk) if legacy else modern_models(spk)
    outputs = legacy_outputs if legacy else modern_outputs
    manifest = {}
    for name, model in models.items():
        stem = f"{release}-{name}"
        model.eval()
        torch.save(model, out / f"{stem}.pt")
        columns: dict[str, list] = {key: [] for key in ("energy", "forces", "per_atom", "energy64", "forces64")}
        numbers, positions, cells, n_atoms, failures = [], [], [], [], []
        for label, atoms in structures():
            try:
                energy, forces, per_atom = outputs(spk, model.float(), atoms, torch.float32)
                energy64, forces64, _ = outputs(spk, model.double(), atoms, torch.float64)
            except Exception as err:  # noqa: BLE001 - recorded: the release itself cannot evaluate it
                failures.append(f"{label}: {type(err).__name__}: {err}")
                continue
            for key, value in zip(columns, (energy, forces, per_atom, energy64, forces64)):
                columns[key].append(np.asarray(value, dtype=np.float64))
            numbers.append(atoms.numbers)
            positions.append(atoms.positions)
            cells.append(np.asarray(atoms.cell) if atoms.pbc.any() else np.zeros((3, 3)))
            n_atoms.append(len(atoms))
        model.float()
        np.savez_compressed(
            out / f"{stem}.npz", numbers=np.concatenate(numbers), positions=np.concatenate(positions),
            cell=np.stack(cells), n_atoms=np.array(n_atoms), mean=np.array(-2.5), atomref=atomref_table(7)[:, 0],
            per_atom_includes_offsets=np.array(legacy),
            **{key: np.concatenate([np.reshape(v, (-1,) if key.startswith("energy") or key == "per_atom"
                                               else (-1, 3)) for v in values]) for key, values in columns.items()})
        manifest[stem] = {"release": release, "representation": name, "property": PROPERTY, "cutoff": CUTOFF,
                          "n_features": N_FEATURES, "n_rbf": N_RBF, "n_interactions": N_INTERACTIONS,
                          "structures": [label for label, _ in structures()][: len(n_atoms)],
                          "not_evaluated": failures}
    (out / f"manifest-{release}.json").write_text(json.dumps(manifest, indent=1) + "\n")


def main(releases: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for release in releases:
            wheels = Path(scratch) / "wheels"
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--ignore-requires-python",
                            "--dest", str(wheels), f"schnetpack=={release}"], check=True)
            (wheel,) = wheels.glob(f"schnetpack-{release}-*.whl")
            source = Path(scratch) / release
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(source)
            env = dict(os.environ, PYTHONPATH=str(source), SCHNETPACK_RELEASE=release)
            subprocess.run([sys.executable, __file__, "--child", release], check=True, env=env)
            print(f"schnetpack {release}: {', '.join(sorted(p.stem for p in OUT.glob(f'{release}-*.pt')))}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], OUT)
    else:
        main(sys.argv[1:] or list(RELEASES))
