"""GCN and GAT: the dense layers against PyG's sparse ones, parameter counts, training and thermometry."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from thermo_utils.chapters.gnn_temperature import models as gm
from thermo_utils.chapters.gnn_temperature.superpixels import DenseGraphs
from thermo_utils.core.thermometer import Thermometer


def random_graphs(count=40, width=9, seed=0):
    """Small random undirected graphs of 6..9 nodes, padded, with labels in 0..9."""
    g = torch.Generator().manual_seed(seed)
    sizes = torch.randint(6, width + 1, (count,), generator=g)
    mask = torch.arange(width)[None] < sizes[:, None]
    adj = torch.rand(count, width, width, generator=g) < 0.4
    adj = (adj | adj.transpose(1, 2)) & mask[:, None] & mask[:, :, None]
    adj[:, torch.arange(width), torch.arange(width)] = False
    x = torch.rand(count, width, 1, generator=g) * mask[..., None]
    return DenseGraphs(x, torch.zeros(count, width, 2), adj, mask, torch.randint(0, 10, (count,), generator=g), "random")


class SparseGCN(nn.Module):
    """The paper's GCN written with PyG's sparse GCNConv: the oracle for the dense model."""

    def __init__(self):
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.initial_conv, self.conv1 = GCNConv(1, 32), GCNConv(32, 64)
        self.conv2, self.conv3 = GCNConv(64, 64), GCNConv(64, 64)
        self.out = nn.Linear(128, 10)

    def forward(self, x, edge_index, batch):
        from torch_geometric.nn import global_max_pool, global_mean_pool

        for conv in (self.initial_conv, self.conv1, self.conv2, self.conv3):
            x = torch.tanh(conv(x, edge_index))
        return self.out(torch.cat([global_mean_pool(x, batch), global_max_pool(x, batch)], dim=-1))


class SparseGAT(nn.Module):
    def __init__(self):
        super().__init__()
        from torch_geometric.nn import GATConv

        self.initial_conv, self.conv1 = GATConv(1, 32, heads=2), GATConv(64, 64, heads=2)
        self.conv2 = GATConv(128, 64, heads=2)
        self.out, self.out1, self.out2 = nn.Linear(128, 32), nn.Linear(32, 32), nn.Linear(32, 10)

    def forward(self, x, edge_index, batch):
        from torch_geometric.nn import global_mean_pool

        for conv in (self.initial_conv, self.conv1, self.conv2):
            x = F.relu(conv(x, edge_index))
        x = global_mean_pool(x, batch)
        return self.out2(F.relu(self.out1(F.relu(self.out(x)))))


def sparse_inputs(graphs):
    xs, edges, batch, offset = [], [], [], 0
    for g in range(len(graphs)):
        n = int(graphs.mask[g].sum())
        dst, src = torch.nonzero(graphs.adj[g, :n, :n], as_tuple=True)
        xs.append(graphs.x[g, :n])
        edges.append(torch.stack([src, dst]) + offset)
        batch.append(torch.full((n,), g))
        offset += n
    return torch.cat(xs), torch.cat(edges, dim=1), torch.cat(batch)


@pytest.mark.parametrize("name, oracle", [("gcn", SparseGCN), ("gat", SparseGAT)])
def test_dense_model_equals_pyg_sparse_layers(name, oracle):
    graphs = random_graphs(6)
    dense = gm.build_model(name, seed=3)
    sparse = oracle()
    shapes = {k: v.shape for k, v in sparse.state_dict().items()}
    sparse.load_state_dict({k: v.reshape(shapes[k]) for k, v in dense.state_dict().items()})  # GAT: att (1,1,H,C)
    (x, adj, mask), _ = graphs.batch(slice(None))
    with torch.no_grad():
        expected = sparse(*sparse_inputs(graphs))
        assert torch.allclose(dense(x, adj, mask), expected, atol=1e-5)


def test_gat_forward_equals_pyg_dense_gat_layers_with_gradients():
    """The GAT's own attention layout against PyG's DenseGATConv.forward, layer by layer, padded nodes included."""
    graphs = random_graphs(12, seed=5)
    net = gm.build_model("gat", seed=4)
    (x, adj, mask), y = graphs.batch(slice(None))

    def reference(net):
        h = x
        for name in net.convolutions:
            h = F.relu(getattr(net, name)(h, adj, mask))  # PyG's own forward
        h = gm._masked_mean(h, mask)
        return net.out2(F.relu(net.out1(F.relu(net.out(h)))))

    ours, theirs = net(x, adj, mask), reference(net)
    assert torch.allclose(ours, theirs, atol=1e-6, rtol=1e-5)
    grads = [torch.autograd.grad(F.cross_entropy(out, y), list(net.parameters())) for out in (ours, theirs)]
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-6, rtol=1e-4)


def test_parameter_counts_follow_from_the_layer_shapes():
    gcn_layer = lambda i, o: i * o + o  # noqa: E731 - weight and bias
    gat_layer = lambda i, c, h: i * h * c + 3 * h * c  # noqa: E731 - shared weight, two attention vectors, bias
    gcn = gcn_layer(1, 32) + gcn_layer(32, 64) + 2 * gcn_layer(64, 64) + gcn_layer(128, 10)
    gat = gat_layer(1, 32, 2) + gat_layer(64, 64, 2) + gat_layer(128, 64, 2) + 128 * 32 + 32 + 32 * 32 + 32 + 330
    assert gm.parameter_count(gm.build_model("gcn", 0)) == gcn == 11786
    assert gm.parameter_count(gm.build_model("gat", 0)) == gat == 31114
    assert gm.layer_names(gm.build_model("gat", 0)) == ["initial_conv", "conv1", "conv2", "out", "out1", "out2"]


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = (gm.build_model("gcn", s).state_dict() for s in (1, 1, 2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["conv1.lin.weight"], c["conv1.lin.weight"])


def test_pool_by_layer_weights_tensors_by_size():
    model = gm.build_model("gcn", 0)
    per_tensor = {n: float(i + 1) for i, (n, _) in enumerate(model.named_parameters())}
    pooled = gm.pool_by_layer(per_tensor, model)
    sizes = {n: p.numel() for n, p in model.named_parameters()}
    weight, bias = per_tensor["conv2.lin.weight"], per_tensor["conv2.bias"]
    assert pooled["conv2"] == pytest.approx((weight * 4096 + bias * 64) / 4160)
    assert set(pooled) == set(gm.layer_names(model)) and sum(sizes.values()) == 11786


@pytest.fixture
def synthetic_data(monkeypatch):
    monkeypatch.setattr(gm, "_data", lambda n, split, data: random_graphs(n, seed=0 if split == "train" else 1))


def test_pretrain_follows_the_step_schedule(synthetic_data):
    result = gm.pretrain("gcn", 16, 8, epochs=3, lr=1e-2, batch_size=8, seed=0, data={})
    assert result["history"]["lr"] == pytest.approx([1e-2, 1e-3, 1e-4])
    assert result["parameters"] == 11786 and 0 <= result["test_accuracy"] <= 1


def test_equilibrium_run_thermometry_agrees_with_the_trajectory(synthetic_data, tmp_path):
    state = gm.build_model("gcn", 0).state_dict()
    path, sha = gm.save_state(state, tmp_path, "s")
    run = lambda: gm.equilibrium_run("gcn", path, sha, 40, "adam", 1e-3, 8, epochs=3,  # noqa: E731
                                     burn_in=1, seed=0, data={}, keep_trajectory_of="conv2.lin.weight")
    first, second = run(), run()
    assert first["T_epoch"] == second["T_epoch"]  # same seed, same numbers
    trajectory = first["trajectory"]
    assert trajectory.shape == (4, 64, 64)
    from_trajectory = gm.element_temperature(trajectory)
    assert first["rows_epoch"]["conv2.lin.weight"] == pytest.approx(from_trajectory.mean(axis=1), rel=1e-4)
    assert gm.row_temperature_by_epoch(trajectory).mean(axis=0) == pytest.approx(from_trajectory.mean(axis=1),
                                                                                  rel=1e-9)
    assert first["rows_step_by_epoch"]["conv2.lin.weight"].shape == (3, 64)
    assert len(first["train_loss"]) == 4 and len(first["T_epoch_series"]["out"]) == 3
    # 5 steps per epoch: a per-epoch displacement is at most 5 per-step ones, so T_epoch <= 25 T_step
    for layer, t_step in first["T_step"].items():
        assert 0 < t_step and first["T_epoch"][layer] <= 25 * t_step * (1 + 1e-6)


def test_saved_weights_are_named_by_their_digest_so_two_seeds_share_a_folder(tmp_path):
    first, second = gm.build_model("gcn", 0).state_dict(), gm.build_model("gcn", 1).state_dict()
    path_first, sha_first = gm.save_state(first, tmp_path, "pretrained-gcn")
    path_second, sha_second = gm.save_state(second, tmp_path, "pretrained-gcn")
    assert path_first != path_second and sha_first != sha_second
    assert gm.state_digest(gm.load_state(path_first, sha_first)) == gm.state_digest(first)
    assert gm.save_state(first, tmp_path, "pretrained-gcn") == (path_first, sha_first)
    assert not list(tmp_path.glob("*.partial"))


def test_equilibrium_run_refuses_weights_that_do_not_match_their_checksum(synthetic_data, tmp_path):
    path, _ = gm.save_state(gm.build_model("gcn", 0).state_dict(), tmp_path, "s")
    with pytest.raises(ValueError, match="checksum"):
        gm.equilibrium_run("gcn", path, "0" * 64, 40, "adam", 1e-3, 8, 1, 0, 0, {})


def test_divergence_names_the_setting():
    model = gm.build_model("gcn", 0)
    with torch.no_grad():
        model.out.weight.fill_(float("nan"))
    optimizer = gm.make_optimizer("sgd", model.parameters(), 0.1)
    with pytest.raises(gm.TrainingDiverged, match="lr=0.1"):
        gm.train_epoch(model, random_graphs(16), optimizer, 8, torch.Generator().manual_seed(0), setting="lr=0.1")


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="model"):
        gm.build_model("mlp", 0)
    with pytest.raises(ValueError, match="optimizer"):
        gm.make_optimizer("rmsprop", gm.build_model("gcn", 0).parameters(), 0.1)
    with pytest.raises(ValueError, match="batch_size"):
        gm.train_epoch(gm.build_model("gcn", 0), random_graphs(4), None, 8, torch.Generator())


def test_split_half_agreement_separates_persistent_from_random_rows():
    rng = np.random.default_rng(0)
    levels = rng.uniform(1, 10, size=64)
    persistent = levels * rng.gamma(50, 1 / 50, size=(10, 64))
    noise = rng.gamma(50, 1 / 50, size=(10, 64))
    assert gm.split_half_agreement(persistent) > 0.9
    assert abs(gm.split_half_agreement(noise)) < 0.4
    with pytest.raises(ValueError):
        gm.split_half_agreement(np.ones((1, 4)))


def test_row_temperature_by_epoch_matches_the_thermometer():
    weight = torch.zeros(5, 3)
    thermometer = Thermometer({"w": weight})
    rng = np.random.default_rng(1)
    trajectory = [weight.clone().numpy()]
    for _ in range(4):
        weight += torch.tensor(rng.normal(size=(5, 3)), dtype=torch.float32)
        thermometer.read()
        trajectory.append(weight.clone().numpy())
    by_epoch = gm.row_temperature_by_epoch(np.stack(trajectory))
    assert by_epoch.mean(axis=0) == pytest.approx(thermometer.row_temperature("w"), rel=1e-5)


def test_sweep_points_share_the_common_setting():
    points = gm.sweep_points([1e-3, 2e-3], [16, 32], sweep_batch=32, sweep_lr=1e-3)
    assert points == [(1e-3, 32), (2e-3, 32), (1e-3, 16)]
    assert gm.sweep_points([2e-3, 3e-3], [16, 64], 32, 1e-3)[-1] == (1e-3, 32)  # the reference run is always there


def test_heavy_paths_create_their_tensors_on_the_given_device(synthetic_data, tmp_path, factory_audit):
    from thermo_utils.chapters.gnn_temperature.pruning import pruning_study

    with factory_audit() as audit:
        pre = gm.pretrain("gcn", 16, 8, epochs=1, lr=1e-2, batch_size=8, seed=0, data={}, device="cpu")
        path, sha = gm.save_state(pre["state"], tmp_path, "s")
        run = gm.equilibrium_run("gcn", path, sha, 16, "adam", 1e-3, 8, epochs=1, burn_in=0,
                                 seed=0, data={}, device="cpu")
        trained = gm.load_trained("gcn", run["state"], "cpu")
        rows = {layer: run["rows_epoch"][f"{layer}.lin.weight"] for layer in trained.convolutions}
        pruning_study(trained, random_graphs(8).to("cpu"), rows, [0.25], 1, np.random.default_rng(0))
    assert not audit.missing, audit.missing


def test_explicit_cpu_device_gives_the_default_numbers(synthetic_data, tmp_path):
    state = gm.build_model("gcn", 0).state_dict()
    path, sha = gm.save_state(state, tmp_path, "s")
    args = ("gcn", path, sha, 24, "sgd", 1e-2, 8)
    default = gm.equilibrium_run(*args, epochs=2, burn_in=1, seed=0, data={})
    explicit = gm.equilibrium_run(*args, epochs=2, burn_in=1, seed=0, data={}, device="cpu")
    assert default["T_epoch"] == explicit["T_epoch"] and default["T_step"] == explicit["T_step"]
    assert np.array_equal(default["train_loss"], explicit["train_loss"])
    a = gm.pretrain("gat", 16, 8, epochs=1, lr=1e-2, batch_size=8, seed=0, data={})
    b = gm.pretrain("gat", 16, 8, epochs=1, lr=1e-2, batch_size=8, seed=0, data={}, device="cpu")
    assert a["history"] == b["history"]
    assert all(torch.equal(a["state"][k], b["state"][k]) for k in a["state"])


def test_the_epoch_loss_is_the_float64_mean_of_the_step_losses():
    graphs = random_graphs(24)
    model = gm.build_model("gcn", 0)
    optimizer = gm.make_optimizer("sgd", model.parameters(), 0.0)  # the weights stay put
    order = torch.randperm(24, generator=torch.Generator().manual_seed(5))
    expected = 0.0
    for step in range(3):
        inputs, y = graphs.batch(order[step * 8:(step + 1) * 8])
        expected += float(F.cross_entropy(model(*inputs), y))
    got = gm.train_epoch(model, graphs, optimizer, 8, torch.Generator().manual_seed(5))
    assert got == expected / 3


def test_decay_milestones_follow_the_fractions():
    assert gm.decay_milestones(600, (1 / 3, 2 / 3)) == [200, 400]
    assert gm.decay_milestones(40, (0.9,)) == [36]
    assert gm.decay_milestones(1, (0.5,)) == []  # never after the last epoch
    with pytest.raises(ValueError, match="decay_at"):
        gm.decay_milestones(10, (1.0,))


def test_pretrain_with_a_late_decay(synthetic_data):
    result = gm.pretrain("gcn", 16, 8, epochs=4, lr=1e-2, batch_size=8, seed=0, data={}, decay_at=(0.75,))
    assert result["history"]["lr"] == pytest.approx([1e-2, 1e-2, 1e-2, 1e-3])
    assert result["test_correct"].mean() == pytest.approx(result["test_accuracy"])


def test_replicas_are_other_orders_of_the_data_and_replica_zero_is_the_original(synthetic_data, tmp_path):
    path, sha = gm.save_state(gm.build_model("gcn", 0).state_dict(), tmp_path, "s")
    args = ("gcn", path, sha, 24, "adam", 1e-3, 8)
    original = gm.equilibrium_run(*args, epochs=2, burn_in=0, seed=0, data={})
    zero = gm.equilibrium_run(*args, epochs=2, burn_in=0, seed=0, data={}, replica=0)
    one = gm.equilibrium_run(*args, epochs=2, burn_in=0, seed=0, data={}, replica=1)
    assert original["T_epoch"] == zero["T_epoch"] and original["T_epoch"] != one["T_epoch"]
    assert one["setting"]["replica"] == 1 and one["steps_per_epoch"] == 3 and one["graph_epochs"] == 48
    points = gm.equilibrium_points("gcn", "f", "h", ["adam"], [(1e-3, 32), (2e-3, 32)], n_train=64, epochs=2,
                                   burn_in=0, seed=0, data={}, reference=(1e-3, 32), replicas=3)
    assert len(points) == 6 and [p.get("replica", 0) for p in points] == [0, 1, 2, 0, 1, 2]
    assert [p["keep_trajectory_of"] is not None for p in points] == [True] + [False] * 5
    assert "replica" not in points[0]  # replica 0 keeps the key it had before replicas existed
    more = gm.equilibrium_points("gcn", "f", "h", ["adam", "sgd"], [(1e-3, 32), (2e-3, 32)], n_train=64, epochs=2,
                                 burn_in=0, seed=0, data={}, reference=(1e-3, 32), replicas=2, reference_replicas=4)
    counts = [(p["optimizer"], p["lr"]) for p in more]
    assert counts.count(("adam", 1e-3)) == 4 and counts.count(("adam", 2e-3)) == 2 and counts.count(("sgd", 1e-3)) == 2
    runs = [{"setting": {"replica": p.get("replica", 0)}} for p in more]
    assert len(gm.fit_runs(runs, 2)) == 8  # the reference's extra runs stay out of the fits


def test_points_by_cost_put_the_costliest_first():
    point = dict(n_train=100, epochs=8, burn_in=1)
    points = [dict(point, model="gcn", batch_size=32), dict(point, model="gat", batch_size=32),
              dict(point, model="gcn", batch_size=8), dict(point, model="gat", batch_size=8, n_train=50)]
    order = [(p["model"], p["batch_size"], p["n_train"]) for p in gm.by_cost(points)]
    assert order == [("gat", 32, 100), ("gat", 8, 50), ("gcn", 8, 100), ("gcn", 32, 100)]


def test_analyse_sweeps_fits_every_replica_as_a_point():
    from thermo_utils.core.fitting import power_law_fit

    rng = np.random.default_rng(0)
    runs = []
    for lr, b in gm.sweep_points([1e-3, 2e-3, 4e-3], [16, 32, 64, 128], 32, 1e-3):
        for replica in range(3):
            t = lr**2 * (32 / b) * rng.lognormal(0, 0.1)
            runs.append({"setting": {"optimizer": "adam", "lr": lr, "batch_size": b, "replica": replica},
                         "T_epoch": {"out": t}})
    fits = gm.analyse_sweeps(runs, "adam", "T_epoch", [1e-3, 2e-3, 4e-3], [16, 32, 64, 128], 32, 1e-3)
    x, t = fits["eta_points"]
    assert len(x) == 9
    direct = power_law_fit(x, t["out"])
    assert fits["eta"]["out"].exponent == pytest.approx(direct.exponent)
    assert fits["eta"]["out"].exponent_ci[0] < 2 < fits["eta"]["out"].exponent_ci[1]
    assert fits["batch"]["out"]["power_law"].exponent == pytest.approx(1, abs=0.15)
    assert fits["eta_T"]["out"][0] == pytest.approx(np.mean([r["T_epoch"]["out"] for r in runs[:3]]))
