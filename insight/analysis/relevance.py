"""Relevant walks (GNN-LRP): which chains of interactions produced an energy.

Atom-wise energies say *what* a model assigns to each atom; they do not say *which interactions* produced it.
GNN-LRP (Schnake et al., IEEE TPAMI 44, 2022) decomposes a message-passing network's prediction into the
relevances of **walks** ``(i_0, i_1, ..., i_T)``: the embedding of atom ``i_0`` enters the first pass, reaches
atom ``i_1``, ..., and atom ``i_T``'s final representation feeds its ``E_i``. A step with ``i_t = i_{t-1}`` is the
residual path (an atom keeping its own representation). Summed over all walks, the relevances give the
prediction, up to what the rule absorbs (below).

**The rule.** Layer-wise relevance propagation with the epsilon rule (LRP-0 stabilised by a tiny ``epsilon``)
through every dense layer, residual sum and message sum; element-wise activations pass relevance on unchanged.
SchNet's cfconv ``sum_j W(r_ij) * y_j`` and DTNN's factor product ``(W^fx x_j + b) * (W^fd d_ij + b)`` multiply
two inputs: the distance part is treated as a **weight** and relevance flows through the atom features only, as
GNN-LRP treats the graph's adjacency and as Bonneau et al. (Nat. Commun. 16, 9898, 2025; the gnn-lrp-cg code)
treat SchNetPack's filters. In PaiNN, scalar gates multiply features: the gate is a weight and the feature takes
the relevance (see :class:`_PaiNNSteps`). The gamma rule is not offered: it assumes non-negative activations, and
shifted softplus, SiLU and tanh give signed ones.

**What is conserved.** Each residual sum, message sum and bias-free dense layer passes on exactly the relevance
it receives. Dense layers with a bias keep the bias' share (``b / z`` of it): the walks then sum to the learned
part of the energy minus what the biases absorb, reported as :attr:`WalkRelevance.absorbed`. The constant part of
each ``E_i`` (the dataset mean and the per-element reference energies, ``mean + atomref[Z_i]``) is not a function of
any walk and is reported as :attr:`WalkRelevance.offset`.

**How it is computed.** Because every rule is linear in the relevance it propagates (with coefficients fixed by the
forward pass), the relevance of a walk is a product of per-step matrices, ``1^T P_1[i_1->i_0] ... P_T[i_T->i_{T-1}]
r_T(i_T)``. This allows

* exact sums over sets of walks without enumerating them: per atom (walks starting or ending there) and the
  1-, 2- and 3-body relevances (walks whose distinct atoms are exactly one atom, a pair, a triple), by inclusion and
  exclusion over walks restricted to subsets of atoms;
* the ``K`` most relevant walks without computing all ``N^(T+1)``: walks meet in the middle (layer ``T // 2``) as a
  dot product of a prefix's relevance vector and a suffix's linear functional; Cauchy-Schwarz bounds prune every
  pair that cannot enter the top ``K``, so the result is exact (the exhaustive enumeration agrees, tested).
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..errors import ArgumentError, StructureError
from ..models.base import AtomisticModel, PairGeometry
from ..models.dtnn import DTNN
from ..models.painn import PaiNN
from ..models.schnet import SchNet
from ..structures import Structure

__all__ = ["WalkRelevance", "count_walks", "walk_relevance"]

#: Exhaustive enumeration refuses more walks than this for 64 numbers per atom state (fewer for wider states; use
#: ``top=K``).
MAX_EXHAUSTIVE_WALKS = 2_000_000
#: The top-K search keeps every half walk's vector: at most this many numbers per half (float32).
MAX_HALF_WALK_NUMBERS = 60_000_000
#: 3-body sums are computed up to this many atoms (C(n, 3) triples); beyond, "3" and "4+" are reported together.
MAX_ATOMS_TRIPLES = 60
#: Subsets of atoms restricted at once in the body-order sums (bounds their memory).
SUBSET_CHUNK = 4096


@dataclass(frozen=True)
class WalkRelevance:
    """Walk relevances of one structure's energy (or one atom's ``E_i``), in the model's energy unit.

    Attributes
    ----------
    walks
        ``(n, T + 1)`` atom indices ``i_0 ... i_T`` (source atom first, the atom whose ``E_i`` it feeds last), most
        relevant (largest ``|relevance|``) first: every walk (``mode="exhaustive"``) or the top ``K``.
    relevance
        ``(n,)`` relevance of each walk, in ``unit``.
    structure
        The structure explained.
    output
        ``"energy"`` (the total) or the index of the atom whose ``E_i`` is explained.
    target
        The learned part explained: ``stddev * sum_i o(x_i)`` over the output's atoms (``unit``).
    explained
        Sum of the relevances of *all* walks (computed exactly, also in top-K mode), ``unit``.
    offset
        The constant part ``sum_i (mean + atomref[Z_i])`` that no walk explains, ``unit``.
    by_start, by_end
        ``(n_atoms,)``: summed relevance of the walks starting at (``i_0``) or ending at (``i_T``) each atom.
    own
        ``(n_atoms,)``: the 1-body relevance, of the walks that never leave the atom (its embedding carried to its
        own ``E_i`` by the residual path).
    pairs, triples
        2- and 3-body relevances: walks whose distinct atoms are exactly that pair or triple, summed. Columns
        ``a, b`` (``, c``), ``elements``, ``distance`` (Å, pairs) and ``relevance``; sorted by ``|relevance|``.
    body_orders
        Summed relevance of walks visiting exactly 1, 2, 3 and more (``"4+"``) distinct atoms; beyond
        ``MAX_ATOMS_TRIPLES`` atoms the triples are not summed one by one and ``"3+"`` holds the rest.
    n_walks
        How many walks there are in all: ``n_outputs * n_atoms^T`` with all pairs (fewer with a cutoff).
    mode
        ``"exhaustive"`` or ``"top-k"``.
    epsilon
        The stabiliser of the LRP epsilon rule.
    unit, model
        Energy unit and model name.
    """

    walks: np.ndarray
    relevance: np.ndarray
    structure: Structure = field(repr=False)
    output: str | int
    target: float
    explained: float
    offset: float
    by_start: np.ndarray
    by_end: np.ndarray
    own: np.ndarray
    pairs: pd.DataFrame = field(repr=False)
    triples: pd.DataFrame = field(repr=False)
    body_orders: dict[str, float]
    n_walks: int
    mode: str
    epsilon: float
    unit: str
    model: str

    @property
    def absorbed(self) -> float:
        """Relevance kept by the biases (and epsilon) of the dense layers: ``target - explained`` (``unit``)."""
        return self.target - self.explained

    def label(self, walk: np.ndarray) -> str:
        """``"C0 → C1 → H6"``: the atoms of a walk, repeated stays shown once with their count (``"C0 ×2"``)."""
        symbols = self.structure.symbols
        parts = []
        for atom, run in itertools.groupby(int(a) for a in walk):
            stays = len(list(run))
            parts.append(f"{symbols[atom]}{atom}" + (f" ×{stays}" if stays > 1 else ""))
        return " → ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """One row per walk: ``rank``, ``walk`` (readable), ``atoms`` (distinct, sorted), ``body`` (how many),
        ``i0 ... iT``, ``relevance`` (``unit``) and ``share`` of ``explained``."""
        table = pd.DataFrame({"rank": np.arange(1, len(self.walks) + 1),
                              "walk": [self.label(w) for w in self.walks],
                              "atoms": [" ".join(map(str, sorted(set(w.tolist())))) for w in self.walks],
                              "body": [len(set(w.tolist())) for w in self.walks]})
        for t in range(self.walks.shape[1]):
            table[f"i{t}"] = self.walks[:, t]
        table["relevance"] = self.relevance
        table["share"] = self.relevance / self.explained if self.explained else np.nan
        return table

    def atoms_frame(self) -> pd.DataFrame:
        """Per atom: ``atom``, ``element``, ``by_start``, ``by_end`` and the 1-body relevance ``own`` (``unit``)."""
        return pd.DataFrame({"atom": np.arange(len(self.structure)), "element": self.structure.symbols,
                             "by_start": self.by_start, "by_end": self.by_end, "own": self.own})


# -- the propagation rules ---------------------------------------------------------------------------------------


def _stab(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """``z + epsilon * sign(z)`` with ``sign(0) = 1``: the denominator of the epsilon rule."""
    return z + epsilon * torch.where(z >= 0, 1.0, -1.0).to(z.dtype)


class _Steps:
    """The relevance propagation of one forward pass, as linear maps between layers.

    ``down(t, k, r, j)``: relevance vectors ``r`` (B, F) on atoms ``k`` (B,) of representation ``x^(t)`` (1-based
    pass ``t``) sent to atoms ``j`` (B, M) of ``x^(t-1)``: (B, M, F). ``up(t, j, a, k)``: the transpose, linear
    functionals ``a`` (B, F) on atoms ``j`` of ``x^(t-1)`` pulled back to atoms ``k`` (B, M) of ``x^(t)``.
    """

    n_atoms: int
    n_passes: int
    #: ``(n_atoms, F)``: the relevance of each atom's learned ``E_i`` on that atom's final representation ``x^(T)``.
    final: torch.Tensor
    #: ``(n_atoms,)``: the learned part of each ``E_i`` (``stddev * o(x_i)``, divided by n for mean pooling).
    learned: torch.Tensor
    #: ``(n_atoms, n_atoms)``: whether atom k receives from atom j (k != j, within the cutoff).
    neighbors: torch.Tensor

    def down(self, t: int, k: torch.Tensor, r: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def up(self, t: int, j: torch.Tensor, a: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """The transpose of :meth:`down` by automatic differentiation: ``down`` is linear in the relevance, so its
        vector-Jacobian product with ``a`` is ``P[k->j]^T a``. Architectures may write it out (faster)."""
        batch, m = k.shape
        relevance = torch.zeros(batch * m, a.shape[1], dtype=a.dtype, requires_grad=True)
        with torch.enable_grad():
            sent = self.down(t, k.reshape(-1), relevance, j.repeat_interleave(m)[:, None])[:, 0]
            (pulled,) = torch.autograd.grad(sent, relevance, grad_outputs=a.repeat_interleave(m, 0))
        return pulled.view(batch, m, -1)

    def converted(self, dtype: torch.dtype) -> _Steps:
        """A copy whose tensors have ``dtype`` (float32 for the fast search of the top walks)."""
        other = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                setattr(other, name, value.to(dtype))
        other.layers = [{key: v.to(dtype) if v.is_floating_point() else v for key, v in layer.items()}
                        for layer in self.layers]
        return other

    def walk_values(self, walks: torch.Tensor) -> torch.Tensor:
        """Relevance of each walk ``(n, T + 1)``, one step at a time along it."""
        vectors = self.final[walks[:, -1]]
        for t in range(self.n_passes, 0, -1):
            vectors = self.down(t, walks[:, t], vectors, walks[:, t - 1: t])[:, 0]
        return vectors.sum(1)

    def allowed(self, k: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        """Whether the step between ``k`` (B, 1) and ``j`` (B, M) exists: a message or the residual stay."""
        return self.neighbors[k, j] | (k == j)


def _output_relevance(model: AtomisticModel, x: torch.Tensor, epsilon: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Relevance on ``x^(T)`` of each atom's learned ``E_i`` through the atom-wise output network (dense layers),
    and that learned part ``stddev * o(x_i)`` (divided by n for mean pooling)."""
    inputs, pre_activations = [], []
    h = x
    for layer in model.output_network:
        inputs.append(h)
        pre_activations.append(F.linear(h, layer.weight, layer.bias))
        h = layer.activation(pre_activations[-1])
    scale = model.stddev.to(x.dtype) / (len(x) if model.config.pooling == "mean" else 1)
    learned = scale * h[:, 0]
    relevance = learned[:, None]
    for layer, a, z in zip(reversed(model.output_network), reversed(inputs), reversed(pre_activations)):
        relevance = a * ((relevance / _stab(z, epsilon)) @ layer.weight)
    return relevance, learned


