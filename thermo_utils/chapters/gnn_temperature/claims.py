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
        note="decided only at profile paper (its sizes are the paper's)",
    )(_accuracy).gated(_ACCURACY_GATE)(_paper_sized)


@CLAIMS.claim(
    kind="paper", source="Sec. 3.2",
    statement="the GAT is more accurate than the GCN on the superpixel graphs",
    paper="GAT 74 % against GCN 64 %",
    criterion="the paired accuracy difference GAT − GCN on the shared test graphs exceeds {z:g} standard errors",
    thresholds={"z": 2.0, "accuracy_min": 0.2}, section="gnn-pretraining")
def gat_beats_gcn(m, t):
    return m["difference"] > t.z * m["se"]


@gat_beats_gcn.gated("both models were trained on the same graphs for the same epochs, both learned (test "
                     "accuracy ≥ {accuracy_min:g}), and the difference is resolved (|difference| > {z:g} SE)")
def _(m, t):
    return (m["gcn_n_train"] == m["gat_n_train"] and m["gcn_epochs"] == m["gat_epochs"]
            and min(m["gcn_accuracy"], m["gat_accuracy"]) >= t.accuracy_min and abs(m["difference"]) > t.z * m["se"])


# --- the equilibrium gate, shared by every temperature claim ------------------------------------------------------

EQUILIBRIUM = {"drift_max": 0.02, "trend_max": 0.2, "accuracy_min": 0.2}
EQUILIBRIUM_TEXT = ("the runs are at equilibrium: the training loss drifts by less than {drift_max:.0%} between the "
                    "halves of the recorded epochs in every run, and the network's per-epoch T changes between the "
                    "halves by less than {trend_max:.0%} on average over the runs; and the pre-trained model learned "
                    "(test accuracy ≥ {accuracy_min:g}, twice chance)")


def at_equilibrium(m, t) -> bool:
    return (m["loss_drift_max"] < t.drift_max and abs(m["T_trend"]) < t.trend_max
            and m["pretrained_accuracy"] >= t.accuracy_min)


def _ci(m, key):
    low, high = m[key]
    return low, high


def contains(ci, value) -> bool:
    return ci[0] <= value <= ci[1]


def pins(ci, value) -> bool:
    """The interval contains ``value`` and excludes the neighbouring integers."""
    return contains(ci, value) and not contains(ci, value - 1) and not contains(ci, value + 1)


def precise(m, t, prefix: str = "", layers=None) -> bool:
    layers = layers if layers is not None else layers_of(m, f"{prefix}exponent_")
    return all(m[f"{prefix}ci_{layer}"][1] - m[f"{prefix}ci_{layer}"][0] < t.ci_width_max for layer in layers)


# --- T against the learning rate -------------------------------------------------------------------------------------

def _eta_power_law(m, t):
    others = [layer for layer in layers_of(m, "exponent_") if layer != t.final_layer]
    return pins(m[f"ci_{t.final_layer}"], 2) and all(m[f"ci_{layer}"][0] > 2 for layer in others)


def _eta_decidable(m, t):
    others = [layer for layer in layers_of(m, "exponent_") if layer != t.final_layer]
    contradicted = not pins(m[f"ci_{t.final_layer}"], 2) or any(m[f"ci_{layer}"][1] < 2 for layer in others)
    resolved = all(not contains(m[f"ci_{layer}"], 2) for layer in others)
    return (at_equilibrium(m, t) and m["n_rates"] >= t.n_rates_min and precise(m, t)
            and (contradicted or resolved))


_ETA_CRITERION = ("the 95 % interval of {final_layer}'s exponent contains 2 and excludes 1 and 3, and every other "
                  "layer's interval lies above 2 (fits over every run, so the intervals carry the run-to-run "
                  "variance)")
_ETA_GATE = (EQUILIBRIUM_TEXT + "; ≥ {n_rates_min} rates; every interval narrower than {ci_width_max:g}; and either "
             "every other layer's interval excludes 2 or the claim is already contradicted")
_ETA_NOTE = ("Changed from the first version of the chapter, before the runs that decide it: an equilibrium gate "
             "replaced the accuracy-only gate, intervals replaced point exponents (R² ≥ 0.9 dropped: the interval "
             "carries the scatter), and a layer whose interval straddles 2 leaves the claim inconclusive.")

