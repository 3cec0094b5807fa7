"""A kinetic thermometer for parameters trained by SGD.

Treat each weight as a particle of unit mass: its velocity over an interval Δ is v = w(t) − w(t − Δ)
and its kinetic temperature is T = ⟨½ v²⟩ (k_B = 1). The interval is whatever separates two calls to
:meth:`Thermometer.read`: every step, every k steps or every epoch. Readings are kept per parameter
tensor, per row of a weight matrix (one output unit, one filter) and as a time series.

Works on an ``nn.Module`` or on a dict of tensors; with ``ensemble=True`` the first dimension of every
tensor indexes independent models trained together (stacked parameters), and each gets its own T.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import torch


def kinetic_temperature(velocity: torch.Tensor) -> torch.Tensor:
    """T = mean of ½ v² over all entries."""
    return 0.5 * velocity.pow(2).mean()


class Thermometer:
    """Record kinetic temperatures of parameters between successive :meth:`read` calls."""

    def __init__(self, params: torch.nn.Module | Mapping[str, torch.Tensor], names=None, ensemble: bool = False):
        if isinstance(params, torch.nn.Module):
            params = dict(params.named_parameters())
        self.params = {n: p for n, p in params.items() if names is None or n in names}
        if not self.params:
            raise ValueError(f"no parameters to measure (asked for {names})")
        self.ensemble = ensemble
        self._previous = {n: p.detach().clone() for n, p in self.params.items()}
        self._series = defaultdict(list)  # ensemble: name -> per-reading T, shape (M,)
        self._row_sums = {}  # ensemble: name -> sum over readings of per-row T
        self._series_rows = []  # single model: per reading, |v| of every tensor
        self._sum_v2 = [torch.zeros_like(p) for p in self._previous.values()]  # single model: Σ over readings of v²
        self.readings = 0

    def reset(self) -> None:
        """Forget the readings and take the current weights as the new reference point."""
        for name, p in self.params.items():
            self._previous[name].copy_(p.detach())
        self._series.clear()
        self._row_sums.clear()
        self._series_rows.clear()
        for total in self._sum_v2:
            total.zero_()
        self.readings = 0

    @torch.no_grad()
    def read(self) -> None:
        """One reading: velocities since the previous reading, then the current weights become the reference."""
        if self.ensemble:
            self._read_ensemble()
        else:
            self._read_single()
        self.readings += 1

    def _read_single(self) -> None:
        """A handful of multi-tensor (foreach) operations whatever the number of tensors, so that reading at
        every step costs little next to the step: per-row sums are only formed when asked for."""
        current = [p.detach() for p in self.params.values()]
        previous = list(self._previous.values())
        velocity = torch._foreach_sub(current, previous)
        norms = torch.stack(torch._foreach_norm(velocity))
        self._series_rows.append(norms)  # |v| per tensor; T = ½|v|²/size is formed on demand
        torch._foreach_addcmul_(self._sum_v2, velocity, velocity)
        torch._foreach_copy_(previous, current)

    def _read_ensemble(self) -> None:
        for name, p in self.params.items():
            previous = self._previous[name]
            half_v2 = 0.5 * (p.detach() - previous).pow(2)
            previous.copy_(p.detach())
            rows = half_v2.flatten(start_dim=2).mean(dim=-1) if half_v2.dim() > 2 else half_v2
            if rows.dim() == 1:  # one scalar parameter per member
                rows = rows.unsqueeze(-1)
            self._series[name].append(rows.mean(dim=-1))
            self._row_sums[name] = self._row_sums.get(name, 0) + rows

    def _need_readings(self):
        if self.readings == 0:
            raise RuntimeError("no readings yet: call read() at least once after training steps")

    def series(self, name: str) -> np.ndarray:
        """T of one tensor at each reading: shape (readings,) or (readings, M) for an ensemble."""
        self._need_readings()
        if self.ensemble:
            return torch.stack(self._series[name]).cpu().numpy()
        column = list(self.params).index(name)
        norms = torch.stack(self._series_rows)[:, column]
        return (0.5 * norms.pow(2) / self.params[name].numel()).cpu().numpy()

    def temperature(self) -> dict[str, np.ndarray]:
        """Time-averaged T of every tensor."""
        self._need_readings()
        return {name: self.series(name).mean(axis=0) for name in self.params}

    def row_temperature(self, name: str) -> np.ndarray:
        """Time-averaged T of each row (output unit) of one tensor: shape (rows,) or (M, rows)."""
        self._need_readings()
        if self.ensemble:
            return (self._row_sums[name] / self.readings).cpu().numpy()
        total = self._sum_v2[list(self.params).index(name)]
        rows = total.reshape(total.shape[0], -1).mean(dim=1) if total.dim() > 0 else total.reshape(1)
        return (0.5 * rows / self.readings).cpu().numpy()

    def layer_temperature(self, layer_of=None) -> dict[str, np.ndarray]:
        """Time-averaged T per layer: the tensors of one layer pooled, weighted by size.

        ``layer_of`` maps a tensor's name to its layer; by default, the module that holds it.
        """
        lead = 1 if self.ensemble else 0
        sizes = {name: int(np.prod(p.shape[lead:])) for name, p in self.params.items()}
        return pool_by_layer(self.temperature(), sizes, layer_of or module_of)


def module_of(name: str) -> str:
    """The module that holds a parameter: ``fc1.weight`` → ``fc1``."""
    return name.rsplit(".", 1)[0] if "." in name else name


def pool_by_layer(per_tensor: dict, sizes: dict, layer_of=module_of) -> dict:
    """Per-layer temperature from per-tensor temperatures, each tensor weighted by its number of entries."""
    totals, counts = defaultdict(float), defaultdict(int)
    for name, value in per_tensor.items():
        layer = layer_of(name)
        totals[layer] = totals[layer] + value * sizes[name]
        counts[layer] += sizes[name]
    return {layer: totals[layer] / counts[layer] for layer in totals}


def lagged_square_displacement(trajectory: np.ndarray, lags) -> np.ndarray:
    """E[(w_{t+k} − w_t)²] for each lag k, averaged over t and over any trailing axes.

    ``trajectory`` has time on axis 0. Returns one value per lag (and per column of axis 1 if the
    trajectory is 3-D: time, groups, samples).
    """
    trajectory = np.asarray(trajectory, dtype=float)
    out = []
    for k in lags:
        if not 0 < k < trajectory.shape[0]:
            raise ValueError(f"lag {k} outside (0, {trajectory.shape[0]})")
        d2 = (trajectory[k:] - trajectory[:-k]) ** 2
        out.append(d2.mean(axis=(0, -1)) if d2.ndim == 3 else d2.mean())
    return np.asarray(out)
