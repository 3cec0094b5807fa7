"""Statistical algorithmic stability: time-averaged losses of twin trainings on S and S′.

Chandramoorthy et al. (NeurIPS 2022) replace the final weights by the long-run time average of each
example's loss, ⟨ℓ_z⟩_S = lim (1/T) Σ_t ℓ(z, w_t), which can exist when the weights never settle. Their
stability coefficient compares these averages between training sets that differ in one example:
β = sup_z |⟨ℓ_z⟩_S − ⟨ℓ_z⟩_S′|, and β bounds the generalization gap of the time-averaged risk.

Here many small MLPs are trained at once with stacked parameters (batched matrix products, the gradient
written out): for each setting (learning rate, batch size, training-set size) a *base* model on S and ``n_twins`` *twins*
on S′_k, where one training example i_k of S is swapped for a fresh example z′_k. Every model starts from
the same weights and reads the same stream of uniform numbers for its minibatches, so a base and its
twins see the same batch positions: the only difference between them is the swapped example. Two more
kinds of model give the references: *null* runs train on the same S from other initial weights with another
stream of minibatches (another seed: the noise floor of every time-average difference, and the inter-run
distance), and a *perturbed* run repeats the base with its initial weights moved by a tiny relative amount
(linear instability). Settings may also carry their own weight decay and a label-noise fraction (every probe's
label resampled with that probability: another distribution D, at the same learning rate and batch), and an
ensemble may use full-batch gradient descent (the convergent regime, where SAS must reduce to classical stability).

During a constant-rate tail, the clipped per-example losses of a fixed probe set (the training pool, the
fresh examples, held-out test examples) are accumulated into block sums (for time averages and their
standard errors), a few test probes are traced densely (for the loss autocorrelation), and the weights'
displacement, the twins' weight distance and the one-snapshot ("classical") stability are recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from thermo_utils.core.seeding import numpy_rng, torch_generator
from thermo_utils.core.threads import single_thread


class DivergenceError(RuntimeError):
    """Training produced non-finite weights or losses; the message names the setting."""


def device_generator(seed: int, *stream: int, device="cpu") -> torch.Generator:
    """The generator of :func:`torch_generator` (same seed derivation), living on ``device``: on the CPU it is
    exactly ``torch_generator(seed, *stream)``, so CPU numbers do not depend on whether a GPU exists."""
    device = torch.device(device)
    if device.type == "cpu":
        return torch_generator(seed, *stream)
    derived = int(np.random.SeedSequence([seed, *stream]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator(device=device).manual_seed(derived)

# ---------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class TwinData:
    """Probe examples in one array: the training pool, then the fresh replacements, then test examples."""

    x: torch.Tensor  # (P, d) float32, standardised
    y: torch.Tensor  # (P,) int64
    n_pool: int
    n_fresh: int
    n_test: int

    @property
    def fresh_slice(self) -> slice:
        return slice(self.n_pool, self.n_pool + self.n_fresh)

    @property
    def test_slice(self) -> slice:
        return slice(self.n_pool + self.n_fresh, self.n_pool + self.n_fresh + self.n_test)


def noisy_labels(y: torch.Tensor, fraction: float, seed: int, classes: int = 10) -> torch.Tensor:
    """``y`` with each label replaced, with probability ``fraction``, by a class drawn uniformly (it may be the
    same class): labels from the distribution D_p of a label-noise setting. One draw per (seed, fraction), so a
    setting gets the same labels in whatever ensemble it is trained; fraction 0 returns ``y`` without a draw."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"label-noise fraction must be in [0, 1), got {fraction}")
    if fraction == 0.0:
        return y
    rng = numpy_rng(seed, 109, int(round(fraction * 1e6)))
    resample = rng.random(len(y)) < fraction
    drawn = rng.integers(0, classes, size=len(y))
    out = y.cpu().numpy().copy()
    out[resample] = drawn[resample]
    return torch.as_tensor(out, device=y.device)


def downsample(images: np.ndarray, side: int) -> np.ndarray:
    """Average-pool (n, 28, 28) uint8 images to (n, side·side) floats in [0, 1] (side must divide 28)."""
    full = images.shape[-1]
    if side < 1 or full % side:
        raise ValueError(f"side must divide {full}, got {side}")
    k = full // side
    x = images.astype(np.float32).reshape(len(images), side, k, side, k).mean(axis=(2, 4)) / 255.0
    return x.reshape(len(images), side * side)


def mnist_twin_data(n_pool: int, n_fresh: int, n_test: int, side: int, seed: int, device="cpu") -> TwinData:
    """An MNIST subset: ``n_pool`` training examples (S is a prefix of them), ``n_fresh`` other training
    examples (the z′ that replace one example of S), ``n_test`` examples of the test split (fresh draws from
    D, used to estimate the risk). Pixels are standardised with the pool's mean and standard deviation."""
    from thermo_utils.core.datasets import load_dataset

    data = load_dataset("mnist")
    if n_pool + n_fresh > len(data.train_labels) or n_test > len(data.test_labels):
        raise ValueError("asked for more MNIST examples than the dataset holds")
    order = numpy_rng(seed, 101).permutation(len(data.train_labels))[: n_pool + n_fresh]
    test_order = numpy_rng(seed, 102).permutation(len(data.test_labels))[:n_test]
    x = downsample(np.concatenate([data.train_images[order], data.test_images[test_order]]), side)
    mean, std = x[:n_pool].mean(), x[:n_pool].std()
    x = (x - mean) / std
    y = np.concatenate([data.train_labels[order], data.test_labels[test_order]]).astype(np.int64)
    return TwinData(torch.from_numpy(x).to(device), torch.from_numpy(y).to(device), n_pool, n_fresh, n_test)


# ---------------------------------------------------------------------------------------------------
# Stacked models


class MLP(nn.Module):
    """d → hidden (ReLU) → 10: small enough to train dozens at once on a CPU. ``hidden=0`` is the linear softmax
    model d → 10, whose L2-regularised loss is strongly convex, so that gradient descent converges."""

    def __init__(self, d: int, hidden: int, classes: int = 10):
        super().__init__()
        if hidden < 0:
            raise ValueError(f"hidden must be >= 0, got {hidden}")
        self.hidden = nn.Linear(d, hidden) if hidden else None
        self.out = nn.Linear(hidden or d, classes)

    def forward(self, x):
        return self.out(x if self.hidden is None else torch.relu(self.hidden(x)))


def init_stacked(model: nn.Module, n_models: int, generator: torch.Generator, same: bool = True,
                 device="cpu") -> dict:
    """Stacked parameters (leading axis = model), uniform in ±1/sqrt(fan_in) like torch's default init.
    ``same=True``: every model starts from the same draw (twins must). The draw is made where ``generator``
    lives (the same numbers on every device when it is a CPU generator) and the result is put on ``device``."""
    params = {}
    for name, p in model.named_parameters():
        fan_in = p.shape[1] if p.dim() > 1 else model.get_parameter(name.replace("bias", "weight")).shape[1]
        bound = 1.0 / math.sqrt(fan_in)
        shape = (1 if same else n_models, *p.shape)
        draw = (torch.rand(shape, generator=generator, device=generator.device) * 2 - 1) * bound
        params[name] = draw.expand(n_models, *p.shape).clone().to(device)
    return params


