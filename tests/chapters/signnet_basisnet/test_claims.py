"""Every rule of the chapter's claims at its boundaries, on hand-made measured values (no chapter run)."""

import math

import pytest

from thermo_utils.chapters.signnet_basisnet.claims import CLAIMS, counting_trained, log_mse_gap, pair_decision
from thermo_utils.harness.claims import ClaimError, judge


def verdict(name, measured, **kwargs):
    return judge(CLAIMS[name], measured, **kwargs).verdict


AMBIGUOUS = {"sign_flip_fraction": 0.5, "basis_gap_relabel": 3.0, "basis_gap_perturb": 3.0, "projector_gap": 1e-13}


def test_ambiguity():
    assert verdict("ambiguity", AMBIGUOUS) == "reproduced"
    assert verdict("ambiguity", {**AMBIGUOUS, "sign_flip_fraction": 0.05}) == "not_reproduced"
    assert verdict("ambiguity", {**AMBIGUOUS, "basis_gap_perturb": 0.1}) == "not_reproduced"
    assert verdict("ambiguity", {**AMBIGUOUS, "projector_gap": 1e-8}) == "not_reproduced"


def test_multiplicities_gated_on_the_number_of_molecules():
    m = {"molecules": 100, "fraction_with_repeated": 0.25, "fraction_eigvecs_in_repeated": 0.1}
    assert verdict("multiplicities", m) == "reproduced"
    assert verdict("multiplicities", {**m, "fraction_with_repeated": 0.24}) == "not_reproduced"
    assert verdict("multiplicities", {**m, "molecules": 99}) == "inconclusive"


def test_sign_invariance_needs_the_control():
    m = {"signnet_sign": 0.0, "signnet_deepsets_sign": 9e-11, "raw_sign": 0.4}
    assert verdict("sign_invariance", m) == "reproduced"
    assert verdict("sign_invariance", {**m, "signnet_deepsets_sign": 1e-10}) == "not_reproduced"
    assert verdict("sign_invariance", {**m, "raw_sign": 1e-3}) == "not_reproduced"
    assert verdict("sign_invariance", {**m, "raw_sign": 1e-3}, thresholds={"control_min": 1e-4}) == "reproduced"


def test_basis_invariance():
    m = {"basisnet_basis": 3e-16, "basisnet_resolved": 6e-16, "signnet_basis": 8e-3}
    assert verdict("basis_invariance", m) == "reproduced"
    assert verdict("basis_invariance", {**m, "basisnet_resolved": 1e-9}) == "not_reproduced"
    assert verdict("basis_invariance", {**m, "signnet_basis": 1e-6}) == "not_reproduced"


def test_permutation_equivariance_reads_all_three_encoders():
    m = {"signnet_permutation": 1e-16, "signnet_deepsets_permutation": 1e-16, "basisnet_permutation": 1e-16}
    assert verdict("permutation_equivariance", m) == "reproduced"
    assert verdict("permutation_equivariance", {**m, "basisnet_permutation": 2e-10}) == "not_reproduced"
    with pytest.raises(ClaimError, match="basisnet_permutation"):
        verdict("permutation_equivariance", {"signnet_permutation": 0.0, "signnet_deepsets_permutation": 0.0})


def test_log_mse_gap_is_a_paired_t_interval_of_log_mse():
    # log ratios -1, -2, -3: mean -2, sd 1, half-width t_{0.975, 2} / sqrt(3) = 4.302653 / 1.732051
    e = math.e
    g = log_mse_gap([1.0, 1.0, 1.0], [e, e ** 2, e ** 3])
    assert g["pairs"] == 3 and g["mean"] == pytest.approx(-2.0)
    assert g["high"] == pytest.approx(-2.0 + 4.302653 / math.sqrt(3), rel=1e-6)
    assert g["low"] == pytest.approx(-2.0 - 4.302653 / math.sqrt(3), rel=1e-6)
    # a scale factor common to both models cancels
    assert log_mse_gap([10.0, 10.0, 10.0], [10 * e, 10 * e ** 2, 10 * e ** 3])["high"] == pytest.approx(g["high"])
    assert math.isnan(log_mse_gap([0.0, 1.0, 1.0], [1.0, 2.0, 3.0])["high"])
    with pytest.raises(ValueError):
        log_mse_gap([1.0, 2.0], [1.0, 2.0, 3.0])


