"""The diffusion matrix of SGD, D(w) = Cov_n[∇ℓ(w; z_n)], from per-example gradients.

Per-example gradients come from ``torch.func.vmap(grad(...))`` on a flat parameter vector, so the same
code serves tiny analytic models and real networks. D is d × d; for networks whose d is too large for
that, its non-zero spectrum is read from the N × N Gram matrix of centred per-example gradients (both
matrices share their non-zero eigenvalues), which is also why rank(D) ≤ N − 1.

The diffusion metric of Fioresi, Chaudhari & Soatto is g = I + εD with 0 ≤ ε < 1/λ_max(D).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from thermo_utils.core.seeding import seed_global_torch

SampleLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
"""``loss(w, x, y)``: the loss of one example (x, y) at the flat parameter vector w, a scalar."""


# --------------------------------------------------------------------------- per-example gradients
def per_sample_gradients(loss: SampleLoss, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                         chunk_size: int | None = None) -> torch.Tensor:
    """The N × d matrix of per-example gradients ∇ℓ(w; z_n), by vmap over examples of grad.

    ``chunk_size`` bounds memory (examples processed at once). Differentiable in ``w`` (for Christoffel
    symbols, which need derivatives of D).
    """
    _check_data(w, x, y)
    return vmap(grad(loss), in_dims=(None, 0, 0), chunk_size=chunk_size)(w, x, y)


def per_sample_gradients_loop(loss: SampleLoss, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The same matrix by one backward pass per example: the slow reference for tests and the benchmark."""
    _check_data(w, x, y)
    w = w.detach().requires_grad_(True)
    rows = [torch.autograd.grad(loss(w, x[n], y[n]), w)[0] for n in range(len(x))]
    return torch.stack(rows)


def _check_data(w, x, y):
    if w.ndim != 1:
        raise ValueError(f"w must be a flat parameter vector, got shape {tuple(w.shape)}")
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"need at least 2 examples with as many targets as inputs, got {len(x)} and {len(y)}")


# --------------------------------------------------------------------------- the matrix and its spectrum
def diffusion_matrix(grads: torch.Tensor) -> torch.Tensor:
    """D = (1/N) Σ_n g_n g_nᵀ − ḡ ḡᵀ (Eq. 3, left): the covariance of per-example gradients, 1/N normalised."""
    _check_grads(grads)
    centred = grads - grads.mean(0)
    return centred.T @ centred / len(grads)


def diffusion_matrix_from_pairs(grads: torch.Tensor) -> torch.Tensor:
    """D = (1/N²) Σ_{i<j} (g_i − g_j)(g_i − g_j)ᵀ (Eq. 3, right): the paper's pairwise form, O(N² d²)."""
    _check_grads(grads)
    n = len(grads)
    i, j = torch.triu_indices(n, n, offset=1)
    differences = grads[i] - grads[j]
    return differences.T @ differences / n**2


