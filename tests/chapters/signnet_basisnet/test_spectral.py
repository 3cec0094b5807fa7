"""Laplacian spectra, eigenspaces and their symmetries, checked against closed forms and PyG."""

import math

import numpy as np
import pytest
import torch
from torch_geometric.utils import get_laplacian, to_dense_adj

from thermo_utils.chapters.signnet_basisnet import spectral


def test_laplacian_matches_pyg():
    graph = spectral.random_tree(12, np.random.default_rng(0))
    edge_index, weight = get_laplacian(graph.edge_index, normalization="sym", num_nodes=12)
    expected = to_dense_adj(edge_index, edge_attr=weight, max_num_nodes=12)[0].double()
    assert torch.allclose(spectral.normalized_laplacian(graph), expected, atol=1e-12)


def test_cycle_spectrum_closed_form():
    n = 9
    vals, vecs = spectral.eigenpairs(spectral.cycle_graph(n))
    expected = torch.tensor(sorted(1 - math.cos(2 * math.pi * j / n) for j in range(n)), dtype=torch.float64)
    assert torch.allclose(vals, expected, atol=1e-12)
    lap = spectral.normalized_laplacian(spectral.cycle_graph(n))
    assert torch.allclose(lap @ vecs, vecs * vals, atol=1e-12)
    assert torch.allclose(vecs.T @ vecs, torch.eye(n, dtype=torch.float64), atol=1e-12)


def test_multiplicities_of_cycle_and_hypercube():
    assert spectral.multiplicities(spectral.eigenpairs(spectral.cycle_graph(8))[0]).tolist() == [1, 2, 2, 2, 1]
    # hypercube Q_3 is 3-regular: eigenvalues 2k/3 with multiplicity C(3, k)
    vals = spectral.eigenpairs(spectral.hypercube_graph(3))[0]
    assert spectral.multiplicities(vals).tolist() == [1, 3, 3, 1]
    assert torch.allclose(vals[spectral.eigenspaces(vals) == 1], torch.full((3,), 2 / 3, dtype=torch.float64))


def test_eigenspaces_chains_small_gaps_and_rejects_unsorted():
    assert spectral.eigenspaces(torch.tensor([0.0, 0.5, 0.5 + 4e-7, 0.5 + 8e-7, 1.0])).tolist() == [0, 1, 1, 1, 2]
    with pytest.raises(ValueError, match="ascending"):
        spectral.eigenspaces(torch.tensor([1.0, 0.0]))


def test_haar_orthogonal_is_orthogonal_and_covers_both_components():
    gen = torch.Generator().manual_seed(0)
    dets = []
    for _ in range(40):
        q = spectral.haar_orthogonal(3, gen)
        assert torch.allclose(q.T @ q, torch.eye(3, dtype=torch.float64), atol=1e-12)
        dets.append(float(torch.linalg.det(q)))
    assert min(dets) < -0.99 and max(dets) > 0.99


def test_basis_change_keeps_projectors_and_changes_vectors():
    vals, vecs = spectral.eigenpairs(spectral.hypercube_graph(3))
    space = spectral.eigenspaces(vals)
    changed = spectral.random_basis_change(vecs, space, torch.Generator().manual_seed(1))
    assert torch.allclose(changed.T @ changed, torch.eye(8, dtype=torch.float64), atol=1e-12)
    for s in range(4):
        a, b = vecs[:, space == s], changed[:, space == s]
        assert torch.allclose(a @ a.T, b @ b.T, atol=1e-12)
    assert float((changed[:, space == 1] - vecs[:, space == 1]).abs().max()) > 0.1


def test_sign_flip_flips_whole_columns():
    vecs = torch.randn(5, 4, dtype=torch.float64)
    flipped = spectral.random_sign_flip(vecs, torch.Generator().manual_seed(0))
    ratio = flipped / vecs
    assert torch.allclose(ratio, ratio[:1].expand_as(ratio)) and set(ratio[0].tolist()) <= {1.0, -1.0}


def test_relabel_permutes_adjacency():
    graph = spectral.random_tree(7, np.random.default_rng(3))
    perm = torch.tensor([3, 0, 6, 1, 5, 2, 4])
    adj = to_dense_adj(graph.edge_index, max_num_nodes=7)[0]
    adj_new = to_dense_adj(spectral.relabel(graph, perm).edge_index, max_num_nodes=7)[0]
    assert torch.equal(adj_new, adj[perm][:, perm])
    with pytest.raises(ValueError, match="permutation"):
        spectral.relabel(graph, torch.tensor([0, 0, 1, 2, 3, 4, 5]))


def test_relabelling_changes_basis_but_not_projectors():
    gen = torch.Generator().manual_seed(0)
    results = [spectral.relabelling_ambiguity(spectral.hypercube_graph(3), gen) for _ in range(5)]
    assert max(r["projector_gap"] for r in results) < 1e-10
    assert max(r["basis_gap"] for r in results) > 0.1


def test_perturbation_rejects_nonpositive_epsilon():
    with pytest.raises(ValueError, match="epsilon"):
        spectral.perturbation_ambiguity(spectral.cycle_graph(5), 0.0, torch.Generator())


def test_multiplicity_stats_and_families():
    cycles = spectral.graph_family("cycle", 5, (5, 9), np.random.default_rng(0))
    stats = spectral.multiplicity_stats(cycles)
    assert stats["fraction_with_repeated"] == 1.0 and stats["max_multiplicity"] == 2
    a = spectral.graph_family("tree", 3, (6, 9), np.random.default_rng(5))
    b = spectral.graph_family("tree", 3, (6, 9), np.random.default_rng(5))
    assert all(torch.equal(x.edge_index, y.edge_index) for x, y in zip(a, b))
    with pytest.raises(ValueError, match="unknown graph family"):
        spectral.graph_family("petersen", 1, (5, 9), np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least one"):
        spectral.multiplicity_stats([])


def test_batch_graphs_pads_and_permutes_consistently():
    graphs = [spectral.cycle_graph(5), spectral.random_tree(7, np.random.default_rng(1))]
    batch = spectral.batch_graphs(graphs, num_nodes=8, dtype=torch.float64)
    assert batch.mask.sum(1).tolist() == [5, 7] and batch.eig_mask.sum(1).tolist() == [5, 7]
    assert float(batch.eigvecs[0, 5:].abs().sum() + batch.eigvecs[0, :, 5:].abs().sum()) == 0
    vals, _ = spectral.eigenpairs(graphs[1])
    assert torch.allclose(batch.eigvals[1, :7], vals)
    perms = spectral.random_node_permutations(batch, torch.Generator().manual_seed(0))
    moved = batch.node_permuted(perms)
    relabelled = spectral.batch_graphs([spectral.relabel(g, p[: g.num_nodes]) for g, p in zip(graphs, perms)],
                                       num_nodes=8, dtype=torch.float64)
    assert torch.equal(moved.adj, relabelled.adj) and torch.equal(moved.mask, relabelled.mask)
    with pytest.raises(ValueError, match="smaller than the largest"):
        spectral.batch_graphs(graphs, num_nodes=6)