def decomposition_m(other, signnet, values):
    return {"signnet_mse": signnet, other: values, "seeds": len(signnet)}


@pytest.mark.parametrize("name,other", [("decomposition", "flip_mse"), ("decomposition_control", "phi_flip_mse")])
def test_decomposition_paired_interval(name, other):
    s = [0.01, 0.02, 0.04]
    # log ratios -1, -1.1, -1.2: interval well below 0
    assert verdict(name, decomposition_m(other, s, [x * math.exp(1 + 0.1 * i) for i, x in enumerate(s)])) \
        == "reproduced"
    # the mirror image: resolved against SignNet
    assert verdict(name, decomposition_m(other, s, [x * math.exp(-1 - 0.1 * i) for i, x in enumerate(s)])) \
        == "not_reproduced"
    # log ratios -1, -1, +0.5: every seed but one favours SignNet, the interval straddles 0
    assert verdict(name, decomposition_m(other, s, [s[0] * math.e, s[1] * math.e, s[2] / math.exp(0.5)])) \
        == "inconclusive"
    # SignNet worse in one seed by a hair (the old every-seed rule said not_reproduced): unresolved
    assert verdict(name, decomposition_m(other, s, [0.05, 0.019, 0.08])) == "inconclusive"
    # at the boundary: log ratios -1, -1 ± h; with h = sqrt(3) / t_{0.975, 2} the interval's upper end is at 0
    h = math.sqrt(3) / 4.302653  # sd of (-1-h, -1, -1+h) is h; half-width = t·h/sqrt(3) = 1
    edge = [x * math.exp(r) for x, r in zip(s, (1 + 1.01 * h, 1.0, 1 - 1.01 * h))]
    assert verdict(name, decomposition_m(other, s, edge)) == "inconclusive"
    nearly = [x * math.exp(r) for x, r in zip(s, (1 + 0.99 * h, 1.0, 1 - 0.99 * h))]
    assert verdict(name, decomposition_m(other, s, nearly)) == "reproduced"
    # fewer than three seeds never decide, however large the gap
    assert verdict(name, decomposition_m(other, s[:2], [1.0, 1.0])) == "inconclusive"
    assert verdict(name, {**decomposition_m(other, s, [1.0, 1.0, 1.0]), "seeds": 2}) == "inconclusive"


def test_decomposition_rules_say_they_changed_after_the_data():
    for name in ("decomposition", "decomposition_control", "expressivity_signnet", "expressivity_basisnet"):
        assert "after seeing the classroom data" in CLAIMS[name].note and "DESIGN rule 3" in CLAIMS[name].note


def counting(model, none_gain, flip_gain, seeds=5, spread=0.002, none_star3=0.02):
    """Per-seed MAEs on one target: the model at 0.09, each baseline higher by ``gain`` with a seed spread; the
    GIN without encoding at ``none_star3`` on 3-stars (the training gate)."""
    wiggle = [spread * (i - (seeds - 1) / 2) for i in range(seeds)]
    return {"seeds": seeds, f"{model}_mae": [0.09] * seeds, "none_mae": [0.09 + none_gain + w for w in wiggle],
            "flip_mae": [0.09 + flip_gain + w for w in wiggle], "raw_mae": [0.1] * seeds,
            "none_star3_mae": [none_star3] * seeds}


