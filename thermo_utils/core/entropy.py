"""Differential entropy of weight samples: nearest-neighbour estimators and the closed forms that test them.

- :func:`knn_graph_entropy` is the estimator of Sadrtdinov et al. (2025): the total length of the k-NN graph,
  S = d·[log Σ_i Σ_{m≤k} ρ_{i,(m)} − ((d−1)/d)·log N], with its additive constant dropped. Total edge length
  of a k-NN graph converges to a constant times ∫ f^{(d−1)/d} (Beardwood–Halton–Hammersley), so S is, up to a
  constant, the Rényi entropy of order α = (d−1)/d: the Shannon entropy only as d grows. Differences across
  learning rates are what the free energy needs; for scale changes Rényi and Shannon differences agree.
- :func:`kozachenko_leonenko` (in R^d) and :func:`sphere_kozachenko_leonenko` (on S^d, geodesic caps as the
  local volumes) are normalised Shannon estimators; on the sphere it is exactly unbiased for the uniform law.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from sklearn.neighbors import NearestNeighbors


def _points(points, k: int) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2:
        raise ValueError(f"points must be a 2-D array (n_samples, n_coordinates), got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("points contain non-finite values")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if len(points) <= k:
        raise ValueError(f"need more than k = {k} samples, got {len(points)}")
    return points


def neighbour_distances(points: np.ndarray, k: int) -> np.ndarray:
    """Euclidean distances from each point to its k nearest other points, shape (n, k), ascending."""
    algorithm = "kd_tree" if points.shape[1] <= 16 else "brute"
    search = NearestNeighbors(n_neighbors=k + 1, algorithm=algorithm).fit(points)
    distances, _ = search.kneighbors(points)
    return distances[:, 1:]


def knn_graph_entropy(points, k: int = 50, dim: int | None = None) -> float:
    """The authors' k-NN-graph entropy (constant dropped) of samples in ``dim`` intrinsic dimensions.

    ``dim`` defaults to the number of coordinates; for samples on a sphere in R^D pass ``dim = D − 1``.
    Returns −inf when every neighbour distance is zero (all samples equal: a converged run).
    """
    points = _points(points, k)
    dim = points.shape[1] if dim is None else int(dim)
    if dim < 1:
        raise ValueError(f"dim must be ≥ 1, got {dim}")
    total = float(neighbour_distances(points, k).sum())
    if total == 0.0:
        return -np.inf
    n = len(points)
    return dim * (np.log(total) - (dim - 1) / dim * np.log(n))


def log_ball_volume(dim: int) -> float:
    """log of the volume of the unit ball in R^dim."""
    return dim / 2 * np.log(np.pi) - special.gammaln(dim / 2 + 1)


def kozachenko_leonenko(points, k: int = 1) -> float:
    """Kozachenko–Leonenko Shannon entropy (nats) of samples in R^d: ψ(N) − ψ(k) + log V_d + d·mean log ε_k."""
    points = _points(points, k)
    n, dim = points.shape
    eps = neighbour_distances(points, k)[:, -1]
    if np.any(eps == 0):
        raise ValueError("duplicate samples: the Kozachenko–Leonenko estimator needs distinct points")
    return float(special.digamma(n) - special.digamma(k) + log_ball_volume(dim) + dim * np.mean(np.log(eps)))


def log_sphere_area(dim: int) -> float:
    """log |S^dim|, the area of the unit sphere of intrinsic dimension ``dim`` (in R^{dim+1})."""
    return np.log(2.0) + (dim + 1) / 2 * np.log(np.pi) - special.gammaln((dim + 1) / 2)


def log_cap_area(theta, dim: int) -> np.ndarray:
    """log area of a geodesic cap of angular radius θ on S^dim: |S^{dim−1}| ∫_0^θ sin^{dim−1}.

    With s = sin θ, ∫_0^θ sin^{d−1} = (s^d/d)·₂F₁(½, d/2; d/2+1; s²) for θ ≤ π/2 (stable for any d); larger
    caps are the whole sphere minus the opposite cap.
    """
    theta = np.asarray(theta, dtype=np.float64)
    d = dim

    def log_small(t):
        s = np.sin(t)
        with np.errstate(divide="ignore"):  # a cap of radius 0 (θ = π below) has log area −inf
            return d * np.log(s) - np.log(d) + np.log(special.hyp2f1(0.5, d / 2, d / 2 + 1, s**2))

    log_half = special.betaln(d / 2, 0.5) - np.log(2.0)  # ∫_0^{π/2} sin^{d−1}
    small = theta <= np.pi / 2
    out = np.empty_like(theta)
    out[small] = log_small(theta[small])
    if np.any(~small):
        rest = log_small(np.pi - theta[~small])
        out[~small] = np.log(2.0) + log_half + np.log1p(-0.5 * np.exp(rest - log_half))
    return log_sphere_area(d - 1) + out


def sphere_kozachenko_leonenko(points, k: int = 1) -> float:
    """Shannon entropy (nats, w.r.t. surface area) of unit vectors in R^{d+1}, i.e. on S^d.

    Kozachenko–Leonenko with the area of the geodesic cap reaching the k-th neighbour as the local volume:
    ψ(N) − ψ(k) + mean log A_d(θ_k). For the uniform law the cap's mass is Beta(k, N−k+1), so the estimate
    is unbiased there (log |S^d|) at any N.
    """
    points = _points(points, k)
    norms = np.linalg.norm(points, axis=1)
    if np.max(np.abs(norms - 1)) > 1e-6:
        raise ValueError("sphere_kozachenko_leonenko needs unit vectors (rows of norm 1)")
    n, dim = len(points), points.shape[1] - 1
    chord = neighbour_distances(points, k)[:, -1]
    if np.any(chord == 0):
        raise ValueError("duplicate samples: the Kozachenko–Leonenko estimator needs distinct points")
    theta = 2 * np.arcsin(np.clip(chord / 2, 0, 1))
    return float(special.digamma(n) - special.digamma(k) + np.mean(log_cap_area(theta, dim)))


# ---- closed forms (oracles for the tests and for the free-energy validation) ----

def gaussian_entropy(sigma: float, dim: int) -> float:
    """Shannon entropy of N(0, σ² I_d)."""
    return dim / 2 * np.log(2 * np.pi * np.e * sigma**2)


def vmf_log_normaliser(kappa, p: int):
    """log C_p(κ) of the von Mises–Fisher density C_p(κ) exp(κ μᵀx) on S^{p−1} ⊂ R^p (w.r.t. area)."""
    kappa = np.asarray(kappa, dtype=np.float64)
    v = p / 2 - 1
    return v * np.log(kappa) - p / 2 * np.log(2 * np.pi) - (np.log(special.ive(v, kappa)) + kappa)


def vmf_mean_cosine(kappa, p: int):
    """A_p(κ) = E[μᵀx] = I_{p/2}(κ) / I_{p/2−1}(κ)."""
    kappa = np.asarray(kappa, dtype=np.float64)
    return special.ive(p / 2, kappa) / special.ive(p / 2 - 1, kappa)


def vmf_entropy(kappa, p: int):
    """Shannon entropy of vMF(κ) on S^{p−1} ⊂ R^p: −log C_p(κ) − κ A_p(κ)."""
    return -vmf_log_normaliser(kappa, p) - np.asarray(kappa) * vmf_mean_cosine(kappa, p)


def vmf_renyi_entropy(kappa, p: int, alpha: float):
    """Rényi entropy of order α of vMF(κ) on S^{p−1}: ∫ f^α = C(κ)^α / C(ακ)."""
    log_integral = alpha * vmf_log_normaliser(kappa, p) - vmf_log_normaliser(alpha * np.asarray(kappa), p)
    return log_integral / (1 - alpha)


def sample_vmf(kappa: float, p: int, n: int, rng: np.random.Generator, mean=None) -> np.ndarray:
    """n draws of vMF(κ) on S^{p−1} (Wood's rejection sampler; exact inversion on S²)."""
    mean = np.eye(p)[0] if mean is None else np.asarray(mean, dtype=np.float64) / np.linalg.norm(mean)
    if p == 3:
        u = rng.random(n)
        w = 1 + np.log(u + (1 - u) * np.exp(-2 * kappa)) / kappa
    else:
        b = (p - 1) / (2 * kappa + np.sqrt(4 * kappa**2 + (p - 1) ** 2))
        x0 = (1 - b) / (1 + b)
        c = kappa * (1 - b) / (1 + b) + (p - 1) * np.log(1 - ((1 - b) / (1 + b)) ** 2)
        w = np.empty(n)
        filled = 0
        while filled < n:
            z = rng.beta((p - 1) / 2, (p - 1) / 2, 2 * (n - filled))
            cand = (1 - (1 + b) * z) / (1 - (1 - b) * z)
            ok = kappa * cand + (p - 1) * np.log(1 - x0 * cand) - c >= np.log(rng.random(len(z)))
            take = cand[ok][: n - filled]
            w[filled:filled + len(take)] = take
            filled += len(take)
    v = rng.normal(size=(n, p))
    v -= (v @ mean)[:, None] * mean
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return w[:, None] * mean + np.sqrt(np.clip(1 - w**2, 0, None))[:, None] * v
