"""Every rule of the chapter's claims at its boundaries, on hand-made measured values (no chapter run)."""

import math

import pytest

from thermo_utils.chapters.diffusion_metric.claims import CLAIMS
from thermo_utils.harness.claims import ClaimError, judge


def verdict(name, measured, **kwargs):
    return judge(CLAIMS[name], measured, **kwargs).verdict


def test_eq3_needs_all_three_parts():
    ok = {"relative_difference": 1e-15, "max_D_identical": 1e-30, "max_D_two_examples": 0.25}
    assert verdict("eq3", ok) == "reproduced"
    assert verdict("eq3", {**ok, "relative_difference": 1e-10}) == "not_reproduced"
    assert verdict("eq3", {**ok, "max_D_identical": 1e-12}) == "not_reproduced"
    assert verdict("eq3", {**ok, "max_D_two_examples": 1e-8}) == "not_reproduced"


def test_rank_bound_and_its_gate():
    assert verdict("rank_bound", {"rank": 63, "N": 64, "d": 885}) == "reproduced"
    assert verdict("rank_bound", {"rank": 64, "N": 64, "d": 885}) == "not_reproduced"
    assert verdict("rank_bound", {"rank": 10, "N": 64, "d": 64}) == "inconclusive"


def test_low_rank_threshold_and_saturation_gate():
    m = {"fc_rank_percent": 9.99, "lenet_rank_percent": 0.5, "saturated": False}
    assert verdict("low_rank", m) == "reproduced"
    assert verdict("low_rank", {**m, "lenet_rank_percent": 10.0}) == "not_reproduced"
    assert verdict("low_rank", {**m, "saturated": True}) == "inconclusive"


def test_spectrum_stable_rule_and_gate():
    m = {"fc_rank_ratio": 1.2, "fc_mean_ratio": 1.9, "lenet_rank_ratio": 1.1, "lenet_mean_ratio": 1.5,
         "fc_spectrum_ratio": 1.3, "lenet_spectrum_ratio": 1.99,
         "losses_at_20": [0.5, 0.1], "chance_loss": math.log(10)}
    assert verdict("spectrum_stable", m) == "reproduced"
    assert verdict("spectrum_stable", {**m, "fc_mean_ratio": 2.0}) == "not_reproduced"
    assert verdict("spectrum_stable", {**m, "lenet_spectrum_ratio": 12.7}) == "not_reproduced"
    assert verdict("spectrum_stable", {**m, "losses_at_20": [0.58, 0.1]}) == "inconclusive"


def test_weak_field_slopes_within_tolerance_on_every_problem():
    assert verdict("weak_field", {"a": 1.81, "b": 2.19}) == "reproduced"
    assert verdict("weak_field", {"a": 1.79, "b": 2.0}) == "not_reproduced"
    assert verdict("weak_field", {"a": 2.0, "b": float("nan")}) == "not_reproduced"


def test_closed_form_tolerance_and_override():
    assert verdict("closed_form", {"max_relative_difference": 9e-9}) == "reproduced"
    assert verdict("closed_form", {"max_relative_difference": 1e-8}) == "not_reproduced"
    assert verdict("closed_form", {"max_relative_difference": 1e-8}, thresholds={"tolerance": 1e-6}) == "reproduced"


def test_geodesic_rgd_ratio_and_gate():
    m = {"least_squares_ratio": 0.5, "least_squares_rgd_vs_gf": 0.1}
    assert verdict("geodesic_rgd", m) == "reproduced"
    assert verdict("geodesic_rgd", {**m, "least_squares_ratio": 2.43}) == "not_reproduced"
    assert verdict("geodesic_rgd", {**m, "least_squares_rgd_vs_gf": 1e-8}) == "inconclusive"


def test_rgd_mean_path_needs_two_standard_errors():
    m = {"gd_distance": 0.1, "best_rgd_distance": 0.079, "sgd_mean_se": 0.01}
    assert verdict("rgd_mean_path", m) == "reproduced"
    assert verdict("rgd_mean_path", {**m, "best_rgd_distance": 0.081}) == "not_reproduced"
    assert verdict("rgd_mean_path", {**m, "gd_distance": 0.02}) == "inconclusive"


def test_published_rank_and_moments_within_a_factor_when_trained():
    trained = {"loss_at_20": 0.5, "chance_loss": math.log(10)}
    m = {"rank_percent": 1.2, "published_rank_percent": 0.6, **trained}
    assert verdict("{variant}_rank_published", m, variant="fc") == "reproduced"
    assert verdict("{variant}_rank_published", {**m, "rank_percent": 1.21}, variant="fc") == "not_reproduced"
    assert verdict("{variant}_rank_published", {**m, "rank_percent": 0.29}, variant="fc") == "not_reproduced"
    assert verdict("{variant}_rank_published", {**m, "loss_at_20": 0.58}, variant="fc") == "inconclusive"
    moments = {"mean_1e3": 0.5, "std_1e3": 30.0, "published_mean_1e3": 0.9, "published_std_1e3": 18.5, **trained}
    assert verdict("{variant}_moments_published", moments, variant="fc") == "reproduced"
    assert verdict("{variant}_moments_published", {**moments, "std_1e3": 40.0}, variant="fc") == "not_reproduced"


