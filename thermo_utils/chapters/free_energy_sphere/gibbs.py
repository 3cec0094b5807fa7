"""The Gibbs law of a quadratic loss on S²: p_T(x) ∝ exp(−xᵀAx/T), a Bingham law, by quadrature.

Of all densities on the sphere, the Gibbs law is the one that minimises F = U − T·S (U = E_p[xᵀAx], S the
Shannon entropy w.r.t. area), and for any other density p, F(p) − F(p_T) = T·KL(p ‖ p_T). So a stationary law
of SGD that "minimises the free energy" at temperature T must *be* p_T; comparing an SGD cloud with p_T at the
inferred T is a falsifiable test of the framework, stronger than asking whether the cloud is the best of the
clouds SGD itself produced.

U and S come from a 2-D quadrature in spherical coordinates around the eigenvector of the smallest eigenvalue:
Gauss–Legendre panels in the polar angle, graded towards the pole so that laws of width √T are resolved down to
T ~ 1e-8, and the trapezoidal rule (spectrally accurate for periodic integrands) in the azimuth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize


def _frame(A: np.ndarray):
    A = np.asarray(A, dtype=np.float64)
    if A.shape != (3, 3) or not np.allclose(A, A.T):
        raise ValueError(f"A must be a symmetric 3×3 matrix, got shape {A.shape}")
    lam, vec = np.linalg.eigh(A)
    return lam, vec


@dataclass(frozen=True)
class GibbsState:
    """U, S and log Z (of exp(−L/T) over the unit sphere, w.r.t. area) of the Gibbs law at temperature T."""

    T: float
    U: float
    S: float
    log_z: float


def _nodes(T: float, gap: float, n_theta: int, n_phi: int):
    """Quadrature nodes (θ, φ) and weights over the upper hemisphere around the pole."""
    width = np.sqrt(T / max(gap, 1e-300))
    edges = np.unique(np.clip(np.concatenate([[0.0], width * np.geomspace(1e-2, 1e3, 16), [np.pi / 2]]),
                              0, np.pi / 2))
    g, w = np.polynomial.legendre.leggauss(n_theta)
    lo, hi = edges[:-1, None], edges[1:, None]
    theta = (lo + (hi - lo) * (g + 1) / 2).ravel()
    w_theta = ((hi - lo) / 2 * w).ravel()
    phi = np.arange(n_phi) * 2 * np.pi / n_phi
    return theta, w_theta, phi, np.full(n_phi, 2 * np.pi / n_phi)


def gibbs_state(A, T: float, *, n_theta: int = 24, n_phi: int = 128) -> GibbsState:
    """U = E[xᵀAx], S = −E[log p] and log Z of p_T ∝ exp(−xᵀAx/T) on S², by quadrature."""
    if not np.isfinite(T) or T <= 0:
        raise ValueError(f"T must be positive and finite, got {T!r}")
    lam, _ = _frame(A)
    shifted = lam - lam[0]  # L − L_min in the eigenbasis: 0 along the pole, shifted[1], shifted[2] around it
    theta, w_theta, phi, w_phi = _nodes(T, shifted[1] if shifted[1] > 0 else shifted[2], n_theta, n_phi)
    s2 = np.sin(theta)[:, None] ** 2
    excess = s2 * (shifted[1] * np.cos(phi)[None, :] ** 2 + shifted[2] * np.sin(phi)[None, :] ** 2)
    weight = np.sin(theta)[:, None] * w_theta[:, None] * w_phi[None, :]
    boltzmann = np.exp(-excess / T) * weight
    z_half = boltzmann.sum()
    mean_excess = float((boltzmann * excess).sum() / z_half)
    log_z = float(np.log(2 * z_half) - lam[0] / T)  # both hemispheres (the law is even in x)
    U = float(lam[0] + mean_excess)
    return GibbsState(float(T), U, log_z + U / T, log_z)


def gibbs_states(A, temperatures) -> list[GibbsState]:
    return [gibbs_state(A, float(T)) for T in np.asarray(temperatures, dtype=np.float64).ravel()]


def loss_temperature(A, U: float) -> float:
    """The T whose Gibbs law has mean loss U (U rises with T from λ_min to tr(A)/3); nan outside that range."""
    lam, _ = _frame(A)
    if not lam[0] < U < lam.mean():
        return float("nan")
    f = lambda log_t: gibbs_state(A, float(np.exp(log_t))).U - U
    return float(np.exp(optimize.brentq(f, np.log(1e-10), np.log(1e4), xtol=1e-10)))


def kl_to_gibbs(U: float, S: float, state: GibbsState) -> float:
    """KL(p ‖ p_T) = [F(p) − F(p_T)]/T from a law's U and S (exact identity; ≥ 0 up to estimation error)."""
    return (U - state.U) / state.T - (S - state.S)


def sample_gibbs(A, T: float, n: int, rng: np.random.Generator, *, max_proposals: int = 5 * 10**7) -> np.ndarray:
    """n exact draws of p_T on S² by rejection from the uniform law (acceptance exp(−(L − L_min)/T)).

    The acceptance rate is about T/(2√(ab)) for a law concentrated at the poles (a, b the gaps of A's
    eigenvalues above the smallest), so this is for moderate T (≳ 1e-3 on the UP toy), not for tiny ones.
    """
    lam, vec = _frame(A)
    if T <= 0 or n < 1:
        raise ValueError("need T > 0 and n ≥ 1")
    out = np.empty((0, 3))
    proposed = 0
    while len(out) < n:
        m = min(max(4 * (n - len(out)), 10_000), 2_000_000)
        u = rng.normal(size=(m, 3))
        x = u / np.linalg.norm(u, axis=1, keepdims=True)  # uniform on the sphere
        excess = (x @ vec) ** 2 @ (lam - lam[0])
        keep = rng.random(m) < np.exp(-excess / T)
        out = np.concatenate([out, x[keep]])
        proposed += m
        if proposed > max_proposals:
            raise RuntimeError(f"rejection sampling of the Gibbs law at T = {T:g} needs more than {max_proposals} "
                               "proposals; use a larger T")
    return out[:n]
