"""The thermometer against the exact temperatures of SGD on a noisy quadratic, and against numpy."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.thermometry import quadratic
from thermo_utils.core.thermometer import Thermometer, kinetic_temperature, lagged_square_displacement


def test_reading_is_half_mean_square_velocity():
    layer = torch.nn.Linear(3, 2)
    thermo = Thermometer(layer)
    with torch.no_grad():
        layer.weight.add_(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 2.0]]))
        layer.bias.add_(torch.tensor([4.0, 0.0]))
    thermo.read()
    T = thermo.temperature()
    assert T["weight"] == pytest.approx(0.5 * (1 + 4 + 9 + 4) / 6)
    assert T["bias"] == pytest.approx(0.5 * 16 / 2)
    np.testing.assert_allclose(thermo.row_temperature("weight"), [0.5 * 14 / 3, 0.5 * 4 / 3], rtol=1e-6)
    assert kinetic_temperature(torch.tensor([2.0, 0.0])) == pytest.approx(1.0)


def test_layer_temperature_pools_weight_and_bias_by_size():
    layer = torch.nn.Linear(3, 2)
    thermo = Thermometer({"l.weight": layer.weight, "l.bias": layer.bias})
    with torch.no_grad():
        layer.weight.add_(1.0)  # 6 entries moved by 1, 2 bias entries still
    thermo.read()
    assert thermo.layer_temperature()["l"] == pytest.approx(0.5 * 6 / 8)


def test_velocity_is_taken_since_the_previous_reading():
    w = torch.zeros(4)
    thermo = Thermometer({"w": w})
    w += 1.0
    thermo.read()
    w += 3.0
    thermo.read()
    np.testing.assert_allclose(thermo.series("w"), [0.5, 4.5])
    thermo.reset()
    w += 2.0
    thermo.read()
    np.testing.assert_allclose(thermo.series("w"), [2.0])


def test_ensemble_members_are_measured_separately():
    params = {"w": torch.zeros(3, 4, 2)}
    thermo = Thermometer(params, ensemble=True)
    params["w"][1] += 2.0
    thermo.read()
    np.testing.assert_allclose(thermo.temperature()["w"], [0.0, 2.0, 0.0])
    assert thermo.row_temperature("w").shape == (3, 4)
    assert thermo.series("w").shape == (1, 3)


def test_reading_before_any_step_is_an_error():
    with pytest.raises(RuntimeError, match="no readings"):
        Thermometer(torch.nn.Linear(2, 2)).temperature()
    with pytest.raises(ValueError, match="no parameters"):
        Thermometer(torch.nn.Linear(2, 2), names=["nope"])


def test_thermometer_on_torch_sgd_matches_closed_form():
    """Per-step T of torch.optim.SGD on the noisy quadratic equals η²σ²/(B(2 − ηh)) per coordinate."""
    rng = np.random.default_rng(0)
    h = torch.tensor([0.5, 1.0, 1.5], dtype=torch.float64)
    targets = torch.from_numpy(rng.normal(size=(512, 3)))
    sigma2 = (h**2 * targets.var(dim=0, unbiased=False)).numpy()
    eta, batch, chains = 0.2, 4, 400
    w = torch.nn.Parameter(targets.mean(0)[:, None].repeat(1, chains))  # rows: coordinates, columns: chains
    opt = torch.optim.SGD([w], lr=eta)
    gen = torch.Generator().manual_seed(0)
    thermo = Thermometer({"w": w})
    for step in range(1500):
        idx = torch.randint(0, 512, (chains, batch), generator=gen)
        residual = w.T[:, None, :] - targets[idx]  # (chains, batch, coordinates)
        loss = 0.5 * (h * residual**2).sum(-1).mean(-1).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step == 200:
            thermo.reset()
        elif step > 200:
            thermo.read()
    expected = quadratic.per_step_temperature(eta, batch, h.numpy(), sigma2)
    np.testing.assert_allclose(thermo.row_temperature("w"), expected, rtol=0.04)


def test_lagged_displacement_matches_direct_computation():
    traj = np.cumsum(np.random.default_rng(1).normal(size=(2000, 5)), axis=0)
    got = lagged_square_displacement(traj, [1, 7])
    assert got[1] == pytest.approx(np.mean((traj[7:] - traj[:-7]) ** 2))
    assert got[0] == pytest.approx(1.0, rel=0.1)  # unit-variance increments
    with pytest.raises(ValueError, match="lag"):
        lagged_square_displacement(traj, [5000])
