"""SchNetPack 2.x SchNet models, built and saved as SchNetPack does, converted to insight with identical outputs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import aspirin, random_crystal

import insight

spk = pytest.importorskip("schnetpack", reason="SchNetPack is an optional extra: bash scripts/install_schnetpack.sh")
import schnetpack.transform as trn  # noqa: E402

from insight.models.schnetpack import UnsupportedSchNetPackModel, from_schnetpack  # noqa: E402


def spk_model(cutoff: float = 5.0, aggregation: str = "sum", offsets: bool = True, shared: bool = False,
              n_rbf: int = 25, seed: int = 0, scale: float | None = None, forces: bool = True):
    """A SchNetPack NeuralNetworkPotential as its configs build one, with random weights."""
    torch.manual_seed(seed)
    representation = spk.representation.SchNet(
        n_atom_basis=16, n_interactions=3, n_filters=12, shared_interactions=shared,
        radial_basis=spk.nn.GaussianRBF(n_rbf=n_rbf, cutoff=cutoff), cutoff_fn=spk.nn.CosineCutoff(cutoff))
    energy = spk.atomistic.Atomwise(n_in=16, output_key="energy", per_atom_output_key="energy_i",
                                    aggregation_mode=aggregation)
    postprocessors = [trn.CastTo64()]
    if scale is not None:
        postprocessors.append(trn.ScaleProperty("energy", scale=torch.tensor([scale])))
    if offsets:
        postprocessors.append(trn.AddOffsets("energy", add_mean=True, add_atomrefs=True,
                                             is_extensive=aggregation == "sum", property_mean=torch.tensor(-2.7),
                                             atomrefs=torch.randn(100, dtype=torch.float64)))
    model = spk.model.NeuralNetworkPotential(
        representation=representation, input_modules=[spk.atomistic.PairwiseDistances()],
        output_modules=[energy] + ([spk.atomistic.Forces(energy_key="energy", force_key="forces")] if forces else []),
        postprocessors=postprocessors)
    with torch.no_grad():  # no zero-initialised biases: every weight matters
        for name, parameter in model.named_parameters():
            parameter.copy_(0.4 * torch.randn_like(parameter))
    return model


def spk_predict(model, structure: insight.Structure, cutoff: float):
    """Energy, per-atom outputs and forces (if the model has them) from SchNetPack itself, in float64."""
    converter = spk.interfaces.AtomsConverter(neighbor_list=trn.ASENeighborList(cutoff=cutoff),
                                              dtype=torch.float64)
    inputs = converter(structure.to_ase())
    results = model.double()(inputs)
    forces = results["forces"].detach().numpy() if "forces" in results else None
    return results["energy"].detach().numpy(), results["energy_i"].detach().numpy().ravel(), forces


def assert_same(model, structure, cutoff, tolerance=1e-5):
    energy, per_atom, forces = spk_predict(model, structure, cutoff)
    converted = from_schnetpack(model).double()
    prediction = converted.predict(structure, forces=True)
    np.testing.assert_allclose(prediction.energy, energy, rtol=tolerance, atol=tolerance)
    if forces is not None:
        np.testing.assert_allclose(prediction.forces[0], forces, rtol=tolerance, atol=tolerance)
    # Contributions include SchNetPack's offsets: scale * y_i + mean + atomref[Z_i].
    steps = {type(p).__name__: p for p in model.postprocessors}
    scale = float(steps["ScaleProperty"].scale) if "ScaleProperty" in steps else 1.0
    expected = scale * per_atom
    if "AddOffsets" in steps:
        expected = expected + float(steps["AddOffsets"].mean) + steps["AddOffsets"].atomref.numpy()[structure.numbers]
    np.testing.assert_allclose(prediction.contributions[0], expected, rtol=tolerance, atol=tolerance)
    # The distance-table path (energies only) matches SchNetPack to the same tolerance.
    tabulated = converted.predict(structure, tabulate=True)
    np.testing.assert_allclose(tabulated.energy, energy, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(tabulated.contributions[0], expected, rtol=tolerance, atol=tolerance)
    return converted


def test_molecular_model_with_cutoff_and_offsets():
    molecule = aspirin()  # larger than the 5 Å cutoff: the neighbour list matters
    converted = assert_same(spk_model(cutoff=5.0), molecule, 5.0)
    assert converted.cutoff == 5.0 and converted.config.output_activation == "silu"


def test_molecular_model_covering_all_pairs():
    assert_same(spk_model(cutoff=30.0, n_rbf=60), aspirin(), 30.0)


def test_periodic_model():
    assert_same(spk_model(cutoff=4.0, seed=1), random_crystal(), 4.0)


def test_mean_aggregation_and_shared_interactions():
    assert_same(spk_model(aggregation="avg", shared=True, seed=2), random_crystal(5), 5.0)


def test_scaled_energies():
    assert_same(spk_model(scale=1.7, forces=False, seed=5), aspirin(), 5.0)
    # With a Forces output, SchNetPack scales the energy but not its forces: no model reproduces both.
    with pytest.raises(UnsupportedSchNetPackModel, match="not the gradient"):
        from_schnetpack(spk_model(scale=1.7))


def test_model_without_offsets():
    assert_same(spk_model(offsets=False, seed=3), aspirin(), 5.0)


class _UserStep(torch.nn.Module):
    """A post-processing step from the user's own code: outside what the restricted reader maps."""

    def forward(self, inputs):
        return inputs


