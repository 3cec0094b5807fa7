"""Every claim rule of the `gnn_temperature` chapter at its boundaries, on hand-made measured values."""

import pytest

from thermo_utils.chapters.gnn_temperature.claims import CLAIMS
from thermo_utils.harness.claims import ClaimError, judge


def verdict(name, measured, **kwargs):
    return judge(CLAIMS[name], measured, **kwargs).verdict


def test_every_claim_names_a_kind_and_a_section_or_a_reason():
    for spec in CLAIMS:
        assert spec.kind in ("paper", "implied", "beyond", "check")
        assert spec.section or spec.untested, spec.name


# --- accuracy --------------------------------------------------------------------------------------------------------

PAPER_SIZED = {"n_train": 60000, "n_test": 10000, "epochs": 600}


@pytest.mark.parametrize("name, paper", [("gcn_accuracy", 0.64), ("gat_accuracy", 0.74)])
def test_accuracy_within_five_points_at_the_papers_size(name, paper):
    assert verdict(name, {"test_accuracy": paper - 0.049, **PAPER_SIZED}) == "reproduced"
    assert verdict(name, {"test_accuracy": paper + 0.049, **PAPER_SIZED}) == "reproduced"
    assert verdict(name, {"test_accuracy": paper - 0.051, **PAPER_SIZED}) == "not_reproduced"
    smaller = {**PAPER_SIZED, "epochs": 599}
    assert verdict(name, {"test_accuracy": paper, **smaller}) == "inconclusive"
    assert verdict(name, {"test_accuracy": paper, **PAPER_SIZED, "n_test": 9999}) == "inconclusive"


# --- the equilibrium gate and T(η) ---------------------------------------------------------------------------------

AT_EQUILIBRIUM = {"loss_drift_max": 0.01, "T_trend": 0.05, "T_trend_se": 0.02, "recorded_epochs": 8, "runs": 15,
                  "pretrained_accuracy": 0.5}


def eta(cis: dict, n_rates=5, **gate):
    m = {f"exponent_{k}": sum(v) / 2 for k, v in cis.items()} | {f"ci_{k}": list(v) for k, v in cis.items()}
    return m | {"n_rates": n_rates, "steps_per_epoch": 62, "points": 15} | AT_EQUILIBRIUM | gate


GOOD = eta({"conv1": (2.1, 2.6), "conv2": (2.05, 2.5), "out": (1.8, 2.2)})


def test_eta_power_law_reproduced_when_final_pins_two_and_others_lie_above():
    assert verdict("eta_power_law_gcn", GOOD) == "reproduced"
    assert verdict("eta_power_law_gcn_per_step", GOOD) == "reproduced"


def test_eta_power_law_not_reproduced_when_contradicted():
    assert verdict("eta_power_law_gcn", eta({"conv1": (1.4, 1.9), "conv2": (2.05, 2.5), "out": (1.8, 2.2)})) == (
        "not_reproduced")
    assert verdict("eta_power_law_gcn", eta({"conv1": (2.1, 2.6), "conv2": (2.05, 2.5), "out": (0.9, 1.5)})) == (
        "not_reproduced")
    # the final layer's interval contains 2 but also 3: not pinned
    assert verdict("eta_power_law_gcn", eta({"conv1": (2.1, 2.6), "conv2": (2.05, 2.5), "out": (1.95, 3.0)},
                                            )) == "inconclusive"  # width 1.05 > 1: imprecise


def test_eta_power_law_inconclusive_when_a_layer_straddles_two_or_out_of_equilibrium():
    straddle = eta({"conv1": (1.9, 2.6), "conv2": (2.05, 2.5), "out": (1.8, 2.2)})
    assert verdict("eta_power_law_gcn", straddle) == "inconclusive"
    assert verdict("eta_power_law_gcn", {**GOOD, "loss_drift_max": 0.021}) == "inconclusive"
    assert verdict("eta_power_law_gcn", {**GOOD, "T_trend": -0.21}) == "inconclusive"
    assert verdict("eta_power_law_gcn", {**GOOD, "pretrained_accuracy": 0.19}) == "inconclusive"
    assert verdict("eta_power_law_gcn", {**GOOD, "n_rates": 3}) == "inconclusive"
    wide = eta({"conv1": (2.1, 3.2), "conv2": (2.05, 2.5), "out": (1.8, 2.2)})
    assert verdict("eta_power_law_gcn", wide) == "inconclusive"


