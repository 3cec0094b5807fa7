"""Networks on Laplacian eigenvectors that respect their symmetries: SignNet, BasisNet and the baselines.

Every positional encoder maps a :class:`~thermo_utils.chapters.signnet_basisnet.spectral.SpectralBatch` to node features [B,N,P]:

- ``SignNetPE``: ``rho( sum_k psi(phi(v_k) + phi(-v_k), lambda_k) )``. ``phi`` is a GIN over the graph
  (or a DeepSets over the nodes) applied to each eigenvector as a one-channel node signal; the sum
  ``phi(v) + phi(-v)`` makes each term sign invariant, and summing over eigenvectors (a DeepSets ``rho``
  that also reads the eigenvalue) handles any number of them. Invariant to the 2^n sign choices, not to
  rotations inside a repeated eigenspace.
- ``BasisNetPE``: for each eigenspace ``s`` of dimension ``d``, ``phi_d(V_s V_s^T)``, with ``phi_d`` an
  order-2 invariant graph network (IGN) from the projector matrix to node features; the projector does
  not depend on the basis, so the encoder is invariant to any ``V_s Q``, ``Q`` in O(d).
- ``EigvecPE``: an MLP on each node's row of eigenvector entries: ``raw``, ``flip`` (random signs at
  every training step: augmentation, not invariance) or ``abs`` (absolute values: invariant, but loses
  information).

``GraphRegressor`` feeds the node features (plus the encoding) to a GIN with sum pooling.
The fitting functions at the bottom are the chapter's sweep points (module level, so they pickle).
"""

from __future__ import annotations

import copy
import functools
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch_geometric.nn import DenseGINConv

from thermo_utils.chapters.signnet_basisnet.spectral import (
    SpectralBatch,
    batch_graphs,
    random_node_permutations,
    random_sign_flip,
    relabel,
)
from thermo_utils.core.device import resolve_device
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.threads import single_thread

PE_KINDS = ("none", "raw", "flip", "abs", "signnet", "signnet_deepsets", "basisnet")


def mlp(sizes, final_activation: bool = False) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """Mean over the real entries of ``dim`` (mask broadcastable to x, padded entries already zero)."""
    count = mask.sum(dim, keepdim=True).clamp_min(1).to(x.dtype)
    return (x * mask).sum(dim, keepdim=True) / count


class DenseGIN(nn.Module):
    """A GIN (PyG's DenseGINConv) on padded dense graphs: x [G,N,F], adj [G,N,N], mask [G,N]."""

    def __init__(self, in_dim: int, hidden: int, layers: int):
        super().__init__()
        dims = [in_dim] + [hidden] * layers
        self.convs = nn.ModuleList(DenseGINConv(mlp([a, b, b]), train_eps=True) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x, adj, mask):
        """DenseGINConv's update, with each MLP applied to the real nodes only (padded rows stay zero).

        The same numbers as ``conv(x, adj, mask)`` without computing the padded rows, which in SignNet's
        [eigenvectors, nodes] layout are up to 43 % of the rows at classroom sizes (8 to 14 nodes padded to 14).
        """
        rows = mask.reshape(-1).nonzero().squeeze(1)
        for i, conv in enumerate(self.convs):
            z = torch.matmul(adj, x) + (1 + conv.eps) * x
            flat = conv.nn(z.reshape(-1, z.shape[-1]).index_select(0, rows))
            x = flat.new_zeros(z.shape[0] * z.shape[1], flat.shape[-1]).index_copy(0, rows, flat)
            x = x.view(z.shape[0], z.shape[1], -1)
            if i < len(self.convs) - 1:
                x = torch.relu(x)
        return x


class DeepSetsNodes(nn.Module):
    """Permutation-equivariant DeepSets over nodes: h_i <- A h_i + B mean_j h_j (the graph is ignored)."""

    def __init__(self, in_dim: int, hidden: int, layers: int):
        super().__init__()
        dims = [in_dim] + [hidden] * layers
        self.own = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.pooled = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x, adj, mask):
        m = mask.unsqueeze(-1).to(x.dtype)
        for i, (own, pooled) in enumerate(zip(self.own, self.pooled)):
            x = (own(x) + pooled(masked_mean(x, m, 1))) * m
            if i < len(self.own) - 1:
                x = torch.relu(x)
        return x


