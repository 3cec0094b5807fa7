"""Each claim rule of the chapter at its boundaries, on hand-made measured values (the chapter is not run)."""

import math

import pytest

from thermo_utils.chapters.free_energy_sphere.claims import CLAIMS
from thermo_utils.harness.claims import ClaimError, judge

NAN = float("nan")


def verdict(name, measured, **kwargs):
    return judge(CLAIMS[name], measured, **kwargs).verdict


def test_every_claim_has_a_section_and_a_known_kind():
    for spec in CLAIMS:
        assert spec.section.startswith("fes-") or spec.untested, spec.name
    assert len(CLAIMS.ids()) == len(set(CLAIMS.ids()))


def test_toy_three_regimes():
    base = {"regimes_present": ["convergence", "divergence", "equilibrium"], "ordered": True, "decay_exponent": 10.0}
    assert verdict("toy_three_regimes", base) == "reproduced"
    assert verdict("toy_three_regimes", {**base, "ordered": False}) == "not_reproduced"
    assert verdict("toy_three_regimes", {**base, "regimes_present": ["convergence", "equilibrium"]}) == "not_reproduced"
    assert verdict("toy_three_regimes", {**base, "decay_exponent": 9.99}) == "inconclusive"


def test_toy_up_temperature_monotone():
    base = {"spearman": 0.9, "n_estimates": 5, "relaxation_exponent": 10.0}
    assert verdict("toy_up_temperature_monotone", base) == "reproduced"
    assert verdict("toy_up_temperature_monotone", {**base, "spearman": 0.899}) == "not_reproduced"
    assert verdict("toy_up_temperature_monotone", {**base, "spearman": NAN}) == "not_reproduced"
    assert verdict("toy_up_temperature_monotone", {**base, "n_estimates": 4}) == "inconclusive"
    assert verdict("toy_up_temperature_monotone", {**base, "relaxation_exponent": 9.9}) == "inconclusive"


def test_toy_up_temperature_monotone_graph_and_loss_rises():
    base = {"spearman": 0.95, "n_estimates": 5, "relaxation_exponent": 10.0}
    assert verdict("toy_up_temperature_monotone_graph", base) == "reproduced"
    assert verdict("toy_up_temperature_monotone_graph", {**base, "spearman": 0.5}) == "not_reproduced"
    assert verdict("toy_up_temperature_monotone_graph", {**base, "n_estimates": 4}) == "inconclusive"
    assert verdict("toy_up_loss_rises", {"spearman": 0.9, "relaxation_exponent": 10.0}) == "reproduced"
    assert verdict("toy_up_loss_rises", {"spearman": 0.89, "relaxation_exponent": 10.0}) == "not_reproduced"
    assert verdict("toy_up_loss_rises", {"spearman": 1.0, "relaxation_exponent": 2.0}) == "inconclusive"


def test_toy_up_minimisers():
    base = {"fraction_minimisers": 0.9, "n_rates": 5, "relaxation_exponent": 10.0}
    assert verdict("toy_up_minimisers", base) == "reproduced"
    assert verdict("toy_up_minimisers", {**base, "fraction_minimisers": 0.78}) == "not_reproduced"
    assert verdict("toy_up_minimisers", {**base, "n_rates": 4}) == "inconclusive"


def test_toy_up_convex_landscape_has_a_tolerance():
    ok = [0.0] * 9 + [0.02]
    base = {"bump_heights": ok, "relaxation_exponent": 10.0}
    assert verdict("toy_up_convex_landscape", base) == "reproduced"
    assert verdict("toy_up_convex_landscape", {**base, "bump_heights": [0.0] * 9 + [0.021]}) == "reproduced"  # 90 %
    assert verdict("toy_up_convex_landscape", {**base, "bump_heights": [0.0] * 8 + [0.03, 0.5]}) == "not_reproduced"
    assert verdict("toy_up_convex_landscape", {**base, "bump_heights": [0.0] * 4}) == "inconclusive"


def test_toy_up_gibbs_law():
    base = {"kl": [0.05, -0.08, 0.1, 0.02, 0.5], "estimator_bias": [0.01, -0.05, 0.02], "relaxation_exponent": 10.0}
    assert verdict("toy_up_gibbs_law", base) == "reproduced"  # 4 of 5 within 0.1 nat
    assert verdict("toy_up_gibbs_law", {**base, "kl": [0.05, -0.2, 0.1, 0.02, 0.5]}) == "not_reproduced"
    assert verdict("toy_up_gibbs_law", {**base, "kl": [0.69] * 5}) == "not_reproduced"
    assert verdict("toy_up_gibbs_law", {**base, "estimator_bias": [0.06]}) == "inconclusive"
    assert verdict("toy_up_gibbs_law", {**base, "kl": [0.0] * 4}) == "inconclusive"


