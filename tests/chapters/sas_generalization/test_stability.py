"""Twin training and the stability estimators, against closed forms and independent computations."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from thermo_utils.chapters.sas_generalization import stability
from thermo_utils.chapters.sas_generalization.stability import (
    MLP,
    DivergenceError,
    TwinData,
    autocorrelation,
    block_standard_error,
    decay_time,
    halves_z_score,
    init_stacked,
    integrated_autocorrelation_time,
    sas_beta,
    sas_generalization_bound,
    stacked_losses,
    stacked_sgd_step,
    train_twin_ensemble,
    twin_layout,
)
from thermo_utils.core.seeding import numpy_rng, torch_generator


def ar1(phi, T, n_series, seed=0):
    rng = numpy_rng(seed)
    x = np.zeros((n_series, T))
    x[:, 0] = rng.normal(size=n_series) / np.sqrt(1 - phi**2)
    noise = rng.normal(size=(n_series, T))
    for t in range(1, T):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


def test_autocorrelation_and_times_of_an_ar1_process():
    phi = 0.8
    acf = autocorrelation(ar1(phi, 20000, 8), max_lag=60).mean(axis=0)
    assert acf[:6] == pytest.approx(phi ** np.arange(6), abs=0.03)
    assert decay_time(acf, spacing=10.0) == pytest.approx(-10.0 / np.log(phi), rel=0.08)
    assert integrated_autocorrelation_time(acf) == pytest.approx((1 + phi) / (1 - phi), rel=0.1)


def test_decay_time_of_an_exact_exponential():
    lags = np.arange(50)
    assert decay_time(np.exp(-lags / 7.0)) == pytest.approx(7.0, rel=0.01)
    assert np.isnan(decay_time(np.ones(10)))  # never decays within the window


def test_block_standard_error_matches_the_correlated_variance():
    phi, T = 0.7, 40000
    x = ar1(phi, T, 200, seed=1)
    blocks = x.reshape(200, 20, -1).mean(axis=-1)
    tau_int = (1 + phi) / (1 - phi)
    expected = np.sqrt(tau_int / (1 - phi**2) / T)  # σ² = 1/(1−φ²)
    assert np.median(block_standard_error(blocks)) == pytest.approx(expected, rel=0.15)
    z = halves_z_score(blocks)
    assert np.median(np.abs(z)) == pytest.approx(0.674, abs=0.2)  # |N(0,1)| median for a stationary series
    drifting = blocks + np.linspace(0, 1, 20)
    assert np.median(np.abs(halves_z_score(drifting))) > 5


def test_sas_beta_against_a_loop():
    rng = numpy_rng(3)
    averages = rng.random((6, 9))
    base_of = np.array([0, 0, 0, 3, 3, 3])
    expected = [max(abs(averages[m, z] - averages[base_of[m], z]) for z in range(9)) for m in range(6)]
    assert sas_beta(averages, base_of) == pytest.approx(expected)
    assert sas_beta(averages, base_of)[[0, 3]] == pytest.approx([0.0, 0.0])
    with pytest.raises(ValueError):
        sas_beta(averages, base_of[:3])


def test_bound_by_hand_and_its_limits():
    value = sas_generalization_bound(0.1, 0.01, 100, loss_bound=1.0, delta=0.05)
    assert value == pytest.approx(0.1 + 0.01 + 2 * (1 + 1) * np.sqrt(np.log(40) / 200))
    assert sas_generalization_bound(0.1, 0.0, 10**12, 1.0, 0.05) == pytest.approx(0.1, abs=1e-5)
    with pytest.raises(ValueError):
        sas_generalization_bound(0.1, 0.01, 100, loss_bound=1.0, delta=1.5)


@pytest.mark.parametrize("hidden", [5, 0])  # one ReLU layer, and the linear softmax model of the GD runs
def test_stacked_sgd_step_matches_a_loop_of_ordinary_models(hidden):
    model = MLP(6, hidden)
    M, B = 3, 4
    params = init_stacked(model, M, torch_generator(0, 1), same=False)
    g = torch_generator(0, 2)
    xb, yb = torch.randn(M, B, 6, generator=g), torch.randint(0, 10, (M, B), generator=g)
    weights = torch.full((M, B), 1.0 / B)
    weights[2] = torch.tensor([0.5, 0.5, 0.0, 0.0])  # a model with batch size 2
    lr = torch.tensor([0.1, 0.2, 0.3])
    wd = torch.tensor([0.01, 0.0, 0.2])  # one weight decay per model
    new, losses = stacked_sgd_step(model, weight_decay=wd)(params, xb, yb, weights, lr)
    for m in range(M):
        ref = MLP(6, hidden)
        ref.load_state_dict({k: v[m] for k, v in params.items()})
        opt = torch.optim.SGD(ref.parameters(), lr=float(lr[m]), weight_decay=float(wd[m]))
        keep = weights[m] > 0
        loss = F.cross_entropy(ref(xb[m][keep]), yb[m][keep])
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert losses[m].item() == pytest.approx(loss.item(), rel=1e-5)
        for k, v in ref.state_dict().items():
            torch.testing.assert_close(new[k][m], v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hidden", [5, 0])
def test_stacked_losses_are_each_models_cross_entropy(hidden):
    model = MLP(6, hidden)
    params = init_stacked(model, 3, torch_generator(0, 3), same=False)
    g = torch_generator(0, 4)
    x, y = torch.randn(7, 6, generator=g), torch.randint(0, 10, (7,), generator=g)
    losses = stacked_losses(params, x, y)
    assert losses.shape == (3, 7)
    for m in range(3):
        ref = MLP(6, hidden)
        ref.load_state_dict({k: v[m] for k, v in params.items()})
        torch.testing.assert_close(losses[m], F.cross_entropy(ref(x), y, reduction="none"), rtol=1e-5, atol=1e-6)


def test_stacked_losses_take_one_row_of_labels_per_model():
    model = MLP(6, 5)
    params = init_stacked(model, 3, torch_generator(0, 3), same=False)
    g = torch_generator(0, 5)
    x, y = torch.randn(7, 6, generator=g), torch.randint(0, 10, (3, 7), generator=g)
    losses = stacked_losses(params, x, y)
    for m in range(3):
        torch.testing.assert_close(losses[m], stacked_losses(params, x, y[m])[m])


def test_noisy_labels_resample_the_asked_fraction_and_repeat():
    y = torch.as_tensor(numpy_rng(0).integers(0, 10, 20000))
    assert stability.noisy_labels(y, 0.0, seed=3) is y
    noisy = stability.noisy_labels(y, 0.4, seed=3)
    # a resampled label keeps its class with probability 1/10: 0.4 * 0.9 of the labels change
    assert abs(float((noisy != y).float().mean()) - 0.36) < 0.015
    torch.testing.assert_close(noisy, stability.noisy_labels(y, 0.4, seed=3))
    assert not torch.equal(noisy, stability.noisy_labels(y, 0.4, seed=4))
    with pytest.raises(ValueError, match="label-noise"):
        stability.noisy_labels(y, 1.0, seed=3)


def test_a_label_noise_setting_trains_on_its_own_labels_and_leaves_the_others_alone(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    clean = train_twin_ensemble(settings=[[0.1, 8, 40, 0.01]], **SMALL)
    both = train_twin_ensemble(settings=[[0.1, 8, 40, 0.01], [0.1, 8, 40, 0.01, 0.5]], **SMALL)
    first = both["setting"] == 0
    np.testing.assert_array_equal(both["block_means"][first], clean["block_means"])
    assert list(np.unique(both["label_noise"])) == [0.0, 0.5]
    # the noisy setting alone, in company, and as a clean setting whose data carry the noisy labels: all the same
    data = fake_data(40, 2, SMALL["n_test"], SMALL["side"], SMALL["seed"])
    noisy_y = stability.noisy_labels(data.y, 0.5, SMALL["seed"])
    assert not torch.equal(noisy_y[:40], data.y[:40])
    alone = train_twin_ensemble(settings=[[0.1, 8, 40, 0.01, 0.5]], **SMALL)
    np.testing.assert_allclose(both["block_means"][~first], alone["block_means"], rtol=1e-6)
    monkeypatch.setattr(stability, "mnist_twin_data", lambda *args, device="cpu": TwinData(
        data.x, noisy_y, data.n_pool, data.n_fresh, data.n_test))  # the clean code path on D_p's labels
    relabelled = train_twin_ensemble(settings=[[0.1, 8, 40, 0.01]], **SMALL)
    np.testing.assert_allclose(alone["block_means"], relabelled["block_means"], rtol=1e-6)
    layout = stability.twin_layout([[0.1, 8, 40, 0.01], [0.1, 8, 40, 0.01, 0.5]], 1, seed=0, n_null=2,
                                   perturbed=True)
    assert layout.label_noise.tolist() == [0.0] * 5 + [0.5, 0.5]  # no null or perturbed run with label noise
    assert layout.role[5:].tolist() == [stability.BASE, stability.TWIN]
    kwargs = {**SMALL, "n_null": 2, "perturbation": 1e-6}
    with_nulls = train_twin_ensemble(settings=[[0.1, 8, 40, 0.01]], **kwargs)
    beside = train_twin_ensemble(settings=[[0.1, 8, 40, 0.01], [0.1, 8, 40, 0.01, 0.5]], **kwargs)
    np.testing.assert_array_equal(beside["block_means"][beside["setting"] == 0], with_nulls["block_means"])
    with pytest.raises(ValueError, match="label noise"):
        stability.twin_layout([[0.1, 8, 40, 0.01, 1.0]], 1, seed=0)


def test_scale_invariant_losses_match_each_model_and_ignore_the_scale_of_w1_and_w2():
    g = torch_generator(0, 5)
    M, B, d, h = 3, 8, 6, 5
    params = {"w1": torch.randn(M, h, d, generator=g), "w2": torch.randn(M, h, h, generator=g)}
    head = torch.randn(10, h, generator=g)
    xb, yb = torch.randn(M, B, d, generator=g), torch.randint(0, 10, (M, B), generator=g)
    losses = stability.scale_invariant_losses(params, head, xb, yb)
    for m in range(M):  # torch's own batch norm (no affine part) on one model
        a = F.relu(F.batch_norm(xb[m] @ params["w1"][m].T, None, None, training=True, eps=1e-5))
        a = F.relu(F.batch_norm(a @ params["w2"][m].T, None, None, training=True, eps=1e-5))
        assert losses[m].item() == pytest.approx(F.cross_entropy(a @ head.T, yb[m]).item(), rel=1e-5)
    scaled = stability.scale_invariant_losses({"w1": 7.0 * params["w1"], "w2": 0.2 * params["w2"]}, head, xb, yb)
    torch.testing.assert_close(scaled, losses, rtol=1e-3, atol=1e-4)  # only the BN epsilon sees the scale


SMALL = dict(n_twins=2, hidden=8, side=4, weight_decay=1e-3, burn_in_steps=20, tail_steps=80, average_every=10,
             trace_every=5, n_blocks=4, n_test=30, n_trace=6, loss_cap=5.0, seed=0)


def fake_data(n_pool, n_fresh, n_test, side, seed, copy_from=None, device="cpu"):
    g = torch_generator(seed, 9)
    x = torch.randn(n_pool + n_fresh + n_test, side * side, generator=g)
    y = torch.randint(0, 10, (len(x),), generator=g)
    if copy_from is not None:  # make each fresh example equal to the example it replaces
        for k, pos in enumerate(copy_from):
            x[n_pool + k], y[n_pool + k] = x[pos], y[pos]
    return TwinData(x.to(device), y.to(device), n_pool, n_fresh, n_test)


def test_a_twin_that_swaps_in_an_identical_example_stays_identical(monkeypatch):
    settings = [[0.1, 8, 40]]
    positions = twin_layout(settings, 2, seed=0).replaced[1:]
    monkeypatch.setattr(stability, "mnist_twin_data",
                        lambda n_pool, n_fresh, n_test, side, seed, device="cpu": fake_data(
                            n_pool, n_fresh, n_test, side, seed, copy_from=positions, device=device))
    out = train_twin_ensemble(settings=settings, **SMALL)
    assert np.all(out["twin_distance"] == 0) and np.all(out["running_beta"] == 0)


def test_twins_differ_and_runs_repeat(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    settings = [[0.1, 8, 40], [0.05, 4, 60]]
    first = train_twin_ensemble(settings=settings, **SMALL)
    second = train_twin_ensemble(settings=settings, **SMALL)
    for key in ("block_means", "trace", "twin_distance", "burn_minibatch_loss"):
        np.testing.assert_array_equal(first[key], second[key])
    twins = first["replaced"] >= 0
    assert np.all(first["twin_distance"][-1][twins] > 0)
    assert np.all(first["twin_distance"][:, ~twins] == 0)
    assert first["trace"].shape == (2, 6, 16) and first["block_means"].shape == (6, 60 + 2 + 30, 4)


def test_bad_settings_and_divergence_are_reported(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    with pytest.raises(ValueError, match="batch"):
        train_twin_ensemble(settings=[[0.1, 64, 40]], **SMALL)
    with pytest.raises(ValueError, match="multiples"):
        train_twin_ensemble(settings=[[0.1, 8, 40]], **{**SMALL, "tail_steps": 85})
    with pytest.raises(DivergenceError, match="lr=1e\\+06"):
        train_twin_ensemble(settings=[[1e6, 8, 40]], **SMALL)


def test_config_refuses_bad_values_before_any_work():
    from thermo_utils.chapters.sas_generalization.config import SPEC
    from thermo_utils.harness.profiles import ConfigError

    for bad in (dict(ref_batch=4096), dict(tail_steps=1010), dict(n_trace=500), dict(side=5), dict(ref_lr=-0.1)):
        with pytest.raises(ConfigError):
            SPEC.resolve("smoke", **bad)
    assert SPEC.resolve("classroom").n_twins >= 2


def test_groups_trained_apart_and_merged_give_the_whole_ensemble(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    settings = [[0.1, 8, 40], [0.05, 8, 60], [0.1, 8, 60, 0.01]]
    kwargs = {**SMALL, "n_null": 2, "perturbation": 1e-6}
    whole = train_twin_ensemble(settings=settings, **kwargs)
    groups = stability.split_settings(settings, 2)
    assert groups == [settings[:2], settings[2:]]
    merged = stability.merge_twin_runs([train_twin_ensemble(settings=g, pool_size=60, **kwargs) for g in groups])
    assert merged.keys() == whole.keys()
    for key, value in whole.items():
        np.testing.assert_allclose(np.asarray(merged[key], dtype=float), np.asarray(value, dtype=float), rtol=1e-5,
                                   atol=1e-6, err_msg=key)
    with pytest.raises(ValueError, match="pool_size"):  # each group's own largest n: other probes
        stability.merge_twin_runs([train_twin_ensemble(settings=g, **kwargs) for g in (settings[:1], settings[1:])])
    assert stability.split_settings(settings, 5) == [[s] for s in settings]


def test_twin_ensemble_creates_every_tensor_on_the_given_device(monkeypatch, factory_audit):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    with factory_audit() as audit:
        train_twin_ensemble(settings=[[0.1, 8, 40]], **SMALL, device="cpu")
    assert not audit.missing, audit.missing


def test_explicit_cpu_gives_the_default_numbers(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    default = train_twin_ensemble(settings=[[0.1, 8, 40]], **SMALL)
    explicit = train_twin_ensemble(settings=[[0.1, 8, 40]], **SMALL, device="cpu")
    for key in ("block_means", "trace", "twin_distance", "snapshot_beta", "burn_minibatch_loss"):
        np.testing.assert_array_equal(default[key], explicit[key])


BN_SMALL = dict(weight_decays=[1e-2, 3e-2], lr=0.1, n_train=64, hidden=8, side=4, batch_size=16, steps=40,
                record_every=10, seed=0)


def test_batch_norm_run_on_the_given_device_and_same_numbers(monkeypatch, factory_audit):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    with factory_audit() as audit:
        explicit = stability.train_scale_invariant_bn(**BN_SMALL, device="cpu")
    assert not audit.missing, audit.missing
    default = stability.train_scale_invariant_bn(**BN_SMALL)
    for key in ("loss", "norm_w1", "norm_w2"):
        np.testing.assert_array_equal(default[key], explicit[key])


def test_device_generator_on_the_cpu_is_the_seeded_generator():
    a = stability.device_generator(3, 7, device="cpu")
    b = torch_generator(3, 7)
    assert torch.equal(torch.rand(5, generator=a), torch.rand(5, generator=b))


def test_asking_for_a_missing_gpu_is_a_clear_error():
    from thermo_utils.chapters.sas_generalization.config import SPEC
    from thermo_utils.harness.profiles import ConfigError

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ConfigError, match="cuda"):
        SPEC.resolve("smoke", device="cuda")


def test_layout_roles_and_per_setting_weight_decay():
    layout = stability.twin_layout([[0.1, 8, 40, 0.02], [0.1, 8, 60]], 3, seed=0, n_null=2, perturbed=True,
                                   weight_decay=0.005)
    per = 1 + 3 + 2 + 1
    assert list(layout.role[:per]) == [stability.BASE] + [stability.TWIN] * 3 + [stability.NULL] * 2 + [
        stability.PERTURBED]
    assert np.all(layout.wd[:per] == 0.02) and np.all(layout.wd[per:] == 0.005)
    assert np.all(layout.base_of[per:] == per) and list(layout.bases) == [0, per]
    assert np.all(layout.replaced[layout.role != stability.TWIN] == -1)


def test_null_and_perturbed_runs(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    out = train_twin_ensemble(settings=[[0.1, 8, 40]], **SMALL, n_null=1, perturbation=1e-6)
    null, pert = (int(np.flatnonzero(out["role"] == r)[0]) for r in (stability.NULL, stability.PERTURBED))
    norm = np.linalg.norm  # the perturbed run starts a relative 1e-6 away; the null run elsewhere entirely
    assert 0 < out["start_distance"][pert] < 1e-4 and out["start_distance"][null] > 1
    assert out["twin_distance"][-1, null] > 2 * out["twin_distance"][-1, 1]
    table = stability.summarise_twins(out, 5.0, 0.05)
    assert table.beta.iloc[0] == pytest.approx(max(table.beta_self.iloc[0], table.beta_others.iloc[0]))
    assert np.isfinite(table.null_beta.iloc[0]) and norm(out["weight_spread"]) > 0


def test_full_batch_gradient_descent_is_deterministic_and_reads_every_example(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    kw = {**SMALL, "weight_decay": 0.1}
    a = train_twin_ensemble(settings=[[0.05, 40, 40]], **kw, full_batch=True)
    b = train_twin_ensemble(settings=[[0.05, 40, 40]], **{**kw, "seed": 0}, full_batch=True)
    np.testing.assert_array_equal(a["block_means"], b["block_means"])
    # one hand-made GD step of the base model on all 40 examples
    data = fake_data(40, 2, 30, 4, 0)
    model = MLP(16, 8)
    params = init_stacked(model, 1, torch_generator(0, 104))
    ref = MLP(16, 8)
    ref.load_state_dict({k: v[0] for k, v in params.items()})
    opt = torch.optim.SGD(ref.parameters(), lr=0.05, weight_decay=0.1)
    for _ in range(20):  # the burn-in
        opt.zero_grad()
        F.cross_entropy(ref(data.x[:40]), data.y[:40]).backward()
        opt.step()
    assert a["burn_minibatch_loss"][-1, 0] == pytest.approx(
        F.cross_entropy(ref(data.x[:40]), data.y[:40]).item(), rel=0.05)


def test_norm_jumps_cycles_and_their_cv():
    t = np.arange(1000)
    norm = 2.0 - (t % 100) / 100  # a saw-tooth: one jump every 100 records
    onsets = stability.norm_jumps(norm, 0.02)
    assert list(np.diff(onsets)) == [100] * (len(onsets) - 1) and len(onsets) == 9
    cv, (lo, hi) = stability.cv_with_ci(np.diff(onsets), numpy_rng(0))
    assert cv == 0 and lo == hi == 0
    rng = numpy_rng(1)
    cv, (lo, hi) = stability.cv_with_ci(rng.exponential(size=400), rng)
    assert lo < 1 < hi and cv == pytest.approx(1, abs=0.15)  # a Poisson process has CV 1


def test_minima_distances():
    a = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert stability.minima_distances(a) == pytest.approx([np.sqrt(2), 0.0])
    assert stability.minima_distances(a[:1], a[1:]) == pytest.approx([np.sqrt(2)] * 2)
    rng = numpy_rng(3)
    x, y = rng.standard_normal((5, 7)), rng.standard_normal((4, 7))
    oracle = [np.linalg.norm(u - v) for u in x for v in y]  # every pair, in row-major order
    assert stability.minima_distances(x, y) == pytest.approx(oracle, rel=1e-12)


def test_batch_norm_replicas_differ_and_the_first_repeats(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    one = stability.train_scale_invariant_bn(**BN_SMALL, replicas=2)
    two = stability.train_scale_invariant_bn(**BN_SMALL, replicas=2)
    np.testing.assert_array_equal(one["norm_w2"], two["norm_w2"])
    assert list(one["replica"]) == [0, 1, 0, 1]
    assert not np.allclose(one["norm_w2"][:, 0], one["norm_w2"][:, 1])


def test_batch_norm_weight_decays_trained_apart_and_merged_give_the_joint_run(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    joint = stability.train_scale_invariant_bn(**BN_SMALL, replicas=2, jump_min=1e-6)
    apart = stability.merge_bn_runs([stability.train_scale_invariant_bn(**{**BN_SMALL, "weight_decays": [wd]},
                                                                       replicas=2, jump_min=1e-6)
                                     for wd in BN_SMALL["weight_decays"]])
    assert apart.keys() == joint.keys()
    for key in ("loss", "norm_w1", "norm_w2", "effective_lr", "step", "weight_decays", "replica"):
        np.testing.assert_allclose(apart[key], joint[key], rtol=1e-5, err_msg=key)
    assert [len(m) for m in apart["minima"]] == [len(m) for m in joint["minima"]] and len(joint["minima"][0]) > 0
    for a, b in zip(apart["minima"], joint["minima"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_halves_permutation_p_by_hand_with_four_blocks():
    # 4 blocks: the splits {0,1}|{2,3} (observed), {0,2}|{1,3}, {0,3}|{1,2}; one series, so the statistic is |z|
    x = np.array([[1.0, 1.2, 3.0, 3.4]])

    def z(a, b):
        a, b = x[0, list(a)], x[0, list(b)]
        return abs(a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / 2 + b.var(ddof=1) / 2)

    by_hand = [z((0, 1), (2, 3)), z((0, 2), (1, 3)), z((0, 3), (1, 2))]
    splits = stability._half_splits(4, 100)
    np.testing.assert_allclose(stability.halves_split_statistic(x, splits), by_hand)
    stat, p = stability.halves_permutation_p(x)
    assert stat == pytest.approx(by_hand[0]) == pytest.approx(abs(halves_z_score(x)[0]))
    assert p == pytest.approx(np.mean(np.array(by_hand) >= by_hand[0]))


def test_halves_permutation_p_is_uniform_when_stationary_and_small_for_a_drift():
    rng = numpy_rng(5)
    # independent blocks, 40 series correlated through a common part: p is uniform on the 462 splits of 12 blocks
    ps = np.array([stability.halves_permutation_p(rng.normal(size=(40, 12)) + rng.normal(size=12))[1]
                   for _ in range(300)])
    assert 0.05 < np.mean(ps < 0.1) < 0.15 and 0.4 < np.mean(ps < 0.5) < 0.6
    drift = rng.normal(size=(40, 16)) + np.linspace(0, 3, 16)
    assert stability.halves_permutation_p(drift)[1] == pytest.approx(1 / 6435)
    # the median over the series: drift in a fifth of them is not seen by the probes' median, only by their mean
    few = rng.normal(size=(40, 16))
    few[:8] += np.linspace(0, 3, 16)
    assert stability.halves_permutation_p(few)[1] > 0.001
    assert stability.halves_permutation_p(few[:8].mean(0))[1] < 0.001
    with pytest.raises(ValueError, match="even"):
        stability.halves_permutation_p(rng.normal(size=(3, 7)))


def test_many_blocks_sample_splits_with_the_observed_one_first():
    splits = stability._half_splits(20, 300)
    assert splits.shape == (300, 20) and np.all(splits.sum(1) == 10) and np.all(splits[:, 0] == 1)
    np.testing.assert_array_equal(splits[0], np.r_[np.ones(10), np.zeros(10)])
    np.testing.assert_array_equal(splits, stability._half_splits(20, 300))  # seeded
    assert len(stability._half_splits(16, 10000)) == 6435


def test_hidden_zero_is_the_linear_softmax_model_and_gradient_descent_converges(monkeypatch):
    model = MLP(6, 0)
    x = torch.randn(3, 6, generator=torch_generator(0, 3))
    torch.testing.assert_close(model(x), x @ model.out.weight.T + model.out.bias)
    assert [name for name, _ in model.named_parameters()] == ["out.weight", "out.bias"]
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    # strongly convex (weight decay 0.5): the step shrinks geometrically, twins converge to their own minima
    out = train_twin_ensemble(settings=[[0.1, 40, 40, 0.5]], **{**SMALL, "hidden": 0, "burn_in_steps": 600,
                                                                  "tail_steps": 80}, full_batch=True)
    assert np.all(out["velocity"][-1] < 1e-5 * out["weight_norm"])
    row = stability.summarise_twins(out, 5.0, 0.05).iloc[0]
    assert row.beta == pytest.approx(row.snapshot_beta_end, rel=1e-4)


def test_summary_has_the_stationarity_tests_and_the_paired_risk_interval(monkeypatch):
    monkeypatch.setattr(stability, "mnist_twin_data", fake_data)
    out = train_twin_ensemble(settings=[[0.1, 8, 40]], **SMALL, n_null=2)
    row = stability.summarise_twins(out, 5.0, 0.05).iloc[0]
    assert 0 < row.stationarity_p <= 1 and row.stationarity_p == min(
        row.stationarity_p_probes, row.stationarity_p_train, row.stationarity_p_test)
    test = slice(int(out["n_pool"]) + int(out["n_fresh"]), None)
    averages = out["block_means"].mean(-1)
    nulls = np.flatnonzero(out["role"] == stability.NULL)
    d = averages[nulls][:, test] - averages[0, test]
    rel, se = np.abs(d.mean(1)) / row.test_risk, d.std(1, ddof=1) / np.sqrt(d.shape[1]) / row.test_risk
    assert row.null_risk_change_high == pytest.approx(np.max(rel + 1.96 * se))
    assert row.null_risk_change_low == pytest.approx(np.max(rel - 1.96 * se))
    gate = stability.stationarity(stability.summarise_twins(out, 5.0, 0.05))
    assert gate["stationarity_tests"] == 3 and gate["min_stationarity_p"] == pytest.approx(row.stationarity_p)
