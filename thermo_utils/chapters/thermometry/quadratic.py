"""Constant-rate SGD on a quadratic loss with a finite dataset: closed forms and a vectorised simulator.

The loss of example n is ℓ_n(w) = ½ Σ_i h_i (w_i − a_{n,i})². Its gradient is h_i (w_i − a_{n,i}); the
full gradient is h_i (w_i − ā_i), so the gradient noise of one example, h_i (ā_i − a_{n,i}), does not depend
on w and has variance σ_i² = h_i² Var_n(a_{n,i}). A batch of B examples drawn with replacement averages B
such draws: noise variance σ_i²/B. Writing u = w − ā, SGD is the linear recursion
u ← (1 − η h) u − η ξ, whose stationary moments are exact (see the thermometry chapter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm


def stationary_variance(eta, batch, h, sigma2):
    """Var(w_i) = η σ² / (B h (2 − η h)), the fixed point of V = (1 − ηh)² V + η² σ²/B."""
    eta, batch, h = np.asarray(eta, float), np.asarray(batch, float), np.asarray(h, float)
    _check_stable(eta, h)
    return eta * sigma2 / (batch * h * (2 - eta * h))


def per_step_temperature(eta, batch, h, sigma2):
    """T = E[v²]/2 with v = w_{t+1} − w_t: η² σ² / (B (2 − η h))."""
    eta, batch, h = np.asarray(eta, float), np.asarray(batch, float), np.asarray(h, float)
    _check_stable(eta, h)
    return eta**2 * sigma2 / (batch * (2 - eta * h))


def lagged_square_displacement(lag, eta, batch, h, sigma2):
    """E[(w_{t+k} − w_t)²] = 2 Var (1 − (1 − η h)^k) at stationarity."""
    lag = np.asarray(lag, float)
    return 2 * stationary_variance(eta, batch, h, sigma2) * (1 - (1 - np.asarray(eta, float) * h) ** lag)


def lagged_temperature(lag, eta, batch, h, sigma2):
    """T over a lag of k steps: half the lagged square displacement."""
    return 0.5 * lagged_square_displacement(lag, eta, batch, h, sigma2)


def zeta(eta, batch):
    """The temperature ζ = η / (2B) of the continuous-time model of Chaudhari & Soatto."""
    return np.asarray(eta, float) / (2 * np.asarray(batch, float))


def _check_stable(eta, h):
    if np.any(eta * h >= 2) or np.any(eta <= 0) or np.any(h <= 0):
        raise ValueError("the quadratic is stable only for 0 < η h < 2 (with η, h > 0)")


@dataclass
class QuadraticProblem:
    """A diagonal quadratic with curvatures ``h`` and a finite dataset of ``n_data`` targets a_n."""

    h: np.ndarray
    targets: np.ndarray  # (n_data, d)

    @classmethod
    def random(cls, h, n_data: int, rng: np.random.Generator, spread: float = 1.0):
        h = np.asarray(h, dtype=float)
        return cls(h, rng.normal(0.0, spread, size=(n_data, len(h))))

    @property
    def sigma2(self) -> np.ndarray:
        """Per-example gradient-noise variance per coordinate: h² Var_n(a) (population variance)."""
        return self.h**2 * self.targets.var(axis=0)

    @property
    def minimum(self) -> np.ndarray:
        return self.targets.mean(axis=0)


@dataclass
class SimulationResult:
    """Measured stationary moments, indexed [eta, coordinate] (one batch size per simulation).

    The ``*_chains`` arrays hold each chain's time average (chain on the axis after eta): chains are independent,
    so their spread gives honest standard errors, autocorrelation within a chain included.
    """

    variance: np.ndarray
    temperature: np.ndarray
    lags: np.ndarray
    lagged_msd: np.ndarray  # [lag, eta, coordinate]
    variance_chains: np.ndarray | None = None  # [eta, chain, coordinate]
    temperature_chains: np.ndarray | None = None  # [eta, chain, coordinate]
    lagged_msd_chains: np.ndarray | None = None  # [lag, eta, chain, coordinate]
    noise_power_chains: np.ndarray | None = None  # [eta, chain, coordinate]: time average of (η ξ)²


def simulate_sgd(problem: QuadraticProblem, etas, batch: int, *, n_chains: int, n_steps: int,
                 rng: np.random.Generator, lags=(1,), burn_in: int | None = None, quiet: bool = True
                 ) -> SimulationResult:
    """Run ``n_chains`` SGD chains for every learning rate at once, with real minibatches of the dataset.

    Chains start at the minimum; the first ``burn_in`` steps (default: five relaxation times of the slowest
    coordinate) are discarded. Moments are averaged over chains and the ``n_steps`` recorded steps.
    """
    etas = np.asarray(etas, dtype=float)
    _check_stable(etas[:, None], problem.h[None, :])
    lags = np.asarray(sorted(set(int(k) for k in lags)))
    if lags[0] < 1 or lags[-1] >= n_steps:
        raise ValueError(f"lags must lie in [1, n_steps); got {lags.tolist()}")
    if burn_in is None:
        slowest = np.min(etas) * np.min(problem.h)
        burn_in = int(np.ceil(5 / (slowest * (2 - slowest))))
    n_data, d = problem.targets.shape
    shape = (len(etas), n_chains, d)
    u = np.zeros(shape)  # w − minimum
    offsets = problem.targets - problem.minimum  # a_n − ā
    eta_h = (etas[:, None] * problem.h[None, :])[:, None, :]
    eta_col = etas[:, None, None]
    history = np.zeros((lags[-1] + 1,) + shape)  # ring buffer for lagged displacements
    sum_u2 = np.zeros(shape)
    sum_v2 = np.zeros(shape)
    sum_lag = np.zeros((len(lags),) + shape)
    sum_noise2 = np.zeros(shape)
    for step in tqdm(range(burn_in + n_steps), disable=quiet, desc=f"quadratic SGD, B={batch}", mininterval=1):
        idx = rng.integers(0, n_data, size=(len(etas), n_chains, batch))
        noise = problem.h * (-offsets[idx].mean(axis=2))  # batch-mean gradient noise h (ā − a)
        new_u = u - eta_h * u - eta_col * noise
        if step >= burn_in:
            t = step - burn_in
            sum_v2 += (new_u - u) ** 2
            sum_noise2 += (eta_col * noise) ** 2
            sum_u2 += new_u**2
            history[t % len(history)] = new_u
            for j, k in enumerate(lags):
                if t >= k:
                    sum_lag[j] += (new_u - history[(t - k) % len(history)]) ** 2
        u = new_u
    counts = n_steps - lags
    variance, temperature = sum_u2 / n_steps, 0.5 * sum_v2 / n_steps
    lagged = sum_lag / counts[:, None, None, None]
    return SimulationResult(
        variance=variance.mean(axis=1),
        temperature=temperature.mean(axis=1),
        lags=lags,
        lagged_msd=lagged.mean(axis=2),
        variance_chains=variance,
        temperature_chains=temperature,
        lagged_msd_chains=lagged,
        noise_power_chains=sum_noise2 / n_steps,
    )


def standard_error(chains: np.ndarray, axis: int) -> np.ndarray:
    """Standard error of the mean over independent chains (the ``axis`` of chains)."""
    n = chains.shape[axis]
    if n < 2:
        raise ValueError("a standard error needs at least 2 chains")
    return chains.std(axis=axis, ddof=1) / np.sqrt(n)


def simulate_grid_point(batch: int, etas, curvatures, n_data: int, n_chains: int, n_steps: int, lags,
                        seed: int) -> dict:
    """One batch size of the chapter's grid (a sweep point): the dataset depends on ``seed`` only, so every
    point sees the same problem; the minibatch draws get their own stream per batch size."""
    from thermo_utils.core.seeding import numpy_rng

    problem = QuadraticProblem.random(curvatures, n_data, numpy_rng(seed, 0))
    result = simulate_sgd(problem, etas, batch, n_chains=n_chains, n_steps=n_steps,
                          rng=numpy_rng(seed, 1, batch), lags=lags)
    return {"batch": batch, "sigma2": problem.sigma2, "h": problem.h, "etas": np.asarray(etas, float),
            "variance": result.variance, "temperature": result.temperature, "lags": result.lags,
            "lagged_msd": result.lagged_msd, "variance_chains": result.variance_chains,
            "temperature_chains": result.temperature_chains, "lagged_msd_chains": result.lagged_msd_chains,
            "noise_power_chains": result.noise_power_chains}
