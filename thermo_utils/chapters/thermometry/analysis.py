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
