"""Four temperatures of one SGD, on the exactly solvable quadratic: closed forms and estimates from simulation.

On ℓ_n(w) = ½ Σ_i h_i (w_i − a_{n,i})² with batch noise of variance σ_i²/B (see :mod:`.quadratic`):

- **kinetic** (paper 000): T_kin = ½ E[v²] with v the step; per step η²σ²/(B(2−ηh)), over k steps
  Var·(1 − (1−ηh)^k);
- **ζ = η/(2B)** (Chaudhari & Soatto): the temperature of the continuous-time model, a number with no σ;
- **free energy** (paper 004): the T at which each rate's stationary law minimises F = U − T·S across rates.
  For one coordinate with a Gaussian stationary law, U = ½ h V and S = ½ ln(2πe V), so dU/dS = h V exactly:
  T_F = ησ²/(B(2−ηh)) = σ²ζ · 2/(2−ηh). Pooled over coordinates (as for a network, where only the total U and S
  are seen) it is Σ_i h_i V_i' / Σ_i V_i'/V_i, with V' = dV/dη;
- **thermophoretic** (paper 002, appendix A.4): (η g/2)² with η g the standard deviation of the unbiased walk,
  g² = σ²/B here: η²σ²/(4B) = η σ² ζ / 2, for every ηh.

Hence T_kin = η·T_F per coordinate exactly, T_kin / T_th = 4/(2−ηh) (→ 2), and T_F → σ²ζ as ηh → 0; over long
lags the kinetic temperature becomes Var = T_F / h (equipartition).
"""

from __future__ import annotations

import numpy as np

from thermo_utils.chapters.thermometry import quadratic

NAMES = ("kinetic", "zeta", "free_energy", "thermophoretic")


def kinetic(eta, batch, h, sigma2):
    """Per-step kinetic temperature η²σ²/(B(2 − ηh))."""
    return quadratic.per_step_temperature(eta, batch, h, sigma2)


def free_energy_coordinate(eta, batch, h, sigma2):
    """dU/dS of one coordinate along the learning rate: h·Var = ησ²/(B(2 − ηh))."""
    return np.asarray(h, float) * quadratic.stationary_variance(eta, batch, h, sigma2)


def free_energy_pooled(eta, batch, h, sigma2):
    """dU/dS of the whole model, U = Σ ½ h_i V_i and S = Σ ½ ln V_i: η Σ σ²/(2−ηh)² / (B Σ 1/(2−ηh)).

    ``eta`` and ``batch`` broadcast against each other; ``h`` and ``sigma2`` run over the coordinates (last axis).
    """
    eta = np.asarray(eta, float)[..., None]
    batch = np.asarray(batch, float)[..., None]
    h, sigma2 = np.asarray(h, float), np.asarray(sigma2, float)
    quadratic._check_stable(eta, h)
    gap = 2 - eta * h
    return (eta[..., 0] * np.sum(sigma2 / gap**2, axis=-1)) / (batch[..., 0] * np.sum(1 / gap, axis=-1))


def thermophoretic(eta, batch, sigma2):
    """(η g / 2)² with g² = σ²/B, the variance of one step of the unbiased walk divided by η²."""
    return (np.asarray(eta, float) ** 2) * np.asarray(sigma2, float) / (4 * np.asarray(batch, float))


def energy_entropy(variance, h):
    """U − U_min and S of a Gaussian law with per-coordinate variances ``variance`` (last axis): sums over it."""
    variance = np.asarray(variance, float)
    return 0.5 * np.sum(h * variance, axis=-1), 0.5 * np.sum(np.log(2 * np.pi * np.e * variance), axis=-1)


def free_energy_estimate(etas, variance, h, half_width: float = 0.3):
    """The free-energy chapter's estimator (:func:`estimate_temperature`) on the Gaussian U and S of ``variance``
    ([eta, coordinate]): the point estimate √(T⁻T⁺) per rate, nan at the grid's ends."""
    from thermo_utils.core.free_energy_temperature import estimate_temperature

    U, S = energy_entropy(variance, h)
    return estimate_temperature(etas, U, S, half_width=half_width).point


def free_energy_bootstrap(etas, variance_chains, h, *, rng: np.random.Generator, n_boot: int = 200,
                          half_width: float = 0.3):
    """Bootstrap over chains of :func:`free_energy_estimate`: ``variance_chains`` is [eta, chain, coordinate].

    Returns the estimates, shape (n_boot, n_etas)."""
    n_chains = variance_chains.shape[1]
    out = np.empty((n_boot, variance_chains.shape[0]))
    for b in range(n_boot):
        idx = rng.integers(0, n_chains, n_chains)
        out[b] = free_energy_estimate(etas, variance_chains[:, idx].mean(axis=1), h, half_width)
    return out


def ratio_with_se(a_chains, b_chains, axis: int):
    """mean(a)/mean(b) over independent chains and its delta-method standard error (covariance included)."""
    a_chains, b_chains = np.asarray(a_chains, float), np.asarray(b_chains, float)
    n = a_chains.shape[axis]
    a, b = a_chains.mean(axis=axis), b_chains.mean(axis=axis)
    va, vb = a_chains.var(axis=axis, ddof=1) / n, b_chains.var(axis=axis, ddof=1) / n
    cov = np.sum((a_chains - np.expand_dims(a, axis)) * (b_chains - np.expand_dims(b, axis)), axis=axis) / (n - 1) / n
    r = a / b
    var = r**2 * (va / a**2 + vb / b**2 - 2 * cov / (a * b))
    return r, np.sqrt(np.maximum(var, 0.0))


def family_critical_z(n_tests: int, alpha: float) -> float:
    """Two-sided Bonferroni critical |z| for ``n_tests`` tests at family-wise level ``alpha``."""
    from scipy.stats import norm

    return float(norm.isf(alpha / (2 * max(int(n_tests), 1))))
