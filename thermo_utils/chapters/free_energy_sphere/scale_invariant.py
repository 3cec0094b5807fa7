"""Scale-invariant ConvNets trained by projected SGD on the unit sphere, many effective learning rates at once.

The architecture follows the authors' ConvNet (Sadrtdinov et al. 2025, after Kodryan et al. 2022): 3×3
convolutions without bias, each followed by BatchNorm without affine parameters and ReLU; widths c, 2c, 4c,
8c; max-pooling after the last three; a global max-pool; a frozen linear head whose weight has norm 10.
BatchNorm makes the output invariant to the scale of every convolution, so only the direction of the
weight vector matters: after each SGD step all convolution weights of a model are rescaled together to
norm 1, and the learning rate is the effective learning rate on the sphere.

R models (one per learning rate) run as one network with grouped convolutions: model r owns channel
block r of every layer and sees its own batch, drawn with replacement. BatchNorm always uses the batch's
statistics (no running averages), in training and in evaluation alike.

Every tensor of a run lives on its ``device`` (the chapter's ``device`` parameter): the weights, the training
images, the batch indices and their generator. On the CPU the generators are exactly the seeded CPU
generators of :mod:`thermo_utils.core.seeding`, so ``device="cpu"`` reproduces the default's numbers; the
initial weights are always drawn on the CPU and moved, so every device starts from the same point. Values
come back to the CPU only to be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from thermo_utils.core.device import resolve_device
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.threads import single_thread

HEAD_NORM = 10.0


def device_generator(device, seed: int, *stream: int) -> torch.Generator:
    """The seeded generator of (seed, stream...) on ``device``: on the CPU exactly ``torch_generator``'s."""
    gen = torch_generator(seed, *stream)
    device = torch.device(device)
    if device.type == "cpu":
        return gen
    return torch.Generator(device=device).manual_seed(gen.initial_seed())


def layer_widths(width: int) -> list[tuple[int, int]]:
    """(in, out) channels of the four convolutions for base width c and one input channel."""
    return [(1, width), (width, 2 * width), (2 * width, 4 * width), (4 * width, 8 * width)]


def parameter_count(width: int) -> int:
    """Trainable (scale-invariant) weights of one model."""
    return sum(9 * cin * cout for cin, cout in layer_widths(width))