class SignNetPE(nn.Module):
    """Sign-invariant encoder: phi(v) + phi(-v) per eigenvector, then a DeepSets rho over eigenvectors."""

    def __init__(self, hidden: int, pe_dim: int, phi: str = "gin", phi_layers: int = 3):
        super().__init__()
        if phi not in ("gin", "deepsets"):
            raise ValueError(f"phi must be 'gin' or 'deepsets', got {phi!r}")
        self.phi = (DenseGIN if phi == "gin" else DeepSetsNodes)(1, hidden, phi_layers)
        self.psi = mlp([hidden + 1, hidden, hidden], final_activation=True)
        self.rho = mlp([hidden, hidden, pe_dim])

    def forward(self, batch: SpectralBatch) -> torch.Tensor:
        b, n, k = batch.eigvecs.shape
        # one graph signal per real eigenvector (the padded slots of small graphs are skipped, not masked)
        keep = batch.eig_mask.reshape(-1).nonzero().squeeze(1)
        graph = keep // k
        signal = batch.eigvecs.transpose(1, 2).reshape(b * k, n, 1).index_select(0, keep)
        adj, mask = batch.adj.index_select(0, graph), batch.mask.index_select(0, graph)
        both = self.phi(torch.cat([signal, -signal]), torch.cat([adj, adj]), torch.cat([mask, mask]))
        h = both[: len(keep)] + both[len(keep):]  # [R,N,H], R real eigenvectors in the batch
        lam = batch.eigvals.reshape(-1).index_select(0, keep)[:, None, None].expand(-1, n, 1)
        terms = self.psi(torch.cat([h, lam], -1))
        pooled = terms.new_zeros(b, n, terms.shape[-1]).index_add(0, graph, terms)  # sum over each graph's vectors
        return self.rho(pooled) * batch.mask.unsqueeze(-1).to(h.dtype)


class IGN2to2(nn.Module):
    """All 15 linear permutation-equivariant maps from n x n matrices to n x n matrices (Maron et al.).

    Written so that only two maps touch the full matrix (X and X^T); the others act on its diagonal, row
    and column means, total mean and trace, then are broadcast along rows, columns or the diagonal.
    """

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.full = nn.Linear(c_in, c_out)
        self.transposed = nn.Linear(c_in, c_out, bias=False)
        self.along_rows = nn.Linear(5 * c_in, c_out, bias=False)  # depends on i (and constants)
        self.along_cols = nn.Linear(3 * c_in, c_out, bias=False)  # depends on j
        self.on_diagonal = nn.Linear(5 * c_in, c_out, bias=False)

    def forward(self, x, mask):
        node_stats, graph_stats = ign_statistics(x, mask)
        pair = mask[:, :, None] & mask[:, None, :]
        per_i = torch.cat([node_stats, graph_stats.unsqueeze(1).expand(-1, x.shape[1], -1)], -1)
        out = self.full(x) + self.transposed(x.transpose(1, 2))
        out = out + self.along_rows(per_i)[:, :, None, :] + self.along_cols(node_stats)[:, None, :, :]
        diagonal = torch.diagonal(out, dim1=1, dim2=2)  # a view [M,C,N]: no n x n matrix of zeros is built
        diagonal += self.on_diagonal(per_i).transpose(1, 2)
        return out * pair.unsqueeze(-1).to(x.dtype)


