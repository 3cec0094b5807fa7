"""Every rule of the thermometry chapter at its boundaries, on hand-made measured values."""

import pytest

from thermo_utils.chapters.thermometry.claims import CLAIMS
from thermo_utils.chapters.thermometry.temperatures import family_critical_z
from thermo_utils.harness.claims import ClaimError, judge


def verdict(name, measured, **kw):
    return judge(CLAIMS[name], measured, **kw).verdict


def test_closed_form_per_step():
    assert verdict("closed_form_per_step", {"max_rel_error": 0.049}) == "reproduced"
    assert verdict("closed_form_per_step", {"max_rel_error": 0.051}) == "not_reproduced"
    assert verdict("closed_form_per_step", {"max_rel_error": 0.1}, thresholds={"tolerance": 0.15}) == "reproduced"


@pytest.mark.parametrize("name", ["stationary_variance", "lagged_msd", "kinetic_is_eta_free_energy",
                                  "thermophoretic_vs_kinetic", "free_energy_estimator"])
def test_z_rules(name):
    crit = family_critical_z(120, 0.01)
    assert crit == pytest.approx(3.94, abs=0.02)
    m = {"cells": 120, "max_abs_z": crit - 0.01, "median_rel_se": 0.01, "max_rel_error": 0.02}
    assert verdict(name, m) == "reproduced"
    assert verdict(name, {**m, "max_abs_z": crit + 0.01}) == "not_reproduced"
    se_max = CLAIMS[name].thresholds["se_max"]
    assert verdict(name, {**m, "median_rel_se": se_max * 1.01}) == "inconclusive"
    # fewer cells, a lower critical value
    assert verdict(name, {**m, "cells": 3, "max_abs_z": 3.5}) == "not_reproduced"


def test_lag_exponent_per_step():
    m = {"ci_lag1": [1.95, 2.1], "exact_lag1": 2.03}
    assert verdict("lag_exponent_per_step", m) == "reproduced"
    assert verdict("lag_exponent_per_step", {**m, "exact_lag1": 2.11}) == "not_reproduced"
    assert verdict("lag_exponent_per_step", {"ci_lag1": [0.99, 1.2], "exact_lag1": 1.1}) == "not_reproduced"
    assert verdict("lag_exponent_per_step", {"ci_lag1": [1.8, 2.11], "exact_lag1": 2.0}) == "inconclusive"


def test_lag_exponent_long():
    m = {"ci_longest": [1.0, 1.06], "exact_longest": 1.03}
    assert verdict("lag_exponent_long", m) == "reproduced"
    assert verdict("lag_exponent_long", {**m, "exact_longest": 0.99}) == "not_reproduced"
    assert verdict("lag_exponent_long", {"ci_longest": [1.8, 2.01], "exact_longest": 1.9}) == "not_reproduced"
    assert verdict("lag_exponent_long", {"ci_longest": [0.8, 1.11], "exact_longest": 1.0}) == "inconclusive"


def test_inverse_batch():
    assert verdict("inverse_batch", {"exponent_min": -1.04, "exponent_max": -0.96}) == "reproduced"
    assert verdict("inverse_batch", {"exponent_min": -1.06, "exponent_max": -1.0}) == "not_reproduced"


def test_zeta_spread_limit():
    assert verdict("zeta_spread_limit", {"intercept_ci": [0.97, 1.01]}) == "reproduced"
    assert verdict("zeta_spread_limit", {"intercept_ci": [1.001, 1.05]}) == "not_reproduced"
    assert verdict("zeta_spread_limit", {"intercept_ci": [0.9, 1.002]}) == "inconclusive"


def test_zeta_not_kinetic():
    m = {"exponent_ci": [0.95, 1.1], "exact_exponent": 1.02}
    assert verdict("zeta_not_kinetic", m) == "reproduced"
    assert verdict("zeta_not_kinetic", {**m, "exact_exponent": 1.11}) == "not_reproduced"
    assert verdict("zeta_not_kinetic", {"exponent_ci": [-0.01, 0.2], "exact_exponent": 0.1}) == "not_reproduced"
    assert verdict("zeta_not_kinetic", {"exponent_ci": [0.8, 1.11], "exact_exponent": 1.0}) == "inconclusive"


def test_free_energy_parts_from_zeta():
    assert verdict("free_energy_parts_from_zeta", {"z_vs_one": 3.1, "z_vs_exact": -2.9}) == "reproduced"
    assert verdict("free_energy_parts_from_zeta", {"z_vs_one": 2.9, "z_vs_exact": 0.0}) == "not_reproduced"
    assert verdict("free_energy_parts_from_zeta", {"z_vs_one": 50, "z_vs_exact": 3.1}) == "not_reproduced"


