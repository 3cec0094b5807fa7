"""Paired comparisons across seeds: the mean difference, its t interval, and how many seeds would resolve it."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

SEEDS_CAP = 10_000  # the most seeds a planning figure counts up to


def _t_half_width(spread, n, level: float):
    """Half-width of the two-sided ``level`` t interval of a mean over ``n`` values with standard deviation ``spread``."""
    return stats.t.ppf(0.5 + level / 2, n - 1) * spread / np.sqrt(n)


def paired_interval(a, b, level: float = 0.95) -> dict:
    """Mean of ``a - b`` (paired by seed) and its two-sided ``level`` t interval; nan bounds below two pairs."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if diff.ndim != 1 or len(diff) == 0:
        raise ValueError("paired_interval needs two equal-length, non-empty sequences")
    mean = float(diff.mean())
    if len(diff) < 2:
        return {"mean": mean, "low": math.nan, "high": math.nan, "pairs": len(diff)}
    half = float(_t_half_width(diff.std(ddof=1), len(diff), level))
    return {"mean": mean, "low": mean - half, "high": mean + half, "pairs": len(diff)}


def seeds_to_resolve(diff, boundary: float = 0.0, level: float = 0.95, most: int = SEEDS_CAP) -> int | None:
    """Fewest pairs whose ``level`` t interval would lie on one side of ``boundary``, if mean and spread held.

    A planning figure for an unresolved comparison, not a forecast: it keeps this run's mean of ``diff`` and its
    standard deviation (ddof=1) and asks from how many seeds on ``|mean - boundary| > t(n-1) * sd / sqrt(n)``.
    ``None`` with fewer than two differences (no spread to plan from), when the mean sits on the boundary, or
    when more than ``most`` seeds would be needed.
    """
    diff = np.asarray(diff, dtype=float)
    if diff.ndim != 1:
        raise ValueError("seeds_to_resolve needs a one-dimensional sequence of paired differences")
    if len(diff) < 2:
        return None
    distance, spread = abs(float(diff.mean()) - boundary), float(diff.std(ddof=1))
    if distance == 0:
        return None
    n = np.arange(2, most + 1)
    clear = _t_half_width(spread, n, level) < distance
    return int(n[clear.argmax()]) if clear.any() else None


def seeds_text(n: int | None) -> str:
    """A :func:`seeds_to_resolve` figure (at its default cap) for the page."""
    return f"more than {SEEDS_CAP:,} (or not estimable)" if n is None else f"{n:,}"
