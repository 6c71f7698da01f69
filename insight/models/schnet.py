"""SchNet (thesis ch. 4, Fig. 4.2).

Embedding -> T interaction blocks with untied weights -> atom-wise output
network (64 -> 32 ssp -> 1) -> sum (or mean) pooling. Each interaction block
is atom-wise -> cfconv -> atom-wise, ssp -> atom-wise, added as a residual
(Eq. 4.7). The cfconv filters come from a filter-generating network on a
Gaussian expansion of the distance (Sec. 4.3.2), optionally times a cosine
cutoff. Periodic models average over neighbours (Eq. 4.14).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..errors import ArgumentError
from .base import AtomisticModel, PairGeometry
from .layers import Dense, ShiftedSoftplus, dense_expansion_requested, scatter_sum, windowed_linear

__all__ = ["SchNet", "SchNetConfig"]


@dataclass
class SchNetConfig:
    """SchNet hyperparameters; defaults follow Fig. 4.2 and sec. 4.4 of the thesis.

    Attributes
    ----------
    n_features
        Atom-wise feature size F (64).
    n_filters
        Size of the cfconv filters (64).
    n_interactions
        Number of interaction blocks T (thesis: 1, 2, 3, 6).
    rbf_stop, rbf_spacing, rbf_gamma
        Gaussian grid 0..30 Å every 0.1 Å with gamma 10 Å^-2 (300 Gaussians;
        covers every distance in QM9).
    cutoff
        Neighbour radius in Å; ``None`` uses all pairs (QM9 models, sec. 4.4.1).
    cosine_cutoff
        Multiply filters by a cosine cutoff so they vanish smoothly at ``cutoff``.
    neighbor_average
        Divide each cfconv sum by the receiver's number of neighbours (periodic SchNet, Eq. 4.14).
    neighbor_weighting
        What the average of ``neighbor_average`` divides by: ``"count"``, the number of neighbours as in
        Eq. 4.14 (the energy jumps where a neighbour crosses the cutoff), or ``"cutoff"``, the sum of the
        neighbours' cosine-cutoff weights, which fade in and out smoothly (needs ``cosine_cutoff``).
    pooling
        ``"sum"`` for extensive targets such as energies, ``"mean"`` for intensive ones.
    n_output_hidden
        Hidden atom-wise layer of the output network (32).
    filter_last_activation
        Apply ssp after the second dense layer of the filter network as in
        Fig. 4.2; SchNetPack 2 leaves it out.
    max_z
        Largest atomic number the embedding has a row for.
    activation, output_activation
        Non-linearity of the interaction blocks and of the output network:
        ``"ssp"`` (shifted softplus, Eq. 4.8) or ``"silu"`` (SchNetPack 2's
        default for its output network).
    """

    n_features: int = 64
    n_filters: int = 64
    n_interactions: int = 6
    rbf_stop: float = 30.0
    rbf_spacing: float = 0.1
    rbf_gamma: float = 10.0
    cutoff: float | None = None
    cosine_cutoff: bool = False
    neighbor_average: bool = False
    neighbor_weighting: str = "count"
    pooling: str = "sum"
    n_output_hidden: int = 32
    filter_last_activation: bool = True
    max_z: int = 100
    activation: str = "ssp"
    output_activation: str = "ssp"

    def __post_init__(self) -> None:
        if self.neighbor_weighting not in ("count", "cutoff"):
            raise ArgumentError(f"neighbor_weighting must be 'count' or 'cutoff', got {self.neighbor_weighting!r}")
        if self.neighbor_weighting == "cutoff" and not self.cosine_cutoff:
            raise ArgumentError("neighbor_weighting='cutoff' weights neighbours by the cosine cutoff: "
                                "set cosine_cutoff")
        for name in ("activation", "output_activation"):
            if getattr(self, name) not in ACTIVATIONS:
                raise ArgumentError(f"{name} must be one of {', '.join(ACTIVATIONS)}, got {getattr(self, name)!r}")



#: Non-linearities by name.
ACTIVATIONS = {"ssp": ShiftedSoftplus, "silu": nn.SiLU}


class FilterNetwork(nn.Module):
    """Filter-generating network: Gaussian expansion -> dense ssp -> dense (ssp) (Fig. 4.2, right)."""

    def __init__(self, n_rbf: int, n_filters: int, last_activation: bool, activation: str = "ssp"):
        super().__init__()
        self.layers = nn.Sequential(
            Dense(n_rbf, n_filters, activation=ACTIVATIONS[activation]()),
            Dense(n_filters, n_filters, activation=ACTIVATIONS[activation]() if last_activation else None),
        )

    def forward(self, expanded_distances: torch.Tensor) -> torch.Tensor:
        return self.layers(expanded_distances)


class InteractionBlock(nn.Module):
    """atom-wise -> cfconv -> atom-wise, ssp -> atom-wise (Fig. 4.2, middle)."""

    def __init__(self, n_features: int, n_filters: int, n_rbf: int, filter_last_activation: bool,
                 activation: str = "ssp"):
        super().__init__()
        self.in2f = Dense(n_features, n_filters, bias=False)
        self.filter_network = FilterNetwork(n_rbf, n_filters, filter_last_activation, activation)
        self.f2out = Dense(n_filters, n_features, activation=ACTIVATIONS[activation]())
        self.dense = Dense(n_features, n_features)

    def cfconv(
        self,
        y_senders: torch.Tensor,
        filters: torch.Tensor,
        pairs: PairGeometry,
        neighbors: torch.Tensor | None,
    ) -> torch.Tensor:
        """``sum_j y_j * W(r_i - r_j)`` (Eq. 4.5), divided by ``neighbors`` (per receiver) for crystals (Eq. 4.14)."""
        if pairs.dense_senders is not None:
            summed = (filters.view(pairs.n_receivers, pairs.dense_senders, -1) * y_senders).sum(1)
        elif pairs.mirrored and 2 * filters.shape[0] == pairs.idx_i.shape[0]:
            # Filters of the first half only: each unordered pair sends both ways with the same filter.
            half = filters.shape[0]
            first, second = pairs.idx_i[:half], pairs.idx_j[:half]
            # index_select: its backward is index_add_, much faster on CPU than the index_put of y[idx]
            to_first = y_senders.index_select(0, second) * filters
            to_second = y_senders.index_select(0, first) * filters
            if pairs.weights is not None:
                to_first = to_first * pairs.weights[:half, None]
                to_second = to_second * pairs.weights[half:, None]
            summed = scatter_sum(to_first, first, pairs.n_receivers).index_add_(0, second, to_second)
        else:
            messages = y_senders.index_select(0, pairs.idx_j) * filters
            if pairs.weights is not None:
                messages = messages * pairs.weights[:, None]
            summed = scatter_sum(messages, pairs.idx_i, pairs.n_receivers)
        if neighbors is not None:
            summed = summed / neighbors[:, None]
        return summed

    def forward(
        self,
        x_receivers: torch.Tensor,
        x_senders: torch.Tensor,
        filters: torch.Tensor,
        pairs: PairGeometry,
        neighbors: torch.Tensor | None,
    ) -> torch.Tensor:
        v = self.cfconv(self.in2f(x_senders), filters, pairs, neighbors)
        return x_receivers + self.dense(self.f2out(v))


class SchNet(AtomisticModel):
    """SchNet with continuous-filter convolutions (thesis ch. 4)."""

    architecture = "schnet"
    Config = SchNetConfig
    #: cfconv takes the filters of the first half of a mirrored pair list (no copy for the second half).
    half_pair_features = True

    def __init__(self, config: SchNetConfig | None = None, **overrides):
        config = config or SchNetConfig(**overrides)
        super().__init__(config)
        self.interactions = nn.ModuleList(
            InteractionBlock(config.n_features, config.n_filters, self.rbf.n_rbf, config.filter_last_activation,
                             config.activation)
            for _ in range(config.n_interactions)
        )
        self.output_network = nn.Sequential(
            Dense(config.n_features, config.n_output_hidden, activation=ACTIVATIONS[config.output_activation]()),
            Dense(config.n_output_hidden, 1),
        )

    def pair_features(self, distances: torch.Tensor, windowed: bool | None = None) -> tuple[torch.Tensor, ...]:
        """Filters of all blocks, each ``(n_pairs, n_filters)``; the Gaussian expansion is shared.

        A tuple rather than a stacked tensor: the backward pass of a slice of a
        stacked tensor would zero-fill the whole stack once per block.

        ``windowed`` (default: :attr:`windowed_expansion`) computes the first layer of every block's filter
        network in one pass over the non-negligible Gaussians only (:func:`~insight.models.layers.windowed_linear`),
        the same filters to round-off at a fraction of the cost; ``False`` is the dense product of Fig. 4.2.
        """
        if self.use_windowed_expansion(windowed) and distances.dim() == 1 and len(distances) \
                and not dense_expansion_requested():
            first_layers = [block.filter_network.layers[0] for block in self.interactions]
            hidden = windowed_linear(self.rbf, distances, torch.cat([layer.weight for layer in first_layers]),
                                     torch.cat([layer.bias for layer in first_layers]),
                                     self.window_tolerance_for(distances))
            hidden = first_layers[0].activation(hidden).split(self.config.n_filters, dim=1)
            filters = tuple(block.filter_network.layers[1](h) for block, h in zip(self.interactions, hidden))
        else:
            expanded = self.rbf(distances)
            filters = tuple(block.filter_network(expanded) for block in self.interactions)
        if self.cosine is not None:
            envelope = self.cosine(distances)[:, None]
            filters = tuple(w * envelope for w in filters)
        return filters

    def interact(self, t, x_receivers, x_senders, pairs, features):
        return self.interactions[t](x_receivers, x_senders, features[t], pairs, self.neighbor_norm(pairs))

    def neighbor_norm(self, pairs: PairGeometry) -> torch.Tensor | None:
        """What each receiver's cfconv sum is divided by (Eq. 4.14), or ``None`` without neighbour averaging."""
        if not self.config.neighbor_average:
            return None
        if self.config.neighbor_weighting == "count":
            return pairs.count().clamp(min=1.0)
        weights = self.cosine(pairs.distances)
        if pairs.dense_senders is not None:
            return weights.view(pairs.n_receivers, -1).sum(1).clamp(min=1e-6)
        return scatter_sum(weights, pairs.idx_i, pairs.n_receivers).clamp(min=1e-6)

    def atomwise_output(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_network(x).squeeze(-1)

    def filters(self, distances: torch.Tensor) -> torch.Tensor:
        """Filters ``W^(t)(d)`` of every block, ``(T, len(distances), n_filters)`` (Figs 4.4, 4.5)."""
        return torch.stack(self.pair_features(distances.to(device=self.device, dtype=self.dtype)))