for _name, _kind, _source, _model, _opt, _final, _paper, _dt in (
        ("eta_power_law_gcn", "paper", "Sec. 3.1, Fig. 2 (Δt = one epoch)", "gcn", "adam", "out",
         "linear layer exponent ≈ 2, GCNConv exponents > 2 (Adam, per epoch)", "per-epoch"),
        ("eta_power_law_gcn_per_step", "paper", "Sec. 3.1, Fig. 2 (Δt = one step)", "gcn", "adam", "out",
         "the same, if the paper's Δt is one step", "per-step"),
        ("eta_power_law_gcn_sgd", "beyond", "Sec. 3.1, Fig. 2 (with plain SGD)", "gcn", "sgd", "out",
         "the paper used Adam; its claim tested with SGD", "per-epoch"),
        ("eta_power_law_gat", "paper", "Sec. 3.2, Fig. 6", "gat", "adam", "out2",
         "final linear exponent ≈ 2, other layers > 2 (Adam, per epoch)", "per-epoch")):
    CLAIMS.claim(
        kind=_kind, source=_source, name=_name,
        statement=f"{_dt} T(η) of every {_model.upper()} layer ({_opt}) is a power law with exponent ≈ 2 for the "
                  "final linear layer and > 2 for the others",
        paper=_paper, criterion=_ETA_CRITERION,
        thresholds={**EQUILIBRIUM, "final_layer": _final, "ci_width_max": 1.0, "n_rates_min": 4},
        section="gnn-eta", note=_ETA_NOTE,
    )(_eta_power_law).gated(_ETA_GATE)(_eta_decidable)


# --- T against the inverse batch size --------------------------------------------------------------------------------

def _judged_layers(m, t) -> list[str]:
    exempt = set(filter(None, str(t.exempt).split(",")))
    return [layer for layer in layers_of(m, "exponent_") if layer not in exempt]


def _batch_linear(m, t):
    return all(pins(m[f"ci_{layer}"], 1) for layer in _judged_layers(m, t))


def _batch_decidable(m, t):
    return at_equilibrium(m, t) and m["n_batches"] >= t.n_batches_min and precise(m, t, layers=_judged_layers(m, t))


_BATCH_NOTE = ("Changed from the first version of the chapter, before the runs that decide it: judged by the exponent "
               "of T in 1/B (R² of a line and the F test for curvature were lenient against curvature and failed on "
               "noise; they stay in the measured values), with the equilibrium and precision gates of the η claims.")

for _name, _kind, _source, _model, _opt, _exempt, _paper, _dt in (
        ("batch_linear_gcn", "paper", "Sec. 3.1, Fig. 3 (Δt = one epoch)", "gcn", "adam", "",
         "linear in 1/B for every layer", "per-epoch"),
        ("batch_linear_gcn_per_step", "paper", "Sec. 3.1, Fig. 3 (Δt = one step)", "gcn", "adam", "",
         "the same, if the paper's Δt is one step", "per-step"),
        ("batch_linear_gcn_sgd", "beyond", "Sec. 3.1, Fig. 3 (with plain SGD)", "gcn", "sgd", "",
         "the paper used Adam; its claim tested with SGD", "per-epoch"),
        ("batch_linear_gat", "paper", "Sec. 3.2, Fig. 7", "gat", "adam", "out2",
         "almost linear for every layer; the final linear layer more parabolic", "per-epoch")):
    _which = "every" if not _exempt else "every but the final"
    _layers = "every layer" if not _exempt else "every layer but {exempt}"
    CLAIMS.claim(
        kind=_kind, source=_source, name=_name,
        statement=f"{_dt} T of {_which} {_model.upper()} layer ({_opt}) is proportional to 1/B",
        paper=_paper,
        criterion=f"for {_layers}: the 95 % interval of the exponent of T in 1/B contains 1 and excludes 0 and 2",
        thresholds={**EQUILIBRIUM, "exempt": _exempt, "ci_width_max": 1.0, "n_batches_min": 4}, section="gnn-batch",
        note=_BATCH_NOTE,
    )(_batch_linear).gated(EQUILIBRIUM_TEXT + "; ≥ {n_batches_min} batch sizes; every judged interval narrower than "
                           "{ci_width_max:g}")(_batch_decidable)


@CLAIMS.claim(
    kind="paper", source="Sec. 3.2, Fig. 7",
    statement="T(1/B) of the GAT's final linear layer bends more than that of any other GAT layer",
    paper="the final linear layer's curve is more parabolic than the others'",
    criterion="the interval of {final_layer}'s exponent of T in 1/B lies above every other layer's interval "
              "(not reproduced if it lies below some other layer's)",
    thresholds={**EQUILIBRIUM, "final_layer": "out2", "ci_width_max": 1.0}, section="gnn-batch")
def gat_final_layer_bends(m, t):
    others = [layer for layer in layers_of(m, "exponent_") if layer != t.final_layer]
    return all(m[f"ci_{t.final_layer}"][0] > m[f"ci_{layer}"][1] for layer in others)


