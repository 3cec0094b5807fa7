"""The multi-dimensional walk of the paper's derivation (Eqs. 7-11), with the noise amplitudes of Eqs. 23-26,
and Monte-Carlo checks of Properties 4.1 and 4.2.

One hidden unit of the two-layer network at the start of training on random labels (p = 1/2, so
(p − y)² = 1/4), Gaussian inputs and ‖w‖ = 1, so that its pre-activation is z ~ N(b, 1). The coordinates
U = {V, b} share one coin ζ (Eq. 7: both gradient components have the sign of p − y when V > 0) and move by

    V ← V − η g_V(b) ζ,    b ← b − η g_b(V, b) ζ,    g_V = φ₁(b),  g_b = V φ₂(b)         (Eqs. 8, 23-26)

with φ₁(b)² = E(p − y)² E relu(z)² and φ₂(b)² = E(p − y)² Pr[z > 0] in closed form. The walk is unbiased, so
the mean of every coordinate is a martingale; what moves at O(η²) is the median (and the density). Two opposite
steps move a walker by −η²(g·∇)g, so the median moves at −η²(g·∇)g/2 per step; its component along g/|g| is
Eq. 11's c = −η² Σ g_i g_j ∂_j g_i / (2|g|) (and its numerator is the paper's ψ of Eq. 27).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

SQ_ERROR = 0.25  # E(p − y)² at p = 1/2 with labels in {0, 1}


def _pdf(b):
    return np.exp(-np.square(b) / 2) / math.sqrt(2 * math.pi)


def relu_second_moment(b):
    """E relu(z)² for z ~ N(b, 1): (b² + 1) Φ(b) + b φ(b)."""
    b = np.asarray(b, float)
    return (b**2 + 1) * ndtr(b) + b * _pdf(b)


def phi1(b):
    """φ₁(b) = sqrt(E(p − y)² E relu(z)²) (Eq. 24)."""
    return np.sqrt(SQ_ERROR * relu_second_moment(b))


def phi2(b):
    """φ₂(b) = sqrt(E(p − y)² Pr[z > 0]) (Eq. 26)."""
    return np.sqrt(SQ_ERROR * ndtr(np.asarray(b, float)))


def dphi1(b):
    """dφ₁/db, from d E relu(z)²/db = 2 (b Φ(b) + φ(b))."""
    b = np.asarray(b, float)
    return SQ_ERROR * 2 * (b * ndtr(b) + _pdf(b)) / (2 * phi1(b))


def dphi2(b):
    """dφ₂/db = E(p − y)² φ(b) / (2 φ₂)."""
    return SQ_ERROR * _pdf(b) / (2 * phi2(b))


def amplitudes(V, b):
    """(g_V, g_b) of Eqs. 23-26 at batch size 1."""
    return phi1(b), V * phi2(b)


def soret_coefficient(V: float, b: float, eta: float) -> float:
    """Eq. 11 for U = {V, b}: c = −η² Σ_ij g_i g_j ∂_j g_i / (2|g|); the numerator is the paper's ψ (Eq. 27)."""
    gv, gb = amplitudes(V, b)
    # ∂_V g_V = 0, ∂_b g_V = φ₁', ∂_V g_b = φ₂, ∂_b g_b = V φ₂'
    numerator = gv * gb * dphi1(b) + gb * gv * phi2(b) + gb * gb * V * dphi2(b)
    return float(-(eta**2) * numerator / (2 * math.hypot(gv, gb)))


def simulate(V0: float, b0: float, eta: float, n_walkers: int, n_steps: int, *, rng: np.random.Generator,
             record_every: int = 1) -> np.ndarray:
    """Walkers of the shared-coin walk from (V0, b0); positions (records, 2, walkers), records every few steps."""
    if V0 <= 0 or eta <= 0 or n_walkers < 1 or n_steps < 1 or record_every < 1:
        raise ValueError("need V0 > 0 (the sign condition of Eq. 7), eta > 0 and positive sizes")
    V = np.full(n_walkers, float(V0))
    b = np.full(n_walkers, float(b0))
    records = [np.stack([V, b])]
    for t in range(1, n_steps + 1):
        zeta = rng.integers(0, 2, size=n_walkers) * 2 - 1
        gv, gb = amplitudes(V, b)
        V, b = V - eta * gv * zeta, b - eta * gb * zeta
        if t % record_every == 0:
            records.append(np.stack([V, b]))
    return np.stack(records)


def advection(V: float, b: float) -> tuple[float, float]:
    """(g·∇)g at (V, b): a pair of opposite steps moves a walker by −η²(g·∇)g, so the median moves at
    −η²(g·∇)g/2 per step; its component along g/|g| is Eq. 11's c."""
    gv, gb = amplitudes(V, b)
    return float(gb * dphi1(b)), float(gv * phi2(b) + gb * V * dphi2(b))


