"""Laplacian eigenpairs of PyG graphs and the ambiguity of the eigenvectors an eigensolver returns.

An eigensolver returns *one* orthonormal basis of each eigenspace of the normalised Laplacian
``L = I - D^{-1/2} A D^{-1/2}``: for a simple eigenvalue the sign of the vector is arbitrary, and for an
eigenvalue of multiplicity ``d`` any rotation or reflection ``V Q`` (``Q`` in ``O(d)``) is as valid. This
module computes all eigenpairs (``torch.linalg.eigh``, float64), groups eigenvectors into eigenspaces,
draws the symmetries (sign flips, random orthogonal changes of basis inside eigenspaces, node
relabellings), measures how often solvers hit them, and packs graphs into padded dense batches that the
networks of :mod:`thermo_utils.chapters.signnet_basisnet.invariant_nets` read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields, replace

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected

EIGEN_TOLERANCE = 1e-6  # eigenvalues closer than this (after float64 eigh) share an eigenspace


# --------------------------------------------------------------------------------------------- graphs
def graph_from_edges(edges, num_nodes: int) -> Data:
    """An undirected PyG graph from a list of (u, v) pairs; self-loops and duplicates are refused."""
    edges = [tuple(map(int, e)) for e in edges]
    for u, v in edges:
        if u == v or not (0 <= u < num_nodes and 0 <= v < num_nodes):
            raise ValueError(f"edge ({u}, {v}) is a self-loop or names a node outside 0..{num_nodes - 1}")
    if len({frozenset(e) for e in edges}) != len(edges):
        raise ValueError("duplicate edges")
    index = torch.tensor(edges, dtype=torch.long, device="cpu").t().reshape(2, -1)
    return Data(edge_index=to_undirected(index, num_nodes=num_nodes), num_nodes=num_nodes)


def cycle_graph(n: int) -> Data:
    if n < 3:
        raise ValueError(f"a cycle needs n >= 3 nodes, got {n}")
    return graph_from_edges([(i, (i + 1) % n) for i in range(n)], n)


def grid_graph(rows: int, cols: int) -> Data:
    if rows < 1 or cols < 1 or rows * cols < 2:
        raise ValueError(f"a grid needs at least two nodes, got {rows} x {cols}")
    node = lambda r, c: r * cols + c  # noqa: E731 - a local index helper
    edges = [(node(r, c), node(r, c + 1)) for r in range(rows) for c in range(cols - 1)]
    edges += [(node(r, c), node(r + 1, c)) for r in range(rows - 1) for c in range(cols)]
    return graph_from_edges(edges, rows * cols)


def hypercube_graph(dim: int) -> Data:
    if dim < 1:
        raise ValueError(f"a hypercube needs dim >= 1, got {dim}")
    n = 2**dim
    return graph_from_edges([(u, u ^ (1 << b)) for u in range(n) for b in range(dim) if u < u ^ (1 << b)], n)


def random_tree(n: int, rng: np.random.Generator, max_degree: int = 4) -> Data:
    """A random tree whose degrees stay <= ``max_degree``: a crude stand-in for a molecule's skeleton."""
    if n < 2 or max_degree < 2:
        raise ValueError(f"a tree needs n >= 2 and max_degree >= 2, got n={n}, max_degree={max_degree}")
    degree = np.zeros(n, dtype=int)
    edges = []
    for v in range(1, n):
        open_nodes = np.flatnonzero(degree[:v] < max_degree)
        u = int(rng.choice(open_nodes))
        edges.append((u, v))
        degree[u] += 1
        degree[v] += 1
    return graph_from_edges(edges, n)


def relabel(graph: Data, perm: torch.Tensor) -> Data:
    """The same graph with node ``i`` of the result being node ``perm[i]`` of the input (features follow)."""
    n = graph.num_nodes
    perm = torch.as_tensor(perm, dtype=torch.long)
    if sorted(perm.tolist()) != list(range(n)):
        raise ValueError(f"perm must be a permutation of 0..{n - 1}")
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(n, device=perm.device)
    out = graph.clone()
    out.edge_index = inverse[graph.edge_index]
    for key in ("x", "pos"):
        if getattr(graph, key, None) is not None:
            setattr(out, key, graph[key][perm])
    return out


# ---------------------------------------------------------------------------------------- spectrum
def normalized_laplacian(graph: Data) -> torch.Tensor:
    """Dense float64 ``I - D^{-1/2} A D^{-1/2}`` (isolated nodes get a 1 on the diagonal, as in PyG)."""
    n = graph.num_nodes
    adj = torch.zeros(n, n, dtype=torch.float64, device="cpu")
    weight = getattr(graph, "edge_weight", None)
    adj.index_put_(tuple(graph.edge_index), torch.ones(graph.edge_index.shape[1], dtype=torch.float64, device="cpu")
                   if weight is None else weight.double(), accumulate=True)
    degree = adj.sum(1)
    inv_sqrt = torch.where(degree > 0, degree.clamp_min(1e-300).rsqrt(), torch.zeros_like(degree))
    return torch.eye(n, dtype=torch.float64, device="cpu") - inv_sqrt[:, None] * adj * inv_sqrt[None, :]