def test_toy_snr_published_values():
    base = {"published": 0.03, "relaxation_exponent": 10.0}
    assert verdict("toy_snr_up_{variant}", {**base, "snr": 0.044}, variant="small_rate") == "reproduced"
    assert verdict("toy_snr_up_{variant}", {**base, "snr": 0.021}, variant="small_rate") == "reproduced"
    assert verdict("toy_snr_up_{variant}", {**base, "snr": 0.0135}, variant="small_rate") == "not_reproduced"
    assert verdict("toy_snr_up_{variant}", {**base, "snr": 0.03, "relaxation_exponent": 1.0},
                   variant="large_rate") == "inconclusive"


def test_toy_op_converges():
    base = {"final_loss_smallest_rates": [0.0, 1e-20, 9.9e-9, 0.0], "decay_exponent": 12.5}
    assert verdict("toy_op_converges", base) == "reproduced"
    assert verdict("toy_op_converges", {**base, "final_loss_smallest_rates": [0.0, 1e-8]}) == "not_reproduced"
    assert verdict("toy_op_converges", {**base, "decay_exponent": 5.0}) == "inconclusive"


def test_toy_op_temperature_collapse():
    base = {"drop_factors": [1e-20, 1e-3], "n_positive": [3, 7]}
    assert verdict("toy_op_temperature_collapse", base) == "reproduced"
    assert verdict("toy_op_temperature_collapse", {**base, "drop_factors": [1e-20, 2e-3]}) == "not_reproduced"
    assert verdict("toy_op_temperature_collapse", {**base, "n_positive": [2, 7]}) == "inconclusive"
    assert verdict("toy_op_temperature_collapse", {"drop_factors": [], "n_positive": []}) == "inconclusive"
    assert CLAIMS["toy_op_temperature_collapse"].kind == "check"


def test_toy_snr_op_constant():
    theory = 1 / math.sqrt(3)
    base = {"median_snr": theory * 1.049, "spread": 1.099, "theory": theory, "n_rates": 3}
    assert verdict("toy_snr_op_constant", base) == "reproduced"
    assert verdict("toy_snr_op_constant", {**base, "median_snr": theory * 0.94}) == "not_reproduced"
    assert verdict("toy_snr_op_constant", {**base, "spread": 1.1}) == "not_reproduced"
    assert verdict("toy_snr_op_constant", {**base, "n_rates": 2}) == "inconclusive"


def test_toy_snr_up_falls():
    base = {"spearman": 0.95, "snr_smallest_rate": 0.099, "relaxation_exponent": 10.0}
    assert verdict("toy_snr_up_falls", base) == "reproduced"
    assert verdict("toy_snr_up_falls", {**base, "snr_smallest_rate": 0.1}) == "not_reproduced"
    assert verdict("toy_snr_up_falls", {**base, "spearman": 0.5}) == "not_reproduced"
    assert verdict("toy_snr_up_falls", {**base, "relaxation_exponent": 1.0}) == "inconclusive"


def test_method_isotropic_toy():
    base = {"median_abs_error": 0.15, "n_estimates": 3}
    assert verdict("method_isotropic_toy", base) == "reproduced"
    assert verdict("method_isotropic_toy", {**base, "median_abs_error": 0.151}) == "not_reproduced"
    assert verdict("method_isotropic_toy", {**base, "n_estimates": 2}) == "inconclusive"


def test_net_up_cannot_fit_is_paired_with_op():
    base = {"up_lowest_loss": 0.2, "op_final_loss": 0.049}
    assert verdict("net_up_cannot_fit", base) == "reproduced"
    assert verdict("net_up_cannot_fit", {**base, "up_lowest_loss": 0.19}) == "not_reproduced"
    assert verdict("net_up_cannot_fit", {**base, "op_final_loss": 0.05}) == "inconclusive"


def test_net_up_loss_rises():
    assert verdict("net_up_loss_rises", {"spearman": 0.9, "drift_smallest_rate": 0.05}) == "reproduced"
    assert verdict("net_up_loss_rises", {"spearman": 0.7, "drift_smallest_rate": 0.05}) == "not_reproduced"
    assert verdict("net_up_loss_rises", {"spearman": 1.0, "drift_smallest_rate": 1.9}) == "inconclusive"


