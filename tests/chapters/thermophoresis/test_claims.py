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


def test_activation_and_vnorm_decrease():
    assert verdict("activation_decreases", {"min_drop_main": 0.01, "min_drop_small": 1e-9}) == "reproduced"
    assert verdict("activation_decreases", {"min_drop_main": 0.01, "min_drop_small": 0.0}) == "not_reproduced"
    assert verdict("vnorm_decreases", {"a": 0.99, "b": 0.5}) == "reproduced"
    assert verdict("vnorm_decreases", {"a": 1.0, "b": 0.5}) == "not_reproduced"


def test_spearman_claims_need_an_interval_on_the_right_side_of_zero():
    assert verdict("faster_with_eta", {"spearman": -0.5, "ci_low": -0.9, "ci_high": -0.01}) == "reproduced"
    assert verdict("faster_with_eta", {"spearman": -0.5, "ci_low": -0.9, "ci_high": 0.0}) == "not_reproduced"
    assert verdict("faster_with_small_batch", {"spearman": 0.5, "ci_low": 0.01, "ci_high": 0.9}) == "reproduced"
    assert verdict("faster_with_small_batch", {"spearman": 0.5, "ci_low": 0.0, "ci_high": 0.9}) == "not_reproduced"


def test_eta2_collapse_needs_the_smallest_spread():
    assert verdict("eta2_collapse", {"spread_t": 1.0, "spread_eta_t": 0.5, "spread_eta2_t": 0.49}) == "reproduced"
    assert verdict("eta2_collapse", {"spread_t": 1.0, "spread_eta_t": 0.5, "spread_eta2_t": 0.5}) == "not_reproduced"


@pytest.mark.parametrize("name, target", [("eta2_exponent_main", 2), ("eta2_exponent_small_uniform", 2),
                                          ("batch_exponent_small_gaussian", 1), ("vnorm_eta2_exponent", 2)])
def test_exponent_claims(name, target):
    def m(lo, hi, best):
        return {"exponent": best, "ci_low": lo, "ci_high": hi}

    assert verdict(name, m(target - 0.4, target + 0.1, target)) == "reproduced"
    assert verdict(name, m(target + 0.01, target + 0.5, target + 0.2)) == "not_reproduced"
    assert verdict(name, m(target - 0.5, target + 0.5, target)) == "inconclusive"  # width 1: not narrower
    assert verdict(name, m(3.9, 4.0, 3.96)) == "inconclusive"  # the optimum at the scan's edge
    assert verdict(name, m(0.0, 0.04, 0.04)) == "inconclusive"


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


@pytest.mark.parametrize("name", ["deep_fc_variance", "deep_cnn_variance"])
def test_deep_variance(name):
    good = {"max_end_over_start": 0.9, "exponent": 2.0, "ci_low": 1.7, "ci_high": 2.3}
    assert verdict(name, good) == "reproduced"
    assert verdict(name, good | {"max_end_over_start": 1.0}) == "not_reproduced"
    assert verdict(name, good | {"ci_low": 2.05, "exponent": 2.1}) == "not_reproduced"
    assert verdict(name, good | {"ci_high": 2.7}) == "inconclusive"


def test_controls_and_appendix():
    assert verdict("gd_control", {"sgd_drop": 0.1, "gd_drop": 0.0199}) == "reproduced"
    assert verdict("gd_control", {"sgd_drop": 0.1, "gd_drop": 0.021}) == "not_reproduced"
    assert verdict("gd_control", {"sgd_drop": 0.0, "gd_drop": -0.01}) == "inconclusive"
    assert verdict("learnable_labels", {"drop_ratio": [0.2, 0.99], "sq_error_ratio": [0.5, 0.5]}) == "reproduced"
    assert verdict("learnable_labels", {"drop_ratio": [0.2, 1.0], "sq_error_ratio": [0.5, 0.5]}) == "not_reproduced"
    assert verdict("learnable_labels", {"drop_ratio": [0.2, 0.5], "sq_error_ratio": [1.0, 0.5]}) == "not_reproduced"
    good = {"activation_change": [-0.01, -0.02], "vnorm_end_over_start": [0.9, 0.99]}
    assert verdict("cifar_appendix", good) == "reproduced"
    assert verdict("cifar_appendix", good | {"activation_change": [-0.01, 0.0]}) == "not_reproduced"
    assert verdict("cifar_appendix", good | {"vnorm_end_over_start": [0.9, 1.0]}) == "not_reproduced"


def test_nan_and_missing_values():
    assert verdict("faster_with_eta", {"spearman": math.nan, "ci_low": math.nan, "ci_high": math.nan}) == \
        "not_reproduced"
    with pytest.raises(ClaimError, match="ci_high"):
        judge(CLAIMS["faster_with_eta"], {"spearman": -0.5})


def test_criterion_text_is_formatted_from_the_thresholds():
    text = judge(CLAIMS["eta2_exponent_main"], {"exponent": 2, "ci_low": 1.9, "ci_high": 2.1}).criterion
    assert "contains 2" in text and "narrower than 1" in text
    assert "10%" in CLAIMS["walk_soret_magnitude"].criterion_text()