def eigenpairs(graph: Data) -> tuple[torch.Tensor, torch.Tensor]:
    """All eigenvalues (ascending) and orthonormal eigenvectors (columns) of the normalised Laplacian."""
    return torch.linalg.eigh(normalized_laplacian(graph))


def eigenspaces(eigvals: torch.Tensor, tol: float = EIGEN_TOLERANCE) -> torch.Tensor:
    """Eigenspace label of each (ascending) eigenvalue: a new space starts where the gap exceeds ``tol``.

    Chaining gaps rather than rounding each value avoids splitting a cluster that straddles a rounding
    boundary.
    """
    if eigvals.ndim != 1:
        raise ValueError("eigvals must be one-dimensional")
    if eigvals.numel() > 1 and bool((eigvals[1:] < eigvals[:-1] - tol).any()):
        raise ValueError("eigvals must be sorted in ascending order")
    starts = torch.cat([torch.zeros(1, dtype=torch.long, device=eigvals.device), (eigvals.diff() > tol).long()])
    return starts.cumsum(0)


def multiplicities(eigvals: torch.Tensor, tol: float = EIGEN_TOLERANCE) -> torch.Tensor:
    """Dimension of every eigenspace, in ascending order of eigenvalue."""
    return torch.bincount(eigenspaces(eigvals, tol))


def haar_orthogonal(d: int, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """A d x d orthogonal matrix drawn uniformly (Haar) from O(d): QR of a Gaussian, signs fixed."""
    q, r = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=torch.float64, device=generator.device))
    return (q * torch.sign(torch.diagonal(r))).to(dtype)