class _SchNetSteps(_Steps):
    """SchNet (Fig. 4.2): ``x' = x + dense(f2out(sum_j W_kj * in2f(x_j)))``, the filters ``W_kj`` as weights."""

    def __init__(self, model: SchNet, numbers, distances, neighbors, epsilon: float):
        n = len(numbers)
        self.n_atoms, self.n_passes, self.neighbors = n, model.n_interactions, neighbors
        pair_k, pair_j = torch.nonzero(neighbors, as_tuple=True)
        pairs = PairGeometry(idx_i=pair_k, idx_j=pair_j, distances=distances[pair_k, pair_j], n_receivers=n)
        filters = model.pair_features(pairs.distances, windowed=False)
        norm = model.neighbor_norm(pairs)
        x = model.embedding(numbers)
        self.layers = []
        for block, block_filters in zip(model.interactions, filters):
            dense_filters = x.new_zeros(n, n, block_filters.shape[1])
            dense_filters[pair_k, pair_j] = block_filters
            y = F.linear(x, block.in2f.weight)
            s = (dense_filters * y[None]).sum(1)
            if norm is not None:
                s = s / norm[:, None]
            p = F.linear(s, block.f2out.weight, block.f2out.bias)
            h = block.f2out.activation(p)
            v = block.dense(h)
            x_new = x + v
            stab_new = _stab(x_new, epsilon)
            self.layers.append(dict(
                x=x, stay=x / stab_new,
                # g_k = gamma_k * ((beta_k * ((alpha_k * R) @ B)) @ A): the relevance per filter channel of s_k
                alpha=v / stab_new / _stab(v, epsilon), B=block.dense.weight,
                beta=h / _stab(p, epsilon), A=block.f2out.weight,
                gamma=s / _stab(s, epsilon) / (norm[:, None] if norm is not None else 1.0),
                # each sender's share of s_k per channel, over y_j (the epsilon rule of in2f)
                c=dense_filters * (y / _stab(y, epsilon))[None], W_in=block.in2f.weight))
            L = self.layers[-1]
            # the same chain as one (F_w, F) matrix per receiver, for the transposed steps
            L["M"] = ((L["gamma"][:, :, None] * L["A"].T[None]) @ (L["beta"][:, :, None] * L["B"].T[None])) \
                * L["alpha"][:, None, :]
            x = x_new
        self.final, self.learned = _output_relevance(model, x, epsilon)

    def down(self, t, k, r, j):
        L = self.layers[t - 1]
        g = L["gamma"][k] * ((L["beta"][k] * ((L["alpha"][k] * r) @ L["B"])) @ L["A"])  # (B, Fw)
        sent = L["x"][j] * ((L["c"][k[:, None], j] * g[:, None]) @ L["W_in"])  # (B, M, F)
        return sent + (j == k[:, None])[..., None] * (L["stay"][k] * r)[:, None]

    def up(self, t, j, a, k):
        L = self.layers[t - 1]
        w = (a * L["x"][j]) @ L["W_in"].T  # (B, Fw)
        # every receiver at once (one matrix product per receiver), then the ones asked for
        pulled = torch.einsum("kbw,kwf->bkf", L["c"][:, j] * w[None], L["M"])
        pulled = pulled.gather(1, k[..., None].expand(*k.shape, pulled.shape[-1]))
        return pulled + (k == j[:, None])[..., None] * (L["stay"][j] * a)[:, None]


