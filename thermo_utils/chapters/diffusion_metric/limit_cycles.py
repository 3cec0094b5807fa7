"""Non-equilibrium SGD: a toy with a rotational probability current, and whiteness tests for increments.

Chaudhari & Soatto argue that with non-isotropic gradient noise SGD's stationary state carries a non-zero
probability current, so trajectories keep circulating (limit cycles) instead of settling. Their toy is a
double well Φ = (x₁² − 1)²/4 + x₂²/2 with the drift −∇Φ + j, where j = λ e^{Φ} e^{−r⁴/4} (−x₂, x₁): since
e^{−Φ} j is divergence-free, the stationary density stays e^{−Φ} (β = 1) for every λ while the current
e^{−Φ} j makes paths rotate. On networks, the evidence is that weight increments are not white noise.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats


# --------------------------------------------------------------------------- the toy
def potential(x: np.ndarray) -> np.ndarray:
    """Φ(x) = (x₁² − 1)²/4 + x₂²/2 for points x of shape (..., 2)."""
    return (x[..., 0] ** 2 - 1) ** 2 / 4 + x[..., 1] ** 2 / 2


def drift(x: np.ndarray, strength: float) -> np.ndarray:
    """−∇Φ(x) + λ e^{Φ − r⁴/4} (−x₂, x₁)."""
    x1, x2 = x[..., 0], x[..., 1]
    force = np.stack([-(x1**2 - 1) * x1, -x2], axis=-1)
    swirl = strength * np.exp(potential(x) - (x1**2 + x2**2) ** 2 / 4)
    return force + swirl[..., None] * np.stack([-x2, x1], axis=-1)


def simulate_toy(strength: float, *, paths: int, steps: int, dt: float, rng: np.random.Generator,
                 record_every: int = 1) -> np.ndarray:
    """Euler–Maruyama for dx = drift dt + √2 dW (β = 1), from points drawn near both wells.

    Returns recorded positions, shape (records, paths, 2)."""
    if dt <= 0 or dt > 0.05 or paths < 1 or steps < 1:
        raise ValueError(f"need 0 < dt ≤ 0.05, paths ≥ 1, steps ≥ 1; got dt={dt}, paths={paths}, steps={steps}")
    x = np.stack([rng.choice([-1.0, 1.0], paths), np.zeros(paths)], axis=1) + 0.3 * rng.standard_normal((paths, 2))
    out = [x.copy()]
    for k in range(1, steps + 1):
        x = x + drift(x, strength) * dt + np.sqrt(2 * dt) * rng.standard_normal(x.shape)
        if not np.isfinite(x).all():
            raise FloatingPointError(f"toy diverged at step {k} with dt = {dt:g}, λ = {strength:g}")
        if k % record_every == 0:
            out.append(x.copy())
    return np.stack(out)


def circulation_rate(trajectory: np.ndarray, dt: float) -> float:
    """⟨x₁ dx₂ − x₂ dx₁⟩/dt with midpoint (Stratonovich) products: the angular velocity of the current,
    read from consecutive positions of shape (steps, paths, 2)."""
    mid = 0.5 * (trajectory[1:] + trajectory[:-1])
    step = np.diff(trajectory, axis=0)
    return float(np.mean(mid[..., 0] * step[..., 1] - mid[..., 1] * step[..., 0]) / dt)


def expected_circulation(strength: float) -> float:
    """E_ρ[x₁j₂ − x₂j₁] under ρ ∝ e^{−Φ}: λ ∫ r² e^{−r⁴/4} dx / ∫ e^{−Φ} dx (the −∇Φ part averages to zero)."""
    numerator = 2 * np.pi * integrate.quad(lambda r: r**3 * np.exp(-(r**4) / 4), 0, np.inf)[0]
    partition = integrate.dblquad(lambda x2, x1: np.exp(-((x1**2 - 1) ** 2) / 4 - x2**2 / 2), -8, 8, -8, 8)[0]
    return strength * numerator / partition


def stationary_marginal(bins: np.ndarray) -> np.ndarray:
    """The density of x₁ under ρ ∝ e^{−Φ}, averaged over each bin (closed form up to quadrature)."""
    weight = lambda x1: np.exp(-((x1**2 - 1) ** 2) / 4)
    total = integrate.quad(weight, -8, 8)[0]
    return np.array([integrate.quad(weight, a, b)[0] / (b - a) / total for a, b in zip(bins[:-1], bins[1:])])


# --------------------------------------------------------------------------- whiteness of increments
def autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelation at lags 0..max_lag of each column of ``series`` (time first), by FFT."""
    series = np.asarray(series, dtype=float)
    if series.ndim == 1:
        series = series[:, None]
    n = len(series)
    if not 1 <= max_lag < n:
        raise ValueError(f"max_lag = {max_lag} must be in [1, {n - 1}]")
    centred = series - series.mean(0)
    if np.any(np.all(centred == 0, axis=0)):
        raise ValueError("a column is constant: its autocorrelation is undefined (drop it with moving_columns)")
    spectrum = np.fft.rfft(centred, n=2 * n, axis=0)
    acov = np.fft.irfft(np.abs(spectrum) ** 2, axis=0)[: max_lag + 1] / n
    return acov / acov[0]