class ConvNetEnsemble:
    """R copies of the scale-invariant ConvNet (same initial point, same frozen head), trained side by side."""

    def __init__(self, width: int, n_models: int, n_classes: int = 10, *, seed: int, dtype=torch.float32,
                 device="cpu"):
        if width < 1 or n_models < 1 or n_classes < 2:
            raise ValueError(f"need width ≥ 1, n_models ≥ 1 and n_classes ≥ 2, got {width}, {n_models}, {n_classes}")
        self.width, self.n_models, self.n_classes = width, n_models, n_classes
        self.device = torch.device(device)
        gen = torch_generator(seed, 7, width)  # drawn on the CPU: the same start on every device
        self.weights = []
        for cin, cout in layer_widths(width):
            w = torch.randn(cout, cin, 3, 3, generator=gen, dtype=dtype, device="cpu") * np.sqrt(2.0 / (9 * cin))
            self.weights.append(w.repeat(n_models, 1, 1, 1).contiguous().to(self.device))
        head = torch.randn(n_classes, 8 * width, generator=gen, dtype=dtype, device="cpu")
        self.head = (head * HEAD_NORM / head.norm()).expand(n_models, -1, -1).contiguous().to(self.device)
        self.project()

    def per_model_norms(self, tensors) -> torch.Tensor:
        """‖·‖ of each model's slice of a list of grouped tensors (weights or gradients): shape (R,)."""
        sq = sum(t.reshape(self.n_models, -1).pow(2).sum(1) for t in tensors)
        return sq.sqrt()

    def project(self) -> None:
        """Rescale each model's convolution weights together to norm 1 (the sphere)."""
        norms = self.per_model_norms(self.weights)
        for w in self.weights:
            w.view(self.n_models, -1).div_(norms[:, None])

    def flat(self) -> torch.Tensor:
        """Each model's weight vector, shape (R, D)."""
        return torch.cat([w.reshape(self.n_models, -1) for w in self.weights], dim=1)

    def forward(self, images: torch.Tensor, weights=None) -> torch.Tensor:
        """Logits (B, R, classes) for images of shape (B, R, H, W): model r sees images[:, r]."""
        weights = self.weights if weights is None else weights
        h = images
        for i, w in enumerate(weights):
            h = F.conv2d(h, w, padding=1, groups=self.n_models)
            h = F.relu(F.batch_norm(h, None, None, training=True, eps=1e-5))
            if i > 0:
                h = F.max_pool2d(h, 2)
        h = torch.amax(h, dim=(2, 3)).view(len(images), self.n_models, -1)  # global max-pool
        return torch.einsum("brc,rkc->brk", h, self.head)

    def losses(self, images, labels, weights=None) -> torch.Tensor:
        """Mean cross-entropy of each model on its own batch: shape (R,)."""
        logits = self.forward(images, weights)
        return F.cross_entropy(logits.permute(0, 2, 1), labels, reduction="none").mean(0)

    def gradients(self, images, labels) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Each model's loss on its batch and the gradients of the grouped weights (model r in block r)."""
        weights = [w.detach().requires_grad_(True) for w in self.weights]
        losses = self.losses(images, labels, weights)
        grads = torch.autograd.grad(losses.sum(), weights)
        return losses.detach(), list(grads)

    def sgd_step(self, images, labels, etas: torch.Tensor) -> torch.Tensor:
        """One projected SGD step with each model's own (effective) learning rate; returns the batch losses."""
        losses, grads = self.gradients(images, labels)
        with torch.no_grad():
            for w, g in zip(self.weights, grads):
                w.view(self.n_models, -1).sub_(etas[:, None] * g.view(self.n_models, -1))
            self.project()
        return losses


