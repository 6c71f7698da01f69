"""Building blocks shared by DTNN and SchNet (thesis ch. 3 and 4)."""

from __future__ import annotations

import contextlib
import math
import threading

import torch
from torch import nn

__all__ = [
    "shifted_softplus",
    "ShiftedSoftplus",
    "tanh_from_sigmoid",
    "linear_padded",
    "GaussianRBF",
    "windowed_linear",
    "dense_expansion",
    "CosineCutoff",
    "Dense",
    "scatter_sum",
]

_LN2 = math.log(2.0)


def shifted_softplus(x: torch.Tensor) -> torch.Tensor:
    """``ssp(x) = ln(0.5 e^x + 0.5)`` (Eq. 4.8): smooth to all orders, ``ssp(0) = 0``."""
    return nn.functional.softplus(x) - _LN2


class ShiftedSoftplus(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return shifted_softplus(x)


class _TanhFromSigmoid(torch.autograd.Function):
    """``tanh(x) = 2 sigmoid(2x) - 1``, in place, with tanh's own backward from the output (twice differentiable)."""

    @staticmethod
    def forward(ctx, x):
        y = torch.mul(x, 2.0).sigmoid_().mul_(2.0).sub_(1.0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return torch.ops.aten.tanh_backward(grad, y)


def tanh_from_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``tanh`` to round-off (3e-16 in float64, 2e-7 in float32), forward and backward about three times faster
    than ``torch.tanh`` on CPU, whose vectorised sigmoid is much cheaper than its tanh."""
    return _TanhFromSigmoid.apply(x)


def linear_padded(x: torch.Tensor, weight: torch.Tensor, multiple: int = 16) -> torch.Tensor:
    """``x @ weight.T`` computed with ``weight``'s outputs padded by zero rows to a multiple of ``multiple``:
    the same values to round-off (the padding adds exact zeros, and is sliced off), and no gradient for the
    padding. CPU matrix kernels are much faster for output widths that fill their vector registers: for DTNN's
    messages (30 outputs from 60 factors), 32 outputs take 0.43 ms where 30 take 0.69 on 9,800 pairs, and inside
    a compiled graph the slice costs nothing."""
    missing = -weight.shape[0] % multiple
    if not missing:
        return nn.functional.linear(x, weight)
    padded = torch.cat([weight, weight.new_zeros((missing, weight.shape[1]))])
    return nn.functional.linear(x, padded)[:, : weight.shape[0]]


class GaussianRBF(nn.Module):
    """Distances expanded in Gaussians on a grid (Eq. 3.4).

    ``d_hat_k = exp(-gamma (d - k * spacing)^2)`` for ``0 <= k * spacing <= stop``.
    The thesis uses spacing 0.1 Å and gamma 10 Å^-2 (Fig. 3.3; SchNet: 0-30 Å, 300 Gaussians).
    """

    def __init__(self, stop: float, spacing: float = 0.1, gamma: float = 10.0, start: float = 0.0):
        super().__init__()
        n = int(round((stop - start) / spacing)) + 1
        self.register_buffer("centers", torch.linspace(start, start + (n - 1) * spacing, n))
        self.register_buffer("gamma", torch.tensor(float(gamma)))

    @property
    def n_rbf(self) -> int:
        return int(self.centers.shape[0])

    def forward(self, distances: torch.Tensor) -> torch.Tensor:
        return torch.exp(-self.gamma * (distances[..., None] - self.centers) ** 2)

    #: Gaussians smaller than this are left out of the windowed expansion: far below float64 round-off next to
    #: the largest Gaussian of a window, which is at least exp(-gamma spacing^2 / 4).
    window_tolerance: float = 1e-20
    #: The same for training in float32: still five orders of magnitude below float32 round-off, and windows
    #: of 45 instead of 55 Gaussians. Evaluation keeps :attr:`window_tolerance`, so that published numbers
    #: are reproduced bit for bit.
    float32_training_window_tolerance: float = 1e-12
    #: Width of the distance bins (Å) whose pairs share one window of Gaussians in :func:`windowed_linear`.
    window_bin: float = 1.0

    @property
    def reach(self) -> float:
        """Distance from its centre beyond which a Gaussian is below :attr:`window_tolerance` (Å)."""
        return self.reach_below(self.window_tolerance)

    def reach_below(self, tolerance: float) -> float:
        """Distance from its centre beyond which a Gaussian is below ``tolerance`` (Å)."""
        return math.sqrt(-math.log(tolerance) / float(self.gamma))

    @property
    def window_pays(self) -> bool:
        """Whether :func:`windowed_linear` is worth its bookkeeping: its windows (a bin plus the reach on both
        sides) span at most half of the Gaussians. True for the thesis' 300 Gaussians (about 55 per window);
        false for coarse bases such as SchNetPack's 20 Gaussians to 5 Å, whose windows span them all."""
        if self.n_rbf < 2:
            return False
        spacing = float(self.centers[1] - self.centers[0])
        return (2 * self.reach + self.window_bin) / spacing + 2 <= self.n_rbf / 2


class _WindowedGaussianLinear(torch.autograd.Function):
    """``exp(-gamma (d - mu)^2) @ weight.T + bias`` for distances sorted into bins, over each bin's window of
    Gaussians.

    ``bins`` are ``(start, stop, first, last)``: the sorted distances ``start:stop`` need only the Gaussians
    ``first:last`` (the bin plus the Gaussians' reach on both sides), so each bin is one dense product with the
    matching columns of the weight, written straight into its rows of the output: about a sixth of the work of
    the full expansion for SchNet's 300 Gaussians. Differentiable once, in the weight, the bias and the
    distances (forces); training on forces, which differentiates the forces again, uses the dense expansion.
    """

    @staticmethod
    def forward(ctx, distances, weight, bias, centers, gamma, bins):
        out = distances.new_empty((distances.shape[0], weight.shape[0]))
        keep_offsets = ctx.needs_input_grad[0]
        saved = []
        for start, stop, first, last in bins:
            offset = distances[start:stop, None] - centers[first:last]
            # exp(-80) as the floor: the tails stay off exp's slow underflow path
            values = offset.square().mul_(-gamma).clamp_(min=-80.0).exp_()
            if bias is None:
                torch.mm(values, weight[:, first:last].t(), out=out[start:stop])
            else:
                torch.addmm(bias, values, weight[:, first:last].t(), out=out[start:stop])
            saved.append((values, offset if keep_offsets else None))
        ctx.bins, ctx.saved, ctx.gamma = bins, saved, gamma
        ctx.save_for_backward(weight)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        (weight,) = ctx.saved_tensors
        grad_weight = torch.zeros_like(weight) if ctx.needs_input_grad[1] else None
        grad_bias = grad_out.sum(0) if ctx.needs_input_grad[2] else None
        grad_distances = grad_out.new_zeros(grad_out.shape[0]) if ctx.needs_input_grad[0] else None
        for (start, stop, first, last), (values, offset) in zip(ctx.bins, ctx.saved):
            grad_rows = grad_out[start:stop]
            if grad_weight is not None:
                grad_weight[:, first:last].addmm_(grad_rows.t(), values)
            if grad_distances is not None:
                # d/dd exp(-gamma (d - mu)^2) = -2 gamma (d - mu) exp(-gamma (d - mu)^2)
                product = (grad_rows @ weight[:, first:last]) * values * offset
                grad_distances[start:stop] = product.sum(1) * (-2.0 * ctx.gamma)
        return grad_distances, grad_weight, grad_bias, None, None, None


_expansion = threading.local()


@contextlib.contextmanager
def dense_expansion():
    """Within this block (in this thread) models use the dense Gaussian expansion: for functorch transforms
    (``torch.func.jvp``, ``vmap``), which the windowed expansion's custom autograd function does not support."""
    previous = getattr(_expansion, "dense", False)
    _expansion.dense = True
    try:
        yield
    finally:
        _expansion.dense = previous


def dense_expansion_requested() -> bool:
    return getattr(_expansion, "dense", False)


def windowed_linear(rbf: GaussianRBF, distances: torch.Tensor, weight: torch.Tensor,
                    bias: torch.Tensor | None = None, tolerance: float | None = None) -> torch.Tensor:
    """``rbf(distances) @ weight.T + bias`` over the non-negligible Gaussians only: the same values to
    ``tolerance`` (default :attr:`GaussianRBF.window_tolerance`); ``weight`` is ``(n_out, n_rbf)`` as in
    :class:`torch.nn.Linear`."""
    spacing = float(rbf.centers[1] - rbf.centers[0]) if rbf.n_rbf > 1 else 1.0
    origin = float(rbf.centers[0])
    reach = rbf.reach if tolerance is None else rbf.reach_below(tolerance)
    bin_of = torch.floor(distances.detach() / rbf.window_bin).long()
    in_order = bool((bin_of[1:] >= bin_of[:-1]).all())
    order = None if in_order else torch.argsort(bin_of)
    sorted_distances = distances if in_order else distances.index_select(0, order)
    values, counts = torch.unique_consecutive(bin_of if in_order else bin_of[order], return_counts=True)
    bins, start = [], 0
    for b, count in zip(values.tolist(), counts.tolist()):
        low, high = b * rbf.window_bin - reach, (b + 1) * rbf.window_bin + reach
        first = min(rbf.n_rbf, max(0, int(math.floor((low - origin) / spacing))))
        last = max(first, min(rbf.n_rbf, int(math.ceil((high - origin) / spacing)) + 1))
        bins.append((start, start + count, first, last))  # an empty window (far beyond the grid) gives zeros
        start += count
    out = _WindowedGaussianLinear.apply(sorted_distances, weight, bias, rbf.centers, float(rbf.gamma), bins)
    if not in_order:  # index_select rather than out[...]: its backward is a fast index_add_
        out = out.index_select(0, torch.argsort(order))
    return out


class CosineCutoff(nn.Module):
    """``f(d) = 0.5 (cos(pi d / r_c) + 1)`` inside ``r_c``, zero outside: filters go smoothly to zero."""

    def __init__(self, cutoff: float):
        super().__init__()
        self.register_buffer("cutoff", torch.tensor(float(cutoff)))

    def forward(self, distances: torch.Tensor) -> torch.Tensor:
        value = 0.5 * (torch.cos(distances * math.pi / self.cutoff) + 1.0)
        return value * (distances < self.cutoff).to(distances.dtype)


class Dense(nn.Linear):
    """An atom-wise layer (Eq. 4.6) with an optional activation."""

    def __init__(self, n_in: int, n_out: int, bias: bool = True, activation: nn.Module | None = None):
        super().__init__(n_in, n_out, bias=bias)
        self.activation = activation if activation is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(super().forward(x))


def scatter_sum(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """Sum rows of ``values`` into ``size`` bins given by ``index``."""
    out = torch.zeros((size,) + values.shape[1:], dtype=values.dtype, device=values.device)
    return out.index_add_(0, index, values)


class DistanceTable:
    """A function of distance tabulated on a fine grid and interpolated with cubic Lagrange polynomials.

    Pair features (filters) depend on the distance alone, so for many pairs
    they can be looked up instead of recomputed. Each value is a weighted sum of
    four neighbouring rows (one ``embedding_bag`` per table), with an
    interpolation error of order ``spacing**4``: with 0.002 Å, below float32
    round-off for trained filters and within 1e-6 relative even for random,
    strongly curved ones (asserted in tests/test_models.py and tests/test_schnetpack.py).
    Distances beyond the table take its last rows: past ``stop`` every
    Gaussian of the expansion has decayed to zero, so features are constant.
    """

    def __init__(self, function, stop: float, spacing: float, dtype: torch.dtype, device: torch.device):
        self.spacing = float(spacing)
        # Rows at -spacing, 0, spacing, ...: the four rows around any distance >= 0 exist.
        self.n_rows = int(math.ceil(stop / spacing)) + 4
        grid = (torch.arange(self.n_rows, dtype=torch.float64, device=device) - 1.0) * self.spacing
        with torch.no_grad():
            values = function(grid.to(dtype))
        self.is_tensor = isinstance(values, torch.Tensor)
        self.tables = [values.contiguous()] if self.is_tensor else [v.contiguous() for v in values]

    def __call__(self, distances: torch.Tensor):
        # The last interval starts at row n_rows - 4 (its four rows end at the table's last one). Clamping the
        # integer part, not the position, keeps every index in range whatever float32 rounds n_rows - 3 to.
        position = (distances / self.spacing).clamp(min=0.0, max=self.n_rows - 3)
        lower = position.floor().clamp(max=self.n_rows - 4)
        t = position - lower
        first = lower.long()  # row of grid point lower - 1 (the grid starts one step below zero)
        index = torch.stack([first, first + 1, first + 2, first + 3], dim=1)
        weights = torch.stack([-t * (t - 1) * (t - 2) / 6, (t + 1) * (t - 1) * (t - 2) / 2,
                               -(t + 1) * t * (t - 2) / 2, (t + 1) * t * (t - 1) / 6], dim=1)
        looked_up = [
            nn.functional.embedding_bag(index, table, per_sample_weights=weights, mode="sum") for table in self.tables
        ]
        return looked_up[0] if self.is_tensor else tuple(looked_up)
