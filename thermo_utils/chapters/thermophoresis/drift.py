"""Thermophoresis of SGD: a drift towards low gradient noise, in a two-layer net and in a bare random walk.

Three pieces, used by the ``thermophoresis`` chapter:

- :func:`train_two_layer` trains many networks f(x) = V·relu(Wx + b) at once (every learning rate, batch
  size and seed of a sweep stacked on a leading axis and stepped together with batched closed-form
  gradients, checked against ``torch.func.vmap(grad(...))``) and records, at every step, the activation
  rate (Eq. 14 of Wei & Schwab) and ‖V‖.
- :func:`collapse_spread` and :func:`best_collapse_exponent` measure how well curves of different learning
  rates (or batch sizes) fall onto one curve when time is rescaled by a power of the rate, and which power
  makes them fall best, with a bootstrap interval over seeds.
- :func:`simulate_walk` runs the inhomogeneous random walk q ← q − η g(q) ζ (Eqs. 4 and 8) for many
  walkers and :func:`soret_velocity` gives the drift the theory predicts (Eq. 11 in one dimension).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import grad, vmap
from tqdm.auto import tqdm

from thermo_utils.core.device import resolve_device
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.threads import single_thread

INPUTS = ("gaussian", "uniform", "fashion_mnist")
LABELS = ("random", "teacher", "real")


# ----------------------------------------------------------------------------------------------------------
# The two-layer model, many copies at once
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoLayerSetting:
    """Architecture and data of one experiment: M inputs, N hidden units, with or without bias."""

    n_inputs: int
    n_hidden: int
    bias: bool = True
    inputs: str = "gaussian"  # gaussian: x ~ N(0, I); uniform: x ~ U(0, 1)^M; fashion_mnist: images in [0, 1]
    v_scale: float = 1.0  # the initial V is PyTorch's default times this (the initialisation sweep)
    normalised: bool = False  # inputs divided by √M, so that ‖x‖² ≈ 1 for Gaussian inputs

    def __post_init__(self):
        if self.n_inputs < 1 or self.n_hidden < 1:
            raise ValueError(f"n_inputs and n_hidden must be >= 1, got {self.n_inputs}, {self.n_hidden}")
        if self.inputs not in INPUTS:
            raise ValueError(f"inputs {self.inputs!r} is invalid: expected one of {INPUTS}")
        if self.inputs == "fashion_mnist" and self.n_inputs != 784:
            raise ValueError(f"Fashion-MNIST images have 784 pixels, got n_inputs = {self.n_inputs}")
        if not self.v_scale > 0:
            raise ValueError(f"v_scale must be positive, got {self.v_scale}")


def fashion_binary(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n Fashion-MNIST training images, flattened to [0, 1], and the binary label 1[class >= 5]
    (sandals, shirts, sneakers, bags, boots against tops, trousers, pullovers, dresses, coats)."""
    from thermo_utils.core.datasets import load_dataset

    images, labels = load_dataset("fashion_mnist").as_float("train", n)
    return torch.from_numpy(images.reshape(len(images), -1)), torch.from_numpy(labels >= 5).float()


def two_layer_output(params: dict, x: torch.Tensor) -> torch.Tensor:
    """f(x) = V·relu(Wx + b) for a batch x of shape (B, M); ``params`` holds W (N, M), b (N), V (N)."""
    return torch.relu(x @ params["W"].T + params["b"]) @ params["V"]


