"""Temperature-based row masking: which rows are chosen, what masking does to the network, bad input."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.gnn_temperature import models as gm
from thermo_utils.chapters.gnn_temperature import pruning
from thermo_utils.chapters.gnn_temperature.superpixels import DenseGraphs


def small_graphs(count=30, width=8):
    g = torch.Generator().manual_seed(5)
    mask = torch.ones(count, width, dtype=torch.bool)
    adj = torch.rand(count, width, width, generator=g) < 0.5
    adj = adj | adj.transpose(1, 2)
    adj[:, torch.arange(width), torch.arange(width)] = False
    x = torch.rand(count, width, 1, generator=g)
    return DenseGraphs(x, torch.zeros(count, width, 2), adj, mask, torch.randint(0, 10, (count,), generator=g), "t")


def test_hottest_and_coldest_rows_are_the_extremes():
    temperatures = np.array([0.5, 3.0, 0.1, 2.0, 1.0, 0.2, 4.0, 0.3])
    assert pruning.rows_to_mask(temperatures, 0.25, "hottest").tolist() == [1, 6]
    assert pruning.rows_to_mask(temperatures, 0.25, "coldest").tolist() == [2, 5]
    assert pruning.rows_to_mask(temperatures, 0.0, "hottest").tolist() == []


def test_random_rows_are_distinct_and_reproducible():
    temperatures = np.arange(64.0)
    a = pruning.rows_to_mask(temperatures, 0.5, "random", np.random.default_rng(3))
    b = pruning.rows_to_mask(temperatures, 0.5, "random", np.random.default_rng(3))
    assert len(a) == 32 and len(set(a.tolist())) == 32 and np.array_equal(a, b)


def test_masked_rows_give_exactly_zero_features_and_leave_the_rest():
    model = gm.build_model("gcn", 0)
    graphs = small_graphs()
    masked = pruning.mask_rows(model, {"conv1": np.array([3, 10]), "conv2": np.array([0])})
    seen = {}
    masked.conv1.register_forward_hook(lambda m, i, out: seen.__setitem__("masked", out))
    model.conv1.register_forward_hook(lambda m, i, out: seen.__setitem__("full", out))
    (x, adj, mask), _ = graphs.batch(slice(None))
    with torch.no_grad():
        masked(x, adj, mask)
        model(x, adj, mask)
    assert torch.all(seen["masked"][..., [3, 10]] == 0)
    keep = [i for i in range(64) if i not in (3, 10)]
    assert torch.allclose(seen["masked"][..., keep], seen["full"][..., keep])
    assert float(model.conv1.lin.weight[3].abs().sum()) > 0  # the original is untouched
    assert float(masked.conv2.bias[0]) == 0 and float(masked.conv2.lin.weight[0].abs().sum()) == 0


def test_pruning_study_records_every_rule_and_draw_and_zero_fraction_costs_nothing():
    model = gm.build_model("gcn", 1)
    graphs = small_graphs()
    temperatures = {layer: np.linspace(1, 2, 64 if layer != "initial_conv" else 32) for layer in model.convolutions}
    records = pruning.pruning_study(model, graphs, temperatures, [0.0, 0.5], n_random=3, rng=np.random.default_rng(0))
    assert len(records) == 2 * (1 + 1 + 3)
    assert all(r["drop"] == 0 for r in records if r["fraction"] == 0.0)
    full, _ = gm.evaluate(model, graphs)
    hot = next(r for r in records if r["rule"] == "hottest" and r["fraction"] == 0.5)
    rows = {layer: pruning.rows_to_mask(t, 0.5, "hottest") for layer, t in temperatures.items()}
    assert hot["accuracy"] == gm.evaluate(pruning.mask_rows(model, rows), graphs)[0]
    assert hot["drop"] == pytest.approx(full - hot["accuracy"])


@pytest.mark.parametrize("args, message", [
    ((np.ones(4), 1.0, "hottest"), "fraction"), ((np.ones(4), 0.5, "warmest"), "rule"),
    ((np.ones(4), 0.5, "random"), "rng"), ((np.ones((2, 2)), 0.5, "hottest"), "1-D"),
])
def test_bad_input_is_refused(args, message):
    with pytest.raises(ValueError, match=message):
        pruning.rows_to_mask(*args)


def test_masking_an_unknown_layer_names_the_layers():
    with pytest.raises(KeyError, match="conv1"):
        pruning.mask_rows(gm.build_model("gcn", 0), {"out": np.array([0])})


def test_pruning_records_per_graph_correctness_that_gives_the_accuracy():
    model = gm.build_model("gcn", 1)
    graphs = small_graphs()
    temperatures = {layer: np.linspace(1, 2, 64 if layer != "initial_conv" else 32) for layer in model.convolutions}
    records = pruning.pruning_study(model, graphs, temperatures, [0.5], n_random=2, rng=np.random.default_rng(0))
    for r in records:
        assert r["correct"].shape == (len(graphs),) and r["correct"].mean() == pytest.approx(r["accuracy"])
