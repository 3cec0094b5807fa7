"""Three more exactly solvable SGD models, for the regimes the later chapters meet. NumPy, on the CPU.

- :func:`interpolation_chains` — noise that vanishes at the minimum (every example shares it, σ² ∝ (w − w*)²):
  ℓ_n(w) = ½ h_n (w − w*)², so u ← (1 − η h̄_B) u and E[u_t²] = ρ^t u_0² with ρ = (1 − η h)² + η² s²/B
  (h, s² the mean and variance of h_n). The temperature decays to zero: the collapse of the over-parameterised
  regime of the free-energy chapter.
- :func:`position_walk` — the unbiased walk q ← q − η g(q) ζ, ζ = ±1, of the thermophoresis chapter, on a circle.
  Its continuum limit ∂_t ρ = ½ ∂²(η² g² ρ) has the stationary density ρ ∝ g^−2: walkers gather where the
  temperature (ηg/2)² is low.
- :func:`linear_drift_chains` — u ← u − η A u + η ξ in 2-D with anisotropic noise Cov ξ = Σ: the stationary
  covariance C solves C = M C Mᵀ + η² Σ (M = I − ηA), and the lag-one covariance M C is not symmetric unless the
  dynamics is reversible; its antisymmetric part, E[u_t × u_{t+1}], is the probability current that drives the
  limit cycles of the diffusion chapter.
"""

from __future__ import annotations

import numpy as np

# --- vanishing, multiplicative noise ----------------------------------------------------------------------------

def interpolation_rate(eta, batch, h_mean, h_var):
    """ρ = E[(1 − η h̄_B)²] = (1 − η h)² + η² s²/B, the factor of E[u²] per step."""
    eta = np.asarray(eta, float)
    return (1 - eta * h_mean) ** 2 + eta**2 * h_var / batch


def interpolation_chains(eta: float, batch: int, curvatures: np.ndarray, n_chains: int, n_steps: int,
                         rng: np.random.Generator, u0: float = 1.0) -> dict:
    """E[u_t²] and the per-step temperature over ``n_steps`` for ``n_chains`` chains (minibatches of the
    per-example curvatures ``curvatures``, drawn with replacement). Returns per-step chain means and their
    standard errors, and the exact curves."""
    curvatures = np.asarray(curvatures, float)
    u = np.full(n_chains, float(u0))
    u2 = np.empty((n_steps, n_chains))
    v2 = np.empty((n_steps, n_chains))
    for t in range(n_steps):
        hb = curvatures[rng.integers(0, len(curvatures), size=(n_chains, batch))].mean(axis=1)
        step = -eta * hb * u
        v2[t] = step**2
        u = u + step
        u2[t] = u**2
    rho = float(interpolation_rate(eta, batch, curvatures.mean(), curvatures.var()))
    t = np.arange(1, n_steps + 1)
    g2 = curvatures.mean() ** 2 + curvatures.var() / batch  # E[h̄_B²]
    return {"u2": u2.mean(axis=1), "u2_se": u2.std(axis=1, ddof=1) / np.sqrt(n_chains),
            "T": 0.5 * v2.mean(axis=1), "T_se": 0.5 * v2.std(axis=1, ddof=1) / np.sqrt(n_chains),
            "u2_exact": rho**t * u0**2, "T_exact": 0.5 * eta**2 * g2 * rho ** (t - 1) * u0**2, "rho": rho,
            "log_u2": np.log(u2).mean(axis=1), "typical_rate": float(np.mean(np.log((1 - eta * curvatures) ** 2)))}


# --- position-dependent noise ----------------------------------------------------------------------------------

def walk_g(q, amplitude: float):
    """g(q) = 1 + a sin q on the circle [0, 2π)."""
    return 1 + amplitude * np.sin(q)


def walk_density(edges, amplitude: float) -> np.ndarray:
    """The probability of each bin under ρ ∝ g^−2, normalised by the closed-form total 2π/(1 − a²)^{3/2}
    (|a| < 1); each bin's integral by adaptive quadrature."""
    from scipy.integrate import quad

    edges = np.asarray(edges, float)
    total = 2 * np.pi / (1 - amplitude**2) ** 1.5
    mass = [quad(lambda q: walk_g(q, amplitude) ** -2, lo, hi)[0] for lo, hi in zip(edges[:-1], edges[1:])]
    return np.asarray(mass) / total


