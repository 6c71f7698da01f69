"""Building blocks shared by DTNN and SchNet (thesis ch. 3 and 4)."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "shifted_softplus",
    "ShiftedSoftplus",
    "GaussianRBF",
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
        position = (distances / self.spacing).clamp(min=0.0, max=self.n_rows - 3.000001)
        lower = position.floor()
        t = position - lower
        first = lower.long()  # row of grid point lower - 1 (the grid starts one step below zero)
        index = torch.stack([first, first + 1, first + 2, first + 3], dim=1)
        weights = torch.stack([-t * (t - 1) * (t - 2) / 6, (t + 1) * (t - 1) * (t - 2) / 2,
                               -(t + 1) * t * (t - 2) / 2, (t + 1) * t * (t - 1) / 6], dim=1)
        looked_up = [
            nn.functional.embedding_bag(index, table, per_sample_weights=weights, mode="sum") for table in self.tables
        ]
        return looked_up[0] if self.is_tensor else tuple(looked_up)
