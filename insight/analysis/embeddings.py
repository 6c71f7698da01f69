"""Principal components of the element embeddings (thesis sec. 4.5.5, Fig. 4.15).

The embedding ``A[Z]`` is the representation of a lone atom (Eq. 3.1). A model
trained across the periodic table places elements of the same group close
together; the two leading principal components show it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..models.base import AtomisticModel
from ..structures import atomic_number, element_symbol

__all__ = ["periodic_table_position", "embedding_pca"]

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


def embedding_pca(
    model: AtomisticModel, elements: Sequence[int | str] | None = None, n_components: int = 2
) -> tuple[pd.DataFrame, np.ndarray]:
    """Leading principal components of the embedding rows of ``elements``.

    Parameters
    ----------
    elements
        Elements to include; default: those the model was trained on.

    Returns
    -------
    frame
        One row per element: ``Z``, ``element``, ``group``, ``period``, ``block``, ``PC1``, ``PC2``, ...
    explained_variance_ratio
        ``(n_components,)``: the fraction of the embeddings' variance each component explains.
    """
    from sklearn.decomposition import PCA

    numbers = [atomic_number(e) for e in (elements if elements is not None else model.known_elements)]
    if len(numbers) <= n_components:
        raise ValueError(f"PCA with {n_components} components needs more than {n_components} elements, got {len(numbers)}")
    vectors = model.embedding_matrix.detach().cpu().double().numpy()[numbers]
    pca = PCA(n_components=n_components)
    components = pca.fit_transform(vectors)
    frame = pd.DataFrame({"Z": numbers, "element": [element_symbol(z) for z in numbers]})
    positions = [periodic_table_position(z) for z in numbers]
    frame["group"] = [p[0] for p in positions]
    frame["period"] = [p[1] for p in positions]
    frame["block"] = [p[2] for p in positions]
    for k in range(n_components):
        frame[f"PC{k + 1}"] = components[:, k]
    return frame, pca.explained_variance_ratio_
