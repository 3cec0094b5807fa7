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


# --- T(η) ------------------------------------------------------------------------------------------------------------

def eta(exponents: dict, cis: dict, r2=0.99, n_rates=5, accuracy=0.5):
    m = {f"exponent_{k}": v for k, v in exponents.items()}
    m |= {f"ci_{k}": list(v) for k, v in cis.items()}
    m |= {f"r2_{k}": r2 for k in exponents}
    m |= {f"per_step_exponent_{k}": 2.0 for k in exponents}
    return m | {"n_rates": n_rates, "pretrained_accuracy": accuracy}


GOOD = eta({"conv1": 2.3, "conv2": 2.2, "out": 2.0}, {"conv1": (2.0, 2.6), "conv2": (1.9, 2.5), "out": (1.8, 2.2)})


def test_eta_power_law_reproduced_when_final_near_two_and_others_above():
    assert verdict("eta_power_law_gcn", GOOD) == "reproduced"


def test_eta_power_law_fails_when_another_layer_is_below_two_or_the_fit_is_poor():
    low = eta({"conv1": 1.9, "conv2": 2.2, "out": 2.0}, {"conv1": (1.6, 2.2), "conv2": (1.9, 2.5), "out": (1.8, 2.2)})
    assert verdict("eta_power_law_gcn", low) == "not_reproduced"
    assert verdict("eta_power_law_gcn", {**GOOD, "r2_conv2": 0.89}) == "not_reproduced"


def test_eta_power_law_final_interval_must_overlap_the_band():
    far = {**GOOD, "ci_out": [2.31, 2.9], "exponent_out": 2.6}
    assert verdict("eta_power_law_gcn", far) == "not_reproduced"  # decidable: the interval contradicts the claim


def test_eta_power_law_inconclusive_when_wide_unless_already_contradicted():
    wide = {**GOOD, "ci_conv1": [1.5, 3.1]}  # width 1.6 and nothing contradicts
    assert verdict("eta_power_law_gcn", wide) == "inconclusive"
    contradicted = {**wide, "ci_conv2": [1.2, 1.9], "exponent_conv2": 1.5}
    assert verdict("eta_power_law_gcn", contradicted) == "not_reproduced"
    assert verdict("eta_power_law_gcn", {**GOOD, "n_rates": 3}) == "inconclusive"
    assert verdict("eta_power_law_gcn", {**GOOD, "pretrained_accuracy": 0.19}) == "inconclusive"


def test_eta_power_law_gat_uses_its_own_final_layer():
    m = eta({"conv1": 2.3, "out": 2.4, "out2": 2.0}, {"conv1": (2.1, 2.5), "out": (2.2, 2.6), "out2": (1.8, 2.2)})
    assert verdict("eta_power_law_gat", m) == "reproduced"
    with pytest.raises(ClaimError, match="ci_out2"):
        judge(CLAIMS["eta_power_law_gat"], GOOD)


# --- T(1/B) ----------------------------------------------------------------------------------------------------------

def batch(layers, slope=1.0, r2=0.95, p=0.5, n=5, accuracy=0.5):
    m = {f"r2_{k}": r2 for k in layers} | {f"p_quadratic_{k}": p for k in layers} | {f"slope_{k}": slope for k in layers}
    return m | {"n_batches": n, "pretrained_accuracy": accuracy}


def test_batch_linear_boundaries():
    good = batch(["conv1", "out"])
    assert verdict("batch_linear_gcn", good) == "reproduced"
    assert verdict("batch_linear_gcn", {**good, "p_quadratic_out": 0.049}) == "not_reproduced"
    assert verdict("batch_linear_gcn", {**good, "r2_conv1": 0.89}) == "not_reproduced"
    assert verdict("batch_linear_gcn", {**good, "slope_conv1": -1e-9}) == "not_reproduced"
    assert verdict("batch_linear_gcn", {**good, "n_batches": 4}) == "inconclusive"
    assert verdict("batch_linear_gcn_sgd", {**good, "pretrained_accuracy": 0.19}) == "inconclusive"


def test_batch_linear_gat_exempts_the_final_layer():
    m = batch(["conv1", "out2"]) | {"p_quadratic_out2": 0.001}
    assert verdict("batch_linear_gat", m) == "reproduced"
    assert verdict("batch_linear_gcn", m) == "not_reproduced"


# --- ζ, rows, pruning ------------------------------------------------------------------------------------------------

def test_not_zeta_needs_one_interval_excluding_one():
    m = {"eta_exponent_ci_out": [0.8, 1.2], "inv_batch_exponent_ci_out": [0.9, 1.1], "n_rates": 5, "n_batches": 5,
         "pretrained_accuracy": 0.5}
    assert verdict("not_zeta", m) == "not_reproduced"
    assert verdict("not_zeta", {**m, "eta_exponent_ci_out": [1.01, 2.0]}) == "reproduced"
    assert verdict("not_zeta", {**m, "n_batches": 3}) == "inconclusive"


def test_row_heterogeneity_needs_both_ratio_and_agreement():
    m = {"hot_cold_ratio": 2.0, "coefficient_of_variation": 0.5, "split_half_spearman": 0.5, "recorded_epochs": 2}
    assert verdict("row_heterogeneity", m) == "reproduced"
    assert verdict("row_heterogeneity", {**m, "hot_cold_ratio": 1.99}) == "not_reproduced"
    assert verdict("row_heterogeneity", {**m, "split_half_spearman": 0.49}) == "not_reproduced"
    assert verdict("row_heterogeneity", {**m, "recorded_epochs": 1}) == "inconclusive"


def test_hot_rows_prunable_boundaries():
    m = {"drop_hottest": 0.05, "drop_coldest": 0.1, "drop_random": 0.05, "se": 0.02, "baseline_accuracy": 0.5,
         "n_test": 1000, "fractions": [0.1]}
    assert verdict("hot_rows_prunable", m) == "reproduced"
    assert verdict("hot_rows_prunable", {**m, "drop_coldest": 0.09}) == "not_reproduced"
    assert verdict("hot_rows_prunable", {**m, "drop_random": 0.009}) == "not_reproduced"
    assert verdict("hot_rows_prunable", {**m, "n_test": 499}) == "inconclusive"
    assert verdict("hot_rows_prunable", {**m, "baseline_accuracy": 0.19}) == "inconclusive"
