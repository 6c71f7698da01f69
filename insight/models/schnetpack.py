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
from .painn import PaiNN, PaiNNConfig
from .schnet import SchNet, SchNetConfig

__all__ = ["UnsupportedSchNetPackModel", "load_schnetpack", "from_schnetpack", "recorded_unit", "unit_note",
           "SCHNETPACK_INSTALL"]

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


def load_schnetpack(path: str | os.PathLike, trust: bool = False, property: str | None = None,
                    energy_unit: str | None = None) -> SchNet | PaiNN:
    """A SchNetPack model file (``best_model``, any release from 0.3 to 2.2) as an insight SchNet or PaiNN.

    Parameters
    ----------
    trust
        ``False`` (the default) reads the file with :func:`~insight.models.safe_pickle.safe_load`, which runs
        nothing from it and needs no SchNetPack; a file that reader cannot map (classes from outside SchNetPack and
        ``torch.nn``) is refused, naming what it asked for. ``True`` unpickles it with SchNetPack, which runs code
        from the file: only for files you made or trust.
    property
        The output to convert (SchNetPack's ``output_key``, ``property`` in 0.3/1.x), e.g. ``"energy_U0"`` for
        SchNetPack's QM9 configuration. ``None``: the model's only ``Atomwise`` output.
    energy_unit
        Unit of that property. ``None``: read from the training run's ``config.yaml`` next to the file
        (``data.property_units``), else eV assumed; ``model.card.source["energy_unit"]`` says which.
    """
    path = Path(path)
    if not trust:
        record = _check_without_running(path)
        try:
            property = property or _only_output(record)
            converted = from_schnetpack(record, property=property, energy_unit=energy_unit or "eV")
        except (AttributeError, IndexError, KeyError, TypeError) as err:  # a layout the records do not map
            raise ModelFileError(
                f"{path}: read without running code, but its layout could not be mapped ({type(err).__name__}: "
                f"{err}); if you trust the file, load it with trust=True (command line: --trust)") from err
        source = {"format": "schnetpack", "file": path.name, "read": "restricted reader, no code from the file run"}
    else:
        from .safe_pickle import UnsafePickleError, trusted_load

        spk = _import_schnetpack()
        try:
            model = trusted_load(path)
        except (UnsafePickleError, ModelFileError):
            raise
        except Exception as err:  # noqa: BLE001 - any unpickling failure: say which file and why
            raise ModelFileError(f"cannot read {path} as a SchNetPack model ({type(err).__name__}: {err})") from err
        property = property or _only_output(model)
        converted = from_schnetpack(model, property=property, energy_unit=energy_unit or "eV")
        source = {"format": "schnetpack", "file": path.name, "schnetpack": getattr(spk, "__version__", "2.x")}
    if energy_unit is None:
        recorded = recorded_unit(path, property)
        source["energy_unit"] = "config.yaml" if recorded else "assumed"
        if recorded:
            converted.card = converted.card.replace(energy_unit=recorded)
    else:
        source["energy_unit"] = "given"
    converted.card = converted.card.replace(source=source)
    return converted


def _only_output(model: Any) -> str:
    """The key of the model's only ``Atomwise`` output; several or none: say which there are."""
    keys = [getattr(m, "output_key", None) or getattr(m, "property", None) for m in model.output_modules
            if _kind(m) == "Atomwise"]
    if len(keys) != 1:
        raise UnsupportedSchNetPackModel(
            f"the model has {len(keys)} Atomwise outputs ({', '.join(map(str, keys)) or 'none'}); choose one with "
            "property=... (command line: --property)")
    return keys[0]


