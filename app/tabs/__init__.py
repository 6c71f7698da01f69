"""One module per part of the page: each has ``layout()`` and ``register(app, bench)`` and owns its component ids.

``inputs`` (where a structure comes from) and ``view`` (the 3D view) make the left column; the analysis tabs
follow in the order the page shows them.
"""

from . import accuracy, alchemy, embeddings, filters, inputs, partition, potential, relevance, rings, sensitivity, view

ANALYSIS_TABS = (partition, relevance, potential, sensitivity, alchemy, rings, embeddings, filters, accuracy)

__all__ = ["ANALYSIS_TABS", "inputs", "view"]