def test_saved_best_model_converts_without_running_its_code(tmp_path):
    model = spk_model(seed=4)
    path = tmp_path / "best_model"
    torch.save(model, path)  # what SchNetPack's ModelCheckpoint does
    energy, _, _ = spk_predict(model, aspirin(), 5.0)
    safe = insight.load_model(path, device="cpu", dtype=torch.float64)  # restricted reader: nothing from it runs
    np.testing.assert_allclose(safe.predict(aspirin()).energy, energy, rtol=1e-5)
    assert safe.card.source["read"].startswith("restricted reader")
    trusted = insight.load_model(path, trust=True, device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(trusted.predict(aspirin()).energy, energy, rtol=1e-5)
    # `insight convert` writes insight's format once.
    result = subprocess.run([sys.executable, "-m", "insight.cli", "convert", str(path), "-o", str(tmp_path / "safe")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    converted = insight.load_model(tmp_path / "safe", device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(converted.predict(aspirin()).energy, energy, rtol=1e-5)
    aspirin().to_ase().write(tmp_path / "aspirin.xyz")
    predicted = subprocess.run([sys.executable, "-m", "insight.cli", "predict", str(tmp_path / "aspirin.xyz"),
                                "--model", str(path), "--trust", "--device", "cpu"], capture_output=True, text=True)
    assert predicted.returncode == 0 and "structure 0 (C9H8O4)" in predicted.stdout, predicted.stderr


def test_a_file_with_the_users_own_classes_needs_trust(tmp_path):
    model = spk_model(seed=5)
    model.postprocessors.append(_UserStep())
    path = tmp_path / "best_model"
    torch.save(model, path)
    with pytest.raises(insight.ModelFileError, match="_UserStep.*trust=True"):
        insight.load_model(path)
    refused = subprocess.run([sys.executable, "-m", "insight.cli", "convert", str(path), "-o", str(tmp_path / "x")],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "--trust" in refused.stderr


def test_unsupported_models_name_the_part(tmp_path):
    so3net = spk.model.NeuralNetworkPotential(
        representation=spk.representation.SO3net(n_atom_basis=8, n_interactions=1, lmax=1,
                                                 radial_basis=spk.nn.GaussianRBF(n_rbf=10, cutoff=5.0),
                                                 cutoff_fn=spk.nn.CosineCutoff(5.0)),
        input_modules=[spk.atomistic.PairwiseDistances()],
        output_modules=[spk.atomistic.Atomwise(n_in=8, output_key="energy")])
    with pytest.raises(UnsupportedSchNetPackModel, match="SO3net"):
        from_schnetpack(so3net)
    torch.save(so3net, tmp_path / "best_model")  # the restricted reader says so before anyone is asked to trust it
    with pytest.raises(UnsupportedSchNetPackModel, match="SchNetPack SO3net model"):
        insight.models.schnetpack.load_schnetpack(tmp_path / "best_model")
    model = spk_model()
    model.output_modules.append(spk.atomistic.DipoleMoment(n_in=16))
    with pytest.raises(UnsupportedSchNetPackModel, match="DipoleMoment"):
        from_schnetpack(model)
    with pytest.raises(UnsupportedSchNetPackModel, match="no Atomwise output 'gap'"):
        from_schnetpack(spk_model(), property="gap")


def test_app_offers_a_schnetpack_file(tmp_path):
    from insight_app.main import create_app, main
    from insight_app.state import Workbench

    unmapped = spk_model(seed=6)
    unmapped.postprocessors.append(_UserStep())
    torch.save(unmapped, tmp_path / "user_model")
    assert main(["--schnetpack", str(tmp_path / "user_model"), "--port", "1"]) == 2  # refused before serving
    path = tmp_path / "best_model"
    torch.save(spk_model(seed=6), path)
    bench = Workbench(device="cpu")
    name = bench.add_schnetpack(path, trust=False)  # read without running code from it
    assert name == "best_model (SchNetPack)" and name in [o["value"] for o in bench.model_options()]
    energy, _, _ = spk_predict(spk_model(seed=6), aspirin(), 5.0)
    np.testing.assert_allclose(bench.model(name).double().predict(aspirin()).energy, energy, rtol=1e-5)
    assert create_app("best_model (SchNetPack)", device="cpu", schnetpack_files=[path], trust=True) is not None
