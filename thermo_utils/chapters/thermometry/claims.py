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


def _critical_z(n_tests, alpha):
    from thermo_utils.chapters.thermometry.temperatures import family_critical_z

    return family_critical_z(n_tests, alpha)


_Z_CRITERION = ("every cell's |z| = |simulated − exact| / (standard error over chains) is below the Bonferroni "
                "critical value of the family at level {alpha:g}")
_PRECISION_GATE = "the median relative standard error is below {se_max:.0%} (the test has power)"


def _z_rule(m, t):
    return m["max_abs_z"] < _critical_z(m["cells"], t.alpha)


def _precise(m, t):
    return m["median_rel_se"] < t.se_max


@CLAIMS.claim(
    kind="check", source="theory section",
    statement=r"the simulated stationary variance equals $\eta\sigma^2/(B h (2-\eta h))$ on the whole grid",
    paper="exact (derived here)", criterion=_Z_CRITERION, thresholds={"alpha": 0.01, "se_max": 0.05},
    section="thermo-theory",
    note="Chains are independent, so the spread of their time averages is an honest standard error (the "
         "autocorrelation of each chain, about 1/(2ηh) steps in flat directions, included).")
def stationary_variance(m, t):
    return _z_rule(m, t)


stationary_variance.gated(_PRECISION_GATE)(_precise)


@CLAIMS.claim(
    kind="check", source="theory section, lags",
    statement=r"the simulated lagged square displacement equals $2\,\mathrm{Var}\,(1-(1-\eta h)^k)$ at every lag, "
              r"rate and curvature ($B = 1$)",
    paper="exact (derived here)", criterion=_Z_CRITERION, thresholds={"alpha": 0.01, "se_max": 0.05},
    section="thermo-lags")
def lagged_msd(m, t):
    return _z_rule(m, t)


lagged_msd.gated(_PRECISION_GATE)(_precise)


@CLAIMS.claim(
    kind="implied", source="theory section, lags",
    statement=r"per-step velocities give $T \propto \eta^2$ (flattest direction, $B = 1$)",
    paper="2 per step (derived here)",
    criterion="the 95 % interval of the fitted exponent at lag 1 (regression and bootstrap over chains) contains "
              "the exact formula's exponent and excludes 1 and 3",
    thresholds={"ci_width_max": 0.3}, section="thermo-lags",
    note="Rule rewritten after the first run (which used one decidability gate over every lag, where T(η) is no "
         "power law and the intervals are wide): each end is now judged on its own against the exact exponent. "
         "The exact exponent at lag 1 is slightly above 2 because of the factor 2/(2 − ηh). The interval is the union "
         "of the regression interval and a bootstrap over chains: the first smoke run showed that the regression "
         "interval alone ignores the sampling error of the points.")
def lag_exponent_per_step(m, t):
    lo, hi = m["ci_lag1"]
    return lo <= m["exact_lag1"] <= hi and lo > 1 and hi < 3


@lag_exponent_per_step.gated("the interval is narrower than {ci_width_max:g}")
def _(m, t):
    return m["ci_lag1"][1] - m["ci_lag1"][0] < t.ci_width_max


@CLAIMS.claim(
    kind="implied", source="theory section, lags",
    statement=r"over long lags ($k\eta h \gg 1$) the exponent of $T(\eta)$ falls to 1: the lagged temperature "
              r"measures the spread",
    paper="1 at long lags (derived here)",
    criterion="the 95 % interval of the fitted exponent at the longest lag (regression and bootstrap over chains) "
              "contains the exact formula's exponent and excludes 0 and 2",
    thresholds={"ci_width_max": 0.3}, section="thermo-lags",
    note="Rule rewritten after the first run, as for lag_exponent_per_step. At intermediate lags T(η) bends from "
         "slope 2 to slope 1 and no single exponent describes it; the figure shows the fitted exponents there.")
def lag_exponent_long(m, t):
    lo, hi = m["ci_longest"]
    return lo <= m["exact_longest"] <= hi and lo > 0 and hi < 2


@lag_exponent_long.gated("the interval is narrower than {ci_width_max:g}")
def _(m, t):
    return m["ci_longest"][1] - m["ci_longest"][0] < t.ci_width_max


@CLAIMS.claim(
    kind="implied", source="theory section, batch size",
    statement=r"$T \propto 1/B$", paper="T ∝ 1/B (derived here)",
    criterion="every fitted exponent of T in B lies within −1 ± {tol:g}",
    thresholds={"tol": 0.05}, section="thermo-batch")