def recorded_unit(path: Path, property: str) -> str | None:
    """The unit SchNetPack's training run recorded for ``property``: ``data.property_units`` in the
    ``config.yaml`` that ``spktrain`` writes next to ``best_model``; ``None`` where there is none."""
    import yaml

    from ..units import ENERGY_UNITS_IN_EV

    config_path = Path(path).parent / "config.yaml"
    if not config_path.is_file() or config_path.stat().st_size > 1_000_000:
        return None
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    data = config.get("data") if isinstance(config, dict) else None
    units = data.get("property_units") if isinstance(data, dict) else None
    unit = units.get(property) if isinstance(units, dict) else None
    if not isinstance(unit, str):
        return None
    known = {name.lower(): name for name in ENERGY_UNITS_IN_EV}
    known.update({"ha": "Hartree", "hartree": "Hartree", "kcal/mol": "kcal/mol", "ev": "eV"})
    if unit.strip().lower() not in known:
        raise UnsupportedSchNetPackModel(f"{config_path} gives {property!r} in {unit!r}, which insight does not know; "
                                         f"pass energy_unit= (one of {', '.join(ENERGY_UNITS_IN_EV)})")
    return known[unit.strip().lower()]


def unit_note(model) -> str:
    """One line on where the converted model's energy unit comes from, for the command line and the app."""
    origin = model.card.source.get("energy_unit")
    if origin == "assumed":
        return (f"energy unit {model.energy_unit} assumed: the file does not record it (no config.yaml beside it); "
                "give the right one with --energy-unit (kcal/mol for SchNetPack's MD17 configurations)")
    if origin == "config.yaml":
        return f"energy unit {model.energy_unit}, as recorded in the training run's config.yaml"
    return f"energy unit {model.energy_unit}"


def _check_without_running(path: Path):
    """The file read by the restricted reader (nothing from it runs), refused where it is no SchNetPack model or
    one insight cannot convert."""
    from .safe_pickle import Record, safe_load

    record = safe_load(path)
    if not isinstance(record, Record) or not record.path.startswith("schnetpack."):
        raise ModelFileError(f"{path} is a PyTorch file but not a SchNetPack model ({type(record).__name__})")
    representation = getattr(record, "representation", None)
    if isinstance(representation, Record) and representation.name not in ("SchNet", "PaiNN"):
        raise UnsupportedSchNetPackModel(
            f"{path} is a SchNetPack {representation.name} model; insight converts SchNet and PaiNN ("
            f"{representation.name} has no insight counterpart yet)")
    return record


def _kind(obj: Any) -> str:
    """The class (or function) name of a SchNetPack object, read from the object or from its inert record, so
    the converter works on both without importing SchNetPack."""
    from .safe_pickle import Record

    if isinstance(obj, Record):
        return obj.name
    return getattr(obj, "__name__", None) if callable(obj) and not isinstance(obj, torch.nn.Module) \
        else type(obj).__name__


