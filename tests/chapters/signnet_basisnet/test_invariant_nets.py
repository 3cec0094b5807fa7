"""Invariance and equivariance of SignNet, BasisNet and the IGN layers, measured numerically."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.signnet_basisnet import invariant_nets as inv
from thermo_utils.chapters.signnet_basisnet import spectral
from thermo_utils.chapters.signnet_basisnet.texture import FIELD_KINDS


@pytest.fixture(scope="module")
def symmetric_graphs():
    rng = np.random.default_rng(0)
    return [spectral.hypercube_graph(3), spectral.cycle_graph(6)] + spectral.graph_family("tree", 2, (7, 9), rng)


@pytest.mark.parametrize("kind", ["signnet", "signnet_deepsets", "basisnet"])
def test_invariant_encoders(kind, symmetric_graphs):
    torch.manual_seed(0)
    encoder = inv.make_encoder(kind, 9, hidden=8, pe_dim=4, basis_max_dim=2)
    gaps = inv.invariance_gaps(encoder, symmetric_graphs, torch.Generator().manual_seed(1))
    assert gaps["sign"] < 1e-10 and gaps["permutation"] < 1e-10
    if kind == "basisnet":
        assert gaps["basis"] < 1e-10 and gaps["resolved"] < 1e-10
    else:  # sign invariance does not reach rotations inside the repeated eigenspaces of Q_3 and C_6
        assert gaps["basis"] > 1e-6


def test_raw_eigenvectors_are_not_invariant(symmetric_graphs):
    torch.manual_seed(0)
    gaps = inv.invariance_gaps(inv.make_encoder("raw", 9, 8, 4), symmetric_graphs, torch.Generator().manual_seed(1))
    assert gaps["sign"] > 1e-3 and gaps["permutation"] < 1e-10


def _permute_matrix(x, perm):
    return x[:, perm][:, :, perm]


def test_ign_layers_are_equivariant_and_respect_padding():
    torch.manual_seed(0)
    layer, readout = inv.IGN2to2(2, 3).double(), inv.IGN2to1(2, 3).double()
    x = torch.randn(1, 5, 5, 2, dtype=torch.float64)  # not symmetric: exercises X and X^T separately
    mask = torch.ones(1, 5, dtype=torch.bool)
    perm = torch.tensor([2, 4, 0, 1, 3])
    assert torch.allclose(layer(_permute_matrix(x, perm), mask), _permute_matrix(layer(x, mask), perm), atol=1e-12)
    assert torch.allclose(readout(_permute_matrix(x, perm), mask), readout(x, mask)[:, perm], atol=1e-12)
    padded = torch.zeros(1, 7, 7, 2, dtype=torch.float64)
    padded[:, :5, :5] = x
    pad_mask = torch.tensor([[True] * 5 + [False] * 2])
    assert torch.allclose(layer(padded, pad_mask)[:, :5, :5], layer(x, mask), atol=1e-12)
    assert float(layer(padded, pad_mask)[:, 5:].detach().abs().max()) == 0


def _padded_gin(gin, x, adj, mask):
    """PyG's DenseGINConv layers applied as they are, padding and all: the reference for DenseGIN's shortcut."""
    for i, conv in enumerate(gin.convs):
        x = conv(x, adj, mask)
        x = torch.relu(x) if i < len(gin.convs) - 1 else x
    return x


def _padded_signnet(encoder, batch):
    """SignNet over every eigenvector slot, padded ones masked afterwards (the formula in the module docstring)."""
    b, n, k = batch.eigvecs.shape
    signal = batch.eigvecs.transpose(1, 2).reshape(b * k, n, 1)
    adj = batch.adj.unsqueeze(1).expand(b, k, n, n).reshape(b * k, n, n)
    mask = batch.mask.unsqueeze(1).expand(b, k, n).reshape(b * k, n)
    phi = _padded_gin(encoder.phi, signal, adj, mask) + _padded_gin(encoder.phi, -signal, adj, mask)
    h = phi.view(b, k, n, -1).transpose(1, 2)
    lam = batch.eigvals[:, None, :, None].expand(b, n, k, 1)
    terms = encoder.psi(torch.cat([h, lam], -1)) * batch.eig_mask[:, None, :, None].to(h.dtype)
    return encoder.rho(terms.sum(2)) * batch.mask.unsqueeze(-1).to(h.dtype)


def test_padding_free_signnet_and_gin_equal_the_padded_formulas():
    rng = np.random.default_rng(3)
    graphs = [spectral.cycle_graph(5), spectral.hypercube_graph(3)] + spectral.graph_family("tree", 3, (4, 9), rng)
    batch = spectral.batch_graphs(graphs, num_nodes=10, dtype=torch.float64)
    assert not batch.eig_mask.all()  # graphs of 4 to 9 nodes padded to 10: both kinds of padding occur
    torch.manual_seed(0)
    encoder = inv.make_encoder("signnet", 10, hidden=8, pe_dim=4).double()
    assert torch.allclose(encoder(batch), _padded_signnet(encoder, batch), atol=1e-12)
    gin = inv.DenseGIN(3, 8, 3).double()
    x = torch.randn(len(batch), 10, 3, dtype=torch.float64) * batch.mask.unsqueeze(-1)
    assert torch.allclose(gin(x, batch.adj, batch.mask), _padded_gin(gin, x, batch.adj, batch.mask), atol=1e-12)
    # and the same gradients, the trained eps of every layer included
    for model, own, reference in ((encoder, lambda: encoder(batch), lambda: _padded_signnet(encoder, batch)),
                                  (gin, lambda: gin(x, batch.adj, batch.mask),
                                   lambda: _padded_gin(gin, x, batch.adj, batch.mask))):
        params = list(model.parameters())
        for a, b in zip(torch.autograd.grad(own().square().sum(), params),
                        torch.autograd.grad(reference().square().sum(), params)):
            assert torch.allclose(a, b, atol=1e-10)


def test_ign_diagonal_term_equals_a_diagonal_matrix_added():
    torch.manual_seed(1)
    layer = inv.IGN2to2(2, 3).double()
    x, mask = torch.randn(2, 4, 4, 2, dtype=torch.float64), torch.tensor([[True] * 4, [True] * 3 + [False]])
    node_stats, graph_stats = inv.ign_statistics(x, mask)
    per_i = torch.cat([node_stats, graph_stats.unsqueeze(1).expand(-1, 4, -1)], -1)
    expected = layer.full(x) + layer.transposed(x.transpose(1, 2)) + layer.along_rows(per_i)[:, :, None, :]
    expected = expected + layer.along_cols(node_stats)[:, None, :, :]
    expected = expected + torch.diag_embed(layer.on_diagonal(per_i).transpose(1, 2)).permute(0, 2, 3, 1)
    pair = (mask[:, :, None] & mask[:, None, :]).unsqueeze(-1).to(x.dtype)
    assert torch.allclose(layer(x, mask), expected * pair, atol=1e-12)


def test_graph_regressor_is_permutation_invariant(symmetric_graphs):
    torch.manual_seed(0)
    model = inv.GraphRegressor(inv.make_encoder("basisnet", 9, 8, 4), 1, 2, hidden=8, layers=2, pe_dim=4).double()
    batch = spectral.batch_graphs(symmetric_graphs, dtype=torch.float64)
    perms = spectral.random_node_permutations(batch, torch.Generator().manual_seed(2))
    assert torch.allclose(model(batch), model(batch.node_permuted(perms)), atol=1e-10)


def test_sign_invariant_target_and_signnet_mlp():
    v = torch.randn(10, 3, 5, dtype=torch.float64)
    signs = torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64)[None, :, None]
    target = inv.sign_invariant_target(v, seed=0)
    assert torch.allclose(target, inv.sign_invariant_target(v * signs, seed=0))
    single = torch.randn(4, 1, 5, dtype=torch.float64)  # one vector: only the |a.v| term remains
    a = torch.randn(2, 1, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)[0]
    assert torch.allclose(inv.sign_invariant_target(single, seed=0), (single * a).sum(-1).abs().sum(1))
    net = inv.SignNetMLP(3, 5, 8).double()
    assert torch.equal(net(v), net(v * signs))


def test_counting_run_is_deterministic_and_checks_inputs():
    args = dict(kind="signnet", seed=0, data_seed=0, n_graphs=60, nodes=[5, 7], edge_prob=[0.3, 0.6], epochs=1,
                batch_size=16, lr=1e-2, hidden=8, layers=2, pe_dim=4, basis_max_dim=2)
    assert inv.counting_point(**args)["test_mae"] == inv.counting_point(**args)["test_mae"]
    with pytest.raises(ValueError, match="batch_size"):
        inv.counting_point(**{**args, "batch_size": 100})
    with pytest.raises(ValueError, match="unknown positional encoding"):
        inv.make_encoder("lap", 5, 8, 4)
    with pytest.raises(ValueError, match="unknown model"):
        inv.sign_target_point("mlp", 0, 2, 4, 64, 64, 1, 8, 1e-3)


def test_counting_splits_are_built_once_and_survive_training():
    setting = dict(data_seed=0, n_graphs=60, nodes=(5, 7), edge_prob=(0.3, 0.6))
    fit = dict(kind="signnet", seed=0, epochs=1, batch_size=16, lr=1e-2, hidden=8, layers=2, pe_dim=4,
               basis_max_dim=2, **setting)
    inv.counting_splits.cache_clear()
    train, val, test = inv.counting_splits(**setting)
    assert (len(train), len(val), len(test)) == (48, 6, 6)
    assert inv.counting_splits(**setting)[0] is train  # the second point of a sweep reuses the batches
    before = [t.clone() for t in vars(train).values()]
    first = inv.counting_point(**fit)["test_mae"]
    assert all(torch.equal(a, b) for a, b in zip(before, vars(train).values()))  # training leaves the cache intact
    inv.counting_splits.cache_clear()  # rebuilt from scratch: the same batches, the same result
    assert torch.equal(inv.counting_splits(**setting)[2].eigvecs, test.eigvecs)
    assert inv.counting_point(**{**fit, "nodes": [5, 7], "edge_prob": [0.3, 0.6]})["test_mae"] == first
    assert inv.counting_splits(**{**setting, "data_seed": 1})[0] is not train


def test_resigned_test_scores_leave_training_alone_and_spare_invariant_encoders():
    split = inv.counting_splits(data_seed=0, n_graphs=60, nodes=(5, 7), edge_prob=(0.3, 0.6))
    fit = dict(epochs=2, batch_size=16, lr=1e-2, hidden=8, layers=2, pe_dim=4, basis_max_dim=2)
    for kind in ("signnet", "abs", "basisnet", "raw"):
        plain = inv.fit_graph_regressor(kind, *split, seed=1, **fit)
        scored = inv.fit_graph_regressor(kind, *split, seed=1, test_sign_draws=3, test_sign_seed=5, **fit)
        assert "test_mae_resigned" not in plain
        assert scored["test_mae"] == plain["test_mae"] and scored["train_curve"] == plain["train_curve"]
        again = inv.fit_graph_regressor(kind, *split, seed=1, test_sign_draws=3, test_sign_seed=5, **fit)
        assert again["test_mae_resigned"] == scored["test_mae_resigned"]  # the signs come from test_sign_seed
        if kind == "raw":  # reads the signs: random ones change its predictions
            assert not np.allclose(scored["test_mae_resigned"], scored["test_mae"], rtol=1e-6, atol=0)
        else:  # invariant by construction: only round-off may move
            np.testing.assert_allclose(scored["test_mae_resigned"], scored["test_mae"], rtol=1e-5, atol=1e-7)
    assert len(inv.counting_point(kind="none", seed=0, data_seed=0, n_graphs=60, nodes=[5, 7], edge_prob=[0.3, 0.6],
                                  **fit)["test_mae_resigned"]) == 4  # one per target


def test_longest_first_orders_by_cost_and_keeps_ties():
    assert inv.longest_first(["none", "flip", "signnet", "basisnet"]) == ["basisnet", "signnet", "none", "flip"]
    assert inv.longest_first(["abs", "raw", "signnet"]) == ["signnet", "abs", "raw"]
    assert set(inv.TRAINING_COST) == set(inv.PE_KINDS) | set(FIELD_KINDS)  # every kind a sweep can order


def test_zinc_needs_its_files(tmp_path):
    assert not inv.zinc_available(tmp_path)
    with pytest.raises(FileNotFoundError, match="ZINC"):
        inv.zinc_point("none", 0, str(tmp_path), 1, 8, 1e-3, 8, 2, 4, 2)
