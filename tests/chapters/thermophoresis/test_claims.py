"""Each claim rule of the thermophoresis chapter at its boundaries, on hand-made measured values."""

import math

import pytest

from thermo_utils.chapters.thermophoresis.claims import CLAIMS
from thermo_utils.harness.claims import ClaimError, judge


def verdict(name, measured, **kwargs):
    return judge(CLAIMS[name], measured, **kwargs).verdict


def test_every_claim_has_a_kind_and_a_section():
    for spec in CLAIMS:
        assert spec.kind in ("paper", "implied", "beyond", "check")
        assert spec.section or spec.untested, spec.name


FALLS = ["activation_decreases_main", "activation_decreases_small_uniform", "vnorm_decreases_small_gaussian",
         "bias_pushed_negative_main", "deep_fc_variance_falls", "deep_cnn_variance_falls", "fashion_activation_falls",
         "fashion_vnorm_falls"]


@pytest.mark.parametrize("name", FALLS)
def test_falls_claims_use_seed_intervals(name):
    assert verdict(name, {"ci_low_max": -0.2, "ci_high_max": -1e-9}) == "reproduced"
    assert verdict(name, {"ci_low_max": 1e-9, "ci_high_max": 0.3}) == "not_reproduced"  # one rate rose, resolved
    assert verdict(name, {"ci_low_max": -0.1, "ci_high_max": 0.0}) == "inconclusive"  # an interval holds 0


def test_initialisation_and_runaway_claims():
    good = {"default_ci_low_min": 0.1, "scaled_ci_high_max": -0.1, "default_resolved": True, "scaled_resolved": True}
    assert verdict("vnorm_sign_set_by_init", good) == "reproduced"
    assert verdict("vnorm_sign_set_by_init", good | {"scaled_ci_high_max": 0.0}) == "not_reproduced"
    assert verdict("vnorm_sign_set_by_init", good | {"default_ci_low_min": -0.1}) == "not_reproduced"
    assert verdict("vnorm_sign_set_by_init", good | {"scaled_resolved": False}) == "inconclusive"
    assert verdict("runaway_from_input_scale", {"raw_max_growth": 239, "normalised_max_growth": 99.9}) == "reproduced"
    assert verdict("runaway_from_input_scale", {"raw_max_growth": 239, "normalised_max_growth": 100}) == \
        "not_reproduced"
    assert verdict("runaway_from_input_scale", {"raw_max_growth": 100, "normalised_max_growth": 1}) == "inconclusive"


def test_spearman_claims_need_an_interval_on_the_right_side_of_zero():
    assert verdict("faster_with_eta", {"spearman": -0.5, "ci_low": -0.9, "ci_high": -0.01}) == "reproduced"
    assert verdict("faster_with_eta", {"spearman": -0.5, "ci_low": -0.9, "ci_high": 0.0}) == "not_reproduced"
    assert verdict("faster_with_small_batch", {"spearman": 0.5, "ci_low": 0.01, "ci_high": 0.9}) == "reproduced"
    assert verdict("faster_with_small_batch", {"spearman": 0.5, "ci_low": 0.0, "ci_high": 0.9}) == "not_reproduced"


def test_eta2_collapse_needs_the_smallest_spread():
    assert verdict("eta2_collapse", {"spread_t": 1.0, "spread_eta_t": 0.5, "spread_eta2_t": 0.49}) == "reproduced"
    assert verdict("eta2_collapse", {"spread_t": 1.0, "spread_eta_t": 0.5, "spread_eta2_t": 0.5}) == "not_reproduced"


EXPONENTS = [("eta2_exponent_main", 2), ("eta2_exponent_small_uniform", 2), ("batch_exponent_small_gaussian", 1),
             ("vnorm_eta2_exponent_small_gaussian", 2), ("vnorm_batch_exponent_small_uniform", 1),
             ("vnorm_eta2_exponent_main", 2), ("vnorm_batch_exponent_main", 1)]


@pytest.mark.parametrize("name, target", EXPONENTS)
def test_exponent_claims_are_strict(name, target):
    def m(lo, hi, seeds=24):
        return {"exponent": (lo + hi) / 2, "ci_low": lo, "ci_high": hi, "n_seeds": seeds}

    assert verdict(name, m(target - 0.99, target + 0.99)) == "reproduced"  # wide, but excludes both neighbours
    assert verdict(name, m(target - 1.0, target + 0.5)) == "inconclusive"  # holds the lower neighbour
    assert verdict(name, m(target - 0.5, target + 1.0)) == "inconclusive"  # holds the upper neighbour
    assert verdict(name, m(target + 0.01, target + 1.5)) == "not_reproduced"  # excludes the prediction
    assert verdict(name, m(0.0, 0.01)) == "not_reproduced"  # at the scan's edge, far from the prediction
    assert verdict(name, m(target - 0.2, target + 0.2, seeds=2)) == "inconclusive"


