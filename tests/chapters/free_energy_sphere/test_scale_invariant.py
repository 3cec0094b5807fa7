"""The scale-invariant ConvNet ensemble: invariance, projection, and agreement with a plain single network."""

import numpy as np
import pytest
import torch
import torch.nn as nn

from thermo_utils.chapters.free_energy_sphere import scale_invariant as si


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny convolutions run fastest on one thread (and do not stall on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def plain_convnet(weights, head):
    """The same architecture for one model, built from torch.nn layers (an independent implementation)."""
    layers = []
    for i, w in enumerate(weights):
        conv = nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1, bias=False)
        conv.weight.data.copy_(w)
        layers += [conv, nn.BatchNorm2d(w.shape[0], affine=False, track_running_stats=False), nn.ReLU()]
        if i > 0:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveMaxPool2d(1), nn.Flatten()]
    linear = nn.Linear(head.shape[1], head.shape[0], bias=False)
    linear.weight.data.copy_(head)
    return nn.Sequential(*layers, linear)


def test_ensemble_equals_independent_networks():
    torch.manual_seed(0)
    net = si.ConvNetEnsemble(3, 4, seed=1)
    for w in net.weights:  # make the models differ
        w.add_(0.1 * torch.randn_like(w))
    net.project()
    images = torch.randn(16, 4, 16, 16)
    logits = net.forward(images)
    for r in range(4):
        weights = [w.view(4, -1, *w.shape[1:])[r] for w in net.weights]
        ref = plain_convnet(weights, net.head[r])(images[:, r, None])
        torch.testing.assert_close(logits[:, r], ref, atol=1e-4, rtol=1e-4)


def test_scale_invariance_sphere_and_head():
    net = si.ConvNetEnsemble(2, 3, seed=0)
    assert torch.allclose(net.per_model_norms(net.weights), torch.ones(3))
    assert torch.allclose(net.head.flatten(1).norm(dim=1), torch.full((3,), si.HEAD_NORM))
    images, labels = torch.randn(32, 3, 8, 8), torch.randint(0, 10, (32, 3))
    scaled = [w * c for w, c in zip(net.weights, (0.3, 2.0, 5.0, 0.7))]
    # exact up to BatchNorm's ε = 1e-5 added to the variances
    torch.testing.assert_close(net.losses(images, labels, scaled), net.losses(images, labels), atol=2e-2, rtol=2e-3)
    _, grads = net.gradients(images, labels)
    radial = sum((w.view(3, -1) * g.view(3, -1)).sum(1) for w, g in zip(net.weights, grads))
    # the gradient of a scale-invariant loss is tangent to the sphere (up to BatchNorm's ε: a fraction of a percent)
    assert torch.all(radial.abs() < 0.02 * net.per_model_norms(grads))


def test_projected_step_matches_the_definition():
    net = si.ConvNetEnsemble(2, 2, seed=0)
    images, labels = torch.randn(16, 2, 8, 8), torch.randint(0, 10, (16, 2))
    etas = torch.tensor([0.05, 0.5])
    before = net.flat().clone()
    _, grads = net.gradients(images, labels)
    flat_grad = torch.cat([g.reshape(2, -1) for g in grads], 1)
    expected = before - etas[:, None] * flat_grad
    expected = expected / expected.norm(dim=1, keepdim=True)
    net.sgd_step(images, labels, etas)
    torch.testing.assert_close(net.flat(), expected, atol=1e-6, rtol=1e-5)
    assert torch.allclose(net.flat().norm(dim=1), torch.ones(2))


def test_training_is_deterministic_and_logs_windows():
    x = si.prepare_images(np.random.default_rng(0).integers(0, 255, (64, 28, 28), dtype=np.uint8), 8)
    y = torch.randint(0, 10, (64,), generator=torch.Generator().manual_seed(0))
    kwargs = dict(seed=0, batch=16, n_log=5, n_snr=2, snr_batches=2, n_windows=2, window=25, k=10)
    a = si.train_projected_sgd(x, y, [0.01, 0.1], 1, 60, **kwargs)
    b = si.train_projected_sgd(x, y, [0.01, 0.1], 1, 60, **kwargs)
    np.testing.assert_array_equal(a.window_entropy, b.window_entropy)
    assert a.window_steps.tolist() == [25, 60] and np.all(np.isfinite(a.window_entropy))
    assert a.n_params == si.parameter_count(1) == 9 + 18 + 72 + 288
    U, S = si.stationary_values(a, 1)
    assert U.shape == S.shape == (2,)


@pytest.mark.parametrize("bad", [dict(etas=[-0.1]), dict(batch=1000), dict(k=30), dict(n_steps=30)])
def test_bad_input(bad):
    x, y = torch.zeros(64, 8, 8), torch.zeros(64, dtype=torch.long)
    args = dict(etas=[0.1], width=1, n_steps=60, seed=0, batch=16, window=25, k=10)
    args.update(bad)
    with pytest.raises(ValueError):
        si.train_projected_sgd(x, y, **args)
    with pytest.raises(ValueError):
        si.prepare_images(np.zeros((2, 28, 28), dtype=np.uint8), 12)


def tiny_training(**kwargs):
    x = si.prepare_images(np.random.default_rng(0).integers(0, 255, (48, 28, 28), dtype=np.uint8), 8)
    y = torch.randint(0, 10, (48,), generator=torch.Generator().manual_seed(0))
    args = dict(seed=0, batch=8, n_log=3, n_snr=2, snr_batches=2, n_windows=2, window=21, k=5)
    return si.train_projected_sgd(x, y, [0.02, 0.2], 1, 45, **args, **kwargs)


def test_heavy_path_creates_its_tensors_on_the_device(factory_audit):
    with factory_audit() as audit:
        tiny_training(device="cpu")
        si.ConvNetEnsemble(1, 2, seed=0, device="cpu")
        si.prepare_images(np.zeros((2, 28, 28), dtype=np.uint8), 8, device="cpu")
    assert not audit.missing


def test_explicit_cpu_gives_the_default_numbers():
    a, b = tiny_training(), tiny_training(device="cpu")
    for field in ("train_loss", "grad_norm", "noise_norm", "window_loss", "window_entropy"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert si.device_generator("cpu", 0, 8, 1).initial_seed() == si.torch_generator(0, 8, 1).initial_seed()
