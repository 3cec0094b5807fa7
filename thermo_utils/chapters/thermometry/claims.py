"""Every claim of the `thermometry` chapter, declared once: statement, kind, thresholds and rule.

The notebook only measures; the verdicts are computed here from its ``measured`` dicts.
"""

from __future__ import annotations

from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("thermometry")


# --- the exactly solvable quadratic -------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="check", source="theory section",
    statement=r"simulated per-step T equals $\eta^2\sigma^2/(B(2-\eta h))$ on the whole grid of $\eta$, $B$, $h$",
    paper="exact (derived here)",
    criterion="largest relative error over the grid < tolerance = {tolerance:g}",
    thresholds={"tolerance": 0.05}, section="thermo-theory")
def closed_form_per_step(m, t):
    return m["max_rel_error"] < t.tolerance


@CLAIMS.claim(
    kind="implied", source="theory section, lags",
    statement=r"$T(\eta)$ has exponent 2 per step and an exponent falling towards 1 at long lags",
    paper="2 at short lags, 1 at long lags (derived here)",
    criterion="|a(k=1) − 2| < {lag1_tol:g}, a(longest lag) < {longest_max:g}, and a non-increasing in k "
              "(to {rise_max:g})",
    thresholds={"lag1_tol": 0.1, "longest_max": 1.3, "rise_max": 0.05, "ci_width_max": 0.3},
    section="thermo-lags")
def lag_exponent(m, t):
    return (abs(m["exponent_lag1"] - 2) < t.lag1_tol and m["exponent_longest_lag"] < t.longest_max
            and m["largest_rise"] < t.rise_max)


@lag_exponent.gated("the widest 95 % interval of the exponent over every lag is narrower than {ci_width_max:g}")
def _(m, t):
    return m["exponent_ci_width_max"] < t.ci_width_max


@CLAIMS.claim(
    kind="implied", source="theory section, batch size",
    statement=r"$T \propto 1/B$", paper="T ∝ 1/B (derived here)",
    criterion="every fitted exponent of T in B lies within −1 ± {tol:g}",
    thresholds={"tol": 0.05}, section="thermo-batch")
def inverse_batch(m, t):
    return abs(m["exponent_min"] + 1) < t.tol and abs(m["exponent_max"] + 1) < t.tol


@CLAIMS.claim(
    kind="implied", source="theory section, ζ",
    statement=r"$\zeta=\eta/(2B)$ predicts the spread of the weights ($\eta h \ll 1$), not the per-step kinetic "
              r"temperature, which grows as $\eta\,\zeta$",
    paper="Chaudhari & Soatto: ζ = η/(2B) is the temperature",
    criterion="max |Var·h/(σ²ζ) − 1| over ηh ≤ 0.05 < tolerance = {tolerance:g}; exponents in η: Var within "
              "1 ± {var_exp_tol:g}, T > {t_exp_min:g}",
    thresholds={"tolerance": 0.05, "var_exp_tol": 0.1, "t_exp_min": 1.8}, section="thermo-zeta")
def zeta_configurational(m, t):
    return (m["max_rel_dev_spread_vs_zeta"] < t.tolerance and abs(m["exponent_var_eta"] - 1) < t.var_exp_tol
            and m["exponent_T_eta"] > t.t_exp_min)


@zeta_configurational.gated("the grid has at least one cell with ηh ≤ 0.05")
def _(m, t):
    return m["cells_with_small_eta_h"] > 0


# --- the network ----------------------------------------------------------------------------------------------------

_NETWORK_GATE = ("at least one layer is fitted, the 95 % intervals are narrower than {ci_max:g} and the training "
                 "loss drifts less than {drift_max:.0%} over the measured epochs")


def _fits_decidable(m, t):
    return m["n_layers_fitted"] > 0 and m["widest_ci"] < t.ci_max and m["loss_drift"] < t.drift_max


@CLAIMS.claim(
    kind="beyond", source="network section",
    statement="on an MLP with SGD, per-step layer temperatures grow as η², per-epoch ones more slowly",
    paper="η² per step (quadratic model); paper 000 reports ≈ 2 for a linear layer per epoch",
    criterion="every layer's per-step exponent within 2 ± {exp_tol:g}, and its per-epoch exponent smaller",
    thresholds={"exp_tol": 0.25, "ci_max": 1.0, "drift_max": 0.1}, section="thermo-network")
def network_eta_exponent(m, t):
    return (all(abs(a - 2) < t.exp_tol for a in m["per_step"].values())
            and all(m["per_epoch"][layer] < m["per_step"][layer] for layer in m["per_step"]))


network_eta_exponent.gated(_NETWORK_GATE)(_fits_decidable)


@CLAIMS.claim(
    kind="beyond", source="network section",
    statement="on an MLP with SGD, per-step layer temperatures fall as 1/B",
    paper="1/B (quadratic model); paper 000 reports T linear in 1/B",
    criterion="every layer's exponent of T in B within −1 ± {exp_tol:g}",
    thresholds={"exp_tol": 0.25, "ci_max": 1.0, "drift_max": 0.1}, section="thermo-network")
def network_inverse_batch(m, t):
    return all(abs(b + 1) < t.exp_tol for b in m["exponent_in_B"].values())


network_inverse_batch.gated(_NETWORK_GATE)(_fits_decidable)


@CLAIMS.claim(
    kind="beyond", source="network section",
    statement="with Adam the per-step layer temperatures also grow as η²",
    paper="not stated; Adam's steps are η times a normalised gradient",
    criterion="every layer's per-step exponent within 2 ± {exp_tol:g}",
    thresholds={"exp_tol": 0.25, "ci_max": 1.0, "drift_max": 0.1}, section="thermo-network")
def adam_eta_exponent(m, t):
    return all(abs(a - 2) < t.exp_tol for a in m["per_step"].values())


adam_eta_exponent.gated(_NETWORK_GATE)(_fits_decidable)
