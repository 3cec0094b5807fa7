"""Gradient variance of deep networks over training, for several learning rates trained together.

The thermophoresis paper predicts that SGD pushes deep networks towards regions of smaller gradient
variance at a rate ∝ η²/|B|. Here a stack of copies of one network (same initial weights, one learning rate
each, the same batches) is trained with ``torch.func`` (stacked parameters, ``vmap`` over models), and every
few steps the variance of the per-example gradients on a fixed probe set is measured with ``vmap(grad)``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, stack_module_state, vmap
from tqdm.auto import tqdm

from thermo_utils.core.device import resolve_device
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.threads import single_thread


def fully_connected(n_inputs: int, width: int = 100, depth: int = 6, n_classes: int = 10) -> nn.Sequential:
    """``depth`` linear layers (depth − 1 hidden layers of ``width`` ReLU units, then the output layer)."""
    if depth < 2 or width < 1:
        raise ValueError(f"depth must be >= 2 and width >= 1, got {depth}, {width}")
    layers, fan_in = [], n_inputs
    for _ in range(depth - 1):
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        fan_in = width
    return nn.Sequential(nn.Flatten(), *layers, nn.Linear(fan_in, n_classes))


def convolutional(image_size: int = 28, channels: int = 10, depth: int = 6, kernel: int = 5, n_classes: int = 10):
    """``depth − 1`` convolutions (``channels`` filters, kernel×kernel, stride 1, no padding, ReLU) and a
    final fully connected layer: the paper's 6-layer CNN when depth = 6."""
    side = image_size - (depth - 1) * (kernel - 1)
    if depth < 2 or side < 1:
        raise ValueError(f"{depth - 1} convolutions of size {kernel} do not fit a {image_size}-pixel image")
    layers, c_in = [], 1
    for _ in range(depth - 1):
        layers += [nn.Conv2d(c_in, channels, kernel, stride=1), nn.ReLU()]
        c_in = channels
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * side * side, n_classes))


def seeded_model(make_model, seed: int) -> nn.Module:
    """``make_model()`` with its default initialisation drawn from ``seed`` (torch's global state is restored)."""
    with torch.random.fork_rng():
        torch.manual_seed(torch_generator(seed, 10).initial_seed())
        return make_model()


def mean_gradient_variance(per_example: dict) -> torch.Tensor:
    """Variance of per-example gradients across examples, averaged over all parameters.

    ``per_example`` maps names to tensors (models, examples, ...); returns one value per model.
    """
    total, count = 0.0, 0
    for g in per_example.values():
        flat = g.flatten(start_dim=2)
        total = total + flat.var(dim=1, unbiased=True).sum(dim=-1)
        count += flat.shape[-1]
    return total / count


@dataclass
class VarianceRun:
    """Gradient variance (etas, seeds, records) at ``steps``, and the training loss at the same steps."""

    etas: np.ndarray
    steps: np.ndarray
    variance: np.ndarray
    loss: np.ndarray