@gat_final_layer_bends.gated(EQUILIBRIUM_TEXT + "; the intervals are narrower than {ci_width_max:g}; and the order is "
                             "resolved (above every other interval, or below one)")
def _(m, t):
    others = [layer for layer in layers_of(m, "exponent_") if layer != t.final_layer]
    final = m[f"ci_{t.final_layer}"]
    resolved = (all(final[0] > m[f"ci_{layer}"][1] for layer in others)
                or any(final[1] < m[f"ci_{layer}"][0] for layer in others))
    return at_equilibrium(m, t) and precise(m, t) and resolved


# --- the ζ model and plain SGD -------------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="check", source="Sec. 3.1",
    statement="GCN per-epoch T (Adam) is not proportional to η/B (the ζ = η/(2B) model fails)",
    paper="T is not proportional to η/β",
    criterion="T ∝ η/B needs exponent 1 in both η and 1/B; the model fails if, for some layer, the 95 % interval "
              "of either exponent excludes 1",
    thresholds={"n_rates_min": 4, "n_batches_min": 4, "accuracy_min": 0.2}, section="gnn-batch",
    note="A check rather than a test of the paper: with Adam a step is about η times a number of order one, so T ∝ η² "
         "follows from the optimizer and this can hardly fail. The SGD claims below say what the ζ model predicts.")
def not_zeta(m, t):
    return any(not (ci[0] <= 1 <= ci[1]) for k, ci in m.items() if "exponent_ci" in k)


@not_zeta.gated("there are ≥ {n_rates_min} rates, ≥ {n_batches_min} batch sizes and the pre-trained model "
                "learned (test accuracy ≥ {accuracy_min:g})")
def _(m, t):
    return m["n_rates"] >= t.n_rates_min and m["n_batches"] >= t.n_batches_min and m["pretrained_accuracy"] >= (
        t.accuracy_min)


def _sgd_gate(m, t):
    return (m["loss_drift_max"] < t.drift_max and abs(m["T_trend"]) < t.trend_max
            and precise(m, t, "eta_") and precise(m, t, "invb_"))


_SGD_GATE = ("the SGD runs are at equilibrium (loss drift < {drift_max:.0%}, T trend < {trend_max:.0%}, as above) "
             "and every interval is narrower than {ci_width_max:g}")
_SGD_THRESHOLDS = {"drift_max": 0.02, "trend_max": 0.2, "ci_width_max": 1.0}


@CLAIMS.claim(
    kind="implied", source="Sec. 2, Eq. 2 (the SDE's noise η²D/B per step)",
    statement=r"per-step T of plain SGD grows as $\eta\,\zeta \propto \eta^2/B$ in every GCN layer",
    paper="implied: a step is −ηg with E|g|² ≈ tr D/B near equilibrium",
    criterion="for every layer, the 95 % interval of the exponent in η contains 2 and excludes 1 and 3, and that of "
              "the exponent in 1/B contains 1 and excludes 0 and 2",
    thresholds=_SGD_THRESHOLDS, section="gnn-batch")
def sgd_step_eta_zeta(m, t):
    return (all(pins(m[f"eta_ci_{layer}"], 2) for layer in layers_of(m, "eta_exponent_"))
            and all(pins(m[f"invb_ci_{layer}"], 1) for layer in layers_of(m, "invb_exponent_")))


sgd_step_eta_zeta.gated(_SGD_GATE)(_sgd_gate)


@CLAIMS.claim(
    kind="beyond", source="theory section (an epoch of N/B independent SGD steps)",
    statement=r"per-epoch T of plain SGD grows as $1/B^2$ in every GCN layer",
    paper="not in the paper: N/B steps of variance ∝ 1/B each add up if they are independent",
    criterion="for every layer, the 95 % interval of the exponent of per-epoch T in 1/B contains 2 and excludes 1 "
              "and 3",
    thresholds={**EQUILIBRIUM, "ci_width_max": 1.0}, section="gnn-batch")
def sgd_epoch_inverse_b_squared(m, t):
    return all(pins(m[f"ci_{layer}"], 2) for layer in layers_of(m, "exponent_"))


@sgd_epoch_inverse_b_squared.gated(EQUILIBRIUM_TEXT + "; every interval narrower than {ci_width_max:g}")
def _(m, t):
    return at_equilibrium(m, t) and precise(m, t)


