"""Every claim of the `gnn_temperature` chapter, declared once: statement, kind, thresholds and rule.

The notebook only measures (see :mod:`thermo_utils.chapters.gnn_temperature.measures`); the verdicts are
computed here from its ``measured`` dicts. Layer-wise measurements are keyed ``exponent_<layer>``,
``ci_<layer>`` and so on; the rules find the layers from those keys.
"""

from __future__ import annotations

from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("gnn_temperature")

PAPER_SIZE = {"n_train_min": 60000, "n_test_min": 10000, "epochs_min": 600}


def layers_of(m, prefix: str) -> list[str]:
    """The layers measured under ``prefix`` (``exponent_out`` → ``out``), in the order they were recorded."""
    return [k[len(prefix):] for k in m if k.startswith(prefix)]


# --- accuracy after pre-training -----------------------------------------------------------------------------------

def _accuracy(m, t):
    return abs(m["test_accuracy"] - t.paper_accuracy) <= t.tolerance


def _paper_sized(m, t):
    return m["n_train"] >= t.n_train_min and m["n_test"] >= t.n_test_min and m["epochs"] >= t.epochs_min


_ACCURACY_CRITERION = ("accuracy within {tolerance:.0%} (absolute) of the paper's {paper_accuracy:.0%}")
_ACCURACY_GATE = ("the paper's sizes are used ({n_train_min} training graphs, {n_test_min} test graphs, "
                  "{epochs_min} epochs), since accuracy depends on them")

for _model, _value, _source in (("gcn", 0.64, "Sec. 3.1"), ("gat", 0.74, "Sec. 3.2")):
    CLAIMS.claim(
        kind="paper", source=_source, name=f"{_model}_accuracy",
        statement=f"the {_model.upper()} reaches {_value:.0%} test accuracy after pre-training",
        paper=f"{_value:.0%}", criterion=_ACCURACY_CRITERION,
        thresholds={"paper_accuracy": _value, "tolerance": 0.05, **PAPER_SIZE}, section="gnn-pretraining",
    )(_accuracy).gated(_ACCURACY_GATE)(_paper_sized)


# --- T against the learning rate -------------------------------------------------------------------------------------

def _eta_power_law(m, t):
    layers = layers_of(m, "exponent_")
    others = [layer for layer in layers if layer != t.final_layer]
    final = m[f"ci_{t.final_layer}"]
    return (all(m[f"r2_{layer}"] >= t.r2_min for layer in layers)
            and final[0] <= t.final_high and final[1] >= t.final_low
            and all(m[f"exponent_{layer}"] > t.others_above for layer in others))


def _eta_decidable(m, t):
    layers = layers_of(m, "exponent_")
    others = [layer for layer in layers if layer != t.final_layer]
    final = m[f"ci_{t.final_layer}"]
    precise = all(m[f"ci_{layer}"][1] - m[f"ci_{layer}"][0] < t.ci_width_max for layer in layers)
    contradicted = (any(m[f"ci_{layer}"][1] <= t.others_above for layer in others)
                    or final[1] < t.final_low or final[0] > t.final_high)
    return m["n_rates"] >= t.n_rates_min and m["pretrained_accuracy"] >= t.accuracy_min and (precise or contradicted)


_ETA_CRITERION = ("R² ≥ {r2_min:g} for every layer, the 95 % interval of {final_layer}'s exponent overlaps "
                  "[{final_low:g}, {final_high:g}], and every other layer's exponent > {others_above:g}")
_ETA_GATE = ("there are ≥ {n_rates_min} rates, the pre-trained model learned (test accuracy ≥ {accuracy_min:g}, "
             "twice chance: the paper's equilibrium is that of a trained model), and either every interval is "
             "narrower than {ci_width_max:g} or one interval already contradicts the claim (another layer's "
             "entirely ≤ {others_above:g}, or {final_layer}'s disjoint from [{final_low:g}, {final_high:g}])")
_ETA_THRESHOLDS = {"r2_min": 0.9, "final_low": 1.7, "final_high": 2.3, "others_above": 2.0, "ci_width_max": 1.0,
                   "n_rates_min": 4, "accuracy_min": 0.2}

for _name, _kind, _source, _model, _opt, _final, _paper in (
        ("eta_power_law_gcn", "paper", "Sec. 3.1, Fig. 2", "gcn", "adam", "out",
         "linear layer exponent ≈ 2, GCNConv exponents > 2 (Adam, per epoch)"),
        ("eta_power_law_gcn_sgd", "beyond", "Sec. 3.1, Fig. 2 (with plain SGD)", "gcn", "sgd", "out",
         "the paper used Adam; its claim tested with SGD"),
        ("eta_power_law_gat", "paper", "Sec. 3.2, Fig. 6", "gat", "adam", "out2",
         "final linear exponent ≈ 2, other layers > 2 (Adam, per epoch)")):
    CLAIMS.claim(
        kind=_kind, source=_source, name=_name,
        statement=f"per-epoch T(η) of every {_model.upper()} layer ({_opt}) is a power law; exponent ≈ 2 for the "
                  "final linear layer, > 2 for the others",
        paper=_paper, criterion=_ETA_CRITERION, thresholds={**_ETA_THRESHOLDS, "final_layer": _final},
        section="gnn-eta",
    )(_eta_power_law).gated(_ETA_GATE)(_eta_decidable)


