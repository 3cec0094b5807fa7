"""Graphs that message passing cannot tell apart, and whether eigenvector encoders can.

A GIN with constant node features is bounded by the 1-WL colour refinement: two graphs that 1-WL does not
separate get the same GIN embedding, whatever the weights. The pairs below are 1-WL equivalent (checked
by :func:`wl_equivalent`, an independent implementation of the refinement) but not isomorphic:

- the 6-cycle and two disjoint triangles (both 2-regular on 6 nodes);
- decalin and bicyclopentyl (two fused hexagons against two pentagons joined by an edge: 10 nodes, 11 edges,
  the same degrees);
- circulant skip-link graphs CSL(41, 2) and CSL(41, 3) (both 4-regular);
- pairs of random 3-regular graphs with simple spectra (:func:`simple_spectrum_pairs`): any two d-regular graphs
  on n nodes are 1-WL equivalent, and with every eigenvalue simple SignNet (invariant to sign flips only) is a
  function of the graph. Every other pair has a repeated eigenvalue in at least one graph, where SignNet's output
  moves with the solver's choice of basis: the paper's reason for BasisNet.

:func:`pair_embeddings` embeds both graphs of a pair with the same randomly initialised networks in float64
and reports how far apart their embeddings are, and, for the eigenvector encoders, how far a graph's
embedding moves when the solver picks another basis (random O(d) inside every eigenspace): a difference
between graphs counts only when it exceeds that spread.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

from thermo_utils.chapters.signnet_basisnet.invariant_nets import GraphRegressor, make_encoder
from thermo_utils.chapters.signnet_basisnet.spectral import (
    batch_graphs,
    cycle_graph,
    eigenpairs,
    graph_from_edges,
    multiplicities,
)


def disjoint_union(*graphs: Data) -> Data:
    edges, offset = [], 0
    for g in graphs:
        edges += [(int(u) + offset, int(v) + offset) for u, v in g.edge_index.t().tolist() if u < v]
        offset += g.num_nodes
    return graph_from_edges(edges, offset)


def circulant_skip_link(n: int, skip: int) -> Data:
    """CSL(n, skip): the n-cycle plus the chords i -- i + skip (mod n)."""
    if not 2 <= skip < n / 2:
        raise ValueError(f"CSL needs 2 <= skip < n/2, got n={n}, skip={skip}")
    edges = {frozenset((i, (i + 1) % n)) for i in range(n)} | {frozenset((i, (i + skip) % n)) for i in range(n)}
    return graph_from_edges([tuple(e) for e in edges], n)


def decalin() -> Data:
    """Two hexagons sharing the edge 0 -- 5."""
    ring = [(i, i + 1) for i in range(5)] + [(5, 0)]
    return graph_from_edges(ring + [(5, 6), (6, 7), (7, 8), (8, 9), (9, 0)], 10)


def bicyclopentyl() -> Data:
    """Two pentagons joined by the edge 0 -- 5."""
    return graph_from_edges([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (5, 6), (6, 7), (7, 8), (8, 9), (9, 5), (0, 5)],
                            10)


def random_regular_graph(n: int, degree: int, rng: np.random.Generator, max_tries: int = 10000) -> Data:
    """A uniformly random simple ``degree``-regular graph on ``n`` nodes (configuration model with rejection)."""
    if n * degree % 2 or not 0 < degree < n:
        raise ValueError(f"no simple {degree}-regular graph on {n} nodes")
    for _ in range(max_tries):
        stubs = rng.permutation(np.repeat(np.arange(n), degree)).reshape(-1, 2)
        if np.any(stubs[:, 0] == stubs[:, 1]) or len({frozenset(e) for e in stubs.tolist()}) < len(stubs):
            continue
        return graph_from_edges([tuple(e) for e in stubs.tolist()], n)
    raise RuntimeError(f"no simple {degree}-regular graph on {n} nodes in {max_tries} draws")


def has_simple_spectrum(graph: Data) -> bool:
    """Every eigenvalue of the normalised Laplacian is simple (so the graph is also connected)."""
    return int(multiplicities(eigenpairs(graph)[0]).max()) == 1


def simple_spectrum_pairs(sizes=(10, 12, 14), degree: int = 3, seed: int = 0) -> dict[str, tuple[Data, Data]]:
    """Per size, two random ``degree``-regular graphs whose spectra are simple and differ (so not isomorphic)."""
    rng = np.random.default_rng([seed, 17])
    pairs = {}
    for n in sizes:
        found: list[Data] = []
        while len(found) < 2:
            g = random_regular_graph(n, degree, rng)
            if has_simple_spectrum(g) and not (found and torch.allclose(eigenpairs(found[0])[0], eigenpairs(g)[0],
                                                                        atol=1e-8)):
                found.append(g)
        pairs[f"two cubic graphs, n = {n}"] = (found[0], found[1])
    return pairs


def wl_hard_pairs(csl_nodes: int = 41) -> dict[str, tuple[Data, Data]]:
    return {"C6 vs 2×C3": (cycle_graph(6), disjoint_union(cycle_graph(3), cycle_graph(3))),
            "decalin vs bicyclopentyl": (decalin(), bicyclopentyl()),
            f"CSL({csl_nodes},2) vs CSL({csl_nodes},3)": (circulant_skip_link(csl_nodes, 2),
                                                          circulant_skip_link(csl_nodes, 3))}


def wl_colour_histories(graphs, rounds: int | None = None) -> list[list]:
    """1-WL colour refinement run jointly on ``graphs`` (one shared palette, so colours are comparable).

    Returns, per graph, the sorted colour multiset after every round; two graphs are 1-WL equivalent when
    these agree at every round (``n`` rounds suffice for ``n`` nodes).
    """
    graphs = list(graphs)
    neighbours = []
    for g in graphs:
        adj = [[] for _ in range(g.num_nodes)]
        for u, v in g.edge_index.t().tolist():
            adj[u].append(v)
        neighbours.append(adj)
    colours = [[0] * g.num_nodes for g in graphs]
    histories = [[sorted(c)] for c in colours]
    for _ in range(rounds or max(g.num_nodes for g in graphs)):
        signatures = [[(c[v], tuple(sorted(c[u] for u in adj[v]))) for v in range(len(c))]
                      for c, adj in zip(colours, neighbours)]
        palette = {sig: i for i, sig in enumerate(sorted({s for sigs in signatures for s in sigs}))}
        colours = [[palette[s] for s in sigs] for sigs in signatures]
        for history, c in zip(histories, colours):
            history.append(sorted(c))
    return histories


def wl_equivalent(a: Data, b: Data) -> bool:
    """Whether 1-WL colour refinement fails to separate ``a`` and ``b``."""
    if a.num_nodes != b.num_nodes:
        return False
    first, second = wl_colour_histories([a, b])
    return first == second


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / torch.maximum(a.abs().max(), b.abs().max()).clamp_min(1e-30))


@torch.no_grad()
def pair_embeddings(pair: tuple[Data, Data], kinds=("none", "signnet", "basisnet"), *, hidden: int = 16,
                    pe_dim: int = 8, layers: int = 3, basis_max_dim: int = 4, seed: int = 0, draws: int = 8,
                    generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> dict:
    """Embedding gaps of one pair for each model: ``{kind: {"gap": between graphs, "spread": within a graph}}``.

    Every model is a randomly initialised (``seed``) GIN with sum pooling over [constant, encoding], in float64.
    ``gap`` is the smallest relative distance between the two graphs' embeddings over ``draws`` random bases of
    each graph's eigenspaces; ``spread`` the largest relative distance between two bases of the same graph.
    """
    generator = generator or torch.Generator().manual_seed(seed)
    n = max(g.num_nodes for g in pair)
    batch = batch_graphs(list(pair), num_nodes=n, dtype=torch.float64, device=device)
    out = {}
    for kind in kinds:
        torch.manual_seed(seed)
        model = GraphRegressor(make_encoder(kind, n, hidden, pe_dim, basis_max_dim), 1, hidden, hidden, layers,
                               pe_dim).double().to(device).eval()
        if kind == "none":
            e = model(batch)
            out[kind] = {"gap": _relative(e[0], e[1]), "spread": 0.0}
            continue
        cpu = batch.to_device("cpu")
        views = torch.stack([model(cpu.basis_changed(generator).to_device(device)) for _ in range(draws)])  # [D,2,H]
        gap = min(_relative(views[i, 0], views[j, 1]) for i in range(draws) for j in range(draws))
        spread = max(_relative(views[i, g], views[j, g]) for g in (0, 1) for i in range(draws) for j in range(i))
        out[kind] = {"gap": gap, "spread": spread}
    return out
