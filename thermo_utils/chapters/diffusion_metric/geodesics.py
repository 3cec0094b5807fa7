"""Geodesics of the diffusion metric g = I + εD, and the flows the paper compares them with.

The paper (Fioresi, Chaudhari & Soatto) replaces SGD by the geodesic equation of g forced by the loss,
ẍ + Γ(ẋ, ẋ) = −H ẋ (Eq. 4 with the gradient as the force; Eq. 8 in the weak field), and reduces it to
first-order "relativistic" gradient descent, RGD: ẋ = −(I − εD)∇f (Eq. 10). This module computes the
Christoffel symbols three ways — exactly by autograd through g, in the weak-field form of Eq. 7, and in
the closed form before Eq. 8 — and integrates gradient flow, RGD, the metric gradient flow −g⁻¹∇f, the
forced geodesic and SGD itself, so that each step of the reduction can be measured.

Losses are means over the data (f = (1/N) Σ f_n, D = Cov_n ∇f_n): the paper's Eq. 3 needs ∇f to be the
mean gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import grad, jacfwd, jvp, vmap

from thermo_utils.chapters.diffusion_metric.diffusion_matrix import _check_data


@dataclass(frozen=True)
class Problem:
    """A dataset and its per-example losses as one batched function ``losses(w, x, y) -> (N,)`` of a flat
    parameter vector: f, ∇f, Hv by plain autograd, per-example gradients by vmap(grad), D."""

    losses_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self):
        if len(self.x) != len(self.y) or len(self.x) < 2:
            raise ValueError(f"need at least 2 examples with as many targets as inputs, got {len(self.x)}, {len(self.y)}")

    @property
    def n(self) -> int:
        return len(self.x)

    def to(self, device) -> Problem:
        """The same problem with its data on ``device``."""
        return Problem(self.losses_fn, self.x.to(device), self.y.to(device))

    def loss(self, w, x, y):
        """One example's loss (a ``SampleLoss``)."""
        return self.losses_fn(w, x.unsqueeze(0), y.unsqueeze(0))[0]

    def losses(self, w):
        return self.losses_fn(w, self.x, self.y)

    def value(self, w):
        return self.losses(w).mean()

    def gradient(self, w):
        w = w.detach().requires_grad_(True)
        return torch.autograd.grad(self.value(w), w)[0]

    def hvp(self, w, v):
        """H(w) v, by double backward."""
        w = w.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(self.value(w), w, create_graph=True)
        return torch.autograd.grad(gradient @ v, w)[0]

    def per_sample_gradients(self, w):
        _check_data(w, self.x, self.y)
        return vmap(grad(self.loss), in_dims=(None, 0, 0))(w, self.x, self.y)

    def centred_gradients(self, w):
        g = self.per_sample_gradients(w)
        return g - g.mean(0)

    def diffusion(self, w):
        """D(w), d × d, differentiable in w."""
        c = self.centred_gradients(w)
        return c.T @ c / self.n

    def diffusion_times(self, w, v):
        """D(w) v without forming D."""
        c = self.centred_gradients(w)
        return c.T @ (c @ v) / self.n

    def lambda_max(self, w) -> float:
        return float(torch.linalg.eigvalsh(self.diffusion(w).detach())[-1])