class IGN2to1(nn.Module):
    """All 5 linear equivariant maps from n x n matrices to node vectors."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.linear = nn.Linear(5 * c_in, c_out)

    def forward(self, x, mask):
        node_stats, graph_stats = ign_statistics(x, mask)
        out = self.linear(torch.cat([node_stats, graph_stats.unsqueeze(1).expand(-1, x.shape[1], -1)], -1))
        return out * mask.unsqueeze(-1).to(x.dtype)


def ign_statistics(x: torch.Tensor, mask: torch.Tensor):
    """Diagonal, row mean, column mean [M,N,3C] and total mean, mean of diagonal [M,2C] of x [M,N,N,C]."""
    n = mask.sum(1).clamp_min(1).to(x.dtype)[:, None, None]
    diag = torch.diagonal(x, dim1=1, dim2=2).transpose(1, 2)
    rows, cols = x.sum(2) / n, x.sum(1) / n
    total, trace = x.sum((1, 2)) / n[:, 0] ** 2, diag.sum(1) / n[:, 0]
    return torch.cat([diag, rows, cols], -1), torch.cat([total, trace], -1)


class IGN(nn.Module):
    """An order-2 invariant graph network: projector matrix [M,N,N] -> node features [M,N,H]."""

    def __init__(self, hidden: int, layers: int = 2):
        super().__init__()
        self.blocks = nn.ModuleList(IGN2to2(1 if i == 0 else hidden, hidden) for i in range(layers))
        self.readout = IGN2to1(hidden, hidden)

    def forward(self, matrix, mask):
        x = matrix.unsqueeze(-1)
        for block in self.blocks:
            x = torch.relu(block(x, mask))
        return self.readout(x, mask)


class BasisNetPE(nn.Module):
    """Basis-invariant encoder: an IGN per eigenspace dimension on the projector V_s V_s^T, DeepSets over s.

    Eigenspaces of dimension above ``max_dim`` share the network of ``max_dim`` (still basis invariant).
    The IGNs are narrow (``ign_hidden`` channels, ``ign_layers`` matrix layers): they act on one n x n matrix
    per eigenspace, the costliest part of the model.
    """

    def __init__(self, hidden: int, pe_dim: int, max_dim: int = 3, ign_hidden: int = 8, ign_layers: int = 1):
        super().__init__()
        if max_dim < 1:
            raise ValueError(f"max_dim must be >= 1, got {max_dim}")
        self.max_dim = max_dim
        self.phis = nn.ModuleList(IGN(ign_hidden, ign_layers) for _ in range(max_dim))
        self.psi = mlp([ign_hidden + 1, hidden, hidden], final_activation=True)
        self.rho = mlp([hidden, hidden, pe_dim])
        self.ign_hidden = ign_hidden

    def forward(self, batch: SpectralBatch) -> torch.Tensor:
        b, n, k = batch.eigvecs.shape
        member = (batch.space_id.unsqueeze(-1) == torch.arange(k, device=batch.eigvecs.device)).to(batch.eigvecs.dtype)
        dims = member.sum(1)  # [B,S]; zero for unused space slots
        projectors = torch.einsum("bik,bks,bjk->bsij", batch.eigvecs, member, batch.eigvecs)
        space_eigval = torch.einsum("bk,bks->bs", batch.eigvals, member) / dims.clamp_min(1)
        features = projectors.new_zeros(b, k, n, self.ign_hidden)
        node_mask = batch.mask.unsqueeze(1).expand(b, k, n)
        which = dims.clamp(max=self.max_dim).long()
        for d, phi in enumerate(self.phis, start=1):
            chosen = which == d
            if chosen.any():
                features[chosen] = phi(projectors[chosen], node_mask[chosen])
        lam = space_eigval[:, :, None, None].expand(b, k, n, 1)
        terms = self.psi(torch.cat([features, lam], -1)) * (dims > 0)[:, :, None, None].to(features.dtype)
        return self.rho(terms.sum(1)) * batch.mask.unsqueeze(-1).to(features.dtype)


class EigvecPE(nn.Module):
    """Baseline encoder: an MLP on each node's eigenvector entries and the eigenvalues (``raw``, ``flip``, ``abs``)."""

    def __init__(self, num_nodes: int, hidden: int, pe_dim: int, mode: str = "raw"):
        super().__init__()
        if mode not in ("raw", "flip", "abs"):
            raise ValueError(f"mode must be 'raw', 'flip' or 'abs', got {mode!r}")
        self.mode = mode
        self.net = mlp([2 * num_nodes, hidden, pe_dim])

    def forward(self, batch: SpectralBatch) -> torch.Tensor:
        v = batch.eigvecs
        if self.mode == "abs":
            v = v.abs()
        elif self.mode == "flip" and self.training:  # a fresh random sign per eigenvector and graph
            v = v * (torch.randint(0, 2, (v.shape[0], 1, v.shape[2]), device=v.device).to(v.dtype) * 2 - 1)
        lam = batch.eigvals.unsqueeze(1).expand_as(v)
        return self.net(torch.cat([v, lam], -1)) * batch.mask.unsqueeze(-1).to(v.dtype)