def train_and_measure(make_model, x: torch.Tensor, y: torch.Tensor, etas: Sequence[float], seeds: Sequence[int],
                      n_steps: int, batch_size: int, *, probe_size: int = 64, measure_every: int = 10,
                      quiet: bool = True, desc: str = "deep nets",
                      device: str | torch.device = "cpu") -> VarianceRun:
    """Train one copy of ``make_model()`` per (eta, seed) with SGD (cross-entropy), all stacked, and record the
    per-example gradient variance on a fixed probe set of ``probe_size`` training examples.

    Copies of one seed share their initial weights and batches; they differ only in eta. ``device``: where the
    stacked weights, the data and the batch order live; initial weights and the batch order are drawn on the
    CPU from the seed, so a seed gives the same start and the same batches on every device.
    """
    device = torch.device(device)
    etas, seeds = [float(e) for e in etas], [int(s) for s in seeds]
    n = len(x)
    if not etas or not seeds or any(e <= 0 for e in etas):
        raise ValueError(f"etas must be positive and non-empty, seeds non-empty; got {etas}, {seeds}")
    if not 1 <= batch_size <= n or not 2 <= probe_size <= n:
        raise ValueError(f"batch_size must be in [1, {n}] and probe_size in [2, {n}], got {batch_size}, {probe_size}")
    if n_steps < 1 or measure_every < 1:
        raise ValueError("n_steps and measure_every must be >= 1")

    models = []
    for s in seeds:
        base = seeded_model(make_model, s)
        models += [copy.deepcopy(base) for _ in etas]
    params, buffers = stack_module_state(models)
    params = {k: v.detach().clone().to(device) for k, v in params.items()}
    buffers = {k: v.to(device) for k, v in buffers.items()}
    skeleton = copy.deepcopy(models[0]).to("meta")
    eta = torch.tensor(etas * len(seeds), device=device)
    seed_row = torch.arange(len(seeds), device=device).repeat_interleave(len(etas))
    x, y = x.to(device), y.to(device)

    def loss_of(p, b, xb, yb):
        return nn.functional.cross_entropy(functional_call(skeleton, (p, b), (xb,)), yb)

    def example_loss(p, b, xi, yi):
        return loss_of(p, b, xi.unsqueeze(0), yi.unsqueeze(0))

    batch_grad = vmap(grad(loss_of))
    per_example_grad = vmap(vmap(grad(example_loss), in_dims=(None, None, 0, 0)), in_dims=(0, 0, None, None))
    losses = vmap(loss_of)

    orders = torch.stack([torch.randint(0, n, (n_steps, batch_size), generator=torch_generator(s, 11), device="cpu")
                          for s in seeds]).to(device)
    probe = torch.randperm(n, generator=torch_generator(seeds[0], 12), device="cpu")[:probe_size].to(device)
    xp, yp = x[probe], y[probe]

    steps, variances, train_losses = [], [], []

    def measure(t):
        grads = per_example_grad(params, buffers, xp, yp)
        variances.append(mean_gradient_variance(grads).detach().cpu().numpy())
        train_losses.append(losses(params, buffers, xp.expand(len(eta), *xp.shape),
                                   yp.expand(len(eta), *yp.shape)).detach().cpu().numpy())
        steps.append(t)

    measure(0)
    for t in tqdm(range(n_steps), desc=desc, disable=quiet, mininterval=2.0):
        idx = orders[seed_row, t]
        grads = batch_grad(params, buffers, x[idx], y[idx])
        for k in params:
            params[k] = params[k] - eta.view(-1, *[1] * (params[k].dim() - 1)) * grads[k]
        if (t + 1) % measure_every == 0 or t + 1 == n_steps:
            measure(t + 1)
            if not np.isfinite(variances[-1]).all():
                bad = sorted({etas[i % len(etas)] for i in np.flatnonzero(~np.isfinite(variances[-1]))})
                raise FloatingPointError(f"training diverged by step {t + 1} at eta in {bad}")

    shape = (len(seeds), len(etas), -1)
    variance = np.stack(variances, axis=-1).reshape(shape).transpose(1, 0, 2)
    loss = np.stack(train_losses, axis=-1).reshape(shape).transpose(1, 0, 2)
    return VarianceRun(np.array(etas), np.array(steps), variance, loss)


def deep_point(architecture: str, etas: list, seeds: list, n_steps: int, batch_size: int, n_train: int,
               probe_size: int, measure_every: int, device: str = "cpu") -> VarianceRun:
    """One stacked deep-net run from JSON-able arguments (a point of :func:`thermo_utils.harness.sweep.run_sweep`).

    ``fc``: the 6-layer fully connected net (width 100) on x ~ N(0, I_100) with random labels among 10
    classes; ``cnn``: the 6-layer CNN on the first ``n_train`` Fashion-MNIST training images and their labels.
    ``device`` is a string (cpu, cuda, auto), part of the point's cache key.
    """
    if architecture == "fc":
        gen = torch_generator(seeds[0], 20)
        x = torch.randn(n_train, 100, generator=gen, device="cpu")
        y = torch.randint(0, 10, (n_train,), generator=gen, device="cpu")
        make = lambda: fully_connected(100)  # noqa: E731
    elif architecture == "cnn":
        from thermo_utils.core.datasets import load_dataset

        images, labels = load_dataset("fashion_mnist").as_float("train", n_train)
        x, y = torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)
        make = convolutional
    else:
        raise ValueError(f"architecture {architecture!r} is invalid: expected 'fc' or 'cnn'")
    with single_thread():
        return train_and_measure(make, x, y, etas, seeds, n_steps, batch_size, probe_size=probe_size,
                                 measure_every=measure_every, device=resolve_device(device))