def _stacked_forward(params: dict, x: torch.Tensor):
    """Hidden pre-activations (None for the linear model), hidden activations (or x) and logits of every model,
    all class- or unit-major: (M, units, examples). ``x`` is (M, B, d), one batch per model, or (P, d), shared.
    The softmax then runs over a middle axis: on a CPU, log_softmax over a last axis of 10 classes was 14x
    slower and took most of a training step."""
    x_t = x.transpose(-1, -2)
    if "hidden.weight" in params:
        pre = torch.matmul(params["hidden.weight"], x_t) + params["hidden.bias"][:, :, None]
        act = pre.clamp_min(0)
    else:
        pre, act = None, x_t.expand(params["out.weight"].shape[0], *x_t.shape[-2:])
    logits = torch.matmul(params["out.weight"], act) + params["out.bias"][:, :, None]
    return pre, act, logits


def stacked_losses(params: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example cross-entropy of every stacked :class:`MLP` on shared examples x (P, d): (M, P). The labels
    ``y`` are shared (P,) or one row per model (M, P) (label-noise settings see other labels)."""
    _, _, logits = _stacked_forward(params, x)
    log_p = torch.log_softmax(logits, dim=1)
    labels = y.expand(len(log_p), -1) if y.dim() == 1 else y
    return -log_p.gather(1, labels[:, None, :]).squeeze(1)


def flatten_stacked(params: dict) -> torch.Tensor:
    return torch.cat([p.reshape(p.shape[0], -1) for p in params.values()], dim=1)


def stacked_sgd_step(model: nn.Module, weight_decay):
    """A function (params, xb, yb, weights, lr) → (new params, batch losses) doing one SGD step for every
    model at once: xb (M, B, d), yb (M, B), weights (M, B) summing to 1 per model, lr (M,); ``weight_decay``
    is one number or one per model (M,). ``model`` is an :class:`MLP` (one hidden ReLU layer, or none).
    The gradient of the weighted cross-entropy is written out (softmax minus one-hot, back through the two
    layers) in batched matrix products: 3-4x faster per step on a CPU than ``vmap`` over autograd, whose batching
    rules for the cross-entropy dominated (benchmarks/sas_twin_vectorised.py); a test compares it with
    ``torch.optim.SGD``."""
    if not isinstance(model, MLP):
        raise TypeError(f"stacked_sgd_step trains the MLP of this module, got {type(model).__name__}")

    def step(params, xb, yb, weights, lr):
        pre, act, logits = _stacked_forward(params, xb)
        log_p = torch.log_softmax(logits, dim=1)
        losses = -(log_p.gather(1, yb[:, None, :]).squeeze(1) * weights).sum(1)
        g_logits = log_p.exp()  # (M, classes, B): softmax − one-hot, times each example's weight
        g_logits.scatter_add_(1, yb[:, None, :], -torch.ones_like(g_logits[:, :1]))
        g_logits *= weights[:, None, :]
        grads = {"out.weight": torch.bmm(g_logits, act.transpose(1, 2)), "out.bias": g_logits.sum(2)}
        if pre is not None:
            g_pre = torch.bmm(params["out.weight"].transpose(1, 2), g_logits) * (pre > 0)
            grads["hidden.weight"] = torch.bmm(g_pre, xb)
            grads["hidden.bias"] = g_pre.sum(2)
        new = {}
        for name, p in params.items():
            rate = lr.view(-1, *[1] * (p.dim() - 1))
            decay = weight_decay.view(-1, *[1] * (p.dim() - 1)) if torch.is_tensor(weight_decay) else weight_decay
            new[name] = p - rate * (grads[name] + decay * p)
        return new, losses

    return step


# ---------------------------------------------------------------------------------------------------
# Layout of a twin ensemble


BASE, TWIN, NULL, PERTURBED = 0, 1, 2, 3
ROLES = ("base", "twin", "null", "perturbed")


@dataclass(frozen=True)
class TwinLayout:
    """One row per model: its setting, learning rate, training-set size, weight decay, label noise, role, and
    which example it swaps. Roles: base (S), twin (S′_k), null (S from another seed), perturbed (S, base's
    initial weights moved by a tiny amount)."""

    lr: np.ndarray  # (M,)
    batch: np.ndarray  # (M,) batch size
    n: np.ndarray  # (M,) training-set size
    setting: np.ndarray  # (M,) index of the setting
    base_of: np.ndarray  # (M,) index of the setting's base model (itself for a base)
    replaced: np.ndarray  # (M,) position in S of the swapped example, −1 unless a twin
    fresh: np.ndarray  # (M,) which fresh example replaces it, −1 unless a twin
    wd: np.ndarray  # (M,) weight decay
    role: np.ndarray  # (M,) BASE, TWIN, NULL or PERTURBED
    label_noise: np.ndarray  # (M,) fraction of resampled labels (0: MNIST's labels)

    @property
    def is_twin(self) -> np.ndarray:
        return self.replaced >= 0

    @property
    def bases(self) -> np.ndarray:
        return np.flatnonzero(self.role == BASE)


def twin_layout(settings, n_twins: int, seed: int, n_null: int = 0, perturbed: bool = False,
                weight_decay: float = 0.0) -> TwinLayout:
    """Every setting (lr, batch, n[, weight decay[, label noise]]) gets a base model, ``n_twins`` twins,
    ``n_null`` null runs and (if ``perturbed``) one perturbed run, in that order. Twin k of every setting
    swaps the same fresh example z′_k into S at a position drawn uniformly in [0, n) (one draw per n and k).
    Settings without their own weight decay use ``weight_decay``; without a label-noise fraction, 0. A label-noise
    setting gets no null or perturbed runs: only the mixing claims read it, from its base and twins."""
    if n_twins < 1 or n_null < 0:
        raise ValueError("n_twins must be at least 1 and n_null at least 0")
    rows = []
    for setting, point in enumerate(settings):
        if len(point) not in (3, 4, 5):
            raise ValueError(f"setting {setting}: expected (lr, batch, n[, weight decay[, label noise]]), got {point}")
        lr, batch, n = point[:3]
        wd = float(point[3]) if len(point) >= 4 else float(weight_decay)
        noise = float(point[4]) if len(point) == 5 else 0.0
        if lr <= 0 or not 1 <= batch <= n or wd < 0 or not 0 <= noise < 1:
            raise ValueError(f"setting {setting}: need lr > 0, 1 <= batch <= n, weight decay >= 0 and label noise in "
                             f"[0, 1), got {point}")
        positions = numpy_rng(seed, 103, int(n)).choice(int(n), size=n_twins, replace=False)
        base = len(rows)
        rows.append((lr, batch, n, setting, base, -1, -1, wd, BASE, noise))
        rows += [(lr, batch, n, setting, base, int(positions[k]), k, wd, TWIN, noise) for k in range(n_twins)]
        rows += [(lr, batch, n, setting, base, -1, -1, wd, NULL, noise)] * (0 if noise else n_null)
        rows += [(lr, batch, n, setting, base, -1, -1, wd, PERTURBED, noise)] * int(perturbed and not noise)
    cols = list(zip(*rows))
    return TwinLayout(np.array(cols[0], float), np.array(cols[1], int), np.array(cols[2], int),
                      np.array(cols[3], int), np.array(cols[4], int), np.array(cols[5], int),
                      np.array(cols[6], int), np.array(cols[7], float), np.array(cols[8], int),
                      np.array(cols[9], float))


def training_index_map(layout: TwinLayout, data: TwinData, device="cpu") -> torch.Tensor:
    """(M, n_max) indices into the probe array: row m lists S (or S′) of model m in its first n_m entries."""
    n_max = int(layout.n.max())
    index = torch.arange(n_max, device=device).repeat(len(layout.n), 1)
    for m in np.flatnonzero(layout.is_twin):
        index[m, layout.replaced[m]] = data.n_pool + int(layout.fresh[m])
    return index


def training_weights(layout: TwinLayout, data: TwinData, device="cpu") -> torch.Tensor:
    """(M, P) weights 1/n_m on the probes that form model m's training set: R̂ = (losses · weights).sum(1)."""
    weights = torch.zeros(len(layout.n), len(data.y), device=device)
    index = training_index_map(layout, data, device)
    for m, n in enumerate(layout.n):
        weights[m, index[m, :n]] = 1.0 / n
    return weights


# ---------------------------------------------------------------------------------------------------
# Training


def train_twin_ensemble(**kwargs) -> dict:
    """Train every model of ``twin_layout(settings, n_twins, ...)`` together (see :func:`_train_twin_ensemble`)."""
    with single_thread():
        return _train_twin_ensemble(**kwargs)


def _train_twin_ensemble(*, settings, n_twins: int, hidden: int, side: int, weight_decay: float,
                         burn_in_steps: int, tail_steps: int, average_every: int, trace_every: int, n_blocks: int,
                         n_test: int, n_trace: int, loss_cap: float, seed: int, progress: bool = False,
                         n_null: int = 0, perturbation: float = 0.0, full_batch: bool = False,
                         pool_size: int | None = None, device: str = "cpu") -> dict:
    """Train every model of ``twin_layout(settings, n_twins, seed, n_null, perturbation > 0, weight_decay)``
    together with constant-rate SGD, each setting being (learning rate, batch size, training-set size[, weight
    decay[, label-noise fraction]]), and return the tail's records as NumPy arrays (see the module docstring).
    Minibatches are drawn with replacement: at each step one stream of uniform numbers u_1..u_Bmax is shared by all models but the
    null runs (which read a stream of their own); model m uses positions ⌊u_j·n_m⌋ for j ≤ B_m. With
    ``full_batch`` every step uses all of each model's n examples (gradient descent; the batch sizes are ignored).
    ``hidden=0`` trains the linear softmax model (convex).
    The perturbed run starts from the base's weights times (1 + perturbation·ξ), ξ standard normal.
    ``pool_size`` (default: the largest n) is the number of pool examples S is drawn from; the groups of
    :func:`split_settings` all get the largest n of the whole ensemble, so that a setting's models come out the same
    whether it is trained alone or with others (every draw is per setting, per twin or per null index).
    A label-noise setting trains and is scored on :func:`noisy_labels` (its S, S′ and held-out probes all from D_p).
    Raises DivergenceError naming the setting. Every tensor lives on ``device`` (a string: cpu, cuda, auto);
    the initial weights are drawn on the CPU, so they are the same on every device."""
    from tqdm.auto import tqdm

    from thermo_utils.core.device import resolve_device

    dev = resolve_device(device)
    records = tail_steps // average_every
    if records < 2 * n_blocks or n_blocks < 4 or records % n_blocks:
        raise ValueError(f"need n_blocks >= 4 dividing the records, at least 2 per block: tail_steps // "
                         f"average_every = {records}, n_blocks = {n_blocks}")
    if burn_in_steps % average_every or tail_steps % average_every or average_every % trace_every:
        raise ValueError("burn_in_steps and tail_steps must be multiples of average_every, and average_every of "
                         "trace_every")
    if n_trace > n_test:
        raise ValueError(f"n_trace ({n_trace}) must not exceed n_test ({n_test})")
    if perturbation < 0:
        raise ValueError(f"perturbation must be >= 0, got {perturbation}")
    layout = twin_layout(settings, n_twins, seed, n_null=n_null, perturbed=perturbation > 0, weight_decay=weight_decay)
    pool = int(layout.n.max()) if pool_size is None else int(pool_size)
    if pool < layout.n.max():
        raise ValueError(f"pool_size ({pool}) must be at least the largest n ({layout.n.max()})")
    data = mnist_twin_data(pool, n_twins, n_test, side, seed, device=dev)
    M = len(layout.n)
    labels_of = {p: noisy_labels(data.y, p, seed) for p in np.unique(layout.label_noise)}
    model_y = torch.stack([labels_of[p] for p in layout.label_noise])  # (M, P)
    n_max = int(layout.n.max())
    batch_max = n_max if full_batch else int(layout.batch.max())
    sizes = layout.n if full_batch else layout.batch
    batch_mask = (torch.arange(batch_max, device=dev)[None, :] < torch.as_tensor(sizes, device=dev)[:, None]).float()
    batch_mask /= batch_mask.sum(1, keepdim=True)
    model = MLP(side * side, hidden).to(dev)
    params = init_stacked(model, M, torch_generator(seed, 104), device=dev)
    role = torch.as_tensor(layout.role, device=dev)
    is_null = role == NULL
    null_index = np.zeros(M, dtype=int)  # k for the k-th null run of its setting: its own initial draw
    for setting in np.unique(layout.setting):
        nulls = (layout.setting == setting) & (layout.role == NULL)
        null_index[nulls] = np.arange(nulls.sum())
    for k in range(n_null):
        other = init_stacked(model, 1, torch_generator(seed, 106, k), device=dev)
        chosen = torch.as_tensor((layout.role == NULL) & (null_index == k), device=dev)
        for name in params:
            params[name][chosen] = other[name][0]
    if perturbation > 0:
        g = torch_generator(seed, 108)
        for name, p in params.items():
            xi = torch.randn(p.shape[1:], generator=g, device="cpu").to(dev)
            params[name][role == PERTURBED] = p[role == PERTURBED] * (1 + perturbation * xi)
    batch_stream = device_generator(seed, 105, device=dev)
    null_stream = device_generator(seed, 107, device=dev)
    index = training_index_map(layout, data, dev)
    train_w = training_weights(layout, data, dev)
    n_col = torch.as_tensor(layout.n, dtype=torch.float32, device=dev)[:, None]
    lr = torch.as_tensor(layout.lr, dtype=torch.float32, device=dev)
    wd = torch.as_tensor(layout.wd, dtype=torch.float32, device=dev)
    base_of = torch.as_tensor(layout.base_of, device=dev)
    traced = torch.as_tensor(layout.bases, device=dev)
    trace_idx = torch.arange(data.test_slice.start, data.test_slice.start + n_trace, device=dev)
    trace_y = model_y[traced][:, trace_idx]  # each traced base's labels of the traced probes
    full_rows = index[:, :batch_max] if full_batch else None

    sgd_step = stacked_sgd_step(model, wd)

    def check(where: str, values: torch.Tensor):
        bad = ~torch.isfinite(values).reshape(len(values), -1).all(dim=1)
        if bad.any():
            m = int(torch.nonzero(bad)[0])
            raise DivergenceError(f"training diverged ({where}) at lr={layout.lr[m]:g}, batch={layout.batch[m]}, "
                                  f"n={layout.n[m]}, weight_decay={layout.wd[m]:g}: lower the learning rate")

    P = len(data.y)
    block_sums = torch.zeros(M, P, n_blocks, dtype=torch.float64, device=dev)
    block_counts = np.zeros(n_blocks)
    cumulative = torch.zeros(M, P, dtype=torch.float64, device=dev)
    trace = []
    series = {k: [] for k in ("train_risk", "test_risk", "snapshot_beta", "running_beta", "displacement",
                              "twin_distance", "velocity", "minibatch_loss")}
    start_weights = flatten_stacked(params)
    weight_sum = torch.zeros_like(start_weights, dtype=torch.float64)
    weight_sq = torch.zeros(M, dtype=torch.float64, device=dev)
    tail_start = previous = start_weights if burn_in_steps == 0 else None
    burn_curve = {"step": [], "minibatch_loss": [], "displacement": [], "twin_distance": []}
    window_loss = torch.zeros(M, device=dev)
    bar = tqdm(range(burn_in_steps + tail_steps), desc="twin training", disable=not progress, mininterval=2.0)
    with torch.no_grad():
        for step in bar:
            if full_batch:
                rows = full_rows
            else:
                u = torch.rand(batch_max, generator=batch_stream, device=dev)[None, :].expand(M, -1)
                if n_null:
                    u_null = torch.rand(batch_max, generator=null_stream, device=dev)
                    u = torch.where(is_null[:, None], u_null[None, :], u)
                rows = index.gather(1, (u * n_col).long())
            xb = data.x.index_select(0, rows.reshape(-1)).view(M, -1, data.x.shape[1])  # 5x faster than x[rows]
            params, losses = sgd_step(params, xb, model_y.gather(1, rows), batch_mask, lr)
            window_loss += losses
            t = step + 1
            if t > burn_in_steps and (t - burn_in_steps) % trace_every == 0:
                sub = {name: p[traced] for name, p in params.items()}
                trace.append(stacked_losses(sub, data.x[trace_idx], trace_y))
            if t % average_every:
                continue
            flat = flatten_stacked(params)
            check(f"step {t}", flat)
            mean_window = (window_loss / average_every).cpu().numpy().copy()
            window_loss.zero_()
            if t <= burn_in_steps:
                burn_curve["step"].append(t)
                burn_curve["minibatch_loss"].append(mean_window)
                burn_curve["displacement"].append((flat - start_weights).norm(dim=1).cpu().numpy())
                burn_curve["twin_distance"].append((flat - flat[base_of]).norm(dim=1).cpu().numpy())
                if t == burn_in_steps:
                    tail_start = previous = flat
                continue
            raw = stacked_losses(params, data.x, model_y)
            check(f"step {t}", raw)
            clipped = raw.clamp(max=loss_cap).double()
            r = len(series["train_risk"])
            b = r * n_blocks // records
            block_sums[:, :, b] += clipped
            block_counts[b] += 1
            cumulative += clipped
            running = cumulative / (r + 1)
            weight_sum += flat.double()
            weight_sq += (flat.double() ** 2).sum(1)
            series["train_risk"].append((clipped * train_w).sum(1).cpu().numpy())
            series["test_risk"].append(clipped[:, data.test_slice].mean(1).cpu().numpy())
            series["snapshot_beta"].append((clipped - clipped[base_of]).abs().amax(1).cpu().numpy())
            series["running_beta"].append((running - running[base_of]).abs().amax(1).cpu().numpy())
            series["displacement"].append((flat - tail_start).norm(dim=1).cpu().numpy())
            series["velocity"].append((flat - previous).norm(dim=1).cpu().numpy())
            series["twin_distance"].append((flat - flat[base_of]).norm(dim=1).cpu().numpy())
            series["minibatch_loss"].append(mean_window)
            previous = flat
    mean_w = weight_sum / records
    out = {name: np.stack(values, axis=0) for name, values in series.items()}
    out.update(
        trace=torch.stack(trace, dim=-1).cpu().numpy(),  # (bases, n_trace, tail_steps / trace_every)
        traced=layout.bases,
        block_means=(block_sums / torch.as_tensor(block_counts, device=dev)).cpu().numpy(),
        block_counts=block_counts,
        burn_step=np.array(burn_curve["step"]),
        burn_minibatch_loss=np.stack(burn_curve["minibatch_loss"]) if burn_curve["step"] else np.zeros((0, M)),
        burn_displacement=np.stack(burn_curve["displacement"]) if burn_curve["step"] else np.zeros((0, M)),
        burn_twin_distance=np.stack(burn_curve["twin_distance"]) if burn_curve["step"] else np.zeros((0, M)),
        start_distance=(start_weights - start_weights[base_of]).norm(dim=1).cpu().numpy(),
        # the time-averaged weights, their RMS spread over the tail, and the distance of mean weights to the base's
        mean_weights_distance=(mean_w - mean_w[base_of]).norm(dim=1).cpu().numpy(),
        weight_spread=torch.sqrt((weight_sq / records - (mean_w ** 2).sum(1)).clamp(min=0)).cpu().numpy(),
        weight_norm=mean_w.norm(dim=1).cpu().numpy(),
        record_step=burn_in_steps + average_every * np.arange(1, records + 1),
        lr=layout.lr, batch=layout.batch, n=layout.n, setting=layout.setting, base_of=layout.base_of,
        replaced=layout.replaced, fresh=layout.fresh, wd=layout.wd, role=layout.role, label_noise=layout.label_noise,
        train_weights=train_w.cpu().numpy(), n_pool=data.n_pool,
        n_fresh=data.n_fresh, n_test=data.n_test, labels=data.y.cpu().numpy(), trace_every=trace_every,
        burn_in_steps=burn_in_steps, full_batch=full_batch,
    )
    return out


def split_settings(settings, groups: int) -> list[list]:
    """The settings in ``groups`` consecutive, near-equal parts (fewer when there are fewer settings): independent
    ensembles for the workers of a process pool. Train each with ``pool_size`` = the largest n of all settings, then
    :func:`merge_twin_runs` gives what one ensemble of all settings would have given."""
    if groups < 1:
        raise ValueError(f"groups must be at least 1, got {groups}")
    bounds = np.linspace(0, len(settings), min(groups, len(settings)) + 1).round().astype(int)
    return [list(settings[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


_SHARED_KEYS = ("block_counts", "burn_step", "record_step", "n_pool", "n_fresh", "n_test", "labels", "trace_every",
                "burn_in_steps", "full_batch")
_RECORD_AXIS_KEYS = ("train_risk", "test_risk", "snapshot_beta", "running_beta", "displacement", "twin_distance",
                     "velocity", "minibatch_loss", "burn_minibatch_loss", "burn_displacement", "burn_twin_distance")


def merge_twin_runs(runs: list[dict]) -> dict:
    """One :func:`train_twin_ensemble` result from the results of consecutive groups of settings (same probes and
    schedule): model arrays are concatenated in order, model and setting indices shifted."""
    for run in runs[1:]:
        for key in _SHARED_KEYS:
            if not np.array_equal(np.asarray(run[key]), np.asarray(runs[0][key])):
                raise ValueError(f"runs differ in {key!r}: train every group with the same pool_size and schedule")
    out = {key: runs[0][key] for key in _SHARED_KEYS}
    models = np.cumsum([0] + [len(r["n"]) for r in runs[:-1]])
    settings = np.cumsum([0] + [int(r["setting"].max()) + 1 for r in runs[:-1]])
    for key in runs[0]:
        if key in _SHARED_KEYS:
            continue
        if key in _RECORD_AXIS_KEYS:
            out[key] = np.concatenate([r[key] for r in runs], axis=1)
        elif key in ("base_of", "traced"):
            out[key] = np.concatenate([r[key] + shift for r, shift in zip(runs, models)])
        elif key == "setting":
            out[key] = np.concatenate([r[key] + shift for r, shift in zip(runs, settings)])
        else:
            out[key] = np.concatenate([r[key] for r in runs], axis=0)
    return out


# ---------------------------------------------------------------------------------------------------
# Weights that never settle: batch norm plus weight decay


def _batch_norm(h: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Batch normalisation over the examples (axis 1 of (models, examples, units)), without learned scale or
    shift: makes the layer below scale-invariant."""
    return (h - h.mean(1, keepdim=True)) / torch.sqrt(h.var(1, unbiased=False, keepdim=True) + eps)


def scale_invariant_losses(params: dict, head: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of every stacked model on its own batch xb (M, B, d), yb (M, B): (M,). The network is
    x → W1 → BN → ReLU → W2 → BN → ReLU → fixed head. Its loss does not change when W1 or W2 is multiplied by a
    positive number, so weight decay only shrinks their norms and thereby raises the effective learning rate
    η/‖W‖² until training destabilises (Lobacheva et al. 2021). Models do not interact, so the gradient of the
    summed losses is every model's own gradient."""
    h = torch.relu(_batch_norm(torch.bmm(xb, params["w1"].transpose(1, 2))))
    h = torch.relu(_batch_norm(torch.bmm(h, params["w2"].transpose(1, 2))))
    log_p = torch.log_softmax(torch.matmul(head, h.transpose(1, 2)), dim=1)  # (M, classes, B): see _stacked_forward
    return -log_p.gather(1, yb[:, None, :]).squeeze(1).mean(1)


def train_scale_invariant_bn(**kwargs) -> dict:
    """Constant-rate SGD on the scale-invariant batch-norm network (see :func:`_train_scale_invariant_bn`)."""
    with single_thread():
        return _train_scale_invariant_bn(**kwargs)


def _train_scale_invariant_bn(*, weight_decays, lr: float, n_train: int, hidden: int, side: int, batch_size: int,
                              steps: int, record_every: int, seed: int, progress: bool = False, replicas: int = 1,
                              jump_min: float = 0.02, device: str = "cpu") -> dict:
    """Constant-rate SGD on the scale-invariant network, one model per weight decay and replica (stacked).

    Replica 0 of every weight decay starts from the same weights and reads the same minibatches; replica r > 0
    has its own initial weights and minibatches (an independently trained net). Returns per record (every
    ``record_every`` steps): the mean minibatch loss of the window, the norms of W1 and W2, and the effective
    learning rate η/‖W2‖²; arrays have shape (records, models), models ordered weight decay by weight decay.
    At every norm jump (see :func:`norm_jumps`, threshold ``jump_min``) the weights' direction of the record
    before it, the end of a cycle, is kept: ``minima[m]`` is (cycles, dims), unit vectors of (W1/‖W1‖, W2/‖W2‖)/√2.
    Tensors live on ``device``; the initial weights are drawn on the CPU (the same on every device), the
    minibatches on the device."""
    from tqdm.auto import tqdm

    from thermo_utils.core.device import resolve_device

    dev = resolve_device(device)
    decays = [float(w) for w in weight_decays]
    if not decays or min(decays) < 0 or replicas < 1:
        raise ValueError("weight_decays must be a non-empty list of non-negative numbers, replicas >= 1")
    if batch_size < 2 or batch_size > n_train or steps < record_every or lr <= 0:
        raise ValueError(f"need 2 <= batch_size <= n_train, steps >= record_every and lr > 0; got batch_size="
                         f"{batch_size}, n_train={n_train}, steps={steps}, record_every={record_every}, lr={lr}")
    data = mnist_twin_data(n_train, 0, 0, side, seed, device=dev)
    d = side * side
    per_model_wd = [w for w in decays for _ in range(replicas)]
    replica = torch.as_tensor([r for _ in decays for r in range(replicas)], device=dev)
    M = len(per_model_wd)
    g = torch_generator(seed, 201)
    w1 = torch.randn(1, hidden, d, generator=g, device="cpu") / math.sqrt(d)
    w2 = torch.randn(1, hidden, hidden, generator=g, device="cpu") / math.sqrt(hidden)
    head = torch.randn(10, hidden, generator=g, device="cpu").to(dev)  # unit entries: logits large enough to fit
    params = {"w1": w1.expand(M, -1, -1).clone().to(dev), "w2": w2.expand(M, -1, -1).clone().to(dev)}
    streams = [device_generator(seed, 202, device=dev)]
    for r in range(1, replicas):
        gr = torch_generator(seed, 203, r)
        own1 = torch.randn(hidden, d, generator=gr, device="cpu") / math.sqrt(d)
        own2 = torch.randn(hidden, hidden, generator=gr, device="cpu") / math.sqrt(hidden)
        params["w1"][replica == r] = own1.to(dev)
        params["w2"][replica == r] = own2.to(dev)
        streams.append(device_generator(seed, 204, r, device=dev))

    records = {"loss": [], "norm_w1": [], "norm_w2": []}
    window = torch.zeros(M, device=dev)
    wd = torch.as_tensor(per_model_wd, dtype=torch.float32, device=dev).view(-1, 1, 1)
    minima = [[] for _ in range(M)]
    previous_norm = previous_dir = None
    rising = np.zeros(M, dtype=bool)
    with torch.no_grad():
        for step in tqdm(range(steps), desc="batch norm + weight decay", disable=not progress, mininterval=2.0):
            rows = torch.stack([torch.randint(0, n_train, (batch_size,), generator=s, device=dev) for s in streams])
            rows = rows[replica]
            with torch.enable_grad():
                leaves = {name: p.requires_grad_() for name, p in params.items()}
                losses = scale_invariant_losses(leaves, head, data.x[rows], data.y[rows])
                grads = dict(zip(leaves, torch.autograd.grad(losses.sum(), list(leaves.values()))))
            losses = losses.detach()
            for name in params:
                params[name] = params[name].detach() - lr * (grads[name] + wd * params[name].detach())
            window += losses
            if (step + 1) % record_every == 0:
                if not torch.isfinite(window).all():
                    m = int(torch.nonzero(~torch.isfinite(window))[0])
                    raise DivergenceError(f"batch-norm run diverged at lr={lr:g}, weight_decay="
                                          f"{per_model_wd[m]:g}: lower the learning rate")
                records["loss"].append((window / record_every).cpu().numpy().copy())
                window.zero_()
                n1, n2 = params["w1"].flatten(1).norm(dim=1), params["w2"].flatten(1).norm(dim=1)
                direction = torch.cat([params["w1"].flatten(1) / n1[:, None], params["w2"].flatten(1) / n2[:, None]],
                                      dim=1) / math.sqrt(2)
                norm = n2.cpu().numpy()
                if previous_norm is not None:
                    up = norm > previous_norm * (1 + jump_min)
                    for m in np.flatnonzero(up & ~rising):
                        minima[m].append(previous_dir[m].cpu().numpy())
                    rising = up
                previous_norm, previous_dir = norm, direction
                records["norm_w1"].append(n1.cpu().numpy())
                records["norm_w2"].append(norm)
    out = {k: np.stack(v) for k, v in records.items()}
    out["effective_lr"] = lr / out["norm_w2"] ** 2
    out["step"] = record_every * np.arange(1, len(out["loss"]) + 1)
    out["weight_decays"] = np.array(per_model_wd)
    out["replica"] = replica.cpu().numpy()
    out["minima"] = [np.stack(m) if m else np.zeros((0, hidden * (d + hidden)), dtype=np.float32) for m in minima]
    return out


def merge_bn_runs(runs: list[dict]) -> dict:
    """One :func:`train_scale_invariant_bn` result from runs over disjoint lists of weight decays (same schedule and
    seed): every draw depends only on the replica, so a weight decay trained alone gives what it gives with others."""
    for run in runs[1:]:
        if not np.array_equal(run["step"], runs[0]["step"]):
            raise ValueError("batch-norm runs with different record steps cannot be merged")
    out = {key: np.concatenate([r[key] for r in runs], axis=1) for key in ("loss", "norm_w1", "norm_w2", "effective_lr")}
    out.update(step=runs[0]["step"], weight_decays=np.concatenate([r["weight_decays"] for r in runs]),
               replica=np.concatenate([r["replica"] for r in runs]), minima=[m for r in runs for m in r["minima"]])
    return out


def minima_distances(minima_a: np.ndarray, minima_b: np.ndarray | None = None) -> np.ndarray:
    """Distances between cycle-end directions: consecutive cycles of one run when ``minima_b`` is None, else
    every pair of cycle ends of two runs (independently trained nets). The pairs go through scipy's ``cdist``: the
    broadcast difference of 162 by 162 cycle ends of 7,232 weights was a 1.5 GB array and 20 s."""
    from scipy.spatial.distance import cdist

    a = np.asarray(minima_a, dtype=float)
    if minima_b is None:
        return np.linalg.norm(a[1:] - a[:-1], axis=1)
    return cdist(a, np.asarray(minima_b, dtype=float)).ravel()


# ---------------------------------------------------------------------------------------------------
# Estimators on the recorded tail


def time_averages(block_means: np.ndarray) -> np.ndarray:
    """⟨ℓ_z⟩ over the tail from equal-size block means (..., blocks) → (...)."""
    return np.asarray(block_means).mean(axis=-1)


def block_standard_error(block_means: np.ndarray) -> np.ndarray:
    """Standard error of a time average by batch means: blocks much longer than the correlation time are
    nearly independent, so SE ≈ std(block means)/sqrt(blocks)."""
    block_means = np.asarray(block_means, dtype=float)
    if block_means.shape[-1] < 2:
        raise ValueError("need at least 2 blocks for a standard error")
    return block_means.std(axis=-1, ddof=1) / np.sqrt(block_means.shape[-1])


def halves_z_score(block_means: np.ndarray) -> np.ndarray:
    """(first-half average − second-half average) / its standard error, per series. Near N(0, 1) when the
    time average has converged (a stationary tail); large when the average is still drifting."""
    block_means = np.asarray(block_means, dtype=float)
    half = block_means.shape[-1] // 2
    if half < 2:
        raise ValueError("need at least 4 blocks to compare halves")
    a, b = block_means[..., :half], block_means[..., half:2 * half]
    se = np.sqrt(block_standard_error(a) ** 2 + block_standard_error(b) ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, (a.mean(-1) - b.mean(-1)) / se, 0.0)


def _half_splits(n_blocks: int, max_splits: int, seed: int = 0) -> np.ndarray:
    """(splits, n_blocks) 0/1 rows: the ways to put half of the blocks in group A, block 0 always in A (a split and
    its mirror give the same |z|). Row 0 is the observed split, the first half against the second. All of them when
    there are at most ``max_splits``, else the observed one and ``max_splits − 1`` drawn at random (seeded)."""
    from itertools import combinations

    half = n_blocks // 2
    first = np.zeros(n_blocks)
    first[:half] = 1
    if math.comb(n_blocks - 1, half - 1) <= max_splits:
        rows = [first]
        for rest in combinations(range(1, n_blocks), half - 1):
            row = np.zeros(n_blocks)
            row[[0, *rest]] = 1
            if not np.array_equal(row, first):
                rows.append(row)
        return np.array(rows)
    rng = np.random.default_rng([seed, n_blocks])
    rows = [first]
    for _ in range(max_splits - 1):
        row = np.zeros(n_blocks)
        row[rng.permutation(n_blocks)[:half]] = 1
        rows.append(row if row[0] else 1 - row)
    return np.array(rows)


def halves_split_statistic(block_means: np.ndarray, splits: np.ndarray) -> np.ndarray:
    """For each split of the blocks into halves A and B (rows of ``splits``), the median over series (rows of
    ``block_means``, shape (series, blocks)) of |mean_A − mean_B| / sqrt(SE_A² + SE_B²), the SEs from the spread of
    the blocks within each half. Row 0 of ``splits`` being the first half against the second, element 0 is the
    median |halves z| of :func:`halves_z_score`."""
    x = np.atleast_2d(np.asarray(block_means, dtype=float))
    splits = np.asarray(splits, dtype=float)
    h = splits[0].sum()
    total, total_sq = x.sum(1, keepdims=True), (x ** 2).sum(1, keepdims=True)
    out = np.empty(len(splits))
    for start in range(0, len(splits), 256):
        s = splits[start:start + 256].T  # (blocks, chunk)
        sum_a, sq_a = x @ s, (x ** 2) @ s
        sum_b, sq_b = total - sum_a, total_sq - sq_a
        var_a = np.clip(sq_a - sum_a ** 2 / h, 0, None) / (h - 1)
        var_b = np.clip(sq_b - sum_b ** 2 / h, 0, None) / (h - 1)
        se = np.sqrt((var_a + var_b) / h)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, np.abs(sum_a - sum_b) / h / se, 0.0)
        out[start:start + 256] = np.median(z, axis=0)
    return out


def halves_permutation_p(block_means: np.ndarray, max_splits: int = 10000) -> tuple[float, float]:
    """Median |halves z| over the series of ``block_means`` (series, blocks) and its block-permutation p-value.

    Under stationarity with blocks longer than the correlation time, the blocks are exchangeable: every split into
    two halves is as likely as the observed one (first half against second). The p-value is the fraction of splits
    (the observed one included) whose statistic is at least the observed one. Every series is split the same way, so
    the correlation between series (probes read from the same weights) is kept in the null distribution; a drift
    makes the observed split extreme. With 8 blocks there are 35 splits (p >= 1/35), with 16 there are 6435."""
    x = np.atleast_2d(np.asarray(block_means, dtype=float))
    n_blocks = x.shape[-1]
    if n_blocks < 4 or n_blocks % 2:
        raise ValueError(f"need an even number of blocks, at least 4; got {n_blocks}")
    splits = _half_splits(n_blocks, max_splits)
    stat = halves_split_statistic(x, splits)
    return float(stat[0]), float(np.mean(stat >= stat[0] * (1 - 1e-12)))


def stationarity_tests(blocks: np.ndarray, train_weights: np.ndarray, test: slice) -> dict:
    """The three block-permutation p-values of one model's tail that the stationarity gate reads: the per-probe
    averages (``blocks``, (probes, blocks)), the training risk (``train_weights`` over the probes) and the
    held-out risk (the mean over the ``test`` probes)."""
    return {"probes": halves_permutation_p(blocks)[1], "train": halves_permutation_p(train_weights @ blocks)[1],
            "test": halves_permutation_p(blocks[test].mean(axis=0))[1]}


def sas_beta(averages: np.ndarray, base_of: np.ndarray, probes=None) -> np.ndarray:
    """For each model, max over probes z of |⟨ℓ_z⟩_S′ − ⟨ℓ_z⟩_S| against its base; 0 for a base itself.

    ``averages`` is (M, P); ``probes`` (an index or mask over P) restricts the supremum. This is the
    statistical stability coefficient restricted to the probes we can evaluate: a lower bound on the
    supremum over all z."""
    averages = np.asarray(averages, dtype=float)
    base_of = np.asarray(base_of)
    if averages.ndim != 2 or base_of.shape != (averages.shape[0],):
        raise ValueError("averages must be (models, probes) and base_of (models,)")
    diff = np.abs(averages - averages[base_of])
    if probes is not None:
        diff = diff[:, probes]
    return diff.max(axis=1)


def per_setting_max(values: np.ndarray, setting: np.ndarray, is_twin: np.ndarray) -> np.ndarray:
    """Max over the twins of each setting (β is a supremum over pairs S, S′ too)."""
    settings = np.unique(setting)
    return np.array([np.max(values[(setting == s) & is_twin]) for s in settings])


def sas_generalization_bound(train_risk, beta, n, loss_bound: float, delta: float):
    """R̂_S + β + 2(nβ + L)·sqrt(log(2/δ)/(2n)): the paper's bound on the time-averaged risk R_S, holding
    with probability 1 − δ over S when the loss lies in [0, L] and β is the true stability coefficient."""
    train_risk, beta, n = (np.asarray(v, dtype=float) for v in (train_risk, beta, n))
    if not 0 < delta < 1 or loss_bound <= 0:
        raise ValueError(f"need 0 < delta < 1 and loss_bound > 0, got delta={delta}, loss_bound={loss_bound}")
    if np.any(n < 1) or np.any(beta < 0):
        raise ValueError("need n >= 1 and beta >= 0")
    return train_risk + beta + 2 * (n * beta + loss_bound) * np.sqrt(np.log(2 / delta) / (2 * n))


def autocorrelation(series: np.ndarray, max_lag: int | None = None) -> np.ndarray:
    """Normalised autocorrelation ρ_k of each series along the last axis (FFT, mean removed, the biased
    estimator that divides by T). Constant series give NaN."""
    x = np.asarray(series, dtype=float)
    T = x.shape[-1]
    if T < 4:
        raise ValueError("need at least 4 time points for an autocorrelation")
    max_lag = T - 1 if max_lag is None else min(int(max_lag), T - 1)
    x = x - x.mean(axis=-1, keepdims=True)
    spectrum = np.fft.rfft(x, n=2 * T, axis=-1)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), n=2 * T, axis=-1)[..., : max_lag + 1] / T
    with np.errstate(divide="ignore", invalid="ignore"):
        return acov / acov[..., :1]


def decay_time(acf: np.ndarray, spacing: float = 1.0) -> np.ndarray:
    """First lag at which the autocorrelation falls below 1/e (linear interpolation), times ``spacing``;
    NaN when it never does within the lags given. For ρ_k = φ^k it is −1/ln φ."""
    single = np.ndim(acf) == 1
    acf = np.atleast_2d(np.asarray(acf, dtype=float))
    out = np.full(acf.shape[:-1], np.nan)
    threshold = np.exp(-1.0)
    for idx in np.ndindex(out.shape):
        rho = acf[idx]
        below = np.flatnonzero(rho < threshold)
        if below.size and below[0] > 0:
            k = below[0]
            out[idx] = (k - 1 + (rho[k - 1] - threshold) / (rho[k - 1] - rho[k])) * spacing
    return float(out[0]) if single else out


def integrated_autocorrelation_time(acf: np.ndarray, window_factor: float = 5.0) -> np.ndarray:
    """τ_int = 1 + 2 Σ_{k=1}^{W} ρ_k with Sokal's window: the smallest W ≥ window_factor·τ_int(W).
    The variance of a time average of T correlated samples is σ²·τ_int/T; for ρ_k = φ^k, τ_int = (1+φ)/(1−φ)."""
    single = np.ndim(acf) == 1
    acf = np.atleast_2d(np.asarray(acf, dtype=float))
    out = np.full(acf.shape[:-1], np.nan)
    for idx in np.ndindex(out.shape):
        tau = 1 + 2 * np.cumsum(acf[idx][1:])
        ok = np.flatnonzero(np.arange(1, len(tau) + 1) >= window_factor * tau)
        out[idx] = tau[ok[0]] if ok.size else np.nan
    return float(out[0]) if single else out


def loss_decay_time(trace: np.ndarray, spacing: float, max_lag: int | None = None) -> np.ndarray:
    """Decay time (in steps) of the loss autocorrelation per model: the autocorrelation of each traced
    probe's loss, averaged over probes (constant probes skipped), then its 1/e time. ``trace`` is (M, probes, T)."""
    import warnings

    acf = autocorrelation(trace, max_lag)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a model whose traced losses are all constant
        mean_acf = np.nanmean(acf, axis=1)
    return decay_time(mean_acf, spacing)


def summarise_twins(run: dict, loss_cap: float, delta: float):
    """One row per setting: time-averaged risks, the gap, β and its parts (the swapped examples' own term, the
    held-out supremum, the held-out mean), the same quantities for the null runs (the noise floor), the
    stationarity z-score, the loss decay times, weight distances and the bound. ``run`` is train_twin_ensemble's
    output."""
    import pandas as pd

    averages = time_averages(run["block_means"])
    base_of, setting, role = run["base_of"], run["setting"], run["role"]
    n_pool, n_fresh = int(run["n_pool"]), int(run["n_fresh"])
    test = slice(n_pool + n_fresh, None)
    diff = np.abs(averages - averages[base_of])
    diff_blocks = run["block_means"] - run["block_means"][base_of]
    noise = block_standard_error(diff_blocks).max(axis=1)  # per model: largest SE of a difference
    spacing = float(run["trace_every"])
    max_lag = run["trace"].shape[-1] // 4
    acf = autocorrelation(run["trace"], max_lag)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a model whose traced losses are all constant
        mean_acf = np.nanmean(acf, axis=1)
    tau = np.atleast_1d(decay_time(mean_acf, spacing))
    tau_int = np.atleast_1d(integrated_autocorrelation_time(mean_acf)) * spacing
    z = halves_z_score(run["block_means"])
    last = slice(len(run["record_step"]) // 2, None)
    quarter = max(1, len(run["record_step"]) // 4)
    rows = []
    for j, b in enumerate(run["traced"]):
        b = int(b)
        s = setting[b]
        twins = np.flatnonzero((setting == s) & (role == TWIN))
        nulls = np.flatnonzero((setting == s) & (role == NULL))
        pert = np.flatnonzero((setting == s) & (role == PERTURBED))
        self_probe = np.zeros_like(diff[twins], dtype=bool)
        for r, m in enumerate(twins):
            self_probe[r, [run["replaced"][m], n_pool + run["fresh"][m]]] = True
        twin_diff = diff[twins]
        train_risk = float(averages[b] @ run["train_weights"][b])
        test_risk = float(averages[b, test].mean())
        n = int(run["n"][b])
        beta = float(twin_diff.max())
        velocity = run["velocity"][:, b]
        null_test = averages[nulls][:, test].mean(axis=1) if len(nulls) else np.array([np.nan])
        # paired over the held-out probes: the null runs' risk minus the base's, relative, with its standard error
        null_d = averages[nulls][:, test] - averages[b, test]
        null_rel_se = null_d.std(axis=1, ddof=1) / np.sqrt(null_d.shape[1]) / test_risk if len(nulls) else [np.nan]
        null_rel = np.abs(null_d.mean(axis=1)) / test_risk if len(nulls) else [np.nan]
        blocks = run["block_means"][b]
        p = stationarity_tests(blocks, run["train_weights"][b], test)
        nan = float("nan")
        rows.append(dict(
            lr=float(run["lr"][b]), batch=int(run["batch"][b]), n=n, weight_decay=float(run["wd"][b]),
            label_noise=float(run["label_noise"][b]),
            burn_in_wd_times=float(run["burn_in_steps"] * run["lr"][b] * run["wd"][b]),
            train_risk=train_risk, test_risk=test_risk,
            test_risk_se=float(averages[b, test].std(ddof=1) / np.sqrt(averages[:, test].shape[1])),
            gap=test_risk - train_risk, beta=beta,
            beta_self=float(np.where(self_probe, twin_diff, 0).max()),
            beta_others=float(np.where(self_probe, 0, twin_diff).max()),
            beta_test=float(twin_diff[:, test].max()), beta_mean=float(twin_diff[:, test].mean()),
            beta_noise=float(noise[twins].max()),
            # E|N(0, SE²)| = 0.8·SE: the part of the mean |Δ| that estimation noise alone would give
            beta_mean_noise=float(0.8 * block_standard_error(diff_blocks[twins][:, test]).mean()),
            null_beta=float(diff[nulls].max()) if len(nulls) else nan,
            null_beta_test=float(diff[nulls][:, test].max()) if len(nulls) else nan,
            null_mean=float(diff[nulls][:, test].mean()) if len(nulls) else nan,
            null_test_risk=float(null_test.mean()),
            null_risk_change=float(np.max(np.abs(null_test - test_risk)) / test_risk),
            halves_z=float(np.median(np.abs(z[b]))),
            stationarity_p_probes=p["probes"], stationarity_p_train=p["train"], stationarity_p_test=p["test"],
            stationarity_p=min(p.values()),
            null_risk_change_high=float(np.max(np.asarray(null_rel) + 1.96 * np.asarray(null_rel_se))),
            null_risk_change_low=float(np.max(np.asarray(null_rel) - 1.96 * np.asarray(null_rel_se))),
            decay_time=float(tau[j]), tau_int=float(tau_int[j]),
            velocity_ratio=float(velocity[-quarter:].mean() / velocity[:quarter].mean()) if velocity[:quarter].any()
            else float("nan"),
            relative_velocity=float(velocity[-1] / run["weight_norm"][b]),
            snapshot_beta_end=float(run["snapshot_beta"][-1, twins].max()),
            snapshot_beta_mean=float(run["snapshot_beta"][last][:, twins].mean()),
            twin_distance=float(run["twin_distance"][-1, twins].mean()),
            null_distance=float(run["twin_distance"][-1, nulls].mean()) if len(nulls) else nan,
            perturbed_start=float(run["start_distance"][pert].mean()) if len(pert) else nan,
            perturbed_distance=float(run["twin_distance"][-1, pert].mean()) if len(pert) else nan,
            null_mean_weights_distance=float(run["mean_weights_distance"][nulls].mean()) if len(nulls) else nan,
            weight_spread=float(run["weight_spread"][b]),
            bound=float(sas_generalization_bound(train_risk, beta, n, loss_cap, delta)),
        ))
    return pd.DataFrame(rows)


def sweep_settings(n_sizes, ref_lr, ref_batch, weight_decay, mixing_weight_decays, mixing_n,
                   mixing_label_noise=()) -> list[list]:
    """The settings of the three sweeps, without duplicates, as JSON-able lists: the n sweep at (ref_lr, ref_batch,
    weight_decay); two mixing sweeps at (ref_lr, ref_batch, mixing_n), one over the weight decays, one over the
    label-noise fractions at ``weight_decay``, so that the mixing time changes at a fixed learning rate and batch size
    by two levers. Clean-label settings are (lr, batch, n, weight decay), label-noise ones add the fraction."""
    settings = [[float(ref_lr), int(ref_batch), int(n), float(weight_decay)] for n in n_sizes]
    points = [[float(ref_lr), int(ref_batch), int(mixing_n), float(wd)] for wd in mixing_weight_decays]
    points += [[float(ref_lr), int(ref_batch), int(mixing_n), float(weight_decay)] + ([float(p)] if p else [])
               for p in mixing_label_noise]
    for point in points:
        if point not in settings:
            settings.append(point)
    return settings


def norm_jumps(norm: np.ndarray, jump_min: float) -> np.ndarray:
    """Onsets (record indices) of the jumps of a scale-invariant layer's norm: records where the norm grows by
    more than ``jump_min`` (relative) over one record interval, consecutive records merged into one jump. Between
    jumps weight decay shrinks the norm steadily, so each onset starts one cycle of the BN + weight-decay regime."""
    norm = np.asarray(norm, dtype=float)
    up = np.concatenate([[False], norm[1:] > norm[:-1] * (1 + jump_min)])
    return np.flatnonzero(up & ~np.concatenate([[False], up[:-1]]))


def cv_with_ci(intervals, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95):
    """Coefficient of variation of the intervals and its percentile bootstrap interval (resampling intervals)."""
    x = np.asarray(intervals, dtype=float)
    if len(x) < 2:
        return float("nan"), (float("nan"), float("nan"))
    cv = float(x.std(ddof=1) / x.mean())
    draws = rng.choice(x, size=(n_boot, len(x)))
    boot = draws.std(axis=1, ddof=1) / draws.mean(axis=1)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return cv, (float(lo), float(hi))


def loss_spikes(loss: np.ndarray, floor: float, factor: float = 10.0) -> np.ndarray:
    """Onsets (record indices) of excursions where the loss exceeds both ``floor`` and ``factor`` times its
    median: the instabilities of the batch-norm + weight-decay cycle."""
    loss = np.asarray(loss, dtype=float)
    high = (loss > floor) & (loss > factor * np.median(loss))
    return np.flatnonzero(high & ~np.concatenate([[False], high[:-1]]))


STATIONARITY_SERIES = ("probes", "train", "test")


def stationarity(rows) -> dict:
    """The stationarity gate's values over some settings (rows of :func:`summarise_twins`): the shortest burn-in in
    weight-decay times 1/(ηλ), the largest per-setting median |halves z-score|, and the block-permutation p-values of
    the halves z (per-probe averages, training risk, held-out risk: three tests per setting) with their number."""
    return {"min_burn_in_wd_times": float(rows.burn_in_wd_times.min()), "max_halves_z": float(rows.halves_z.max()),
            "min_stationarity_p": float(rows.stationarity_p.min()),
            "stationarity_p": [round(float(v), 5) for v in rows.stationarity_p],
            "stationarity_tests": len(STATIONARITY_SERIES) * len(rows)}


def distance_curve(run: dict, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps and ‖w_t(m) − w_t(base)‖ from the start through the burn-in to the end of the tail, for model ``m``."""
    steps = np.concatenate([[0], run["burn_step"], run["record_step"]])
    dist = np.concatenate([[run["start_distance"][m]], run["burn_twin_distance"][:, m], run["twin_distance"][:, m]])
    return steps, dist


def bn_cycle_table(bn: dict, jump_min: float, rng: np.random.Generator, n_boot: int = 2000):
    """Per weight decay of :func:`train_scale_invariant_bn` (replica 0 and replica 1): the cycles found from the
    jumps of ‖W2‖, their mean period and the coefficient of variation with a bootstrap interval, and the distances
    between cycle-end directions within a run (neighbouring cycles) and across the two independent runs."""
    import pandas as pd

    rows = []
    for wd in np.unique(bn["weight_decays"]):
        m0, m1 = (int(np.flatnonzero((bn["weight_decays"] == wd) & (bn["replica"] == r))[0]) for r in (0, 1))
        onsets = norm_jumps(bn["norm_w2"][:, m0], jump_min)
        periods = np.diff(bn["step"][onsets])
        cv, (lo, hi) = cv_with_ci(periods, rng, n_boot)
        a, b = bn["minima"][m0], bn["minima"][m1]
        rows.append(dict(
            weight_decay=float(wd), cycles=len(periods), mean_period=float(periods.mean()) if len(periods) else np.nan,
            period_cv=cv, cv_low=lo, cv_high=hi, ends=min(len(a), len(b)),
            neighbour_distance=float(np.median(minima_distances(a))) if len(a) > 1 else np.nan,
            independent_distance=float(np.median(minima_distances(a, b))) if len(a) and len(b) else np.nan,
        ))
    return pd.DataFrame(rows)