def make_encoder(kind: str, num_nodes: int, hidden: int, pe_dim: int, basis_max_dim: int = 3) -> nn.Module | None:
    """The positional encoder named ``kind`` (one of PE_KINDS); None for ``none``."""
    if kind == "none":
        return None
    if kind in ("raw", "flip", "abs"):
        return EigvecPE(num_nodes, hidden, pe_dim, kind)
    if kind == "signnet":
        return SignNetPE(hidden, pe_dim, "gin")
    if kind == "signnet_deepsets":
        return SignNetPE(hidden, pe_dim, "deepsets")
    if kind == "basisnet":
        return BasisNetPE(hidden, pe_dim, basis_max_dim)
    raise ValueError(f"unknown positional encoding {kind!r}; valid: {', '.join(PE_KINDS)}")


class GraphRegressor(nn.Module):
    """A GIN over [node features, positional encoding] with sum pooling and an MLP head."""

    def __init__(self, encoder: nn.Module | None, in_features: int, out_features: int, hidden: int, layers: int,
                 pe_dim: int):
        super().__init__()
        self.encoder = encoder
        self.gin = DenseGIN(in_features + (pe_dim if encoder is not None else 0), hidden, layers)
        self.head = mlp([hidden, hidden, out_features])

    def forward(self, batch: SpectralBatch) -> torch.Tensor:
        x = batch.x if self.encoder is None else torch.cat([batch.x, self.encoder(batch)], -1)
        h = torch.relu(self.gin(x, batch.adj, batch.mask)) * batch.mask.unsqueeze(-1).to(x.dtype)
        return self.head(h.sum(1))


# ------------------------------------------------------------------------------ measured invariance
def _relative_gap(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / a.abs().max().clamp_min(1e-30))


@torch.no_grad()
def invariance_gaps(encoder: nn.Module, graphs, generator: torch.Generator) -> dict:
    """Largest relative change of the encoder's node features under each symmetry (float64).

    ``sign``: random sign per eigenvector; ``basis``: Haar-random O(d) inside every eigenspace;
    ``permutation``: nodes reordered, eigenvectors reordered with them (equivariance of the architecture);
    ``resolved``: graphs relabelled and their Laplacians solved again, features mapped back (what a
    pipeline meets in practice: the solver picks a new basis).
    """
    encoder = copy.deepcopy(encoder).double().eval()
    graphs = list(graphs)
    batch = batch_graphs(graphs, dtype=torch.float64)
    reference = encoder(batch)
    perms = random_node_permutations(batch, generator)
    permuted = encoder(batch.node_permuted(perms))
    relabelled = [relabel(g, p[: g.num_nodes]) for g, p in zip(graphs, perms)]
    resolved = encoder(batch_graphs(relabelled, num_nodes=batch.mask.shape[1], dtype=torch.float64))
    expected = torch.gather(reference, 1, perms.unsqueeze(-1).expand_as(reference))
    return {"sign": _relative_gap(reference, encoder(batch.sign_flipped(generator))),
            "basis": _relative_gap(reference, encoder(batch.basis_changed(generator))),
            "permutation": _relative_gap(expected, permuted),
            "resolved": _relative_gap(expected, resolved)}


# ------------------------------------------------------------------------------ fitting (sweep points)
class DivergedError(RuntimeError):
    """Training produced a non-finite loss; the message names the setting."""


# random re-signings of the counting test graphs (one sign per eigenvector and graph), and their generator's stream
TEST_SIGN_DRAWS = 8
TEST_SIGN_STREAM = 23


