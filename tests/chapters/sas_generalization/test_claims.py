"""Every claim rule of the chapter at its boundaries, on hand-made measured values (the chapter is not run)."""

import math

import pytest

from thermo_utils.chapters.sas_generalization.claims import CLAIMS
from thermo_utils.harness.claims import judge

NAN = float("nan")


def verdict(name, **measured):
    return judge(CLAIMS[name], measured).verdict


def test_every_claim_is_declared_with_a_kind_and_a_section():
    for spec in CLAIMS:
        assert spec.kind in ("paper", "implied", "beyond", "check")
        assert spec.untested or spec.section.startswith("sas-")


def test_weights_keep_moving():
    assert verdict("weights_keep_moving", min_velocity_ratio=0.5, min_displacement_growth=0.2) == "reproduced"
    assert verdict("weights_keep_moving", min_velocity_ratio=0.49, min_displacement_growth=0.9) == "not_reproduced"
    assert verdict("weights_keep_moving", min_velocity_ratio=0.9, min_displacement_growth=0.19) == "not_reproduced"


def test_loss_averages_converge_is_gated_on_the_burn_in():
    ok = dict(median_abs_halves_z=0.7, burn_in_weight_decay_times=1.0)
    assert verdict("loss_averages_converge", max_relative_half_change=0.049, **ok) == "reproduced"
    assert verdict("loss_averages_converge", max_relative_half_change=0.05, **ok) == "not_reproduced"
    assert verdict("loss_averages_converge", max_relative_half_change=0.01, median_abs_halves_z=0.7,
                   burn_in_weight_decay_times=0.99) == "inconclusive"


def test_bn_wd_periodic():
    long = dict(mean_period=[NAN, 600.0], weight_decay_times=3.0)
    assert verdict("bn_wd_periodic", spikes=[0, 3], period_cv=[NAN, 0.29], **long) == "reproduced"
    assert verdict("bn_wd_periodic", spikes=[0, 2], period_cv=[NAN, 0.1], **long) == "not_reproduced"
    assert verdict("bn_wd_periodic", spikes=[0, 5], period_cv=[NAN, 0.3], **long) == "not_reproduced"
    assert verdict("bn_wd_periodic", spikes=[0, 5], period_cv=[NAN, 0.1], mean_period=[NAN, 600.0],
                   weight_decay_times=2.9) == "inconclusive"


def test_toy_route_to_chaos():
    good = dict(period_at_smallest_eta=1, eta_period2=1.0, eta_chaos=1.3, fixed_point_error=1e-12)
    assert verdict("toy_route_to_chaos", **good) == "reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "period_at_smallest_eta": 2}) == "not_reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "eta_chaos": 0.9}) == "not_reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "eta_chaos": NAN}) == "not_reproduced"
    assert verdict("toy_route_to_chaos", **{**good, "fixed_point_error": 0.01}) == "not_reproduced"


def test_snapshot_stability_unsettled():
    assert verdict("snapshot_stability_unsettled", snapshot_cv=0.21, running_relative_drift=0.1) == "reproduced"
    assert verdict("snapshot_stability_unsettled", snapshot_cv=0.2, running_relative_drift=0.1) == "not_reproduced"


@pytest.mark.parametrize("name", ["beta_shrinks_with_n", "beta_one_over_n"])
def test_beta_exponent_claims_are_gated_on_precision_and_noise(name):
    wide = dict(exponent=-1.0, exponent_ci=[-1.6, -0.5], min_beta_over_noise=5.0)
    noisy = dict(exponent=-1.0, exponent_ci=[-1.2, -0.8], min_beta_over_noise=2.0)
    extra = dict(n=[1, 2], beta=[1, 1], held_out_sup_exponent=-1, held_out_sup_ci=[-2, 0]) \
        if name == "beta_shrinks_with_n" else {}
    assert verdict(name, **wide, **extra) == "inconclusive"
    assert verdict(name, **noisy, **extra) == "inconclusive"
    assert verdict(name, exponent=-1.0, exponent_ci=[-1.2, -0.8], min_beta_over_noise=2.1, **extra) == "reproduced"


def test_beta_shrinks_with_n_boundaries():
    extra = dict(n=[1, 2], beta=[1, 1], held_out_sup_exponent=-1, held_out_sup_ci=[-2, 0], min_beta_over_noise=3)
    assert verdict("beta_shrinks_with_n", exponent=-0.4, exponent_ci=[-0.8, -0.01], **extra) == "reproduced"
    assert verdict("beta_shrinks_with_n", exponent=-0.4, exponent_ci=[-0.8, 0.0], **extra) == "not_reproduced"


def test_beta_one_over_n_boundaries():
    ok = dict(min_beta_over_noise=3.0)
    assert verdict("beta_one_over_n", exponent=-0.7, exponent_ci=[-1.0, -0.4], **ok) == "reproduced"
    assert verdict("beta_one_over_n", exponent=-0.6, exponent_ci=[-0.99, -0.2], **ok) == "not_reproduced"
    assert verdict("beta_one_over_n", exponent=-1.5, exponent_ci=[-1.9, -1.01], **ok) == "not_reproduced"


def test_mean_stability_one_over_n():
    b = dict(beta_mean=[0.1, 0.05])
    assert verdict("mean_stability_one_over_n", exponent=-1, exponent_ci=[-1.3, -0.6], **b) == "reproduced"
    assert verdict("mean_stability_one_over_n", exponent=-0.5, exponent_ci=[-0.9, -0.1], **b) == "not_reproduced"
    assert verdict("mean_stability_one_over_n", exponent=-1, exponent_ci=[-1.5, -0.5], **b) == "inconclusive"


def test_bound_claims():
    assert verdict("bound_holds", settings=3, violations=0, min_bound_minus_risk=0.1) == "reproduced"
    assert verdict("bound_holds", settings=3, violations=1, min_bound_minus_risk=-0.1) == "not_reproduced"
    guess = math.log(10)
    assert verdict("bound_nonvacuous", min_bound=2.3, uniform_guess_risk=guess, median_n_beta=1) == "reproduced"
    assert verdict("bound_nonvacuous", min_bound=2.31, uniform_guess_risk=guess, median_n_beta=1) == "not_reproduced"


@pytest.mark.parametrize("name", ["mixing_predicts_beta", "mixing_predicts_gap"])
def test_mixing_claims(name):
    assert verdict(name, rho=0.5, ci=[0.01, 0.8], settings=6, finite_decay_times=6) == "reproduced"
    assert verdict(name, rho=0.3, ci=[0.0, 0.8], settings=6, finite_decay_times=6) == "not_reproduced"
    assert verdict(name, rho=0.5, ci=[0.1, 0.8], settings=5, finite_decay_times=5) == "inconclusive"
    assert verdict(name, rho=0.5, ci=[0.1, 0.8], settings=8, finite_decay_times=7) == "inconclusive"