def walk_measurements(etas: Sequence[float], n_walkers: int, n_steps: int, seed: int, V0: float = 1.0,
                      b0: float = 0.0) -> dict:
    """For each eta (run for n_steps·(η_min/η)² steps, rounded to an even number, so every eta spreads equally; after
    an odd number of ±1 coins the median would sit on a cluster boundary): the drift per step of the
    median of the walkers' displacement along g/|g| (with its standard error), the same for the mean (a martingale:
    zero), the coordinate medians of V and b, and Eq. 11's c."""
    rng = np.random.default_rng([seed, 17])
    gv, gb = amplitudes(V0, b0)
    unit = np.array([gv, gb]) / math.hypot(gv, gb)
    keys = ("median_along", "median_along_se", "mean_along", "mean_along_se", "mean_b", "mean_b_se", "median_v",
            "median_b", "predicted_c", "predicted_v", "predicted_b", "steps")
    out = {k: [] for k in keys}
    av, ab = advection(V0, b0)
    for eta in etas:
        steps = 2 * max(5, int(round(n_steps * (min(etas) / eta) ** 2 / 2)))  # even: the median sits between clusters
        pos = simulate(V0, b0, eta, n_walkers, steps, rng=rng, record_every=steps)[-1]  # (2, walkers) at the end
        along = unit @ (pos - np.array([[V0], [b0]]))
        sd = along.std()
        out["median_along"].append(float(np.median(along)) / steps)
        out["median_along_se"].append(1.2533 * sd / math.sqrt(n_walkers) / steps)
        out["mean_along"].append(float(along.mean()) / steps)
        out["mean_along_se"].append(sd / math.sqrt(n_walkers) / steps)
        out["mean_b"].append(float(pos[1].mean() - b0) / steps)
        out["mean_b_se"].append(float(pos[1].std()) / math.sqrt(n_walkers) / steps)
        out["median_v"].append(float(np.median(pos[0]) - V0) / steps)
        out["median_b"].append(float(np.median(pos[1]) - b0) / steps)
        out["predicted_c"].append(soret_coefficient(V0, b0, eta))
        out["predicted_v"].append(-(eta**2) * av / 2)
        out["predicted_b"].append(-(eta**2) * ab / 2)
        out["steps"].append(steps)
    return {k: np.asarray(v, float) for k, v in out.items()} | {"etas": np.asarray(etas, float)}


# ------------------------------------------------------------------------------------------------------------
# Properties 4.1 and 4.2 by Monte Carlo
# ------------------------------------------------------------------------------------------------------------


def h_functions(V: float, w: np.ndarray, b: float, x: np.ndarray) -> dict:
    """Monte-Carlo h_v, h_w (one value per input coordinate), h_b and the activation rate of one unit on inputs x."""
    z = x @ w + b
    active = (z > 0).astype(float)
    return {"h_v": float(np.mean(np.maximum(z, 0) ** 2)),
            "h_w": np.mean((V * active)[:, None] ** 2 * x**2, axis=0),
            "h_b": float(np.mean((V * active) ** 2)),
            "activation": float(active.mean())}


def property_violations(n_pairs: int, n_inputs: int, n_samples: int, *, rng: np.random.Generator,
                        nonnegative: bool) -> dict:
    """Draw ordered pairs and count, for each h, how often the larger parameters give a smaller value beyond the
    Monte-Carlo noise (common random inputs for both members of a pair).

    Property 4.1 (Gaussian inputs): V₁² ≤ V₂², b₁ ≤ b₂, the same W. Property 4.2 (inputs ≥ 0, uniform here): in
    addition W₁ ≤ W₂ elementwise. Returns the largest relative violation of each inequality and the count.
    """
    worst = {"h_v": 0.0, "h_w": 0.0, "h_b": 0.0, "activation": 0.0}
    count = dict.fromkeys(worst, 0)
    for _ in range(n_pairs):
        x = rng.random((n_samples, n_inputs)) if nonnegative else rng.standard_normal((n_samples, n_inputs))
        w2 = rng.standard_normal(n_inputs) / math.sqrt(n_inputs)
        w1 = w2 - (rng.random(n_inputs) * 0.3 / math.sqrt(n_inputs) if nonnegative else 0)
        v2 = rng.normal()
        v1 = v2 * rng.random()
        b2 = rng.normal()
        b1 = b2 - rng.random()
        small, large = h_functions(v1, w1, b1, x), h_functions(v2, w2, b2, x)
        for key in worst:
            gap = np.min(np.atleast_1d(large[key]) - np.atleast_1d(small[key]))
            scale = max(float(np.max(np.atleast_1d(large[key]))), 1e-12)
            if gap < -1e-12:
                count[key] += 1
                worst[key] = max(worst[key], float(-gap / scale))
    return {"worst": worst, "violations": count, "pairs": n_pairs}


def property_point(n_pairs: int, n_inputs: int, n_samples: int, seed: int, nonnegative: bool) -> dict:
    """:func:`property_violations` from JSON-able arguments (a sweep point)."""
    return property_violations(n_pairs, n_inputs, n_samples, rng=np.random.default_rng([seed, 19 + nonnegative]),
                               nonnegative=nonnegative)
