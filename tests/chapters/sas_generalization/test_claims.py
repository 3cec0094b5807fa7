"""Every claim rule of the chapter at its boundaries, on hand-made measured values (the chapter is not run)."""

import math

import pytest

from thermo_utils.chapters.sas_generalization.claims import CLAIMS
from thermo_utils.harness.claims import ClaimError, judge

NAN = float("nan")
# 5 settings x 3 tests: the gate needs p >= 0.05 / 15 in every test
STAT = dict(min_burn_in_wd_times=5.0, min_stationarity_p=0.05 / 15, stationarity_tests=15)  # just stationary enough
NOT_BURNT = dict(min_burn_in_wd_times=4.9, min_stationarity_p=0.5, stationarity_tests=15)
DRIFTING = dict(min_burn_in_wd_times=9.0, min_stationarity_p=0.0033, stationarity_tests=15)


def test_the_stationarity_gate_is_bonferroni_over_the_tests():
    m = dict(max_relative_half_change=0.01, min_burn_in_wd_times=5.0)
    assert verdict("loss_averages_converge", min_stationarity_p=0.0017, stationarity_tests=30, **m) == "reproduced"
    assert verdict("loss_averages_converge", min_stationarity_p=0.0016, stationarity_tests=30, **m) == "inconclusive"
    assert verdict("loss_averages_converge", min_stationarity_p=0.01, stationarity_tests=3, **m) == "inconclusive"


def verdict(name, **measured):
    return judge(CLAIMS[name], measured).verdict


def test_every_claim_is_declared_with_a_kind_and_a_section():
    for spec in CLAIMS:
        assert spec.kind in ("paper", "implied", "beyond", "check")
        assert spec.untested or spec.section.startswith("sas-")
    assert CLAIMS["bound_nonvacuous"].kind == "beyond" and CLAIMS["toy_route_to_chaos"].kind == "check"


def test_a_missing_measurement_is_a_clear_error():
    with pytest.raises(ClaimError, match="min_velocity_ratio"):
        verdict("weights_keep_moving", velocity=1.0)


def test_weights_keep_moving():
    assert verdict("weights_keep_moving", min_velocity_ratio=0.5) == "reproduced"
    assert verdict("weights_keep_moving", min_velocity_ratio=0.49) == "not_reproduced"


def test_loss_averages_converge_is_gated_on_stationarity():
    assert verdict("loss_averages_converge", max_relative_half_change=0.049, **STAT) == "reproduced"
    assert verdict("loss_averages_converge", max_relative_half_change=0.05, **STAT) == "not_reproduced"
    assert verdict("loss_averages_converge", max_relative_half_change=0.01, **DRIFTING) == "inconclusive"
    assert verdict("loss_averages_converge", max_relative_half_change=0.2, **DRIFTING) == "inconclusive"
    assert verdict("loss_averages_converge", max_relative_half_change=0.01, **NOT_BURNT) == "inconclusive"


def test_bn_wd_periodic():
    assert verdict("bn_wd_periodic", cycles=[2, 5], cv_low=[0.0, 0.2], cv_high=[0.1, 0.49]) == "reproduced"
    assert verdict("bn_wd_periodic", cycles=[5, 5], cv_low=[0.51, 0.2], cv_high=[0.9, 0.49]) == "reproduced"
    assert verdict("bn_wd_periodic", cycles=[2, 5], cv_low=[0.0, 0.51], cv_high=[0.1, 0.9]) == "not_reproduced"
    assert verdict("bn_wd_periodic", cycles=[5, 5], cv_low=[0.6, 0.51], cv_high=[0.9, 0.9]) == "not_reproduced"
    assert verdict("bn_wd_periodic", cycles=[2, 5], cv_low=[0.0, 0.3], cv_high=[0.1, 0.5]) == "inconclusive"
    # one weight decay resolved below 0.5 decides, whatever the other's interval
    assert verdict("bn_wd_periodic", cycles=[20, 80], cv_low=[0.42, 0.36], cv_high=[0.79, 0.47]) == "reproduced"
    assert verdict("bn_wd_periodic", cycles=[20, 80], cv_low=[0.42, 0.51], cv_high=[0.79, 0.7]) == "inconclusive"
    assert verdict("bn_wd_periodic", cycles=[4, 5], cv_low=[0.0, NAN], cv_high=[0.1, NAN]) == "inconclusive"
    assert verdict("bn_wd_periodic", cycles=[4, 3], cv_low=[0.0, 0.0], cv_high=[0.1, 0.1]) == "inconclusive"