def fit_graph_regressor(kind: str, train: SpectralBatch, val: SpectralBatch, test: SpectralBatch, *, seed: int,
                        epochs: int, batch_size: int, lr: float, hidden: int, layers: int, pe_dim: int,
                        basis_max_dim: int = 3, device: str | torch.device = "cpu", test_sign_draws: int = 0,
                        test_sign_seed: int = 0) -> dict:
    """Train a :class:`GraphRegressor` with L1 on standardised targets; report test MAE at the best validation.

    MAEs are in units of each target's training standard deviation. The model and the three splits live on
    ``device``; the shuffling order is drawn on the CPU (the same order on every device) and moved there.
    With ``test_sign_draws`` > 0 the trained model is also scored on that many copies of the test graphs whose
    eigenvectors get random signs (``test_mae_resigned``, the mean over copies): equally valid outputs of the
    solver. The signs come from ``test_sign_seed`` alone, so every model of a sweep sees the same ones, and they
    are drawn after training, which they leave untouched.
    """
    if len(train) < batch_size:
        raise ValueError(f"batch_size={batch_size} exceeds the {len(train)} training graphs")
    device = torch.device(device)
    train, val, test = (split.to_device(device) for split in (train, val, test))
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    mean, std = train.y.mean(0), train.y.std(0).clamp_min(1e-8)
    model = GraphRegressor(make_encoder(kind, train.adj.shape[1], hidden, pe_dim, basis_max_dim),
                           train.x.shape[-1], train.y.shape[1], hidden, layers, pe_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, foreach=True)  # one kernel per step, not per tensor
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)

    def mae(split: SpectralBatch) -> torch.Tensor:
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(split.index(slice(i, i + 256))) for i in range(0, len(split), 256)])
        model.train()
        return ((pred - (split.y - mean) / std).abs()).mean(0)

    best_val, best_state, curve = math.inf, None, []
    started = time.perf_counter()
    for epoch in range(epochs):
        perm = torch.randperm(len(train), generator=order, device="cpu").to(device)
        losses = []
        for i in range(0, len(train) - batch_size + 1, batch_size):
            part = train.index(perm[i:i + batch_size])
            loss = (model(part) - (part.y - mean) / std).abs().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())  # read once per epoch: no host synchronisation per step
        schedule.step()
        epoch_losses = torch.stack(losses).double()
        if not bool(torch.isfinite(epoch_losses).all()):
            raise DivergedError(f"{kind}: non-finite loss at epoch {epoch} (lr={lr}, seed={seed})")
        val_mae = float(mae(val).mean())
        curve.append((float(epoch_losses.mean()), val_mae))
        if val_mae < best_val:
            best_val, best_state = val_mae, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    result = {"kind": kind, "seed": seed, "test_mae": mae(test).tolist(), "val_mae": best_val,
              "train_curve": curve, "parameters": sum(p.numel() for p in model.parameters()),
              "seconds": time.perf_counter() - started}
    if test_sign_draws > 0:
        signs = torch_generator(test_sign_seed, TEST_SIGN_STREAM)
        resigned = [mae(test.with_eigvecs(random_sign_flip(test.eigvecs, signs))) for _ in range(test_sign_draws)]
        result["test_mae_resigned"] = torch.stack(resigned).mean(0).tolist()
    return result


# the sweep points that cost most go first, so that no worker is left with a long run at the end while the other
# waits (measured at classroom: a SignNet run costs about 6x an MLP encoder's, in counting and in texture fields)
TRAINING_COST = {"basisnet": 3, "signnet": 2, "signnet_deepsets": 1, "raw": 0, "flip": 0, "abs": 0, "none": 0}


def longest_first(kinds) -> list[str]:
    """``kinds`` ordered by decreasing :data:`TRAINING_COST` (stable among equals)."""
    return sorted(kinds, key=lambda kind: -TRAINING_COST[kind])


@functools.lru_cache(maxsize=1)  # one dataset per worker process: the points of a sweep share one data_seed
def counting_splits(data_seed: int, n_graphs: int, nodes: tuple, edge_prob: tuple) -> tuple:
    """The 80/10/10 train, validation and test batches of fresh G(n, p) graphs, built once per process."""
    from thermo_utils.chapters.signnet_basisnet.substructures import counting_dataset

    graphs = counting_dataset(n_graphs, nodes, edge_prob, data_seed)
    data = batch_graphs(graphs, num_nodes=nodes[1])  # eigh per graph on the CPU; moved by the fit
    n_train, n_val = int(0.8 * n_graphs), int(0.1 * n_graphs)
    return (data.index(slice(0, n_train)), data.index(slice(n_train, n_train + n_val)),
            data.index(slice(n_train + n_val, None)))


