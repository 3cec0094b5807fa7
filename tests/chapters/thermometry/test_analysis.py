"""The network summaries and the small estimators of the chapter, on hand-made inputs."""

import numpy as np
import pytest

from thermo_utils.chapters.thermometry import analysis, mlp


def test_temperature_drift_of_the_seed_mean():
    by_epoch = np.array([[[1.0, 2.0], [3.0, 2.0]], [[1.2, 2.0], [3.0, 1.0]]])  # [epoch, seed, setting]
    np.testing.assert_allclose(mlp.temperature_drift(by_epoch), [abs(2.1 / 2.0 - 1), abs(1.5 / 2.0 - 1)])
    by_epoch[1, 0, 0] = np.nan  # a diverged seed is left out
    assert mlp.temperature_drift(by_epoch)[0] == pytest.approx(0.0)


def test_network_gate_leaves_out_diverged_settings():
    res = {"rate_sweep": {"T_drift": np.array([0.05, 0.5]), "diverged": np.array([[False, True], [False, False]]),
                          "loss_drift": np.array([[0.1, 9.0], [0.2, 0.3]])}}
    assert analysis.temperature_drift(res, "rate_sweep") == pytest.approx(0.05)
    assert analysis.loss_drift(res, "rate_sweep") == pytest.approx(0.3)


def test_weighted_intercept_recovers_a_known_polynomial():
    x = np.linspace(0, 0.2, 30)
    y = 1 + x / 2 + x**2 / 4
    c0, (lo, hi) = analysis.weighted_intercept(x, y, np.full_like(x, 1e-3))
    assert c0 == pytest.approx(1.0, abs=1e-9) and lo < 1 < hi


def test_fit_with_sampling_covers_the_regression_interval():
    rng = np.random.default_rng(0)
    x = np.array([0.1, 0.2, 0.4, 0.8])
    chains = x[:, None] ** 2 * rng.lognormal(0, 0.1, (4, 64))
    fit, (lo, hi) = analysis.fit_with_sampling(x, chains, rng=rng, n_boot=100)
    assert lo <= fit.exponent_ci[0] and hi >= fit.exponent_ci[1] and lo < 2 < hi


def test_z_summary():
    s = analysis.z_summary([1.1, 0.9], [1.0, 1.0], [0.05, 0.1])
    assert s["max_abs_z"] == pytest.approx(2.0) and s["cells"] == 2 and s["max_rel_error"] == pytest.approx(0.1)
