"""The GCN and GAT of Lapenna et al. (GSI 2023) on superpixel graphs, their training, and their thermometry.

The layers are PyG's dense GCN and GAT layers (``DenseGCNConv``, ``DenseGATConv``): the same parameters and
the same arithmetic as ``GCNConv`` and ``GATConv`` (the tests compare them on one batch), but a padded batch
of graphs costs a few batched matrix products instead of scatter operations, ~10× faster on a CPU.

Protocol (the paper's Sec. 3): pre-train with Adam and a rate divided by 10 at given fractions of training (the
paper: one and two thirds); then continue from that one state at each learning rate or batch size, several
times with different orders of the data, and record, with two thermometers, the temperature of every layer
per epoch (the paper's interval) and per step.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from thermo_utils.chapters.gnn_temperature.superpixels import DenseGraphs, mnist_superpixels
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.thermometer import Thermometer
from thermo_utils.core.thermometer import pool_by_layer as pool_tensors
from thermo_utils.core.threads import single_thread
from thermo_utils.harness.sweep import Checkpoint

MODELS = ("gcn", "gat")
OPTIMIZERS = ("adam", "sgd")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message names the setting."""


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weight = mask.unsqueeze(-1).to(x.dtype)
    return (x * weight).sum(1) / weight.sum(1).clamp(min=1)


def _masked_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return x.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1)


class GCN(nn.Module):
    """The paper's Fig. 1: four GCN convolutions with tanh, mean ‖ max pooling, one linear layer."""

    def __init__(self):
        super().__init__()
        from torch_geometric.nn import DenseGCNConv

        self.initial_conv = DenseGCNConv(1, 32)
        self.conv1 = DenseGCNConv(32, 64)
        self.conv2 = DenseGCNConv(64, 64)
        self.conv3 = DenseGCNConv(64, 64)
        self.out = nn.Linear(128, 10)

    convolutions = ("initial_conv", "conv1", "conv2", "conv3")

    def forward(self, x, adj, mask):
        for name in self.convolutions:
            x = torch.tanh(getattr(self, name)(x, adj, mask))
        return self.out(torch.cat([_masked_mean(x, mask), _masked_max(x, mask)], dim=-1))


class GAT(nn.Module):
    """The paper's Fig. 5: three two-head GAT convolutions with ReLU, mean pooling, three linear layers."""

    def __init__(self):
        super().__init__()
        from torch_geometric.nn import DenseGATConv

        self.initial_conv = DenseGATConv(1, 32, heads=2)
        self.conv1 = DenseGATConv(64, 64, heads=2)
        self.conv2 = DenseGATConv(128, 64, heads=2)
        self.out = nn.Linear(128, 32)
        self.out1 = nn.Linear(32, 32)
        self.out2 = nn.Linear(32, 10)

    convolutions = ("initial_conv", "conv1", "conv2")

    def forward(self, x, adj, mask):
        # the neighbourhoods (self-loops added) are formed once for the three layers, not once per layer
        n = adj.shape[-1]
        blocked = ~((adj != 0) | torch.eye(n, dtype=torch.bool, device=adj.device)).unsqueeze(1)
        keep = mask.unsqueeze(-1).to(x.dtype)
        for name in self.convolutions:
            x = F.relu(gat_convolution(getattr(self, name), x, blocked, keep))
        x = _masked_mean(x, mask)
        return self.out2(F.relu(self.out1(F.relu(self.out(x)))))


