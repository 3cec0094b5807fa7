"""The temperature that makes each learning rate's stationary state a free-energy minimiser, F = U − T·S.

Given stationary losses U_i and entropies S_i at learning rates η_i, rate i minimises F_j(T) = U_j − T·S_j
over the grid exactly for T in an interval [T⁻_i, T⁺_i] (empty when (S_i, U_i) lies above the lower convex
hull of the points). Following Sadrtdinov et al. (2025): U and S are first smoothed across rates with a
triangular kernel in ln η, the interval may be widened to ε-minimisers, the point estimate is √(T⁻T⁺), and a
power law T ≈ b·η^a is fitted. The interval is computed exactly from the pairwise slopes, no grid over T.
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


def free_energy_curves(U, S, temperatures) -> np.ndarray:
    """F_T(η_j) = U_j − T S_j for each T: shape (n_temperatures, n_rates)."""
    return np.asarray(U)[None, :] - np.asarray(temperatures, dtype=np.float64)[:, None] * np.asarray(S)[None, :]


def is_unimodal(values) -> bool:
    """Decreasing then increasing (either part may be empty): one valley, no interior bump."""
    steps = np.sign(np.diff(np.asarray(values, dtype=np.float64)))
    steps = steps[steps != 0]
    return bool(np.sum(np.diff(steps) != 0) <= 1 and (len(steps) == 0 or steps[-1] > 0 or np.all(steps < 0)))


def temperature_along_iterations(U_t, S_t) -> np.ndarray:
    """T_t = ΔU/ΔS between consecutive logging points of one run (the run's local exchange rate)."""
    U_t, S_t = np.asarray(U_t, dtype=np.float64), np.asarray(S_t, dtype=np.float64)
    if U_t.shape != S_t.shape or U_t.ndim != 1 or len(U_t) < 2:
        raise ValueError("U_t and S_t must be 1-D arrays of one length ≥ 2")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.diff(U_t) / np.diff(S_t)


def spearman(x, y) -> float:
    """Spearman's ρ over the pairs where both values are finite; nan with fewer than 3 such pairs."""
    from scipy.stats import spearmanr

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    return float(spearmanr(x[ok], y[ok]).statistic) if ok.sum() >= 3 else float("nan")


def bump_height(values) -> float:
    """The largest interior bump of a curve, as a fraction of its range: 0 for a curve with one valley.

    A point i is a bump when it lies above the lowest point on each side of it; its height is
    f_i − max(min_{j<i} f_j, min_{k>i} f_k). A curve is unimodal (decreasing, then increasing) exactly when
    no point has a positive height, so "unimodal up to a tolerance" reads ``bump_height(f) <= tolerance``.
    """
    f = np.asarray(values, dtype=np.float64)
    if f.ndim != 1 or len(f) < 3:
        return 0.0
    span = f.max() - f.min()
    if span == 0:
        return 0.0
    left = np.minimum.accumulate(f)[:-2]             # min over j < i, for i = 1 … n−2
    right = np.minimum.accumulate(f[::-1])[::-1][2:]  # min over k > i
    heights = f[1:-1] - np.maximum(left, right)
    return float(max(heights.max(), 0.0) / span)


def minimiser_band(etas, on_hull) -> tuple[float, float]:
    """The widest run of consecutive rates that are not free-energy minimisers: (first η, last η), or nans."""
    etas, miss = np.asarray(etas, dtype=np.float64), ~np.asarray(on_hull, dtype=bool)
    best, start, out = 0, None, (float("nan"), float("nan"))
    for i, m in enumerate(np.append(miss, False)):
        if m and start is None:
            start = i
        elif not m and start is not None:
            if i - start > best:
                best, out = i - start, (float(etas[start]), float(etas[i - 1]))
            start = None
    return out
