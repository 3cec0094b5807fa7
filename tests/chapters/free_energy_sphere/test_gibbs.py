"""The Gibbs (Bingham) law on S² by quadrature, against closed forms and against exact samples."""

import numpy as np
import pytest
from scipy import integrate

from thermo_utils.chapters.free_energy_sphere import gibbs, sphere
from thermo_utils.core.entropy import sphere_kozachenko_leonenko


@pytest.mark.parametrize("T", [1e-6, 1e-3, 0.1, 10.0])
def test_watson_law_closed_form(T):
    """L = λ(1 − z²): Z = 2π ∫ exp(−λ(1 − u²)/T) du, a 1-D integral."""
    lam = 0.5
    state = gibbs.gibbs_state(np.diag([lam, lam, 0.0]), T)
    if T >= 1e-3:
        z = 2 * np.pi * integrate.quad(lambda u: np.exp(-lam * (1 - u * u) / T), -1, 1, epsrel=1e-12)[0]
    else:  # Laplace limit: two caps, each ∫ exp(−2λ(1 − u)/T) du = T/(2λ)
        z = 2 * np.pi * T / lam
    assert state.log_z == pytest.approx(np.log(z), rel=1e-6, abs=1e-6)


def test_limits_uniform_and_equipartition():
    A = sphere.second_moment(sphere.DATASETS["UP"]())
    lam = np.linalg.eigvalsh(A)
    hot = gibbs.gibbs_state(A, 1e4)
    assert hot.S == pytest.approx(np.log(4 * np.pi), abs=1e-4) and hot.U == pytest.approx(lam.mean(), abs=1e-4)
    for T in (1e-7, 1e-5):  # two tangent degrees of freedom: U − L_min = T, S = log(2 · πT/√(ab)) + 1
        cold = gibbs.gibbs_state(A, T)
        assert cold.U - lam[0] == pytest.approx(T, rel=1e-3)
        gaps = lam[1:] - lam[0]
        assert cold.S == pytest.approx(np.log(2 * np.pi * T / np.sqrt(gaps.prod())) + 1, abs=1e-3)


def test_free_energy_identity_and_loss_temperature():
    A = sphere.second_moment(sphere.DATASETS["UP"]())
    s1, s2 = gibbs.gibbs_state(A, 0.01), gibbs.gibbs_state(A, 0.02)
    assert gibbs.kl_to_gibbs(s1.U, s1.S, s1) == pytest.approx(0, abs=1e-12)
    assert gibbs.kl_to_gibbs(s2.U, s2.S, s1) > 0  # another Gibbs law is not the minimiser at T = 0.01
    assert gibbs.loss_temperature(A, s2.U) == pytest.approx(0.02, rel=1e-6)
    assert np.isnan(gibbs.loss_temperature(A, 0.01))


def test_samples_follow_the_law():
    A = sphere.second_moment(sphere.DATASETS["UP"]())
    rng = np.random.default_rng(0)
    T = 0.01
    x = gibbs.sample_gibbs(A, T, 4000, rng)
    state = gibbs.gibbs_state(A, T)
    loss = sphere.full_loss(x, sphere.DATASETS["UP"]())
    assert loss.mean() == pytest.approx(state.U, abs=4 * loss.std() / np.sqrt(4000))
    assert sphere_kozachenko_leonenko(x, 3) == pytest.approx(state.S, abs=0.05)
    with pytest.raises(RuntimeError, match="larger T"):
        gibbs.sample_gibbs(A, 1e-7, 10, rng, max_proposals=10**5)