def inverse_batch(m, t):
    return abs(m["exponent_min"] + 1) < t.tol and abs(m["exponent_max"] + 1) < t.tol


@CLAIMS.claim(
    kind="implied", source="theory section, ζ",
    statement=r"$\zeta=\eta/(2B)$ is the $\eta h \to 0$ limit of the spread of the weights: "
              r"$\mathrm{Var}\cdot h/\sigma^2 \to \zeta$",
    paper="Chaudhari & Soatto: ζ = η/(2B) is the temperature of the continuous-time model",
    criterion="the 95 % interval of the intercept at ηh = 0 of a weighted quadratic fit of Var·h/(σ²ζ) against ηh "
              "(cells with ηh ≤ {eta_h_max:g}, every batch size) contains 1",
    thresholds={"eta_h_max": 0.2, "half_width_max": 0.05}, section="thermo-zeta",
    note="Replaces the first run's rule (max |Var·h/(σ²ζ) − 1| < 5 % at ηh ≤ 0.05), which ignored the exact factor "
         "2/(2 − ηh) (2.6 % at ηh = 0.05) and the sampling error of the variance; it failed at 5.5 %. The limit is "
         "what the statement is about, so it is judged as an intercept. Var·h is also the free-energy temperature "
         "of one coordinate, so this is the relation T_F → σ²ζ of the four-temperature table.")
def zeta_spread_limit(m, t):
    lo, hi = m["intercept_ci"]
    return lo <= 1 <= hi


@zeta_spread_limit.gated("the interval's half-width is below {half_width_max:g}")
def _(m, t):
    return (m["intercept_ci"][1] - m["intercept_ci"][0]) / 2 < t.half_width_max


@CLAIMS.claim(
    kind="implied", source="theory section, ζ",
    statement=r"$\zeta$ is not the kinetic temperature: at equal $\zeta$ the per-step temperature grows in "
              r"proportion to $\eta$ ($T/\zeta \propto \eta$)",
    paper="Chaudhari & Soatto call ζ the temperature; the kinetic one is η·ζ·σ²·2/(2 − ηh)",
    criterion="the 95 % interval (regression and bootstrap over chains) of the exponent of T/(σ²ζ) in η, over every "
              "cell of the grid (flattest direction), contains the exact formula's exponent and excludes 0 (ζ as the "
              "kinetic temperature) and 2",
    thresholds={"ci_width_max": 0.3}, section="thermo-zeta",
    note="Replaces the first run's compound rule on the exponents of Var and T at B = 1; the exponent of T at B = 1 "
         "is judged by lag_exponent_per_step.")
def zeta_not_kinetic(m, t):
    lo, hi = m["exponent_ci"]
    return lo <= m["exact_exponent"] <= hi and lo > 0 and hi < 2


@zeta_not_kinetic.gated("the interval is narrower than {ci_width_max:g}")
def _(m, t):
    return m["exponent_ci"][1] - m["exponent_ci"][0] < t.ci_width_max


# --- four temperatures of one SGD -----------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="beyond", source="four temperatures (no paper makes this comparison)",
    statement=r"the kinetic temperature per step is $\eta$ times the free-energy temperature $h\,\mathrm{Var}$ of "
              r"each coordinate, at every $\eta h$",
    paper="paper 000's kinetic T and paper 004's free-energy T are not compared by either paper",
    criterion=_Z_CRITERION.replace("simulated − exact", "T_kin / (η h Var) − 1"),
    thresholds={"alpha": 0.01, "se_max": 0.05}, section="thermo-four")
def kinetic_is_eta_free_energy(m, t):
    return _z_rule(m, t)


kinetic_is_eta_free_energy.gated(_PRECISION_GATE)(_precise)


@CLAIMS.claim(
    kind="beyond", source="four temperatures; the estimator of paper 004",
    statement="the free-energy chapter's estimator (U − T·S minimised across learning rates), applied to the "
              "simulated stationary laws, gives the temperature it gives on the exact laws",
    paper="Sadrtdinov et al.: T from free-energy minimisation across rates",
    criterion="every interior rate and batch size: |simulated − exact| / (bootstrap sd over chains) below the "
              "Bonferroni critical value at level {alpha:g}",
    thresholds={"alpha": 0.01, "se_max": 0.1}, section="thermo-four",
    note="U and S are those of a Gaussian law with the measured variances (the stationary law is Gaussian for "
         "small ηh; U needs only the variance). On a coarse grid of rates the estimator's chord slopes differ from "
         "dU/dS by a known factor; the exact value is the estimator applied to the exact law, and the table shows "
         "dU/dS as well.")