def test_net_exponents_against_the_published_ones():
    base = {"exponent": 1.15, "exponent_ci": [0.9, 1.4], "published": 0.85, "n_estimates": 6, "drift_smallest_rate": 0.05}
    assert verdict("net_{variant}_exponent", base, variant="up") == "reproduced"
    assert verdict("net_{variant}_exponent", {**base, "exponent": 1.16}, variant="up") == "not_reproduced"
    assert verdict("net_{variant}_exponent", {**base, "exponent_ci": [0.5, 1.8]}, variant="op") == "inconclusive"
    assert verdict("net_{variant}_exponent", {**base, "exponent_ci": []}, variant="op") == "inconclusive"
    assert verdict("net_{variant}_exponent", {**base, "drift_smallest_rate": 0.2}, variant="up") == "inconclusive"


def test_net_up_temperature_monotone():
    base = {"spearman": 0.9, "n_estimates": 4, "drift_smallest_rate": 0.099}
    assert verdict("net_up_temperature_monotone", base) == "reproduced"
    assert verdict("net_up_temperature_monotone", {**base, "spearman": 0.8}) == "not_reproduced"
    assert verdict("net_up_temperature_monotone", {**base, "drift_smallest_rate": 0.1}) == "inconclusive"
    assert verdict("net_up_temperature_monotone", {**base, "n_estimates": 3}) == "inconclusive"


def test_net_power_law():
    base = {"up_r2": 0.9, "up_exponent_ci": [0.01, 1.5], "n_estimates": 4, "drift_smallest_rate": 0.05}
    assert verdict("net_power_law", base) == "reproduced"
    assert verdict("net_power_law", {**base, "up_exponent_ci": [0.0, 1.5]}) == "not_reproduced"
    assert verdict("net_power_law", {**base, "up_r2": 0.89}) == "not_reproduced"
    assert verdict("net_power_law", {**base, "drift_smallest_rate": 1.9}) == "inconclusive"


def test_net_op_temperature_collapse():
    base = {"final_loss": [0.0099, 0.005], "drop_factors": [1e-3, 1e-5]}
    assert verdict("net_op_temperature_collapse", base) == "reproduced"
    assert verdict("net_op_temperature_collapse", {**base, "final_loss": [0.0099, 0.02]}) == "not_reproduced"
    assert verdict("net_op_temperature_collapse", {**base, "drop_factors": [1e-2, 1e-5]}) == "not_reproduced"
    assert verdict("net_op_temperature_collapse", {**base, "final_loss": [0.05, 0.005]}) == "inconclusive"


def test_net_snr_split_into_up_and_op():
    assert verdict("net_snr_up_plateau", {"up_ratio": 2.0, "drift_smallest_rate": 0.05}) == "reproduced"
    assert verdict("net_snr_up_plateau", {"up_ratio": 0.49, "drift_smallest_rate": 0.05}) == "not_reproduced"
    assert verdict("net_snr_up_plateau", {"up_ratio": 1.0, "drift_smallest_rate": 1.9}) == "inconclusive"
    assert verdict("net_snr_op_falls", {"op_ratio": 0.49, "n_converging": 1}) == "reproduced"
    assert verdict("net_snr_op_falls", {"op_ratio": 0.5, "n_converging": 2}) == "not_reproduced"
    assert verdict("net_snr_op_falls", {"op_ratio": NAN, "n_converging": 0}) == "inconclusive"


def test_untested_statements_are_declared():
    for name in ("resnet18_fits", "theorem1", "table1"):
        assert CLAIMS[name].untested
        with pytest.raises(ClaimError):
            judge(CLAIMS[name], {})


def test_a_missing_measurement_is_a_clear_error():
    with pytest.raises(ClaimError, match="spearman"):
        judge(CLAIMS["toy_up_temperature_monotone"], {"n_estimates": 9, "relaxation_exponent": 20.0})


def test_criteria_are_formatted_from_the_thresholds():
    text = CLAIMS["net_snr_op_falls"].criterion_text()
    assert "< 0.5" in text and "final loss < 0.05" in text
    assert "[0.5, 2]" in CLAIMS["net_snr_up_plateau"].criterion_text()
    assert "{" not in CLAIMS["toy_up_convex_landscape"].criterion_text().replace("{ref}", "")