def moving_columns(*series: np.ndarray) -> np.ndarray:
    """Indices of the columns whose increments vary in every series (a weight behind a dead ReLU never
    moves, and a constant series has no autocorrelation to test)."""
    keep = np.ones(series[0].shape[1], dtype=bool)
    for s in series:
        keep &= np.diff(np.asarray(s, dtype=float), axis=0).std(0) > 0
    return np.flatnonzero(keep)


def white_noise_band(n: int, level: float = 0.99) -> float:
    """Half-width of the band that a white series' autocorrelation (lag ≥ 1) stays in with probability ``level``."""
    return float(stats.norm.ppf(0.5 + level / 2) / np.sqrt(n))


def ljung_box_pvalues(series: np.ndarray, lags: int) -> np.ndarray:
    """Ljung–Box p-values (one per column) for the null hypothesis that the series is white noise."""
    n = len(series)
    rho = autocorrelation(series, lags)[1:]
    q = n * (n + 2) * np.sum(rho**2 / (n - np.arange(1, lags + 1))[:, None], axis=0)
    return stats.chi2.sf(q, lags)


def increment_power(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (cycles per step) and the mean power spectrum of the columns' increments, each column
    scaled to unit variance so that white increments give a flat spectrum at 1."""
    increments = np.diff(np.asarray(series, dtype=float), axis=0)
    increments = (increments - increments.mean(0)) / increments.std(0)
    power = np.abs(np.fft.rfft(increments, axis=0)) ** 2 / len(increments)
    return np.fft.rfftfreq(len(increments)), power.mean(1)


def record_weights(module, x, y, *, lr: float, batch: int, steps: int, burn_in: int, tracked, generator,
                   isotropic_std=None) -> np.ndarray:
    """Train ``module`` at a constant rate for ``burn_in`` + ``steps`` steps and return the trajectory of the
    weights at flat indices ``tracked`` over the last ``steps`` steps, shape (steps, len(tracked)).

    Plain SGD (batches drawn with replacement) by default. With ``isotropic_std`` = σ, the control: the
    full-data gradient plus isotropic Gaussian noise, w ← w − η(∇L + σξ), an equilibrium process without
    probability current. σ may also be a flat tensor with one standard deviation per weight (a control matched
    per coordinate, e.g. √(diag D / B)).

    Runs where ``x`` lives (``module`` and ``generator`` must be there too); the trajectory is kept on that
    device and comes back to the CPU once, at the end.
    """
    import torch

    if not 1 <= batch <= len(x):
        raise ValueError(f"batch = {batch} must be in [1, {len(x)}]")
    total = sum(p.numel() for p in module.parameters())
    tracked = torch.as_tensor(tracked, device=x.device)
    if len(tracked) < 1 or int(tracked.min()) < 0 or int(tracked.max()) >= total:
        raise ValueError(f"tracked indices must lie in [0, {total - 1}]")
    params = list(module.parameters())
    if isinstance(isotropic_std, torch.Tensor):
        if isotropic_std.shape != (total,):
            raise ValueError(f"a per-weight noise scale must have shape ({total},), got {tuple(isotropic_std.shape)}")
        scales = [t.view_as(p) for t, p in zip(torch.split(isotropic_std.to(x.device), [p.numel() for p in params]),
                                               params)]
    else:
        scales = [isotropic_std] * len(params)
    out = torch.empty((steps, len(tracked)), dtype=torch.float64, device=x.device)
    for k in range(burn_in + steps):
        if isotropic_std is None:
            idx = torch.randint(len(x), (batch,), generator=generator, device=x.device)
            loss = torch.nn.functional.cross_entropy(module(x[idx]), y[idx])
        else:
            loss = torch.nn.functional.cross_entropy(module(x), y)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training diverged at step {k} with lr = {lr:g}")
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g, scale in zip(params, grads, scales):
                if isotropic_std is not None:
                    g = g + scale * torch.randn(g.shape, generator=generator, device=g.device)
                p -= lr * g
            if k >= burn_in:
                out[k - burn_in] = torch.cat([p.reshape(-1) for p in params])[tracked]
    return out.cpu().numpy()


def detrend(series: np.ndarray, degree: int = 3) -> np.ndarray:
    """Each column minus its least-squares polynomial in time of ``degree``: removes a slow drift of the mean
    (a net still training) while keeping every oscillation faster than the record."""
    series = np.asarray(series, dtype=float)
    t = np.linspace(-1, 1, len(series))
    basis = np.polynomial.legendre.legvander(t, degree)
    coef, *_ = np.linalg.lstsq(basis, series, rcond=None)
    return series - basis @ coef


def resolved_drift_share(series: np.ndarray, level: float = 0.99) -> float:
    """Share of columns whose net displacement over the record is resolved against a random walk with the same
    increments: |w_T − w_0| / (sd(increments)·√T) beyond the two-sided ``level`` quantile (≈ 1 − level for a
    stationary or freely diffusing weight; large when the weights still drift)."""
    increments = np.diff(np.asarray(series, dtype=float), axis=0)
    z = increments.sum(0) / (increments.std(0, ddof=1) * np.sqrt(len(increments)))
    return float(np.mean(np.abs(z) > stats.norm.ppf(0.5 + level / 2)))


def whiteness(series: np.ndarray, *, lags: int = 20, level: float = 0.01, max_lag: int = 200,
              nominal: float = 0.01) -> dict:
    """Ljung–Box whiteness of the increments of each column of ``series``: how many fail at ``level``, the
    one-sided binomial p-value of that count against the nominal rate, the one-sided 99 % upper (Clopper–Pearson)
    bound of the failing fraction, and the share of autocorrelations (lags
    1..max_lag) outside the 99 % band of a white series."""
    increments = np.diff(np.asarray(series, dtype=float), axis=0)
    failing = int(np.sum(ljung_box_pvalues(increments, lags) < level))
    tested = increments.shape[1]
    rho = autocorrelation(increments, min(max_lag, len(increments) - 1))[1:]
    return {"tested": tested, "failing": failing, "fraction_failing": failing / tested,
            "binomial_p_vs_nominal": float(stats.binomtest(failing, tested, nominal, alternative="greater").pvalue),
            "fraction_failing_upper_99": float(stats.beta.ppf(0.99, failing + 1, tested - failing)),
            "outside_band": float(np.mean(np.abs(rho) > white_noise_band(len(increments)))),
            "mean_autocorrelation": float(rho.mean())}


def excess_over_control(failing: int, tested: int, control_failing: int, control_tested: int) -> float:
    """One-sided Fisher exact p-value that the failing rate exceeds the control's."""
    table = [[failing, tested - failing], [control_failing, control_tested - control_failing]]
    return float(stats.fisher_exact(table, alternative="greater")[1])


def toy_summary(strength: float, paths: int, steps: int, dt: float, seed: int, bins: int = 40) -> dict:
    """One λ of the toy (a sweep point): the measured circulation with its standard error, the histogram
    of x₁ after a burn-in of a fifth of the run, and one path to draw."""
    rng = np.random.default_rng([seed, int(round(strength * 1000))])
    trajectory = simulate_toy(strength, paths=paths, steps=steps, dt=dt, rng=rng)
    settled = trajectory[steps // 5:]
    per_path = [circulation_rate(settled[:, i:i + 1], dt) for i in range(paths)]
    edges = np.linspace(-2.5, 2.5, bins + 1)
    density, _ = np.histogram(settled[..., 0].ravel(), bins=edges, density=False)
    density = density / (settled[..., 0].size * np.diff(edges))
    return {"strength": strength, "circulation": float(np.mean(per_path)),
            "circulation_se": float(np.std(per_path, ddof=1) / np.sqrt(paths)) if paths > 1 else float("nan"),
            "edges": edges, "density": density, "path": trajectory[-min(steps, 1500):, 0].copy()}