class _DTNNSteps(_Steps):
    """DTNN (Eq. 3.7): ``x'_k = x_k + sum_j tanh(W^xf ((W^fx x_j + b) * e_kj))``, the distance factors ``e_kj`` as
    weights."""

    def __init__(self, model: DTNN, numbers, distances, neighbors, epsilon: float):
        n = len(numbers)
        self.n_atoms, self.n_passes, self.neighbors = n, model.n_interactions, neighbors
        pair_k, pair_j = torch.nonzero(neighbors, as_tuple=True)
        layer = model.interaction
        factors = model.pair_features(distances[pair_k, pair_j], windowed=False)
        e = factors.new_zeros(n, n, factors.shape[1])
        e[pair_k, pair_j] = factors
        x = model.embedding(numbers)
        self.W_xf, self.W_fx = layer.factors_to_features.weight, layer.features_to_factors.weight
        self.layers = []
        for _ in range(model.n_interactions):
            u = layer.features_to_factors(x)  # (n, Fa)
            q = u[None] * e  # (k, j, Fa)
            p = F.linear(q, self.W_xf)  # (k, j, F)
            v = torch.tanh(p) * neighbors[..., None]
            x_new = x + v.sum(1)
            stab_new = _stab(x_new, epsilon)
            self.layers.append(dict(
                x=x, stay=x / stab_new,
                d1=v / stab_new[:, None] / _stab(p, epsilon),  # (k, j, F)
                d2=q / _stab(u, epsilon)[None]))  # (k, j, Fa)
            x = x_new
        self.final, self.learned = _output_relevance(model, x, epsilon)

    def down(self, t, k, r, j):
        L = self.layers[t - 1]
        kk = k[:, None]
        sent = L["x"][j] * ((((r[:, None] * L["d1"][kk, j]) @ self.W_xf) * L["d2"][kk, j]) @ self.W_fx)
        return sent + (j == kk)[..., None] * (L["stay"][k] * r)[:, None]

    def up(self, t, j, a, k):
        L = self.layers[t - 1]
        jj = j[:, None]
        w = (a * L["x"][j]) @ self.W_fx.T  # (B, Fa)
        q = ((w[:, None] * L["d2"][k, jj]) @ self.W_xf.T) * L["d1"][k, jj]
        return q + (k == jj)[..., None] * (L["stay"][j] * a)[:, None]