def from_schnetpack(model: Any, property: str | None = None, energy_unit: str = "eV") -> SchNet | PaiNN:
    """Convert a SchNetPack ``NeuralNetworkPotential``: the object itself (read with trust) or the records of
    :func:`~insight.models.safe_pickle.safe_load` (read without running anything); see :func:`load_schnetpack`."""
    kind = _kind(model)
    property = property or _only_output(model)
    if kind == "AtomisticModel":
        return _from_legacy(model, property, energy_unit)
    if kind != "NeuralNetworkPotential":
        raise UnsupportedSchNetPackModel(f"expected a SchNetPack NeuralNetworkPotential (2.x) or AtomisticModel "
                                         f"(0.3, 1.x), got {kind}")
    representation = model.representation
    architecture = _kind(representation)
    if architecture not in ("SchNet", "PaiNN"):
        raise UnsupportedSchNetPackModel(
            f"the representation is {architecture}; insight converts SchNet and PaiNN (SO3net and others have no "
            "insight counterpart)")
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
    offsets, spacing, widths = _gaussian_grid(rbf.offsets, rbf.widths)
    cutoff_fn = representation.cutoff_fn
    if _kind(cutoff_fn) != "CosineCutoff":
        raise UnsupportedSchNetPackModel(f"cutoff function {_kind(cutoff_fn)} is not supported; only "
                                         "CosineCutoff")
    cutoff = float(cutoff_fn.cutoff)

    interactions = list(representation.interactions)
    outputs = [m for m in model.output_modules if _kind(m) not in ("Forces", "Strain")]
    head = _atomwise_head(outputs, property, "output_key")
    layers = _two_layers(head.outnet)
    output_activation = _activation_name(layers[0].activation, "output network")
    if head.aggregation_mode not in ("sum", "avg"):
        raise UnsupportedSchNetPackModel(f"aggregation {head.aggregation_mode!r} is not supported")

    shared = dict(
        n_features=representation.n_atom_basis,
        n_interactions=len(interactions),
        rbf_stop=float(offsets[-1]),
        rbf_spacing=spacing,
        rbf_gamma=0.5 / float(widths[0]) ** 2,
        cutoff=cutoff,
        cosine_cutoff=True,
        pooling="sum" if head.aggregation_mode == "sum" else "mean",
        n_output_hidden=layers[0].out_features,
        max_z=representation.embedding.num_embeddings - 1,
        output_activation=output_activation,
    )
    if architecture == "PaiNN":
        converted = _painn_from(representation, shared, offsets, layers)
    else:
        config = SchNetConfig(
            **shared, n_filters=representation.n_filters, neighbor_average=False,
            filter_last_activation=_is_activation(interactions[0].filter_network[1].activation),
            activation=_activation_name(interactions[0].f2out[0].activation, "interaction"))
        converted = _schnet_with(config, offsets, representation.embedding.weight, layers, [
            (block.in2f, block.filter_network[0], block.filter_network[1], block.f2out[0], block.f2out[1])
            for block in interactions])
    with torch.no_grad():
        has_forces = any(_kind(m) == "Forces" for m in model.output_modules)
        scale, mean, atomref = _postprocessing(model, property, head, converted.atomref.shape[0], has_forces)
        converted.stddev.fill_(scale)
        converted.mean.fill_(mean)
        converted.atomref.copy_(atomref)
    converted.card = ModelCard(
        name="schnetpack-model",
        architecture=converted.architecture,
        hyperparameters=converted.hyperparameters(),
        energy_unit=energy_unit,
        target=property,
        description=f"converted from a SchNetPack 2.x {architecture} model",
    )
    return converted.eval()


def _painn_from(representation: Any, shared: dict, offsets: torch.Tensor, output_layers: list) -> PaiNN:
    """An insight PaiNN with the weights of SchNetPack's ``PaiNN`` representation."""
    messages, updates = list(representation.interactions), list(representation.mixing)
    shared_interactions = all(m is messages[0] for m in messages) and all(u is updates[0] for u in updates)
    if len(messages) > 1 and not shared_interactions and (any(m is messages[0] for m in messages[1:])
                                                          or any(u is updates[0] for u in updates[1:])):
        raise UnsupportedSchNetPackModel("PaiNN blocks shared in part are not supported")
    config = PaiNNConfig(
        **shared, shared_interactions=shared_interactions,
        shared_filters=bool(getattr(representation, "share_filters", False)),
        epsilon=float(updates[0].epsilon),
        activation=_activation_name(messages[0].interatomic_context_net[0].activation, "interaction"))
    converted = PaiNN(config)
    if converted.rbf.n_rbf != len(offsets):
        raise UnsupportedSchNetPackModel(f"radial basis of {len(offsets)} Gaussians could not be rebuilt")
    with torch.no_grad():
        converted.rbf.centers.copy_(offsets.to(converted.rbf.centers.dtype))
        converted.embedding.weight.copy_(representation.embedding.weight)
        _copy(converted.filter_network, representation.filter_net)
        blocks = zip(converted.messages, converted.updates, messages, updates)
        for ours_message, ours_update, message, update in list(blocks)[: 1 if shared_interactions else None]:
            _copy(ours_message.context[0], message.interatomic_context_net[0])
            _copy(ours_message.context[1], message.interatomic_context_net[1])
            _copy(ours_update.context[0], update.intraatomic_context_net[0])
            _copy(ours_update.context[1], update.intraatomic_context_net[1])
            _copy(ours_update.vector_mix, update.mu_channel_mix)
        _copy(converted.output_network[0], output_layers[0])
        _copy(converted.output_network[1], output_layers[1])
    return converted