def counting_point(kind: str, seed: int, data_seed: int, n_graphs: int, nodes: list, edge_prob: list, epochs: int,
                   batch_size: int, lr: float, hidden: int, layers: int, pe_dim: int, basis_max_dim: int,
                   device: str = "cpu") -> dict:
    """One (encoder, seed) run of the substructure-counting benchmark; 80/10/10 split of fresh G(n, p) graphs.

    The test graphs are scored with the solver's signs and with :data:`TEST_SIGN_DRAWS` random re-signings.
    """
    with single_thread():
        split = counting_splits(data_seed, n_graphs, tuple(nodes), tuple(edge_prob))
        return fit_graph_regressor(kind, *split, seed=seed, epochs=epochs, batch_size=batch_size, lr=lr,
                                   hidden=hidden, layers=layers, pe_dim=pe_dim, basis_max_dim=basis_max_dim,
                                   device=resolve_device(device), test_sign_draws=TEST_SIGN_DRAWS,
                                   test_sign_seed=data_seed)


ZINC_FILES = ("train.pickle", "val.pickle", "test.pickle", "train.index", "val.index", "test.index")
ZINC_ATOM_TYPES = 28


def zinc_available(root: Path) -> bool:
    """True when PyG's ZINC raw files are in ``root/raw`` (PyG would otherwise try to download them)."""
    return all((Path(root) / "raw" / name).exists() for name in ZINC_FILES)


def zinc_point(kind: str, seed: int, root: str, epochs: int, batch_size: int, lr: float, hidden: int, layers: int,
               pe_dim: int, basis_max_dim: int, device: str = "cpu") -> dict:
    """ZINC-12k (PyG's subset) with one-hot atom types; bond types are not used. Test MAE in the target's units."""
    from torch_geometric.datasets import ZINC

    if not zinc_available(Path(root)):
        raise FileNotFoundError(f"PyG's ZINC files {ZINC_FILES} are not in {Path(root) / 'raw'}")

    def load(split: str) -> list:
        graphs = []
        for g in ZINC(str(root), subset=True, split=split):
            g.x = torch.nn.functional.one_hot(g.x.view(-1), ZINC_ATOM_TYPES).float()
            graphs.append(g)
        return graphs

    parts = [load(s) for s in ("train", "val", "test")]
    largest = max(g.num_nodes for part in parts for g in part)
    train, val, test = (batch_graphs(part, num_nodes=largest) for part in parts)
    result = fit_graph_regressor(kind, train, val, test, seed=seed, epochs=epochs, batch_size=batch_size, lr=lr,
                                 hidden=hidden, layers=layers, pe_dim=pe_dim, basis_max_dim=basis_max_dim,
                                 device=resolve_device(device))
    result["test_mae_units"] = result["test_mae"][0] * float(train.y.std(0)[0])
    return result


# ---------------------------------------------------------------- learning a sign-invariant target
def sign_invariant_target(vectors: torch.Tensor, seed: int) -> torch.Tensor:
    """A fixed sign-invariant function of k vectors [S,k,n]: sum_j |a_j.v_j| + sum_{j<l} (b_j.v_j)^2 (b_l.v_l)^2.

    Each term is even in each v_j separately; the |.| terms depend on the relative signs of a vector's
    entries, so absolute values of the entries cannot express them.
    """
    _, k, n = vectors.shape
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randn(2, k, n, generator=g, dtype=vectors.dtype, device="cpu").to(vectors.device)
    pa, pb = (vectors * a).sum(-1), (vectors * b).sum(-1) ** 2
    pairs = (pb.sum(1) ** 2 - (pb**2).sum(1)) / 2
    return pa.abs().sum(1) + pairs


class SignMLP(nn.Module):
    """An MLP on the concatenated vectors; ``abs`` feeds |v|; ``flip`` draws random signs while training."""

    def __init__(self, k: int, n: int, hidden: int, mode: str):
        super().__init__()
        if mode not in ("plain", "flip", "abs"):
            raise ValueError(f"mode must be plain, flip or abs, got {mode!r}")
        self.mode = mode
        self.net = mlp([k * n, hidden, hidden, 1])

    def forward(self, v):
        if self.mode == "abs":
            v = v.abs()
        elif self.mode == "flip" and self.training:
            v = v * (torch.randint(0, 2, v.shape[:2] + (1,), device=v.device).to(v.dtype) * 2 - 1)
        return self.net(v.flatten(1)).squeeze(-1)


