"""insight: an interpretability workbench for DTNN and SchNet.

>>> import insight
>>> mol = insight.from_smiles("c1ccccc1")
>>> model = insight.SchNet(n_interactions=2)          # or insight.load_model("schnet-qm9")
>>> model.predict(mol).energy.shape
(1,)

Analyses return typed results (small frozen dataclasses whose fields carry their
units, with ``.to_frame()`` where a table fits) or DataFrames; ``insight.plots``
turns each into a plotly figure, e.g. ``insight.plots.potential.isosurface_figure``.
Units: :mod:`insight.units`; the thesis' numbers: :mod:`insight.thesis`; checks
for any model: :mod:`insight.testing`.
"""

from . import testing, thesis, units
from .analysis.accuracy import (
    IsomerRanking,
    LearningCurve,
    Predictions,
    error_distribution,
    errors_by_size,
    isomer_ranking,
    largest_errors,
    learning_curve,
    prediction_table,
)
from .analysis.alchemy import (
    AlchemicalEnergy,
    AlchemicalFrames,
    AlchemicalPath,
    AlchemicalState,
    PathLinearity,
    alchemical_end_state,
    alchemical_energy,
    alchemical_frames,
    alchemical_path,
    benzene_to_triazine,
    path_linearity,
    relax_state,
)
from .analysis.embeddings import (
    EmbeddingGroupStructure,
    EmbeddingPCA,
    element_family,
    embedding_group_structure,
    embedding_pca,
    periodic_table_position,
)
from .analysis.ensemble import Ensemble, EnsemblePrediction, EnsembleProbe
from .analysis.filters import (
    FilterCuts,
    block_similarity,
    filter_cuts,
    filter_excursions,
    n_filter_blocks,
    radial_filters,
)
from .analysis.partition import (
    AtomwiseEnergies,
    Contributions,
    atomwise_energies,
    compare_models,
    contributions_over_dataset,
    element_summary,
    partition_agreement,
    with_totals,
)
from .analysis.potential import (
    Isosurface,
    PotentialGrid,
    RegionContrast,
    hydrogen_saturation,
    isosurface,
    local_potential,
    planar_cut,
    potential_grid,
    potential_on_isosurface,
    potential_roughness,
    potential_separation,
    saturation_contrast,
    symmetry_deviation,
    write_cube,
    write_surface,
)
from .analysis.relevance import WalkRelevance, count_walks, walk_relevance
from .analysis.rings import RingStability, ring_stability, six_membered_carbon_rings
from .analysis.sensitivity import (
    molecule_pair_sensitivity,
    pair_distance_distribution,
    pair_sensitivity,
    short_range_share,
    shortest_pair_distance,
)
from .batch import Batch, collate
from .data.base import Dataset, Property
from .data.registry import dataset_names, load_dataset
from .errors import ArgumentError, DatasetError, InsightError, MissingExtraError, ModelFileError, StructureError
from .evaluation import Evaluation, evaluate, test_metrics
from .examples import example, example_names
from .io import StructureFileError, format_structure, from_smiles, parse, read, write_xyz
from .models import (
    DTNN,
    AtomisticModel,
    DTNNConfig,
    ModelCard,
    ModelOutput,
    PaiNN,
    PaiNNConfig,
    Prediction,
    SchNet,
    SchNetConfig,
    TrainingRecord,
    UnknownElementError,
    list_pretrained,
    load_model,
    load_split,
    pretrained_cards,
    read_card,
    save_model,
)
from .neighbors import NeighborPairs, check_overlaps, neighbor_pairs, probe_pairs
from .sharing import write_chemiscope
from .structures import Structure, atomic_number, element_symbol

__version__ = "0.1.0"

__all__ = [
    # result types
    "EnsemblePrediction",
    "EnsembleProbe",
    "AlchemicalEnergy",
    "AlchemicalFrames",
    "AlchemicalPath",
    "AtomwiseEnergies",
    "Contributions",
    "EmbeddingGroupStructure",
    "EmbeddingPCA",
    "Evaluation",
    "FilterCuts",
    "Isosurface",
    "IsomerRanking",
    "PathLinearity",
    "PotentialGrid",
    "Predictions",
    "RingStability",
    # analyses (figures: insight.plots)
    "relax_state",
    "n_filter_blocks",
    "evaluate",
    "test_metrics",
    "AlchemicalState",
    "alchemical_end_state",
    "alchemical_energy",
    "alchemical_frames",
    "alchemical_path",
    "atomwise_energies",
    "short_range_share",
    "shortest_pair_distance",
    "symmetry_deviation",
    "RegionContrast",
    "hydrogen_saturation",
    "potential_roughness",
    "potential_separation",
    "saturation_contrast",
    "block_similarity",
    "filter_excursions",
    "path_linearity",
    "benzene_to_triazine",
    "compare_models",
    "contributions_over_dataset",
    "element_summary",
    "element_family",
    "embedding_group_structure",
    "embedding_pca",
    "error_distribution",
    "LearningCurve",
    "learning_curve",
    "errors_by_size",
    "filter_cuts",
    "isomer_ranking",
    "isosurface",
    "largest_errors",
    "local_potential",
    "molecule_pair_sensitivity",
    "pair_distance_distribution",
    "pair_sensitivity",
    "partition_agreement",
    "periodic_table_position",
    "planar_cut",
    "potential_grid",
    "potential_on_isosurface",
    "prediction_table",
    "radial_filters",
    "ring_stability",
    "six_membered_carbon_rings",
    "write_cube",
    "with_totals",
    "write_surface",
    "write_chemiscope",
    "format_structure",
    # core
    "ArgumentError",
    "Dataset",
    "DatasetError",
    "InsightError",
    "MissingExtraError",
    "ModelCard",
    "Property",
    "TrainingRecord",
    "check_overlaps",
    "dataset_names",
    "load_dataset",
    "load_split",
    "pretrained_cards",
    "read_card",
    "testing",
    "thesis",
    "units",
    "AtomisticModel",
    "Batch",
    "DTNN",
    "DTNNConfig",
    "ModelFileError",
    "ModelOutput",
    "NeighborPairs",
    "Prediction",
    "Ensemble",
    "WalkRelevance",
    "walk_relevance",
    "count_walks",
    "PaiNN",
    "PaiNNConfig",
    "SchNet",
    "SchNetConfig",
    "Structure",
    "StructureError",
    "StructureFileError",
    "UnknownElementError",
    "atomic_number",
    "collate",
    "element_symbol",
    "example",
    "example_names",
    "from_smiles",
    "list_pretrained",
    "load_model",
    "neighbor_pairs",
    "parse",
    "probe_pairs",
    "read",
    "save_model",
    "write_xyz",
]