def test_eta_power_law_gat_uses_its_own_final_layer():
    m = eta({"conv1": (2.1, 2.5), "out": (2.2, 2.6), "out2": (1.8, 2.2)})
    assert verdict("eta_power_law_gat", m) == "reproduced"
    with pytest.raises(ClaimError, match="ci_out2"):
        judge(CLAIMS["eta_power_law_gat"], GOOD)


# --- T(1/B) ----------------------------------------------------------------------------------------------------------

def inv_b(cis: dict, n=5, **gate):
    m = {f"exponent_{k}": sum(v) / 2 for k, v in cis.items()} | {f"ci_{k}": list(v) for k, v in cis.items()}
    m |= {f"p_quadratic_{k}": 0.5 for k in cis} | {f"r2_linear_{k}": 0.9 for k in cis}
    return m | {"n_batches": n, "points": 15} | AT_EQUILIBRIUM | gate


def test_batch_linear_by_the_exponent_in_inverse_batch():
    good = inv_b({"conv1": (0.7, 1.2), "out": (0.9, 1.1)})
    assert verdict("batch_linear_gcn", good) == "reproduced"
    assert verdict("batch_linear_gcn_per_step", good) == "reproduced"
    assert verdict("batch_linear_gcn", inv_b({"conv1": (1.3, 1.9), "out": (0.9, 1.1)})) == "not_reproduced"
    assert verdict("batch_linear_gcn", inv_b({"conv1": (-0.2, 0.3), "out": (0.9, 1.1)})) == "not_reproduced"
    # an interval holding both 1 and 2 is at least 1 wide: the precision gate leaves it undecided
    assert verdict("batch_linear_gcn", inv_b({"conv1": (0.9, 2.0), "out": (0.9, 1.1)})) == "inconclusive"
    assert verdict("batch_linear_gcn", inv_b({"conv1": (0.5, 1.6), "out": (0.9, 1.1)})) == "inconclusive"  # wide
    assert verdict("batch_linear_gcn", {**good, "n_batches": 3}) == "inconclusive"
    assert verdict("batch_linear_gcn_sgd", {**good, "loss_drift_max": 0.03}) == "inconclusive"


def test_batch_linear_gat_exempts_the_final_layer_which_must_bend_most():
    m = inv_b({"conv1": (0.8, 1.1), "out": (0.9, 1.2), "out2": (1.4, 1.8)})
    assert verdict("batch_linear_gat", m) == "reproduced"
    assert verdict("batch_linear_gcn", m) == "not_reproduced"
    assert verdict("gat_final_layer_bends", m) == "reproduced"
    below = inv_b({"conv1": (0.8, 1.1), "out": (1.3, 1.5), "out2": (0.9, 1.2)})
    assert verdict("gat_final_layer_bends", below) == "not_reproduced"
    overlapping = inv_b({"conv1": (0.8, 1.1), "out": (0.9, 1.5), "out2": (1.2, 1.8)})
    assert verdict("gat_final_layer_bends", overlapping) == "inconclusive"


# --- ζ and plain SGD -------------------------------------------------------------------------------------------------

def test_not_zeta_needs_one_interval_excluding_one():
    m = {"eta_exponent_ci_out": [0.8, 1.2], "inv_batch_exponent_ci_out": [0.9, 1.1], "n_rates": 5, "n_batches": 5,
         "pretrained_accuracy": 0.5}
    assert verdict("not_zeta", m) == "not_reproduced"
    assert verdict("not_zeta", {**m, "eta_exponent_ci_out": [1.01, 2.0]}) == "reproduced"
    assert verdict("not_zeta", {**m, "n_batches": 3}) == "inconclusive"
    assert CLAIMS["not_zeta"].kind == "check"