@pytest.mark.parametrize("name, target", [("deep_fc_eta2_exponent", 2), ("deep_cnn_batch_exponent", 1),
                                          ("fashion_eta2_exponent", 2), ("fashion_batch_exponent", 1)])
def test_exponent_claims_with_a_signal_gate(name, target):
    floor = CLAIMS[name].thresholds["min_change"]
    m = {"exponent": target, "ci_low": target - 0.3, "ci_high": target + 0.3, "n_seeds": 4, "rel_change": floor}
    assert verdict(name, m) == "reproduced"
    assert verdict(name, m | {"rel_change": floor * 0.99}) == "inconclusive"
    assert verdict(name, m | {"ci_low": target + 0.1, "ci_high": target + 0.5}) == "not_reproduced"


def test_walk_claims():
    good = {"exponent": 2.0, "ci_low": 1.6, "ci_high": 2.4, "max_drift": -1e-5}
    assert verdict("walk_drift_eta2", good) == "reproduced"
    assert verdict("walk_drift_eta2", good | {"max_drift": 0.0}) == "not_reproduced"
    assert verdict("walk_drift_eta2", good | {"ci_low": 2.1}) == "not_reproduced"
    assert verdict("walk_drift_eta2", good | {"ci_low": 1.5, "ci_high": 2.5}) == "inconclusive"
    assert verdict("walk_soret_magnitude", {"ratios": [0.91, 1.09]}) == "reproduced"
    assert verdict("walk_soret_magnitude", {"ratios": [0.91, 1.1]}) == "not_reproduced"
    assert verdict("walk_stationary_density", {"exponent": -1.2, "ci_low": -1.3, "ci_high": -1.0}) == "reproduced"
    assert verdict("walk_stationary_density", {"exponent": -2, "ci_low": -2.01, "ci_high": -1.97}) == "not_reproduced"


def test_shared_coin_walk_and_properties():
    assert verdict("walk2d_mean_martingale", {"max_abs_z": 3.99}) == "reproduced"
    assert verdict("walk2d_mean_martingale", {"max_abs_z": 4.0}) == "not_reproduced"
    assert verdict("walk2d_median_soret", {"ratios": [0.91, 1.09], "max_rel_se": 0.049}) == "reproduced"
    assert verdict("walk2d_median_soret", {"ratios": [0.89, 1.0], "max_rel_se": 0.02}) == "not_reproduced"
    assert verdict("walk2d_median_soret", {"ratios": [1.0], "max_rel_se": 0.05}) == "inconclusive"
    for name in ("property_41", "property_42"):
        assert verdict(name, {"violations": 0}) == "reproduced"
        assert verdict(name, {"violations": 1}) == "not_reproduced"


def test_controls():
    assert verdict("gd_control", {"sgd_drop": 0.1, "gd_drop": 0.0199}) == "reproduced"
    assert verdict("gd_control", {"sgd_drop": 0.1, "gd_drop": 0.021}) == "not_reproduced"
    assert verdict("gd_control", {"sgd_drop": 0.0, "gd_drop": -0.01}) == "inconclusive"
    assert verdict("learnable_labels", {"drop_ratio": [0.2, 0.99], "sq_error_ratio": [0.5, 0.5]}) == "reproduced"
    assert verdict("learnable_labels", {"drop_ratio": [0.2, 1.0], "sq_error_ratio": [0.5, 0.5]}) == "not_reproduced"
    assert verdict("learnable_labels", {"drop_ratio": [0.2, 0.5], "sq_error_ratio": [1.0, 0.5]}) == "not_reproduced"


def test_nan_and_missing_values():
    assert verdict("faster_with_eta", {"spearman": math.nan, "ci_low": math.nan, "ci_high": math.nan}) == \
        "not_reproduced"
    with pytest.raises(ClaimError, match="ci_high"):
        judge(CLAIMS["faster_with_eta"], {"spearman": -0.5})


def test_criterion_text_is_formatted_from_the_thresholds():
    text = judge(CLAIMS["eta2_exponent_main"], {"exponent": 2, "ci_low": 1.9, "ci_high": 2.1, "n_seeds": 3}).criterion
    assert "contains 2 and excludes 2 − 1 and 2 + 1" in text and "at least 3 seeds" in text
    assert "10%" in CLAIMS["walk_soret_magnitude"].criterion_text()


def test_falls_measured_keeps_what_the_falls_rules_read():
    from thermo_utils.chapters.thermophoresis import drift

    change = {"ci_low_max": -0.2, "ci_high_max": -0.1, "n_seeds": 24, "mean_change": -0.15, "per_rate": [1, 2]}
    assert drift.falls_measured(change) == {k: change[k] for k in drift.FALLS_KEYS}
