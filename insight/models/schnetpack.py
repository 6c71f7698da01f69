"""Convert SchNetPack 2.x SchNet models into insight models with identical outputs.

SchNetPack saves a whole pickled ``NeuralNetworkPotential`` as ``best_model``.
Unpickling runs code from the file, so :func:`load_schnetpack` refuses unless
called with ``trust=True``; convert once (``insight convert best_model -o
folder --trust``) and use the safe folder afterwards.

What maps: the SchNet representation (embedding, Gaussian radial basis starting
at 0, cosine cutoff, interaction blocks with shifted softplus or SiLU, shared
or not), one ``Atomwise`` output with a two-layer output network and sum or
mean aggregation, the ``Forces``/``Strain`` response modules (insight computes
forces by autograd itself), and the post-processing ``CastTo64``,
``AddOffsets`` (mean per atom and atom references) and ``ScaleProperty``. The
atom-wise contributions of the converted model include SchNetPack's offsets:
``E_i = s y_i + mean + atomref[Z_i]``, so they sum (or average) to its energy.
Anything else (PaiNN, SO3net, dipole or polarizability outputs, other radial
bases or cutoffs) raises :class:`UnsupportedSchNetPackModel` naming it.

The neighbour list is not part of a SchNetPack model; the converted model uses
the cutoff of the representation's cutoff function, as SchNetPack's standard
configurations do.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelFileError
from .card import ModelCard
from .schnet import SchNet, SchNetConfig

__all__ = ["UnsupportedSchNetPackModel", "load_schnetpack", "from_schnetpack", "SCHNETPACK_INSTALL"]

SCHNETPACK_INSTALL = "bash scripts/install_schnetpack.sh (installs schnetpack 2.2 and its runtime dependencies)"


class UnsupportedSchNetPackModel(ModelFileError):
    """The SchNetPack model uses a part insight cannot represent."""


def _import_schnetpack():
    try:
        import schnetpack
    except ImportError as err:
        raise ModelFileError(f"reading SchNetPack models needs schnetpack; install it with {SCHNETPACK_INSTALL}") \
            from err
    return schnetpack


def load_schnetpack(path: str | os.PathLike, trust: bool = False, property: str = "energy",
                    energy_unit: str = "eV") -> SchNet:
    """A SchNetPack 2.x model file (e.g. ``best_model``) as an insight SchNet.

    Parameters
    ----------
    trust
        Must be ``True``: the file is a pickle and loading it runs code from it.
        Only load files you made or trust.
    property
        The output to convert (SchNetPack's ``output_key``).
    energy_unit
        Unit of that property (SchNetPack files do not record it); ``"eV"``
        for SchNetPack's QM9 and MD17 data modules.
    """
    path = Path(path)
    if not trust:
        _check_without_running(path)
        raise ModelFileError(
            f"{path} looks like a SchNetPack model: a pickle, and loading it runs code from the file. Pass "
            "trust=True (command line: --trust) only for files you trust, then save it in insight's safe format "
            "with `insight convert`.")
    spk = _import_schnetpack()
    try:
        model = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - any unpickling failure: say which file and why
        raise ModelFileError(f"cannot read {path} as a SchNetPack model ({type(err).__name__}: {err})") from err
    converted = from_schnetpack(model, property=property, energy_unit=energy_unit)
    version = getattr(spk, "__version__", "2.x")
    converted.card = converted.card.replace(source={"format": "schnetpack", "file": path.name, "schnetpack": version})
    return converted


def _check_without_running(path: Path) -> None:
    """Read the file with the restricted reader (nothing from it runs) and refuse what could not be converted
    anyway, so that nobody is asked to trust a file insight would then refuse."""
    from .safe_pickle import Record, safe_load

    record = safe_load(path)
    if not isinstance(record, Record) or not record.path.startswith("schnetpack."):
        raise ModelFileError(f"{path} is a PyTorch file but not a SchNetPack model ({type(record).__name__})")
    representation = getattr(record, "representation", None)
    if isinstance(representation, Record) and representation.name != "SchNet":
        raise UnsupportedSchNetPackModel(
            f"{path} is a SchNetPack {representation.name} model; insight converts SchNet only (PaiNN, SO3net "
            "and others have no insight counterpart yet)")


def from_schnetpack(model: Any, property: str = "energy", energy_unit: str = "eV") -> SchNet:
    """Convert an in-memory SchNetPack ``NeuralNetworkPotential`` (see :func:`load_schnetpack`)."""
    spk = _import_schnetpack()
    from schnetpack.atomistic import Atomwise, Forces, PairwiseDistances, Strain
    from schnetpack.nn.activations import shifted_softplus
    from schnetpack.nn.cutoff import CosineCutoff
    from schnetpack.nn.radial import GaussianRBF
    from schnetpack.representation import SchNet as SpkSchNet
    from schnetpack.transform import AddOffsets, CastTo64, ScaleProperty

    kind = type(model).__name__
    if not isinstance(model, spk.model.NeuralNetworkPotential):
        raise UnsupportedSchNetPackModel(f"expected a SchNetPack NeuralNetworkPotential, got {kind}")
    representation = model.representation
    if not isinstance(representation, SpkSchNet):
        raise UnsupportedSchNetPackModel(
            f"the representation is {type(representation).__name__}; insight converts SchNet only "
            "(PaiNN, SO3net and others have no insight counterpart)")
    if len(getattr(representation, "electronic_embeddings", ())):  # absent in files of SchNetPack 2.0.x
        raise UnsupportedSchNetPackModel("electronic (charge/spin) embeddings are not supported")
    if not isinstance(representation.embedding, torch.nn.Embedding):
        raise UnsupportedSchNetPackModel(f"nuclear embedding {type(representation.embedding).__name__} is not "
                                         "supported; only the plain embedding table")
    for module in model.input_modules:
        if not isinstance(module, PairwiseDistances):
            raise UnsupportedSchNetPackModel(f"input module {type(module).__name__} is not supported")

    rbf = representation.radial_basis
    if not isinstance(rbf, GaussianRBF):
        raise UnsupportedSchNetPackModel(f"radial basis {type(rbf).__name__} is not supported; only GaussianRBF")
    offsets, widths = rbf.offsets.detach().double(), rbf.widths.detach().double()
    spacing = float(offsets[1] - offsets[0])
    if abs(float(offsets[0])) > 1e-6 or not torch.allclose(offsets[1:] - offsets[:-1], torch.full_like(
            offsets[1:], spacing), atol=1e-5) or not torch.allclose(widths, widths[0].expand_as(widths)):
        raise UnsupportedSchNetPackModel("the Gaussian radial basis must start at 0 with equal spacing and widths")
    cutoff_fn = representation.cutoff_fn
    if not isinstance(cutoff_fn, CosineCutoff):
        raise UnsupportedSchNetPackModel(f"cutoff function {type(cutoff_fn).__name__} is not supported; only "
                                         "CosineCutoff")
    cutoff = float(cutoff_fn.cutoff)

    interactions = list(representation.interactions)
    activation = _activation_name(interactions[0].f2out[0].activation, shifted_softplus, "interaction")
    outputs = [m for m in model.output_modules if not isinstance(m, (Forces, Strain))]
    atomwise = [m for m in outputs if isinstance(m, Atomwise) and m.output_key == property]
    others = [f"{type(m).__name__} ({getattr(m, 'output_key', '?')})" for m in outputs if m not in atomwise]
    if not atomwise:
        raise UnsupportedSchNetPackModel(f"no Atomwise output {property!r}; the model has: "
                                         f"{', '.join(others) or 'none'}")
    if others:
        raise UnsupportedSchNetPackModel(f"outputs other than {property!r} cannot be converted: {', '.join(others)}")
    head = atomwise[0]
    layers = [m for m in head.outnet if isinstance(m, torch.nn.Linear)]
    if len(layers) != 2 or layers[1].out_features != 1:
        raise UnsupportedSchNetPackModel(f"the output network must have 2 layers and 1 output, got "
                                         f"{[(l.in_features, l.out_features) for l in layers]}")
    output_activation = _activation_name(layers[0].activation, shifted_softplus, "output network")
    if head.aggregation_mode not in ("sum", "avg"):
        raise UnsupportedSchNetPackModel(f"aggregation {head.aggregation_mode!r} is not supported")

    config = SchNetConfig(
        n_features=representation.n_atom_basis,
        n_filters=representation.n_filters,
        n_interactions=len(interactions),
        rbf_stop=float(offsets[-1]),
        rbf_spacing=spacing,
        rbf_gamma=0.5 / float(widths[0]) ** 2,
        cutoff=cutoff,
        cosine_cutoff=True,
        neighbor_average=False,
        pooling="sum" if head.aggregation_mode == "sum" else "mean",
        n_output_hidden=layers[0].out_features,
        filter_last_activation=_is_activation(interactions[0].filter_network[1].activation),
        max_z=representation.embedding.num_embeddings - 1,
        activation=activation,
        output_activation=output_activation,
    )
    converted = SchNet(config)
    if converted.rbf.n_rbf != len(offsets):
        raise UnsupportedSchNetPackModel(f"radial basis of {len(offsets)} Gaussians could not be rebuilt")
    with torch.no_grad():
        converted.rbf.centers.copy_(offsets.to(converted.rbf.centers.dtype))
        converted.embedding.weight.copy_(representation.embedding.weight)
        for ours, theirs in zip(converted.interactions, interactions):
            _copy(ours.in2f, theirs.in2f)
            _copy(ours.filter_network.layers[0], theirs.filter_network[0])
            _copy(ours.filter_network.layers[1], theirs.filter_network[1])
            _copy(ours.f2out, theirs.f2out[0])
            _copy(ours.dense, theirs.f2out[1])
        _copy(converted.output_network[0], layers[0])
        _copy(converted.output_network[1], layers[1])
        has_forces = any(isinstance(m, Forces) for m in model.output_modules)
        scale, mean, atomref = _postprocessing(model, property, head, AddOffsets, CastTo64, ScaleProperty,
                                               converted.atomref.shape[0], has_forces)
        converted.stddev.fill_(scale)
        converted.mean.fill_(mean)
        converted.atomref.copy_(atomref)
    converted.card = ModelCard(
        name="schnetpack-model",
        architecture="schnet",
        hyperparameters=converted.hyperparameters(),
        energy_unit=energy_unit,
        target=property,
        description="converted from a SchNetPack 2.x SchNet model",
    )
    return converted.eval()


def _is_activation(module: Any) -> bool:
    return module is not None and not isinstance(module, torch.nn.Identity)


def _activation_name(function: Any, shifted_softplus: Any, where: str) -> str:
    if function is shifted_softplus or getattr(function, "__name__", "") == "shifted_softplus":
        return "ssp"
    if function is torch.nn.functional.silu or isinstance(function, torch.nn.SiLU):
        return "silu"
    raise UnsupportedSchNetPackModel(f"{where} activation {getattr(function, '__name__', function)!r} is not "
                                     "supported; only shifted softplus and SiLU")


def _copy(ours: torch.nn.Linear, theirs: torch.nn.Linear) -> None:
    if ours.weight.shape != theirs.weight.shape:
        raise UnsupportedSchNetPackModel(f"layer shapes differ: {tuple(theirs.weight.shape)} vs "
                                         f"{tuple(ours.weight.shape)}")
    ours.weight.copy_(theirs.weight)
    if (ours.bias is None) != (theirs.bias is None):
        raise UnsupportedSchNetPackModel("a layer's bias does not match")
    if ours.bias is not None:
        ours.bias.copy_(theirs.bias)


def _postprocessing(model, property, head, AddOffsets, CastTo64, ScaleProperty, n_z,
                    has_forces: bool) -> tuple[float, float, torch.Tensor]:
    """``(scale, mean per atom, atomref)`` such that ``E_i = scale * y_i + mean + atomref[Z_i]``."""
    scale, mean, atomref = 1.0, 0.0, torch.zeros(n_z, dtype=torch.float64)
    if not getattr(model, "do_postprocessing", True):
        return scale, mean, atomref
    intensive = head.aggregation_mode == "avg"
    for step in model.postprocessors:
        if isinstance(step, CastTo64):
            continue
        if isinstance(step, AddOffsets) and step._property == property:
            if step.is_extensive == intensive:
                raise UnsupportedSchNetPackModel("AddOffsets and the Atomwise aggregation disagree on whether "
                                                 f"{property!r} is extensive")
            if step.add_mean:
                mean += float(step.mean.reshape(-1)[0])
            if step.add_atomrefs:
                reference = step.atomref.detach().double().reshape(-1)
                if len(reference) > n_z:
                    raise UnsupportedSchNetPackModel(f"atom references for {len(reference)} elements; at most {n_z}")
                atomref[: len(reference)] += reference
            continue
        if isinstance(step, ScaleProperty) and step.output_key == property and step.input_key == property:
            if has_forces:
                raise UnsupportedSchNetPackModel(
                    f"ScaleProperty scales {property!r} after SchNetPack computed the forces, so its forces are not "
                    "the gradient of its energy; insight's forces always are, so this model cannot be matched")
            factor = float(step.scale.reshape(-1)[0])
            scale, mean, atomref = scale * factor, mean * factor, atomref * factor
            continue
        raise UnsupportedSchNetPackModel(f"post-processing step {type(step).__name__} is not supported")
    if not math.isfinite(scale + mean) or not torch.isfinite(atomref).all():
        raise UnsupportedSchNetPackModel("non-finite offsets or scale")
    return scale, mean, atomref