def sgd_step(eta_ci, invb_ci, **gate):
    m = {"eta_exponent_out": 2.0, "eta_ci_out": list(eta_ci), "invb_exponent_out": 1.0, "invb_ci_out": list(invb_ci)}
    return m | AT_EQUILIBRIUM | gate


def test_sgd_step_eta_zeta_boundaries():
    assert verdict("sgd_step_eta_zeta", sgd_step((1.9, 2.2), (0.95, 1.1))) == "reproduced"
    assert verdict("sgd_step_eta_zeta", sgd_step((2.05, 2.3), (0.95, 1.1))) == "not_reproduced"
    assert verdict("sgd_step_eta_zeta", sgd_step((1.9, 2.2), (1.02, 1.1))) == "not_reproduced"
    assert verdict("sgd_step_eta_zeta", sgd_step((1.9, 2.2), (0.95, 1.1), loss_drift_max=0.05)) == "inconclusive"
    assert verdict("sgd_step_eta_zeta", sgd_step((1.5, 2.6), (0.95, 1.1))) == "inconclusive"


def test_sgd_epoch_inverse_b_squared_boundaries():
    assert verdict("sgd_epoch_inverse_b_squared", inv_b({"conv1": (1.7, 2.2), "out": (1.8, 2.1)})) == "reproduced"
    assert verdict("sgd_epoch_inverse_b_squared", inv_b({"conv1": (0.9, 1.2), "out": (1.8, 2.1)})) == (
        "not_reproduced")
    assert verdict("sgd_epoch_inverse_b_squared", inv_b({"conv1": (1.7, 2.2), "out": (1.8, 2.1)},
                                                       T_trend=0.3)) == "inconclusive"


# --- equilibrium statements ------------------------------------------------------------------------------------------

def test_residual_temperature_positive_and_stationary():
    m = {"T_min": 1e-6, **AT_EQUILIBRIUM}
    assert verdict("residual_temperature", {**m, "T_trend": 0.1, "T_trend_se": 0.04}) == "reproduced"
    assert verdict("residual_temperature", {**m, "T_trend": -0.3, "T_trend_se": 0.04}) == "not_reproduced"
    assert verdict("residual_temperature", {**m, "T_trend": 0.15, "T_trend_se": 0.04}) == "inconclusive"
    assert verdict("residual_temperature", {**m, "T_min": 0.0}) == "not_reproduced"
    assert verdict("residual_temperature", {**m, "runs": 2}) == "inconclusive"
    assert verdict("residual_temperature", {**m, "loss_drift_max": 0.03}) == "inconclusive"


def test_energy_not_conserved_boundaries():
    assert verdict("energy_not_conserved", {"ratio": 0.5, "changes": 6, "K_mean": 1, "V_change_std": 1}) == (
        "reproduced")
    assert verdict("energy_not_conserved", {"ratio": 0.49, "changes": 6}) == "not_reproduced"
    assert verdict("energy_not_conserved", {"ratio": 0.9, "changes": 5}) == "inconclusive"


@pytest.mark.parametrize("name", ["layers_independent", "layers_independent_per_step"])
def test_layers_independent_needs_two_disjoint_intervals(name):
    assert verdict(name, eta({"conv1": (1.5, 1.8), "out": (1.9, 2.1)})) == "reproduced"
    assert verdict(name, eta({"conv1": (1.5, 1.9), "out": (1.9, 2.1)})) == "inconclusive"  # touching: not disjoint
    assert verdict(name, eta({"conv1": (1.8, 2.0), "out": (1.85, 2.09)})) == "not_reproduced"  # band 0.29 < 0.3
    assert verdict(name, eta({"conv1": (1.8, 2.0), "out": (1.85, 2.11)})) == "inconclusive"  # band 0.31
    assert verdict(name, eta({"conv1": (1.5, 1.8), "out": (1.9, 2.1)}, loss_drift_max=0.1)) == "inconclusive"
    assert verdict(name, eta({"conv1": (0.5, 1.8), "out": (1.9, 2.1)})) == "inconclusive"  # interval too wide