def test_derivation_slopes_need_the_prediction_inside_and_the_neighbour_outside():
    assert verdict("geodesic_rgd_limit", {"slope_ci": [1.8, 2.1]}) == "reproduced"
    assert verdict("geodesic_rgd_limit", {"slope_ci": [0.9, 1.05]}) == "not_reproduced"
    assert verdict("geodesic_rgd_limit", {"slope_ci": [0.9, 2.1]}) == "inconclusive"
    assert verdict("geodesic_rgd_limit", {"slope_ci": [float("nan"), 2.1]}) == "inconclusive"
    assert verdict("dropped_term_scaling", {"slope_ci": [-2.2, -1.9]}) == "reproduced"
    assert verdict("dropped_term_scaling", {"slope_ci": [-0.04, 0.03]}) == "not_reproduced"
    assert verdict("dropped_term_scaling", {"slope_ci": [-2.1, -0.9]}) == "inconclusive"


def test_chain_rule_and_divergence_thresholds():
    assert verdict("chain_rule_step", {"missing_over_kept": 0.1}) == "reproduced"
    assert verdict("chain_rule_step", {"missing_over_kept": 1.78}) == "not_reproduced"
    assert verdict("eq12_divergence", {"relative_divergence": [1e-12, 9e-9]}) == "reproduced"
    assert verdict("eq12_divergence", {"relative_divergence": [0.35, 1e-12]}) == "not_reproduced"


def test_rgd_stationary_mean_margin_and_gates():
    m = {"offset": 0.005, "offset_se": 0.001, "spread": 0.1, "quarters_difference": 0.001,
         "quarters_difference_se": 0.001, "unit_separation": 1.0, "rank_D": 17, "d": 17}
    assert verdict("rgd_stationary_mean", m) == "reproduced"  # 0.005 + 0.002 < 0.01
    assert verdict("rgd_stationary_mean", {**m, "offset": 0.35}) == "not_reproduced"
    assert verdict("rgd_stationary_mean", {**m, "offset": 0.009}) == "inconclusive"  # not resolved against the margin
    assert verdict("rgd_stationary_mean", {**m, "rank_D": 5}) == "inconclusive"
    assert verdict("rgd_stationary_mean", {**m, "unit_separation": 1e-8}) == "inconclusive"
    assert verdict("rgd_stationary_mean", {**m, "quarters_difference": 0.0031}) == "inconclusive"


def test_linear_model_covariance_distance_and_gates():
    m = {"shape_distance": 0.25, "quarters_difference": 0.001, "quarters_difference_se": 0.001,
         "unit_separation": 1.0, "rank_D": 17, "d": 17}
    assert verdict("linear_model_covariance", m) == "reproduced"
    assert verdict("linear_model_covariance", {**m, "shape_distance": 0.26}) == "not_reproduced"
    assert verdict("linear_model_covariance", {**m, "rank_D": 16}) == "inconclusive"


def test_toy_current_tolerance_and_histogram():
    m = {"circulation": [0.0, 0.44, 1.2], "se": [0.01, 0.01, 0.01], "closed_form": [0.0, 0.4, 1.2],
         "l1": [0.02, 0.03, 0.099]}
    assert verdict("toy_current", m) == "reproduced"  # 0.04 ≤ 3·0.01 + 0.04
    assert verdict("toy_current", {**m, "circulation": [0.0, 0.471, 1.2]}) == "not_reproduced"
    assert verdict("toy_current", {**m, "l1": [0.02, 0.03, 0.1]}) == "not_reproduced"


def test_limit_cycles_binomial_rule_and_margin():
    assert verdict("limit_cycles", {"binomial_p_vs_nominal": 0.009, "fraction_failing_upper_99": 0.2}) == "reproduced"
    assert verdict("limit_cycles", {"binomial_p_vs_nominal": 0.5, "fraction_failing_upper_99": 0.049}) == "not_reproduced"
    assert verdict("limit_cycles", {"binomial_p_vs_nominal": 0.14, "fraction_failing_upper_99": 0.3}) == "inconclusive"
    ctl = {"binomial_p_vs_nominal": 1.0, "fraction_failing_upper_99": 0.018}
    assert verdict("limit_cycles_control", ctl) == "reproduced"
    assert verdict("limit_cycles_control", {**ctl, "binomial_p_vs_nominal": 1e-4, "fraction_failing_upper_99": 0.2}) \
        == "not_reproduced"
    assert verdict("limit_cycles_control", {**ctl, "fraction_failing_upper_99": 0.06}) == "inconclusive"


def test_limit_cycles_specific_fisher_both_ways():
    assert verdict("limit_cycles_specific", {"fisher_p_sgd_above_control": 0.001, "fisher_p_control_above_sgd": 1.0}) \
        == "reproduced"
    assert verdict("limit_cycles_specific", {"fisher_p_sgd_above_control": 1.0, "fisher_p_control_above_sgd": 0.001}) \
        == "not_reproduced"
    assert verdict("limit_cycles_specific", {"fisher_p_sgd_above_control": 0.06, "fisher_p_control_above_sgd": 0.99}) \
        == "inconclusive"


def test_a_missing_measurement_is_a_clear_error():
    with pytest.raises(ClaimError, match="max_relative_difference"):
        judge(CLAIMS["closed_form"], {"relative_difference": 0.0})


def test_criteria_are_filled_from_the_thresholds():
    text = judge(CLAIMS["rgd_mean_path"], {"gd_distance": 0.1, "best_rgd_distance": 0.0, "sgd_mean_se": 0.01}).criterion
    assert "GD − 2 s.e." in text and "{" not in text