def _check_grads(grads):
    if grads.ndim != 2 or len(grads) < 2:
        raise ValueError(f"per-example gradients must be an N × d matrix with N ≥ 2, got shape {tuple(grads.shape)}")


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues of D (descending; only min(N, d) can be non-zero), with the sizes they came from."""

    eigenvalues: np.ndarray
    d: int
    n: int
    route: str  # "d×d" or "gram"

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def threshold(self) -> float:
        """Eigenvalues above λ_max · d · eps(float32) count towards the rank (the authors' convention)."""
        return self.lambda_max * self.d * float(np.finfo(np.float32).eps)

    @property
    def rank(self) -> int:
        return int(np.sum(self.eigenvalues > self.threshold))

    @property
    def rank_fraction(self) -> float:
        return self.rank / self.d

    @property
    def saturated(self) -> bool:
        """True when the rank reaches half the N − 1 bound: then the sample, not D, may be limiting it."""
        return self.rank >= 0.5 * (self.n - 1)

    def moments(self) -> tuple[float, float]:
        """Mean and standard deviation over all d eigenvalues (the ones not computed are zero)."""
        total = self.eigenvalues.sum()
        squares = np.square(self.eigenvalues).sum()
        mean = total / self.d
        return float(mean), float(math.sqrt(max(squares / self.d - mean**2, 0.0)))


def diffusion_spectrum(grads: torch.Tensor) -> Spectrum:
    """The spectrum of D from per-example gradients, through whichever of D (d × d) and the N × N Gram
    matrix of centred gradients is smaller. Computed in float64."""
    _check_grads(grads)
    n, d = grads.shape
    centred = (grads - grads.mean(0)).double()
    if d <= n:
        eig, route = torch.linalg.eigvalsh(centred.T @ centred / n), "d×d"
    else:
        eig, route = torch.linalg.eigvalsh(centred @ centred.T / n), "gram"
    eig = np.clip(eig.flip(0).cpu().numpy(), 0.0, None)
    return Spectrum(eig, d=d, n=n, route=route)


def diffusion_metric(D: torch.Tensor, epsilon: float) -> torch.Tensor:
    """g = I + εD (Eq. 6), after checking 0 ≤ ε < 1/λ_max(D) so that the weak-field expansion converges."""
    check_epsilon(D, epsilon)
    return torch.eye(len(D), dtype=D.dtype, device=D.device) + epsilon * D


def check_epsilon(D: torch.Tensor, epsilon: float) -> None:
    lam = float(torch.linalg.eigvalsh(D.detach())[-1])
    if not (0.0 <= epsilon and epsilon * lam < 1.0):
        raise ValueError(f"epsilon = {epsilon:g} must satisfy 0 ≤ ε < 1/λ_max(D) = {1 / lam if lam > 0 else math.inf:g}")


# --------------------------------------------------------------------------- networks as flat functions
class FlatModel:
    """An nn.Module seen as a function of one flat parameter vector (buffers, e.g. BatchNorm statistics,
    stay fixed): what vmap(grad) and the geodesic integrators need."""

    def __init__(self, module: nn.Module):
        self.module = module.eval()
        self.names = [name for name, _ in module.named_parameters()]
        self.shapes = [p.shape for _, p in module.named_parameters()]
        self.sizes = [p.numel() for _, p in module.named_parameters()]
        self.buffers = {name: b.detach() for name, b in module.named_buffers()}

    @property
    def d(self) -> int:
        return sum(self.sizes)

    def flat(self) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1) for p in self.module.parameters()])

    def logits(self, w: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        params = {n: t.view(s) for n, t, s in zip(self.names, torch.split(w, self.sizes), self.shapes)}
        return functional_call(self.module, (params, self.buffers), (x,))

    def sample_loss(self, w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of one example: the ``SampleLoss`` of this network."""
        return nn.functional.cross_entropy(self.logits(w, x.unsqueeze(0)), y.unsqueeze(0))


def small_fc(inputs: int = 49, hidden: int = 64, classes: int = 10) -> nn.Module:
    """Chaudhari & Soatto's small fully-connected net: one ReLU hidden layer (49 → 64 → 10: 3,850 weights)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes))


def small_lenet(c1: int = 8, c2: int = 16, c3: int = 128, classes: int = 10) -> nn.Module:
    """A LeNet in the authors' template (conv5-BN-ReLU-maxpool3, conv5-BN-ReLU-maxpool2, fc-BN-ReLU, fc);
    the default widths give exactly 13,338 weights on 28 × 28 MNIST (the published count)."""
    return nn.Sequential(
        nn.Conv2d(1, c1, 5), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(3),
        nn.Conv2d(c1, c2, 5), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 4, c3), nn.BatchNorm1d(c3), nn.ReLU(), nn.Linear(c3, classes),
    )


def mnist_tensors(n: int, *, pooled: bool, classes: int = 10, split: str = "train", device="cpu"):
    """The first ``n`` MNIST images of digits < ``classes``, in [0, 1], shaped (n, 1, 28, 28), or
    average-pooled 4 × 4 to (n, 49) when ``pooled`` (the authors' 7 × 7 MNIST), on ``device``."""
    from thermo_utils.core.datasets import load_dataset

    data = load_dataset("mnist")
    images, labels = getattr(data, f"{split}_images"), getattr(data, f"{split}_labels")
    keep = np.flatnonzero(labels < classes)[:n]
    if len(keep) < n:
        raise ValueError(f"MNIST {split} has only {len(keep)} images of digits < {classes}, asked for {n}")
    x = torch.from_numpy(images[keep].astype(np.float32) / 255.0).unsqueeze(1)
    if pooled:
        x = nn.functional.avg_pool2d(x, 4).flatten(1)
    return x.to(device), torch.from_numpy(labels[keep].astype(np.int64)).to(device)


def device_generator(seed: int, *stream: int, device="cpu") -> torch.Generator:
    """The chapter's torch generator for (seed, stream…) where sampling happens on ``device``.

    On the CPU exactly ``torch_generator(seed, *stream)`` (so CPU numbers never change); elsewhere a generator
    on that device with the same derived seed (the same seed gives the same numbers on the same device)."""
    from thermo_utils.core.seeding import torch_generator

    cpu = torch_generator(seed, *stream)
    device = torch.device(device)
    if device.type == "cpu":
        return cpu
    return torch.Generator(device=device).manual_seed(cpu.initial_seed())


def train_checkpoints(module: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int, batch: int, lr: float,
                      fractions: tuple[float, ...], generator: torch.Generator,
                      momentum: float = 0.9) -> dict[float, dict]:
    """Train with Nesterov SGD and return the state dict at each fraction of the total steps.

    Runs where ``x`` lives (move ``module`` there first; ``generator`` must be on that device too). Raises if the
    loss becomes non-finite, naming the learning rate; the finiteness check is the only host synchronisation
    per step.
    """
    if not 0 < batch <= len(x):
        raise ValueError(f"batch = {batch} must be in [1, {len(x)}]")
    steps_per_epoch = len(x) // batch
    total = epochs * steps_per_epoch
    marks = {max(1, round(f * total)): f for f in fractions}
    optimiser = torch.optim.SGD(module.parameters(), lr=lr, momentum=momentum, nesterov=True)
    saved, step = {}, 0
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator, device=x.device)
        for k in range(steps_per_epoch):
            idx = order[k * batch:(k + 1) * batch]
            loss = nn.functional.cross_entropy(module(x[idx]), y[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training diverged at step {step} with lr = {lr:g} (loss {loss.item()})")
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            if step in marks:
                saved[marks[step]] = {k: v.detach().clone() for k, v in module.state_dict().items()}
    module.eval()
    return saved


# --------------------------------------------------------------------------- D during training (C&S Fig. 1)
def spectra_during_training(name: str, make_module: Callable[[], nn.Module], *, pooled: bool, epochs: int,
                            train_n: int, batch: int, lr: float, spectrum_n: int, seed: int, stream: int,
                            fractions: tuple[float, ...] = (0.2, 0.4, 1.0), device="cpu",
                            chunk_size: int = 256) -> tuple[list[dict], dict[float, Spectrum]]:
    """Train ``make_module()`` on the first ``train_n`` MNIST images and read D's spectrum at each fraction of
    training from ``spectrum_n`` of them: one table row per checkpoint (loss, rank, moments) and the spectra.

    The module is built after seeding torch's global generator for (seed, stream) (its initialisation) and
    trained with the (seed, stream) generator, on ``device``; values come back to the CPU to be recorded.
    """
    device = torch.device(device)
    seed_global_torch(seed, stream)
    module = make_module().to(device)
    x, y = mnist_tensors(train_n, pooled=pooled, device=device)
    checkpoints = train_checkpoints(module, x, y, epochs=epochs, batch=batch, lr=lr, fractions=fractions,
                                    generator=device_generator(seed, stream, device=device))
    rows, spectra = [], {}
    for fraction, state in sorted(checkpoints.items()):
        module.load_state_dict(state)
        model = FlatModel(module)
        w = model.flat()
        with torch.no_grad():
            loss = float(nn.functional.cross_entropy(model.logits(w, x), y))
        spectrum = diffusion_spectrum(
            per_sample_gradients(model.sample_loss, w, x[:spectrum_n], y[:spectrum_n], chunk_size=chunk_size))
        mean, std = spectrum.moments()
        spectra[fraction] = spectrum
        rows.append({"net": name, "training": f"{fraction:.0%}", "d": model.d, "N": spectrum.n,
                     "train loss": loss, "rank": spectrum.rank, "rank / d (%)": 100 * spectrum.rank_fraction,
                     "saturated": spectrum.saturated, "λ_max": spectrum.lambda_max,
                     "eigenvalue mean (1e-3)": 1e3 * mean, "eigenvalue std (1e-3)": 1e3 * std})
    return rows, spectra


def spread(rows: list[dict], key: str) -> float:
    """max / min of ``key`` over table rows: how much a quantity varies across checkpoints (≥ 1)."""
    values = [r[key] for r in rows]
    return max(values) / max(min(values), 1e-300)


def spectrum_ratio(a: Spectrum, b: Spectrum) -> float:
    """A whole-spectrum distance as a factor ≥ 1: the median over indices i below both ranks of
    max(λ_i(a)/λ_i(b), λ_i(b)/λ_i(a)). Unlike the mean eigenvalue it is not dominated by the top eigenvalues."""
    k = min(a.rank, b.rank)
    if k < 1:
        return math.inf
    return float(np.exp(np.median(np.abs(np.log(a.eigenvalues[:k] / b.eigenvalues[:k])))))


def spectra_spread(spectra: dict) -> float:
    """The largest :func:`spectrum_ratio` between any two of the spectra (checkpoints)."""
    items = list(spectra.values())
    return max(spectrum_ratio(a, b) for i, a in enumerate(items) for b in items[i + 1:])