# --- equilibrium statements of Sec. 2 --------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="paper", source="Sec. 2",
    statement="at equilibrium a residual temperature persists: every layer's T stays positive and stationary",
    paper="a residual velocity (temperature) persists after equilibrium is reached",
    criterion="every layer's per-epoch T > 0 in every run at the reference setting, and the network's T changes "
              "between the halves of the recorded epochs by less than {trend_max:.0%}: |mean| + {z:g} SE < "
              "{trend_max:.0%} (not reproduced if |mean| − {z:g} SE > {trend_max:.0%})",
    thresholds={"drift_max": 0.02, "trend_max": 0.2, "z": 2.0}, section="gnn-eta")
def residual_temperature(m, t):
    return m["T_min"] > 0 and abs(m["T_trend"]) + t.z * m["T_trend_se"] < t.trend_max


@residual_temperature.gated("the training loss drifts by less than {drift_max:.0%} in every reference run, ≥ 3 runs, "
                            "and the trend is resolved either way")
def _(m, t):
    resolved = (abs(m["T_trend"]) + t.z * m["T_trend_se"] < t.trend_max
                or abs(m["T_trend"]) - t.z * m["T_trend_se"] > t.trend_max or m["T_min"] <= 0)
    return m["loss_drift_max"] < t.drift_max and m["runs"] >= 3 and resolved


@CLAIMS.claim(
    kind="paper", source="Sec. 2",
    statement="K + V is not conserved: the kinetic energy does not absorb the changes of the loss",
    paper="no constant mechanical energy K + V (a dissipative, heat-bath dynamics)",
    criterion="the std of the epoch-to-epoch change of K + V is at least {ratio_min:g} × that of V alone "
              "(0 would be conservation)",
    thresholds={"ratio_min": 0.5, "changes_min": 6}, section="gnn-eta",
    note="K = Σ ½v² over all weights with the per-epoch velocity and unit masses, V = the epoch's mean training "
         "loss; the units of both are conventions, which is why the test asks only whether K compensates V at all.")
def energy_not_conserved(m, t):
    return m["ratio"] >= t.ratio_min


@energy_not_conserved.gated("there are ≥ {changes_min} epoch-to-epoch changes")
def _(m, t):
    return m["changes"] >= t.changes_min


def _layers_independent(m, t):
    cis = [m[f"ci_{layer}"] for layer in layers_of(m, "exponent_")]
    return any(a[1] < b[0] or b[1] < a[0] for i, a in enumerate(cis) for b in cis[i + 1:])


def _layers_independent_decidable(m, t):
    cis = [m[f"ci_{layer}"] for layer in layers_of(m, "exponent_")]
    disjoint = any(a[1] < b[0] or b[1] < a[0] for i, a in enumerate(cis) for b in cis[i + 1:])
    same = max(c[1] for c in cis) - min(c[0] for c in cis) < t.same_band
    return at_equilibrium(m, t) and precise(m, t) and (disjoint or same)


_LAYERS_GATE = (EQUILIBRIUM_TEXT + "; every interval narrower than {ci_width_max:g}; and either some pair is disjoint "
                "or all lie within a band narrower than {same_band:g}")
_LAYERS_NOTE = ("Changed after the first classroom run: its first version called any overlap of the intervals "
                "not_reproduced, against the book's rule that an unresolved difference is inconclusive; the change can "
                "only turn a not_reproduced into inconclusive, never into reproduced.")
_LAYERS_STEP_NOTE = ("Added after the first classroom runs, when every Δt-dependent claim of the chapter was given "
                     "both readings of the paper's Δt (issue 15, item 3); the rule is the per-epoch claim's, applied "
                     "to the per-step exponents, and the per-epoch claim is unchanged.")

for _name, _dt, _source, _note in (
        ("layers_independent", "per-epoch", "Sec. 4 (Δt = one epoch)", _LAYERS_NOTE),
        ("layers_independent_per_step", "per-step", "Sec. 4 (Δt = one step)", _LAYERS_STEP_NOTE)):
    CLAIMS.claim(
        kind="paper", source=_source, name=_name,
        statement=f"the layers' temperatures behave independently: some two GCN layers' {_dt} T depend on η with "
                  "different exponents",
        paper="each layer has its own temperature and its own dependence on η and B",
        criterion=f"some pair of layers has disjoint 95 % intervals of the {_dt} exponent in η (Adam); not "
                  "reproduced when every interval lies within one band narrower than {same_band:g} (the layers "
                  "share one exponent to that precision)",
        thresholds={**EQUILIBRIUM, "ci_width_max": 1.0, "same_band": 0.3}, section="gnn-eta", note=_note,
    )(_layers_independent).gated(_LAYERS_GATE)(_layers_independent_decidable)


# --- rows ------------------------------------------------------------------------------------------------------------