@pytest.mark.parametrize("model", ["signnet", "basisnet"])
@pytest.mark.parametrize("target", ["triangle", "star3"])
def test_counting_rules(model, target):
    name = f"counting_{model}_{{variant}}"
    v = lambda m: judge(CLAIMS[name], m, variant=target).verdict  # noqa: E731
    # 5 seeds, spread 0.002 per seed step: sd 0.00316, t(4) half-width 2.776 * 0.00316 / sqrt(5) = 0.00393
    assert v(counting(model, 0.02, 0.0040)) == "reproduced"
    assert v(counting(model, 0.02, 0.0038)) == "inconclusive"  # the flip interval straddles 0
    assert v(counting(model, 0.02, -0.0040)) == "not_reproduced"  # resolved against the model
    assert v(counting(model, -0.0040, 0.0001)) == "not_reproduced"
    assert v(counting(model, 0.5, 0.5, seeds=4)) == "inconclusive"  # fewer than five seeds never decide
    # under-trained (the GIN without encoding has not learned 3-stars): neither a win nor a loss is decided
    assert v(counting(model, 0.02, 0.0040, none_star3=0.0501)) == "inconclusive"
    assert v(counting(model, 0.02, -0.0040, none_star3=0.0501)) == "inconclusive"
    assert v(counting(model, 0.02, 0.0040, none_star3=0.05)) == "reproduced"
    assert judge(CLAIMS[name], counting(model, 0.02, 0.004), variant=target).id == f"signnet_basisnet.counting_{model}_{target}"


def test_counting_trained_reads_the_seed_mean_of_the_3_star_error():
    assert counting_trained([0.02, 0.08], 0.05) and not counting_trained([0.04, 0.07], 0.05)


def test_counting_kinds_and_targets():
    assert CLAIMS["counting_signnet_{variant}"].kind == "paper"
    assert CLAIMS["counting_basisnet_{variant}"].kind == "beyond"
    assert CLAIMS["counting_signnet_{variant}"].variants == ("triangle", "tailed_triangle", "star3", "cycle4")
    assert "after seeing the classroom data" in CLAIMS["counting_signnet_{variant}"].note


def test_zinc():
    assert verdict("zinc", {"none": 0.3, "signnet": 0.2}) == "reproduced"
    assert verdict("zinc", {"none": 0.3, "signnet": 0.3}) == "not_reproduced"


def test_every_claim_names_its_section_and_kind():
    for spec in CLAIMS:
        assert spec.section.startswith("signnet-"), spec.name
        assert spec.kind in ("paper", "implied", "beyond", "check")


BLIND = {"wl_equivalent": True, "none_gap": [0.0, 1e-16, 2e-16]}


def test_expressivity_gin():
    assert verdict("expressivity_gin", BLIND) == "reproduced"
    assert verdict("expressivity_gin", {**BLIND, "none_gap": [0.0, 1e-10, 0.0]}) == "not_reproduced"
    assert verdict("expressivity_gin", {**BLIND, "wl_equivalent": False}) == "not_reproduced"


def test_pair_decision_three_way():
    assert pair_decision(2.01e-3, 1e-3, 2.0, 1e-8) is True
    assert pair_decision(2.0e-3, 1e-3, 2.0, 1e-8) is None  # exactly factor × spread: not clearly above
    assert pair_decision(1.0e-3, 1e-3, 2.0, 1e-8) is None  # about equal: undecided (the old rule said not)
    assert pair_decision(0.5e-3, 1e-3, 2.0, 1e-8) is None  # exactly spread / factor: not clearly below
    assert pair_decision(0.49e-3, 1e-3, 2.0, 1e-8) is False
    assert pair_decision(1e-9, 0.0, 2.0, 1e-8) is False  # below the float floor
    assert pair_decision(1e-8, 0.0, 2.0, 1e-8) is None  # at the floor
    assert pair_decision(2e-8, 0.0, 2.0, 1e-8) is True