def prepare_images(images: np.ndarray, size: int, device="cpu") -> torch.Tensor:
    """uint8 (n, 28, 28) → float (n, size, size) on ``device``: zero-padded to 32, then average-pooled to ``size``."""
    if 32 % size:
        raise ValueError(f"image size must divide 32, got {size}")
    x = torch.as_tensor(images, dtype=torch.float32, device=device) / 255.0
    x = (x - 0.2860) / 0.3530  # Fashion-MNIST's mean and std
    pad = (32 - x.shape[-1]) // 2
    x = F.pad(x, (pad, 32 - x.shape[-1] - pad, pad, 32 - x.shape[-2] - pad))
    return F.avg_pool2d(x[:, None], 32 // size)[:, 0] if size < 32 else x


@dataclass
class TrainingRecord:
    """What a projected-SGD run logged, per model (one model per learning rate)."""

    width: int
    n_params: int
    etas: np.ndarray
    log_steps: np.ndarray
    train_loss: np.ndarray       # (n_log, R): full training loss
    snr_steps: np.ndarray
    grad_norm: np.ndarray        # (n_snr, R): ‖∇L‖
    noise_norm: np.ndarray       # (n_snr, R): sqrt(E‖∇L_B − ∇L‖²)
    window_steps: np.ndarray     # last step of each window of consecutive iterates
    window_loss: np.ndarray      # (n_windows, R): full training loss at the window's end
    window_entropy: np.ndarray   # (n_windows, R): k-NN-graph entropy of the window's iterates

    @property
    def snr(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.grad_norm / self.noise_norm


def _chunks(net: ConvNetEnsemble, x: torch.Tensor, y: torch.Tensor, batch: int):
    """The training set as fixed consecutive chunks of ``batch`` examples, shown to every model."""
    for c in range(len(x) // batch):
        xb = x[c * batch:(c + 1) * batch, None].expand(-1, net.n_models, -1, -1)
        yb = y[c * batch:(c + 1) * batch, None].expand(-1, net.n_models)
        yield xb, yb


def full_loss(net: ConvNetEnsemble, x: torch.Tensor, y: torch.Tensor, batch: int) -> torch.Tensor:
    """Training loss of every model: the mean over fixed chunks of ``batch`` examples (BatchNorm per chunk)."""
    losses = [net.losses(xb, yb) for xb, yb in _chunks(net, x, y, batch)]
    return torch.stack(losses).mean(0)


def full_gradient(net: ConvNetEnsemble, x: torch.Tensor, y: torch.Tensor, batch: int) -> list[torch.Tensor]:
    """∇L of every model, averaged over the same fixed chunks."""
    total = [torch.zeros_like(w) for w in net.weights]
    n = 0
    for xb, yb in _chunks(net, x, y, batch):
        for t, g in zip(total, net.gradients(xb, yb)[1]):
            t += g
        n += 1
    return [t / n for t in total]


def gradient_snr(net, x, y, batch: int, n_batches: int, gen: torch.Generator):
    """‖∇L‖ and sqrt(E_B‖∇L_B − ∇L‖²) per model, the expectation over ``n_batches`` batches drawn with replacement."""
    full = full_gradient(net, x, y, batch)
    spread = torch.zeros(net.n_models, device=net.device)
    for _ in range(n_batches):
        idx = torch.randint(0, len(x), (batch, net.n_models), generator=gen, device=net.device)
        _, grads = net.gradients(x[idx], y[idx])
        spread += net.per_model_norms([g - f for g, f in zip(grads, full)]).pow(2)
    return net.per_model_norms(full), (spread / n_batches).sqrt()


def train_projected_sgd(x: torch.Tensor, y: torch.Tensor, etas, width: int, n_steps: int, *, seed: int,
                        batch: int = 128, n_log: int = 40, n_snr: int = 8, snr_batches: int = 8,
                        n_windows: int = 8, window: int = 100, k: int = 50, progress=None,
                        device="cpu") -> TrainingRecord:
    """Train one model per effective learning rate from one shared start; log loss, SNR and window entropies.

    The entropy at a time t is the k-NN-graph estimate over the ``window`` consecutive iterates ending at t
    (the authors' estimate from the last iterates of a run), on the sphere of dimension D − 1; windows end at
    ``n_windows`` log-spaced steps, the last at the end of the run. ``x`` and ``y`` are moved to ``device``;
    the window of iterates is kept there and comes to the CPU once per window.
    """
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or len(etas) == 0 or np.any(etas <= 0) or not np.all(np.isfinite(etas)):
        raise ValueError(f"etas must be positive finite effective learning rates, got {etas!r}")
    if batch > len(x):
        raise ValueError(f"batch ({batch}) must not exceed the training set ({len(x)})")
    if not 1 <= k < window:
        raise ValueError(f"need 1 ≤ k < window, got k = {k}, window = {window}")
    if n_steps < 2 * window:
        raise ValueError(f"n_steps ({n_steps}) must be at least twice the entropy window ({window})")
    from thermo_utils.core.entropy import knn_graph_entropy

    device = torch.device(device)
    x, y = x.to(device), y.to(device)
    net = ConvNetEnsemble(width, len(etas), int(y.max()) + 1, seed=seed, device=device)
    n_params = parameter_count(width)
    gen = device_generator(device, seed, 8, width)
    lr = torch.as_tensor(etas, dtype=torch.float32, device=device)
    log_steps = np.unique(np.geomspace(1, n_steps, n_log).round().astype(int))
    snr_steps = np.unique(np.geomspace(max(1, n_steps // 100), n_steps, n_snr).round().astype(int))
    window_steps = np.unique(np.geomspace(window, n_steps, n_windows).round().astype(int))
    window_steps = window_steps[np.concatenate([[True], np.diff(window_steps) >= window])]
    starts = {int(e) - window + 1: w for w, e in enumerate(window_steps)}
    train_loss = np.empty((len(log_steps), len(etas)))
    grad_norm = np.empty((len(snr_steps), len(etas)))
    noise_norm = np.empty((len(snr_steps), len(etas)))
    window_loss = np.empty((len(window_steps), len(etas)))
    window_entropy = np.empty((len(window_steps), len(etas)))
    slot_log = dict(zip(log_steps.tolist(), range(len(log_steps))))
    slot_snr = dict(zip(snr_steps.tolist(), range(len(snr_steps))))
    collecting, buffer = None, None
    finite = torch.ones(len(etas), dtype=torch.bool, device=device)  # checked at log steps: no per-step sync

    def check_finite():
        if not bool(finite.all()):
            bad = etas[~finite.cpu().numpy()]
            raise FloatingPointError(f"projected SGD diverged (non-finite loss) at width {width}, rates {bad}")

    for step in range(1, n_steps + 1):
        idx = torch.randint(0, len(x), (batch, len(etas)), generator=gen, device=device)
        losses = net.sgd_step(x[idx], y[idx], lr)
        finite &= torch.isfinite(losses)
        if device.type == "cpu" or step in slot_log:
            check_finite()
        if step in slot_log:
            with torch.no_grad():
                train_loss[slot_log[step]] = full_loss(net, x, y, batch).cpu().numpy()
        if step in slot_snr:
            g, n = gradient_snr(net, x, y, batch, snr_batches, gen)
            grad_norm[slot_snr[step]], noise_norm[slot_snr[step]] = g.cpu().numpy(), n.cpu().numpy()
        if step in starts:
            collecting = starts[step]
            buffer = torch.empty((len(etas), window, n_params), dtype=torch.float64, device=device)
        if collecting is not None:
            buffer[:, step - int(window_steps[collecting]) + window - 1] = net.flat()
            if step == window_steps[collecting]:
                with torch.no_grad():
                    window_loss[collecting] = full_loss(net, x, y, batch).cpu().numpy()
                window_entropy[collecting] = [knn_graph_entropy(b, k, dim=n_params - 1) for b in buffer.cpu().numpy()]
                collecting, buffer = None, None
        if progress is not None:
            progress.update(1)
    return TrainingRecord(width, n_params, etas, log_steps, train_loss, snr_steps, grad_norm, noise_norm,
                          window_steps, window_loss, window_entropy)


def run_width(width: int, etas: list, n_steps: int, n_train: int, image_size: int, batch: int, seed: int,
              n_log: int, n_snr: int, snr_batches: int, n_windows: int, window: int, k: int,
              quiet: bool = True, device: str = "cpu") -> TrainingRecord:
    """One sweep point of the chapter: every rate at one width, on the first ``n_train`` Fashion-MNIST images.

    Runs single-threaded: the convolutions are too small to gain from threads, and with the ``processes``
    executor the widths then run in parallel, one per core. ``device`` is a string (``cpu``, ``cuda``,
    ``auto``) so that it is part of the sweep point's key.
    """
    from tqdm.auto import tqdm

    from thermo_utils.core.datasets import load_dataset

    data = load_dataset("fashion_mnist")
    if n_train > len(data.train_labels):
        raise ValueError(f"n_train ({n_train}) exceeds the {len(data.train_labels)} training images")
    where = resolve_device(device)
    x = prepare_images(data.train_images[:n_train], image_size, device=where)
    y = torch.as_tensor(data.train_labels[:n_train].astype(np.int64), device=where)
    with single_thread(), tqdm(total=n_steps, desc=f"width {width}", disable=quiet, mininterval=15.0) as bar:
        return train_projected_sgd(x, y, etas, width, n_steps, seed=seed, batch=batch, n_log=n_log, n_snr=n_snr,
                                   snr_batches=snr_batches, n_windows=n_windows, window=window, k=k,
                                   progress=bar, device=where)


def stationary_values(record: TrainingRecord, n_stationary: int) -> tuple[np.ndarray, np.ndarray]:
    """U and S per rate: means over the last ``n_stationary`` entropy windows of the run."""
    if not 1 <= n_stationary <= len(record.window_steps):
        raise ValueError(f"n_stationary must be in [1, {len(record.window_steps)}], got {n_stationary}")
    return record.window_loss[-n_stationary:].mean(0), record.window_entropy[-n_stationary:].mean(0)