def test_the_reading_summary_counts_the_verdicts_of_both_readings():
    from thermo_utils.chapters.gnn_temperature.measures import reading_summary

    epoch = {"eta_power_law_gcn": "not_reproduced", "batch_linear_gcn": "reproduced",
             "gnn_temperature.layers_independent": "inconclusive"}
    step = {"eta_power_law_gcn_per_step": "reproduced", "batch_linear_gcn_per_step": "reproduced",
            "layers_independent_per_step": "reproduced"}
    text = reading_summary(epoch | step)
    assert "per-epoch, 1 not reproduced, 1 reproduced, 1 inconclusive (of 3)" in text
    assert "per-step, 3 reproduced (of 3)" in text and text.endswith("the per-step reading reproduces more of them")
    assert reading_summary({k: "not_reproduced" for k in epoch | step}).endswith("neither reading reproduces more "
                                                                                  "of them than the other")


# --- rows, accuracy comparison, pruning ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["row_heterogeneity", "gat_row_heterogeneity"])
def test_row_heterogeneity_needs_both_ratio_and_agreement(name):
    m = {"hot_cold_ratio": 2.0, "coefficient_of_variation": 0.5, "split_half_spearman": 0.5, "recorded_epochs": 2}
    assert verdict(name, m) == "reproduced"
    assert verdict(name, {**m, "hot_cold_ratio": 1.99}) == "not_reproduced"
    assert verdict(name, {**m, "split_half_spearman": 0.49}) == "not_reproduced"
    assert verdict(name, {**m, "recorded_epochs": 1}) == "inconclusive"


def test_gat_beats_gcn_paired_and_only_at_matched_sizes():
    m = {"difference": 0.05, "se": 0.02, "gcn_accuracy": 0.4, "gat_accuracy": 0.45, "gcn_n_train": 1000,
         "gat_n_train": 1000, "gcn_epochs": 40, "gat_epochs": 40}
    assert verdict("gat_beats_gcn", m) == "reproduced"
    assert verdict("gat_beats_gcn", {**m, "difference": -0.05}) == "not_reproduced"
    assert verdict("gat_beats_gcn", {**m, "difference": 0.039}) == "inconclusive"
    assert verdict("gat_beats_gcn", {**m, "gcn_epochs": 30}) == "inconclusive"
    assert verdict("gat_beats_gcn", {**m, "gcn_accuracy": 0.15}) == "inconclusive"


PRUNE = {"drop_hottest": 0.05, "drop_coldest": 0.1, "drop_random": 0.08, "cold_minus_hot": 0.05, "se_cold_hot": 0.02,
         "random_minus_hot": 0.03, "se_random_hot": 0.01, "se_unpaired": 0.03, "baseline_accuracy": 0.5,
         "n_test": 1000, "fractions": [0.1]}


def test_hot_rows_prunable_paired_boundaries():
    assert verdict("hot_rows_prunable", PRUNE) == "reproduced"
    assert verdict("hot_rows_prunable", {**PRUNE, "cold_minus_hot": -0.05}) == "not_reproduced"
    assert verdict("hot_rows_prunable", {**PRUNE, "cold_minus_hot": 0.039}) == "inconclusive"
    assert verdict("hot_rows_prunable", {**PRUNE, "n_test": 499}) == "inconclusive"
    assert verdict("hot_rows_prunable", {**PRUNE, "baseline_accuracy": 0.19}) == "inconclusive"


def test_hot_rows_beat_random_paired_boundaries():
    assert verdict("hot_rows_beat_random", PRUNE) == "reproduced"
    assert verdict("hot_rows_beat_random", {**PRUNE, "random_minus_hot": -0.03}) == "not_reproduced"
    assert verdict("hot_rows_beat_random", {**PRUNE, "random_minus_hot": 0.015}) == "inconclusive"


def test_untestable_statements_carry_their_reason():
    for name in ("free_energy_minimum", "cnn_contrast"):
        assert CLAIMS[name].untested