# --------------------------------------------------------------------------- Christoffel symbols
def christoffel_symbols(metric: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Γ[w, u, v] = ½ g^{wz}(∂_u g_vz + ∂_v g_uz − ∂_z g_uv) (Eq. 5), with ∂g by forward-mode autograd."""
    g = metric(x)
    dg = jacfwd(metric)(x)  # dg[a, b, c] = ∂_c g_ab
    lowered = dg.permute(0, 2, 1) + dg - dg.permute(2, 0, 1)  # [z, u, v]: ∂_u g_zv + ∂_v g_zu − ∂_z g_uv
    return 0.5 * torch.einsum("wz,zuv->wuv", torch.linalg.inv(g), lowered)


def christoffel_exact(problem: Problem, w: torch.Tensor, epsilon: float) -> torch.Tensor:
    """The Christoffel symbols of g = I + εD(w), exactly (the full inverse metric)."""
    return christoffel_symbols(lambda u: _metric(problem, u, epsilon), w)


def christoffel_weak_field(problem: Problem, w: torch.Tensor, epsilon: float) -> torch.Tensor:
    """Eq. 7: Γ[w, u, v] = (ε/2)(∂_u D_vw − ∂_w D_uv + ∂_v D_uw), i.e. g⁻¹ replaced by I (O(ε²) dropped)."""
    dD = jacfwd(problem.diffusion)(w)
    return 0.5 * epsilon * (dD.permute(0, 2, 1) + dD - dD.permute(2, 0, 1))


def christoffel_closed_form(problem: Problem, w: torch.Tensor, epsilon: float) -> torch.Tensor:
    """The form before Eq. 8: Γ^k_ij = (ε/N²) Σ_pairs ∂_i∂_j f̂ ∂_k f̂ = ε Cov_n(∂_i∂_j f_n, ∂_k f_n)."""
    hessians = vmap(torch.func.hessian(problem.loss), in_dims=(None, 0, 0))(w, problem.x, problem.y)
    grads = problem.per_sample_gradients(w)
    hessians = hessians - hessians.mean(0)
    grads = grads - grads.mean(0)
    return epsilon * torch.einsum("nij,nk->kij", hessians, grads) / problem.n


def christoffel_contracted(problem: Problem, w: torch.Tensor, v: torch.Tensor, epsilon: float,
                           form: str = "exact") -> torch.Tensor:
    """Γ^k(v, v) = Γ^k_ij v^i v^j without the d³ tensor, by autograd through D, for nets of any size.

    Exact: g⁻¹ ε[(∂_v D) v − ½ ∇(vᵀDv)]; ``weak``: the same without g⁻¹ (Eq. 7).
    """
    if form not in ("exact", "weak"):
        raise ValueError(f"form = {form!r} must be 'exact' or 'weak'")
    directional = jvp(lambda u: problem.diffusion_times(u, v), (w,), (v,))[1]
    quadratic = grad(lambda u: v @ problem.diffusion_times(u, v))(w)
    lowered = epsilon * (directional - 0.5 * quadratic)
    if form == "weak":
        return lowered
    return torch.linalg.solve(_metric(problem, w, epsilon), lowered)


def christoffel_contracted_closed(problem: Problem, w: torch.Tensor, v: torch.Tensor, epsilon: float,
                                  exact: bool = False) -> torch.Tensor:
    """Γ^k(v, v) from the closed form before Eq. 8: ε Cov_n(vᵀH_n v, ∇f_n), with every H_n v from one
    forward-mode pass through the per-example gradients. This is exactly the lowered symbol g_kz Γ^z(v, v) of g = I + εD, so
    ``exact=True`` (multiplying by g⁻¹) gives the exact contraction; without it, Eq. 7's weak field."""
    grads, directional = jvp(problem.per_sample_gradients, (w,), (v,))  # rows ∇f_n and H_n v
    second = directional @ v
    centred = grads - grads.mean(0)
    lowered = epsilon * centred.T @ (second - second.mean()) / problem.n
    if not exact:
        return lowered
    metric = torch.eye(len(w), dtype=w.dtype, device=w.device) + epsilon * centred.T @ centred / problem.n
    return torch.linalg.solve(metric, lowered)


def _metric(problem: Problem, w, epsilon: float):
    return torch.eye(len(w), dtype=w.dtype, device=w.device) + epsilon * problem.diffusion(w)


# --------------------------------------------------------------------------- flows
def rk4(rhs: Callable, state: torch.Tensor, dt: float, steps: int, record_every: int = 1) -> torch.Tensor:
    """Classical Runge–Kutta; returns the states at steps 0, record_every, 2·record_every, …

    Raises if the state becomes non-finite, naming the step and the time step.
    """
    if dt <= 0 or steps < 1 or record_every < 1:
        raise ValueError(f"need dt > 0, steps ≥ 1, record_every ≥ 1; got {dt}, {steps}, {record_every}")
    out = [state.detach().clone()]
    for k in range(1, steps + 1):
        k1 = rhs(state)
        k2 = rhs(state + 0.5 * dt * k1)
        k3 = rhs(state + 0.5 * dt * k2)
        k4 = rhs(state + dt * k3)
        state = (state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)).detach()
        if not torch.isfinite(state).all():
            raise FloatingPointError(f"integration diverged at step {k} with dt = {dt:g}")
        if k % record_every == 0:
            out.append(state.clone())
    return torch.stack(out)


def _admissible(problem: Problem, w, epsilon: float):
    lam = problem.lambda_max(w)
    if not 0 <= epsilon * lam < 1:
        raise ValueError(f"epsilon = {epsilon:g} must satisfy 0 ≤ ε < 1/λ_max(D) = {1 / lam:g} at the start")


