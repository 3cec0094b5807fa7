"""Free-energy curves of SGD's stationary states on the sphere: their shape across rates, and the band of rates
that minimise no free energy. The temperature estimator itself is ``thermo_utils.core.free_energy_temperature``.
"""

from __future__ import annotations

import numpy as np


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