def _from_legacy(model: Any, property: str, energy_unit: str) -> SchNet:
    """A SchNetPack 0.3 or 1.x ``AtomisticModel``: the same SchNet, with the cfconv's last dense layer and the
    block's dense layer in two modules, a hard or cosine cutoff, and the offsets inside the ``Atomwise`` output
    (``standardize``: ``y_i * stddev + mean``, then ``atomref``), so its contributions already are insight's
    ``E_i``."""
    representation = model.representation
    if _kind(representation) != "SchNet":
        raise UnsupportedSchNetPackModel(f"the representation is {_kind(representation)}; insight converts SchNet "
                                         "only (the 0.3/1.x wACSF representation has no insight counterpart)")
    if getattr(representation, "charged_systems", False):
        raise UnsupportedSchNetPackModel("the charge embedding (charged_systems=True) is not supported")
    expansion = representation.distance_expansion
    if _kind(expansion) != "GaussianSmearing" or getattr(expansion, "centered", False):
        raise UnsupportedSchNetPackModel(f"distance expansion {_kind(expansion)} is not supported; only "
                                         "GaussianSmearing (not centered)")
    offsets, spacing, widths = _gaussian_grid(expansion.offsets, expansion.width)
    interactions = list(representation.interactions)
    convolutions = [block.cfconv for block in interactions]
    cutoff_kinds = {_kind(conv.cutoff_network) for conv in convolutions}
    if len(cutoff_kinds) != 1 or not cutoff_kinds <= {"HardCutoff", "CosineCutoff"}:
        raise UnsupportedSchNetPackModel(f"cutoff network {', '.join(sorted(cutoff_kinds))} is not supported; only "
                                         "HardCutoff and CosineCutoff")
    if any(getattr(conv.agg, "average", False) for conv in convolutions):
        raise UnsupportedSchNetPackModel(
            "normalize_filter=True is not supported: SchNetPack 0.3/1.x divide by the neighbour-list size, which "
            "is not part of the model file")
    head = _atomwise_head(list(model.output_modules), property, "property")
    networks = [m for m in head.out_net if _kind(m) == "MLP"]
    if len(networks) != 1:
        raise UnsupportedSchNetPackModel("the output network must be SchNetPack's MLP on the representation")
    layers = _two_layers(networks[0].out_net)
    pool = _kind(head.atom_pool)
    if pool != "Aggregate":
        raise UnsupportedSchNetPackModel(f"aggregation {pool} is not supported; only sum and avg")
    config = SchNetConfig(
        n_features=representation.n_atom_basis,
        n_filters=convolutions[0].in2f.out_features,
        n_interactions=len(interactions),
        rbf_stop=float(offsets[-1]),
        rbf_spacing=spacing,
        rbf_gamma=0.5 / float(widths[0]) ** 2,
        cutoff=float(convolutions[0].cutoff_network.cutoff.reshape(-1)[0]),
        cosine_cutoff=cutoff_kinds == {"CosineCutoff"},
        neighbor_average=False,
        pooling="mean" if getattr(head.atom_pool, "average", False) else "sum",
        n_output_hidden=layers[0].out_features,
        filter_last_activation=_is_activation(convolutions[0].filter_network[1].activation),
        max_z=representation.embedding.num_embeddings - 1,
        activation=_activation_name(convolutions[0].f2out.activation, "interaction"),
        output_activation=_activation_name(layers[0].activation, "output network"),
    )
    if _is_activation(interactions[0].dense.activation):
        raise UnsupportedSchNetPackModel("an activation after the interaction's last dense layer is not supported")
    converted = _schnet_with(config, offsets, representation.embedding.weight, layers, [
        (conv.in2f, conv.filter_network[0], conv.filter_network[1], conv.f2out, block.dense)
        for conv, block in zip(convolutions, interactions)])
    with torch.no_grad():
        converted.stddev.fill_(float(head.standardize.stddev.reshape(-1)[0]))
        converted.mean.fill_(float(head.standardize.mean.reshape(-1)[0]))
        if head.atomref is not None:
            reference = head.atomref.weight.detach().reshape(-1)
            if len(reference) > converted.atomref.shape[0]:
                raise UnsupportedSchNetPackModel(f"atom references for {len(reference)} elements; at most "
                                                 f"{converted.atomref.shape[0]}")
            converted.atomref.zero_()[: len(reference)] = reference.to(converted.atomref.dtype)
    converted.card = ModelCard(name="schnetpack-model", architecture="schnet",
                               hyperparameters=converted.hyperparameters(), energy_unit=energy_unit, target=property,
                               description="converted from a SchNetPack 0.3/1.x SchNet model")
    return converted.eval()