class SignNetMLP(nn.Module):
    """rho([phi(v_j) + phi(-v_j)]_j) with phi and rho MLPs: the decomposition theorem as a network.

    ``symmetric=False`` is the control: the same rho([phi(v_j)]_j), not symmetrised, trained with a random sign
    per vector at every step (so it differs from SignNet only by the symmetrisation).
    """

    def __init__(self, k: int, n: int, hidden: int, symmetric: bool = True):
        super().__init__()
        self.symmetric = symmetric
        self.phi = mlp([n, hidden, hidden])
        self.rho = mlp([k * hidden, hidden, 1])

    def forward(self, v):
        if self.symmetric:
            return self.rho((self.phi(v) + self.phi(-v)).flatten(1)).squeeze(-1)
        if self.training:
            v = v * (torch.randint(0, 2, v.shape[:2] + (1,), device=v.device).to(v.dtype) * 2 - 1)
        return self.rho(self.phi(v).flatten(1)).squeeze(-1)


SIGN_TARGET_KINDS = ("plain", "flip", "abs", "signnet", "phi_flip")


def sign_target_point(kind: str, seed: int, k: int, n: int, n_train: int, n_test: int, epochs: int, hidden: int,
                      lr: float, device: str = "cpu") -> dict:
    """Fit the sign-invariant target with one model; report relative test MSE and the sign-invariance gap.

    Inputs are k independent random unit vectors in R^n; the target's coefficients come from ``seed`` too.
    """
    if kind not in SIGN_TARGET_KINDS:
        raise ValueError(f"unknown model {kind!r}; valid: {', '.join(SIGN_TARGET_KINDS)}")
    with single_thread():
        return _fit_sign_target(kind, seed, k, n, n_train, n_test, epochs, hidden, lr, resolve_device(device))


def _fit_sign_target(kind, seed, k, n, n_train, n_test, epochs, hidden, lr, device) -> dict:
    # inputs, orders and test signs come from one CPU generator (the same data on every device), then move
    g = torch.Generator().manual_seed(seed)
    vectors = torch.randn(n_train + n_test, k, n, generator=g, device="cpu")
    vectors = (vectors / vectors.norm(dim=-1, keepdim=True)).to(device)
    target = sign_invariant_target(vectors, seed)
    target = (target - target[:n_train].mean()) / target[:n_train].std()
    torch.manual_seed(seed)
    if kind in ("signnet", "phi_flip"):
        model = SignNetMLP(k, n, hidden, symmetric=kind == "signnet").to(device)
    else:
        model = SignMLP(k, n, hidden, kind).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    x_train, y_train, x_test, y_test = vectors[:n_train], target[:n_train], vectors[n_train:], target[n_train:]
    for epoch in range(epochs):
        for idx in torch.randperm(n_train, generator=g, device="cpu").to(device).split(64):
            loss = ((model(x_train[idx]) - y_train[idx]) ** 2).mean()
            if not torch.isfinite(loss):
                raise DivergedError(f"{kind}: non-finite loss at epoch {epoch} (lr={lr}, seed={seed})")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        pred = model(x_test)
        signs = torch.randint(0, 2, x_test.shape[:2] + (1,), generator=g, device="cpu").to(device, x_test.dtype) * 2 - 1
        flipped = model(x_test * signs)
        train_mse = float(((model(x_train) - y_train) ** 2).mean())
    return {"kind": kind, "seed": seed, "test_mse": float(((pred - y_test) ** 2).mean()), "train_mse": train_mse,
            "sign_gap": float((pred - flipped).abs().mean())}


# ---------------------------------------------------------------- what the counting claims read
def counting_comparison(seed_means, model: str, baselines=("none", "flip")) -> dict:
    """Per-seed mean-MAE differences (baseline minus ``model``) and their standard errors across seeds.

    ``seed_means`` is a DataFrame with one row per encoder and one column per seed (the MAE averaged over the
    targets); a positive gain means ``model`` has the lower error.
    """
    out = {"seeds": seed_means.shape[1], f"{model}_mae": float(seed_means.loc[model].mean())}
    for base in baselines:
        diff = (seed_means.loc[base] - seed_means.loc[model]).to_numpy()
        out[f"{base}_mae"] = float(seed_means.loc[base].mean())
        out[f"gain_vs_{base}"] = float(diff.mean())
        out[f"se_vs_{base}"] = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return out
