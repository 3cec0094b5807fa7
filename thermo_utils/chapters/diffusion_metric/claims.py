"""Every claim of the `diffusion_metric` chapter, declared once: where the paper makes it, the rule that decides it.

The notebook measures and hands the values over with ``ch.judge(name, measured)``; nothing here runs an
experiment. Sources: Fioresi, Chaudhari & Soatto (2020), and Chaudhari & Soatto (2018) for the facts about D
the construction relies on ("C&S").
"""

from __future__ import annotations

from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("diffusion_metric")


# --------------------------------------------------------------------------- the algebra of D
@CLAIMS.claim(kind="check", source="Sec. 2, Eq. 3",
              statement=r"the covariance of per-example gradients equals the pairwise form "
                        r"$\frac{1}{N^2}\langle\partial_r\hat f,\partial_s\hat f\rangle$; $D = 0$ when all per-example "
                        r"gradients coincide",
              paper="an identity",
              criterion="relative difference < {identity_max:g} in float64; max|D| < {zero_max:g} for identical "
                        "examples and > {nonzero_min:g} for two different ones",
              thresholds={"identity_max": 1e-10, "zero_max": 1e-12, "nonzero_min": 1e-8},
              section="diffusion_metric-eq3")
def eq3(m, t):
    return (m["relative_difference"] < t.identity_max and m["max_D_identical"] < t.zero_max
            and m["max_D_two_examples"] > t.nonzero_min)


@CLAIMS.claim(kind="check", source="Sec. 2, after Eq. 3", statement=r"$\operatorname{rk} D \le N - 1$",
              paper="rk(D) ≤ N − 1", criterion="numerical rank of D ≤ N − 1",
              section="diffusion_metric-eq3")
def rank_bound(m, t):
    return m["rank"] <= m["N"] - 1


@rank_bound.gated("N < d (the bound can bind)")
def _(m, t):
    return m["N"] < m["d"]


# --------------------------------------------------------------------------- how singular D is
@CLAIMS.claim(kind="paper", source="Table 1; C&S Sec. 4",
              statement="D is singular in practice: its rank is a small fraction of d",
              paper="small-fc 0.6 %, (0.9 ± 18.5)e-3; small-lenet 1.8 %, (0.3 ± 2.11)e-3",
              criterion="rank < {rank_percent_max:g} % of d for both nets at the end of training",
              thresholds={"rank_percent_max": 10.0}, section="diffusion_metric-singular")
def low_rank(m, t):
    return m["fc_rank_percent"] < t.rank_percent_max and m["lenet_rank_percent"] < t.rank_percent_max


@low_rank.gated("the rank is below half the N − 1 bound of the sample")
def _(m, t):
    return not m["saturated"]


@CLAIMS.claim(kind="paper", source="C&S Sec. 4",
              statement="the spectrum of D barely changes between 20 %, 40 % and 100 % of training",
              paper="barely changes (their Fig. 1)",
              criterion="for both nets, rank and mean eigenvalue vary by less than a factor {spread_max:g} across "
                        "the checkpoints",
              thresholds={"spread_max": 2.0, "loss_ratio_max": 2.0, "chance_fraction": 0.5},
              section="diffusion_metric-singular")
def spectrum_stable(m, t):
    return max(m["fc_rank_ratio"], m["fc_mean_ratio"], m["lenet_rank_ratio"], m["lenet_mean_ratio"]) < t.spread_max


@spectrum_stable.gated("both nets have learned (final training loss below {chance_fraction:g} of chance, ln 10) and "
                       "the loss at 20 % is within a factor {loss_ratio_max:g} of the final one (past the transient, "
                       "as a long training's 20 % is)")
def _(m, t):
    return (max(m["fc_loss_ratio_20_to_100"], m["lenet_loss_ratio_20_to_100"]) < t.loss_ratio_max
            and max(m["final_losses"]) < t.chance_fraction * m["chance_loss"])


# --------------------------------------------------------------------------- Christoffel symbols
@CLAIMS.claim(kind="check", source="Sec. 3, Eq. 7",
              statement=r"the weak-field Christoffel symbols match the exact ones up to $O(\varepsilon^2)$",
              paper="O(ε²) discarded",
              criterion="log-log slope of ‖Γ_weak − Γ_exact‖ against ε within {target:g} ± {tolerance:g} on every "
                        "problem",
              thresholds={"target": 2.0, "tolerance": 0.2}, section="diffusion_metric-christoffel")
def weak_field(m, t):
    return all(abs(s - t.target) <= t.tolerance for s in m.values())


@CLAIMS.claim(kind="check", source="Sec. 3, before Eq. 8",
              statement=r"$\Gamma^k_{ij} = \frac{\varepsilon}{N^2}\langle\partial_i\partial_j\hat f,"
                        r"\partial_k\hat f\rangle$ equals Eq. 7",
              paper="an identity", criterion="relative difference < {tolerance:g} (float64) on every problem and ε",
              thresholds={"tolerance": 1e-8}, section="diffusion_metric-christoffel")
