"""Fits and summaries of the network sweeps, shared by the chapter's figures and its scorecard."""

from __future__ import annotations

import numpy as np

from thermo_utils.core.fitting import power_law_fit


def sweep_fits(res: dict, sweep: str, interval: str, x) -> dict:
    """Power-law fit of each layer's temperature against ``x`` over all seeds (diverged runs left out).

    ``res`` is one :func:`~thermo_utils.chapters.thermometry.mlp.network_sweep` result, ``sweep`` is
    ``rate_sweep`` or ``batch_sweep``, ``interval`` ``per_step`` or ``per_epoch``. A layer with fewer than three
    distinct x values left gets ``None``.
    """
    ok = ~res[sweep]["diverged"]
    fits = {}
    for layer, T in res[sweep][interval].items():
        xs = np.broadcast_to(x, T.shape)[ok]
        fits[layer] = power_law_fit(xs, T[ok]) if len(np.unique(xs)) >= 3 else None
    return fits


def layer_exponents(layer_fits: dict) -> dict:
    """The fitted exponent of every layer that has a fit."""
    return {layer: f.exponent for layer, f in layer_fits.items() if f is not None}


def widest_ci(layer_fits: dict) -> float:
    """The widest 95 % interval of the exponent over the fitted layers."""
    return max(f.exponent_ci[1] - f.exponent_ci[0] for f in layer_fits.values() if f is not None)


def loss_drift(res: dict, sweep: str) -> float:
    """Largest relative change of the training loss between the first and last measured epochs."""
    part = res[sweep]
    return float(np.max(part["loss_drift"][~part["diverged"]], initial=0.0))


def temperature_drift(res: dict, sweep: str) -> float:
    """Largest relative change of a layer's seed-mean per-step temperature between the first and last measured
    epochs, over the settings that did not diverge."""
    part = res[sweep]
    keep = ~part["diverged"].any(axis=0)
    return float(np.max(part["T_drift"][keep], initial=0.0))


def z_summary(value, exact, se) -> dict:
    """How far simulated values lie from exact ones in standard errors, over every cell given."""
    value, exact, se = (np.asarray(a, float).ravel() for a in (value, exact, se))
    z = (value - exact) / se
    return {"max_abs_z": float(np.max(np.abs(z))), "cells": int(z.size),
            "max_rel_error": float(np.max(np.abs(value / exact - 1))),
            "median_rel_se": float(np.median(se / np.abs(exact)))}


def weighted_intercept(x, y, se, degree: int = 2, level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Intercept at x = 0 of a polynomial fit of y against x weighted by 1/se², with its interval from the standard
    errors (not rescaled by the residuals: the errors are measured)."""
    from scipy.stats import norm

    x, y, se = (np.asarray(a, float).ravel() for a in (x, y, se))
    if len(x) <= degree + 1:
        raise ValueError(f"an intercept of a degree-{degree} fit needs more than {degree + 1} points, got {len(x)}")
    coef, cov = np.polyfit(x, y, degree, w=1 / se, cov="unscaled")
    c0, s0 = float(coef[-1]), float(np.sqrt(cov[-1, -1]))
    q = float(norm.ppf(0.5 + level / 2))
    return c0, (c0 - q * s0, c0 + q * s0)


def ci(fit) -> list[float]:
    """A power-law fit's exponent interval as a list (for measured dicts)."""
    return [float(fit.exponent_ci[0]), float(fit.exponent_ci[1])]


def fit_with_sampling(x, y_chains, *, rng: np.random.Generator, n_boot: int = 200, level: float = 0.95):
    """Power-law fit of the chain means ``y_chains.mean(-1)`` against ``x``, and an interval for its exponent that
    covers both the misfit and the sampling error: the union of the regression interval and the bootstrap
    percentile interval over chains (``y_chains``: [point, chain], chains independent)."""
    x, y_chains = np.asarray(x, float), np.asarray(y_chains, float)
    fit = power_law_fit(x, y_chains.mean(axis=-1), level=level)
    n = y_chains.shape[-1]
    boots = [power_law_fit(x, y_chains[:, rng.integers(0, n, n)].mean(axis=-1)).exponent for _ in range(n_boot)]
    lo, hi = np.quantile(boots, [0.5 - level / 2, 0.5 + level / 2])
    return fit, [float(min(fit.exponent_ci[0], lo)), float(max(fit.exponent_ci[1], hi))]


def network_gate(res: dict, sweep: str, layer_fits: dict) -> dict:
    """The values the network claims' gate reads: fitted layers, widest interval, drifts of T and of the loss."""
    return {"n_layers_fitted": len(layer_exponents(layer_fits)), "widest_ci": widest_ci(layer_fits),
            "T_drift": temperature_drift(res, sweep), "loss_drift": loss_drift(res, sweep)}
