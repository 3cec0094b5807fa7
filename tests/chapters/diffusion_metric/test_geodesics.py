"""Christoffel symbols against textbook metrics, the paper's two forms against each other, and the
integrators against closed-form flows."""

import math

import numpy as np
import pytest
import torch

from thermo_utils.chapters.diffusion_metric import geodesics as geo


def test_christoffel_symbols_of_polar_coordinates():
    polar = lambda x: torch.diag(torch.stack([torch.ones_like(x[0]), x[0] ** 2]))
    gamma = geo.christoffel_symbols(polar, torch.tensor([2.0, 0.3], dtype=torch.float64))
    assert float(gamma[0, 1, 1]) == pytest.approx(-2.0)          # Γ^r_θθ = −r
    assert float(gamma[1, 0, 1]) == pytest.approx(0.5)           # Γ^θ_rθ = 1/r
    assert float(gamma[1, 1, 0]) == pytest.approx(0.5)
    assert float(gamma[0, 0, 0]) == pytest.approx(0.0, abs=1e-15)


def test_christoffel_symbols_of_the_sphere():
    sphere = lambda x: torch.diag(torch.stack([torch.ones_like(x[0]), torch.sin(x[0]) ** 2]))
    theta = 0.7
    gamma = geo.christoffel_symbols(sphere, torch.tensor([theta, 1.1], dtype=torch.float64))
    assert float(gamma[0, 1, 1]) == pytest.approx(-math.sin(theta) * math.cos(theta))
    assert float(gamma[1, 0, 1]) == pytest.approx(1 / math.tan(theta))


@pytest.fixture(scope="module")
def two_layer():
    problem, w0 = geo.two_layer_problem(16, hidden=2, decay=0.1, seed=1)
    return problem, w0


def test_closed_form_equals_weak_field_form(two_layer):
    problem, w = two_layer
    weak = geo.christoffel_weak_field(problem, w, 0.05)
    closed = geo.christoffel_closed_form(problem, w, 0.05)
    torch.testing.assert_close(weak, closed, rtol=1e-10, atol=1e-13)