def free_energy_estimator(m, t):
    return _z_rule(m, t)


free_energy_estimator.gated(_PRECISION_GATE)(_precise)


@CLAIMS.claim(
    kind="beyond", source="four temperatures",
    statement=r"the free-energy temperature parts from $\sigma^2\zeta$ by the factor $2/(2-\eta h)$ where $\eta h$ "
              r"is not small",
    paper="not stated by either paper",
    criterion="at the cell of largest ηh, Var·h/(σ²ζ) differs from 1 by more than {z_min:g} standard errors and "
              "from 2/(2 − ηh) by less than {z_min:g}",
    thresholds={"z_min": 3.0}, section="thermo-four")
def free_energy_parts_from_zeta(m, t):
    return m["z_vs_one"] > t.z_min and abs(m["z_vs_exact"]) < t.z_min


@CLAIMS.claim(
    kind="beyond", source="four temperatures; paper 002, appendix A.4",
    statement=r"the thermophoretic temperature $(\eta g/2)^2$ is $T_{\mathrm{kin}}\,(2-\eta h)/4$: half the kinetic "
              r"one where $\eta h \ll 1$",
    paper="Wei & Schwab: T = (ηg/2)², g the walk's standard deviation over η",
    criterion=_Z_CRITERION.replace("simulated − exact", "T_kin / T_th − 4/(2 − ηh)"),
    thresholds={"alpha": 0.01, "se_max": 0.05}, section="thermo-four",
    note="g² is the variance of the batch noise, σ²/B (the unbiased walk of eq. 5), measured from the noise drawn "
         "at each step; with the drift included, g² = E[v²]/η² and (ηg/2)² = T_kin/2 exactly.")
def thermophoretic_vs_kinetic(m, t):
    return _z_rule(m, t)


thermophoretic_vs_kinetic.gated(_PRECISION_GATE)(_precise)


# --- the regimes of the later chapters ------------------------------------------------------------------------------

@CLAIMS.claim(
    kind="beyond", source="exact models; the over-parameterised regime of paper 004",
    statement=r"with gradient noise that vanishes at the minimum ($\sigma^2 \propto (w-w^*)^2$, interpolation) the "
              r"temperature decays to zero as $\rho^t$, $\rho = (1-\eta h)^2 + \eta^2 s^2/B$",
    paper="Sadrtdinov et al.: in the over-parameterised regime the temperature collapses",
    criterion=_Z_CRITERION.replace("simulated − exact", "simulated T_t − exact T_t") + ", at every recorded step",
    thresholds={"alpha": 0.01, "se_max": 0.05}, section="thermo-regimes")
def interpolation_collapse(m, t):
    return _z_rule(m, t)


interpolation_collapse.gated(_PRECISION_GATE)(_precise)


@CLAIMS.claim(
    kind="beyond", source="exact models; paper 002, §3 and appendix A.4",
    statement=r"an unbiased walk with steps $\pm\eta g(q)$ has the stationary density $\propto g^{-2}$: it gathers "
              r"where its temperature $(\eta g/2)^2$ is low",
    paper="Wei & Schwab: mass flows from large g to small g (thermophoresis)",
    criterion=_Z_CRITERION.replace("simulated − exact", "simulated − exact bin mass") + ", over the bins of the circle",
    thresholds={"alpha": 0.01, "se_max": 0.05}, section="thermo-regimes",
    note="The density is the continuum limit of the walk; at the chapter's η = 0.05 its discreteness corrections are "
         "below the sampling error.")
def walk_density(m, t):
    return _z_rule(m, t)


walk_density.gated(_PRECISION_GATE)(_precise)


@CLAIMS.claim(
    kind="beyond", source="exact models; the limit cycles of paper 003",
    statement="with a non-normal linear drift and anisotropic noise, SGD's stationary law carries a probability "
              r"current: $\mathbb{E}[u_t \times u_{t+1}] = (MC)_{21} - (MC)_{12} \neq 0$",
    paper="Chaudhari & Soatto: SGD's stationary law is out of equilibrium; it has limit cycles",
    criterion="the simulated current is within {z_max:g} standard errors of its closed form, and more than {z_min:g} "
              "from zero",
    thresholds={"z_max": 2.58, "z_min": 3.0}, section="thermo-regimes")
def drift_current(m, t):
    return abs(m["z_vs_exact"]) < t.z_max and abs(m["z_vs_zero"]) > t.z_min


