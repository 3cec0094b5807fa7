"""The free-energy temperature: exact intervals against brute force, and the known-temperature toys."""

import numpy as np
import pytest

from thermo_utils.chapters.free_energy_sphere import free_energy, sphere
from thermo_utils.core import entropy


def test_intervals_match_a_brute_force_scan():
    rng = np.random.default_rng(0)
    for trial in range(5):
        S = np.sort(rng.normal(size=12))
        U = np.cumsum(rng.random(12)) * (1 + trial) + rng.normal(scale=0.3, size=12)
        for eps in (0.0, 0.2):
            low, high = free_energy.minimiser_intervals(U, S, eps)
            grid = np.linspace(0, 20, 40001)
            F = U[None, :] - grid[:, None] * S[None, :]
            ok = F <= F.min(axis=1, keepdims=True) + eps + 1e-12
            for i in range(12):
                hits = grid[ok[:, i]]
                if len(hits) == 0:
                    assert np.isnan(low[i]) or low[i] > 20
                else:
                    assert low[i] == pytest.approx(hits.min(), abs=1e-3)
                    if hits.max() < 20:
                        assert high[i] == pytest.approx(hits.max(), abs=1e-3)


def test_recovers_the_temperature_of_a_gibbs_family():
    """vMF laws exp(κ x₁) on S⁴ are Gibbs laws of L = 1 − x₁ at T = 1/κ, so dU/dS = T exactly."""
    T = np.geomspace(0.01, 0.5, 25)
    U = 1 - entropy.vmf_mean_cosine(1 / T, 5)
    S = entropy.vmf_entropy(1 / T, 5)
    est = free_energy.estimate_temperature(T, U, S, half_width=0.0)
    ratio = est.point / T
    assert np.all(est.on_hull)
    assert np.nanmax(np.abs(ratio - 1)) < 0.01 and np.isnan(ratio[0]) and np.isnan(ratio[-1])
    fit = est.power_law()
    assert fit.exponent == pytest.approx(1.0, abs=0.01)
    for i in range(1, 24):  # the free energy at T_i is lowest at rate i and has one valley
        curve = free_energy.free_energy_curves(U, S, [est.point[i]])[0]
        assert np.argmin(curve) == i and free_energy.is_unimodal(curve)


def test_end_to_end_on_the_isotropic_noise_toy():
    etas = np.geomspace(0.004, 0.04, 6)
    sigma, p = 2.0, 3
    tails = sphere.run_isotropic_noise_sphere(etas, sigma, p, 60, 3000, seed=0, n_tail=20, thin=70)
    U = 1 - tails[..., 0].mean(1)
    S = np.array([entropy.sphere_kozachenko_leonenko(t, 3) for t in tails])
    est = free_energy.estimate_temperature(etas, U, S, half_width=0.3)
    ratio = est.point / (etas * sigma**2 / 2)
    assert np.isfinite(ratio).sum() >= 3
    assert np.nanmedian(np.abs(ratio - 1)) < 0.25


def test_smoothing():
    etas = np.geomspace(1e-3, 1, 31)
    assert np.allclose(free_energy.smooth_across_rates(etas, np.full(31, 2.0)), 2.0)
    line = 3 * np.log(etas) + 1
    smoothed = free_energy.smooth_across_rates(etas, line, 0.3)
    assert np.allclose(smoothed[3:-3], line[3:-3])  # symmetric kernel on a uniform log grid keeps lines
    assert np.array_equal(free_energy.smooth_across_rates(etas, line, 0.0), line)


def test_unimodal_and_along_iterations():
    assert free_energy.is_unimodal([3, 2, 1, 2, 5]) and free_energy.is_unimodal([1, 2, 3])
    assert free_energy.is_unimodal([3, 2, 1])
    assert not free_energy.is_unimodal([3, 1, 2, 1, 4])
    np.testing.assert_allclose(free_energy.temperature_along_iterations([4.0, 2.0, 1.0], [3.0, 1.0, 0.0]), [1.0, 1.0])


def test_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        free_energy.estimate_temperature([0.1, 0.05, 0.2], [1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="finite"):
        free_energy.estimate_temperature([0.1, 0.2, 0.3], [1, np.nan, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="match"):
        free_energy.estimate_temperature([0.1, 0.2, 0.3], [1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="eps"):
        free_energy.minimiser_intervals([1, 2], [1, 2], eps=-1)


def test_bump_height_against_a_brute_force_definition():
    rng = np.random.default_rng(1)
    for _ in range(200):
        f = rng.normal(size=rng.integers(3, 12))
        brute = max([0.0] + [f[i] - max(f[:i].min(), f[i + 1:].min()) for i in range(1, len(f) - 1)])
        assert free_energy.bump_height(f) == pytest.approx(brute / (f.max() - f.min()))
        assert (free_energy.bump_height(f) == 0) == free_energy.is_unimodal(f)


def test_minimiser_band():
    etas = np.arange(1.0, 9.0)
    band = free_energy.minimiser_band(etas, [True, False, True, False, False, False, True, False])
    assert band == (4.0, 6.0)
    assert all(np.isnan(free_energy.minimiser_band(etas, [True] * 8)))
