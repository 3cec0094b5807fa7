"""The measured values the chapter's claims are judged on, gathered from the sweeps' fits.

Each function returns a plain dict for ``ch.judge``; the rules that decide are in ``claims.py``.
"""

from __future__ import annotations

import numpy as np


def accuracy_measured(pretrained: dict, n_train: int, n_test: int, epochs: int) -> dict:
    return {"test_accuracy": pretrained["test_accuracy"], "n_train": n_train, "n_test": n_test, "epochs": epochs}


def eta_measured(fits: dict, model: str, optimizer: str, pretrained_accuracy: float) -> dict:
    """Per-epoch power-law fits of T(η) per layer (with the per-step exponents beside them)."""
    f = fits[(model, optimizer, "T_epoch")]
    step = fits[(model, optimizer, "T_step")]
    measured = {f"exponent_{layer}": fit.exponent for layer, fit in f["eta"].items()}
    measured |= {f"ci_{layer}": list(fit.exponent_ci) for layer, fit in f["eta"].items()}
    measured |= {f"r2_{layer}": fit.r2 for layer, fit in f["eta"].items()}
    measured |= {f"per_step_exponent_{layer}": fit.exponent for layer, fit in step["eta"].items()}
    measured["n_rates"] = len(f["eta_x"])
    measured["pretrained_accuracy"] = pretrained_accuracy
    return measured


def batch_measured(fits: dict, model: str, optimizer: str, pretrained_accuracy: float) -> dict:
    """Per-epoch line fits of T(1/B) per layer: R², the quadratic term's p-value, the slope."""
    fit = fits[(model, optimizer, "T_epoch")]
    f = fit["batch"]
    measured = {f"r2_{layer}": b["r2_linear"] for layer, b in f.items()}
    measured |= {f"p_quadratic_{layer}": b["p_quadratic"] for layer, b in f.items()}
    measured |= {f"slope_{layer}": b["slope"] for layer, b in f.items()}
    measured["n_batches"] = len(fit["inv_batch_x"])
    measured["pretrained_accuracy"] = pretrained_accuracy
    return measured


def zeta_measured(fits: dict, model: str, optimizer: str, pretrained_accuracy: float) -> dict:
    """The 95 % intervals of the exponents of T in η and in 1/B, per layer."""
    f = fits[(model, optimizer, "T_epoch")]
    measured = {f"eta_exponent_ci_{layer}": list(fit.exponent_ci) for layer, fit in f["eta"].items()}
    measured |= {f"inv_batch_exponent_ci_{layer}": list(b["power_law"].exponent_ci) for layer, b in f["batch"].items()}
    measured |= {"n_rates": len(f["eta_x"]), "n_batches": len(f["inv_batch_x"]),
                 "pretrained_accuracy": pretrained_accuracy}
    return measured


def pruning_measured(pruned, baseline_accuracy: float, n_test: int, fractions) -> dict:
    """Mean accuracy drop per rule over the fractions, and the unpaired standard error of a difference."""
    mean_drop = pruned.groupby("rule")["drop"].mean()
    se = float(np.sqrt(2 * baseline_accuracy * (1 - baseline_accuracy) / n_test))
    return {"drop_hottest": mean_drop["hottest"], "drop_coldest": mean_drop["coldest"],
            "drop_random": mean_drop["random"], "se": se, "baseline_accuracy": baseline_accuracy,
            "n_test": n_test, "fractions": list(fractions)}
