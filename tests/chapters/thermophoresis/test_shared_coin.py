"""The shared-coin walk of (V, b) and the Property checks against closed forms and independent computations."""

import math

import numpy as np
import pytest

from thermo_utils.chapters.thermophoresis import shared_coin as sc
from thermo_utils.chapters.thermophoresis.drift import change_measured


def test_phi_functions_match_monte_carlo_and_their_derivatives():
    z = np.random.default_rng(0).standard_normal(2_000_000)
    for b in (-0.7, 0.0, 0.9):
        assert sc.relu_second_moment(b) == pytest.approx(np.mean(np.maximum(z + b, 0) ** 2), rel=5e-3)
        assert sc.phi2(b) ** 2 == pytest.approx(0.25 * np.mean(z + b > 0), rel=5e-3)
        eps = 1e-6
        assert sc.dphi1(b) == pytest.approx((sc.phi1(b + eps) - sc.phi1(b - eps)) / (2 * eps), rel=1e-6)
        assert sc.dphi2(b) == pytest.approx((sc.phi2(b + eps) - sc.phi2(b - eps)) / (2 * eps), rel=1e-6)


def test_soret_coefficient_is_the_projection_of_the_advection_and_matches_psi():
    V, b, eta = 1.3, 0.4, 0.05
    gv, gb = sc.amplitudes(V, b)
    av, ab = sc.advection(V, b)
    projected = -(eta**2) / 2 * (av * gv + ab * gb) / math.hypot(gv, gb)
    assert sc.soret_coefficient(V, b, eta) == pytest.approx(projected, rel=1e-12)
    p1, p2 = sc.phi1(b), sc.phi2(b)
    psi = (V * p1 * p2**2 + V * p1 * p2 * sc.dphi1(b) + V**3 * p2**2 * sc.dphi2(b)) / (2 * math.hypot(p1, V * p2))
    assert sc.soret_coefficient(V, b, eta) == pytest.approx(-(eta**2) * psi, rel=1e-12)  # Eq. 27's ψ (ρ = 1)
    assert sc.soret_coefficient(V, b, eta) < 0  # Eq. 12


def test_two_opposite_steps_move_by_minus_eta_squared_advection():
    V, b, eta = 1.0, 0.2, 1e-3
    for first in (1, -1):
        gv, gb = sc.amplitudes(V, b)
        v1, b1 = V - eta * gv * first, b - eta * gb * first
        gv1, gb1 = sc.amplitudes(v1, b1)
        v2, b2 = v1 + eta * gv1 * first, b1 + eta * gb1 * first
        av, ab = sc.advection(V, b)
        assert (v2 - V) / eta**2 == pytest.approx(-av, rel=1e-2)
        assert (b2 - b) / eta**2 == pytest.approx(-ab, rel=1e-2)


def test_walk_median_moves_at_c_and_mean_stays():
    m = sc.walk_measurements([0.05, 0.1], 40_000, 200, seed=0)
    ratio = m["median_along"] / m["predicted_c"]
    assert np.all(np.abs(ratio - 1) < 0.15)
    assert np.all(np.abs(m["mean_along"] / m["mean_along_se"]) < 4)
    assert np.all(m["steps"] % 2 == 0)


def test_simulate_validates_and_is_deterministic():
    with pytest.raises(ValueError):
        sc.simulate(-1.0, 0.0, 0.1, 10, 10, rng=np.random.default_rng(0))
    a = sc.simulate(1.0, 0.0, 0.1, 50, 20, rng=np.random.default_rng(3), record_every=5)
    b = sc.simulate(1.0, 0.0, 0.1, 50, 20, rng=np.random.default_rng(3), record_every=5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 2, 50)


def test_h_functions_match_closed_forms_for_gaussian_inputs():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((400_000, 3))
    w = np.array([0.6, -0.8, 0.0])  # ‖w‖ = 1
    h = sc.h_functions(1.5, w, 0.3, x)
    assert h["h_v"] == pytest.approx(sc.relu_second_moment(0.3), rel=1e-2)
    assert h["activation"] == pytest.approx(4 * sc.phi2(0.3) ** 2, rel=1e-2)
    assert h["h_b"] == pytest.approx(1.5**2 * 4 * sc.phi2(0.3) ** 2, rel=1e-2)


@pytest.mark.parametrize("nonnegative", [False, True])
def test_properties_hold_without_violations(nonnegative):
    out = sc.property_point(30, 5, 300, seed=0, nonnegative=nonnegative)
    assert out["pairs"] == 30 and sum(out["violations"].values()) == 0


def test_change_measured_against_a_t_interval():
    from scipy import stats

    rng = np.random.default_rng(2)
    curves = 1 + rng.random((2, 5, 4))
    m = change_measured(curves)
    d = curves[1, :, -1] - curves[1, :, 0]
    half = stats.t.ppf(0.975, 4) * d.std(ddof=1) / math.sqrt(5)
    assert max(m["ci_high_max"], 0) >= d.mean() + half - 1e-12
    assert m["mean_change"][1] == pytest.approx(d.mean())
    with pytest.raises(ValueError):
        change_measured(curves[:, :1])