def _weighted_bce(params: dict, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Σ_b weight_b · BCE(f(x_b), y_b): weights 1/|B| on a model's own batch and 0 on the padding."""
    logits = two_layer_output(params, x)
    losses = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
    return (weight * losses).sum()


autodiff_gradient = vmap(grad(_weighted_bce))
autodiff_gradient.__doc__ = "Per-model gradients of a stack of models by torch.func (vmap of grad): the oracle."


def stacked_gradient(params: dict, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor,
                     with_sq_error: bool = False):
    """Gradients of the weighted BCE for a stack of K models at once, from the closed forms of Eq. 13.

    ∂L/∂f = p − y (Eq. 15 with the usual sign), ∇_V f = relu(Wx + b), ∇_W f = V relu'(Wx + b) xᵀ,
    ∇_b f = V relu'(Wx + b). Shapes: params (K, ...), x (K, B, M), y and weight (K, B). Equal to
    :data:`autodiff_gradient` (tested) and several times faster on a CPU, where each step is tiny.
    With ``with_sq_error``, also return each model's weighted mean of (p − y)² over its batch.
    """
    pre = torch.baddbmm(params["b"].unsqueeze(1), x, params["W"].transpose(1, 2))
    hidden = pre.clamp_min(0)
    logits = (hidden * params["V"].unsqueeze(1)).sum(-1)
    error = torch.sigmoid(logits) - y
    residual = error * weight
    grad_v = torch.bmm(residual.unsqueeze(1), hidden).squeeze(1)
    grad_pre = residual.unsqueeze(-1) * params["V"].unsqueeze(1) * (pre > 0)
    grads = {"W": torch.bmm(grad_pre.transpose(1, 2), x), "b": grad_pre.sum(1), "V": grad_v}
    if with_sq_error:
        return grads, (error.pow(2) * weight).sum(-1)
    return grads


def init_two_layer(setting: TwoLayerSetting, generator: torch.Generator) -> dict:
    """PyTorch's default initialisation of two Linear layers: U(±1/√fan_in); b = 0 without bias.

    Drawn on the generator's device (a CPU generator: the same weights on every device; move them after).
    """
    m, n = setting.n_inputs, setting.n_hidden
    bound_w, bound_v = 1 / math.sqrt(m), 1 / math.sqrt(n)
    at = generator.device
    W = (torch.rand(n, m, generator=generator, device=at) * 2 - 1) * bound_w
    b = (torch.rand(n, generator=generator, device=at) * 2 - 1) * bound_w if setting.bias else torch.zeros(n, device=at)
    V = (torch.rand(n, generator=generator, device=at) * 2 - 1) * bound_v
    if setting.v_scale != 1.0:
        V = V * setting.v_scale
    return {"W": W, "b": b, "V": V}


def draw_inputs(setting: TwoLayerSetting, n: int, generator: torch.Generator) -> torch.Tensor:
    """n inputs from the setting's distribution, on the generator's device (divided by √M when normalised)."""
    if setting.inputs == "gaussian":
        x = torch.randn(n, setting.n_inputs, generator=generator, device=generator.device)
    elif setting.inputs == "uniform":
        x = torch.rand(n, setting.n_inputs, generator=generator, device=generator.device)
    else:
        x = fashion_binary(n)[0]
    return x / math.sqrt(setting.n_inputs) if setting.normalised else x


def activation_rate(params: dict, setting: TwoLayerSetting, probe: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. 14: the fraction of hidden units active, averaged over units and inputs; one value per model.

    For Gaussian inputs the average over x is exact: w·x + b ~ N(b, ‖w‖²), so a unit is active with
    probability Φ(b/‖w‖). Otherwise it is an average over the ``probe`` inputs.
    ``params`` may be stacked (leading model axis) or not.
    """
    W, b = params["W"], params["b"]
    if setting.inputs == "gaussian":
        norms = W.norm(dim=-1).clamp_min(1e-12)
        return torch.special.ndtr(b / norms).mean(dim=-1)
    if probe is None:
        raise ValueError(f"{setting.inputs} inputs need probe inputs to estimate the activation rate")
    pre = torch.einsum("...nm,pm->...pn", W, probe) + b.unsqueeze(-2)
    return (pre > 0).float().mean(dim=(-1, -2))


@dataclass
class TwoLayerRun:
    """Trajectories of a stack of models: arrays (models, steps + 1); ``eta``, ``batch``, ``seed``: (models,).

    ``sq_error`` is the mean of (p − y)² over the examples seen, in blocks of ``block`` steps: the factor
    that, by Eq. 27, sets the strength of the thermophoretic force.
    """

    activation: np.ndarray
    v_norm: np.ndarray
    bias_mean: np.ndarray  # the mean of b over hidden units, every step
    sq_error: np.ndarray
    block: int
    eta: np.ndarray
    batch: np.ndarray
    seed: np.ndarray
    full_batch: bool
    labels: str

    def select(self, **where) -> np.ndarray:
        """Indices of the models whose eta/batch/seed equal the given values."""
        mask = np.ones(len(self.eta), dtype=bool)
        for key, value in where.items():
            mask &= np.isclose(getattr(self, key), value)
        return np.flatnonzero(mask)

    def curves(self, quantity: str, **where) -> np.ndarray:
        """``quantity`` of the models matching ``where``, as (seeds, steps + 1), seeds in increasing order."""
        rows = self.select(**where)
        if len(rows) == 0:
            raise KeyError(f"no model with {where}")
        order = np.argsort(self.seed[rows], kind="stable")
        return getattr(self, quantity)[rows[order]]

    def diverged(self, factor: float = 100.0) -> np.ndarray:
        """Models whose ‖V‖ ended non-finite or more than ``factor`` times its initial value."""
        end = self.v_norm[:, -1]
        return ~np.isfinite(end) | (end > factor * self.v_norm[:, 0])


def make_labels(kind: str, x: torch.Tensor, generator: torch.Generator, teacher: torch.Tensor, centre: float):
    """Random labels (coin flips: nothing to learn) or a teacher's labels 1[u·(x − centre) > 0] (learnable)."""
    if kind == "random":
        return torch.randint(0, 2, x.shape[:-1], generator=generator, device=generator.device).float()
    return ((x - centre) @ teacher > 0).float()


class _ExampleSource:
    """Examples for one seed: a fixed training set sampled with replacement, or a fresh stream (online).

    Every draw comes from CPU generators, so a seed gives the same examples on every device; the trainer moves
    them to its device a chunk (or a training set) at a time.
    """

    def __init__(self, setting: TwoLayerSetting, seed: int, labels: str, n_train: int | None, b_max: int,
                 n_steps: int, chunk: int = 512):
        self.setting, self.labels, self.b_max, self.chunk = setting, labels, b_max, chunk
        self.teacher = torch.randn(setting.n_inputs, generator=torch_generator(seed, 4), device="cpu")
        self.centre = 0.0 if setting.inputs == "gaussian" else 0.5
        self.gen = torch_generator(seed, 1)
        self.n_train = n_train
        if setting.inputs == "fashion_mnist":
            self.x, self.y = fashion_binary(n_train)
        elif n_train is not None:
            self.x = draw_inputs(setting, n_train, self.gen)
            self.y = make_labels(labels, self.x, self.gen, self.teacher, self.centre)
        if n_train is not None:
            self.order = torch.randint(0, n_train, (n_steps, b_max), generator=torch_generator(seed, 2), device="cpu")
        self._start = None

    def batch(self, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``b_max`` examples of step t (a model with batch B uses the first B of them)."""
        if self.n_train is not None:
            idx = self.order[t]
            return self.x[idx], self.y[idx]
        start = self.refill(t)
        return self._x[t - start], self._y[t - start]

    def refill(self, t: int) -> int:
        """Draw the next chunk of fresh examples if step t is not in the current one; return the chunk's first step."""
        if self._start is None or not self._start <= t < self._start + self.chunk:
            self._start = t
            x = draw_inputs(self.setting, self.chunk * self.b_max, self.gen).view(self.chunk, self.b_max, -1)
            self._x, self._y = x, make_labels(self.labels, x, self.gen, self.teacher, self.centre)
        return self._start


def train_two_layer(
    setting: TwoLayerSetting,
    pairs: Sequence[tuple[float, int]],
    seeds: Sequence[int],
    n_steps: int,
    *,
    n_train: int | None = None,
    labels: str = "random",
    full_batch: bool = False,
    n_probe: int = 256,
    block: int = 100,
    quiet: bool = True,
    desc: str = "two-layer nets",
    device: str | torch.device = "cpu",
) -> TwoLayerRun:
    """Train one model per (eta, batch size) pair and seed, all in one stack, recording every step.

    The activation rate is exact for Gaussian inputs and an average over ``n_probe`` inputs otherwise (fresh
    draws, or the first Fashion-MNIST training images).

    ``n_train=None`` streams fresh examples (online SGD on the data distribution); an integer fixes a
    training set sampled with replacement. A seed fixes the initial weights and the examples, so models of
    one seed differ only in eta and batch size. ``full_batch=True`` runs gradient descent on the whole
    training set instead (batch sizes ignored): the noise-free control.

    ``device``: where the stack lives and trains. Initial weights and examples are drawn on the CPU from the
    seed's generators and moved there, so a seed gives the same start and the same examples on every device;
    the trajectories stay on the device and come back to the CPU once, at the end.
    """
    device = torch.device(device)
    pairs, seeds = [(float(e), int(b)) for e, b in pairs], [int(s) for s in seeds]
    if not pairs or not seeds:
        raise ValueError("pairs and seeds must be non-empty")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    if any(not (0 < e < 10) for e, _ in pairs):
        raise ValueError(f"every eta must be in (0, 10), got {[e for e, _ in pairs]}")
    if any(b < 1 or (n_train is not None and b > n_train) for _, b in pairs):
        raise ValueError(f"every batch size must be in [1, n_train={n_train}], got {[b for _, b in pairs]}")
    if n_steps < 1 or (n_train is not None and n_train < 2):
        raise ValueError(f"n_steps must be >= 1 and n_train >= 2, got {n_steps}, {n_train}")
    if full_batch and n_train is None:
        raise ValueError("full-batch gradient descent needs a finite training set (n_train)")
    if labels not in LABELS:
        raise ValueError(f"labels {labels!r} is invalid: expected one of {LABELS}")
    if (labels == "real") != (setting.inputs == "fashion_mnist"):
        raise ValueError("labels 'real' go with Fashion-MNIST inputs, and Fashion-MNIST needs labels 'real'")
    if setting.inputs == "fashion_mnist" and n_train is None:
        raise ValueError("Fashion-MNIST is a fixed training set: give n_train")
    if full_batch:
        pairs = sorted({(e, n_train) for e, _ in pairs})

    combos = [(e, b, s) for s in seeds for e, b in pairs]
    n_models = len(combos)
    eta = torch.tensor([c[0] for c in combos], device=device)
    batch = torch.tensor([c[1] for c in combos], device=device)
    seed_row = torch.tensor([seeds.index(c[2]) for c in combos], device=device)
    b_max = max(c[1] for c in combos)
    sources = [_ExampleSource(setting, s, labels, n_train, b_max, 0 if full_batch else n_steps) for s in seeds]
    inits = [init_two_layer(setting, torch_generator(s, 0)) for s in seeds]
    rows = [seeds.index(c[2]) for c in combos]
    params = {k: torch.stack([inits[i][k] for i in rows]).to(device) for k in inits[0]}
    probe = None
    if setting.inputs != "gaussian":
        probe = draw_inputs(setting, n_probe, torch_generator(seeds[0], 3)).to(device)
    weight = (torch.arange(b_max, device=device)[None, :] < batch[:, None]).float() / batch[:, None].float()
    if n_train is not None:  # a fixed training set per seed, on the device, and its sampling order
        train_x = torch.stack([src.x for src in sources]).to(device)
        train_y = torch.stack([src.y for src in sources]).to(device)
    if full_batch:
        xb, yb = train_x[seed_row], train_y[seed_row]
    elif n_train is not None:
        order = torch.stack([src.order for src in sources]).to(device)  # (seeds, steps, b_max)

    activation = torch.empty((n_models, n_steps + 1), device=device)
    bias_mean = torch.empty((n_models, n_steps + 1), device=device)
    v_norm = torch.empty((n_models, n_steps + 1), device=device)
    n_blocks = -(-n_steps // block)
    sq_error = torch.zeros((n_models, n_blocks), dtype=torch.float64, device=device)

    def record(t: int):
        activation[:, t] = activation_rate(params, setting, probe)
        v_norm[:, t] = params["V"].norm(dim=-1)
        bias_mean[:, t] = params["b"].mean(dim=-1)

    def check_finite(upto: int):  # one host synchronisation per chunk of steps, not per step
        finite = torch.isfinite(v_norm[:, : upto + 1]).all(dim=0).cpu().numpy()
        if not finite.all():
            first = int(np.argmin(finite))
            ok = torch.isfinite(v_norm[:, first]).cpu().numpy()
            bad = sorted({c[:2] for c, good in zip(combos, ok) if not good})
            raise FloatingPointError(f"two-layer training overflowed at step {first} for (eta, batch) in {bad}")

    chunk_x = chunk_y = None
    chunk_start = -1
    with torch.no_grad():
        record(0)
        for t in tqdm(range(n_steps), desc=desc, disable=quiet, mininterval=2.0):
            if n_train is None:  # fresh examples, drawn a chunk of steps at a time and moved to the device
                start = sources[0].refill(t)
                if start != chunk_start:
                    for src in sources[1:]:
                        src.refill(t)
                    chunk_start = start
                    chunk_x = torch.stack([src._x for src in sources]).to(device)
                    chunk_y = torch.stack([src._y for src in sources]).to(device)
                    if t > 0:
                        check_finite(t)
                xb, yb = chunk_x[seed_row, t - start], chunk_y[seed_row, t - start]
            elif not full_batch:
                idx = order[:, t]  # (seeds, b_max)
                gathered_x = torch.stack([train_x[i, idx[i]] for i in range(len(seeds))])
                gathered_y = torch.stack([train_y[i, idx[i]] for i in range(len(seeds))])
                xb, yb = gathered_x[seed_row], gathered_y[seed_row]
            grads, err = stacked_gradient(params, xb, yb, weight, with_sq_error=True)
            sq_error[:, t // block] += (err / min(block, n_steps - (t // block) * block)).double()
            params["W"] -= eta[:, None, None] * grads["W"]
            params["V"] -= eta[:, None] * grads["V"]
            if setting.bias:
                params["b"] -= eta[:, None] * grads["b"]
            record(t + 1)
            if (t + 1) % 512 == 0 and n_train is not None:
                check_finite(t + 1)
        check_finite(n_steps)

    return TwoLayerRun(activation.double().cpu().numpy(), v_norm.double().cpu().numpy(),
                       bias_mean.double().cpu().numpy(), sq_error.cpu().numpy(),
                       block, eta.cpu().numpy().astype(float), batch.cpu().numpy(),
                       np.array([c[2] for c in combos]), full_batch, labels)


# ----------------------------------------------------------------------------------------------------------
# Collapse of curves under rescaled time
# ----------------------------------------------------------------------------------------------------------


def _on_rescaled_axis(curves: np.ndarray, rates: np.ndarray, exponent: float, n_grid: int) -> np.ndarray:
    """Each curve (recorded at steps 0..T) read at rescaled times s = t·(rate/rate_min)^exponent in (0, T]."""
    n_steps = curves.shape[-1] - 1
    grid = np.linspace(0, n_steps, n_grid + 1)[1:]
    ratio = (rates / rates.min()) ** exponent
    steps = np.arange(n_steps + 1)
    return np.stack([np.interp(grid, steps * r, c) for c, r in zip(curves, ratio)])


def collapse_spread(curves: np.ndarray, rates: Sequence[float], exponent: float, n_grid: int = 200) -> float:
    """How far apart curves stay when time is rescaled by rate^exponent: 0 when they coincide.

    ``curves`` is (n_rates, steps + 1) (seed means) or (n_rates, n_seeds, steps + 1). Time is measured in
    steps of the slowest curve, so every curve covers the same window (0, T]. The spread is the RMS
    deviation of the curves from their mean over the window, divided by how much the slowest curve
    changes over it; it is comparable across exponents and across quantities.
    """
    curves, rates = np.asarray(curves, float), np.asarray(rates, float)
    if curves.ndim == 3:
        curves = curves.mean(axis=1)
    if curves.ndim != 2 or len(rates) != len(curves) or len(rates) < 2:
        raise ValueError("need at least two curves, one rate per curve")
    if np.any(rates <= 0):
        raise ValueError(f"rates must be positive, got {rates}")
    values = _on_rescaled_axis(curves, rates, exponent, n_grid)
    slowest = curves[np.argmin(rates)]
    change = abs(slowest[-1] - slowest[0])
    if change == 0:
        return float("inf")
    return float(np.sqrt(np.mean((values - values.mean(axis=0)) ** 2)) / change)


@dataclass(frozen=True)
class CollapseExponent:
    """The exponent p that makes curves collapse best on t·rate^p, with a bootstrap interval over seeds."""

    exponent: float
    ci: tuple[float, float]
    spread: float  # the spread at the best exponent
    spreads: dict  # spread at a few reference exponents, e.g. {0: ..., 1: ..., 2: ...}

    def decidable(self, width: float = 1.0) -> bool:
        """An interval narrower than ``width`` can tell neighbouring integer exponents apart."""
        return self.ci[1] - self.ci[0] < width

    def label(self) -> str:
        return f"p = {self.exponent:.2f} [{self.ci[0]:.2f}, {self.ci[1]:.2f}]"


def _argmin_exponent(curves: np.ndarray, rates: np.ndarray, bounds: tuple[float, float], n_grid: int) -> float:
    from scipy.optimize import minimize_scalar

    coarse = np.arange(bounds[0], bounds[1] + 1e-9, 0.2)
    spreads = [collapse_spread(curves, rates, p, n_grid) for p in coarse]
    best = coarse[int(np.argmin(spreads))]
    lo, hi = max(bounds[0], best - 0.2), min(bounds[1], best + 0.2)
    found = minimize_scalar(lambda p: collapse_spread(curves, rates, p, n_grid), bounds=(lo, hi), method="bounded",
                            options={"xatol": 1e-3})
    return float(found.x) if found.fun <= min(spreads) else float(best)


def best_collapse_exponent(curves: np.ndarray, rates: Sequence[float], *, rng: np.random.Generator,
                           bounds: tuple[float, float] = (0.0, 4.0), n_boot: int = 200, level: float = 0.95,
                           n_grid: int = 200, reference: Sequence[float] = (0.0, 1.0, 2.0)) -> CollapseExponent:
    """The exponent minimising :func:`collapse_spread`, and a percentile bootstrap interval.

    ``curves`` is (n_rates, n_seeds, steps + 1); seeds are paired across rates (same initialisation and
    examples), so the bootstrap resamples whole seeds.
    """
    curves, rates = np.asarray(curves, float), np.asarray(rates, float)
    if curves.ndim != 3 or curves.shape[1] < 2:
        raise ValueError("curves must be (n_rates, n_seeds >= 2, steps + 1)")
    best = _argmin_exponent(curves.mean(axis=1), rates, bounds, n_grid)
    n_seeds = curves.shape[1]
    draws = [_argmin_exponent(curves[:, rng.integers(0, n_seeds, n_seeds)].mean(axis=1), rates, bounds, n_grid)
             for _ in range(n_boot)]
    lo, hi = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2])
    spreads = {float(p): collapse_spread(curves, rates, p, n_grid) for p in reference}
    return CollapseExponent(best, (float(lo), float(hi)), collapse_spread(curves, rates, best, n_grid), spreads)


# ----------------------------------------------------------------------------------------------------------
# The inhomogeneous random walk of Eqs. 4 and 8
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mobility:
    """The noise amplitude g(q) of the walk q ← q − η g(q) ζ, its derivative, and y(q) = ∫ dq / g.

    In the coordinate y the walk's steps have the same size ±η everywhere, so any drift of y is the
    thermophoretic one; ``linear`` and ``exponential`` give closed forms of all three.
    """

    g: Callable[[np.ndarray], np.ndarray]
    dg: Callable[[np.ndarray], np.ndarray]
    y: Callable[[np.ndarray], np.ndarray]
    name: str

    @staticmethod
    def linear(a: float, b: float) -> Mobility:
        """g(q) = a + b q (keep it positive on the region explored)."""
        if b == 0:
            raise ValueError("a linear mobility needs b != 0 (b = 0 is the homogeneous walk)")
        return Mobility(lambda q: a + b * q, lambda q: np.full_like(np.asarray(q, float), b),
                        lambda q: np.log(a + b * q) / b, f"g(q) = {a:g} + {b:g} q")

    @staticmethod
    def exponential(g0: float, k: float) -> Mobility:
        """g(q) = g0 exp(k q)."""
        if g0 <= 0 or k == 0:
            raise ValueError("an exponential mobility needs g0 > 0 and k != 0")
        return Mobility(lambda q: g0 * np.exp(k * q), lambda q: g0 * k * np.exp(k * q),
                        lambda q: -np.exp(-k * q) / (g0 * k), f"g(q) = {g0:g} exp({k:g} q)")


def soret_velocity(mobility: Mobility, q: float, eta: float) -> float:
    """Eq. 11 of the paper for one coordinate: c = −η² g(q) g'(q) / 2, the drift towards smaller g."""
    return float(-(eta**2) * mobility.g(q) * mobility.dg(q) / 2)


def simulate_walk(mobility: Mobility, q0: float, etas: Sequence[float], n_walkers: int, n_steps: int, *,
                  rng: np.random.Generator, record_every: int = 1, box: tuple[float, float] | None = None) -> np.ndarray:
    """Walkers q ← q − η g(q) ζ with ζ = ±1 (Eq. 8), every eta at once; positions (n_etas, records, walkers).

    Records are taken at steps 0, record_every, 2·record_every, … ≤ n_steps. With ``box`` the walls reflect.
    """
    etas = np.asarray(etas, float)
    if n_walkers < 1 or n_steps < 1 or record_every < 1:
        raise ValueError("n_walkers, n_steps and record_every must be >= 1")
    if np.any(etas <= 0):
        raise ValueError(f"etas must be positive, got {etas}")
    if box is not None and not box[0] < q0 < box[1]:
        raise ValueError(f"q0 = {q0} must lie inside the box {box}")
    q = np.full((len(etas), n_walkers), float(q0))
    records = [q.copy()]
    for t in range(1, n_steps + 1):
        zeta = rng.integers(0, 2, size=q.shape) * 2 - 1
        q = q - etas[:, None] * mobility.g(q) * zeta
        if box is not None:
            lo, hi = box
            q = np.where(q < lo, 2 * lo - q, q)
            q = np.where(q > hi, 2 * hi - q, q)
            q = np.clip(q, lo, hi)
        if not np.isfinite(q).all():
            raise FloatingPointError(f"the random walk left the region where g is finite at step {t}")
        if t % record_every == 0:
            records.append(q.copy())
    return np.stack(records, axis=1)


def measured_drift(positions: np.ndarray, mobility: Mobility, q0: float, record_every: int = 1) -> np.ndarray:
    """Drift per step of the walkers, in q units at q0: g(q0) · slope of the mean of y(q) over time.

    ``positions`` is (n_etas, records, walkers) from :func:`simulate_walk` (started at q0, no walls).
    """
    times = np.arange(positions.shape[1]) * record_every
    mean_y = mobility.y(positions).mean(axis=-1)  # (n_etas, records)
    slopes = np.polyfit(times, (mean_y - mobility.y(np.asarray(q0))).T, 1)[0]
    return slopes * mobility.g(q0)


def stationary_exponent(positions: np.ndarray, mobility: Mobility, box: tuple[float, float], n_bins: int = 20):
    """Fit the stationary density as ρ ∝ g^(−α): returns the power-law fit of ρ against g (exponent −α)."""
    from thermo_utils.core.fitting import power_law_fit

    counts, edges = np.histogram(np.ravel(positions), bins=n_bins, range=box, density=True)
    centres = (edges[:-1] + edges[1:]) / 2
    keep = counts > 0
    return power_law_fit(mobility.g(centres[keep]), counts[keep])


# ----------------------------------------------------------------------------------------------------------
# Sweep points and plots used by the chapter
# ----------------------------------------------------------------------------------------------------------


def two_layer_point(n_inputs: int, n_hidden: int, bias: bool, inputs: str, pairs: list, seeds: list, n_steps: int,
                    n_train: int | None = None, labels: str = "random", full_batch: bool = False,
                    device: str = "cpu", v_scale: float = 1.0, normalised: bool = False) -> TwoLayerRun:
    """One stacked two-layer run from JSON-able arguments (a point of :func:`thermo_utils.harness.sweep.run_sweep`).

    ``device`` is a string (cpu, cuda, auto) so that it is part of the point's cache key.
    """
    setting = TwoLayerSetting(n_inputs, n_hidden, bias, inputs, v_scale=v_scale, normalised=normalised)
    with single_thread():
        return train_two_layer(setting, [tuple(p) for p in pairs], seeds, n_steps, n_train=n_train, labels=labels,
                               full_batch=full_batch, device=resolve_device(device))


def walk_point(etas: list, n_walkers: int, n_steps: int, seed: int) -> dict:
    """The two random-walk measurements of the chapter, from JSON-able arguments.

    Drift: walkers from q0 = 0 with g(q) = 1 + q (a geometric walk of g), each eta run for ``n_steps``·
    (eta_min/eta)² steps so that every eta diffuses over the same distance. Stationary density: g(q) = 0.5 + q
    in the reflecting box [0, 1] at the largest eta, sampled over the second half of the run.
    """
    rng = np.random.default_rng([seed, 7])
    drift_mobility = Mobility.linear(1.0, 1.0)
    drifts = []
    for eta in etas:
        steps = max(10, int(round(n_steps * (min(etas) / eta) ** 2)))
        every = max(1, steps // 50)
        pos = simulate_walk(drift_mobility, 0.0, [eta], n_walkers, steps, rng=rng, record_every=every)
        drifts.append(float(measured_drift(pos, drift_mobility, 0.0, every)[0]))
    predicted = [soret_velocity(drift_mobility, 0.0, eta) for eta in etas]
    box, box_mobility, box_eta = (0.0, 1.0), Mobility.linear(0.5, 1.0), float(max(etas))
    relax = int(4 / box_eta**2)  # about five relaxation times of the box (slowest rate ≈ η²/(0.8))
    pos = simulate_walk(box_mobility, 0.5, [box_eta], n_walkers, 2 * relax, rng=rng, record_every=max(1, relax // 20),
                        box=box)[0]
    stationary = pos[pos.shape[0] // 2:]
    return {"etas": np.asarray(etas, float), "drift": np.array(drifts), "predicted": np.array(predicted),
            "box_eta": box_eta, "box_samples": stationary[:, : min(n_walkers, 20000)].ravel()}


def plot_rescaled(axes, curves: np.ndarray, rates: Sequence[float], exponents: Sequence[float], labels: Sequence[str],
                  xlabels: Sequence[str], ylabel: str, every: int = 1) -> None:
    """Seed means (lines) and their range over seeds (bands) of each curve against t·(rate/rate_min)^exponent,
    one panel per exponent. ``curves`` is (n_rates, n_seeds, records); records are ``every`` steps apart."""
    rates = np.asarray(rates, float)
    n_records = curves.shape[-1]
    for ax, exponent, xlabel in zip(axes, exponents, xlabels):
        for c, rate, label in zip(curves, rates, labels):
            t = np.arange(n_records) * every * (rate / rates.min()) ** exponent
            keep = t <= (n_records - 1) * every
            ax.plot(t[keep], c.mean(axis=0)[keep], label=label, lw=1.4)
            ax.fill_between(t[keep], c.min(axis=0)[keep], c.max(axis=0)[keep], alpha=0.2, lw=0)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    axes[0].legend()


def eta_curves(run: TwoLayerRun, quantity: str, etas: Sequence[float]) -> np.ndarray:
    """``quantity`` of the batch-1 models of ``run`` for each eta: an array (etas, seeds, steps + 1)."""
    return np.stack([run.curves(quantity, eta=e, batch=1) for e in etas])


def batch_curves(run: TwoLayerRun, quantity: str, eta: float, batches: Sequence[int]) -> np.ndarray:
    """``quantity`` of the models of ``run`` at learning rate ``eta`` for each batch size: (batches, seeds, steps + 1)."""
    return np.stack([run.curves(quantity, eta=eta, batch=b) for b in batches])


def exponent_measured(c: CollapseExponent) -> dict:
    """What a collapse-exponent claim is judged on: the best exponent, its interval, the reference spreads."""
    return {"exponent": c.exponent, "ci_low": c.ci[0], "ci_high": c.ci[1],
            **{f"spread_p{k:g}": v for k, v in c.spreads.items()}}


FALLS_KEYS = ("ci_low_max", "ci_high_max", "n_seeds", "mean_change")


def falls_measured(change: dict) -> dict:
    """The part of a :func:`change_measured` record that the "it falls" claims read."""
    return {k: change[k] for k in FALLS_KEYS}


def change_measured(curves: np.ndarray, log: bool = False, level: float = 0.95) -> dict:
    """How a quantity changed from the first to the last record, per rate, with seed-variance intervals.

    ``curves`` is (n_rates, n_seeds, records). For each rate the per-seed change (end − start, or log(end/start)
    with ``log``) gets a Student-t interval over seeds. Returns the mean change per rate and the largest lower and
    upper bounds over rates: every rate fell when ``ci_high_max < 0``, some rate rose when ``ci_low_max > 0``,
    every rate rose when ``ci_low_min > 0``; ``resolved``: every interval excludes 0.
    """
    from scipy import stats

    curves = np.asarray(curves, float)
    start, end = curves[..., 0], curves[..., -1]
    change = np.log(end / start) if log else end - start  # (rates, seeds)
    n = change.shape[1]
    if n < 2:
        raise ValueError("a seed interval needs at least two seeds")
    mean = change.mean(axis=1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * change.std(axis=1, ddof=1) / np.sqrt(n)
    low, high = mean - half, mean + half
    return {"mean_change": mean, "ci_low_max": float(np.max(low)), "ci_high_max": float(np.max(high)),
            "ci_low_min": float(np.min(low)), "resolved": bool(np.all((high < 0) | (low > 0))), "n_seeds": int(n)}


def exponent_measured_full(c: CollapseExponent, curves: np.ndarray, rates: Sequence[float]) -> dict:
    """:func:`exponent_measured` plus the number of seeds and the relative change of the slowest curve's seed mean
    (the signal the collapse is read from)."""
    curves, rates = np.asarray(curves, float), np.asarray(rates, float)
    slowest = curves[int(np.argmin(rates))].mean(axis=0)
    return exponent_measured(c) | {"n_seeds": int(curves.shape[1]),
                                   "rel_change": float(abs(slowest[-1] - slowest[0]) / abs(slowest[0]))}