def gat_convolution(conv, x: torch.Tensor, blocked: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``DenseGATConv.forward`` (concatenated heads, no dropout) with the attention laid out (B, H, N, N).

    The same parameters and arithmetic as PyG's layer (the tests compare them), but the heads lead, so the
    softmax and the product with the features run on contiguous blocks: about twice as fast on a CPU at
    batch 32. ``blocked`` (B, 1, N, N) is True where j is not a neighbour of i (self-loops included);
    ``keep`` (B, N, 1) is the node mask.
    """
    batch, n, _ = x.shape
    heads, channels = conv.heads, conv.out_channels
    h = conv.lin(x).view(batch, n, heads, channels).transpose(1, 2)  # (B, H, N, C)
    source = (h * conv.att_src.view(1, heads, 1, channels)).sum(-1)  # (B, H, N): the score of j as a neighbour
    target = (h * conv.att_dst.view(1, heads, 1, channels)).sum(-1)  # (B, H, N): the score of i as the centre
    alpha = F.leaky_relu(target.unsqueeze(-1) + source.unsqueeze(-2), conv.negative_slope)  # (B, H, N_i, N_j)
    alpha = torch.softmax(alpha.masked_fill(blocked, float("-inf")), dim=-1)
    out = (alpha @ h).transpose(1, 2).reshape(batch, n, heads * channels)
    return (out + conv.bias) * keep


def build_model(name: str, seed: int, device: str | torch.device = "cpu") -> nn.Module:
    """A freshly initialised GCN or GAT on ``device``; the same seed gives the same weights on every device
    (they are drawn on the CPU, then moved)."""
    if name not in MODELS:
        raise ValueError(f"model {name!r} is invalid: expected one of {MODELS}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch_generator(seed, 7).initial_seed()))
        net = GCN() if name == "gcn" else GAT()
    return net.to(device)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_of(parameter_name: str) -> str:
    """The layer a parameter belongs to: its top-level module (``conv2.lin.weight`` → ``conv2``)."""
    return parameter_name.split(".", 1)[0]


def layer_names(model: nn.Module) -> list[str]:
    return list(dict.fromkeys(layer_of(n) for n, _ in model.named_parameters()))


def pool_by_layer(per_tensor: dict[str, float], model: nn.Module) -> dict[str, float]:
    """Per-layer T from per-tensor T, a layer being a top-level module (a PyG layer's ``lin.weight`` and ``bias``
    sit at different depths)."""
    sizes = {n: p.numel() for n, p in model.named_parameters()}
    return {layer: float(t) for layer, t in pool_tensors(per_tensor, sizes, layer_of).items()}


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """Adam (the paper's optimizer) or plain SGD (no momentum); no weight decay, as in the paper."""
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"optimizer {name!r} is invalid: expected one of {OPTIMIZERS}")


@torch.no_grad()
def evaluate(model: nn.Module, graphs: DenseGraphs, batch_size: int = 256) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) over all the graphs."""
    model.eval()
    correct, loss = 0, 0.0
    for start in range(0, len(graphs), batch_size):
        inputs, y = graphs.batch(slice(start, start + batch_size))
        logits = model(*inputs)
        loss += float(F.cross_entropy(logits, y, reduction="sum"))
        correct += int((logits.argmax(-1) == y).sum())
    model.train()
    return correct / len(graphs), loss / len(graphs)


@torch.no_grad()
def predictions(model: nn.Module, graphs: DenseGraphs, batch_size: int = 256) -> np.ndarray:
    """Whether the model classifies each graph correctly: a boolean array, one entry per graph (for paired tests)."""
    model.eval()
    correct = []
    for start in range(0, len(graphs), batch_size):
        inputs, y = graphs.batch(slice(start, start + batch_size))
        correct.append((model(*inputs).argmax(-1) == y).cpu().numpy())
    model.train()
    return np.concatenate(correct)


def train_epoch(model, graphs: DenseGraphs, optimizer, batch_size: int, generator: torch.Generator,
                per_step: Thermometer | None = None, setting: str = "") -> float:
    """One pass over the data in a random order (incomplete last batch dropped); returns the mean loss."""
    if batch_size > len(graphs):
        raise ValueError(f"batch_size = {batch_size} exceeds the {len(graphs)} training graphs")
    # the order is drawn by ``generator`` where it lives (the CPU by default: the same order on every device)
    order = torch.randperm(len(graphs), generator=generator, device=generator.device).to(graphs.device)
    steps = len(graphs) // batch_size
    total = torch.zeros((), dtype=torch.float64, device=graphs.device)  # summed on the device: no per-step sync
    for step in range(steps):
        inputs, y = graphs.batch(order[step * batch_size : (step + 1) * batch_size])
        loss = F.cross_entropy(model(*inputs), y)
        if graphs.device.type == "cpu" and not torch.isfinite(loss):
            raise TrainingDiverged(f"training diverged (loss = {float(loss)}) at {setting}")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if per_step is not None:
            per_step.read()
        total += loss.detach().double()
    mean = float(total) / steps
    if not np.isfinite(mean):
        raise TrainingDiverged(f"training diverged (mean loss = {mean}) at {setting}")
    return mean


def _data(n: int, split: str, data: dict) -> DenseGraphs:
    return mnist_superpixels(split, n, quiet=True, **data)


def _on(device: str | torch.device) -> torch.device:
    """A device string of a sweep point (``cpu``, ``cuda``, ``auto``) as a torch device."""
    from thermo_utils.core.device import resolve_device

    return device if isinstance(device, torch.device) else resolve_device(device)


def decay_milestones(epochs: int, decay_at) -> list[int]:
    """The epochs after which the rate is divided by 10: ``round(f · epochs)`` for each fraction f (at least 1,
    never the last epoch)."""
    fractions = [float(f) for f in decay_at]
    if any(not 0 < f < 1 for f in fractions):
        raise ValueError(f"decay_at = {tuple(decay_at)} is invalid: every fraction must lie in (0, 1)")
    return sorted({max(1, round(f * epochs)) for f in fractions} - {epochs})


def pretrain(model: str, n_train: int, n_test: int, epochs: int, lr: float, batch_size: int, seed: int,
             data: dict, quiet: bool = True, checkpoint_path: str | None = None, device: str = "cpu",
             decay_at=(1 / 3, 2 / 3)) -> dict:
    """Train from scratch with Adam (see :func:`_pretrain`), on one CPU thread: steps of these small models lose
    more to thread hand-offs than they gain, and sweeps spread over cores instead."""
    with single_thread():
        return _pretrain(model, n_train, n_test, epochs, lr, batch_size, seed, data, quiet, checkpoint_path, device,
                         decay_at)


def _pretrain(model: str, n_train: int, n_test: int, epochs: int, lr: float, batch_size: int, seed: int,
              data: dict, quiet: bool = True, checkpoint_path: str | None = None, device: str = "cpu",
              decay_at=(1 / 3, 2 / 3)) -> dict:
    """Train from scratch with Adam, the rate divided by 10 after each fraction ``decay_at`` of the epochs
    (the paper's schedule: 1/3 and 2/3).

    Returns the final weights, the per-epoch training curves and the test accuracy. With ``checkpoint_path``
    (``run_sweep`` supplies one) the state is saved after every epoch and an interrupted run resumes there.
    The model and the graphs live on ``device``; the returned weights are on the CPU.
    """
    device = _on(device)
    train_set, test_set = _data(n_train, "train", data).to(device), _data(n_test, "test", data).to(device)
    net = build_model(model, seed, device)
    optimizer = make_optimizer("adam", net.parameters(), lr)
    milestones = decay_milestones(epochs, decay_at)
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1)
    generator = torch_generator(seed, 11)
    history = defaultdict(list)
    checkpoint = Checkpoint(checkpoint_path, every=1)
    start = 0
    saved = checkpoint.load()
    if saved is not None:
        start, resume = saved
        net.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        schedule.load_state_dict(resume["schedule"])
        generator.set_state(resume["generator"])
        history.update({k: list(v) for k, v in resume["history"].items()})
    for epoch in tqdm(range(start, epochs), desc=f"pre-training {model.upper()}", disable=quiet, mininterval=2.0):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        history["train_loss"].append(train_epoch(net, train_set, optimizer, batch_size, generator,
                                                 setting=f"pre-training {model}, epoch {epoch}, lr {lr:g}"))
        accuracy, loss = evaluate(net, test_set)
        history["test_accuracy"].append(accuracy)
        history["test_loss"].append(loss)
        schedule.step()
        if checkpoint.due(epoch + 1):
            checkpoint.save(epoch + 1, {"model": net.state_dict(), "optimizer": optimizer.state_dict(),
                                        "schedule": schedule.state_dict(), "generator": generator.get_state(),
                                        "history": dict(history)})
    state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    correct = predictions(net, test_set)
    return {"state": state, "history": dict(history), "test_accuracy": history["test_accuracy"][-1],
            "test_correct": correct, "parameters": parameter_count(net), "data_source": train_set.source,
            "milestones": milestones}


def state_digest(state: dict) -> str:
    """SHA-256 of a set of weights (names and values), independent of how the file was written."""
    digest = hashlib.sha256()
    for name in sorted(state):
        digest.update(name.encode())
        digest.update(state[name].detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def save_state(state: dict, folder: Path, name: str) -> tuple[str, str]:
    """Save weights for the sweeps to continue from; return the file and the weights' digest.

    The file is named by the digest, so runs of other seeds or settings sharing one cache folder (the robustness
    runs execute several seeds at once) never overwrite each other's weights; it is written whole, then renamed.
    """
    digest = state_digest(state)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{digest[:16]}.pt"
    partial = path.with_suffix(f".{os.getpid()}.partial")
    torch.save(state, partial)
    os.replace(partial, path)
    return str(path), digest


def load_state(path: str, sha256: str) -> dict:
    state = torch.load(path, weights_only=True, map_location="cpu")
    if state_digest(state) != sha256:
        raise ValueError(f"{path}: the saved weights do not match their checksum; re-run the pre-training")
    return state


def equilibrium_run(model: str, state_file: str, state_sha256: str, n_train: int, optimizer: str, lr: float,
                    batch_size: int, epochs: int, burn_in: int, seed: int, data: dict,
                    keep_trajectory_of: str | None = None, device: str = "cpu", replica: int = 0) -> dict:
    """One equilibrium run (see :func:`_equilibrium_run`), on one CPU thread like :func:`pretrain`."""
    with single_thread():
        return _equilibrium_run(model, state_file, state_sha256, n_train, optimizer, lr, batch_size, epochs, burn_in,
                                seed, data, keep_trajectory_of, device, replica)


def _equilibrium_run(model: str, state_file: str, state_sha256: str, n_train: int, optimizer: str, lr: float,
                     batch_size: int, epochs: int, burn_in: int, seed: int, data: dict,
                     keep_trajectory_of: str | None = None, device: str = "cpu", replica: int = 0) -> dict:
    """Continue from the pre-trained state at one (optimizer, lr, batch) and take temperatures.

    After ``burn_in`` unrecorded epochs, ``epochs`` epochs are recorded with a per-epoch thermometer (velocity
    = change over one epoch, the paper's Δt) and a per-step thermometer (change over one step). Returns the
    per-layer T of both, per-epoch series, per-row T of every convolution weight, the training losses, the
    final weights, and optionally the per-epoch trajectory of one weight tensor. ``replica`` > 0 draws another
    order of the data (an independent run from the same state); replica 0 is the original stream.
    """
    if epochs < 1 or burn_in < 0:
        raise ValueError(f"need epochs >= 1 and burn_in >= 0, got epochs = {epochs}, burn_in = {burn_in}")
    device = _on(device)
    train_set = _data(n_train, "train", data).to(device)
    net = build_model(model, seed, device)
    net.load_state_dict(load_state(state_file, state_sha256))
    opt = make_optimizer(optimizer, net.parameters(), lr)
    stream = (13, batch_size, int(round(lr * 1e7))) + ((replica,) if replica else ())
    generator = torch_generator(seed, *stream)
    started = time.perf_counter()
    setting = f"model={model}, optimizer={optimizer}, lr={lr:g}, batch_size={batch_size}"
    losses = [train_epoch(net, train_set, opt, batch_size, generator, setting=setting) for _ in range(burn_in)]
    weights = [n for n, p in net.named_parameters() if p.dim() == 2 and layer_of(n) in net.convolutions]
    per_epoch, per_step = Thermometer(net), Thermometer(net)
    step_layers, step_rows = [], defaultdict(list)
    epoch_series = []
    trajectory = [] if keep_trajectory_of else None
    if keep_trajectory_of:
        trajectory.append(dict(net.named_parameters())[keep_trajectory_of].detach().cpu().clone().numpy())
    for _ in range(epochs):
        per_step.reset()
        losses.append(train_epoch(net, train_set, opt, batch_size, generator, per_step, setting))
        per_epoch.read()
        step_layers.append(pool_by_layer(per_step.temperature(), net))
        for name in weights:
            step_rows[name].append(per_step.row_temperature(name))
        epoch_series.append(pool_by_layer({n: per_epoch.series(n)[-1] for n in per_epoch.params}, net))
        if trajectory is not None:
            trajectory.append(dict(net.named_parameters())[keep_trajectory_of].detach().cpu().clone().numpy())
    layers = layer_names(net)
    sizes = {layer: sum(p.numel() for n, p in net.named_parameters() if layer_of(n) == layer) for layer in layers}
    return {
        "setting": {"model": model, "optimizer": optimizer, "lr": lr, "batch_size": batch_size, "replica": replica},
        "layer_sizes": sizes,
        "steps_per_epoch": n_train // batch_size,
        "seconds": time.perf_counter() - started,
        "graph_epochs": n_train * (burn_in + epochs),
        "T_epoch": pool_by_layer(per_epoch.temperature(), net),
        "T_step": {layer: float(np.mean([s[layer] for s in step_layers])) for layer in layers},
        "T_epoch_series": {layer: np.array([s[layer] for s in epoch_series]) for layer in layers},
        "rows_epoch": {name: per_epoch.row_temperature(name) for name in weights},
        "rows_step": {name: np.mean(step_rows[name], axis=0) for name in weights},
        "rows_step_by_epoch": {name: np.stack(step_rows[name]) for name in weights},
        "train_loss": np.array(losses),
        "burn_in": burn_in,
        "state": {k: v.detach().cpu().clone() for k, v in net.state_dict().items()},
        "trajectory": None if trajectory is None else np.stack(trajectory),
    }


def load_trained(model: str, state: dict, device: str | torch.device = "cpu") -> nn.Module:
    """A model holding the given weights, on ``device`` (for evaluation and pruning)."""
    net = build_model(model, 0, device)
    net.load_state_dict(state)
    return net


def sweep_points(lrs, batch_sizes, sweep_batch: int, sweep_lr: float) -> list[tuple[float, int]]:
    """The (lr, batch) settings of both sweeps and the reference (sweep_lr, sweep_batch), each once, in order."""
    points = [(float(lr), int(sweep_batch)) for lr in lrs] + [(float(sweep_lr), int(b)) for b in batch_sizes]
    points.append((float(sweep_lr), int(sweep_batch)))
    return list(dict.fromkeys(points))


def element_temperature(trajectory: np.ndarray) -> np.ndarray:
    """Time-averaged ½ v² of every entry of a weight, from its per-epoch trajectory (time on axis 0)."""
    velocity = np.diff(np.asarray(trajectory, dtype=np.float64), axis=0)
    return 0.5 * (velocity**2).mean(axis=0)


def row_temperature_by_epoch(trajectory: np.ndarray) -> np.ndarray:
    """Per-row ½ v² of a weight at each epoch, from its per-epoch trajectory: shape (epochs, rows)."""
    velocity = np.diff(np.asarray(trajectory, dtype=np.float64), axis=0)
    return 0.5 * (velocity**2).reshape(velocity.shape[0], velocity.shape[1], -1).mean(axis=2)


def split_half_agreement(row_temperatures: np.ndarray) -> float:
    """Spearman correlation across rows of T averaged over the first and over the second half of the readings.

    ``row_temperatures`` has shape (readings, rows). A persistent ordering of hot and cold rows gives a value
    near 1; rows that differ only by finite sampling give a value near 0.
    """
    from scipy.stats import spearmanr

    row_temperatures = np.asarray(row_temperatures, dtype=np.float64)
    if row_temperatures.ndim != 2 or row_temperatures.shape[0] < 2:
        raise ValueError(f"need (readings >= 2, rows) per-row temperatures, got shape {row_temperatures.shape}")
    half = row_temperatures.shape[0] // 2
    first, second = row_temperatures[:half].mean(axis=0), row_temperatures[half:].mean(axis=0)
    return float(spearmanr(first, second).statistic)


# CPU seconds per graph-epoch on one core (batch 32, per-step thermometer included), measured at classroom
# (GCN 0.51 ms; GAT 1.71 ms before its heads-first attention, 1.6x faster since); for the estimate printed
# before a run and the order of the sweep. The chapter also prints the rate it measured.
SECONDS_PER_GRAPH = {"gcn": 5.1e-4, "gat": 1.1e-3}


def estimated_cost_s(model: str, n_train: int, pretrain_epochs: int, equilibrium_epochs: int,
                     n_settings: int) -> float:
    """Rough CPU seconds for pre-training plus every equilibrium run of one model (to state costs up front)."""
    return SECONDS_PER_GRAPH[model] * n_train * (pretrain_epochs + n_settings * equilibrium_epochs)


def analyse_sweeps(runs: list[dict], optimizer: str, key: str, lrs, batch_sizes, sweep_batch: int,
                   sweep_lr: float) -> dict:
    """Fits of one optimizer's sweeps, per layer: a power law in η and, in 1/β, a line, a parabola and a power law.

    ``key`` is ``"T_epoch"`` or ``"T_step"``. Every replica of a setting is one point of the fit, so the
    intervals carry the run-to-run variance. Returns ``{"eta": {layer: PowerLawFit}, "batch": {layer: {...}},
    "eta_x", "eta_T", "inv_batch_x", "batch_T"}`` with the replica means, and ``"eta_points"``,
    ``"batch_points"`` (x and T of every run).
    """
    from thermo_utils.core.fitting import compare_polynomial_degrees, power_law_fit

    found = defaultdict(list)
    for r in runs:
        if r["setting"]["optimizer"] == optimizer:
            found[(r["setting"]["lr"], r["setting"]["batch_size"])].append(r[key])
    lrs = sorted({float(x) for x in lrs})
    batches = sorted({int(b) for b in batch_sizes})
    layers = list(next(iter(found.values()))[0])

    def points(settings, x_of):
        x = np.array([x_of(s) for s in settings for _ in found[s]])
        t = {layer: np.array([run[layer] for s in settings for run in found[s]]) for layer in layers}
        return x, t

    eta_px, eta_pt = points([(lr, sweep_batch) for lr in lrs], lambda s: s[0])
    inv_px, batch_pt = points([(sweep_lr, b) for b in batches], lambda s: 1.0 / s[1])
    eta_t = {layer: np.array([np.mean([run[layer] for run in found[(lr, sweep_batch)]]) for lr in lrs])
             for layer in layers}
    inv_b = np.array([1.0 / b for b in batches])
    batch_t = {layer: np.array([np.mean([run[layer] for run in found[(sweep_lr, b)]]) for b in batches])
               for layer in layers}
    batch = {}
    for layer in layers:
        y = batch_pt[layer]
        line = np.polyfit(inv_px, y, 1)
        residual = y - np.polyval(line, inv_px)
        r2 = 1 - float(residual @ residual) / float(((y - y.mean()) ** 2).sum())
        quadratic_p = (compare_polynomial_degrees(inv_px, y, 1, 2).p_value if len(inv_px) > 3 else float("nan"))
        batch[layer] = {"slope": float(line[0]), "intercept": float(line[1]), "r2_linear": r2,
                        "p_quadratic": quadratic_p, "power_law": power_law_fit(inv_px, y)}
    return {"eta": {layer: power_law_fit(eta_px, eta_pt[layer]) for layer in layers}, "batch": batch,
            "eta_x": np.array(lrs), "eta_T": eta_t, "inv_batch_x": inv_b, "batch_T": batch_t,
            "eta_points": (eta_px, eta_pt), "batch_points": (inv_px, batch_pt)}

def equilibrium_points(model: str, state_file: str, state_sha256: str, optimizers, settings, *, n_train: int,
                       epochs: int, burn_in: int, seed: int, data: dict, reference: tuple[float, int],
                       device: str = "cpu", replicas: int = 1, reference_replicas: int = 0) -> list[dict]:
    """The sweep points of one model's equilibrium runs: every optimizer at every (lr, batch) setting, each
    ``replicas`` times with its own order of the data (replica 0 is the original stream).

    The first optimizer's ``reference`` setting gets ``max(replicas, reference_replicas)`` runs (the statements
    judged there alone need more runs than a point of a fit; fits use replicas below ``replicas`` only, see
    :func:`fit_runs`). The GCN's first run at the ``reference`` setting also keeps the per-epoch trajectory of
    ``conv2``'s weight (for the row figure). ``device`` is a string so that it is part of every point's key.
    """
    points = []
    for opt in optimizers:
        for lr, b in settings:
            at_reference = (lr, b) == tuple(reference) and opt == optimizers[0]
            for replica in range(max(replicas, reference_replicas) if at_reference else replicas):
                keep = model == "gcn" and (lr, b) == tuple(reference) and replica == 0
                point = dict(model=model, state_file=state_file, state_sha256=state_sha256, n_train=n_train,
                             optimizer=opt, lr=lr, batch_size=b, epochs=epochs, burn_in=burn_in, seed=seed,
                             data=data, keep_trajectory_of="conv2.lin.weight" if keep else None, device=device)
                if replica:
                    point["replica"] = replica  # replica 0 keeps the key it had before replicas existed
                points.append(point)
    return points


def fit_runs(runs: list[dict], replicas: int) -> list[dict]:
    """The runs that enter the sweeps' fits and gates: replicas 0 .. ``replicas`` − 1 of every setting (the same
    number at every point of a fit)."""
    return [r for r in runs if r["setting"]["replica"] < replicas]


def by_cost(points: list[dict]) -> list[dict]:
    """Sweep points, the costliest first (graphs × epochs × the model's cost per graph, small batches first at
    equal cost), so that two workers finish together."""
    return sorted(points, key=lambda p: (-SECONDS_PER_GRAPH[p["model"]] * p["n_train"] * (p["epochs"] + p["burn_in"]),
                                         p["batch_size"]))