def _sample_stationary(n: int, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Draws from ρ ∝ g^−2 on the circle by inverting its cumulative distribution on a fine grid."""
    fine = np.linspace(0, 2 * np.pi, 20001)
    mid = 0.5 * (fine[1:] + fine[:-1])
    cdf = np.concatenate([[0.0], np.cumsum(np.diff(fine) / walk_g(mid, amplitude) ** 2)])
    return np.interp(rng.uniform(0, cdf[-1], n), cdf, fine)


def position_walk(eta: float, amplitude: float, n_walkers: int, n_steps: int, burn_in: int, every: int,
                  n_bins: int, rng: np.random.Generator) -> dict:
    """Walkers on the circle with steps ±η g(q); per-walker histograms of the recorded positions.

    Returns the bin edges, the mean histogram (fractions), its standard error over walkers, and the exact one.
    """
    if not 0 <= amplitude < 1:
        raise ValueError(f"amplitude must lie in [0, 1) so that g > 0, got {amplitude}")
    q = _sample_stationary(n_walkers, amplitude, rng)  # so that the burn-in only has to forget the draw
    edges = np.linspace(0, 2 * np.pi, n_bins + 1)
    counts = np.zeros((n_walkers, n_bins))
    rows = np.arange(n_walkers)
    for t in range(burn_in + n_steps):
        q = np.mod(q - eta * walk_g(q, amplitude) * rng.choice((-1.0, 1.0), n_walkers), 2 * np.pi)
        if t >= burn_in and (t - burn_in) % every == 0:
            counts[rows, np.minimum((q / (2 * np.pi) * n_bins).astype(int), n_bins - 1)] += 1
    frac = counts / counts.sum(axis=1, keepdims=True)
    return {"edges": edges, "density": frac.mean(axis=0), "se": frac.std(axis=0, ddof=1) / np.sqrt(n_walkers),
            "exact": walk_density(edges, amplitude)}


# --- a 2-D linear drift with anisotropic noise ----------------------------------------------------------------------

def stationary_covariance(eta: float, A: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """C = M C Mᵀ + η² Σ with M = I − ηA, solved exactly (a linear system in the entries of C)."""
    A, Sigma = np.asarray(A, float), np.asarray(Sigma, float)
    d = len(A)
    M = np.eye(d) - eta * A
    if np.max(np.abs(np.linalg.eigvals(M))) >= 1:
        raise ValueError("the linear drift is unstable at this learning rate (a spectral radius of I − ηA ≥ 1)")
    vec = np.linalg.solve(np.eye(d * d) - np.kron(M, M), (eta**2 * Sigma).ravel())
    return vec.reshape(d, d)


def current(eta: float, A: np.ndarray, Sigma: np.ndarray) -> float:
    """E[u_t × u_{t+1}] = E[u1_t u2_{t+1} − u2_t u1_{t+1}] = (MC)_{21} − (MC)_{12} at stationarity."""
    M = np.eye(len(A)) - eta * np.asarray(A, float)
    lag = M @ stationary_covariance(eta, A, Sigma)  # Cov(u_{t+1}, u_t)
    return float(lag[1, 0] - lag[0, 1])


def linear_drift_chains(eta: float, A, Sigma, n_chains: int, n_steps: int, burn_in: int,
                        rng: np.random.Generator) -> dict:
    """Simulate u ← u − ηAu + ηξ (ξ Gaussian, Cov Σ) and measure the stationary covariance and the current,
    as per-chain time averages (mean and standard error over chains)."""
    A, Sigma = np.asarray(A, float), np.asarray(Sigma, float)
    M = np.eye(2) - eta * A
    L = np.linalg.cholesky(Sigma)
    u = np.zeros((n_chains, 2))
    cov = np.zeros((n_chains, 2, 2))
    cross = np.zeros(n_chains)
    for t in range(burn_in + n_steps):
        new = u @ M.T + eta * rng.standard_normal((n_chains, 2)) @ L.T
        if t >= burn_in:
            cross += u[:, 0] * new[:, 1] - u[:, 1] * new[:, 0]
            cov += new[:, :, None] * new[:, None, :]
        u = new
    cross, cov = cross / n_steps, cov / n_steps
    return {"current": float(cross.mean()), "current_se": float(cross.std(ddof=1) / np.sqrt(n_chains)),
            "covariance": cov.mean(axis=0), "covariance_se": cov.std(axis=0, ddof=1) / np.sqrt(n_chains),
            "current_exact": current(eta, A, Sigma), "covariance_exact": stationary_covariance(eta, A, Sigma)}


def run_regimes(seed: int, n_chains: int) -> dict:
    """The three models at the chapter's settings, with ``n_chains`` chains (walkers) each (a sweep point)."""
    from thermo_utils.core.seeding import numpy_rng

    rng = numpy_rng(seed, 20)
    curv = rng.uniform(0.2, 1.8, 256)  # per-example curvatures: mean ≈ 1, all share the minimum
    interp = interpolation_chains(0.3, 4, curv, n_chains, 20, numpy_rng(seed, 21))
    walk = position_walk(0.05, 0.5, n_chains, 16000, 8000, 80, 12, numpy_rng(seed, 22))
    A = np.array([[1.0, 2.0], [0.0, 0.5]])  # non-normal drift
    Sigma = np.array([[1.0, 0.0], [0.0, 0.1]])  # anisotropic noise
    drift = linear_drift_chains(0.1, A, Sigma, n_chains, 2000, 300, numpy_rng(seed, 23))
    control = linear_drift_chains(0.1, np.array([[1.0, 0.0], [0.0, 0.5]]), np.eye(2) * 0.55, n_chains, 2000, 300,
                                  numpy_rng(seed, 24))
    return {"interpolation": interp, "walk": walk, "drift": drift, "drift_control": control}
