"""Random graphs and exact counts of small substructures, the targets of the counting benchmark.

Counts are of (not necessarily induced) subgraphs, computed in closed form from the adjacency matrix:

- triangles ``tr(A^3) / 6``;
- 3-stars (a centre joined to three leaves) ``sum_v C(d_v, 3)``;
- tailed triangles (a triangle plus one pendant edge at one of its corners) ``sum_v t_v (d_v - 2)``, with
  ``t_v = (A^3)_vv / 2`` the triangles through ``v``;
- 4-cycles ``(tr(A^4) - 2 sum_v d_v^2 + 2 |E|) / 8`` (closed 4-walks minus the ones that backtrack).

A message-passing network bounded by the 1-WL test can count 3-stars (a function of the degrees) but not
triangles or 4-cycles, which is why positional encodings help here. The brute-force enumerators below are
the independent check used by the tests.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_dense_adj, to_undirected

SUBSTRUCTURES = ("triangle", "tailed_triangle", "star3", "cycle4")


def erdos_renyi_graph(n: int, p: float, rng: np.random.Generator) -> Data:
    """G(n, p): each of the n(n-1)/2 possible edges present independently with probability p."""
    if n < 1 or not 0 <= p <= 1:
        raise ValueError(f"erdos_renyi_graph needs n >= 1 and p in [0, 1], got n={n}, p={p}")
    upper = np.triu(rng.random((n, n)) < p, k=1)
    u, v = np.nonzero(upper)
    index = torch.as_tensor(np.stack([u, v]), dtype=torch.long).reshape(2, -1)
    return Data(edge_index=to_undirected(index, num_nodes=n), num_nodes=n)


def adjacency(graph: Data) -> np.ndarray:
    """Dense 0/1 adjacency as int64 (exact arithmetic for the counts)."""
    if graph.edge_index.numel() == 0:
        return np.zeros((graph.num_nodes, graph.num_nodes), dtype=np.int64)
    return to_dense_adj(graph.edge_index, max_num_nodes=graph.num_nodes)[0].long().numpy()


def substructure_counts(adj: np.ndarray) -> dict[str, int]:
    """Exact counts of the four substructures from a symmetric 0/1 adjacency without self-loops."""
    adj = np.asarray(adj, dtype=np.int64)
    if adj.ndim != 2 or adj.shape[0] != adj.shape[1] or not (adj == adj.T).all() or adj.diagonal().any():
        raise ValueError("adj must be a square symmetric 0/1 matrix with a zero diagonal")
    if not np.isin(adj, (0, 1)).all():
        raise ValueError("adj must contain only 0 and 1")
    degree = adj.sum(1)
    a2 = adj @ adj
    a3 = a2 @ adj
    through = a3.diagonal() // 2  # triangles through each node
    edges = int(degree.sum()) // 2
    return {
        "triangle": int(np.trace(a3)) // 6,
        "tailed_triangle": int((through * (degree - 2)).sum()),
        "star3": int((degree * (degree - 1) * (degree - 2) // 6).sum()),
        "cycle4": int(np.trace(a2 @ a2) - 2 * (degree**2).sum() + 2 * edges) // 8,
    }


def brute_force_counts(adj: np.ndarray) -> dict[str, int]:
    """The same counts by enumerating vertex subsets (slow; the oracle for tests)."""
    adj = np.asarray(adj)
    n = adj.shape[0]
    nodes = range(n)
    triangles = [t for t in itertools.combinations(nodes, 3) if adj[t[0], t[1]] and adj[t[1], t[2]] and adj[t[0], t[2]]]
    tailed = sum(1 for t in triangles for corner in t for x in nodes if x not in t and adj[corner, x])
    stars = sum(1 for c in nodes for _ in itertools.combinations([v for v in nodes if adj[c, v]], 3))
    cycles = 0
    for a, b, c, d in itertools.combinations(nodes, 4):
        # the three distinct 4-cycles on four vertices: a-b-c-d, a-b-d-c, a-c-b-d
        for w, x, y, z in ((a, b, c, d), (a, b, d, c), (a, c, b, d)):
            cycles += int(adj[w, x] and adj[x, y] and adj[y, z] and adj[z, w])
    return {"triangle": len(triangles), "tailed_triangle": tailed, "star3": stars, "cycle4": cycles}


def counting_dataset(count: int, nodes: tuple[int, int], edge_prob: tuple[float, float], seed: int) -> list[Data]:
    """``count`` G(n, p) graphs, n and p drawn uniformly from the ranges, with ``y`` = the four counts."""
    low, high = nodes
    p_low, p_high = edge_prob
    if count < 1 or not 3 <= low <= high or not 0 < p_low <= p_high <= 1:
        raise ValueError(f"counting_dataset needs count >= 1, 3 <= nodes[0] <= nodes[1], 0 < p_low <= p_high <= 1; "
                         f"got count={count}, nodes={nodes}, edge_prob={edge_prob}")
    rng = np.random.default_rng([seed, 7])
    graphs = []
    for _ in range(count):
        g = erdos_renyi_graph(int(rng.integers(low, high + 1)), float(rng.uniform(p_low, p_high)), rng)
        counts = substructure_counts(adjacency(g))
        g.y = torch.tensor([[counts[k] for k in SUBSTRUCTURES]], dtype=torch.float32, device="cpu")
        graphs.append(g)
    return graphs
