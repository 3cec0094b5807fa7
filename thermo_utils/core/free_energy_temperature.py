"""The temperature at which a learning rate's stationary state minimises the free energy F = U − T·S.

Given stationary losses U_i and entropies S_i at learning rates η_i, rate i minimises F_j(T) = U_j − T·S_j over
the grid exactly for T in an interval [T⁻_i, T⁺_i] (empty when (S_i, U_i) lies above the lower convex hull of
the points). U and S are first smoothed across rates with a triangular kernel in ln η; the interval may be
widened to ε-minimisers; the point estimate is √(T⁻T⁺); a power law T ≈ b·η^a is fitted. The interval is
computed exactly from the pairwise slopes, with no grid over T. The free-energy chapter measures SGD with it,
and the thermometry chapter checks it on laws whose temperature is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermo_utils.core.fitting import PowerLawFit, power_law_fit


def _rates_and_values(etas, *values):
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or len(etas) < 2 or np.any(etas <= 0) or np.any(np.diff(etas) <= 0):
        raise ValueError("etas must be a strictly increasing 1-D array of at least 2 positive rates")
    out = []
    for v in values:
        v = np.asarray(v, dtype=np.float64)
        if v.shape != etas.shape:
            raise ValueError(f"values of shape {v.shape} do not match {len(etas)} learning rates")
        if not np.all(np.isfinite(v)):
            raise ValueError("U and S must be finite at every learning rate (drop converged or diverged rates first)")
        out.append(v)
    return etas, out


def smooth_across_rates(etas, values, half_width: float = 0.3) -> np.ndarray:
    """Kernel average over rates with weights max(0, 1 − |ln η_i − ln η_j| / half_width)."""
    etas, (values,) = _rates_and_values(etas, values)
    if half_width < 0:
        raise ValueError(f"half_width must be ≥ 0, got {half_width}")
    if half_width == 0:
        return values.copy()
    gap = np.abs(np.log(etas)[:, None] - np.log(etas)[None, :])
    weights = np.clip(1 - gap / half_width, 0, None)
    return weights @ values / weights.sum(axis=1)


def minimiser_intervals(U, S, eps: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """[T⁻_i, T⁺_i]: the temperatures T ≥ 0 at which U_i − T S_i ≤ min_j (U_j − T S_j) + ε.

    Each j gives a linear constraint (U_i − U_j) − T (S_i − S_j) ≤ ε; rates with S_j < S_i bound T from
    below, rates with S_j > S_i from above. An empty interval comes back as (nan, nan).
    """
    U, S = np.asarray(U, dtype=np.float64), np.asarray(S, dtype=np.float64)
    if eps < 0:
        raise ValueError(f"eps must be ≥ 0, got {eps}")
    dU = U[:, None] - U[None, :]
    dS = S[:, None] - S[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (dU - eps) / dS
    lower = np.where(dS > 0, bound, -np.inf).max(axis=1)
    upper = np.where(dS < 0, bound, np.inf).min(axis=1)
    lower = np.maximum(lower, 0.0)
    ties_ok = np.all(np.where(dS == 0, dU <= eps, True), axis=1)
    empty = (lower > upper) | ~ties_ok
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


@dataclass(frozen=True)
class TemperatureEstimate:
    """Per-rate temperature intervals and point estimates, with the smoothed U and S they came from."""

    etas: np.ndarray
    U: np.ndarray
    S: np.ndarray
    t_low: np.ndarray
    t_high: np.ndarray

    @property
    def point(self) -> np.ndarray:
        """√(T⁻T⁺) where both ends are positive and finite, else nan (the grid's end points, empty intervals)."""
        ok = (self.t_low > 0) & np.isfinite(self.t_high) & np.isfinite(self.t_low)
        with np.errstate(invalid="ignore"):
            return np.where(ok, np.sqrt(self.t_low * self.t_high), np.nan)

    @property
    def on_hull(self) -> np.ndarray:
        """Rates that minimise the free energy for some T (nonempty interval)."""
        return np.isfinite(self.t_low)

    def power_law(self) -> PowerLawFit:
        """T ≈ b·η^a fitted in log–log over the rates with a point estimate."""
        point = self.point
        ok = np.isfinite(point)
        return power_law_fit(self.etas[ok], point[ok])


def estimate_temperature(etas, U, S, *, half_width: float = 0.3, eps: float = 0.0) -> TemperatureEstimate:
    """Smooth U and S across rates, then find each rate's free-energy temperature interval."""
    etas, (U, S) = _rates_and_values(etas, U, S)
    U_s, S_s = smooth_across_rates(etas, U, half_width), smooth_across_rates(etas, S, half_width)
    low, high = minimiser_intervals(U_s, S_s, eps)
    return TemperatureEstimate(etas, U_s, S_s, low, high)
