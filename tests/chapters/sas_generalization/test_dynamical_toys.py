"""The GD toy and its Lyapunov exponent against closed forms."""

import numpy as np
import pytest

from thermo_utils.chapters.sas_generalization.dynamical_toys import (
    double_well_bifurcation,
    double_well_gd_derivative,
    double_well_gd_step,
    double_well_loss,
    logistic_derivative,
    logistic_step,
    lyapunov_exponent,
    lyapunov_fixed_point_closed_form,
    orbit_period,
    orbits,
)


def test_logistic_map_at_r4_has_exponent_ln2():
    lam = lyapunov_exponent(logistic_step, logistic_derivative, [4.0], x0=0.1234, n_transient=100, n_steps=50_000)
    assert lam[0] == pytest.approx(np.log(2), abs=0.01)


def test_logistic_map_stable_fixed_point_exponent():
    # r = 2.5: fixed point 1 − 1/r where the derivative is 2 − r, so λ = ln|2 − r|
    lam = lyapunov_exponent(logistic_step, logistic_derivative, [2.5, 2.8], x0=0.3, n_transient=2000, n_steps=2000)
    assert lam == pytest.approx(np.log(np.abs(2 - np.array([2.5, 2.8]))), abs=1e-6)


def test_gradient_step_is_gradient_descent_on_the_double_well():
    x, eta, h = np.linspace(-1.5, 1.5, 7), 0.3, 1e-6
    numeric_grad = (double_well_loss(x + h) - double_well_loss(x - h)) / (2 * h)
    assert double_well_gd_step(x, eta) == pytest.approx(x - eta * numeric_grad, abs=1e-8)
    numeric_derivative = (double_well_gd_step(x + h, eta) - double_well_gd_step(x - h, eta)) / (2 * h)
    assert double_well_gd_derivative(x, eta) == pytest.approx(numeric_derivative, abs=1e-6)


def test_double_well_exponent_at_the_minimum_and_at_the_chebyshev_point():
    etas = np.array([0.2, 0.45, 0.8])
    lam = lyapunov_exponent(double_well_gd_step, double_well_gd_derivative, etas, 0.5, 3000, 3000)
    assert lam == pytest.approx(lyapunov_fixed_point_closed_form(etas), abs=1e-6)
    # η = 2 is conjugate to the Chebyshev map 3y − 4y³, whose exponent is ln 3
    lam2 = lyapunov_exponent(double_well_gd_step, double_well_gd_derivative, [2.0], 0.3, 100, 50_000)
    assert lam2[0] == pytest.approx(np.log(3), abs=0.02)


def test_route_fixed_point_period_chaos_escape():
    data = double_well_bifurcation([0.5, 1.1, 1.9, 2.2])
    assert list(data["period"][:2]) == [1, 2]
    assert data["period"][2] == 0 and data["lyapunov"][2] > 0.5  # chaotic
    assert np.isnan(data["lyapunov"][3]) and np.isnan(data["loss_time_average"][3])  # escapes beyond η = 2
    assert data["iterates"][1, ::2] == pytest.approx(np.full(128, data["iterates"][1, 0]), abs=1e-9)


def test_period_detection_on_known_sequences():
    t = np.arange(300)
    kept = np.stack([np.ones(300), np.where(t % 2, 1.0, 2.0), np.sin(t), np.where(t % 3 == 0, 0.0, 1.0)])
    assert list(orbit_period(kept, max_period=8)) == [1, 2, 0, 3]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        orbits(double_well_gd_step, [], 0.5, 10, 10)
    with pytest.raises(ValueError):
        double_well_bifurcation([-0.1, 0.5])
    with pytest.raises(ValueError):
        orbit_period(np.ones((2, 10)), max_period=8)
