"""The measured values the chapter's claims are judged on, gathered from the sweeps' runs and fits.

Each function returns a plain dict for ``ch.judge``; the rules that decide are in ``claims.py``. Every
temperature claim carries the equilibrium gate's values (:func:`equilibrium`) in its measured dict.
"""

from __future__ import annotations

import numpy as np


def halves_change(series) -> float:
    """(mean of the second half − mean of the first half) / overall mean of a series (odd lengths: the middle
    reading goes to neither half)."""
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 1 or len(series) < 2:
        raise ValueError(f"need a 1-D series of at least 2 readings, got shape {series.shape}")
    half = len(series) // 2
    return float((series[-half:].mean() - series[:half].mean()) / series.mean())


def network_temperature_series(run: dict) -> np.ndarray:
    """Per-epoch T of the whole network (layers pooled by size) of one equilibrium run."""
    sizes = run["layer_sizes"]
    total = sum(sizes.values())
    return sum(np.asarray(run["T_epoch_series"][layer]) * sizes[layer] for layer in sizes) / total


def equilibrium(runs: list[dict]) -> dict:
    """The equilibrium gate's values for a set of runs (one sweep): the largest relative drift of the training loss
    between the halves of the recorded epochs, and the relative change of the network's per-epoch T between the
    halves (mean over the runs, with its standard error)."""
    drifts = [halves_change(r["train_loss"][r["burn_in"]:]) for r in runs]
    trends = np.array([halves_change(network_temperature_series(r)) for r in runs])
    return {"loss_drift_max": float(np.max(np.abs(drifts))), "T_trend": float(trends.mean()),
            "T_trend_se": float(trends.std(ddof=1) / np.sqrt(len(trends))) if len(trends) > 1 else float("nan"),
            "recorded_epochs": int(len(runs[0]["train_loss"]) - runs[0]["burn_in"]), "runs": len(runs)}


def sweep_runs(runs: list[dict], optimizer: str) -> list[dict]:
    return [r for r in runs if r["setting"]["optimizer"] == optimizer]


def accuracy_measured(pretrained: dict, n_train: int, n_test: int, epochs: int) -> dict:
    return {"test_accuracy": pretrained["test_accuracy"], "n_train": n_train, "n_test": n_test, "epochs": epochs}


def _exponents(fits: dict, prefix: str = "") -> dict:
    out = {f"{prefix}exponent_{layer}": fit.exponent for layer, fit in fits.items()}
    out |= {f"{prefix}ci_{layer}": list(fit.exponent_ci) for layer, fit in fits.items()}
    return out


def eta_measured(fits: dict, runs: list[dict], model: str, optimizer: str, key: str, pretrained_accuracy: float,
                 steps_per_epoch: int) -> dict:
    """Power-law fits of T(η) per layer (``key``: ``T_epoch`` or ``T_step``), with the gate's values."""
    f = fits[(model, optimizer, key)]
    measured = _exponents(f["eta"])
    measured |= {f"r2_{layer}": fit.r2 for layer, fit in f["eta"].items()}
    measured |= {"n_rates": len(f["eta_x"]), "pretrained_accuracy": pretrained_accuracy,
                 "steps_per_epoch": steps_per_epoch, "points": len(f["eta_points"][0])}
    return measured | equilibrium(sweep_runs(runs, optimizer))


def batch_measured(fits: dict, runs: list[dict], model: str, optimizer: str, key: str, pretrained_accuracy: float
                   ) -> dict:
    """Power-law exponents of T in 1/B per layer, the line's R² and the quadratic term's p-value (secondary)."""
    fit = fits[(model, optimizer, key)]
    measured = _exponents({layer: b["power_law"] for layer, b in fit["batch"].items()})
    measured |= {f"p_quadratic_{layer}": b["p_quadratic"] for layer, b in fit["batch"].items()}
    measured |= {f"r2_linear_{layer}": b["r2_linear"] for layer, b in fit["batch"].items()}
    measured |= {"n_batches": len(fit["inv_batch_x"]), "pretrained_accuracy": pretrained_accuracy,
                 "points": len(fit["batch_points"][0])}
    return measured | equilibrium(sweep_runs(runs, optimizer))


def zeta_measured(fits: dict, model: str, optimizer: str, pretrained_accuracy: float) -> dict:
    """The 95 % intervals of the exponents of T in η and in 1/B, per layer."""
    f = fits[(model, optimizer, "T_epoch")]
    measured = {f"eta_exponent_ci_{layer}": list(fit.exponent_ci) for layer, fit in f["eta"].items()}
    measured |= {f"inv_batch_exponent_ci_{layer}": list(b["power_law"].exponent_ci) for layer, b in f["batch"].items()}
    measured |= {"n_rates": len(f["eta_x"]), "n_batches": len(f["inv_batch_x"]),
                 "pretrained_accuracy": pretrained_accuracy}
    return measured


def sgd_step_measured(fits: dict, runs: list[dict], model: str = "gcn") -> dict:
    """Per-step SGD exponents of T in η (``eta_``) and in 1/B (``invb_``), for T ∝ η·ζ."""
    f = fits[(model, "sgd", "T_step")]
    measured = _exponents(f["eta"], "eta_")
    measured |= _exponents({layer: b["power_law"] for layer, b in f["batch"].items()}, "invb_")
    return measured | equilibrium(sweep_runs(runs, "sgd"))


