"""SGD on the unit sphere S² for the 3-D toy of Sadrtdinov et al. (2025), many learning rates and seeds at once.

The per-example loss ℓ(x; a) = (aᵀx)² / ‖x‖² is scale invariant, so SGD followed by renormalisation is SGD
on the sphere with the learning rate as its effective rate. On the unit sphere its gradient has the closed
form ∇ℓ = 2 (aᵀx) (a − (aᵀx) x) (tangent to the sphere), and the full loss is L(x) = xᵀ A x, A = mean a aᵀ.
Every chain (one learning rate, one seed, one dataset) advances in the same numpy loop: the cost of a step
is a dozen array operations whatever the number of chains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

START = np.array([-0.8, 0.6, 0.1]) / np.linalg.norm([-0.8, 0.6, 0.1])


def _unit_rows(points) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def overparameterized_points() -> np.ndarray:
    """OP: two unit vectors whose zero circles meet at ±e_z, so the minimum loss is 0."""
    return _unit_rows([[np.sqrt(3) / 2, 0.5, 0.0], [np.sqrt(3) / 2, -0.5, 0.0]])


def underparameterized_points() -> np.ndarray:
    """UP: three unit vectors with no common zero; the minimum loss 0.04/1.04 is reached at ±e_z."""
    return _unit_rows([[1.0, 0.0, 0.2], [-0.5, np.sqrt(3) / 2, 0.2], [-0.5, -np.sqrt(3) / 2, 0.2]])


DATASETS = {"UP": underparameterized_points, "OP": overparameterized_points}


def second_moment(points: np.ndarray) -> np.ndarray:
    """A = mean of a aᵀ: the full loss on the sphere is xᵀ A x."""
    return points.T @ points / len(points)


def full_loss(x: np.ndarray, points: np.ndarray) -> np.ndarray:
    """L(x) = mean_a (aᵀx)² / ‖x‖² for every row of x."""
    x = np.asarray(x, dtype=np.float64)
    proj = x @ points.T
    return np.mean(proj**2, axis=-1) / np.sum(x**2, axis=-1)


def example_gradients(x: np.ndarray, points: np.ndarray) -> np.ndarray:
    """∇ℓ(x; a) on the unit sphere for every example a: shape (..., n_points, 3)."""
    proj = x @ points.T  # (..., n)
    return 2 * proj[..., None] * (points - proj[..., None] * x[..., None, :])


def gradient_statistics(x: np.ndarray, points: np.ndarray) -> dict:
    """Full-gradient norm, batch-1 noise norm sqrt(E‖∇ℓ − ∇L‖²) and their ratio (the SNR) at each row of x."""
    grads = example_gradients(np.asarray(x, dtype=np.float64), points)
    full = grads.mean(axis=-2)
    noise = np.sqrt(np.mean(np.sum((grads - full[..., None, :]) ** 2, axis=-1), axis=-1))
    norm = np.linalg.norm(full, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(noise > 0, norm / noise, np.nan)  # nan: exactly at an interpolating optimum
    return {"grad_norm": norm, "noise_norm": noise, "snr": snr}


def snr_along_direction(points: np.ndarray, direction) -> float:
    """The SNR near the optimum e_z along a tangent direction r, in the limit of zero distance (OP only).

    With x = e_z + δ r, each example gradient is 2δ(aᵀr)a_t + O(δ²), so the ratio does not depend on δ:
    SNR² = ‖A r‖² / (rᵀ A r − ‖A r‖²) with A restricted to the tangent plane.
    """
    r = np.asarray(direction, dtype=np.float64)
    r = r / np.linalg.norm(r)
    tangent = points[:, :2]
    a = tangent.T @ tangent / len(points)
    ar = a @ r[:2]
    return float(np.sqrt(ar @ ar / (r[:2] @ ar - ar @ ar)))


@dataclass
class SphereRun:
    """The record of one vectorised sweep. Arrays are indexed [dataset, rate, seed, ...]."""

    datasets: tuple
    etas: np.ndarray
    n_seeds: int
    n_steps: int
    log_steps: np.ndarray        # the steps at which losses and gradient statistics were logged
    loss: np.ndarray             # (n_data, n_rates, n_seeds, n_log) full loss at log_steps
    grad_norm: np.ndarray        # same shape: ‖∇L‖
    noise_norm: np.ndarray       # same shape: sqrt(E‖∇ℓ − ∇L‖²)
    positions: np.ndarray        # (n_data, n_rates, n_seeds, n_log, 3) iterates at log_steps
    tail: np.ndarray             # (n_data, n_rates, n_seeds, n_tail, 3) thinned iterates of the last steps
    tail_steps: np.ndarray       # the steps of the tail iterates
    paths: np.ndarray | None     # (n_data, n_rates, n_seeds=first only, n_path, 3) early trajectory for drawing
    path_steps: np.ndarray | None

    @property
    def snr(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.noise_norm > 0, self.grad_norm / self.noise_norm, np.nan)


def log_schedule(n_steps: int, n_log: int) -> np.ndarray:
    """About ``n_log`` distinct steps, log-spaced from 1 to ``n_steps`` (the last step included)."""
    return np.unique(np.geomspace(1, n_steps, n_log).round().astype(int))


def check_sweep_arguments(etas, n_seeds: int, n_steps: int, n_tail: int, thin: int, datasets) -> np.ndarray:
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or len(etas) == 0 or not np.all(np.isfinite(etas)) or np.any(etas <= 0):
        raise ValueError(f"etas must be a non-empty 1-D array of positive finite rates, got {etas!r}")
    if n_seeds < 1 or n_steps < 1 or thin < 1 or n_tail < 1:
        raise ValueError(f"n_seeds, n_steps, thin and n_tail must be ≥ 1, got {n_seeds}, {n_steps}, {thin}, {n_tail}")
    if n_tail * thin > n_steps:
        raise ValueError(f"the tail (n_tail·thin = {n_tail * thin}) cannot be longer than the run ({n_steps} steps)")
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown or not datasets:
        raise ValueError(f"unknown datasets {unknown}; valid: {sorted(DATASETS)}")
    return etas


def run_sphere_sgd(etas, n_seeds: int, n_steps: int, *, seed: int, datasets=("UP", "OP"), n_log: int = 200,
                   n_tail: int = 500, thin: int = 10, n_path: int = 0, chunk: int = 250) -> SphereRun:
    """Batch-1 SGD x ← (x − η ∇ℓ(x; a)) / ‖·‖ from the authors' start point, for every (dataset, rate, seed).

    One loop over steps advances all chains. The examples (uniform, with replacement) are drawn once per
    (dataset, seed, step) from one seeded generator and shared by all learning rates (common random numbers:
    each rate's chain has the right law, and differences between rates are not blurred by independent draws).
    Logged: the full loss and gradient statistics at ~``n_log`` log-spaced steps, ``n_tail`` iterates from the
    end of the run spaced ``thin`` steps apart (for entropies), and the first ``n_path`` iterates of seed 0.
    """
    etas = check_sweep_arguments(etas, n_seeds, n_steps, n_tail, thin, datasets)
    rng = np.random.default_rng([seed, 4])
    tables = [DATASETS[d]() for d in datasets]
    n_data, n_rates = len(datasets), len(etas)
    n_groups = n_data * n_seeds
    n_chains = n_groups * n_rates  # chain order: (dataset, seed, rate)
    counts = np.repeat([len(t) for t in tables], n_seeds)
    offsets = np.repeat(np.cumsum([0] + [len(t) for t in tables[:-1]]), n_seeds)
    stacked = np.concatenate(tables).T.copy()  # (3, total examples)
    eta2 = np.tile(2 * etas, n_groups)

    x = np.tile(START[:, None], (1, n_chains))  # (3, n_chains)
    log_steps = log_schedule(n_steps, n_log)
    tail_steps = n_steps - thin * np.arange(n_tail)[::-1]
    logged = np.empty((len(log_steps), 3, n_chains))
    tail = np.empty((n_tail, 3, n_chains))
    path = np.empty((n_path, 3, n_chains)) if n_path else None
    slot_log = dict(zip(log_steps.tolist(), range(len(log_steps))))
    slot_tail = dict(zip(tail_steps.tolist(), range(n_tail)))
    examples = np.empty((chunk, 3, n_chains))
    tmp, proj, coef, keep = np.empty((3, n_chains)), np.empty(n_chains), np.empty(n_chains), np.empty(n_chains)
    step = 0
    while step < n_steps:
        m = min(chunk, n_steps - step)
        draws = offsets + (rng.random((m, n_groups)) * counts).astype(np.int64)  # (m, groups)
        picked = stacked[:, draws].transpose(1, 0, 2)  # (m, 3, groups)
        np.copyto(examples[:m].reshape(m, 3, n_groups, n_rates), picked[..., None])
        for j in range(m):
            a = examples[j]
            # x − 2η p (a − p x) = (1 + 2η p²) x − 2η p a with p = aᵀx; then back onto the sphere.
            np.multiply(a, x, out=tmp)
            np.add(tmp[0], tmp[1], out=proj)
            proj += tmp[2]
            np.multiply(eta2, proj, out=coef)
            np.multiply(coef, proj, out=keep)
            keep += 1.0
            x *= keep
            np.multiply(coef, a, out=tmp)
            x -= tmp
            np.multiply(x, x, out=tmp)
            np.add(tmp[0], tmp[1], out=proj)
            proj += tmp[2]
            np.sqrt(proj, out=proj)
            x /= proj
            step += 1
            if step in slot_log:
                logged[slot_log[step]] = x
            if step in slot_tail:
                tail[slot_tail[step]] = x
            if step <= n_path:
                path[step - 1] = x
    if not np.all(np.isfinite(x)):
        bad = sorted({float(e) for e in np.tile(etas, n_groups)[~np.all(np.isfinite(x), axis=0)]})
        raise FloatingPointError(f"sphere SGD produced non-finite iterates at learning rates {bad}")

    def per_chain(values: np.ndarray) -> np.ndarray:
        # (n_time, 3, n_chains) or (n_time, n_chains) → (n_data, n_rates, n_seeds, n_time[, 3])
        moved = np.moveaxis(values, -1, 0)
        shaped = moved.reshape((n_data, n_seeds, n_rates) + moved.shape[1:])
        return shaped.swapaxes(1, 2)

    positions = np.moveaxis(logged, 1, 2)  # (n_log, n_chains, 3)
    chain_data = np.repeat(np.arange(n_data), n_seeds * n_rates)
    loss = np.empty((len(log_steps), n_chains))
    stats = {k: np.empty((len(log_steps), n_chains)) for k in ("grad_norm", "noise_norm")}
    for d, table in enumerate(tables):
        sel = chain_data == d
        loss[:, sel] = full_loss(positions[:, sel], table)
        g = gradient_statistics(positions[:, sel], table)
        for k in stats:
            stats[k][:, sel] = g[k]
    paths = per_chain(path)[:, :, 0] if n_path else None
    return SphereRun(tuple(datasets), etas, n_seeds, n_steps, log_steps, per_chain(loss),
                     per_chain(stats["grad_norm"]), per_chain(stats["noise_norm"]), per_chain(logged),
                     per_chain(tail), tail_steps,
                     paths, np.arange(1, n_path + 1) if n_path else None)


UNIFORM_LOSS = 1 / 3  # E[xᵀAx] for x uniform on S²: tr(A)/3, and tr(A) = mean ‖a‖² = 1


def stationary_statistics(run: SphereRun, dataset: str, *, k_sphere: int = 3, k_graph: int | None = None) -> dict:
    """Per rate: U (mean full loss over the tail iterates of all seeds), its spread, the entropies (the graph one
    only when ``k_graph`` is given), the
    excess of the final loss over the minimum, and the gradient statistics at the last informative log step.

    The entropy is nan where the tail iterates coincide (a run that converged exactly). The gradient statistics
    are read at the last log step whose loss exceeds 1e-200 of the uniform level: at an exact interpolating
    optimum the SNR is 0/0.
    """
    from thermo_utils.core.entropy import knn_graph_entropy, sphere_kozachenko_leonenko

    d = run.datasets.index(dataset)
    points = DATASETS[dataset]()
    minimum = float(np.linalg.eigvalsh(second_moment(points))[0])
    samples = run.tail[d].reshape(len(run.etas), -1, 3)
    losses = full_loss(samples, points)
    s_sphere, s_graph = [], []
    for cloud in samples:
        try:
            s_sphere.append(sphere_kozachenko_leonenko(cloud, k_sphere))
        except ValueError:  # repeated points: the run sits exactly at an optimum
            s_sphere.append(np.nan)
        graph = knn_graph_entropy(cloud, k_graph, dim=2) if k_graph else np.nan  # optional: costly at k = 50
        s_graph.append(graph if np.isfinite(graph) else np.nan)
    loss_t = run.loss[d]  # (rates, seeds, n_log)
    informative = loss_t > 1e-200 * UNIFORM_LOSS
    last = np.where(informative.any(-1), informative.shape[-1] - 1 - np.argmax(informative[..., ::-1], -1), 0)

    def at_last(values):
        return np.median(np.take_along_axis(values, last[..., None], -1)[..., 0], axis=1)

    return {
        "etas": run.etas, "U": losses.mean(1), "U_sd": losses.std(1), "S_sphere": np.array(s_sphere),
        "S_graph": np.array(s_graph), "minimum": minimum, "final_excess": (loss_t[..., -1] - minimum).max(1),
        "middle_excess": (loss_t[..., np.searchsorted(run.log_steps, run.n_steps // 2)] - minimum).max(1),
        "snr": at_last(run.snr[d]), "grad_norm": at_last(run.grad_norm[d]), "noise_norm": at_last(run.noise_norm[d]),
    }


REGIMES = ("convergence", "equilibrium", "divergence")


def classify_regimes(final_excess, middle_excess, stationary_loss, *, converged: float = 1e-8,
                     still_falling: float = 1e-3, random_fraction: float = 0.9):
    """Label each rate by what its runs do.

    convergence: the worst seed's final excess loss is below ``converged``, or below ``still_falling`` times its
    value at the middle of the run (still falling geometrically: no stationary level); divergence: the
    stationary loss is at least ``random_fraction`` of a uniformly random point's (1/3); else equilibrium.
    """
    final_excess, middle_excess = np.asarray(final_excess), np.asarray(middle_excess)
    stationary_loss = np.asarray(stationary_loss)
    converging = (final_excess < converged) | (final_excess < still_falling * middle_excess)
    return np.where(converging, REGIMES[0],
                    np.where(stationary_loss >= random_fraction * UNIFORM_LOSS, REGIMES[2], REGIMES[1]))


def regimes_in_order(labels) -> bool:
    """True when the labels, read along increasing rates, never go back to an earlier regime."""
    order = [REGIMES.index(label) for label in labels]
    return bool(np.all(np.diff(order) >= 0))


def cloud_entropy_along_iterations(run: SphereRun, dataset: str, rate_index: int) -> np.ndarray:
    """Entropy (constant dropped) of the seeds' cloud at each log step: 2·log of its mean pairwise distance.

    This is the k-NN-graph estimator with k = n_seeds − 1 on S² (d = 2); with few seeds only its changes mean
    anything, which is all that T_t = ΔU/ΔS needs.
    """
    cloud = run.positions[run.datasets.index(dataset), rate_index]  # (seeds, n_log, 3)
    gaps = np.linalg.norm(cloud[:, None] - cloud[None, :], axis=-1)  # (seeds, seeds, n_log)
    with np.errstate(divide="ignore"):
        return 2 * np.log(gaps.sum(axis=(0, 1)))


def run_isotropic_noise_sphere(etas, sigma: float, dim: int, n_chains: int, n_steps: int, *, seed: int,
                               n_tail: int = 200, thin: int = 20) -> dict:
    """SGD with isotropic tangent noise on S^{dim−1} for the loss L(x) = 1 − x₁: the toy with a known answer.

    x ← (x − η(∇L + σ ξ)) / ‖·‖ with ξ a standard Gaussian projected on the tangent space. For small η this
    is Langevin dynamics at temperature T = ησ²/2, whose stationary law is the Gibbs law exp(−L/T): a
    von Mises–Fisher law with κ = 1/T, so U, S and dU/dS = T are known in closed form.
    Returns the last ``n_tail`` iterates spaced ``thin`` apart: array (n_rates, n_chains·n_tail, dim).
    """
    etas = np.asarray(etas, dtype=np.float64)
    if etas.ndim != 1 or np.any(etas <= 0) or not np.all(np.isfinite(etas)):
        raise ValueError(f"etas must be positive finite rates, got {etas!r}")
    if sigma <= 0 or dim < 2 or n_chains < 1 or n_tail < 1 or thin < 1 or n_tail * thin > n_steps:
        raise ValueError("need sigma > 0, dim ≥ 2, n_chains ≥ 1 and n_tail·thin ≤ n_steps")
    rng = np.random.default_rng([seed, 5])
    start = rng.normal(size=(len(etas), n_chains, dim))
    x = start / np.linalg.norm(start, axis=-1, keepdims=True)
    eta = etas[:, None, None]
    tail = np.empty((n_tail, len(etas), n_chains, dim))
    first_kept = n_steps - thin * (n_tail - 1)
    for step in range(1, n_steps + 1):
        noise = sigma * rng.normal(size=x.shape)
        push = noise
        push[..., 0] -= 1.0                      # ∇(1 − x₁) = −e₁, plus the noise
        push -= np.sum(push * x, axis=-1, keepdims=True) * x  # keep the tangent part
        x = x - eta * push
        x /= np.linalg.norm(x, axis=-1, keepdims=True)
        if step >= first_kept and (step - first_kept) % thin == 0:
            tail[(step - first_kept) // thin] = x
    return np.moveaxis(tail, 0, 1).reshape(len(etas), n_tail * n_chains, dim)


def cloud_shape(cloud: np.ndarray, pole=(0.0, 0.0, 1.0)) -> dict:
    """Where a cloud of unit vectors sits around ``pole`` (folded onto its hemisphere): the mean and spread of the
    angle to the pole, and its three-fold azimuthal order |E e^{3iφ}| (0 for a rotation-symmetric cloud, 1 for
    three points at 120°; the UP examples have this symmetry around e_z)."""
    pole = np.asarray(pole, dtype=np.float64) / np.linalg.norm(pole)
    c = np.asarray(cloud, dtype=np.float64).reshape(-1, 3)
    c = c * np.where(c @ pole < 0, -1.0, 1.0)[:, None]
    angle = np.arccos(np.clip(c @ pole, -1, 1))
    e1 = np.cross(pole, [1.0, 0, 0]) if abs(pole[0]) < 0.9 else np.cross(pole, [0, 1.0, 0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(pole, e1)
    phi = np.arctan2(c @ e2, c @ e1)
    return {"mean_angle": float(angle.mean()), "angle_sd": float(angle.std()),
            "threefold_order": float(np.abs(np.mean(np.exp(3j * phi))))}