class _PaiNNSteps(_Steps):
    """PaiNN (Schütt et al. 2021): states ``[q | mu_x | mu_y | mu_z]``; a message step between atoms, then an update
    within each atom.

    Filters, directions ``r_ij`` and **gates** are weights: in each product of a scalar gate computed from ``q``
    (``dmu_mu`` of the message, ``a_vv`` and ``a_sv`` of the update) with a feature, the feature takes all the
    relevance, as LRP treats the gates of LSTMs (Arras et al. 2017). The scalar product ``<U mu, V mu>`` of two
    vector features gives each factor half. The norm ``|U mu|`` passes relevance to the components of ``U mu`` in
    proportion to their squares.
    """

    def __init__(self, model, numbers, distances, neighbors, epsilon: float, positions: torch.Tensor):
        n, width = len(numbers), model.config.n_features
        self.n_atoms, self.n_passes, self.neighbors, self.width = n, model.n_interactions, neighbors, width
        self.epsilon = epsilon
        pair_k, pair_j = torch.nonzero(neighbors, as_tuple=True)
        filters = model.pair_features(distances[pair_k, pair_j])
        directions = positions.new_zeros(n, n, 3)
        directions[pair_k, pair_j] = (positions[pair_j] - positions[pair_k]) / distances[pair_k, pair_j, None]
        x = model.initial_state(model.embedding(numbers))
        self.layers = []

        def stab(z: torch.Tensor) -> torch.Tensor:
            return _stab(z, epsilon)

        for message, update, block_filters in zip(model.messages, model.updates, filters):
            dense = x.new_zeros(n, n, 3 * width)
            dense[pair_k, pair_j] = block_filters
            q, mu = x[:, :width], x[:, width:].reshape(n, 3, width)
            first, second = message.context
            z1 = F.linear(q, first.weight, first.bias)
            h = first.activation(z1)
            context = F.linear(h, second.weight, second.bias)
            c_s, c_r, c_m = context.split(width, dim=1)
            W_s, W_r, W_m = dense.split(width, dim=2)
            q1 = q + (c_s[None] * W_s).sum(1)
            mu1 = mu + (c_r[None, :, None] * W_r[:, :, None] * directions[..., None]).sum(1) \
                + (c_m[None, :, None] * W_m[:, :, None] * mu[None]).sum(1)
            W_u, W_v = update.vector_mix.weight.split(width, dim=0)
            u, v = mu1 @ W_u.T, mu1 @ W_v.T  # (n, 3, F)
            norm_squared = (u**2).sum(1) + update.epsilon
            gate_in = torch.cat([q1, torch.sqrt(norm_squared)], dim=1)
            e1, e2 = update.context
            y1 = F.linear(gate_in, e1.weight, e1.bias)
            g = e1.activation(y1)
            a_ss, a_vv, a_sv = F.linear(g, e2.weight, e2.bias).split(width, dim=1)
            product = (u * v).sum(1)
            q2 = q1 + a_ss + a_sv * product
            mu2 = mu1 + a_vv[:, None] * v
            # every factor of the rules that depends on one atom alone, computed once
            self.layers.append(dict(
                q=q, mu=mu, context=context, W_s=W_s, W_r=W_r, W_m=W_m, directions=directions,
                C1=first.weight, C2=second.weight, E1=e1.weight, E2=e2.weight, W_u=W_u, W_v=W_v,
                q1_share=q1 / stab(q2), mu1_share=mu1 / stab(mu2),
                a_ss_rate=a_ss / stab(q2) / stab(a_ss), product_rate=a_sv * product / stab(q2) / stab(product),
                v_share=a_vv[:, None] * v / stab(mu2), uv_half=u * v / 2, g_rate=g / stab(y1), gate_in=gate_in,
                u_square_rate=u**2 / stab(norm_squared)[:, None], mu1=mu1, u_rate=1 / stab(u), v_rate=1 / stab(v),
                q_rate=1 / stab(q1), mu_rate=1 / stab(mu1), context_rate=1 / stab(context[:, : 2 * width]),
                h_rate=h / stab(z1)))
            x = torch.cat([q2, mu2.flatten(1)], dim=1)
        scalar, self.learned = _output_relevance(model, x[:, :width], epsilon)
        self.final = torch.cat([scalar, scalar.new_zeros(n, 3 * width)], dim=1)

    def down(self, t, k, r, j):
        L, w = self.layers[t - 1], self.width
        R_q2, R_mu2 = r[:, :w], r[:, w:].reshape(-1, 3, w)
        # the update, within receiver k
        R_q1 = L["q1_share"][k] * R_q2
        R_mu1 = L["mu1_share"][k] * R_mu2
        halves = L["uv_half"][k] * (L["product_rate"][k] * R_q2)[:, None]  # gate a_sv: all to <U mu, V mu>
        R_v = L["v_share"][k] * R_mu2 + halves  # gate a_vv: all to V mu
        gate_hidden = L["g_rate"][k] * ((L["a_ss_rate"][k] * R_q2) @ L["E2"][:w])
        R_gate_in = L["gate_in"][k] * (gate_hidden @ L["E1"])
        R_q1 = R_q1 + R_gate_in[:, :w]
        R_u = halves + L["u_square_rate"][k] * R_gate_in[:, None, w:]
        R_mu1 = R_mu1 + L["mu1"][k] * ((R_u * L["u_rate"][k]) @ L["W_u"] + (R_v * L["v_rate"][k]) @ L["W_v"])
        # the messages from senders j to receiver k
        kk = k[:, None]
        share_q1 = R_q1 * L["q_rate"][k]  # (B, F)
        share_mu1 = R_mu1 * L["mu_rate"][k]  # (B, 3, F)
        c_s, c_r, c_m = L["context"][j].split(w, dim=-1)  # (B, M, F) each
        R_c_s = share_q1[:, None] * c_s * L["W_s"][kk, j]
        R_c_r = c_r * L["W_r"][kk, j] * (L["directions"][kk, j][..., None] * share_mu1[:, None]).sum(2)
        R_mu_j = share_mu1[:, None] * (c_m * L["W_m"][kk, j])[:, :, None] * L["mu"][j]  # gate dmu_mu: all to mu_j
        hidden = L["h_rate"][j] * ((torch.cat([R_c_s, R_c_r], dim=-1) * L["context_rate"][j]) @ L["C2"][: 2 * w])
        R_q_j = L["q"][j] * (hidden @ L["C1"])
        sent = torch.cat([R_q_j, R_mu_j.flatten(2)], dim=-1)
        stay = torch.cat([L["q"][k] * share_q1, (L["mu"][k] * share_mu1).flatten(1)], dim=1)
        return sent + (j == kk)[..., None] * stay[:, None]


