"""Paired comparisons across seeds: the mean difference and its t interval."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def paired_interval(a, b, level: float = 0.95) -> dict:
    """Mean of ``a - b`` (paired by seed) and its two-sided ``level`` t interval; nan bounds below two pairs."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if diff.ndim != 1 or len(diff) == 0:
        raise ValueError("paired_interval needs two equal-length, non-empty sequences")
    mean = float(diff.mean())
    if len(diff) < 2:
        return {"mean": mean, "low": math.nan, "high": math.nan, "pairs": len(diff)}
    half = float(stats.t.ppf(0.5 + level / 2, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff)))
    return {"mean": mean, "low": mean - half, "high": mean + half, "pairs": len(diff)}
