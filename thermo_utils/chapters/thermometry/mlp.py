"""Temperatures of a small MLP on MNIST, measured at equilibrium for several learning rates and batch sizes.

Seeds are trained together (stacked parameters); for the learning-rate sweep every seed's pre-trained
state is continued at every rate at once. Temperatures are read per step and per epoch by the same
:class:`~thermo_utils.core.thermometer.Thermometer`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from thermo_utils.core.datasets import load_dataset
from thermo_utils.core.device import resolve_device
from thermo_utils.core.ensembles import Adam, ensemble_gradients, ensemble_losses, repeat_params, sgd_step, stack_params
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.thermometer import Thermometer, pool_by_layer
from thermo_utils.core.threads import single_thread

OPTIMIZERS = ("sgd", "adam")


class MLP(torch.nn.Module):
    """784 → hidden → 10 with a tanh hidden layer: small enough to train dozens at once on a CPU."""

    def __init__(self, hidden: int):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, hidden)
        self.fc2 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


def mnist_tensors(n_train: int, device="cpu"):
    """The first ``n_train`` MNIST training images (standardised, flattened) and the test set, on ``device``."""
    data = load_dataset("mnist")
    x, y = data.as_float("train", n_train)
    xt, yt = data.as_float("test")
    mean, std = x.mean(), x.std()
    to_t = lambda a: torch.from_numpy(((a - mean) / std).reshape(len(a), -1)).to(device)  # noqa: E731
    return to_t(x), torch.from_numpy(y).to(device), to_t(xt), torch.from_numpy(yt).to(device)


def device_generator(seed: int, *stream: int, device="cpu") -> torch.Generator:
    """The generator of (seed, stream...) on ``device``: on the CPU exactly :func:`torch_generator`'s; elsewhere
    one on the device with the same derived seed (its draws differ from the CPU's: another algorithm)."""
    cpu = torch_generator(seed, *stream)
    device = torch.device(device)
    if device.type == "cpu":
        return cpu
    return torch.Generator(device=device).manual_seed(cpu.initial_seed())


class _Trainer:
    """One optimizer over stacked members, each drawing its own batches (its own permutation per epoch)."""

    def __init__(self, model, params, optimizer: str, rates, generator):
        self.model, self.params, self.generator = model, params, generator
        self.rates = torch.as_tensor(rates, dtype=torch.float32, device=generator.device)
        self.adam = Adam(params) if optimizer == "adam" else None

    def epoch(self, x, y, batch: int, on_step=None) -> float:
        members, n = len(self.rates), len(x)
        order = torch.argsort(torch.rand(members, n, generator=self.generator, device=self.generator.device), dim=1)
        losses = []
        for start in range(0, n - batch + 1, batch):
            idx = order[:, start : start + batch]
            grads = ensemble_gradients(self.model, F.cross_entropy, self.params, x[idx], y[idx])
            if self.adam:
                self.adam.step(grads, self.rates)
            else:
                sgd_step(self.params, grads, self.rates)
            if on_step:
                on_step()
        with torch.no_grad():
            losses = ensemble_losses(self.model, F.cross_entropy, self.params, x[:2048], y[:2048])
        return losses.cpu().numpy()


def _accuracy(model, params, x, y) -> np.ndarray:
    from torch.func import functional_call, vmap

    with torch.no_grad():
        logits = vmap(lambda p: functional_call(model, p, (x,)))(params)
    return (logits.argmax(-1) == y).float().mean(-1).cpu().numpy()


def _measure(model, params, optimizer, rates, x, y, batch, measure_epochs, generator, settle_epochs=1):
    """Continue training; skip ``settle_epochs`` epochs to re-equilibrate, then read T per step and per epoch
    over the remaining ``measure_epochs − settle_epochs``.

    The training loss after each measured epoch is returned too, and the per-step temperature of each
    layer averaged over each measured epoch (``per_step_by_epoch``, [epoch, member]): their drifts say whether
    the run was at equilibrium."""
    trainer = _Trainer(model, params, optimizer, rates, generator)
    for _ in range(settle_epochs):
        trainer.epoch(x, y, batch)
    per_step, per_epoch = Thermometer(params, ensemble=True), Thermometer(params, ensemble=True)
    losses = []
    for _ in range(measure_epochs - settle_epochs):
        losses.append(trainer.epoch(x, y, batch, on_step=per_step.read))
        per_epoch.read()
    diverged = ~np.isfinite(np.stack(losses)).all(axis=0)
    epochs = measure_epochs - settle_epochs
    sizes = {name: int(np.prod(p.shape[1:])) for name, p in params.items()}
    by_epoch = {name: per_step.series(name).reshape(epochs, -1, len(rates)).mean(axis=1) for name in params}
    return {
        "per_step_by_epoch": pool_by_layer(by_epoch, sizes),
        "per_step": per_step.layer_temperature(),
        "per_epoch": per_epoch.layer_temperature(),
        "loss": np.stack(losses),
        "diverged": diverged,
    }


def temperature_drift(by_epoch: np.ndarray) -> np.ndarray:
    """|T(last measured epoch) / T(first) − 1| of the seed-mean per-step temperature, per setting.

    ``by_epoch`` is [epoch, seed, setting]; a seed whose temperature is not finite at some epoch (it diverged) is
    left out of that setting at every epoch; a setting with no seed left gives nan.
    """
    finite = np.isfinite(by_epoch).all(axis=0, keepdims=True)
    kept = np.where(finite, by_epoch, 0.0)
    count = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = kept.sum(axis=1) / count
        return np.abs(mean[-1] / mean[0] - 1)


def network_sweep(optimizer: str, rates, batch_sizes, base_rate: float, base_batch: int, n_seeds: int,
                  n_train: int, hidden: int, pretrain_epochs: int, measure_epochs: int, seed: int,
                  device: str = "cpu", settle_epochs: int = 1) -> dict:
    """Pre-train ``n_seeds`` MLPs, then measure equilibrium temperatures over ``rates`` (at ``base_batch``)
    and over ``batch_sizes`` (at ``base_rate``), continuing from the same pre-trained states.

    Every tensor lives on ``device`` (``cpu``, ``cuda`` or ``auto``); results come back as NumPy arrays.
    Returns arrays indexed [seed, setting] per layer, the pre-training loss curve and test accuracy.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer {optimizer!r} not in {OPTIMIZERS}")
    if not 1 <= settle_epochs <= measure_epochs - 2:
        raise ValueError(f"need 1 <= settle_epochs <= measure_epochs - 2 (two measured epochs at least), got "
                         f"settle_epochs={settle_epochs}, measure_epochs={measure_epochs}")
    dev = resolve_device(device)
    with single_thread():
        return _network_sweep(optimizer, rates, batch_sizes, base_rate, base_batch, n_seeds, n_train, hidden,
                              pretrain_epochs, measure_epochs, seed, dev, settle_epochs)


def _network_sweep(optimizer, rates, batch_sizes, base_rate, base_batch, n_seeds, n_train, hidden,
                   pretrain_epochs, measure_epochs, seed, dev, settle_epochs) -> dict:
    x, y, xt, yt = mnist_tensors(n_train, dev)
    torch.manual_seed(seed)
    models = []
    for s in range(n_seeds):
        torch.manual_seed(int(torch_generator(seed, s).initial_seed() % 2**31))
        models.append(MLP(hidden))
    model = models[0]
    params = {n: p.to(dev) for n, p in stack_params(models).items()}
    generator = device_generator(seed, 1000, device=dev)
    pretrain = _Trainer(model, params, optimizer, [base_rate] * n_seeds, generator)
    curve = [pretrain.epoch(x, y, base_batch) for _ in range(pretrain_epochs)]
    pretrained_accuracy = _accuracy(model, params, xt, yt)

    def regroup(result, n_settings):
        out = {}
        for key in ("per_step", "per_epoch"):
            out[key] = {layer: t.reshape(n_seeds, n_settings) for layer, t in result[key].items()}
        out["diverged"] = result["diverged"].reshape(n_seeds, n_settings)
        out["final_loss"] = result["loss"][-1].reshape(n_seeds, n_settings)
        first, last = result["loss"][0], result["loss"][-1]
        out["loss_drift"] = (np.abs(last - first) / first).reshape(n_seeds, n_settings)
        out["T_drift"] = np.max([temperature_drift(t.reshape(len(t), n_seeds, n_settings))
                                 for t in result["per_step_by_epoch"].values()], axis=0)
        return out

    rate_params = repeat_params(params, len(rates))
    rate_result = _measure(model, rate_params, optimizer, list(rates) * n_seeds, x, y, base_batch,
                           measure_epochs, generator, settle_epochs)
    by_batch = []
    for b in batch_sizes:
        batch_params = {n: p.clone() for n, p in params.items()}
        by_batch.append(regroup(_measure(model, batch_params, optimizer, [base_rate] * n_seeds, x, y, b,
                                         measure_epochs, generator, settle_epochs), 1))
    batch_result = {
        key: {layer: np.concatenate([r[key][layer] for r in by_batch], axis=1) for layer in by_batch[0][key]}
        for key in ("per_step", "per_epoch")
    }
    batch_result["diverged"] = np.concatenate([r["diverged"] for r in by_batch], axis=1)
    for key in ("final_loss", "loss_drift"):
        batch_result[key] = np.concatenate([r[key] for r in by_batch], axis=1)
    batch_result["T_drift"] = np.concatenate([r["T_drift"] for r in by_batch])
    return {
        "optimizer": optimizer, "rates": np.asarray(rates, float), "batch_sizes": np.asarray(batch_sizes),
        "pretrain_curve": np.stack(curve), "test_accuracy": pretrained_accuracy,
        "rate_sweep": regroup(rate_result, len(rates)), "batch_sweep": batch_result,
    }
