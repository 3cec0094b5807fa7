"""The quadratic model's closed forms against each other and against its simulator."""

import numpy as np
import pytest

from thermo_utils.chapters.thermometry import quadratic


def test_closed_forms_are_consistent():
    eta, B, h, s2 = 0.3, 4, 1.2, 0.7
    V = quadratic.stationary_variance(eta, B, h, s2)
    assert V == pytest.approx((1 - eta * h) ** 2 * V + eta**2 * s2 / B)  # fixed point of the recursion
    assert quadratic.lagged_temperature(1, eta, B, h, s2) == pytest.approx(quadratic.per_step_temperature(eta, B, h, s2))
    assert quadratic.lagged_square_displacement(10**6, eta, B, h, s2) == pytest.approx(2 * V)
    # the continuous-time limit: Var -> zeta * sigma^2 / h as eta h -> 0
    small = 1e-6
    assert quadratic.stationary_variance(small, B, h, s2) == pytest.approx(quadratic.zeta(small, B) * s2 / h, rel=1e-5)


def test_unstable_rates_are_refused():
    with pytest.raises(ValueError, match="stable"):
        quadratic.stationary_variance(2.0, 1, 1.0, 1.0)


def test_simulation_matches_closed_forms():
    rng = np.random.default_rng(0)
    problem = quadratic.QuadraticProblem.random([0.5, 1.5], 256, rng)
    etas = np.array([0.05, 0.4])
    result = quadratic.simulate_sgd(problem, etas, 2, n_chains=200, n_steps=3000, rng=rng, lags=(1, 5, 50))
    T = quadratic.per_step_temperature(etas[:, None], 2, problem.h, problem.sigma2)
    V = quadratic.stationary_variance(etas[:, None], 2, problem.h, problem.sigma2)
    np.testing.assert_allclose(result.temperature, T, rtol=0.04)
    np.testing.assert_allclose(result.variance, V, rtol=0.08)
    msd = quadratic.lagged_square_displacement(result.lags[:, None, None], etas[None, :, None], 2,
                                               problem.h, problem.sigma2)
    np.testing.assert_allclose(result.lagged_msd, msd, rtol=0.08)


def test_same_seed_same_numbers():
    a = quadratic.simulate_grid_point(2, [0.1, 0.2, 0.3], [1.0], 64, 8, 200, [1, 2], seed=5)
    b = quadratic.simulate_grid_point(2, [0.1, 0.2, 0.3], [1.0], 64, 8, 200, [1, 2], seed=5)
    np.testing.assert_array_equal(a["temperature"], b["temperature"])
    c = quadratic.simulate_grid_point(2, [0.1, 0.2, 0.3], [1.0], 64, 8, 200, [1, 2], seed=6)
    assert not np.array_equal(a["temperature"], c["temperature"])