_ROWS_CRITERION = ("hottest/coldest per-epoch row T ≥ {ratio_min:g} and Spearman agreement of per-step row T between "
                   "the two halves of the recorded epochs ≥ {agreement_min:g} (a lasting ordering, not sampling noise)")


def _rows(m, t):
    return m["hot_cold_ratio"] >= t.ratio_min and m["split_half_spearman"] >= t.agreement_min


def _rows_gate(m, t):
    return m["recorded_epochs"] >= t.epochs_min


for _name, _source, _statement in (
        ("row_heterogeneity", "Sec. 3.1, Fig. 4", "rows of the GCN's 64×64 conv2 weight have very different "
         "temperatures, lastingly"),
        ("gat_row_heterogeneity", "Sec. 4", "rows of the GAT's conv1 weight (128×64, two heads) have very different "
         "temperatures, lastingly")):
    CLAIMS.claim(
        kind="paper", source=_source, name=_name, statement=_statement,
        paper="different rows (areas) of GCNConv and GATConv layers show very different thermal agitation",
        criterion=_ROWS_CRITERION, thresholds={"ratio_min": 2.0, "agreement_min": 0.5, "epochs_min": 2},
        section="gnn-rows",
    )(_rows).gated("there are ≥ {epochs_min} recorded epochs")(_rows_gate)


# --- pruning ---------------------------------------------------------------------------------------------------------

_PRUNE_GATE = ("the model learned (accuracy ≥ {accuracy_min:g}, twice chance), n_test ≥ {n_test_min}, and the "
               "difference is resolved (|difference| > {z:g} paired SE)")


@CLAIMS.claim(
    kind="beyond", source="beyond the paper (Sec. 4; Lapenna et al. 2023)",
    statement="masking the hottest rows of the GCN convolutions costs less accuracy than masking the coldest",
    paper="hot CNN filters removable at little cost, cold ones not (predecessor paper)",
    criterion="the mean drop (over the fractions) for the coldest exceeds that for the hottest by > {z:g} standard "
              "errors of the paired difference on the same test graphs",
    thresholds={"z": 2.0, "accuracy_min": 0.2, "n_test_min": 500}, section="gnn-pruning",
    note="Changed from the first version of the chapter: a paired standard error (the masked models see the same "
         "graphs) instead of the unpaired one, and an unresolved difference is inconclusive.")
def hot_rows_prunable(m, t):
    return m["cold_minus_hot"] > t.z * m["se_cold_hot"]


@hot_rows_prunable.gated(_PRUNE_GATE)
def _(m, t):
    return (m["baseline_accuracy"] >= t.accuracy_min and m["n_test"] >= t.n_test_min
            and abs(m["cold_minus_hot"]) > t.z * m["se_cold_hot"])


@CLAIMS.claim(
    kind="beyond", source="beyond the paper (Sec. 4; Lapenna et al. 2023)",
    statement="masking the hottest rows of the GCN convolutions costs less accuracy than masking random rows",
    paper="hot CNN filters removable at little cost (predecessor paper)",
    criterion="the mean drop for random rows exceeds that for the hottest by > {z:g} paired standard errors",
    thresholds={"z": 2.0, "accuracy_min": 0.2, "n_test_min": 500}, section="gnn-pruning",
    note="Split from hot_rows_prunable (one statement per claim), and made a resolved comparison: the first version "
         "passed when the hottest were 'no worse than random', which an underpowered test always grants.")
def hot_rows_beat_random(m, t):
    return m["random_minus_hot"] > t.z * m["se_random_hot"]


@hot_rows_beat_random.gated(_PRUNE_GATE.replace("se_cold_hot", "se_random_hot"))
def _(m, t):
    return (m["baseline_accuracy"] >= t.accuracy_min and m["n_test"] >= t.n_test_min
            and abs(m["random_minus_hot"]) > t.z * m["se_random_hot"])


# --- statements the book cannot test -------------------------------------------------------------------------------

CLAIMS.untested("free_energy_minimum", kind="paper", source="Sec. 2",
                statement="SGD reaches a minimum of a free energy, not of the loss, without maximising entropy",
                paper="theoretical statement (after Chaudhari & Soatto)",
                reason="a theoretical statement: the free energy's entropy term is not measured by any experiment here")
CLAIMS.untested("cnn_contrast", kind="paper", source="Sec. 3.1, Sec. 4",
                statement="T(1/B) is linear for GNN layers, unlike the CNN layers of the authors' earlier work",
                paper="linear here, non-linear for CNNs [7]",
                reason="needs the CNN experiment of the earlier paper, which this chapter does not run")