# --- T against the inverse batch size --------------------------------------------------------------------------------

def _judged_layers(m, t) -> list[str]:
    exempt = set(filter(None, str(t.exempt).split(",")))
    return [layer for layer in layers_of(m, "slope_") if layer not in exempt]


def _batch_linear(m, t):
    return all(m[f"slope_{layer}"] > 0 and m[f"r2_{layer}"] >= t.r2_min and m[f"p_quadratic_{layer}"] >= t.p_min
               for layer in _judged_layers(m, t))


def _batch_decidable(m, t):
    return m["n_batches"] >= t.n_batches_min and m["pretrained_accuracy"] >= t.accuracy_min


_BATCH_THRESHOLDS = {"r2_min": 0.9, "p_min": 0.05, "n_batches_min": 5, "accuracy_min": 0.2}

for _name, _kind, _source, _model, _opt, _exempt, _paper in (
        ("batch_linear_gcn", "paper", "Sec. 3.1, Fig. 3", "gcn", "adam", "", "linear in 1/B for every layer"),
        ("batch_linear_gcn_sgd", "beyond", "Sec. 3.1, Fig. 3 (with plain SGD)", "gcn", "sgd", "",
         "the paper used Adam; its claim tested with SGD"),
        ("batch_linear_gat", "paper", "Sec. 3.2, Fig. 7", "gat", "adam", "out2",
         "almost linear for every layer; the final linear layer more parabolic")):
    _which = "every" if not _exempt else "every but the final"
    _layers = "every layer" if not _exempt else "every layer but {exempt}"
    CLAIMS.claim(
        kind=_kind, source=_source, name=_name,
        statement=f"per-epoch T of {_which} {_model.upper()} layer ({_opt}) is linear in 1/B",
        paper=_paper,
        criterion=f"for {_layers}: positive slope, R² of the line ≥ {{r2_min:g}}, and a quadratic term not "
                  "significant (F test p ≥ {p_min:g})",
        thresholds={**_BATCH_THRESHOLDS, "exempt": _exempt}, section="gnn-batch",
    )(_batch_linear).gated("there are ≥ {n_batches_min} batch sizes and the pre-trained model learned "
                           "(test accuracy ≥ {accuracy_min:g})")(_batch_decidable)


# --- the ζ model -----------------------------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="paper", source="Sec. 3.1",
    statement="GCN per-epoch T (Adam) is not proportional to η/B (the ζ = η/(2B) model fails)",
    paper="T is not proportional to η/β",
    criterion="T ∝ η/B needs exponent 1 in both η and 1/B; the model fails if, for some layer, the 95 % interval "
              "of either exponent excludes 1",
    thresholds={"n_rates_min": 4, "n_batches_min": 4, "accuracy_min": 0.2}, section="gnn-batch")
def not_zeta(m, t):
    return any(not (ci[0] <= 1 <= ci[1]) for k, ci in m.items() if "exponent_ci" in k)


@not_zeta.gated("there are ≥ {n_rates_min} rates, ≥ {n_batches_min} batch sizes and the pre-trained model "
                "learned (test accuracy ≥ {accuracy_min:g})")
def _(m, t):
    return m["n_rates"] >= t.n_rates_min and m["n_batches"] >= t.n_batches_min and m["pretrained_accuracy"] >= (
        t.accuracy_min)


# --- rows ------------------------------------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="paper", source="Sec. 3.1, Fig. 4",
    statement="rows of the GCN's 64×64 conv2 weight have very different temperatures, lastingly",
    paper="different rows show completely different thermal agitation (Fig. 4)",
    criterion="hottest/coldest per-epoch row T ≥ {ratio_min:g} and Spearman agreement of per-step row T between "
              "the two halves of the recorded epochs ≥ {agreement_min:g} (a lasting ordering, not sampling noise)",
    thresholds={"ratio_min": 2.0, "agreement_min": 0.5, "epochs_min": 2}, section="gnn-rows")
def row_heterogeneity(m, t):
    return m["hot_cold_ratio"] >= t.ratio_min and m["split_half_spearman"] >= t.agreement_min


@row_heterogeneity.gated("there are ≥ {epochs_min} recorded epochs")
def _(m, t):
    return m["recorded_epochs"] >= t.epochs_min


# --- pruning ---------------------------------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="beyond", source="beyond the paper (Sec. 4; Lapenna et al. 2023)",
    statement="masking the hottest rows of the GCN convolutions costs less accuracy than masking the coldest, "
              "and no more than masking random rows",
    paper="hot CNN filters removable at little cost, cold ones not (predecessor paper)",
    criterion="mean drop (over the fractions) for the coldest exceeds that for the hottest by > {z:g} SE, and the "
              "hottest's does not exceed random's by > {z:g} SE, SE = √(2a(1−a)/n_test)",
    thresholds={"z": 2.0, "accuracy_min": 0.2, "n_test_min": 500}, section="gnn-pruning")
def hot_rows_prunable(m, t):
    return (m["drop_coldest"] - m["drop_hottest"] > t.z * m["se"]
            and m["drop_hottest"] - m["drop_random"] <= t.z * m["se"])


@hot_rows_prunable.gated("the model learned (accuracy a ≥ {accuracy_min:g}, twice chance) and n_test ≥ {n_test_min}")
def _(m, t):
    return m["baseline_accuracy"] >= t.accuracy_min and m["n_test"] >= t.n_test_min