def gradient_flow(problem: Problem, x0, dt: float, steps: int, record_every: int = 1):
    """ẋ = −∇f."""
    return rk4(lambda x: -problem.gradient(x), x0, dt, steps, record_every)


def rgd_flow(problem: Problem, x0, epsilon: float, dt: float, steps: int, record_every: int = 1):
    """RGD, Eq. 10: ẋ = −(I − εD)∇f."""
    _admissible(problem, x0, epsilon)

    def rhs(x):
        gradient = problem.gradient(x)
        return -(gradient - epsilon * problem.diffusion_times(x, gradient))

    return rk4(rhs, x0, dt, steps, record_every)


def metric_gradient_flow(problem: Problem, x0, epsilon: float, dt: float, steps: int, record_every: int = 1):
    """ẋ = −g⁻¹∇f with the full inverse of g = I + εD (the integrated equation before the weak-field inversion)."""
    _admissible(problem, x0, epsilon)
    return rk4(lambda x: -torch.linalg.solve(_metric(problem, x, epsilon), problem.gradient(x)),
               x0, dt, steps, record_every)


def forced_geodesic(problem: Problem, x0, v0, epsilon: float, dt: float, steps: int, record_every: int = 1,
                    form: str = "exact"):
    """ẍ = −Γ(ẋ, ẋ) − Hẋ: Eq. 4 with the loss's gradient as the force (Eq. 8 when ``form='weak'``).

    Returns positions and velocities, each of shape (records, d).
    """
    _admissible(problem, x0, epsilon)
    if form not in ("exact", "weak"):
        raise ValueError(f"form = {form!r} must be 'exact' or 'weak'")
    d = len(x0)

    def rhs(state):
        x, v = state[:d], state[d:]
        gamma = christoffel_contracted_closed(problem, x, v, epsilon, exact=form == "exact")
        return torch.cat([v, -gamma - problem.hvp(x, v)])

    states = rk4(rhs, torch.cat([x0, v0]), dt, steps, record_every)
    return states[:, :d], states[:, d:]


def reduction_terms(problem: Problem, xs, vs, epsilon: float) -> dict:
    """Along a geodesic, the sizes of the terms in the paper's integrated equation
    ẋ + εDẋ − ε Cov_n(f_n, d/dt ∇f_n) = −∇f + C (C fixed by the start).

    ``residual`` is how far the geodesic is from satisfying ẋ + εDẋ = −∇f + C (what Eq. 10 assumes);
    ``dropped`` is the ε/N² term the paper discards (= ε Cov_n(f_n, H_n ẋ)); ``metric`` = ‖εDẋ‖.
    """
    def lhs(x, v):
        return v + epsilon * problem.diffusion_times(x, v) + problem.gradient(x)

    constant = lhs(xs[0], vs[0])
    residual, dropped, metric = [], [], []
    for x, v in zip(xs, vs):
        residual.append(float(torch.linalg.norm(lhs(x, v) - constant)))
        metric.append(float(torch.linalg.norm(epsilon * problem.diffusion_times(x, v))))
        losses = problem.losses(x)
        hv = vmap(lambda xi, yi, x=x, v=v: jvp(lambda u: grad(problem.loss)(u, xi, yi), (x,), (v,))[1])(
            problem.x, problem.y)
        dropped.append(float(torch.linalg.norm(epsilon * ((losses - losses.mean()) @ (hv - hv.mean(0))) / problem.n)))
    return {"residual": np.array(residual), "dropped": np.array(dropped), "metric": np.array(metric)}


def descent_path(problem: Problem, x0, lr: float, steps: int, epsilon: float = 0.0, record_every: int = 1):
    """Discrete gradient descent x ← x − η(I − εD)∇f (plain GD at ε = 0, discrete RGD otherwise)."""
    if epsilon:
        _admissible(problem, x0, epsilon)
    x, out = x0.clone(), [x0.clone()]
    for k in range(1, steps + 1):
        gradient = problem.gradient(x)
        if epsilon:
            gradient = gradient - epsilon * problem.diffusion_times(x, gradient)
        x = x - lr * gradient
        if not torch.isfinite(x).all():
            raise FloatingPointError(f"descent diverged at step {k} with lr = {lr:g}, epsilon = {epsilon:g}")
        if k % record_every == 0:
            out.append(x.clone())
    return torch.stack(out)


