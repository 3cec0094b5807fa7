"""The free-energy curves of the sphere toy, and the temperature estimator end to end on the isotropic-noise toy."""

import numpy as np
import pytest

from thermo_utils.chapters.free_energy_sphere import free_energy, sphere
from thermo_utils.core import entropy
from thermo_utils.core.free_energy_temperature import estimate_temperature


def test_end_to_end_on_the_isotropic_noise_toy():
    etas = np.geomspace(0.004, 0.04, 6)
    sigma, p = 2.0, 3
    tails = sphere.run_isotropic_noise_sphere(etas, sigma, p, 60, 3000, seed=0, n_tail=20, thin=70)
    U = 1 - tails[..., 0].mean(1)
    S = np.array([entropy.sphere_kozachenko_leonenko(t, 3) for t in tails])
    est = estimate_temperature(etas, U, S, half_width=0.3)
    ratio = est.point / (etas * sigma**2 / 2)
    assert np.isfinite(ratio).sum() >= 3
    assert np.nanmedian(np.abs(ratio - 1)) < 0.25


def test_unimodal_and_along_iterations():
    assert free_energy.is_unimodal([3, 2, 1, 2, 5]) and free_energy.is_unimodal([1, 2, 3])
    assert free_energy.is_unimodal([3, 2, 1])
    assert not free_energy.is_unimodal([3, 1, 2, 1, 4])
    np.testing.assert_allclose(free_energy.temperature_along_iterations([4.0, 2.0, 1.0], [3.0, 1.0, 0.0]), [1.0, 1.0])


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