@pytest.mark.parametrize("kind", ["signnet", "basisnet"])
def test_expressivity_encoders(kind):
    name = f"expressivity_{kind}"
    m = {**BLIND, f"{kind}_gap": [2e-3, 2e-4, 1e-2], f"{kind}_spread": [4e-4, 4e-5, 1e-16]}
    assert verdict(name, m) == "reproduced"
    # one gap about equal to its spread, none clearly below: undecided
    assert verdict(name, {**m, f"{kind}_gap": [2e-3, 4e-5, 1e-2]}) == "inconclusive"
    assert verdict(name, {**m, f"{kind}_gap": [2e-3, 8e-5, 1e-2]}) == "inconclusive"  # 2× spread exactly
    # one pair clearly not distinguished decides, even with another undecided
    assert verdict(name, {**m, f"{kind}_gap": [4e-4, 1.9e-5, 1e-2]}) == "not_reproduced"
    assert verdict(name, {**m, f"{kind}_gap": [2e-3, 2e-4, 1e-9], f"{kind}_spread": [0, 0, 0]}) == "not_reproduced"
    # decided only where message passing is shown blind
    assert verdict(name, {**m, "none_gap": [0.0, 1e-3, 0.0]}) == "inconclusive"
    assert verdict(name, {**m, "wl_equivalent": False}) == "inconclusive"
    assert verdict(name, {**m, f"{kind}_gap": [2e-3, 1.9e-5, 1e-2], "wl_equivalent": False}) == "inconclusive"
    # the factor is a named threshold
    assert verdict(name, {**m, f"{kind}_gap": [2e-3, 3.9e-5, 1e-2]}, thresholds={"factor": 1.0}) == "not_reproduced"
    assert verdict(name, {**m, f"{kind}_gap": [2e-3, 4.1e-5, 1e-2]}, thresholds={"factor": 1.0}) == "reproduced"


def gap(key, mean, low, high, seeds=3):
    return {"seeds": seeds, f"{key}_mean": mean, f"{key}_low": low, f"{key}_high": high}


@pytest.mark.parametrize("name,key", [("texture_flip_collapses", "raw_minus_flip"),
                                      ("texture_signnet_vs_flip", "signnet_minus_flip")])
def test_texture_collapse(name, key):
    assert verdict(name, gap(key, 3.0, 0.1, 5.9)) == "reproduced"
    assert verdict(name, gap(key, 2.9, 0.1, 5.7)) == "inconclusive"  # resolved above 0, not below 3 dB
    assert verdict(name, gap(key, 1.0, -0.5, 2.9)) == "not_reproduced"
    assert verdict(name, gap(key, 11.0, 10.0, 12.0, seeds=2)) == "inconclusive"


@pytest.mark.parametrize("other", ["raw", "abs"])
def test_texture_non_inferiority(other):
    name, key = f"texture_signnet_vs_{other}", f"signnet_minus_{other}"
    assert verdict(name, gap(key, 0.2, -0.49, 0.9)) == "reproduced"
    assert verdict(name, gap(key, -0.2, -0.51, 0.1)) == "inconclusive"
    assert verdict(name, gap(key, -11.0, -12.0, -0.51)) == "not_reproduced"
    assert verdict(name, gap(key, 0.2, 0.1, 0.3, seeds=2)) == "inconclusive"


def resigned(rise, spread=0.002, seeds=5, solved=0.2, none_star3=0.03):
    """raw's MAE with the solver's signs (``solved`` every seed) and with random signs (``solved`` + rise ± spread)."""
    steps = [spread * (i - (seeds - 1) / 2) for i in range(seeds)]
    return {"seeds": seeds, "raw_mae_solved": [solved] * seeds, "raw_mae_resigned": [solved + rise + s for s in steps],
            "none_star3_mae": [none_star3] * seeds}


def test_raw_needs_sign_invariance_at_its_boundaries():
    v = lambda m: verdict("raw_needs_sign_invariance", m)  # noqa: E731
    # 5 seeds, spread 0.002 per seed step: t(4) half-width 2.776 * 0.00316 / sqrt(5) = 0.00393; margin 5 % of 0.2
    assert v(resigned(0.0140)) == "reproduced"
    assert v(resigned(0.0099)) == "inconclusive"  # resolved above 0, but the mean is under the 0.01 margin
    assert v(resigned(0.0062)) == "inconclusive"  # the interval reaches above the margin
    assert v(resigned(0.0060)) == "not_reproduced"  # resolved below the margin: a negligible rise
    assert v(resigned(-0.0050)) == "not_reproduced"  # random signs help: no rise either
    assert v(resigned(0.0140, seeds=4)) == "inconclusive"
    assert v(resigned(0.0140, none_star3=0.0501)) == "inconclusive"  # under-trained: nothing is decided
    assert v(resigned(0.0060, none_star3=0.0501)) == "inconclusive"
    assert v(resigned(0.0140, solved=0.3)) == "inconclusive"  # the margin scales with raw's own error (0.015)
    assert CLAIMS["raw_needs_sign_invariance"].kind == "paper"