def _steps(model: AtomisticModel, structure: Structure, epsilon: float) -> _Steps:
    kinds = {SchNet: _SchNetSteps, DTNN: _DTNNSteps, PaiNN: _PaiNNSteps}
    kind = next((steps for architecture, steps in kinds.items() if isinstance(model, architecture)), None)
    if kind is None:
        raise ArgumentError(f"walk relevances are implemented for SchNet, DTNN and PaiNN, not for "
                            f"{type(model).__name__}")
    if structure.is_periodic:
        raise StructureError(f"walk relevances are defined here for molecules; {structure.formula} is periodic "
                             "and its walks would run through periodic images")
    model.check_structure(structure)
    if len(structure) < 1:
        raise StructureError("an empty structure has no walks")
    # float64 throughout: the epsilon rule divides by activations that can be small.
    numbers = torch.tensor(structure.numbers, dtype=torch.long, device=model.device)
    positions = torch.tensor(structure.positions, dtype=torch.float64, device=model.device)
    distances = torch.cdist(positions, positions)
    neighbors = ~torch.eye(len(structure), dtype=torch.bool, device=model.device)
    if model.cutoff is not None:
        neighbors &= distances < model.cutoff
    # a float64 copy: the app may be using the model itself from another thread
    copied = copy.deepcopy(model).double().requires_grad_(False)
    if kind is _PaiNNSteps:
        return kind(copied, numbers, distances, neighbors, epsilon, positions)
    return kind(copied, numbers, distances, neighbors, epsilon)