def test_bn_neighbour_minima():
    m = dict(neighbour_distance=[0.5, 0.9], independent_distance=[1.4, 0.8])
    assert verdict("bn_neighbour_minima", ends=[3, 2], **m) == "reproduced"  # only the first weight decay decided
    assert verdict("bn_neighbour_minima", ends=[3, 3], **m) == "not_reproduced"
    assert verdict("bn_neighbour_minima", ends=[2, 2], **m) == "inconclusive"


def test_toy_route_to_chaos():
    good = dict(period_at_smallest_eta=1, eta_period2=1.0, eta_chaos=1.3, fixed_point_error=1e-12)
    assert verdict("toy_route_to_chaos", **good) == "reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "period_at_smallest_eta": 2}) == "not_reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "eta_chaos": 0.9}) == "not_reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "eta_chaos": NAN}) == "not_reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "fixed_point_error": 0.01}) == "not_reproduced"


def test_weight_distance_claims():
    assert verdict("linear_instability", median_growth=100.0) == "reproduced"
    assert verdict("linear_instability", median_growth=99.0) == "not_reproduced"
    assert verdict("twin_weights_reach_interrun_distance", median_ratio=0.5) == "reproduced"
    assert verdict("twin_weights_reach_interrun_distance", median_ratio=0.49) == "not_reproduced"


def test_sas_beta_settles():
    assert verdict("sas_beta_settles", running_relative_drift=0.099, **STAT) == "reproduced"
    assert verdict("sas_beta_settles", running_relative_drift=0.1, **STAT) == "not_reproduced"
    assert verdict("sas_beta_settles", running_relative_drift=0.01, **DRIFTING) == "inconclusive"
    assert verdict("sas_beta_settles", running_relative_drift=0.01, **NOT_BURNT) == "inconclusive"


def beta(ci, over_noise=2.1, stat=STAT):
    return dict(exponent=sum(ci) / 2, exponent_ci=ci, min_beta_over_noise=over_noise, **stat)


def test_beta_shrinks_with_n():
    assert verdict("beta_shrinks_with_n", **beta([-0.8, -0.01])) == "reproduced"
    assert verdict("beta_shrinks_with_n", **beta([-0.8, 0.0])) == "inconclusive"  # 0 not excluded
    assert verdict("beta_shrinks_with_n", **beta([0.0, 0.8])) == "inconclusive"
    assert verdict("beta_shrinks_with_n", **beta([0.01, 0.8])) == "not_reproduced"
    assert verdict("beta_shrinks_with_n", **beta([-1.6, -0.5])) == "inconclusive"  # too wide
    assert verdict("beta_shrinks_with_n", **beta([-0.8, -0.2], over_noise=2.0)) == "inconclusive"
    assert verdict("beta_shrinks_with_n", **beta([-0.8, -0.2], stat=DRIFTING)) == "inconclusive"


def test_beta_one_over_n():
    assert verdict("beta_one_over_n", **beta([-1.0, -0.4])) == "reproduced"
    assert verdict("beta_one_over_n", **beta([-0.99, -0.2])) == "not_reproduced"
    assert verdict("beta_one_over_n", **beta([-1.9, -1.01])) == "not_reproduced"
    assert verdict("beta_one_over_n", **beta([-1.2, -0.8], stat=NOT_BURNT)) == "inconclusive"


def test_mean_stability_one_over_n():
    ok = dict(min_mean_over_noise=2.1, **STAT)
    assert verdict("mean_stability_one_over_n", exponent_ci=[-1.3, -0.6], **ok) == "reproduced"
    assert verdict("mean_stability_one_over_n", exponent_ci=[-0.9, -0.1], **ok) == "not_reproduced"
    assert verdict("mean_stability_one_over_n", exponent_ci=[-1.5, -0.5], **ok) == "inconclusive"
    assert verdict("mean_stability_one_over_n", exponent_ci=[-1.2, -0.8], min_mean_over_noise=2.0,
                   **STAT) == "inconclusive"


def test_bound_claims():
    assert verdict("bound_holds", settings_below_L=1, violations=0, **STAT) == "reproduced"
    assert verdict("bound_holds", settings_below_L=2, violations=1, **STAT) == "not_reproduced"
    assert verdict("bound_holds", settings_below_L=0, violations=0, **STAT) == "inconclusive"
    assert verdict("bound_holds", settings_below_L=3, violations=0, **DRIFTING) == "inconclusive"
    guess = math.log(10)
    assert verdict("bound_nonvacuous", min_bound=2.3, uniform_guess_risk=guess) == "reproduced"
    assert verdict("bound_nonvacuous", min_bound=2.31, uniform_guess_risk=guess) == "not_reproduced"


