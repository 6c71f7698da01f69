"""insight: an interpretability workbench for DTNN and SchNet.

>>> import insight
>>> mol = insight.from_smiles("c1ccccc1")
>>> model = insight.SchNet(n_interactions=2)          # or insight.load_model("schnet-qm9")
>>> model.predict(mol).energy.shape
(1,)

Analyses return NumPy arrays or pandas DataFrames; ``insight.plots`` turns each
into a plotly figure, e.g. ``insight.plots.potential.isosurface_figure``.
"""

from .analysis.accuracy import error_distribution, errors_by_size, isomer_ranking, largest_errors, prediction_table
from .analysis.alchemy import (
    AlchemicalState,
    alchemical_energy,
    alchemical_frames,
    alchemical_path,
    benzene_to_triazine,
    path_linearity,
)
from .analysis.embeddings import element_family, embedding_group_structure, embedding_pca, periodic_table_position
from .analysis.filters import block_similarity, filter_cuts, radial_filters
from .analysis.partition import (
    atomwise_energies,
    compare_models,
    contributions_over_dataset,
    element_summary,
    partition_agreement,
    with_totals,
)
from .analysis.potential import (
    isosurface,
    local_potential,
    planar_cut,
    potential_grid,
    potential_on_isosurface,
    symmetry_deviation,
    write_cube,
    write_surface,
)
from .analysis.rings import ring_stability, six_membered_carbon_rings
from .analysis.sensitivity import (
    molecule_pair_sensitivity,
    pair_distance_distribution,
    pair_sensitivity,
    short_range_share,
)
from .batch import Batch, collate
from .examples import example, example_names
from .io import StructureFileError, from_smiles, parse, read, write_xyz
from .models import (
    DTNN,
    AtomisticModel,
    DTNNConfig,
    ModelFileError,
    ModelOutput,
    Prediction,
    SchNet,
    SchNetConfig,
    UnknownElementError,
    list_pretrained,
    load_model,
    save_model,
)
from .neighbors import NeighborPairs, neighbor_pairs, probe_pairs
from .structures import Structure, StructureError, atomic_number, element_symbol

__version__ = "0.1.0"

__all__ = [
    # analyses (figures: insight.plots)
    "AlchemicalState",
    "alchemical_energy",
    "alchemical_frames",
    "alchemical_path",
    "atomwise_energies",
    "short_range_share",
    "symmetry_deviation",
    "block_similarity",
    "path_linearity",
    "benzene_to_triazine",
    "compare_models",
    "contributions_over_dataset",
    "element_summary",
    "element_family",
    "embedding_group_structure",
    "embedding_pca",
    "error_distribution",
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
    # core
    "AtomisticModel",
    "Batch",
    "DTNN",
    "DTNNConfig",
    "ModelFileError",
    "ModelOutput",
    "NeighborPairs",
    "Prediction",
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