def sgd_runs(problem: Problem, x0, lr: float, batch: int, steps: int, runs: int, generator: torch.Generator,
             record_every: int = 1):
    """``runs`` independent SGD chains from x0 (batches drawn without replacement), vectorised over chains.

    Runs on the device of the problem's data (``generator`` must live there too); returns the recorded iterates,
    shape (records, runs, d), on that device.
    """
    if not 1 <= batch <= problem.n:
        raise ValueError(f"batch = {batch} must be in [1, {problem.n}]")
    batch_loss = lambda w, idx: problem.losses_fn(w, problem.x[idx], problem.y[idx]).mean()
    batch_grad = vmap(grad(batch_loss))
    w = x0.expand(runs, -1).clone()
    out = [w.clone()]
    for k in range(1, steps + 1):
        idx = torch.rand(runs, problem.n, generator=generator, device=problem.x.device).argsort(1)[:, :batch]
        w = w - lr * batch_grad(w, idx)
        if not torch.isfinite(w).all():
            raise FloatingPointError(f"SGD diverged at step {k} with lr = {lr:g}, batch = {batch}")
        if k % record_every == 0:
            out.append(w.clone())
    return torch.stack(out)


# --------------------------------------------------------------------------- model problems
def _two_layer_output(w, x, hidden: int):
    inputs = x.shape[-1]
    W = w[: hidden * inputs].view(hidden, inputs)
    b = w[hidden * inputs: hidden * (inputs + 1)]
    a = w[hidden * (inputs + 1): hidden * (inputs + 2)]
    return torch.tanh(x @ W.T + b) @ a + w[-1]


def _tanh_two_layer(hidden: int, decay: float):
    def losses(w, x, y):
        return 0.5 * (_two_layer_output(w, x, hidden) - y) ** 2 + 0.5 * decay * (w @ w)

    return losses


def _linear(w, x, y):
    return 0.5 * (x @ w - y) ** 2


def two_layer_problem(n: int, inputs: int = 2, hidden: int = 4, noise: float = 0.3, decay: float = 1e-2,
                      seed: int = 0, device="cpu") -> tuple[Problem, torch.Tensor]:
    """A two-layer tanh regression net (the kind of example the paper computes), float64, with noisy
    targets from a random teacher of the same shape so that D does not vanish at the minimum, and a small
    weight decay (the same for every example, so it leaves D unchanged) so that the minimum is isolated.

    The data are drawn on the CPU (the same numbers on every device) and moved to ``device``.
    Returns the problem and its dimension-matched random initialisation."""
    gen = torch.Generator().manual_seed(seed)
    d = hidden * (inputs + 2) + 1
    cpu = dict(generator=gen, dtype=torch.float64, device="cpu")
    x = torch.randn(n, inputs, **cpu)
    teacher = torch.randn(d, **cpu)
    y = _two_layer_output(teacher, x, hidden) + noise * torch.randn(n, **cpu)
    w0 = 0.5 * torch.randn(d, **cpu)
    return Problem(_tanh_two_layer(hidden, decay), x.to(device), y.to(device)), w0.to(device)


def linear_problem(n: int, inputs: int = 4, noise: float = 0.3, seed: int = 0,
                   device="cpu") -> tuple[Problem, torch.Tensor]:
    """Least squares, f_n = ½(wᵀx_n − y_n)²: third derivatives vanish, so the paper's assumption 9 holds exactly.

    Drawn on the CPU and moved to ``device``."""
    gen = torch.Generator().manual_seed(seed)
    cpu = dict(dtype=torch.float64, device="cpu")
    x = torch.randn(n, inputs, generator=gen, **cpu) * torch.linspace(0.5, 1.5, inputs, **cpu)
    teacher = torch.randn(inputs, generator=gen, **cpu)
    y = x @ teacher + noise * torch.randn(n, generator=gen, **cpu)
    return Problem(_linear, x.to(device), y.to(device)), torch.zeros(inputs, **cpu).to(device)