def _atomwise_head(outputs: list, property: str, key: str) -> Any:
    """The ``Atomwise`` module among ``outputs`` whose ``key`` (``output_key`` in 2.x, ``property`` in 0.3/1.x) is
    ``property``; refused, naming what there is, when it is missing or other outputs would be lost."""
    heads = [m for m in outputs if _kind(m) == "Atomwise" and getattr(m, key, None) == property]
    others = [f"{_kind(m)} ({getattr(m, key, '?')})" for m in outputs if m not in heads]
    if not heads:
        raise UnsupportedSchNetPackModel(f"no Atomwise output {property!r}; the model has: "
                                         f"{', '.join(others) or 'none'}")
    if others:
        raise UnsupportedSchNetPackModel(f"outputs other than {property!r} cannot be converted: {', '.join(others)}")
    return heads[0]


def _two_layers(network: Any) -> list:
    """The dense layers of an output network, which must be two, ending in one output."""
    layers = [m for m in network if _kind(m) in ("Dense", "Linear")]
    if len(layers) != 2 or layers[1].out_features != 1:
        raise UnsupportedSchNetPackModel(f"the output network must have 2 layers and 1 output, got "
                                         f"{[(layer.in_features, layer.out_features) for layer in layers]}")
    return layers


def _gaussian_grid(offsets: torch.Tensor, widths: torch.Tensor) -> tuple[torch.Tensor, float, torch.Tensor]:
    """Centres, spacing and widths of a Gaussian basis, checked to be insight's grid: from 0, equally spaced,
    equal widths."""
    offsets, widths = offsets.detach().double().reshape(-1), widths.detach().double().reshape(-1)
    spacing = float(offsets[1] - offsets[0])
    if abs(float(offsets[0])) > 1e-6 or not torch.allclose(offsets[1:] - offsets[:-1], torch.full_like(
            offsets[1:], spacing), atol=1e-5) or not torch.allclose(widths, widths[0].expand_as(widths)):
        raise UnsupportedSchNetPackModel("the Gaussian radial basis must start at 0 with equal spacing and widths")
    return offsets, spacing, widths


def _schnet_with(config: SchNetConfig, offsets: torch.Tensor, embedding: torch.Tensor, output_layers: list,
                 blocks: list[tuple]) -> SchNet:
    """An insight SchNet with SchNetPack's weights; ``blocks`` holds, per interaction, the layers in insight's
    order (in2f, filter layer 1, filter layer 2, f2out, dense)."""
    converted = SchNet(config)
    if converted.rbf.n_rbf != len(offsets):
        raise UnsupportedSchNetPackModel(f"radial basis of {len(offsets)} Gaussians could not be rebuilt")
    with torch.no_grad():
        converted.rbf.centers.copy_(offsets.to(converted.rbf.centers.dtype))
        converted.embedding.weight.copy_(embedding)
        for ours, theirs in zip(converted.interactions, blocks):
            for layer, source in zip((ours.in2f, *ours.filter_network.layers, ours.f2out, ours.dense), theirs):
                _copy(layer, source)
        _copy(converted.output_network[0], output_layers[0])
        _copy(converted.output_network[1], output_layers[1])
    return converted


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