# -- sums over walks ---------------------------------------------------------------------------------------------


def _end_atoms(steps: _Steps, output: str | int) -> torch.Tensor:
    """The atoms whose ``E_i`` the output sums: all for the energy, else the one atom."""
    return torch.arange(steps.n_atoms) if output == "energy" else torch.tensor([int(output)])


def _restricted_sums(steps: _Steps, ends: torch.Tensor, subsets: np.ndarray) -> np.ndarray:
    """Summed relevance of the walks that stay within each subset of atoms, ``subsets`` (S, m): (S,)."""
    if len(subsets) > SUBSET_CHUNK:
        return np.concatenate([_restricted_sums(steps, ends, subsets[start:start + SUBSET_CHUNK])
                               for start in range(0, len(subsets), SUBSET_CHUNK)])
    subsets_t = torch.as_tensor(subsets, dtype=torch.long)
    n_sets, size = subsets_t.shape
    # state (S, m, F): relevance on x^(t) of each subset member, summed over the walks' later parts
    end_weight = torch.zeros(steps.n_atoms, dtype=torch.float64)
    end_weight[ends] = 1.0
    state = steps.final[subsets_t] * end_weight[subsets_t][..., None]
    for t in range(steps.n_passes, 0, -1):
        k = subsets_t.reshape(-1)
        targets = subsets_t.repeat_interleave(size, dim=0)  # each member sends to every member of its subset
        sent = steps.down(t, k, state.reshape(n_sets * size, -1), targets)
        sent = sent * steps.allowed(k[:, None], targets)[..., None]
        state = sent.reshape(n_sets, size, size, -1).sum(1)
    return state.sum((1, 2)).numpy()