def find_minimum(problem: Problem, w0: torch.Tensor, tolerance: float = 1e-9, max_iter: int = 500) -> torch.Tensor:
    """A local minimum of f by L-BFGS from w0; raises if the gradient norm stays above ``tolerance``."""
    w = w0.clone().requires_grad_(True)
    optimiser = torch.optim.LBFGS([w], lr=1, max_iter=max_iter, tolerance_grad=tolerance / 10, tolerance_change=0,
                                  history_size=50, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        value = problem.value(w)
        value.backward()
        return value

    for _ in range(10):  # L-BFGS stops on its own criteria; restart until the gradient is small
        optimiser.step(closure)
        norm = float(torch.linalg.norm(problem.gradient(w.detach())))
        if norm <= tolerance or not math.isfinite(norm):
            break
    w = w.detach()
    if not math.isfinite(norm) or norm > 100 * tolerance:
        raise RuntimeError(f"L-BFGS did not reach a minimum: gradient norm {norm:.2e} > {100 * tolerance:.0e}")
    return w


def lyapunov_covariance(drift: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """The stationary covariance Σ of dx = −A x dt + noise^{1/2} dW near a minimum: AΣ + ΣAᵀ = noise.

    Raises if A has an eigenvalue with non-positive real part (no stationary state)."""
    from scipy.linalg import solve_continuous_lyapunov

    drift, noise = np.asarray(drift, dtype=float), np.asarray(noise, dtype=float)
    slowest = np.linalg.eigvals(drift).real.min()
    if slowest <= 0:
        raise ValueError(f"no stationary covariance: the drift matrix has an eigenvalue with real part {slowest:.3g} ≤ 0")
    return solve_continuous_lyapunov(drift, noise)


def shape_distance(estimate: np.ndarray, reference: np.ndarray) -> float:
    """‖Σ/tr Σ − Σ_ref/tr Σ_ref‖_F / ‖Σ_ref/tr Σ_ref‖_F: how differently two covariances are shaped,
    whatever their overall temperature."""
    a, b = estimate / np.trace(estimate), reference / np.trace(reference)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# --------------------------------------------------------------------------- the derivation's steps, measured
def divergence_of_diffusion(problem: Problem, w: torch.Tensor) -> tuple[torch.Tensor, float]:
    """(∇·D)_s = Σ_r ∂_r D_rs at w (Eq. 12 needs ∇·D̃ = ε∇·D), by forward-mode autograd through D, and the
    scale it is judged against, ‖Σ_r |∂_r D_rs|‖: the divergence cancels to float precision only if it vanishes.

    Returns the divergence vector and ‖∇·D‖ / that scale, in [0, 1]."""
    dD = jacfwd(problem.diffusion)(w)  # dD[a, b, c] = ∂_c D_ab
    terms = torch.einsum("rsr->rs", dD)  # terms[r, s] = ∂_r D_rs
    divergence = terms.sum(0)
    scale = float(torch.linalg.norm(terms.abs().sum(0)))
    return divergence.detach(), float(torch.linalg.norm(divergence)) / scale if scale > 0 else 0.0


def geodesic_start(problem: Problem, w: torch.Tensor, epsilon: float) -> torch.Tensor:
    """The chapter's initial velocity of the forced geodesic, −g⁻¹∇L (the integration constant is then zero)."""
    return -torch.linalg.solve(_metric(problem, w, epsilon), problem.gradient(w))


def dropped_term(problem: Problem, w: torch.Tensor, v: torch.Tensor, epsilon: float) -> dict:
    """At one state (w, ẇ = v): the term the paper drops as "ε/N²", ε Cov_n(f_n, H_n v), next to the metric term
    εDv that it keeps (norms)."""
    losses = problem.losses(w).detach()
    hv = jvp(problem.per_sample_gradients, (w,), (v,))[1]  # rows H_n v
    dropped = epsilon * ((losses - losses.mean()) @ (hv - hv.mean(0))) / problem.n
    return {"dropped": float(torch.linalg.norm(dropped)),
            "metric": float(torch.linalg.norm(epsilon * problem.diffusion_times(w, v)))}


def chain_rule_terms(problem: Problem, xs: torch.Tensor, vs: torch.Tensor, epsilon: float) -> dict:
    """Along a forced geodesic, the two parts of (ε/N²)Σ_α (d²f̂_α/dt²) ∂_k f̂_α: the part the paper keeps,
    ε Cov_n(ẋᵀH_nẋ, ∇f_n) (the lowered Γ(ẋ, ẋ)), and the part its step into Eq. 8 leaves out, ε Cov_n(∇f_n·ẍ, ∇f_n)
    = εDẍ (chain rule: d²f_n/dt² = ẋᵀH_nẋ + ∇f_n·ẍ), with ẍ from the geodesic equation. Norms per state."""
    kept, missing = [], []
    for x, v in zip(xs, vs):
        acceleration = -christoffel_contracted_closed(problem, x, v, epsilon, exact=True) - problem.hvp(x, v)
        kept.append(float(torch.linalg.norm(christoffel_contracted_closed(problem, x, v, epsilon))))
        missing.append(float(torch.linalg.norm(epsilon * problem.diffusion_times(x, acceleration))))
    return {"kept": np.array(kept), "missing": np.array(missing)}


def geodesic_rgd_gap(problem: Problem, start: torch.Tensor, fraction: float, dt: float, steps: int,
                     record_every: int = 1) -> dict:
    """max_t‖geodesic − RGD‖ and max_t‖RGD − gradient flow‖ from ``start`` at ε = fraction/λ_max(D(start)):
    if the reduction held to first order in ε, the first would shrink like ε² and the second like ε."""
    eps = fraction / problem.lambda_max(start)
    run = dict(dt=dt, steps=steps, record_every=record_every)
    flow = gradient_flow(problem, start, **run)
    rgd = rgd_flow(problem, start, eps, **run)
    geodesic, _ = forced_geodesic(problem, start, geodesic_start(problem, start, eps), eps, **run)
    return {"fraction": fraction, "epsilon": eps, "geo_vs_rgd": float((geodesic - rgd).norm(dim=1).max()),
            "rgd_vs_gf": float((rgd - flow).norm(dim=1).max())}


def dropped_term_ratio(n: int, seed: int, fraction: float, displacement: float = 0.5) -> float:
    """On least squares with ``n`` examples: ‖dropped "ε/N²" term‖ / ‖εDẋ‖ at the start of the chapter's geodesic,
    w_min + displacement·(1, …, 1), ẋ = −g⁻¹∇L, ε = fraction/λ_max. The paper drops it as O(ε/N²)."""
    problem, w0 = linear_problem(n, seed=seed)
    w_min = find_minimum(problem, w0)
    start = w_min + displacement * torch.ones_like(w_min)
    eps = fraction / problem.lambda_max(start)
    terms = dropped_term(problem, start, geodesic_start(problem, start, eps), eps)
    return terms["dropped"] / terms["metric"]


def hidden_unit_separation(w: torch.Tensor, inputs: int = 2, hidden: int = 4) -> float:
    """The smallest distance between two hidden units (W_i, b_i, a_i) of the two-layer net at w, after the tanh
    symmetry (W, b, a) → (−W, −b, −a): zero when two units coincide, which makes the minimum degenerate."""
    W = w[: hidden * inputs].view(hidden, inputs)
    b = w[hidden * inputs: hidden * (inputs + 1)]
    a = w[hidden * (inputs + 1): hidden * (inputs + 2)]
    units = torch.cat([W, b[:, None], a[:, None]], 1)
    units = units * torch.where(a < 0, -1.0, 1.0).to(units.dtype)[:, None]
    return float(min((units[i] - units[j]).norm() for i in range(hidden) for j in range(i + 1, hidden)))


def numerical_rank(matrix: torch.Tensor, relative: float = 1e-10) -> int:
    """Eigenvalues of a symmetric PSD matrix above ``relative`` × the largest."""
    eig = torch.linalg.eigvalsh(matrix.detach())
    return int((eig > relative * eig[-1]).sum())


def stationary_offset(runs: torch.Tensor, w_min: torch.Tensor) -> dict:
    """From SGD chains started at the minimum (records, chains, d), over the second half of the records: the
    offset ‖E[w] − w_min‖ of the stationary mean, its standard error across chains (each chain's time average
    is one sample), the spread √tr Σ of the stationary weights, and the offsets measured on the third and fourth
    quarters separately with their standard errors (a stationarity check)."""
    records = len(runs)

    def offset(part):
        per_chain = part.mean(0) - w_min  # (chains, d)
        mean = per_chain.mean(0)
        se = float(torch.sqrt((per_chain.var(0, unbiased=True) / len(per_chain)).sum()))
        return mean, float(mean.norm()), se

    tail = runs[records // 2:]
    _, off, se = offset(tail)
    m3, _, se3 = offset(runs[records // 2: 3 * records // 4])
    m4, _, se4 = offset(runs[3 * records // 4:])
    spread = float(torch.sqrt(tail.reshape(-1, runs.shape[-1]).var(0).sum()))
    return {"offset": off, "offset_se": se, "spread": spread, "quarters_difference": float((m4 - m3).norm()),
            "quarters_difference_se": float(math.sqrt(se3**2 + se4**2))}
