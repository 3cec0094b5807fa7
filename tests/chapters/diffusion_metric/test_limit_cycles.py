"""The toy's drift against its potential and its divergence-free current; whiteness tests against series
whose answer is known."""

import math

import numpy as np
import pytest
import torch

from thermo_utils.chapters.diffusion_metric import limit_cycles as lc


def test_drift_without_current_is_minus_grad_phi():
    x = np.array([[0.3, -0.7], [1.2, 0.4]])
    h = 1e-6
    numeric = -np.stack([(lc.potential(x + h * e) - lc.potential(x - h * e)) / (2 * h) for e in np.eye(2)], axis=-1)
    np.testing.assert_allclose(lc.drift(x, 0.0), numeric, rtol=1e-6, atol=1e-8)


def test_current_times_density_is_divergence_free():
    rng = np.random.default_rng(0)
    points, h = rng.uniform(-1.5, 1.5, (20, 2)), 1e-5
    flux = lambda p: np.exp(-lc.potential(p))[..., None] * (lc.drift(p, 1.5) - lc.drift(p, 0.0))
    divergence = sum((flux(points + h * e)[:, i] - flux(points - h * e)[:, i]) / (2 * h) for i, e in enumerate(np.eye(2)))
    np.testing.assert_allclose(divergence, 0.0, atol=1e-7)


def test_circulation_of_a_uniform_rotation():
    t = np.linspace(0, 1, 2001)
    omega, radius = 3.0, 2.0
    path = radius * np.stack([np.cos(omega * t), np.sin(omega * t)], axis=-1)[:, None, :]
    assert lc.circulation_rate(path, t[1] - t[0]) == pytest.approx(omega * radius**2, rel=1e-5)


def test_expected_circulation_is_linear_in_strength_and_marginal_is_a_density():
    assert lc.expected_circulation(0.0) == 0.0
    assert lc.expected_circulation(1.5) == pytest.approx(3 * lc.expected_circulation(0.5))
    edges = np.linspace(-4, 4, 81)
    assert np.sum(lc.stationary_marginal(edges) * np.diff(edges)) == pytest.approx(1.0, abs=1e-6)


def test_toy_simulation_is_seeded_and_checks_its_step():
    a = lc.simulate_toy(0.5, paths=3, steps=50, dt=0.01, rng=np.random.default_rng(1))
    b = lc.simulate_toy(0.5, paths=3, steps=50, dt=0.01, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (51, 3, 2)
    with pytest.raises(ValueError, match="dt"):
        lc.simulate_toy(0.5, paths=3, steps=50, dt=0.5, rng=np.random.default_rng(1))


def test_autocorrelation_matches_direct_sum():
    series = np.random.default_rng(2).standard_normal((300, 2))
    rho = lc.autocorrelation(series, 5)
    c = series - series.mean(0)
    direct = np.array([[np.sum(c[: len(c) - k, j] * c[k:, j]) / np.sum(c[:, j] ** 2) for j in range(2)] for k in range(6)])
    np.testing.assert_allclose(rho, direct, atol=1e-12)
    with pytest.raises(ValueError, match="constant"):
        lc.autocorrelation(np.ones((10, 1)), 2)


def test_white_noise_passes_and_ar1_fails():
    rng = np.random.default_rng(3)
    white = rng.standard_normal((4000, 200))
    assert lc.white_noise_band(4000) == pytest.approx(2.5758 / math.sqrt(4000), rel=1e-4)
    outside = np.mean(np.abs(lc.autocorrelation(white, 20)[1:]) > lc.white_noise_band(4000))
    assert 0.003 < outside < 0.02  # about 1 % by construction
    assert np.mean(lc.ljung_box_pvalues(white, 20) < 0.01) < 0.04
    ar = np.zeros((4000, 20))
    noise = rng.standard_normal((4000, 20))
    for t in range(1, 4000):
        ar[t] = 0.3 * ar[t - 1] + noise[t]
    assert np.all(lc.ljung_box_pvalues(ar, 20) < 0.01)


def test_increment_power_of_a_random_walk_is_flat():
    walk = np.cumsum(np.random.default_rng(4).standard_normal((2049, 50)), axis=0)
    freq, power = lc.increment_power(walk)
    assert freq[0] == 0 and freq[-1] == pytest.approx(0.5)
    assert np.mean(power[1:]) == pytest.approx(1.0, rel=0.05)


def test_moving_columns_drops_frozen_weights():
    a = np.cumsum(np.random.default_rng(5).standard_normal((30, 3)), axis=0)
    a[:, 1] = 2.0
    assert lc.moving_columns(a).tolist() == [0, 2]


def test_recording_is_seeded_and_validates_indices():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(40, 5, generator=gen), torch.randint(0, 3, (40,), generator=gen)
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        net = torch.nn.Linear(5, 3)
        runs.append(lc.record_weights(net, x, y, lr=0.1, batch=8, steps=20, burn_in=5, tracked=[0, 3, 17],
                                      generator=torch.Generator().manual_seed(2)))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0].shape == (20, 3)
    with pytest.raises(ValueError, match="tracked"):
        lc.record_weights(torch.nn.Linear(5, 3), x, y, lr=0.1, batch=8, steps=5, burn_in=0, tracked=[18],
                          generator=torch.Generator())


def test_detrend_removes_a_polynomial_drift_and_keeps_white_noise_white():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 4000)[:, None]
    noise = np.cumsum(rng.standard_normal((4000, 30)), axis=0) * 0.01
    drifting = noise + 400 * t**2 - 240 * t**3
    residual = lc.detrend(drifting) - lc.detrend(noise)
    assert np.abs(residual).max() < 1e-9
    raw, flat = lc.whiteness(drifting), lc.whiteness(lc.detrend(drifting))
    assert raw["fraction_failing"] > 0.5 and flat["fraction_failing"] <= 0.1
    assert lc.resolved_drift_share(drifting) > 0.9 and lc.resolved_drift_share(noise) < 0.2


def test_whiteness_counts_and_binomial_test():
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.standard_normal((3000, 200)), axis=0)
    out = lc.whiteness(walk)
    assert out["tested"] == 200 and out["failing"] <= 8 and out["binomial_p_vs_nominal"] > 0.01
    ar = np.zeros((3000, 50))
    for k in range(1, 3000):
        ar[k] = 0.3 * ar[k - 1] + rng.standard_normal(50)
    out = lc.whiteness(np.cumsum(ar, axis=0))
    assert out["failing"] == 50 and out["binomial_p_vs_nominal"] < 1e-50
    assert lc.excess_over_control(50, 50, 2, 50) < 1e-10
    assert lc.excess_over_control(2, 50, 2, 50) > 0.3


def test_per_weight_noise_scale_of_the_control():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    x, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    zero = torch.zeros(8)
    a = lc.record_weights(net, x, y, lr=0.1, batch=4, steps=5, burn_in=0, tracked=[0, 1], generator=torch.Generator(),
                          isotropic_std=zero)
    assert np.all(np.diff(a, axis=0) != 0)  # the full gradient still moves the weights
    with pytest.raises(ValueError, match="shape"):
        lc.record_weights(net, x, y, lr=0.1, batch=4, steps=5, burn_in=0, tracked=[0], generator=torch.Generator(),
                          isotropic_std=torch.ones(3))