def _marginals(steps: _Steps, ends: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Summed relevance of the walks starting at each atom (relevance summed over the ends, pushed down) and of
    those ending at each atom (functionals summed over the starts, pulled up)."""
    n = steps.n_atoms
    everyone = torch.arange(n)
    receivers_to_senders = steps.allowed(everyone[:, None], everyone[None])  # [k, j]
    state = torch.zeros_like(steps.final)
    state[ends] = steps.final[ends]
    for t in range(steps.n_passes, 0, -1):
        state = (steps.down(t, everyone, state, everyone.expand(n, n)) * receivers_to_senders[..., None]).sum(0)
    functionals = torch.ones_like(steps.final)
    for t in range(1, steps.n_passes + 1):
        pulled = steps.up(t, everyone, functionals, everyone.expand(n, n))  # [j, k]
        functionals = (pulled * receivers_to_senders.T[..., None]).sum(0)
    by_end = torch.zeros(n, dtype=steps.final.dtype)
    by_end[ends] = (steps.final[ends] * functionals[ends]).sum(1)
    return state.sum(1).numpy(), by_end.numpy()


def _body_orders(steps, ends, structure: Structure):
    """1-, 2- and 3-body relevances by inclusion and exclusion over walks restricted to subsets."""
    n = steps.n_atoms
    singles = _restricted_sums(steps, ends, np.arange(n)[:, None])
    pair_list = np.array(list(itertools.combinations(range(n), 2)), dtype=int).reshape(-1, 2)
    within_pair = _restricted_sums(steps, ends, pair_list) if len(pair_list) else np.zeros(0)
    pair_body = within_pair - singles[pair_list[:, 0]] - singles[pair_list[:, 1]]
    triple_list = np.array(list(itertools.combinations(range(n), 3)) if n <= MAX_ATOMS_TRIPLES else [],
                           dtype=int).reshape(-1, 3)
    if len(triple_list):
        within = _restricted_sums(steps, ends, triple_list)
        pair_index = {tuple(p): i for i, p in enumerate(pair_list)}
        pair_sums = sum(within_pair[[pair_index[(a, b)] for a, b in triple_list[:, [x, y]]]]
                        for x, y in ((0, 1), (0, 2), (1, 2)))
        triple_body = within - pair_sums + singles[triple_list].sum(1)
    else:
        triple_body = np.zeros(0)
    symbols = structure.symbols
    d = structure.distances()
    pairs = pd.DataFrame({"a": pair_list[:, 0], "b": pair_list[:, 1],
                          "elements": [f"{symbols[a]}{symbols[b]}" for a, b in pair_list],
                          "distance": d[pair_list[:, 0], pair_list[:, 1]], "relevance": pair_body})
    triples = pd.DataFrame({"a": triple_list[:, 0], "b": triple_list[:, 1], "c": triple_list[:, 2],
                            "elements": ["".join(symbols[i] for i in t) for t in triple_list],
                            "relevance": triple_body})
    def by_abs(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[np.argsort(-np.abs(frame["relevance"].to_numpy()), kind="stable")]

    return singles, by_abs(pairs).reset_index(drop=True), by_abs(triples).reset_index(drop=True)


# -- walks themselves --------------------------------------------------------------------------------------------


def _prefixes(steps: _Steps, ends, down_to: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every walk's part from ``x^(T)`` down to ``x^(down_to)``: atom paths ``(P, T - down_to + 1)`` ordered
    ``i_down_to ... i_T`` and relevance vectors ``(P, F)`` on ``x^(down_to)``."""
    n = steps.n_atoms
    everyone = torch.arange(n)
    paths, vectors = ends[:, None], steps.final[ends]
    for t in range(steps.n_passes, down_to, -1):
        k = paths[:, 0]
        sent = steps.down(t, k, vectors, everyone.expand(len(k), n))
        keep = steps.allowed(k[:, None], everyone[None]).reshape(-1)
        paths = torch.cat([everyone.repeat(len(k))[:, None], paths.repeat_interleave(n, 0)], 1)[keep]
        vectors = sent.reshape(-1, sent.shape[-1])[keep]
    return paths, vectors


def _suffixes(steps: _Steps, up_to: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every walk's part from ``x^(0)`` up to ``x^(up_to)``: paths ``(S, up_to + 1)`` ordered ``i_0 ... i_up_to``
    and the functionals ``(S, F)`` on ``x^(up_to)`` that give the walk's relevance from the prefix's vector."""
    n = steps.n_atoms
    everyone = torch.arange(n)
    width = steps.final.shape[1]
    paths = everyone[:, None]
    functionals = torch.ones(n, width, dtype=steps.final.dtype)
    for t in range(1, up_to + 1):
        j = paths[:, -1]
        pulled = steps.up(t, j, functionals, everyone.expand(len(j), n))
        keep = steps.allowed(everyone[None], j[:, None]).reshape(-1)
        paths = torch.cat([paths.repeat_interleave(n, 0), everyone.repeat(len(j))[:, None]], 1)[keep]
        functionals = pulled.reshape(-1, width)[keep]
    return paths, functionals


def count_walks(model: AtomisticModel, structure: Structure, output: str | int = "energy",
                passes: int | None = None) -> int:
    """How many walks explain ``output``: ``n_outputs * n^T`` without a cutoff (the residual stay included);
    ``passes`` counts walks over fewer passes than the model's ``T``."""
    n = len(structure)
    passes = model.n_interactions if passes is None else passes
    if model.cutoff is None:
        return (n if output == "energy" else 1) * n ** passes
    reach = (structure.distances() < model.cutoff).astype(float)  # includes the stay (distance 0)
    ends = np.ones(n) if output == "energy" else np.eye(n)[int(output)]
    return round(float(ends @ np.linalg.matrix_power(reach, passes) @ np.ones(n)))


def _exhaustive(steps, ends) -> tuple[np.ndarray, np.ndarray]:
    paths, vectors = _prefixes(steps, ends, 0)
    return paths.numpy(), vectors.sum(1).numpy()


def _top_k(steps: _Steps, ends: torch.Tensor, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` walks of largest ``|relevance|``, meeting in the middle with Cauchy-Schwarz pruning.

    The search runs in float32 (half the time of float64); its best ``2k + 16`` candidates are then evaluated in
    float64 along their walks and ranked, so only walks within float32 round-off of the ``k``-th could be missed.
    """
    fast = steps.converted(torch.float32)
    middle = steps.n_passes // 2
    prefix_paths, vectors = _prefixes(fast, ends, middle)
    suffix_paths, functionals = _suffixes(fast, middle)
    groups = []
    for atom in range(steps.n_atoms):
        upper = torch.nonzero(prefix_paths[:, 0] == atom)[:, 0]
        lower = torch.nonzero(suffix_paths[:, -1] == atom)[:, 0]
        if len(upper) and len(lower):
            u_norm, a_norm = vectors[upper].norm(dim=1), functionals[lower].norm(dim=1)
            u_order, a_order = torch.argsort(u_norm, descending=True), torch.argsort(a_norm, descending=True)
            groups.append((upper[u_order], u_norm[u_order], lower[a_order], a_norm[a_order]))
    slack = 1e-3  # the threshold is lowered by this fraction: float32 values may be a little off
    wanted = 2 * k + 16
    best_values = torch.zeros(0)
    best_pairs = torch.zeros(0, 2, dtype=torch.long)

    def offer(upper, lower):
        nonlocal best_values, best_pairs
        values = (vectors[upper] @ functionals[lower].T).abs()
        top_values, flat = torch.topk(values.reshape(-1), min(wanted, values.numel()))
        pairs = torch.stack([upper[flat // len(lower)], lower[flat % len(lower)]], 1)
        best_values = torch.cat([best_values, top_values])
        best_pairs = torch.cat([best_pairs, pairs])
        # a pair offered twice (the seed, then its block) must count once, or the threshold would rise too early
        _, first = np.unique((best_pairs[:, 0] * len(functionals) + best_pairs[:, 1]).numpy(), return_index=True)
        best_values, best_pairs = best_values[first], best_pairs[first]
        if len(best_values) > wanted:
            keep = torch.topk(best_values, wanted).indices
            best_values, best_pairs = best_values[keep], best_pairs[keep]

    def threshold() -> float:
        return float(best_values.min()) * (1 - slack) if len(best_values) >= wanted else 0.0

    seed = 32  # the largest norms on both sides first: a good threshold before the full search
    for upper, _, lower, _ in groups:
        offer(upper[:seed], lower[:seed])
    block = 1024
    for upper, u_norm, lower, a_norm in groups:
        for start in range(0, len(upper), block):
            tau = threshold()
            if float(u_norm[start]) * float(a_norm[0]) < tau:
                break  # rows are sorted by norm: no later block can reach the threshold either
            # the suffixes whose norm can still lift the block's largest prefix above the threshold
            needed = int(torch.searchsorted(-a_norm, torch.tensor([-tau / max(float(u_norm[start]), 1e-30)]),
                                            right=True)[0]) if tau > 0 else len(lower)
            if needed:
                offer(upper[start:start + block], lower[:needed])
    upper, lower = best_pairs[:, 0], best_pairs[:, 1]
    candidates = torch.cat([suffix_paths[lower], prefix_paths[upper][:, 1:]], 1)
    exact = steps.walk_values(candidates)
    order = torch.argsort(exact.abs(), descending=True, stable=True)[:k]
    return candidates[order].numpy(), exact[order].numpy()


def walk_relevance(model: AtomisticModel, structure: Structure, output: str | int = "energy",
                   top: int | None = 20, epsilon: float = 1e-9) -> WalkRelevance:
    """Relevances of the walks behind ``output`` (GNN-LRP), with per-atom and 1/2/3-body sums.

    Parameters
    ----------
    model
        A SchNet, DTNN or PaiNN (also SchNetPack's, opened with :func:`insight.load_schnetpack`).
    structure
        A molecule.
    output
        ``"energy"``: the total (sum of the ``E_i``); or an atom index: that atom's ``E_i``.
    top
        The number ``K`` of most relevant walks to find (exactly, without enumerating all); ``None`` enumerates
        every walk (refused beyond ``MAX_EXHAUSTIVE_WALKS``).
    epsilon
        Stabiliser of the epsilon rule (added to each denominator with its sign). Tiny by default: the rule is then
        LRP-0, which conserves relevance except for the biases' share.
    """
    if output != "energy":
        if isinstance(output, bool) or not isinstance(output, (int, np.integer)) \
                or not 0 <= int(output) < len(structure):
            raise ArgumentError(f"output must be 'energy' or an atom index 0..{len(structure) - 1}, got {output!r}")
        output = int(output)
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ArgumentError(f"top must be a positive number of walks or None (all walks), got {top!r}")
    if not epsilon >= 0:
        raise ArgumentError(f"epsilon must be >= 0, got {epsilon}")
    n_walks = count_walks(model, structure, output)
    limit = MAX_EXHAUSTIVE_WALKS * 64 // max(model.n_state, 64)
    if top is None and n_walks > limit:
        raise ArgumentError(f"{n_walks:,} walks are too many to enumerate (limit {limit:,} for this model): ask for "
                            "the most relevant ones with top=K; the per-atom and body-order sums are exact either way")
    if top is not None and top < n_walks:
        middle = model.n_interactions // 2
        halves = max(count_walks(model, structure, output, passes=model.n_interactions - middle),
                      count_walks(model, structure, "energy", passes=middle))
        if halves * model.n_state > MAX_HALF_WALK_NUMBERS:
            raise StructureError(
                f"{len(structure)} atoms are too many for the top-K search with {model.n_interactions} passes and "
                f"no cutoff to bound them ({halves:,} half walks to keep); explain a smaller molecule or use a "
                "model with a cutoff or fewer passes")
    with torch.no_grad():
        return _walk_relevance(model, structure, output, top, epsilon, n_walks)


def _walk_relevance(model, structure, output, top, epsilon, n_walks) -> WalkRelevance:
    steps = _steps(model, structure, epsilon)
    ends = _end_atoms(steps, output)
    by_start, by_end = _marginals(steps, ends)
    singles, pairs, triples = _body_orders(steps, ends, structure)
    explained = float(by_start.sum())
    body = {"1": float(singles.sum()), "2": float(pairs["relevance"].sum())}
    if len(structure) <= MAX_ATOMS_TRIPLES:
        body["3"] = float(triples["relevance"].sum())
        body["4+"] = explained - sum(body.values())
    else:  # too many triples to sum one by one
        body["3+"] = explained - sum(body.values())
    if top is None or top >= n_walks:
        walks, relevance = _exhaustive(steps, ends)
        order = np.argsort(-np.abs(relevance), kind="stable")
        walks, relevance, mode = walks[order], relevance[order], "exhaustive"
        if top is not None:
            walks, relevance = walks[:top], relevance[:top]
    else:
        walks, relevance = _top_k(steps, ends, int(top))
        mode = "top-k"
    numbers = structure.numbers if output == "energy" else structure.numbers[[output]]
    constant = float((model.mean + model.atomref[torch.tensor(numbers)]).sum())
    if model.config.pooling == "mean":
        constant /= len(structure)
    return WalkRelevance(
        walks=walks, relevance=relevance, structure=structure, output=output,
        target=float(steps.learned[ends].sum()), explained=explained, offset=constant, by_start=by_start,
        by_end=by_end, own=singles, pairs=pairs, triples=triples, body_orders=body, n_walks=n_walks, mode=mode,
        epsilon=epsilon, unit=model.energy_unit, model=model.name)
