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
         "fc_loss_ratio_20_to_100": 1.5, "lenet_loss_ratio_20_to_100": 1.9, "final_losses": [0.3, 0.2],
         "chance_loss": math.log(10)}
    assert verdict("spectrum_stable", m) == "reproduced"
    assert verdict("spectrum_stable", {**m, "fc_mean_ratio": 2.0}) == "not_reproduced"
    assert verdict("spectrum_stable", {**m, "lenet_loss_ratio_20_to_100": 2.05}) == "inconclusive"
    assert verdict("spectrum_stable", {**m, "final_losses": [0.3, 0.5 * math.log(10)]}) == "inconclusive"


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


def test_rgd_stationary_share_and_gate():
    m = {"gd_isotropic": 1.0, "best_rgd_isotropic": 0.5, "anisotropic_linear_model": 0.03}
    assert verdict("rgd_stationary", m) == "reproduced"
    assert verdict("rgd_stationary", {**m, "best_rgd_isotropic": 0.51}) == "not_reproduced"
    assert verdict("rgd_stationary", {**m, "anisotropic_linear_model": 0.5}) == "inconclusive"


def test_toy_current_tolerance_and_histogram():
    m = {"circulation": [0.0, 0.44, 1.2], "se": [0.01, 0.01, 0.01], "closed_form": [0.0, 0.4, 1.2],
         "l1": [0.02, 0.03, 0.099]}
    assert verdict("toy_current", m) == "reproduced"  # 0.04 ≤ 3·0.01 + 0.04
    assert verdict("toy_current", {**m, "circulation": [0.0, 0.471, 1.2]}) == "not_reproduced"
    assert verdict("toy_current", {**m, "l1": [0.02, 0.03, 0.1]}) == "not_reproduced"


def test_limit_cycles_and_control_fractions():
    key = "fraction failing Ljung–Box (1 %)"
    assert verdict("limit_cycles", {key: 0.51}) == "reproduced"
    assert verdict("limit_cycles", {key: 0.5}) == "not_reproduced"
    assert verdict("limit_cycles_control", {key: 0.1}) == "reproduced"
    assert verdict("limit_cycles_control", {key: 0.11}) == "not_reproduced"


def test_a_missing_measurement_is_a_clear_error():
    with pytest.raises(ClaimError, match="max_relative_difference"):
        judge(CLAIMS["closed_form"], {"relative_difference": 0.0})


def test_criteria_are_filled_from_the_thresholds():
    text = judge(CLAIMS["rgd_mean_path"], {"gd_distance": 0.1, "best_rgd_distance": 0.0, "sgd_mean_se": 0.01}).criterion
    assert "GD − 2 s.e." in text and "{" not in text
