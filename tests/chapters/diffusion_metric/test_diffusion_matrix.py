"""The diffusion matrix against independent computations: a per-example loop, Eq. 3's pairwise form,
numpy's covariance, and the d × d eigenvalues."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.diffusion_metric import diffusion_matrix as dm


def _toy_net(seed=0, n=12, hidden=5):
    torch.manual_seed(seed)
    model = dm.FlatModel(dm.small_fc(inputs=6, hidden=hidden, classes=3).double())
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (n,), generator=gen)
    return model, x, y


def test_vmap_gradients_match_a_loop_over_examples():
    model, x, y = _toy_net()
    fast = dm.per_sample_gradients(model.sample_loss, model.flat(), x, y)
    slow = dm.per_sample_gradients_loop(model.sample_loss, model.flat(), x, y)
    assert fast.shape == (len(x), model.d)
    torch.testing.assert_close(fast, slow, rtol=1e-10, atol=1e-12)


def test_chunked_vmap_gives_the_same_gradients():
    model, x, y = _toy_net()
    whole = dm.per_sample_gradients(model.sample_loss, model.flat(), x, y)
    chunked = dm.per_sample_gradients(model.sample_loss, model.flat(), x, y, chunk_size=5)
    torch.testing.assert_close(whole, chunked)


def test_eq3_covariance_equals_pairwise_form_and_numpy():
    grads = torch.randn(9, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    D = dm.diffusion_matrix(grads)
    torch.testing.assert_close(D, dm.diffusion_matrix_from_pairs(grads), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(D.numpy(), np.cov(grads.numpy().T, bias=True), rtol=1e-12, atol=1e-14)


def test_D_vanishes_exactly_when_gradients_coincide():
    row = torch.randn(1, 5, dtype=torch.float64)
    scale = float(row.norm()) ** 2
    assert float(dm.diffusion_matrix(row.repeat(6, 1)).abs().max()) < 1e-15 * scale  # zero up to rounding of the mean
    different = torch.cat([row, row + 1e-3])
    assert float(dm.diffusion_matrix(different).abs().max()) > 1e-8


def test_gram_route_gives_the_nonzero_eigenvalues_and_rank_bound():
    grads = torch.randn(6, 40, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    spectrum = dm.diffusion_spectrum(grads)
    assert spectrum.route == "gram" and spectrum.rank == 5  # N − 1 for generic gradients
    full = np.sort(np.linalg.eigvalsh(dm.diffusion_matrix(grads).numpy()))[::-1]
    np.testing.assert_allclose(spectrum.eigenvalues[:5], full[:5], rtol=1e-10)
    mean, std = spectrum.moments()
    assert mean == pytest.approx(np.trace(dm.diffusion_matrix(grads).numpy()) / 40)
    assert std == pytest.approx(np.std(full), rel=1e-8)


def test_dxd_route_when_d_is_small_and_threshold_convention():
    grads = torch.randn(50, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    spectrum = dm.diffusion_spectrum(grads)
    assert spectrum.route == "d×d" and spectrum.rank == 4 and not spectrum.saturated
    assert spectrum.threshold == pytest.approx(spectrum.lambda_max * 4 * np.finfo(np.float32).eps)


def test_metric_requires_epsilon_below_one_over_lambda_max():
    D = torch.diag(torch.tensor([2.0, 0.5], dtype=torch.float64))
    torch.testing.assert_close(dm.diffusion_metric(D, 0.25), torch.diag(torch.tensor([1.5, 1.125], dtype=torch.float64)))
    with pytest.raises(ValueError, match="1/λ_max"):
        dm.diffusion_metric(D, 0.5)
    with pytest.raises(ValueError):
        dm.diffusion_metric(D, -0.1)


def test_bad_inputs_are_rejected_before_work():
    model, x, y = _toy_net()
    with pytest.raises(ValueError, match="flat"):
        dm.per_sample_gradients(model.sample_loss, model.flat()[None], x, y)
    with pytest.raises(ValueError, match="at least 2"):
        dm.per_sample_gradients(model.sample_loss, model.flat(), x[:1], y[:1])
    with pytest.raises(ValueError, match="N × d"):
        dm.diffusion_matrix(torch.ones(1, 3))


def test_published_network_sizes():
    assert dm.FlatModel(dm.small_lenet()).d == 13338
    assert dm.FlatModel(dm.small_fc()).d == 3850
    assert dm.FlatModel(dm.small_fc(hidden=16, classes=5)).d == 885


def test_training_is_deterministic_and_checkpoints_are_kept():
    gen_data = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 49, generator=gen_data), torch.randint(0, 10, (64,), generator=gen_data)
    runs = []
    for _ in range(2):
        torch.manual_seed(7)
        module = dm.small_fc()
        runs.append(dm.train_checkpoints(module, x, y, epochs=2, batch=16, lr=0.05, fractions=(0.5, 1.0),
                                         generator=torch.Generator().manual_seed(1)))
    assert set(runs[0]) == {0.5, 1.0}
    for key in runs[0][1.0]:
        torch.testing.assert_close(runs[0][1.0][key], runs[1][1.0][key], rtol=0, atol=0)
    with pytest.raises(ValueError, match="batch"):
        dm.train_checkpoints(dm.small_fc(), x, y, epochs=1, batch=65, lr=0.1, fractions=(1.0,),
                             generator=torch.Generator())


def test_divergence_is_reported_with_the_learning_rate():
    x, y = torch.randn(32, 49) * 1e3, torch.randint(0, 10, (32,))
    with pytest.raises(FloatingPointError, match="lr = 1e\\+06"):
        dm.train_checkpoints(dm.small_fc(), x, y, epochs=5, batch=8, lr=1e6, fractions=(1.0,),
                             generator=torch.Generator().manual_seed(0))


def test_chapter_config_rejects_bad_values_by_name():
    from thermo_utils.chapters.diffusion_metric.config import SPEC
    from thermo_utils.harness.profiles import ConfigError

    assert SPEC.resolve("smoke").spectrum_n <= SPEC.resolve("smoke").train_n
    with pytest.raises(ConfigError, match="eps_fractions"):
        SPEC.resolve("smoke", eps_fractions=[1.5])
    with pytest.raises(ConfigError, match="spectrum_n"):
        SPEC.resolve("smoke", spectrum_n=5000)
    with pytest.raises(ConfigError, match="sgd_batch"):
        SPEC.resolve("smoke", sgd_batch=1000)


def test_spectrum_ratio_is_the_median_factor_between_eigenvalues():
    a = dm.Spectrum(np.array([8.0, 4.0, 2.0, 1.0, 0.0]), d=5, n=10, route="d×d")
    b = dm.Spectrum(np.array([8.0, 2.0, 1.0, 0.5, 0.0]), d=5, n=10, route="d×d")
    # ratios 1, 2, 2, 2 (the threshold 8·5·eps32 keeps four eigenvalues)
    assert dm.spectrum_ratio(a, b) == pytest.approx(2.0)
    assert dm.spectrum_ratio(a, a) == 1.0
    assert dm.spectra_spread({0.2: a, 0.4: b, 1.0: a}) == pytest.approx(2.0)
