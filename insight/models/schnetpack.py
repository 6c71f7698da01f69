"""Convert SchNetPack 2.x SchNet models into insight models with identical outputs.

SchNetPack saves a whole pickled ``NeuralNetworkPotential`` as ``best_model``.
Unpickling runs code from the file, so :func:`load_schnetpack` reads it with
the restricted reader of :mod:`insight.models.safe_pickle` (nothing from the
file runs, SchNetPack need not be installed) and converts the records; a file
that reader cannot map needs ``trust=True``. Convert once (``insight convert
best_model -o folder``) and use the folder afterwards.

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
        ``False`` (the default) reads the file with :func:`~insight.models.safe_pickle.safe_load`, which runs
        nothing from it and needs no SchNetPack; a file that reader cannot map (classes from outside SchNetPack and
        ``torch.nn``) is refused, naming what it asked for. ``True`` unpickles it with SchNetPack, which runs code
        from the file: only for files you made or trust.
    property
        The output to convert (SchNetPack's ``output_key``).
    energy_unit
        Unit of that property (SchNetPack files do not record it); ``"eV"``
        for SchNetPack's QM9 and MD17 data modules.
    """
    path = Path(path)
    if not trust:
        record = _check_without_running(path)
        try:
            converted = from_schnetpack(record, property=property, energy_unit=energy_unit)
        except (AttributeError, IndexError, KeyError, TypeError) as err:  # a layout the records do not map
            raise ModelFileError(
                f"{path}: read without running code, but its layout could not be mapped ({type(err).__name__}: "
                f"{err}); if you trust the file, load it with trust=True (command line: --trust)") from err
        converted.card = converted.card.replace(source={"format": "schnetpack", "file": path.name,
                                                        "read": "restricted reader, no code from the file run"})
        return converted
    spk = _import_schnetpack()
    try:
        model = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # noqa: BLE001 - any unpickling failure: say which file and why
        raise ModelFileError(f"cannot read {path} as a SchNetPack model ({type(err).__name__}: {err})") from err
    converted = from_schnetpack(model, property=property, energy_unit=energy_unit)
    version = getattr(spk, "__version__", "2.x")
    converted.card = converted.card.replace(source={"format": "schnetpack", "file": path.name, "schnetpack": version})
    return converted


def _check_without_running(path: Path):
    """The file read by the restricted reader (nothing from it runs), refused where it is no SchNetPack model or
    one insight cannot convert."""
    from .safe_pickle import Record, safe_load

    record = safe_load(path)
    if not isinstance(record, Record) or not record.path.startswith("schnetpack."):
        raise ModelFileError(f"{path} is a PyTorch file but not a SchNetPack model ({type(record).__name__})")
    representation = getattr(record, "representation", None)
    if isinstance(representation, Record) and representation.name != "SchNet":
        raise UnsupportedSchNetPackModel(
            f"{path} is a SchNetPack {representation.name} model; insight converts SchNet only (PaiNN, SO3net "
            "and others have no insight counterpart yet)")
    return record


def _kind(obj: Any) -> str:
    """The class (or function) name of a SchNetPack object, read from the object or from its inert record, so
    the converter works on both without importing SchNetPack."""
    from .safe_pickle import Record

    if isinstance(obj, Record):
        return obj.name
    return getattr(obj, "__name__", None) if callable(obj) and not isinstance(obj, torch.nn.Module) \
        else type(obj).__name__