@CLAIMS.claim(
    kind="beyond", source="exact models (control)",
    statement="with a symmetric drift and isotropic noise the current vanishes (detailed balance)",
    paper="reversible dynamics: no current",
    criterion="the simulated current is within {z_max:g} standard errors of zero",
    thresholds={"z_max": 2.58}, section="thermo-regimes")
def drift_current_control(m, t):
    return abs(m["z_vs_zero"]) < t.z_max


# --- the network ----------------------------------------------------------------------------------------------------

_NETWORK_GATE = ("at least one layer is fitted, the 95 % intervals are narrower than {ci_max:g} and every layer's "
                 "per-step temperature changes by less than {drift_max:.0%} between the first and last measured epochs")
_NETWORK_NOTE = ("Gate changed after the first run: it asked for a training loss drifting < 10 %, which an "
                 "over-parameterised MLP that keeps converging may never meet; a claim about temperatures needs the "
                 "temperature to be stationary, so the gate is now on T itself (the loss drift is still reported). "
                 "The rule itself is unchanged.")


def _fits_decidable(m, t):
    return m["n_layers_fitted"] > 0 and m["widest_ci"] < t.ci_max and m["T_drift"] < t.drift_max


@CLAIMS.claim(
    kind="beyond", source="network section",
    statement=r"on an MLP with SGD, per-step layer temperatures grow as $\eta^2$",
    paper="η² per step (quadratic model); paper 000 reports ≈ 2 for a linear layer per epoch",
    criterion="every layer's per-step exponent within 2 ± {exp_tol:g}",
    thresholds={"exp_tol": 0.25, "ci_max": 1.0, "drift_max": 0.1}, section="thermo-network",
    note=_NETWORK_NOTE + " For SGD the step is −η·g, so T = η²|g|²/2: the exponent is 2 up to how |g|² at "
                         "stationarity changes with η — nearly an identity; the per-epoch exponent and Adam's carry "
                         "the information.")
def network_eta_exponent(m, t):
    return all(abs(a - 2) < t.exp_tol for a in m["per_step"].values())


network_eta_exponent.gated(_NETWORK_GATE)(_fits_decidable)


@CLAIMS.claim(
    kind="beyond", source="network section; theory section, lags",
    statement="on the same MLP, per-epoch layer temperatures grow no faster in η than per-step ones, and more "
              "slowly for at least one layer",
    paper="the quadratic model: equal for flat directions (kηh ≪ 1), smaller for stiff ones",
    criterion="for every layer the per-epoch interval's lower end ≤ the per-step interval's upper end, and for at "
              "least one layer the per-epoch interval lies below the per-step one",
    thresholds={"ci_max": 1.0, "drift_max": 0.1}, section="thermo-network",
    note="Rule changed after the first run from a strict '<' for every layer, which the chapter's own theory "
         "contradicts for flat directions (there the two exponents are equal). " + _NETWORK_NOTE)
def network_epoch_slower(m, t):
    step, epoch = m["per_step_ci"], m["per_epoch_ci"]
    return (all(epoch[layer][0] <= step[layer][1] for layer in step)
            and any(epoch[layer][1] < step[layer][0] for layer in step))


network_epoch_slower.gated(_NETWORK_GATE)(_fits_decidable)


@CLAIMS.claim(
    kind="beyond", source="network section",
    statement="on an MLP with SGD, per-step layer temperatures fall as 1/B",
    paper="1/B (quadratic model); paper 000 reports T linear in 1/B",
    criterion="every layer's exponent of T in B within −1 ± {exp_tol:g}",
    thresholds={"exp_tol": 0.25, "ci_max": 1.0, "drift_max": 0.1}, section="thermo-network", note=_NETWORK_NOTE)
def network_inverse_batch(m, t):
    return all(abs(b + 1) < t.exp_tol for b in m["exponent_in_B"].values())


network_inverse_batch.gated(_NETWORK_GATE)(_fits_decidable)


@CLAIMS.claim(
    kind="beyond", source="network section",
    statement="with Adam the per-step layer temperatures also grow as η²",
    paper="not stated; Adam's steps are η times a normalised gradient",
    criterion="every layer's per-step exponent within 2 ± {exp_tol:g}",
    thresholds={"exp_tol": 0.25, "ci_max": 1.0, "drift_max": 0.1}, section="thermo-network", note=_NETWORK_NOTE)
def adam_eta_exponent(m, t):
    return all(abs(a - 2) < t.exp_tol for a in m["per_step"].values())


adam_eta_exponent.gated(_NETWORK_GATE)(_fits_decidable)
