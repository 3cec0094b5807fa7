"""1-WL-equivalent pairs: the refinement, the GIN bound, and the eigenvector encoders."""

import pytest
import torch

from thermo_utils.chapters.signnet_basisnet import expressivity as ex
from thermo_utils.chapters.signnet_basisnet.spectral import cycle_graph, eigenpairs, grid_graph


def test_pairs_are_wl_equivalent_but_not_cospectral():
    for name, (a, b) in ex.wl_hard_pairs(11).items():
        assert ex.wl_equivalent(a, b), name
        assert a.edge_index.shape == b.edge_index.shape
        # different spectra: the graphs are not isomorphic
        assert not torch.allclose(eigenpairs(a)[0], eigenpairs(b)[0], atol=1e-6), name


def test_wl_separates_what_it_should():
    assert not ex.wl_equivalent(cycle_graph(6), grid_graph(2, 3))  # a path-like grid has degree-3 nodes
    assert ex.wl_equivalent(ex.decalin(), ex.decalin())
    assert not ex.wl_equivalent(cycle_graph(6), cycle_graph(7))


def test_csl_graph_is_four_regular_and_checks_its_skip():
    g = ex.circulant_skip_link(11, 3)
    assert torch.bincount(g.edge_index[0]).tolist() == [4] * 11
    with pytest.raises(ValueError, match="skip"):
        ex.circulant_skip_link(8, 4)


def test_gin_is_blind_and_basisnet_sees(factory_audit):
    pair = ex.wl_hard_pairs(11)["C6 vs 2×C3"]
    with factory_audit() as audit:
        gaps = ex.pair_embeddings(pair, hidden=8, pe_dim=4, layers=2, basis_max_dim=4, draws=3, device="cpu")
    assert not audit.missing
    assert gaps["none"]["gap"] < 1e-12
    assert gaps["basisnet"]["spread"] < 1e-12 and gaps["basisnet"]["gap"] > 1e-6
    assert gaps["signnet"]["gap"] > gaps["signnet"]["spread"]


def test_random_regular_graphs_are_regular_and_simple_spectrum_pairs_are_fair():
    import numpy as np

    g = ex.random_regular_graph(12, 3, np.random.default_rng(0))
    degrees = torch.bincount(g.edge_index[0], minlength=12)
    assert torch.all(degrees == 3) and g.edge_index.shape[1] == 36
    with pytest.raises(ValueError, match="regular"):
        ex.random_regular_graph(7, 3, np.random.default_rng(0))
    pairs = ex.simple_spectrum_pairs(sizes=(10, 12))
    assert len(pairs) == 2
    for a, b in pairs.values():
        assert ex.wl_equivalent(a, b)  # regular graphs of one degree and size
        assert ex.has_simple_spectrum(a) and ex.has_simple_spectrum(b)
        assert not torch.allclose(eigenpairs(a)[0], eigenpairs(b)[0], atol=1e-8)  # not isomorphic
    assert not ex.has_simple_spectrum(cycle_graph(6))


def test_signnet_is_a_graph_invariant_on_simple_spectra():
    pair = ex.simple_spectrum_pairs(sizes=(10,))["two cubic graphs, n = 10"]
    out = ex.pair_embeddings(pair, hidden=8, pe_dim=4, layers=2, basis_max_dim=2, seed=0, draws=3)
    assert out["signnet"]["spread"] < 1e-12 and out["signnet"]["gap"] > 1e-6
    assert out["none"]["gap"] < 1e-12