def random_sign_flip(eigvecs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each column (eigenvector) multiplied by an independent random sign. Works on [..., n, k]."""
    shape = eigvecs.shape[:-2] + (1, eigvecs.shape[-1])
    signs = torch.randint(0, 2, shape, generator=generator, device=generator.device).to(eigvecs) * 2 - 1
    return eigvecs * signs


def random_basis_change(eigvecs: torch.Tensor, space_id: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each eigenspace's basis ``V_s`` replaced by ``V_s Q_s`` with ``Q_s`` Haar-random in O(d_s)."""
    out = eigvecs.clone()
    for s in torch.unique(space_id[space_id >= 0]).tolist():
        cols = torch.nonzero(space_id == s).flatten()
        out[:, cols] = eigvecs[:, cols] @ haar_orthogonal(len(cols), generator, eigvecs.dtype)
    return out


# --------------------------------------------------------------------------- how ambiguous in practice
def solver_ambiguity(eigvecs_a: torch.Tensor, eigvecs_b: torch.Tensor, space_id: torch.Tensor) -> dict:
    """Compare two valid eigenbases of the same operator, eigenspace by eigenspace.

    Returns the fraction of simple eigenvectors whose sign differs, the largest basis difference
    ``||V_s - V'_s||_F`` over repeated eigenspaces (its best-case value under sign flips only), and the
    largest difference of the eigenspace projectors ``V_s V_s^T`` (zero when both bases are valid).
    """
    flips, simple, basis_gap, projector_gap = 0, 0, 0.0, 0.0
    for s in torch.unique(space_id).tolist():
        cols = torch.nonzero(space_id == s).flatten()
        va, vb = eigvecs_a[:, cols], eigvecs_b[:, cols]
        projector_gap = max(projector_gap, float(torch.linalg.norm(va @ va.T - vb @ vb.T)))
        if len(cols) == 1:
            simple += 1
            flips += int(float((va * vb).sum()) < 0)
        else:
            signs = torch.sign((va * vb).sum(0))  # the best each column can do by flipping its sign
            basis_gap = max(basis_gap, float(torch.linalg.norm(va - vb * signs)))
    return {"sign_flip_fraction": flips / simple if simple else float("nan"), "simple_eigenvectors": simple,
            "basis_gap": basis_gap, "projector_gap": projector_gap}


def relabelling_ambiguity(graph: Data, generator: torch.Generator) -> dict:
    """Solve the Laplacian of ``graph`` and of a random relabelling of it; compare the eigenbases."""
    perm = torch.randperm(graph.num_nodes, generator=generator, device=generator.device)
    eigvals, eigvecs = eigenpairs(graph)
    _, eigvecs_perm = eigenpairs(relabel(graph, perm))
    back = torch.empty_like(eigvecs_perm)
    back[perm] = eigvecs_perm  # node perm[i] of the original is node i of the relabelled graph
    return solver_ambiguity(eigvecs, back, eigenspaces(eigvals))


def perturbation_ambiguity(graph: Data, epsilon: float, generator: torch.Generator) -> dict:
    """Compare the eigenbasis of ``L`` with that of ``L + epsilon * E`` (E symmetric, unit Frobenius norm).

    For simple eigenvalues the eigenvectors move by O(epsilon / gap); inside a repeated eigenspace the
    perturbation picks a basis of its own, which differs from the unperturbed one by O(1).
    """
    if not epsilon > 0:
        raise ValueError(f"epsilon must be > 0, got {epsilon}")
    lap = normalized_laplacian(graph)
    noise = torch.randn(lap.shape, generator=generator, dtype=torch.float64, device=generator.device)
    noise = noise + noise.T
    eigvals, eigvecs = torch.linalg.eigh(lap)
    _, eigvecs_eps = torch.linalg.eigh(lap + epsilon * noise / torch.linalg.norm(noise))
    spaces = eigenspaces(eigvals)
    result = solver_ambiguity(eigvecs, eigvecs_eps, spaces)
    # the projector of a repeated eigenspace moves by O(epsilon) too; report it relative to epsilon
    result["projector_gap_over_epsilon"] = result.pop("projector_gap") / epsilon
    return result


def multiplicity_stats(graphs, tol: float = EIGEN_TOLERANCE) -> dict:
    """How common repeated eigenvalues are in a collection of graphs."""
    graphs = list(graphs)
    if not graphs:
        raise ValueError("multiplicity_stats needs at least one graph")
    with_repeat, in_repeated, total, largest = 0, 0, 0, 1
    for g in graphs:
        dims = multiplicities(eigenpairs(g)[0], tol)
        with_repeat += int(bool((dims > 1).any()))
        in_repeated += int(dims[dims > 1].sum())
        total += int(dims.sum())
        largest = max(largest, int(dims.max()))
    return {"graphs": len(graphs), "fraction_with_repeated": with_repeat / len(graphs),
            "fraction_eigvecs_in_repeated": in_repeated / total, "max_multiplicity": largest}


def graph_family(name: str, count: int, nodes: tuple[int, int], rng: np.random.Generator) -> list[Data]:
    """``count`` graphs of a named family with about ``nodes`` = (min, max) nodes.

    Families: ``cycle``, ``grid``, ``hypercube`` (symmetric, deterministic sizes), ``tree`` (random trees of
    degree <= 4, molecule-skeleton-like), ``erdos_renyi`` (edge probability 0.3).
    """
    from thermo_utils.chapters.signnet_basisnet.substructures import erdos_renyi_graph

    low, high = nodes
    if not 3 <= low <= high:
        raise ValueError(f"nodes must satisfy 3 <= min <= max, got {nodes}")
    sizes = rng.integers(low, high + 1, size=count)
    if name == "cycle":
        return [cycle_graph(int(n)) for n in sizes]
    if name == "grid":
        shapes = [(r, c) for r, c in itertools.product(range(2, high + 1), repeat=2) if low <= r * c <= high and r <= c]
        if not shapes:
            raise ValueError(f"no grid with between {low} and {high} nodes")
        return [grid_graph(*shapes[int(i)]) for i in rng.integers(0, len(shapes), size=count)]
    if name == "hypercube":
        dims = [d for d in range(2, 12) if low <= 2**d <= high] or [max(2, int(np.log2(max(low, 4))))]
        return [hypercube_graph(dims[int(i)]) for i in rng.integers(0, len(dims), size=count)]
    if name == "tree":
        return [random_tree(int(n), rng) for n in sizes]
    if name == "erdos_renyi":
        return [erdos_renyi_graph(int(n), 0.3, rng) for n in sizes]
    raise ValueError(f"unknown graph family {name!r}; valid: cycle, grid, hypercube, tree, erdos_renyi")


# ------------------------------------------------------------------------------------ dense batches
@dataclass(frozen=True)
class SpectralBatch:
    """Graphs padded to ``N`` nodes with their full spectrum, ready for dense networks.

    adj [B,N,N], mask [B,N] (real nodes), x [B,N,F] node features, eigvals [B,N], eigvecs [B,N,N]
    (column k is eigenvector k; padded rows and columns are zero), eig_mask [B,N] (real eigenvectors),
    space_id [B,N] (eigenspace of each eigenvector, -1 for padding), y [B,T] targets.
    """

    adj: torch.Tensor
    mask: torch.Tensor
    x: torch.Tensor
    eigvals: torch.Tensor
    eigvecs: torch.Tensor
    eig_mask: torch.Tensor
    space_id: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return self.adj.shape[0]

    def index(self, idx) -> SpectralBatch:
        return SpectralBatch(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def to(self, dtype: torch.dtype) -> SpectralBatch:
        """Floating tensors cast to ``dtype`` (masks and labels unchanged)."""
        return SpectralBatch(**{f.name: (v.to(dtype) if v.is_floating_point() else v)
                                for f in fields(self) for v in [getattr(self, f.name)]})

    def to_device(self, device: str | torch.device) -> SpectralBatch:
        """Every tensor moved to ``device`` (a no-op where it already is)."""
        return SpectralBatch(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def with_eigvecs(self, eigvecs: torch.Tensor) -> SpectralBatch:
        return replace(self, eigvecs=eigvecs)

    def sign_flipped(self, generator: torch.Generator) -> SpectralBatch:
        return self.with_eigvecs(random_sign_flip(self.eigvecs, generator))

    def basis_changed(self, generator: torch.Generator) -> SpectralBatch:
        """Every graph's eigenspaces rotated/reflected by independent Haar-random orthogonal matrices."""
        return self.with_eigvecs(torch.stack([random_basis_change(v, s, generator)
                                              for v, s in zip(self.eigvecs, self.space_id)]))

    def node_permuted(self, perms: torch.Tensor) -> SpectralBatch:
        """Nodes of graph b reordered by ``perms[b]`` (a permutation of all N slots that keeps padding last)."""
        take = lambda t: torch.gather(t, 1, perms.view(*perms.shape, *[1] * (t.ndim - 2)).expand_as(t))  # noqa: E731
        adj = take(self.adj)
        adj = torch.gather(adj, 2, perms[:, None, :].expand_as(adj))
        return replace(self, adj=adj, mask=take(self.mask), x=take(self.x), eigvecs=take(self.eigvecs))


def batch_graphs(graphs, num_nodes: int | None = None, dtype=torch.float32,
                 device: str | torch.device = "cpu") -> SpectralBatch:
    """Solve every graph's Laplacian and pad all of them into one :class:`SpectralBatch` on ``device``.

    Node features are ``graph.x`` (float, one row per node) or a constant 1; targets are ``graph.y``. The
    float64 eigendecompositions and the padding are done on the CPU; the finished batch moves in one copy.
    """
    graphs = list(graphs)
    if not graphs:
        raise ValueError("batch_graphs needs at least one graph")
    largest = max(g.num_nodes for g in graphs)
    n = largest if num_nodes is None else num_nodes
    if n < largest:
        raise ValueError(f"num_nodes={n} is smaller than the largest graph ({largest} nodes)")
    feats = {1 if getattr(g, "x", None) is None else g.x.view(g.num_nodes, -1).shape[1] for g in graphs}
    if len(feats) != 1:
        raise ValueError(f"graphs have different numbers of node features: {sorted(feats)}")
    f = feats.pop()
    b = len(graphs)
    cpu = torch.device("cpu")
    out = dict(adj=torch.zeros(b, n, n, dtype=dtype, device=cpu), mask=torch.zeros(b, n, dtype=torch.bool, device=cpu),
               x=torch.zeros(b, n, f, dtype=dtype, device=cpu), eigvals=torch.zeros(b, n, dtype=dtype, device=cpu),
               eigvecs=torch.zeros(b, n, n, dtype=dtype, device=cpu),
               eig_mask=torch.zeros(b, n, dtype=torch.bool, device=cpu),
               space_id=torch.full((b, n), -1, dtype=torch.long, device=cpu))
    targets = []
    for i, g in enumerate(graphs):
        m = g.num_nodes
        out["adj"][i, g.edge_index[0], g.edge_index[1]] = 1
        out["mask"][i, :m] = True
        out["x"][i, :m] = 1 if getattr(g, "x", None) is None else g.x.view(m, -1).to(dtype)
        vals, vecs = eigenpairs(g)
        out["eigvals"][i, :m] = vals.to(dtype)
        out["eigvecs"][i, :m, :m] = vecs.to(dtype)
        out["eig_mask"][i, :m] = True
        out["space_id"][i, :m] = eigenspaces(vals)
        targets.append(torch.zeros(0, device=cpu) if getattr(g, "y", None) is None else g.y.view(-1).to(dtype))
    if len({t.numel() for t in targets}) != 1:
        raise ValueError("graphs have different numbers of targets")
    return SpectralBatch(y=torch.stack(targets), **out).to_device(device)


def random_node_permutations(batch: SpectralBatch, generator: torch.Generator) -> torch.Tensor:
    """One random permutation per graph that shuffles its real nodes and leaves padding in place."""
    n = batch.mask.shape[1]
    perms = []
    for m in batch.mask.sum(1).tolist():
        perms.append(torch.cat([torch.randperm(m, generator=generator, device=generator.device),
                                torch.arange(m, n, device=generator.device)]))
    return torch.stack(perms)
