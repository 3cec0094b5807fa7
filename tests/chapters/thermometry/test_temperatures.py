"""The four temperatures: closed forms against independent computations (derivatives, fine grids, bootstrap)."""

import numpy as np
import pytest

from thermo_utils.chapters.thermometry import quadratic
from thermo_utils.chapters.thermometry import temperatures as tm

H = np.array([0.25, 1.0, 1.5])
S2 = np.array([0.3, 1.1, 2.0])


def test_kinetic_is_eta_times_free_energy_per_coordinate():
    for eta in (0.01, 0.3, 1.2):
        np.testing.assert_allclose(tm.kinetic(eta, 4, H, S2), eta * tm.free_energy_coordinate(eta, 4, H, S2))


def test_free_energy_is_dU_dS_of_the_stationary_law():
    """A centred finite difference of U and S along η, not the formula."""
    for eta in (0.02, 0.4, 1.0):
        d = 1e-6 * eta
        U1, S1 = tm.energy_entropy(quadratic.stationary_variance(eta - d, 2, H, S2 / 1), H)
        U2, S2_ = tm.energy_entropy(quadratic.stationary_variance(eta + d, 2, H, S2), H)
        assert (U2 - U1) / (S2_ - S1) == pytest.approx(tm.free_energy_pooled(eta, 2, H, S2), rel=1e-6)
        one = tm.free_energy_pooled(eta, 2, H[:1], S2[:1])
        assert one == pytest.approx(tm.free_energy_coordinate(eta, 2, H[0], S2[0]))


def test_limits_and_thermophoretic_ratio():
    eta = 1e-7
    assert tm.free_energy_pooled(eta, 8, H, S2) == pytest.approx(quadratic.zeta(eta, 8) * S2.mean(), rel=1e-6)
    for eta in (0.05, 1.0):
        np.testing.assert_allclose(tm.kinetic(eta, 3, H, S2) / tm.thermophoretic(eta, 3, S2), 4 / (2 - eta * H))


def test_the_free_energy_estimator_converges_to_dU_dS_on_a_fine_grid():
    etas = np.geomspace(0.01, 1.0, 400)
    V = quadratic.stationary_variance(etas[:, None], 2, H, S2)
    est = tm.free_energy_estimate(etas, V, H, half_width=0.0)
    inner = slice(1, -1)
    np.testing.assert_allclose(est[inner], tm.free_energy_pooled(etas, 2, H, S2)[inner], rtol=2e-3)
    assert np.isnan(est[0]) and np.isnan(est[-1])


def test_ratio_standard_error_matches_a_bootstrap():
    rng = np.random.default_rng(0)
    b = rng.normal(5.0, 1.0, 400)
    a = 2 * b + rng.normal(0, 0.5, 400)
    r, se = tm.ratio_with_se(a, b, axis=0)
    boots = []
    for _ in range(2000):
        i = rng.integers(0, 400, 400)
        boots.append(a[i].mean() / b[i].mean())
    assert r == pytest.approx(a.mean() / b.mean())
    assert se == pytest.approx(np.std(boots), rel=0.15)


def test_family_critical_z():
    assert tm.family_critical_z(1, 0.05) == pytest.approx(1.95996, rel=1e-4)
    assert tm.family_critical_z(100, 0.01) > tm.family_critical_z(10, 0.01)


def test_simulated_chains_give_consistent_means():
    rng = np.random.default_rng(1)
    problem = quadratic.QuadraticProblem.random([0.5, 1.5], 128, rng)
    res = quadratic.simulate_sgd(problem, [0.05, 0.3], 2, n_chains=16, n_steps=500, rng=rng, lags=(1, 10))
    np.testing.assert_allclose(res.variance_chains.mean(axis=1), res.variance)
    np.testing.assert_allclose(res.lagged_msd_chains.mean(axis=2), res.lagged_msd)
    # the step is −ηhu − ηξ: E[(ηξ)²] = η²σ²/B within sampling error
    expected = np.array([0.05, 0.3])[:, None] ** 2 * problem.sigma2 / 2
    np.testing.assert_allclose(res.noise_power_chains.mean(axis=1), expected, rtol=0.1)
    se = quadratic.standard_error(res.variance_chains, axis=1)
    assert se.shape == res.variance.shape and np.all(se > 0)