def closed_form(m, t):
    return m["max_relative_difference"] < t.tolerance


# --------------------------------------------------------------------------- the reduction to RGD
@CLAIMS.claim(kind="paper", source="Sec. 3, Eqs. 8–10",
              statement="under assumption 9 the forced geodesic of the diffusion metric reduces to RGD",
              paper="derived (no integration shown)",
              criterion="on least squares (assumption 9 exact): max‖geodesic − RGD‖ ≤ {ratio_max:g} max‖RGD − "
                        "gradient flow‖",
              thresholds={"ratio_max": 0.5, "departure_min": 1e-8}, section="diffusion_metric-geodesics")
def geodesic_rgd(m, t):
    return m["least_squares_ratio"] <= t.ratio_max


@geodesic_rgd.gated("RGD departs from gradient flow by more than {departure_min:g}")
def _(m, t):
    return m["least_squares_rgd_vs_gf"] > t.departure_min


# --------------------------------------------------------------------------- RGD against SGD
@CLAIMS.claim(kind="paper", source="Sec. 1 and 3",
              statement="RGD follows SGD near a minimum better than gradient descent",
              paper="RGD replaces SGD (no comparison shown)",
              criterion="time-averaged distance to SGD's mean: best RGD on the ε grid < GD − {z:g} s.e.",
              thresholds={"z": 2.0}, section="diffusion_metric-rgd-sgd")
def rgd_mean_path(m, t):
    return m["best_rgd_distance"] < m["gd_distance"] - t.z * m["sgd_mean_se"]


@rgd_mean_path.gated("GD's distance > {z:g} s.e.")
def _(m, t):
    return m["gd_distance"] > t.z * m["sgd_mean_se"]


@CLAIMS.claim(kind="implied", source="Sec. 3, Eqs. 11–12",
              statement="RGD's anisotropy captures SGD's stationary spread (RGD + isotropic noise against SGD's "
                        "covariance)",
              paper="compatible with Chaudhari & Soatto's steady state (argued, not measured)",
              criterion="best RGD + isotropic noise removes at least {share:.0%} of GD + isotropic noise's shape error",
              thresholds={"share": 0.5}, section="diffusion_metric-rgd-sgd")
def rgd_stationary(m, t):
    return m["best_rgd_isotropic"] <= (1 - t.share) * m["gd_isotropic"]


@rgd_stationary.gated("the anisotropic linear model of SGD is itself within {share:.0%} of GD's error (the estimate "
                      "can tell shapes apart)")
def _(m, t):
    return m["anisotropic_linear_model"] < (1 - t.share) * m["gd_isotropic"]


# --------------------------------------------------------------------------- non-equilibrium SGD
@CLAIMS.claim(kind="paper", source="C&S Sec. 5",
              statement=r"a divergence-free current leaves $e^{-\Phi}$ stationary and makes paths circulate at the "
                        r"predicted rate",
              paper="paths circulate for λ > 0 (their Fig. 4)",
              criterion="for every λ: measured circulation within {z:g} s.e. + {relative:.0%} of the closed form, and "
                        "histogram of x₁ within L1 distance {l1_max:g} of e^{−Φ}",
              thresholds={"z": 3.0, "relative": 0.1, "l1_max": 0.1}, section="diffusion_metric-toy")
def toy_current(m, t):
    return (all(abs(c - e) <= t.z * s + t.relative * abs(e)
                for c, s, e in zip(m["circulation"], m["se"], m["closed_form"]))
            and max(m["l1"]) < t.l1_max)


@CLAIMS.claim(kind="paper", source="C&S Sec. 5",
              statement="SGD's weight increments on the tiny net are not white noise (limit-cycle evidence)",
              paper="low-frequency modes, autocorrelation outside the 99 % band (their Fig. 3)",
              criterion="more than {fraction_min:.0%} of the tracked weights fail a Ljung–Box whiteness test at 1 % "
                        "(20 lags)",
              thresholds={"fraction_min": 0.5}, section="diffusion_metric-limit-cycles")
def limit_cycles(m, t):
    return m["fraction failing Ljung–Box (1 %)"] > t.fraction_min


@CLAIMS.claim(kind="beyond", source="our control",
              statement="the same test on the full gradient + isotropic noise (no current) finds white increments, "
                        "so non-whiteness is specific to SGD",
              paper="not tested in the paper",
              criterion="at most {fraction_max:.0%} of the tracked weights fail the Ljung–Box test at 1 %",
              thresholds={"fraction_max": 0.1}, section="diffusion_metric-limit-cycles")
def limit_cycles_control(m, t):
    return m["fraction failing Ljung–Box (1 %)"] <= t.fraction_max
