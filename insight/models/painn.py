"""PaiNN, the polarizable atom interaction network (Schütt, Unke and Gastegger, ICML 2021), as SchNetPack 2.x
builds it: SchNetPack's default representation, so converted PaiNN files open in insight.

Each atom carries scalar features ``q_i`` (``F`` numbers) and vector features ``mu_i`` (``3 x F``, zero at the
start). A pass is a message step and an update step:

- message: ``phi(q_j) * W(r_ij)`` is split into ``dq, dmu_R, dmu_mu``; ``q_i += sum_j dq`` and
  ``mu_i += sum_j (dmu_R * r_hat_ij + dmu_mu * mu_j)``, with filters ``W`` from a Gaussian expansion of the
  distance times a cosine cutoff and ``r_hat_ij`` the unit vector from ``i`` to ``j``;
- update, within each atom: ``U mu, V mu`` mix the vector channels; ``a(q, ||V mu||)`` gives
  ``a_ss, a_vv, a_sv``; ``q += a_ss + a_sv * <U mu, V mu>`` and ``mu += a_vv * U mu``.

The energy is read from the scalars only: ``E_i = s * o(q_i^(T)) + mean + atomref[Z_i]``.

In insight a PaiNN state is one row per atom, ``[q | mu_x | mu_y | mu_z]`` (``4F`` numbers), so the
machinery of DTNN and SchNet (passes, probes, fading weights, distance tables) runs it unchanged; what each
analysis means for these equivariant features is stated in ``docs/schnetpack.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..errors import ArgumentError
from .base import AtomisticModel, PairGeometry
from .layers import Dense
from .schnet import ACTIVATIONS

__all__ = ["PaiNN", "PaiNNConfig"]


@dataclass
class PaiNNConfig:
    """PaiNN hyperparameters; defaults follow SchNetPack 2's ``nnp.yaml`` (F=128, T=3, 20 Gaussians to 5 Å).

    Attributes
    ----------
    n_features
        Scalar features per atom ``F`` (the vector features are ``3 x F``).
    n_interactions
        Message and update passes ``T``.
    rbf_stop, rbf_spacing, rbf_gamma
        Gaussian grid of the filters (SchNetPack: ``n_rbf`` Gaussians from 0 to the cutoff, width = spacing).
    cutoff
        Neighbour radius in Å; PaiNN always has one, with a cosine cutoff on its filters.
    shared_interactions
        One message and one update block for all passes.
    shared_filters
        One filter network for all passes.
    epsilon
        Added under the square root of ``||V mu||`` so its gradient exists at ``mu = 0``.
    pooling, n_output_hidden, max_z, activation, output_activation
        As for :class:`~insight.models.schnet.SchNetConfig`; PaiNN uses SiLU.
    """

    n_features: int = 128
    n_interactions: int = 3
    rbf_stop: float = 5.0
    rbf_spacing: float = 5.0 / 19
    rbf_gamma: float = 0.5 / (5.0 / 19) ** 2
    cutoff: float = 5.0
    cosine_cutoff: bool = True
    shared_interactions: bool = False
    shared_filters: bool = False
    epsilon: float = 1e-8
    pooling: str = "sum"
    n_output_hidden: int = 64
    max_z: int = 100
    activation: str = "silu"
    output_activation: str = "silu"

    def __post_init__(self) -> None:
        if self.cutoff is None or not self.cosine_cutoff:
            raise ArgumentError("PaiNN needs a cutoff radius with its cosine cutoff (cutoff=..., cosine_cutoff=True)")
        for name in ("activation", "output_activation"):
            if getattr(self, name) not in ACTIVATIONS:
                raise ArgumentError(f"{name} must be one of {', '.join(ACTIVATIONS)}, got {getattr(self, name)!r}")


class PaiNNMessage(nn.Module):
    """The message step: what the neighbours send, scalar and vector."""

    def __init__(self, n_features: int, activation: str):
        super().__init__()
        self.context = nn.Sequential(Dense(n_features, n_features, activation=ACTIVATIONS[activation]()),
                                     Dense(n_features, 3 * n_features))

    def forward(self, x_receivers, x_senders, filters, pairs: PairGeometry, senders_have_vectors: bool = True):
        """``(q, mu)`` of the receivers after the messages of the senders (states ``[q | mu]``);
        ``senders_have_vectors=False`` (the first pass, where every ``mu`` is still zero) skips the
        ``dmu_mu * mu_j`` term. Pairs are always listed (PaiNN has a cutoff, so probes never take the dense
        all-atoms path)."""
        n_features = filters.shape[-1] // 3
        context = self.context(x_senders[:, :n_features])
        gathered = context.index_select(0, pairs.idx_j)
        if pairs.mirrored and 2 * filters.shape[0] == gathered.shape[0]:
            # Filters of the first half only: both directions of a pair share them (no copy for the second half).
            messages = (gathered.view(2, filters.shape[0], gathered.shape[1]) * filters).view(gathered.shape)
        else:
            messages = gathered * filters
        if pairs.weights is not None:
            messages = messages * pairs.weights[:, None]
        dq, dmu_r, dmu_mu = messages.split(n_features, dim=-1)
        # One Cartesian component at a time, as (pairs, F) products with a per-row factor: on CPU three times
        # faster, forward and backward, than the broadcast outer product of (pairs, 1, F) and (pairs, 3, 1).
        directions = pairs.directions.unbind(1)
        if senders_have_vectors:
            mu_senders = x_senders[:, n_features:].index_select(0, pairs.idx_j).view(-1, 3, n_features).unbind(1)
            components = [torch.addcmul(dmu_r * r[:, None], dmu_mu, mu) for r, mu in zip(directions, mu_senders)]
        else:
            components = [dmu_r * r[:, None] for r in directions]
        # Scalars and vectors scattered separately: joining the per-atom sums is cheaper than joining per-pair rows.
        q = x_receivers[:, :n_features].index_add(0, pairs.idx_i, dq)
        mu = x_receivers[:, n_features:].index_add(0, pairs.idx_i, torch.cat(components, dim=1))
        return q, mu.view(-1, 3, n_features)


class PaiNNUpdate(nn.Module):
    """The update step within each atom: scalars and vector norms mixed, vectors gated."""

    def __init__(self, n_features: int, activation: str, epsilon: float):
        super().__init__()
        self.context = nn.Sequential(Dense(2 * n_features, n_features, activation=ACTIVATIONS[activation]()),
                                     Dense(n_features, 3 * n_features))
        self.vector_mix = Dense(n_features, 2 * n_features, bias=False)
        self.epsilon = epsilon

    def forward(self, q: torch.Tensor, mu: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n_features = q.shape[1]
        mu_u, mu_v = self.vector_mix(mu).split(n_features, dim=-1)
        norm_u = torch.sqrt((mu_u**2).sum(1) + self.epsilon)
        a_ss, a_vv, a_sv = self.context(torch.cat([q, norm_u], dim=-1)).split(n_features, dim=-1)
        return q + a_ss + a_sv * (mu_u * mu_v).sum(1), mu + a_vv.unsqueeze(1) * mu_v


class PaiNN(AtomisticModel):
    """PaiNN with scalar and vector features; see the module docstring."""

    architecture = "painn"
    Config = PaiNNConfig
    uses_directions = True
    #: Messages take the filters of the first half of a mirrored pair list (no copy for the second half).
    half_pair_features = True

    def __init__(self, config: PaiNNConfig | None = None, **overrides):
        config = config or PaiNNConfig(**overrides)
        super().__init__(config)
        n, t = config.n_features, config.n_interactions
        self.filter_network = nn.Linear(self.rbf.n_rbf, 3 * n * (1 if config.shared_filters else t))
        if config.shared_interactions:
            message, update = PaiNNMessage(n, config.activation), PaiNNUpdate(n, config.activation, config.epsilon)
            self.messages, self.updates = nn.ModuleList([message] * t), nn.ModuleList([update] * t)
        else:
            self.messages = nn.ModuleList(PaiNNMessage(n, config.activation) for _ in range(t))
            self.updates = nn.ModuleList(PaiNNUpdate(n, config.activation, config.epsilon) for _ in range(t))
        self.output_network = nn.Sequential(
            Dense(n, config.n_output_hidden, activation=ACTIVATIONS[config.output_activation]()),
            Dense(config.n_output_hidden, 1),
        )

    @property
    def n_state(self) -> int:
        """Numbers per atom in a state row: ``F`` scalars, then ``3F`` vector components."""
        return 4 * self.config.n_features

    def initial_state(self, x0: torch.Tensor) -> torch.Tensor:
        return torch.cat([x0, x0.new_zeros(x0.shape[:-1] + (3 * x0.shape[-1],))], dim=-1)

    def split_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(q, mu)`` of states ``[q | mu_x | mu_y | mu_z]``: ``(n, F)`` and ``(n, 3, F)``."""
        n = self.config.n_features
        return x[:, :n], x[:, n:].reshape(-1, 3, n)

    def pair_features(self, distances: torch.Tensor, windowed: bool | None = None) -> tuple[torch.Tensor, ...]:
        """Filters of all passes, each ``(n_pairs, 3F)`` (the ``dq``, ``dmu_R`` and ``dmu_mu`` parts), with the
        cosine cutoff applied."""
        filters = self.filter_network(self.rbf(distances)) * self.cosine(distances)[:, None]
        if self.config.shared_filters:
            return (filters,) * self.n_interactions
        return filters.split(3 * self.config.n_features, dim=1)

    def interact(self, t, x_receivers, x_senders, pairs, features):
        # Every state entering the first pass is an initial state (embeddings and zero vectors), probes included.
        q, mu = self.messages[t](x_receivers, x_senders, features[t], pairs, senders_have_vectors=t > 0)
        q, mu = self.updates[t](q, mu)
        return torch.cat([q, mu.flatten(1)], dim=1)

    def atomwise_output(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_network(x[:, : self.config.n_features]).squeeze(-1)

    def filters(self, distances: torch.Tensor) -> torch.Tensor:
        """Filters ``W^(t)(d)`` of every pass, ``(T, len(distances), 3F)``: the ``dq`` part first, then the parts
        that weight the direction ``r_hat_ij`` and the neighbour's vectors ``mu_j``."""
        return torch.stack(self.pair_features(distances.to(device=self.device, dtype=self.dtype)))