def from_schnetpack(model: Any, property: str = "energy", energy_unit: str = "eV") -> SchNet:
    """Convert a SchNetPack ``NeuralNetworkPotential``: the object itself (read with trust) or the records of
    :func:`~insight.models.safe_pickle.safe_load` (read without running anything); see :func:`load_schnetpack`."""
    kind = _kind(model)
    if kind != "NeuralNetworkPotential":
        raise UnsupportedSchNetPackModel(f"expected a SchNetPack NeuralNetworkPotential, got {kind}")
    representation = model.representation
    if _kind(representation) != "SchNet":
        raise UnsupportedSchNetPackModel(
            f"the representation is {_kind(representation)}; insight converts SchNet only "
            "(PaiNN, SO3net and others have no insight counterpart)")
    if len(getattr(representation, "electronic_embeddings", ())):  # absent in files of SchNetPack 2.0.x
        raise UnsupportedSchNetPackModel("electronic (charge/spin) embeddings are not supported")
    if _kind(representation.embedding) != "Embedding":
        raise UnsupportedSchNetPackModel(f"nuclear embedding {_kind(representation.embedding)} is not "
                                         "supported; only the plain embedding table")
    for module in model.input_modules:
        if _kind(module) != "PairwiseDistances":
            raise UnsupportedSchNetPackModel(f"input module {_kind(module)} is not supported")

    rbf = representation.radial_basis
    if _kind(rbf) != "GaussianRBF":
        raise UnsupportedSchNetPackModel(f"radial basis {_kind(rbf)} is not supported; only GaussianRBF")
    offsets, widths = rbf.offsets.detach().double(), rbf.widths.detach().double()
    spacing = float(offsets[1] - offsets[0])
    if abs(float(offsets[0])) > 1e-6 or not torch.allclose(offsets[1:] - offsets[:-1], torch.full_like(
            offsets[1:], spacing), atol=1e-5) or not torch.allclose(widths, widths[0].expand_as(widths)):
        raise UnsupportedSchNetPackModel("the Gaussian radial basis must start at 0 with equal spacing and widths")
    cutoff_fn = representation.cutoff_fn
    if _kind(cutoff_fn) != "CosineCutoff":
        raise UnsupportedSchNetPackModel(f"cutoff function {_kind(cutoff_fn)} is not supported; only "
                                         "CosineCutoff")
    cutoff = float(cutoff_fn.cutoff)

    interactions = list(representation.interactions)
    activation = _activation_name(interactions[0].f2out[0].activation, "interaction")
    outputs = [m for m in model.output_modules if _kind(m) not in ("Forces", "Strain")]
    atomwise = [m for m in outputs if _kind(m) == "Atomwise" and m.output_key == property]
    others = [f"{_kind(m)} ({getattr(m, 'output_key', '?')})" for m in outputs if m not in atomwise]
    if not atomwise:
        raise UnsupportedSchNetPackModel(f"no Atomwise output {property!r}; the model has: "
                                         f"{', '.join(others) or 'none'}")
    if others:
        raise UnsupportedSchNetPackModel(f"outputs other than {property!r} cannot be converted: {', '.join(others)}")
    head = atomwise[0]
    layers = [m for m in head.outnet if _kind(m) in ("Dense", "Linear")]
    if len(layers) != 2 or layers[1].out_features != 1:
        raise UnsupportedSchNetPackModel(f"the output network must have 2 layers and 1 output, got "
                                         f"{[(l.in_features, l.out_features) for l in layers]}")
    output_activation = _activation_name(layers[0].activation, "output network")
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
        has_forces = any(_kind(m) == "Forces" for m in model.output_modules)
        scale, mean, atomref = _postprocessing(model, property, head, converted.atomref.shape[0], has_forces)
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
    return module is not None and _kind(module) != "Identity"


def _activation_name(function: Any, where: str) -> str:
    name = _kind(function)
    if name == "shifted_softplus":
        return "ssp"
    if name in ("silu", "SiLU"):
        return "silu"
    raise UnsupportedSchNetPackModel(f"{where} activation {name!r} is not supported; only shifted softplus and SiLU")


def _copy(ours: torch.nn.Linear, theirs: torch.nn.Linear) -> None:
    if ours.weight.shape != theirs.weight.shape:
        raise UnsupportedSchNetPackModel(f"layer shapes differ: {tuple(theirs.weight.shape)} vs "
                                         f"{tuple(ours.weight.shape)}")
    ours.weight.copy_(theirs.weight)
    if (ours.bias is None) != (theirs.bias is None):
        raise UnsupportedSchNetPackModel("a layer's bias does not match")
    if ours.bias is not None:
        ours.bias.copy_(theirs.bias)


def _postprocessing(model, property, head, n_z, has_forces: bool) -> tuple[float, float, torch.Tensor]:
    """``(scale, mean per atom, atomref)`` such that ``E_i = scale * y_i + mean + atomref[Z_i]``."""
    scale, mean, atomref = 1.0, 0.0, torch.zeros(n_z, dtype=torch.float64)
    if not getattr(model, "do_postprocessing", True):
        return scale, mean, atomref
    intensive = head.aggregation_mode == "avg"
    for step in model.postprocessors:
        if _kind(step) == "CastTo64":
            continue
        if _kind(step) == "AddOffsets" and step._property == property:
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
        if _kind(step) == "ScaleProperty" and step.output_key == property and step.input_key == property:
            if has_forces:
                raise UnsupportedSchNetPackModel(
                    f"ScaleProperty scales {property!r} after SchNetPack computed the forces, so its forces are not "
                    "the gradient of its energy; insight's forces always are, so this model cannot be matched")
            factor = float(step.scale.reshape(-1)[0])
            scale, mean, atomref = scale * factor, mean * factor, atomref * factor
            continue
        raise UnsupportedSchNetPackModel(f"post-processing step {_kind(step)} is not supported")
    if not math.isfinite(scale + mean) or not torch.isfinite(atomref).all():
        raise UnsupportedSchNetPackModel("non-finite offsets or scale")
    return scale, mean, atomref
