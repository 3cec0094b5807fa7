"""Entropy estimators against closed forms (uniform sphere, von Mises–Fisher, Gaussians)."""

import numpy as np
import pytest
from scipy import integrate

from thermo_utils.core import entropy


def uniform_sphere(rng, n, p):
    x = rng.normal(size=(n, p))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_sphere_kl_on_uniform_laws():
    rng = np.random.default_rng(0)
    assert entropy.sphere_kozachenko_leonenko(uniform_sphere(rng, 3000, 3), 3) == pytest.approx(np.log(4 * np.pi), abs=0.05)
    estimate = entropy.sphere_kozachenko_leonenko(uniform_sphere(rng, 3000, 6), 3)
    assert estimate == pytest.approx(entropy.log_sphere_area(5), abs=0.08)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 200.0])
def test_sphere_kl_on_von_mises_fisher(kappa):
    x = entropy.sample_vmf(kappa, 3, 3000, np.random.default_rng(1))
    assert entropy.sphere_kozachenko_leonenko(x, 3) == pytest.approx(entropy.vmf_entropy(kappa, 3), abs=0.08)


def test_vmf_closed_forms_against_quadrature():
    for kappa in (0.5, 5.0, 40.0):
        density = lambda t: np.exp(kappa * t) / (4 * np.pi * np.sinh(kappa) / kappa)  # on S², t = cos θ
        shannon = integrate.quad(lambda t: -2 * np.pi * density(t) * np.log(density(t)), -1, 1)[0]
        assert entropy.vmf_entropy(kappa, 3) == pytest.approx(shannon, rel=1e-6, abs=1e-8)
        renyi = np.log(integrate.quad(lambda t: 2 * np.pi * density(t) ** 0.5, -1, 1)[0]) / 0.5
        assert entropy.vmf_renyi_entropy(kappa, 3, 0.5) == pytest.approx(renyi, rel=1e-6, abs=1e-8)
    for p in (3, 5):
        sample = entropy.sample_vmf(8.0, p, 20000, np.random.default_rng(p))
        assert sample[:, 0].mean() == pytest.approx(entropy.vmf_mean_cosine(8.0, p), abs=0.01)
        assert np.allclose(np.linalg.norm(sample, axis=1), 1)


def test_cap_area():
    theta = np.array([1e-3, 0.1, 1.0, 2.0, 3.0, np.pi])
    np.testing.assert_allclose(entropy.log_cap_area(theta, 2), np.log(2 * np.pi * (1 - np.cos(theta))), rtol=1e-10)
    for d, t in ((5, 2.5), (60, 0.3), (60, 1.9)):
        direct = np.log(integrate.quad(lambda s: np.sin(s) ** (d - 1), 0, t)[0]) + entropy.log_sphere_area(d - 1)
        assert entropy.log_cap_area(np.array([t]), d)[0] == pytest.approx(direct, rel=1e-8)
    assert np.isfinite(entropy.log_cap_area(np.array([1e-3]), 5000)[0])


@pytest.mark.parametrize("dim", [1, 3, 8])
def test_kozachenko_leonenko_on_gaussians(dim):
    x = np.random.default_rng(dim).normal(size=(4000, dim)) * 0.5
    assert entropy.kozachenko_leonenko(x, 3) == pytest.approx(entropy.gaussian_entropy(0.5, dim), abs=0.1)


def test_knn_graph_entropy_is_scale_equivariant_and_tracks_gaussian_differences():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1500, 4))
    assert entropy.knn_graph_entropy(3 * x, 50) - entropy.knn_graph_entropy(x, 50) == pytest.approx(4 * np.log(3))
    for dim in (2, 5):
        low = entropy.knn_graph_entropy(rng.normal(size=(3000, dim)), 50)
        high = entropy.knn_graph_entropy(2.5 * rng.normal(size=(3000, dim)), 50)
        assert high - low == pytest.approx(dim * np.log(2.5), abs=0.06 * dim)


def test_knn_graph_entropy_on_the_sphere_follows_renyi_one_half():
    """On S² (d = 2) graph lengths measure ∫√f: differences follow the Rényi entropy of order 1/2."""
    rng = np.random.default_rng(3)
    kappas = (0.5, 5.0)  # broad laws, where Rényi-1/2 and Shannon differences are far apart (0.91 vs 1.26)
    graph = [entropy.knn_graph_entropy(entropy.sample_vmf(k, 3, 4000, rng), 10, dim=2) for k in kappas]
    renyi = [entropy.vmf_renyi_entropy(k, 3, 0.5) for k in kappas]
    shannon = [entropy.vmf_entropy(k, 3) for k in kappas]
    measured = graph[1] - graph[0]
    assert measured == pytest.approx(renyi[1] - renyi[0], abs=0.1)
    assert abs(measured - (renyi[1] - renyi[0])) < abs(measured - (shannon[1] - shannon[0]))


def test_bad_input():
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match="more than k"):
        entropy.knn_graph_entropy(rng.normal(size=(10, 3)), k=50)
    with pytest.raises(ValueError, match="unit vectors"):
        entropy.sphere_kozachenko_leonenko(rng.normal(size=(100, 3)))
    with pytest.raises(ValueError, match="duplicate"):
        entropy.kozachenko_leonenko(np.zeros((20, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        entropy.kozachenko_leonenko(np.full((20, 2), np.nan))
    assert entropy.knn_graph_entropy(np.ones((60, 3)), 5) == -np.inf