GATE = {"n_layers_fitted": 2, "widest_ci": 0.05, "T_drift": 0.05, "loss_drift": 0.6}


def test_network_gate_is_on_the_temperature_not_the_loss():
    m = {**GATE, "per_step": {"fc1": 2.0, "fc2": 1.9}}
    assert verdict("network_eta_exponent", m) == "reproduced"
    assert verdict("network_eta_exponent", {**m, "T_drift": 0.11}) == "inconclusive"
    assert verdict("network_eta_exponent", {**m, "widest_ci": 1.2}) == "inconclusive"
    assert verdict("network_eta_exponent", {**m, "n_layers_fitted": 0}) == "inconclusive"


def test_network_eta_exponent():
    m = {**GATE, "per_step": {"fc1": 2.0, "fc2": 1.76}}
    assert verdict("network_eta_exponent", m) == "reproduced"
    assert verdict("network_eta_exponent", {**m, "per_step": {"fc1": 2.0, "fc2": 1.74}}) == "not_reproduced"


def test_network_epoch_slower():
    step = {"fc1": [1.98, 2.02], "fc2": [1.95, 2.0]}
    m = {**GATE, "per_step_ci": step, "per_epoch_ci": {"fc1": [1.97, 2.03], "fc2": [1.7, 1.8]}}
    assert verdict("network_epoch_slower", m) == "reproduced"  # equal for fc1 (flat), smaller for fc2
    same = {**m, "per_epoch_ci": {"fc1": [1.97, 2.03], "fc2": [1.9, 1.96]}}
    assert verdict("network_epoch_slower", same) == "not_reproduced"  # no layer resolved below
    faster = {**m, "per_epoch_ci": {"fc1": [2.03, 2.1], "fc2": [1.7, 1.8]}}
    assert verdict("network_epoch_slower", faster) == "not_reproduced"  # one layer resolved above
    assert verdict("network_epoch_slower", {**m, "T_drift": 0.2}) == "inconclusive"


def test_network_inverse_batch():
    m = {**GATE, "exponent_in_B": {"fc1": -1.0, "fc2": -0.8}}
    assert verdict("network_inverse_batch", m) == "reproduced"
    assert verdict("network_inverse_batch", {**m, "exponent_in_B": {"fc1": -1.0, "fc2": -0.7}}) == "not_reproduced"
    assert verdict("network_inverse_batch", {**m, "T_drift": 0.5}) == "inconclusive"


def test_adam_eta_exponent():
    m = {**GATE, "per_step": {"fc1": 1.8, "fc2": 2.2}}
    assert verdict("adam_eta_exponent", m) == "reproduced"
    assert verdict("adam_eta_exponent", {**m, "per_step": {"fc1": 1.74, "fc2": 2.0}}) == "not_reproduced"
    assert verdict("adam_eta_exponent", {**m, "T_drift": 0.5}) == "inconclusive"


def test_every_claim_has_a_section_and_a_kind():
    for spec in CLAIMS:
        assert spec.section.startswith("thermo-"), spec.name
        assert spec.kind in ("paper", "implied", "beyond", "check")
    kinds = {spec.name: spec.kind for spec in CLAIMS}
    assert all(kinds[n] == "beyond" for n in ("kinetic_is_eta_free_energy", "free_energy_estimator",
                                              "free_energy_parts_from_zeta", "thermophoretic_vs_kinetic"))


def test_missing_measurement_is_a_clear_error():
    with pytest.raises(ClaimError, match="max_rel_error"):
        verdict("closed_form_per_step", {})


@pytest.mark.parametrize("name", ["interpolation_collapse", "walk_density"])
def test_regime_z_rules(name):
    crit = family_critical_z(12, 0.01)
    m = {"cells": 12, "max_abs_z": crit - 0.01, "median_rel_se": 0.02}
    assert verdict(name, m) == "reproduced"
    assert verdict(name, {**m, "max_abs_z": crit + 0.01}) == "not_reproduced"
    assert verdict(name, {**m, "median_rel_se": 0.06}) == "inconclusive"


def test_drift_current():
    assert verdict("drift_current", {"z_vs_exact": 2.5, "z_vs_zero": 3.1}) == "reproduced"
    assert verdict("drift_current", {"z_vs_exact": -2.6, "z_vs_zero": 50}) == "not_reproduced"
    assert verdict("drift_current", {"z_vs_exact": 0.0, "z_vs_zero": 2.9}) == "not_reproduced"
    assert verdict("drift_current_control", {"z_vs_zero": -2.5}) == "reproduced"
    assert verdict("drift_current_control", {"z_vs_zero": 2.6}) == "not_reproduced"