def test_contractions_agree_with_the_full_tensors(two_layer):
    problem, w = two_layer
    v = torch.randn(len(w), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    eps = 0.3 / problem.lambda_max(w)
    full = torch.einsum("kij,i,j->k", geo.christoffel_exact(problem, w, eps), v, v)
    torch.testing.assert_close(geo.christoffel_contracted(problem, w, v, eps, "exact"), full, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(geo.christoffel_contracted_closed(problem, w, v, eps, exact=True), full, rtol=1e-9, atol=1e-12)
    weak = torch.einsum("kij,i,j->k", geo.christoffel_weak_field(problem, w, eps), v, v)
    torch.testing.assert_close(geo.christoffel_contracted(problem, w, v, eps, "weak"), weak, rtol=1e-9, atol=1e-12)


def test_weak_field_error_is_second_order(two_layer):
    problem, w = two_layer
    lam = problem.lambda_max(w)
    errors = [float((geo.christoffel_weak_field(problem, w, f / lam) - geo.christoffel_exact(problem, w, f / lam)).norm())
              for f in (0.02, 0.01)]
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.05)


def test_rk4_matches_the_exponential():
    errors = [abs(float(geo.rk4(lambda x: -x, torch.tensor([1.0], dtype=torch.float64), dt, round(2 / dt),
                                record_every=round(2 / dt))[-1, 0]) - math.exp(-2.0)) for dt in (0.2, 0.1)]
    assert errors[1] < 1e-5 and errors[0] / errors[1] == pytest.approx(16, rel=0.1)  # fourth order
    with pytest.raises(ValueError):
        geo.rk4(lambda x: -x, torch.tensor([1.0]), -0.1, 5)
    with pytest.raises(FloatingPointError, match="dt = 10"):
        geo.rk4(lambda x: x**2, torch.tensor([1.0]), 10.0, 50)


def test_gradient_flow_on_least_squares_matches_closed_form():
    problem, w0 = geo.linear_problem(32, inputs=3, seed=2)
    x = problem.x
    H = (x.T @ x / len(x)).numpy()
    w_star = np.linalg.solve(H, (x.T @ problem.y / len(x)).numpy())
    path = geo.gradient_flow(problem, w0, 0.05, 40, record_every=40)
    from scipy.linalg import expm

    expected = w_star + expm(-H * 2.0) @ (w0.numpy() - w_star)
    np.testing.assert_allclose(path[-1].numpy(), expected, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(geo.find_minimum(problem, w0), torch.from_numpy(w_star), rtol=1e-6, atol=1e-8)


def test_geodesic_at_zero_epsilon_is_gradient_flow():
    problem, w0 = geo.two_layer_problem(12, hidden=2, seed=3)
    v0 = -problem.gradient(w0)
    xs, _ = geo.forced_geodesic(problem, w0, v0, 0.0, 0.05, 30, record_every=30)
    flow = geo.gradient_flow(problem, w0, 0.05, 30, record_every=30)
    torch.testing.assert_close(xs[-1], flow[-1], rtol=1e-7, atol=1e-9)


def test_rgd_and_metric_flow_at_zero_epsilon_are_gradient_flow_and_epsilon_is_checked():
    problem, w0 = geo.linear_problem(16, seed=4)
    flow = geo.gradient_flow(problem, w0, 0.1, 10)
    torch.testing.assert_close(geo.rgd_flow(problem, w0, 0.0, 0.1, 10), flow)
    torch.testing.assert_close(geo.metric_gradient_flow(problem, w0, 0.0, 0.1, 10), flow)
    with pytest.raises(ValueError, match="epsilon"):
        geo.rgd_flow(problem, w0, 2.0 / problem.lambda_max(w0), 0.1, 10)


def test_full_batch_sgd_is_gradient_descent_and_seeded_sgd_repeats():
    problem, w0 = geo.two_layer_problem(10, hidden=2, seed=5)
    runs = geo.sgd_runs(problem, w0, 0.05, 10, 20, 3, torch.Generator().manual_seed(0))
    gd = geo.descent_path(problem, w0, 0.05, 20)
    torch.testing.assert_close(runs[:, 0], gd, rtol=1e-10, atol=1e-12)
    a = geo.sgd_runs(problem, w0, 0.05, 2, 20, 4, torch.Generator().manual_seed(9))
    b = geo.sgd_runs(problem, w0, 0.05, 2, 20, 4, torch.Generator().manual_seed(9))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    with pytest.raises(ValueError, match="batch"):
        geo.sgd_runs(problem, w0, 0.05, 11, 20, 3, torch.Generator())


def test_lyapunov_covariance_and_shape_distance():
    a, q = np.array([[2.0]]), np.array([[3.0]])
    assert float(geo.lyapunov_covariance(a, q)[0, 0]) == pytest.approx(0.75)  # q / 2a
    A = np.diag([1.0, 4.0])
    np.testing.assert_allclose(geo.lyapunov_covariance(A, 2 * np.eye(2)), np.diag([1.0, 0.25]))
    with pytest.raises(ValueError, match="stationary"):
        geo.lyapunov_covariance(np.diag([1.0, -1.0]), np.eye(2))
    sigma = np.array([[2.0, 0.3], [0.3, 1.0]])
    assert geo.shape_distance(5 * sigma, sigma) == pytest.approx(0.0, abs=1e-15)
    assert geo.shape_distance(np.eye(2), sigma) > 0.1


def test_problem_rejects_mismatched_data():
    with pytest.raises(ValueError, match="at least 2"):
        geo.Problem(lambda w, x, y: (x @ w - y) ** 2, torch.ones(3, 2), torch.ones(2))


def test_divergence_of_D_on_least_squares_matches_its_closed_form():
    problem, _ = geo.linear_problem(40, inputs=3, seed=2)
    w = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64)
    divergence, relative = geo.divergence_of_diffusion(problem, w)
    x, y = problem.x.numpy(), problem.y.numpy()
    r = x @ w.numpy() - y  # ∇f_n = r_n x_n, ∂_r(r_n x_ns) = x_nr x_ns

    def cov(a, b):
        return np.mean((a - a.mean()) * (b - b.mean()))

    closed = [sum(cov(x[:, k] ** 2, r * x[:, s]) + cov(r * x[:, k], x[:, k] * x[:, s]) for k in range(3))
              for s in range(3)]
    np.testing.assert_allclose(divergence.numpy(), closed, rtol=1e-10)
    assert 0 < relative <= 1


def test_divergence_vanishes_where_D_is_constant():
    # f_n = ½‖w − c_n‖²: ∇f_n = w − c_n, D = Cov(c_n) is the same everywhere
    c = torch.randn(12, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    problem = geo.Problem(lambda w, x, y: 0.5 * ((w - x) ** 2).sum(-1) + 0 * y, c, torch.zeros(12, dtype=torch.float64))
    divergence, relative = geo.divergence_of_diffusion(problem, torch.zeros(3, dtype=torch.float64))
    assert float(divergence.abs().max()) < 1e-14 and relative == 0.0


def test_dropped_term_matches_the_pathwise_measure_and_vanishes_for_constant_D():
    problem, w0 = geo.linear_problem(30, seed=1)
    w = w0 + 0.3
    eps = 0.5 / problem.lambda_max(w)
    v = geo.geodesic_start(problem, w, eps)
    point = geo.dropped_term(problem, w, v, eps)
    path = geo.reduction_terms(problem, w[None], v[None], eps)
    assert point["dropped"] == pytest.approx(float(path["dropped"][0]), rel=1e-10)
    assert point["metric"] == pytest.approx(float(path["metric"][0]), rel=1e-10)


def test_chain_rule_missing_term_is_eps_D_times_acceleration():
    problem, w0 = geo.linear_problem(20, seed=3)
    w, v = w0 + 0.2, torch.full((4,), 0.1, dtype=torch.float64)
    eps = 0.3 / problem.lambda_max(w)
    terms = geo.chain_rule_terms(problem, w[None], v[None], eps)
    # on least squares H_n = x_n x_nᵀ, so ẋᵀH_nẋ = (x_n·ẋ)²: the kept part by hand
    c = problem.centred_gradients(w)
    second = (problem.x @ v) ** 2
    kept = eps * c.T @ (second - second.mean()) / problem.n
    assert terms["kept"][0] == pytest.approx(float(kept.norm()), rel=1e-10)
    acc = -torch.linalg.solve(torch.eye(4, dtype=torch.float64) + eps * problem.diffusion(w), kept) - problem.hvp(w, v)
    assert terms["missing"][0] == pytest.approx(float((eps * problem.diffusion(w) @ acc).norm()), rel=1e-10)


def test_geodesic_rgd_gap_vanishes_with_epsilon():
    problem, w0 = geo.linear_problem(16, seed=0)
    start = geo.find_minimum(problem, w0) + 0.5
    gap = geo.geodesic_rgd_gap(problem, start, 1e-6, dt=0.1, steps=10)
    assert gap["geo_vs_rgd"] < 1e-5 and gap["rgd_vs_gf"] < 1e-5


def test_hidden_unit_separation_sees_coinciding_and_sign_flipped_units():
    w = torch.arange(17, dtype=torch.float64) / 10
    assert geo.hidden_unit_separation(w) > 0.1
    W, b, a = w[:8].view(4, 2).clone(), w[8:12].clone(), w[12:16].clone()
    W[1], b[1], a[1] = -W[0], -b[0], -a[0]  # unit 1 is unit 0 with the tanh symmetry applied
    same = torch.cat([W.reshape(-1), b, a, w[16:]])
    assert geo.hidden_unit_separation(same) < 1e-12
    assert geo.numerical_rank(torch.diag(torch.tensor([1.0, 1e-3, 0.0]))) == 2


def test_stationary_offset_of_iid_chains_around_a_shifted_mean():
    gen = torch.Generator().manual_seed(0)
    runs = 1.0 + 0.5 * torch.randn(200, 400, 3, generator=gen, dtype=torch.float64)
    out = geo.stationary_offset(runs, torch.zeros(3, dtype=torch.float64))
    assert out["offset"] == pytest.approx(math.sqrt(3), rel=0.01)
    assert out["spread"] == pytest.approx(0.5 * math.sqrt(3), rel=0.02)
    assert out["offset_se"] == pytest.approx(0.5 * math.sqrt(3) / math.sqrt(400 * 100), rel=0.2)
    assert out["quarters_difference"] < 4 * out["quarters_difference_se"]
