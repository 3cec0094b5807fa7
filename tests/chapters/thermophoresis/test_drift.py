"""The thermophoresis estimators against closed forms and independent computations."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.thermophoresis import drift as th
from thermo_utils.chapters.thermophoresis.config import SPEC
from thermo_utils.harness.profiles import ConfigError

GAUSS = th.TwoLayerSetting(6, 5, True, "gaussian")


def _stack(setting, k, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inits = [th.init_two_layer(setting, gen) for _ in range(k)]
    return {name: torch.stack([p[name] for p in inits]) for name in inits[0]}


def test_closed_form_gradient_matches_torch_func():
    params = _stack(GAUSS, 3)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, 4, 6, generator=gen)
    y = torch.randint(0, 2, (3, 4), generator=gen).float()
    batch = torch.tensor([1, 2, 4])
    weight = (torch.arange(4)[None] < batch[:, None]).float() / batch[:, None]
    ours = th.stacked_gradient(params, x, y, weight)
    oracle = th.autodiff_gradient(params, x, y, weight)
    for name in params:
        torch.testing.assert_close(ours[name], oracle[name], atol=1e-6, rtol=1e-5)


def test_activation_rate_closed_form_matches_monte_carlo():
    params = _stack(GAUSS, 2)
    params["b"] = params["b"] + 0.3  # away from the symmetric point
    x = torch.randn(200_000, 6, generator=torch.Generator().manual_seed(2))
    pre = torch.einsum("knm,pm->kpn", params["W"], x) + params["b"][:, None, :]
    monte_carlo = (pre > 0).float().mean(dim=(1, 2))
    torch.testing.assert_close(th.activation_rate(params, GAUSS), monte_carlo, atol=4e-3, rtol=0)


def test_activation_rate_uniform_needs_probe():
    setting = th.TwoLayerSetting(3, 2, False, "uniform")
    with pytest.raises(ValueError, match="probe"):
        th.activation_rate(_stack(setting, 1), setting)


def test_full_batch_step_is_gradient_descent():
    run = th.train_two_layer(GAUSS, [(0.1, 1)], [5], 1, n_train=16, full_batch=True)
    source = th._ExampleSource(GAUSS, 5, "random", 16, 16, 0)
    params = th.init_two_layer(GAUSS, th.torch_generator(5, 0))
    params = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    loss = torch.nn.functional.binary_cross_entropy_with_logits(th.two_layer_output(params, source.x), source.y)
    grads = torch.autograd.grad(loss, list(params.values()))
    stepped = {k: (v - 0.1 * g).detach() for (k, v), g in zip(params.items(), grads)}
    assert run.v_norm[0, 1] == pytest.approx(float(stepped["V"].norm()), rel=1e-5)
    assert run.activation[0, 1] == pytest.approx(float(th.activation_rate(stepped, GAUSS)), rel=1e-5)


def test_training_is_deterministic_and_models_of_a_seed_share_their_start():
    kwargs = dict(pairs=[(0.05, 1), (0.1, 2)], seeds=[0, 1], n_steps=30)
    a, b = th.train_two_layer(GAUSS, **kwargs), th.train_two_layer(GAUSS, **kwargs)
    np.testing.assert_array_equal(a.activation, b.activation)
    np.testing.assert_array_equal(a.v_norm, b.v_norm)
    same_seed = a.select(seed=0)
    assert a.activation[same_seed[0], 0] == a.activation[same_seed[1], 0]
    assert a.activation[same_seed[0], -1] != a.activation[same_seed[1], -1]
    assert a.curves("activation", eta=0.1, batch=2).shape == (2, 31)


@pytest.mark.parametrize("kwargs, message", [
    (dict(pairs=[(0.0, 1)]), "eta"),
    (dict(pairs=[(0.1, 5)], n_train=4), "batch size"),
    (dict(pairs=[(0.1, 1)], full_batch=True), "finite training set"),
    (dict(pairs=[(0.1, 1)], labels="mystery"), "labels"),
    (dict(pairs=[(0.1, 1)], seeds=[1, 1]), "distinct"),
    (dict(pairs=[(0.1, 1)], labels="real"), "Fashion-MNIST"),
])
def test_bad_training_input_fails_before_work(kwargs, message):
    args = dict(seeds=[0], n_steps=5) | kwargs
    with pytest.raises(ValueError, match=message):
        th.train_two_layer(GAUSS, **args)


def test_bad_setting_fails():
    with pytest.raises(ValueError, match="inputs"):
        th.TwoLayerSetting(3, 3, True, "cauchy")


def _collapsing_curves(rates, exponent, n_steps=400, n_seeds=4, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps + 1)
    base = np.stack([np.exp(-t * (r / min(rates)) ** exponent / 150) for r in rates])
    return base[:, None, :] + noise * rng.standard_normal((len(rates), n_seeds, n_steps + 1))


def test_spread_vanishes_at_the_true_exponent_only():
    rates = np.array([0.02, 0.04, 0.08])
    curves = _collapsing_curves(rates, 2.0)
    assert th.collapse_spread(curves, rates, 2.0) < 1e-3
    assert th.collapse_spread(curves, rates, 1.0) > 0.05
    assert th.collapse_spread(curves, rates, 0.0) > th.collapse_spread(curves, rates, 1.0)


def test_best_exponent_recovers_known_power_with_noise():
    rates = 1 / np.array([1.0, 2.0, 3.0])
    curves = _collapsing_curves(rates, 1.0, noise=0.01)
    fit = th.best_collapse_exponent(curves, rates, rng=np.random.default_rng(0), n_boot=40)
    assert abs(fit.exponent - 1.0) < 0.1
    assert fit.ci[0] <= 1.0 <= fit.ci[1]
    assert fit.decidable()


def test_collapse_rejects_bad_input():
    with pytest.raises(ValueError):
        th.collapse_spread(np.ones((1, 10)), [1.0], 2.0)
    with pytest.raises(ValueError):
        th.collapse_spread(np.ones((2, 10)), [1.0, -1.0], 2.0)
    with pytest.raises(ValueError):
        th.best_collapse_exponent(np.ones((2, 1, 10)), [1.0, 2.0], rng=np.random.default_rng(0))


def test_linear_mobility_drift_is_the_exact_geometric_walk_value():
    """For g = a + b q, g is a geometric walk: E[ln g] moves by ln(1 − η²b²)/2 per step, exactly."""
    mobility, eta = th.Mobility.linear(1.0, 0.5), 0.1
    pos = th.simulate_walk(mobility, 0.0, [eta], 40_000, 200, rng=np.random.default_rng(3), record_every=10)
    measured = th.measured_drift(pos, mobility, 0.0, 10)[0]
    exact = mobility.g(0.0) * np.log(1 - eta**2 * 0.25) / 2 / 0.5
    assert measured == pytest.approx(exact, rel=0.05)
    assert th.soret_velocity(mobility, 0.0, eta) == pytest.approx(exact, rel=0.01)  # Eq. 11 to leading order
    assert abs(pos[0, -1].mean()) < 0.01  # the walk itself is unbiased: the mean of q does not move


def test_walk_respects_reflecting_walls_and_validates_input():
    mobility = th.Mobility.exponential(0.5, 1.0)
    pos = th.simulate_walk(mobility, 0.5, [0.2], 500, 300, rng=np.random.default_rng(0), box=(0.0, 1.0))
    assert pos.min() >= 0.0 and pos.max() <= 1.0
    with pytest.raises(ValueError):
        th.simulate_walk(mobility, 2.0, [0.1], 10, 10, rng=np.random.default_rng(0), box=(0.0, 1.0))
    with pytest.raises(ValueError):
        th.simulate_walk(mobility, 0.0, [-0.1], 10, 10, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        th.Mobility.linear(1.0, 0.0)


def test_stationary_exponent_of_known_density():
    """Samples with density ∝ g^-2 for g = 0.5 + q on [0, 1] (inverse CDF) give exponent −2."""
    u = np.random.default_rng(4).random(400_000)
    # CDF ∝ 2 − 1/(0.5 + q), normalised over [0, 1]: F(q) = (2 − 1/(0.5 + q)) / (4/3)
    q = 1 / (2 - 4 / 3 * u) - 0.5
    fit = th.stationary_exponent(q, th.Mobility.linear(0.5, 1.0), (0.0, 1.0))
    assert fit.exponent == pytest.approx(-2.0, abs=0.05)


def test_walk_point_is_deterministic():
    a = th.walk_point([0.05, 0.1, 0.2], 200, 40, seed=1)
    b = th.walk_point([0.05, 0.1, 0.2], 200, 40, seed=1)
    np.testing.assert_array_equal(a["drift"], b["drift"])


def test_config_profiles_resolve_and_bad_values_are_named():
    for profile in ("smoke", "classroom", "paper"):
        assert SPEC.resolve(profile).chapter == "thermophoresis"
    with pytest.raises(ConfigError, match="batch_eta"):
        SPEC.resolve("smoke", batch_eta=0.07)
    with pytest.raises(ConfigError, match="n_seeds"):
        SPEC.resolve("smoke", n_seeds=1)
    with pytest.raises(ConfigError, match="include 1"):
        SPEC.resolve("smoke", batch_sizes=[2, 3, 4])
