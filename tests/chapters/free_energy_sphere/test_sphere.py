"""The 3-D sphere toy: closed-form gradients against autograd, the vectorised loop against a plain loop."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.free_energy_sphere import sphere
from thermo_utils.core.entropy import vmf_mean_cosine


def random_unit(rng, n):
    x = rng.normal(size=(n, 3))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("name", ["UP", "OP"])
def test_example_gradients_match_autograd(name):
    points = sphere.DATASETS[name]()
    x = random_unit(np.random.default_rng(0), 5)
    ours = sphere.example_gradients(x, points)
    for i, xi in enumerate(x):
        for j, a in enumerate(points):
            xt = torch.tensor(xi, requires_grad=True)
            at = torch.tensor(a)
            ((at @ xt) ** 2 / (xt @ xt)).backward()
            np.testing.assert_allclose(ours[i, j], xt.grad.numpy(), atol=1e-12)


def test_losses_and_minima():
    up, op = sphere.underparameterized_points(), sphere.overparameterized_points()
    assert np.allclose(np.linalg.norm(up, axis=1), 1) and np.allclose(np.linalg.norm(op, axis=1), 1)
    x = random_unit(np.random.default_rng(1), 7)
    np.testing.assert_allclose(sphere.full_loss(x, up), np.einsum("ni,ij,nj->n", x, sphere.second_moment(up), x))
    ez = np.array([[0, 0, 1.0]])
    assert sphere.full_loss(ez, up)[0] == pytest.approx(0.04 / 1.04)
    assert sphere.full_loss(ez, op)[0] == 0
    assert np.linalg.eigvalsh(sphere.second_moment(up))[0] == pytest.approx(0.04 / 1.04)


def test_op_snr_near_optimum_is_one_over_root_three():
    op = sphere.overparameterized_points()
    assert sphere.snr_along_direction(op, [0, 1, 0]) == pytest.approx(1 / np.sqrt(3))
    assert sphere.snr_along_direction(op, [1, 0, 0]) == pytest.approx(np.sqrt(3))
    for delta in (1e-2, 1e-5):  # the numerical SNR at a point close to e_z, independent of the distance
        x = np.array([[0, delta, 1.0]]) / np.hypot(delta, 1)
        assert sphere.gradient_statistics(x, op)["snr"][0] == pytest.approx(1 / np.sqrt(3), rel=1e-3)
    # UP: the noise stays at the optimum while the gradient vanishes
    up_stats = sphere.gradient_statistics(np.array([[0, 0, 1.0]]), sphere.underparameterized_points())
    assert up_stats["grad_norm"][0] < 1e-12 and up_stats["noise_norm"][0] > 0.1


def test_vectorised_loop_matches_a_plain_loop():
    etas = np.array([0.01, 0.3, 2.0])
    n_seeds, n_steps, seed = 2, 40, 3
    run = sphere.run_sphere_sgd(etas, n_seeds, n_steps, seed=seed, n_tail=1, thin=1, n_log=5)
    # Replay the draws the way the loop makes them (one generator, draws per (dataset, seed) per step).
    rng = np.random.default_rng([seed, 4])
    tables = [sphere.DATASETS[d]() for d in ("UP", "OP")]
    counts = np.repeat([3, 2], n_seeds)
    draws = (rng.random((n_steps, 2 * n_seeds)) * counts).astype(int)
    for d, table in enumerate(tables):
        for s in range(n_seeds):
            for r, eta in enumerate(etas):
                x = sphere.START.copy()
                for t in range(n_steps):
                    a = table[draws[t, d * n_seeds + s]]
                    g = 2 * (a @ x) * (a - (a @ x) * x)
                    x = (x - eta * g) / np.linalg.norm(x - eta * g)
                np.testing.assert_allclose(run.tail[d, r, s, -1], x, atol=1e-12)


def test_sweep_is_deterministic_and_stays_on_the_sphere():
    kwargs = dict(n_tail=5, thin=3, n_log=10, n_path=7)
    a = sphere.run_sphere_sgd([0.01, 1.0], 3, 200, seed=0, **kwargs)
    b = sphere.run_sphere_sgd([0.01, 1.0], 3, 200, seed=0, **kwargs)
    c = sphere.run_sphere_sgd([0.01, 1.0], 3, 200, seed=1, **kwargs)
    np.testing.assert_array_equal(a.tail, b.tail)
    assert not np.array_equal(a.tail, c.tail)
    np.testing.assert_allclose(np.linalg.norm(a.tail, axis=-1), 1, atol=1e-12)
    assert a.loss.shape == (2, 2, 3, len(a.log_steps)) and a.paths.shape == (2, 2, 7, 3)
    np.testing.assert_array_equal(a.tail_steps, [188, 191, 194, 197, 200])


@pytest.mark.parametrize("bad", [dict(etas=[-0.1]), dict(etas=[]), dict(n_tail=100, thin=10),
                                 dict(datasets=("XX",)), dict(n_seeds=0)])
def test_bad_input_is_refused(bad):
    args = dict(etas=[0.1], n_seeds=2, n_steps=100, seed=0, n_tail=5, thin=2)
    args.update(bad)
    with pytest.raises(ValueError):
        sphere.run_sphere_sgd(**args)


def test_regimes():
    labels = sphere.classify_regimes([1e-12, 1e-3, 1e-5, 0.3], [1.0, 10.0, 1e-5, 0.3], [1e-12, 0.01, 0.2, 0.34])
    assert labels.tolist() == ["convergence", "convergence", "equilibrium", "divergence"]
    assert sphere.regimes_in_order(labels)
    assert not sphere.regimes_in_order(["equilibrium", "convergence", "divergence"])


def test_isotropic_noise_toy_matches_its_gibbs_law():
    eta, sigma, p = 0.01, 2.0, 3
    tail = sphere.run_isotropic_noise_sphere([eta], sigma, p, 200, 2000, seed=0, n_tail=10, thin=50)[0]
    kappa = 2 / (eta * sigma**2)
    cosine = tail[:, 0]
    assert abs(cosine.mean() - vmf_mean_cosine(kappa, p)) < 5 * cosine.std() / np.sqrt(200) + 0.002


def test_cloud_shape():
    rng = np.random.default_rng(0)
    phi = rng.uniform(0, 2 * np.pi, 20000)
    ring = np.stack([np.sin(0.3) * np.cos(phi), np.sin(0.3) * np.sin(phi), np.full_like(phi, np.cos(0.3))], 1)
    shape = sphere.cloud_shape(-ring)  # folded: the lower hemisphere maps onto the upper one
    assert shape["mean_angle"] == pytest.approx(0.3) and shape["angle_sd"] < 1e-9
    assert shape["threefold_order"] < 0.03
    corner = np.array([np.sin(0.3), 0, np.cos(0.3)])
    turns = (0, 2 * np.pi / 3, 4 * np.pi / 3)
    triangle = np.stack([[np.cos(a) * corner[0], np.sin(a) * corner[0], corner[2]] for a in turns])
    assert sphere.cloud_shape(triangle)["threefold_order"] == pytest.approx(1.0)
