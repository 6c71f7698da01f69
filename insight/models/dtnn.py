"""Deep tensor neural network (thesis ch. 3, Fig. 3.1).

Embedding (Eq. 3.1) -> T passes of ``x_i <- x_i + sum_{j != i} v(x_j, d_ij)``
(Eq. 3.2) with ONE interaction network shared by all passes, the factorized
tensor layer of Eq. 3.7 on a Gaussian distance expansion (Eq. 3.4) ->
output network with one tanh hidden layer, scaled per atom by E_sigma and
E_mu (sec. 3.4) -> sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .base import AtomisticModel
from .layers import Dense, dense_expansion_requested, linear_padded, scatter_sum, tanh_from_sigmoid, windowed_linear

__all__ = ["DTNN", "DTNNConfig"]


@dataclass
class DTNNConfig:
    """DTNN hyperparameters; defaults follow sec. 3.5 (30 features, 60 factors).

    Attributes
    ----------
    n_features
        Size of the chemical-environment vectors ``x_i`` (30).
    n_factors
        Size of the factor space of the tensor layer (60).
    n_interactions
        Number of passes T of the shared interaction network (1, 2, 3).
    rbf_stop, rbf_spacing, rbf_gamma
        Gaussian grid 0..20 Å every 0.1 Å, gamma 10 Å^-2 (Eq. 3.4, Fig. 3.3).
    cutoff
        Neighbour radius in Å; ``None`` uses all pairs as in the thesis.
    cosine_cutoff
        Multiply interactions by a cosine cutoff so they vanish smoothly at ``cutoff``.
    n_output_hidden
        Width of the tanh hidden layer of the output network.
    pooling
        ``"sum"`` or ``"mean"``.
    max_z
        Largest atomic number the embedding has a row for.
    """

    n_features: int = 30
    n_factors: int = 60
    n_interactions: int = 3
    rbf_stop: float = 20.0
    rbf_spacing: float = 0.1
    rbf_gamma: float = 10.0
    cutoff: float | None = None
    cosine_cutoff: bool = False
    n_output_hidden: int = 15
    pooling: str = "sum"
    max_z: int = 100



class FactorizedTensorLayer(nn.Module):
    """``v_ij = tanh(W^xf ((W^fx x_j + b^f1) o (W^fd d_hat_ij + b^f2)))`` (Eq. 3.7)."""

    def __init__(self, n_features: int, n_factors: int, n_rbf: int):
        super().__init__()
        self.features_to_factors = Dense(n_features, n_factors)  # W^fx, b^f1
        self.distance_to_factors = Dense(n_rbf, n_factors)  # W^fd, b^f2
        self.factors_to_features = Dense(n_factors, n_features, bias=False)  # W^xf

    def forward(self, x_senders, distance_factors, pairs, fast: bool = False):
        """Summed messages per receiver. ``fast`` (training): tanh from the sigmoid, and the per-pair product with
        ``W^xf`` has its outputs padded to a multiple of 16 (:func:`~insight.models.layers.linear_padded`); the
        same values to round-off."""
        tanh = tanh_from_sigmoid if fast else torch.tanh
        sender_factors = self.features_to_factors(x_senders)
        if pairs.dense_senders is not None:
            factors = distance_factors.view(pairs.n_receivers, pairs.dense_senders, -1) * sender_factors
            return tanh(self.factors_to_features(factors)).sum(1)
        if pairs.mirrored and 2 * distance_factors.shape[0] == pairs.idx_j.shape[0]:
            # The first half's factors serve both directions of each pair; compiled, the repeat is fused away.
            distance_factors = distance_factors.repeat(2, 1)
        # index_select: its backward is index_add_, much faster on CPU than the index_put of x[idx]
        factors = sender_factors.index_select(0, pairs.idx_j) * distance_factors
        if fast:
            messages = tanh(linear_padded(factors, self.factors_to_features.weight))
        else:
            messages = tanh(self.factors_to_features(factors))
        if pairs.weights is not None:
            messages = messages * pairs.weights[:, None]
        return scatter_sum(messages, pairs.idx_i, pairs.n_receivers)


class DTNN(AtomisticModel):
    """Deep tensor neural network (thesis ch. 3)."""

    architecture = "dtnn"
    Config = DTNNConfig
    #: The interaction takes the distance factors of the first half of a mirrored pair list.
    half_pair_features = True
    # The distance factors are linear in the Gaussians (no smoothing network
    # as in SchNet), so their curvature needs a finer table.
    table_spacing = 0.0005
    #: In training, the messages' tanh is computed as ``2 sigmoid(2x) - 1`` (:func:`~insight.models.layers.
    #: tanh_from_sigmoid`), three times faster on CPU, and their product with ``W^xf`` as one padded to 32
    #: outputs (:func:`~insight.models.layers.linear_padded`), which CPU kernels handle much better than 30:
    #: the same to round-off. Evaluation keeps ``torch.tanh`` and the plain product, so published numbers are
    #: reproduced bit for bit.
    fast_messages_in_training: bool = True

    def __init__(self, config: DTNNConfig | None = None, **overrides):
        config = config or DTNNConfig(**overrides)
        super().__init__(config)
        self.interaction = FactorizedTensorLayer(config.n_features, config.n_factors, self.rbf.n_rbf)
        self.output_network = nn.Sequential(
            Dense(config.n_features, config.n_output_hidden, activation=nn.Tanh()),
            Dense(config.n_output_hidden, 1),
        )

    def use_fast_training_path(self, fast: bool = True) -> None:
        super().use_fast_training_path(fast)
        self.fast_messages_in_training = fast

    def pair_features(self, distances: torch.Tensor, windowed: bool | None = None) -> torch.Tensor:
        # The interaction network is shared, so the distance factors serve every pass.
        layer = self.interaction.distance_to_factors
        if self.use_windowed_expansion(windowed) and not dense_expansion_requested() and distances.dim() == 1 \
                and len(distances):
            factors = windowed_linear(self.rbf, distances, layer.weight, layer.bias,
                                      self.window_tolerance_for(distances))
        else:
            factors = layer(self.rbf(distances))
        if self.cosine is not None:
            factors = factors * self.cosine(distances)[:, None]
        return factors

    def interact(self, t, x_receivers, x_senders, pairs, features):
        fast = self.training and self.fast_messages_in_training
        return x_receivers + self.interaction(x_senders, features, pairs, fast)

    def atomwise_output(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_network(x).squeeze(-1)

    def filters(self, distances: torch.Tensor) -> torch.Tensor:
        """The distance factors ``W^fd d_hat + b^f2`` (Eq. 4.12), the DTNN's filter, ``(1, len(d), n_factors)``."""
        return self.pair_features(distances.to(device=self.device, dtype=self.dtype))[None]
