"""Principal components of the element embeddings (thesis sec. 4.5.5, Fig. 4.15).

The embedding ``A[Z]`` is the representation of a lone atom (Eq. 3.1). A model
trained across the periodic table places elements of the same group close
together; the two leading principal components show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.spatial.distance import pdist, squareform
from scipy.stats import spearmanr

from ..errors import ArgumentError
from ..models.base import AtomisticModel
from ..structures import atomic_number, element_symbol

__all__ = ["EmbeddingPCA", "EmbeddingGroupStructure", "periodic_table_position", "element_family", "embedding_pca",
           "embedding_group_structure"]


@dataclass(frozen=True)
class EmbeddingPCA:
    """The embeddings of elements in their leading principal components (Fig. 4.15).

    ``table``: one row per element, ``Z``, ``element``, ``group``, ``period``, ``block``, ``family``
    (see :func:`element_family`), ``PC1``, ``PC2``, ... (embedding units, dimensionless).
    ``explained_variance_ratio``: the fraction of the embeddings' variance each component explains.
    """

    table: pd.DataFrame
    explained_variance_ratio: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return self.table


@dataclass(frozen=True)
class EmbeddingGroupStructure:
    """How far the embeddings follow the periodic table, in numbers (see :func:`embedding_group_structure`).

    Attributes
    ----------
    within_between_ratio
        Mean embedding distance within a family over that between families (< 1: families cluster).
    permutation_p
        The share of label permutations with a ratio at least as small.
    silhouette, silhouette_pca
        Silhouette score of the families in the full space and in the PC1-PC2 plane.
    families_ordered, families_tested
        Families whose elements order by period (|Spearman rho| >= 0.8), of those with >= 3 elements.
    per_family
        One row per tested family: ``family``, ``elements`` (light to heavy), ``n``, ``rho_period_pc1``,
        ``rho_period_distance``.
    """

    n_elements: int
    n_families: int
    within_between_ratio: float
    permutation_p: float
    silhouette: float
    silhouette_pca: float
    families_tested: int
    families_ordered: int
    per_family: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.per_family

_PERIOD_ENDS = (2, 10, 18, 36, 54, 86, 118)


def periodic_table_position(z: int) -> tuple[int, int, str]:
    """``(group, period, block)`` of element ``z``; lanthanides and actinides get group 3 and block "f"."""
    z = atomic_number(z)
    period = next(k + 1 for k, end in enumerate(_PERIOD_ENDS) if z <= end)
    start = (0,) + _PERIOD_ENDS
    position = z - start[period - 1]  # 1-based position within the period
    length = _PERIOD_ENDS[period - 1] - start[period - 1]
    if period == 1:
        return (1 if z == 1 else 18), 1, "s"
    if length == 8:  # periods 2 and 3: s and p blocks only
        group = position if position <= 2 else position + 10
    elif length == 18:
        group = position
    else:  # periods 6 and 7: 14 f-block elements after group 3
        if 3 <= position <= 16:
            return 3, period, "f"
        group = position if position <= 2 else position - 14
    block = "s" if group <= 2 else "d" if group <= 12 else "p"
    return group, period, block


_MAIN_GROUP_NAMES = {1: "IA", 2: "IIA", 13: "IIIA", 14: "IVA", 15: "VA", 16: "VIA", 17: "VIIA", 18: "VIIIA"}


def element_family(z: int) -> str:
    """Label for colouring: main groups as in Fig. 4.15 ("IA", ..., "VIIIA"), "group 3" ... "group 12",
    "lanthanides", "actinides"."""
    group, period, block = periodic_table_position(z)
    if block == "f" or (group == 3 and atomic_number(z) in (57, 89)):
        return "lanthanides" if period == 6 else "actinides"
    return _MAIN_GROUP_NAMES.get(group, f"group {group}")


def embedding_pca(
    model: AtomisticModel, elements: Sequence[int | str] | None = None, n_components: int = 2
) -> EmbeddingPCA:
    """Leading principal components of the embedding rows of ``elements``.

    Parameters
    ----------
    elements
        Elements to include; default: those the model was trained on.

    """
    from sklearn.decomposition import PCA  # lazy: scikit-learn adds about a second to `import insight`

    numbers = [atomic_number(e) for e in (elements if elements is not None else model.known_elements)]
    if n_components < 1:
        raise ArgumentError(f"n_components must be at least 1 (2 for a plot), got {n_components}")
    if len(numbers) <= n_components:
        raise ArgumentError(f"PCA with {n_components} components needs more than {n_components} elements, "
                            f"got {len(numbers)}")
    vectors = model.embedding_matrix.detach().cpu().double().numpy()[numbers]
    pca = PCA(n_components=n_components)
    components = pca.fit_transform(vectors)
    frame = pd.DataFrame({"Z": numbers, "element": [element_symbol(z) for z in numbers]})
    positions = [periodic_table_position(z) for z in numbers]
    frame["group"] = [p[0] for p in positions]
    frame["period"] = [p[1] for p in positions]
    frame["block"] = [p[2] for p in positions]
    frame["family"] = [element_family(z) for z in numbers]
    for k in range(n_components):
        frame[f"PC{k + 1}"] = components[:, k]
    return EmbeddingPCA(frame, pca.explained_variance_ratio_)


def embedding_group_structure(
    model: AtomisticModel,
    elements: Sequence[int | str] | None = None,
    n_permutations: int = 2000,
    seed: int = 0,
) -> EmbeddingGroupStructure:
    """How far the embeddings follow the periodic table (the reading of Fig. 4.15), in numbers.

    Two claims of sec. 4.5.5 are measured on the full embedding vectors and on
    the PCA plane:

    * *groups cluster*: the mean distance between elements of the same family
      (:func:`element_family`) over the mean distance between elements of
      different families (< 1 means clustering), with a permutation test that
      shuffles the family labels, and the silhouette score of the families;
    * *periods order within groups*: for every family with at least three
      elements, Spearman's rho between the period and PC1, and between the
      period and the distance from the family's lightest element.

    """
    from sklearn.metrics import silhouette_score  # lazy, as in embedding_pca

    frame = embedding_pca(model, elements).table
    numbers = frame["Z"].to_numpy()
    vectors = model.embedding_matrix.detach().cpu().double().numpy()[numbers]
    labels = frame["family"].to_numpy()
    distances = squareform(pdist(vectors))
    upper = np.triu_indices(len(numbers), k=1)

    def ratio(family: np.ndarray) -> float:
        same = (family[:, None] == family[None, :])[upper]
        return float(distances[upper][same].mean() / distances[upper][~same].mean())

    observed = ratio(labels)
    rng = np.random.default_rng(seed)
    shuffled = np.array([ratio(rng.permutation(labels)) for _ in range(n_permutations)])
    clustered = frame.groupby("family")["Z"].transform("size").to_numpy() >= 2  # silhouette needs >= 2 per label
    summary = {
        "n_elements": int(len(numbers)),
        "n_families": int(len(set(labels))),
        "within_between_ratio": observed,
        "permutation_p": float((1 + np.sum(shuffled <= observed)) / (1 + n_permutations)),
        "silhouette": float(silhouette_score(vectors[clustered], labels[clustered])),
        "silhouette_pca": float(silhouette_score(frame.loc[clustered, ["PC1", "PC2"]].to_numpy(), labels[clustered])),
    }
    rows = []
    for family, members in frame.groupby("family", sort=False):
        if len(members) < 3 or members["period"].nunique() < 3:
            continue
        members = members.sort_values("Z")
        index = members.index.to_numpy()
        from_lightest = distances[index[0], index]
        rows.append({
            "family": family,
            "elements": " ".join(members["element"]),
            "n": len(members),
            "rho_period_pc1": float(spearmanr(members["period"], members["PC1"]).statistic),
            "rho_period_distance": float(spearmanr(members["period"], from_lightest).statistic),
        })
    per_family = pd.DataFrame(rows, columns=["family", "elements", "n", "rho_period_pc1", "rho_period_distance"])
    return EmbeddingGroupStructure(**summary, families_tested=int(len(per_family)),
                                   families_ordered=int((per_family["rho_period_distance"].abs() >= 0.8).sum()),
                                   per_family=per_family)