def mixing(ci_wd, ci_label, settings=6, resolved=6, over_noise=2.1, stat=STAT):
    """Measured values of the two mixing sweeps (weight decay; label noise); ``settings`` and ``resolved`` apply to
    the label-noise sweep, the weight-decay sweep has 6 resolved settings."""
    return dict(rho_weight_decay=sum(ci_wd) / 2, ci_weight_decay=ci_wd, settings_weight_decay=6,
                resolved_weight_decay=6, rho_label_noise=sum(ci_label) / 2, ci_label_noise=ci_label,
                settings_label_noise=settings, resolved_label_noise=resolved, min_beta_over_noise=over_noise, **stat)


def test_mixing_predicts_beta_needs_both_levers():
    up, zero_low, down, zero_high = [0.01, 0.8], [0.0, 0.8], [-0.9, -0.01], [-0.9, 0.0]
    assert verdict("mixing_predicts_beta", **mixing(up, up)) == "reproduced"
    assert verdict("mixing_predicts_beta", **mixing(up, zero_low)) == "inconclusive"  # 0 not excluded
    assert verdict("mixing_predicts_beta", **mixing(zero_low, up)) == "inconclusive"  # one lever is not enough
    assert verdict("mixing_predicts_beta", **mixing(zero_low, down)) == "not_reproduced"
    assert verdict("mixing_predicts_beta", **mixing(down, up)) == "not_reproduced"  # the levers disagree
    assert verdict("mixing_predicts_beta", **mixing(up, zero_high)) == "inconclusive"
    assert verdict("mixing_predicts_beta", **mixing(up, up, settings=5, resolved=5)) == "inconclusive"
    assert verdict("mixing_predicts_beta", **mixing(up, up, resolved=5)) == "inconclusive"
    assert verdict("mixing_predicts_beta", **mixing(up, up, over_noise=2.0)) == "inconclusive"
    assert verdict("mixing_predicts_beta", **mixing(up, down, stat=DRIFTING)) == "inconclusive"


def test_mixing_predicts_gap_needs_no_beta_above_noise():
    assert verdict("mixing_predicts_gap", **mixing([0.01, 0.8], [0.2, 0.9], over_noise=0.5)) == "reproduced"
    assert verdict("mixing_predicts_gap", **mixing([-0.5, 0.8], [0.2, 0.9])) == "inconclusive"
    assert verdict("mixing_predicts_gap", **mixing([-0.5, 0.8], [-0.8, -0.5])) == "not_reproduced"
    assert verdict("mixing_predicts_gap", **mixing([0.1, 0.8], [0.1, 0.8], resolved=5)) == "inconclusive"


def test_ergodicity_claims():
    assert verdict("runs_occupy_different_regions", median_distance_over_spread=2.0, **STAT) == "reproduced"
    assert verdict("runs_occupy_different_regions", median_distance_over_spread=1.9, **STAT) == "not_reproduced"
    assert verdict("runs_occupy_different_regions", median_distance_over_spread=9, **NOT_BURNT) == "inconclusive"
    name = "loss_averages_agree_across_runs"

    def agree(high, low, stat=STAT):
        return verdict(name, max_relative_risk_change_high=high, max_relative_risk_change_low=low, **stat)

    assert agree(0.049, -0.01) == "reproduced"
    assert agree(0.05, 0.01) == "inconclusive"  # an interval straddles 5%
    assert agree(0.09, 0.051) == "not_reproduced"  # an interval entirely above 5%
    assert agree(0.09, 0.05) == "inconclusive"
    assert agree(0.01, -0.01, stat=DRIFTING) == "inconclusive"


def test_sas_equals_classical_when_converged():
    name = "sas_equals_classical_when_converged"
    assert verdict(name, beta_sas=1.0099, beta_classical=1.0, max_relative_velocity=9e-6) == "reproduced"
    assert verdict(name, beta_sas=1.0101, beta_classical=1.0, max_relative_velocity=9e-6) == "not_reproduced"
    assert verdict(name, beta_sas=0.98, beta_classical=1.0, max_relative_velocity=9e-6) == "not_reproduced"
    assert verdict(name, beta_sas=1.0, beta_classical=1.0, max_relative_velocity=1e-5) == "inconclusive"
