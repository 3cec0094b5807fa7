"""The three extra exact models: closed forms against independent computations and their simulators."""

import numpy as np
import pytest
from scipy import integrate, linalg

from thermo_utils.chapters.thermometry import regimes as rg


def test_walk_density_is_normalised_and_matches_quadrature():
    a = 0.5
    total, _ = integrate.quad(lambda q: 1 / rg.walk_g(q, a) ** 2, 0, 2 * np.pi)
    assert total == pytest.approx(2 * np.pi / (1 - a**2) ** 1.5)
    edges = np.linspace(0, 2 * np.pi, 7)
    mass = rg.walk_density(edges, a)
    assert mass.sum() == pytest.approx(1.0)
    fine = np.linspace(edges[0], edges[1], 100001)
    mid = 0.5 * (fine[1:] + fine[:-1])
    first = np.sum(np.diff(fine) / rg.walk_g(mid, a) ** 2)  # a midpoint sum, independent of the module's quadrature
    assert mass[0] == pytest.approx(first / total, rel=1e-8)


def test_stationary_covariance_solves_the_discrete_lyapunov_equation():
    A = np.array([[1.0, 2.0], [0.0, 0.5]])
    S = np.array([[1.0, 0.2], [0.2, 0.1]])
    eta = 0.1
    M = np.eye(2) - eta * A
    C = rg.stationary_covariance(eta, A, S)
    np.testing.assert_allclose(C, linalg.solve_discrete_lyapunov(M, eta**2 * S), rtol=1e-10)
    assert rg.current(eta, A, S) != pytest.approx(0.0)
    assert rg.current(eta, np.diag([1.0, 0.5]), np.eye(2)) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="unstable"):
        rg.stationary_covariance(3.0, A, S)


def test_interpolation_rate_is_the_mean_square_factor():
    rng = np.random.default_rng(0)
    curv = rng.uniform(0.2, 1.8, 50)
    eta, B = 0.3, 4
    draws = curv[rng.integers(0, 50, size=(200000, B))].mean(axis=1)
    assert rg.interpolation_rate(eta, B, curv.mean(), curv.var()) == pytest.approx(np.mean((1 - eta * draws) ** 2),
                                                                                 rel=2e-3)


def test_simulators_agree_with_their_closed_forms_at_small_size():
    rng = np.random.default_rng(1)
    curv = rng.uniform(0.2, 1.8, 64)
    r = rg.interpolation_chains(0.3, 4, curv, 2000, 10, rng)
    assert np.all(np.abs(r["T"] - r["T_exact"]) < 5 * r["T_se"])
    d = rg.linear_drift_chains(0.1, np.array([[1.0, 2.0], [0.0, 0.5]]), np.diag([1.0, 0.1]), 256, 1000, 200, rng)
    assert abs(d["current"] - d["current_exact"]) < 5 * d["current_se"]
    w = rg.position_walk(0.1, 0.5, 256, 2000, 500, 20, 6, rng)
    assert w["density"].sum() == pytest.approx(1.0)
    assert np.all(np.abs(w["density"] - w["exact"]) < 5 * w["se"])
    with pytest.raises(ValueError, match="amplitude"):
        rg.position_walk(0.1, 1.0, 4, 10, 0, 1, 4, rng)