def residual_measured(reference_runs: list[dict]) -> dict:
    """The reference setting's per-layer T (smallest over layers and runs) and the stationarity of the network's T."""
    t_min = min(float(np.min(r["T_epoch_series"][layer])) for r in reference_runs for layer in r["layer_sizes"])
    return {"T_min": t_min} | equilibrium(reference_runs)


def energy_measured(reference_runs: list[dict]) -> dict:
    """K + V over the recorded epochs: K = Σ ½v² over all weights (per-epoch velocity), V = the epoch's mean loss.

    ``ratio`` = std of the epoch-to-epoch change of K + V over the std of the change of V alone, pooled over the
    runs: 0 if K absorbed every change of V (conservation), about 1 if it does not.
    """
    d_total, d_v = [], []
    for r in reference_runs:
        sizes = r["layer_sizes"]
        kinetic = sum(np.asarray(r["T_epoch_series"][layer]) * sizes[layer] for layer in sizes)
        potential = np.asarray(r["train_loss"][r["burn_in"]:], dtype=np.float64)
        d_total.append(np.diff(kinetic + potential))
        d_v.append(np.diff(potential))
    d_total, d_v = np.concatenate(d_total), np.concatenate(d_v)
    return {"ratio": float(d_total.std() / d_v.std()), "K_mean": float(np.mean([
        sum(np.mean(r["T_epoch_series"][layer]) * r["layer_sizes"][layer] for layer in r["layer_sizes"])
        for r in reference_runs])), "V_change_std": float(d_v.std()), "changes": len(d_v)}


def rows_measured(runs: list[dict], weight: str) -> dict:
    """Row heterogeneity of one weight in the first run of the reference setting."""
    from thermo_utils.chapters.gnn_temperature.models import split_half_agreement

    run = runs[0]
    row_t = run["rows_epoch"][weight]
    return {"hot_cold_ratio": float(row_t.max() / row_t.min()), "coefficient_of_variation": float(row_t.std() /
                                                                                                 row_t.mean()),
            "split_half_spearman": split_half_agreement(run["rows_step_by_epoch"][weight]),
            "recorded_epochs": int(len(run["rows_step_by_epoch"][weight])), "rows": int(len(row_t))}


def paired_difference(correct_a, correct_b) -> tuple[float, float]:
    """Mean and standard error of a − b over the same test graphs (a, b: per-graph correctness, 0/1 or fractions)."""
    d = np.asarray(correct_a, dtype=np.float64) - np.asarray(correct_b, dtype=np.float64)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def gat_vs_gcn_measured(pre: dict, sizes: dict) -> dict:
    """Paired accuracy difference GAT − GCN on the shared test graphs, and the sizes each was trained with."""
    diff, se = paired_difference(pre["gat"]["test_correct"], pre["gcn"]["test_correct"])
    return {"difference": diff, "se": se, "gcn_accuracy": pre["gcn"]["test_accuracy"],
            "gat_accuracy": pre["gat"]["test_accuracy"], **sizes}


def pruning_measured(pruned, baseline_accuracy: float, n_test: int, fractions) -> dict:
    """Mean accuracy drop per rule over the fractions, and paired differences between rules on the same graphs.

    For each rule, a graph's score is its correctness averaged over the fractions (and the random draws); the
    difference of two rules' drops is the mean over graphs of the difference of their scores.
    """
    mean_drop = pruned.groupby("rule")["drop"].mean()
    score = {rule: np.mean(np.stack(list(part["correct"])), axis=0) for rule, part in pruned.groupby("rule")}
    cold_minus_hot, se_ch = paired_difference(score["hottest"], score["coldest"])  # drop_cold − drop_hot
    random_minus_hot, se_rh = paired_difference(score["hottest"], score["random"])  # drop_random − drop_hot
    unpaired = float(np.sqrt(2 * baseline_accuracy * (1 - baseline_accuracy) / n_test))
    return {"drop_hottest": mean_drop["hottest"], "drop_coldest": mean_drop["coldest"],
            "drop_random": mean_drop["random"], "cold_minus_hot": cold_minus_hot, "se_cold_hot": se_ch,
            "random_minus_hot": random_minus_hot, "se_random_hot": se_rh, "se_unpaired": unpaired,
            "baseline_accuracy": baseline_accuracy, "n_test": n_test, "fractions": list(fractions)}


READINGS = {"per-epoch": ("eta_power_law_gcn", "batch_linear_gcn", "layers_independent"),
            "per-step": ("eta_power_law_gcn_per_step", "batch_linear_gcn_per_step", "layers_independent_per_step")}


def reading_summary(verdicts: dict) -> str:
    """One sentence on which reading of the paper's Δt reproduces its GCN claims, from the computed verdicts
    (``claim name → verdict``; ids or bare names)."""
    bare = {name.rsplit(".", 1)[-1]: verdict for name, verdict in verdicts.items()}
    parts = []
    for reading, names in READINGS.items():
        found = [bare.get(name, "not judged") for name in names]
        counts = {v: found.count(v) for v in dict.fromkeys(found)}
        parts.append(f"{reading}, " + ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in counts.items())
                     + f" (of {len(names)})")
    per_epoch, per_step = ([bare.get(n) for n in names] for names in READINGS.values())
    score = {r: sum(v == "reproduced" for v in vs) for r, vs in zip(READINGS, (per_epoch, per_step))}
    if score["per-epoch"] == score["per-step"]:
        verdict = "neither reading reproduces more of them than the other" if score["per-epoch"] < len(
            READINGS["per-epoch"]) else "both readings reproduce all of them"
    else:
        verdict = f"the {max(score, key=score.get)} reading reproduces more of them"
    return "; ".join(parts) + f": {verdict}"
