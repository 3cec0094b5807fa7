"""Fits with honest error bars: power laws, polynomials, rank correlations, bootstrap intervals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class PowerLawFit:
    """y ≈ prefactor · x^exponent, fitted by least squares in log–log coordinates."""

    exponent: float
    prefactor: float
    exponent_ci: tuple[float, float]
    r2: float
    n: int

    def __call__(self, x):
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent

    def label(self, var: str = "x") -> str:
        lo, hi = self.exponent_ci
        return f"{self.prefactor:.2g}·{var}^{self.exponent:.2f} [{lo:.2f}, {hi:.2f}]"


def power_law_fit(x, y, level: float = 0.95) -> PowerLawFit:
    """Fit log y = a log x + log b; the exponent's interval is Student-t at ``level``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-D arrays of one length")
    if len(x) < 3:
        raise ValueError(f"a power-law fit with an interval needs at least 3 points, got {len(x)}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power-law fit needs positive x and y")
    lx, ly = np.log(x), np.log(y)
    res = stats.linregress(lx, ly)
    t = stats.t.ppf(0.5 + level / 2, len(x) - 2)
    ci = (res.slope - t * res.stderr, res.slope + t * res.stderr)
    return PowerLawFit(float(res.slope), float(np.exp(res.intercept)), (float(ci[0]), float(ci[1])),
                       float(res.rvalue**2), len(x))


@dataclass(frozen=True)
class NestedFitComparison:
    """Does a polynomial of one more degree fit significantly better? (extra-sum-of-squares F test)."""

    coef_low: np.ndarray
    coef_high: np.ndarray
    p_value: float
    r2_low: float
    r2_high: float


def compare_polynomial_degrees(x, y, low: int = 1, high: int = 2) -> NestedFitComparison:
    """Fit degrees ``low`` and ``high`` and F-test the extra terms. A small p-value: ``high`` is needed."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    if n <= high + 1:
        raise ValueError(f"need more than {high + 1} points to compare degrees {low} and {high}, got {n}")
    c_low, c_high = np.polyfit(x, y, low), np.polyfit(x, y, high)
    rss_low = float(np.sum((np.polyval(c_low, x) - y) ** 2))
    rss_high = float(np.sum((np.polyval(c_high, x) - y) ** 2))
    tss = float(np.sum((y - y.mean()) ** 2))
    df_extra, df_resid = high - low, n - high - 1
    if rss_high <= 0:
        p = 0.0 if rss_low > 0 else 1.0
    else:
        f = ((rss_low - rss_high) / df_extra) / (rss_high / df_resid)
        p = float(stats.f.sf(f, df_extra, df_resid))
    return NestedFitComparison(c_low, c_high, p, 1 - rss_low / tss, 1 - rss_high / tss)


def bootstrap_ci(statistic: Callable[..., float], *samples, n_boot: int = 2000, level: float = 0.95,
                 rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(*samples)``, resampling the rows of all samples together."""
    samples = [np.asarray(s) for s in samples]
    n = len(samples[0])
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        values.append(statistic(*(s[idx] for s in samples)))
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    lo, hi = np.quantile(values, [0.5 - level / 2, 0.5 + level / 2])
    return float(lo), float(hi)


def spearman_with_ci(x, y, *, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95):
    """Spearman's rank correlation with a percentile bootstrap interval: (rho, (lo, hi)).

    The same resamples and values as :func:`bootstrap_ci` over ``scipy.stats.spearmanr`` (the same draws from
    ``rng``; resamples whose x or y is constant are left out), computed for all resamples at once, so that tens of
    thousands of resamples, which make the interval's ends stable to Monte-Carlo noise, cost well under a second."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rho = float(stats.spearmanr(x, y).statistic)
    idx = rng.integers(0, len(x), (n_boot, len(x)))
    rx, ry = stats.rankdata(x[idx], axis=1), stats.rankdata(y[idx], axis=1)
    rx -= rx.mean(1, keepdims=True)
    ry -= ry.mean(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = (rx * ry).sum(1) / np.sqrt((rx ** 2).sum(1) * (ry ** 2).sum(1))
    values = values[np.isfinite(values)]
    if not len(values):  # a NaN among the values, or too few distinct ones: no interval (a claim reads it undecided)
        return rho, (float("nan"), float("nan"))
    lo, hi = np.quantile(values, [0.5 - level / 2, 0.5 + level / 2])
    return rho, (float(lo), float(hi))
