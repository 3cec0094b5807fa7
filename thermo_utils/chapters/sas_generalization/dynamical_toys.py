"""Gradient descent as a map: a one-dimensional loss whose constant-step GD goes fixed point → period → chaos.

The toy is the double well f(x) = (x² − 1)² / 4. Gradient descent with a constant step η is the cubic map

    x ↦ φ_η(x) = x − η f'(x) = (1 + η) x − η x³,

whose derivative is φ_η'(x) = 1 + η − 3η x². Near the minimum x = 1 (curvature f'' = 2) the map contracts
while |1 − 2η| < 1, so for η < 1 the iterates converge and the Lyapunov exponent is ln|1 − 2η|. At η = 1
the fixed point flips into a period-2 orbit, then period doubling leads to chaos, and at η = 2 the map is
conjugate (x = √2·y) to y ↦ 3y − 4y³, a Chebyshev map whose Lyapunov exponent is ln 3. Beyond η = 2 the
iterates escape to infinity. These closed forms are what the tests check the estimators against.

Every function is vectorised over the parameter (one orbit per step size), in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Map = Callable[[np.ndarray, np.ndarray], np.ndarray]

DOUBLE_WELL_ESCAPE_ETA = 2.0  # above this step size GD on the double well diverges from almost every start


def double_well_loss(x: np.ndarray) -> np.ndarray:
    """f(x) = (x² − 1)² / 4: two minima at ±1 with curvature 2."""
    return 0.25 * (np.asarray(x) ** 2 - 1.0) ** 2


def double_well_gd_step(x: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """One gradient-descent step x − η f'(x) with f'(x) = x³ − x."""
    return x - eta * (x**3 - x)


def double_well_gd_derivative(x: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """dφ_η/dx = 1 + η − 3η x²: the stretching factor the Lyapunov exponent averages."""
    return 1.0 + eta - 3.0 * eta * x**2


def logistic_step(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The logistic map r x (1 − x), an independent oracle (λ = ln 2 at r = 4)."""
    return r * x * (1.0 - x)


def logistic_derivative(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    return r * (1.0 - 2.0 * x)


def _check_orbit_args(params, n_transient: int, n_keep: int) -> np.ndarray:
    params = np.atleast_1d(np.asarray(params, dtype=float))
    if params.ndim != 1 or params.size == 0 or not np.all(np.isfinite(params)):
        raise ValueError("params must be a non-empty 1-D array of finite numbers")
    if n_transient < 0 or n_keep < 1:
        raise ValueError(f"need n_transient >= 0 and n_keep >= 1, got {n_transient} and {n_keep}")
    return params


def orbits(step: Map, params, x0: float, n_transient: int, n_keep: int, escape: float = 1e6) -> np.ndarray:
    """Iterate the map from x0 for every parameter; return the last ``n_keep`` iterates, shape (params, n_keep).

    Orbits that leave |x| < ``escape`` are marked NaN from then on (a diverging step size).
    """
    params = _check_orbit_args(params, n_transient, n_keep)
    x = np.full(params.shape, float(x0))
    kept = np.empty((params.size, n_keep))
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_transient + n_keep):
            x = step(x, params)
            x[~(np.abs(x) < escape)] = np.nan
            if t >= n_transient:
                kept[:, t - n_transient] = x
    return kept


def lyapunov_exponent(step: Map, derivative: Map, params, x0: float, n_transient: int = 1000,
                      n_steps: int = 20000, escape: float = 1e6) -> np.ndarray:
    """λ = (1/T) Σ_t ln|φ'(x_t)| along the orbit from x0, for each parameter; NaN where the orbit escapes.

    λ < 0: the orbit is attracted to a stable fixed point or cycle; λ > 0: nearby orbits separate
    exponentially (chaos). Points where φ' = 0 exactly (superstable) give −inf.
    """
    params = _check_orbit_args(params, n_transient, n_steps)
    x = np.full(params.shape, float(x0))
    total = np.zeros(params.shape)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(n_transient + n_steps):
            if t >= n_transient:
                total += np.log(np.abs(derivative(x, params)))
            x = step(x, params)
            x[~(np.abs(x) < escape)] = np.nan
    return np.where(np.isfinite(x), total / n_steps, np.nan)


def orbit_period(kept: np.ndarray, max_period: int = 64, tol: float = 1e-6) -> np.ndarray:
    """Smallest p ≤ max_period with x_{t+p} = x_t (to ``tol``) over the kept iterates; 0 if none (aperiodic
    or escaped). ``kept`` has shape (params, n_keep) with n_keep > 2·max_period."""
    kept = np.asarray(kept, dtype=float)
    if kept.ndim != 2 or kept.shape[1] <= 2 * max_period:
        raise ValueError(f"need kept iterates of shape (params, n_keep) with n_keep > {2 * max_period}")
    period = np.zeros(kept.shape[0], dtype=int)
    finite = np.all(np.isfinite(kept), axis=1)
    for p in range(1, max_period + 1):
        undecided = (period == 0) & finite
        if not undecided.any():
            break
        close = np.all(np.abs(kept[:, p:] - kept[:, :-p]) < tol, axis=1)
        period[undecided & close] = p
    return period


def double_well_bifurcation(etas, x0: float = 0.5, n_transient: int = 2000, n_keep: int = 256) -> dict:
    """Bifurcation data of GD on the double well: asymptotic iterates, period and Lyapunov exponent per η."""
    etas = _check_orbit_args(etas, n_transient, n_keep)
    if np.any(etas <= 0):
        raise ValueError("step sizes must be positive")
    kept = orbits(double_well_gd_step, etas, x0, n_transient, n_keep)
    lyap = lyapunov_exponent(double_well_gd_step, double_well_gd_derivative, etas, x0, n_transient, 8 * n_keep)
    escaped = ~np.all(np.isfinite(kept), axis=1)
    loss_average = np.where(escaped, np.nan, double_well_loss(np.nan_to_num(kept)).mean(axis=1))
    return {"etas": etas, "iterates": kept, "period": orbit_period(kept, max_period=min(64, (n_keep - 1) // 2)),
            "lyapunov": lyap, "loss_time_average": loss_average}


def lyapunov_fixed_point_closed_form(etas) -> np.ndarray:
    """ln|1 − 2η|: the exponent at the stable minimum x = 1 (valid for 0 < η < 1)."""
    return np.log(np.abs(1.0 - 2.0 * np.asarray(etas, dtype=float)))


def first_eta(etas: np.ndarray, mask: np.ndarray) -> float:
    """The first step size where ``mask`` holds (NaN when it never does): where a regime begins."""
    mask = np.asarray(mask, dtype=bool)
    return float(np.asarray(etas)[np.argmax(mask)]) if mask.any() else float("nan")
