"""Closed-form substructure counts against brute-force enumeration."""

import numpy as np
import pytest

from thermo_utils.chapters.signnet_basisnet.substructures import (
    SUBSTRUCTURES,
    adjacency,
    brute_force_counts,
    counting_dataset,
    erdos_renyi_graph,
    substructure_counts,
)


def test_complete_graph_k4_by_hand():
    adj = np.ones((4, 4), dtype=int) - np.eye(4, dtype=int)
    expected = {"triangle": 4, "tailed_triangle": 12, "star3": 4, "cycle4": 3}
    assert substructure_counts(adj) == expected == brute_force_counts(adj)


@pytest.mark.parametrize("seed", range(6))
def test_closed_forms_match_enumeration(seed):
    rng = np.random.default_rng(seed)
    adj = adjacency(erdos_renyi_graph(int(rng.integers(5, 10)), float(rng.uniform(0.2, 0.8)), rng))
    assert substructure_counts(adj) == brute_force_counts(adj)


def test_edge_probability_extremes():
    rng = np.random.default_rng(0)
    assert erdos_renyi_graph(6, 0.0, rng).edge_index.shape[1] == 0
    assert erdos_renyi_graph(6, 1.0, rng).edge_index.shape[1] == 30
    assert substructure_counts(adjacency(erdos_renyi_graph(6, 0.0, rng))) == dict.fromkeys(SUBSTRUCTURES, 0)


def test_bad_adjacency_is_refused():
    with pytest.raises(ValueError, match="symmetric"):
        substructure_counts(np.array([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="only 0 and 1"):
        substructure_counts(np.array([[0, 2], [2, 0]]))
    with pytest.raises(ValueError, match="edge_prob"):
        counting_dataset(10, (5, 8), (0.5, 0.2), seed=0)


def test_counting_dataset_is_deterministic_and_labelled():
    a, b = counting_dataset(5, (5, 8), (0.2, 0.6), seed=3), counting_dataset(5, (5, 8), (0.2, 0.6), seed=3)
    for g, h in zip(a, b):
        assert (g.edge_index == h.edge_index).all() and (g.y == h.y).all()
        counts = brute_force_counts(adjacency(g))
        assert g.y.flatten().tolist() == [counts[k] for k in SUBSTRUCTURES]
