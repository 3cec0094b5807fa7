"""Every rule of the thermometry chapter at its boundaries, on hand-made measured values."""

import pytest

from thermo_utils.chapters.thermometry.claims import CLAIMS
from thermo_utils.harness.claims import judge


def verdict(name, measured, **kw):
    return judge(CLAIMS[name], measured, **kw).verdict


def test_closed_form_per_step():
    assert verdict("closed_form_per_step", {"max_rel_error": 0.049}) == "reproduced"
    assert verdict("closed_form_per_step", {"max_rel_error": 0.051}) == "not_reproduced"
    assert verdict("closed_form_per_step", {"max_rel_error": 0.1}, thresholds={"tolerance": 0.15}) == "reproduced"


LAG = {"exponent_lag1": 2.02, "exponent_longest_lag": 1.03, "largest_rise": 0.0, "exponent_ci_width_max": 0.2}


def test_lag_exponent():
    assert verdict("lag_exponent", LAG) == "reproduced"
    assert verdict("lag_exponent", {**LAG, "exponent_lag1": 1.89}) == "not_reproduced"
    assert verdict("lag_exponent", {**LAG, "exponent_longest_lag": 1.31}) == "not_reproduced"
    assert verdict("lag_exponent", {**LAG, "largest_rise": 0.06}) == "not_reproduced"
    assert verdict("lag_exponent", {**LAG, "exponent_ci_width_max": 0.31}) == "inconclusive"


def test_inverse_batch():
    assert verdict("inverse_batch", {"exponent_min": -1.04, "exponent_max": -0.96}) == "reproduced"
    assert verdict("inverse_batch", {"exponent_min": -1.06, "exponent_max": -1.0}) == "not_reproduced"


ZETA = {"max_rel_dev_spread_vs_zeta": 0.03, "cells_with_small_eta_h": 10, "exponent_var_eta": 1.03,
        "exponent_T_eta": 2.0}


def test_zeta_configurational():
    assert verdict("zeta_configurational", ZETA) == "reproduced"
    assert verdict("zeta_configurational", {**ZETA, "max_rel_dev_spread_vs_zeta": 0.055}) == "not_reproduced"
    assert verdict("zeta_configurational", {**ZETA, "exponent_var_eta": 1.11}) == "not_reproduced"
    assert verdict("zeta_configurational", {**ZETA, "exponent_T_eta": 1.79}) == "not_reproduced"
    assert verdict("zeta_configurational", {**ZETA, "cells_with_small_eta_h": 0}) == "inconclusive"


GATE = {"n_layers_fitted": 2, "widest_ci": 0.05, "loss_drift": 0.05}


def test_network_eta_exponent():
    m = {**GATE, "per_step": {"fc1": 2.0, "fc2": 1.9}, "per_epoch": {"fc1": 1.9, "fc2": 1.6}}
    assert verdict("network_eta_exponent", m) == "reproduced"
    assert verdict("network_eta_exponent", {**m, "per_step": {"fc1": 2.0, "fc2": 1.7}}) == "not_reproduced"
    assert verdict("network_eta_exponent", {**m, "per_epoch": {"fc1": 2.1, "fc2": 1.6}}) == "not_reproduced"
    assert verdict("network_eta_exponent", {**m, "loss_drift": 0.2}) == "inconclusive"
    assert verdict("network_eta_exponent", {**m, "widest_ci": 1.2}) == "inconclusive"


def test_network_inverse_batch():
    m = {**GATE, "exponent_in_B": {"fc1": -1.0, "fc2": -0.8}}
    assert verdict("network_inverse_batch", m) == "reproduced"
    assert verdict("network_inverse_batch", {**m, "exponent_in_B": {"fc1": -1.0, "fc2": -0.7}}) == "not_reproduced"
    assert verdict("network_inverse_batch", {**m, "n_layers_fitted": 0}) == "inconclusive"


def test_adam_eta_exponent():
    m = {**GATE, "per_step": {"fc1": 1.8, "fc2": 2.2}}
    assert verdict("adam_eta_exponent", m) == "reproduced"
    assert verdict("adam_eta_exponent", {**m, "per_step": {"fc1": 1.74, "fc2": 2.0}}) == "not_reproduced"
    assert verdict("adam_eta_exponent", {**m, "loss_drift": 0.5}) == "inconclusive"


def test_every_claim_has_a_section_and_a_kind():
    for spec in CLAIMS:
        assert spec.section.startswith("thermo-"), spec.name
        assert spec.kind in ("paper", "implied", "beyond", "check")


def test_missing_measurement_is_a_clear_error():
    from thermo_utils.harness.claims import ClaimError

    with pytest.raises(ClaimError, match="max_rel_error"):
        verdict("closed_form_per_step", {})
