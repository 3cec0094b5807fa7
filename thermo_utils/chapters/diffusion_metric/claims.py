"""Every claim of the `diffusion_metric` chapter, declared once: where the paper makes it, the rule that decides it.

The notebook measures and hands the values over with ``ch.judge(name, measured)``; nothing here runs an
experiment. Sources: Fioresi, Chaudhari & Soatto (2020), and Chaudhari & Soatto (2018) for the facts about D
the construction relies on ("C&S").
"""

from __future__ import annotations

import math

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
              criterion="for both nets, rank, mean eigenvalue and the whole spectrum (the median over indices, up to "
                        "the smaller rank, of the ratio of the i-th eigenvalues of two checkpoints) vary by less than "
                        "a factor {spread_max:g} across the checkpoints (the whole-spectrum condition was added after "
                        "the review: it can only make the claim harder to pass)",
              thresholds={"spread_max": 2.0, "learned_fraction": 0.25},
              section="diffusion_metric-singular")
def spectrum_stable(m, t):
    return max(m["fc_rank_ratio"], m["fc_mean_ratio"], m["lenet_rank_ratio"], m["lenet_mean_ratio"],
               m["fc_spectrum_ratio"], m["lenet_spectrum_ratio"]) < t.spread_max


@spectrum_stable.gated("both nets have learned by the first checkpoint (training loss at 20 % below {learned_fraction:g} "
                       "of chance, ln 10). Until the classroom run of issue 19 the gate also asked the loss at 20 % to "
                       "be within a factor 2 of the final one; a net that memorises its training set (small-lenet "
                       "here, and at the paper's 100 epochs) never meets that, so the claim could never be decided; "
                       "the change turned an inconclusive verdict into a decided one and cannot make the claim pass")
def _(m, t):
    return max(m["losses_at_20"]) < t.learned_fraction * m["chance_loss"]


PUBLISHED = {"fc": {"rank_percent": 0.6, "mean_1e3": 0.9, "std_1e3": 18.5},
             "lenet": {"rank_percent": 1.8, "mean_1e3": 0.3, "std_1e3": 2.11}}
"""Chaudhari & Soatto's numbers for D at the end of training (rank as % of d; eigenvalue mean and std, ×1e-3)."""


def _trained(m, t):
    return m["loss_at_20"] < t.learned_fraction * m["chance_loss"]


@CLAIMS.claim(kind="paper", source="C&S Sec. 4", name="{variant}_rank_published", variants=("fc", "lenet"),
              statement="the rank of D for small-{variant} is the published fraction of d",
              paper="small-fc 0.6 %, small-lenet 1.8 % of d",
              criterion="measured rank / d within a factor {factor:g} of the published value",
              thresholds={"factor": 2.0, "learned_fraction": 0.25},
              section="diffusion_metric-singular")
def rank_published(m, t):
    return 1 / t.factor <= m["rank_percent"] / m["published_rank_percent"] <= t.factor


@rank_published.gated("the net has learned by the first checkpoint (training loss at 20 % below {learned_fraction:g} "
                        "of chance; the published values are for trained nets)")
def _(m, t):
    return _trained(m, t)


@CLAIMS.claim(kind="paper", source="C&S Sec. 4", name="{variant}_moments_published", variants=("fc", "lenet"),
              statement="the eigenvalues of D for small-{variant} have the published mean and standard deviation",
              paper="small-fc (0.9 ± 18.5)e-3, small-lenet (0.3 ± 2.11)e-3",
              criterion="measured mean and standard deviation of the d eigenvalues each within a factor {factor:g} of "
                        "the published ones (D = Cov_n ∇f_n of the mean loss, per example, as in the authors' code)",
              thresholds={"factor": 2.0, "learned_fraction": 0.25},
              section="diffusion_metric-singular")
def moments_published(m, t):
    return all(1 / t.factor <= m[k] / m[f"published_{k}"] <= t.factor for k in ("mean_1e3", "std_1e3"))


@moments_published.gated("the net has learned by the first checkpoint (training loss at 20 % below {learned_fraction:g} "
                           "of chance; the published values are for trained nets)")
def _(m, t):
    return _trained(m, t)


CLAIMS.untested("allcnn_rank", kind="paper", source="C&S Sec. 4",
                statement="the rank of D for small-allcnn on CIFAR-10 is 0.34 % of d", paper="0.34 % of d",
                reason="CIFAR-10 has no offline source on this machine (see the book's Data section)")
CLAIMS.untested("modes_not_critical", kind="paper", source="C&S Sec. 1 and 5",
                statement="with non-isotropic noise SGD minimises Φ ≠ f, and the modes of its stationary density are "
                          "not critical points of f",
                paper="argued, with the toy of their Fig. 4",
                reason="the mode of a d-dimensional stationary density is not estimable from the chains the chapter "
                       "runs; the chapter measures the stationary mean's offset from the minimum instead "
                       "(rgd_stationary_mean)")


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


@CLAIMS.claim(kind="implied", source="Sec. 3, Eqs. 8–10",
              statement="the reduction holds to first order: ‖geodesic − RGD‖ shrinks faster than RGD's own correction "
                        "‖RGD − gradient flow‖ ∝ ε as ε → 0",
              paper="the dropped terms are called O(ε/N²) and O(ε²)",
              criterion="on least squares, the 95 % interval of the log-log slope of max_t‖geodesic − RGD‖ against ε "
                        "contains {target:g} and excludes {target:g} − 1",
              thresholds={"target": 2.0}, section="diffusion_metric-derivation")
def geodesic_rgd_limit(m, t):
    return m["slope_ci"][0] <= t.target <= m["slope_ci"][1] and not m["slope_ci"][0] <= t.target - 1 <= m["slope_ci"][1]


@geodesic_rgd_limit.gated("the interval is finite and does not contain both {target:g} and {target:g} − 1")
def _(m, t):
    low, high = m["slope_ci"]
    return math.isfinite(low) and math.isfinite(high) and not (low <= t.target <= high and low <= t.target - 1 <= high)


@CLAIMS.claim(kind="paper", source="Sec. 3, between Eqs. 8 and 9",
              statement=r"$\sum_{ij}\partial_i\partial_j\hat f_\alpha\,\dot x^i\dot x^j = d^2\hat f_\alpha/dt^2$: the "
                        r"step into the integrated equation leaves out nothing",
              paper="written as an equality",
              criterion="along the least-squares geodesic, ∫‖εDẍ‖dt (the chain-rule term ∂f̂·ẍ the step leaves out) ≤ "
                        "{share:.0%} of ∫‖ε Cov_n(ẋᵀH_nẋ, ∇f_n)‖dt (the term it keeps)",
              thresholds={"share": 0.1}, section="diffusion_metric-derivation")
def chain_rule_step(m, t):
    return m["missing_over_kept"] <= t.share


@CLAIMS.claim(kind="paper", source="Sec. 3, before Eq. 10",
              statement="the term (ε/N²)Σ_α f̂_α d/dt ∂_k f̂_α that the derivation drops is small like 1/N² (\"as "
                        "motivated by Table 1\")",
              paper="\"we may assume ε/N² very small\"",
              criterion="on least squares at fixed ε·λ_max, the 95 % interval (across data seeds) of the log-log slope "
                        "of ‖dropped term‖ / ‖εDẋ‖ against N contains {target:g} and excludes {target:g} + 1",
              thresholds={"target": -2.0}, section="diffusion_metric-derivation")
def dropped_term_scaling(m, t):
    low, high = m["slope_ci"]
    return low <= t.target <= high and not low <= t.target + 1 <= high


@dropped_term_scaling.gated("the interval is finite and does not contain both {target:g} and {target:g} + 1")
def _(m, t):
    low, high = m["slope_ci"]
    return math.isfinite(low) and math.isfinite(high) and not (low <= t.target <= high and low <= t.target + 1 <= high)


@CLAIMS.claim(kind="paper", source="Sec. 3, after Eq. 12",
              statement=r"under assumption 9 ($\partial^3\hat f = 0$), $\nabla\cdot\tilde D = \varepsilon\nabla\cdot D = "
                        r"0$, so the current $j$ of Eq. 12 vanishes",
              paper="stated (no computation)",
              criterion="on least squares (assumption 9 exact), ‖∇·D‖ / ‖Σ_r |∂_r D_rs|‖ < {tolerance:g} at the minimum "
                        "and at the geodesics' start (the divergence cancels to float64 precision)",
              thresholds={"tolerance": 1e-8}, section="diffusion_metric-derivation")
def eq12_divergence(m, t):
    return max(m["relative_divergence"]) < t.tolerance


# --------------------------------------------------------------------------- RGD against SGD
@CLAIMS.claim(kind="paper", source="Sec. 1 and 3",
              statement="RGD follows SGD near a minimum better than gradient descent",
              paper="RGD replaces SGD (no comparison shown)",
              criterion="time-averaged distance to SGD's mean: best RGD on the ε grid < GD − {z:g} s.e.",
              thresholds={"z": 2.0}, section="diffusion_metric-rgd-sgd")
def rgd_mean_path(m, t):
    return m["best_rgd_distance"] < m["gd_distance"] - t.z * m["sgd_mean_se"]


def _non_degenerate(m, t):
    return m["unit_separation"] > t.separation_min and m["rank_D"] == m["d"]


@rgd_mean_path.gated("GD's distance > {z:g} s.e.")
def _(m, t):
    return m["gd_distance"] > t.z * m["sgd_mean_se"]


@CLAIMS.claim(kind="implied", source="Sec. 3, Eqs. 10–11",
              statement="RGD, whose fixed points are those of gradient descent, predicts SGD's stationary mean: the "
                        "minimum of f (Φ = f near it)",
              paper="SGD \"can be replaced\" by Eq. 10 (steady state argued compatible with C&S)",
              criterion="the offset ‖E[w] − w_min‖ of SGD's stationary mean is resolved below {share:.0%} of the "
                        "stationary spread √tr Σ (offset + {z:g} s.e. < {share:.0%} spread); not reproduced when "
                        "resolved above it",
              thresholds={"share": 0.1, "z": 2.0, "separation_min": 0.05, "stationary_z": 3.0},
              section="diffusion_metric-rgd-sgd")
def rgd_stationary_mean(m, t):
    return m["offset"] + t.z * m["offset_se"] < t.share * m["spread"]


@rgd_stationary_mean.gated("the example is non-degenerate (hidden units at least {separation_min:g} apart, D of full "
                           "rank at the minimum), the chains are stationary (third- and fourth-quarter means agree "
                           "within {stationary_z:g} s.e.) and the offset is resolved against the margin")
def _(m, t):
    resolved = (m["offset"] + t.z * m["offset_se"] < t.share * m["spread"]
                or m["offset"] - t.z * m["offset_se"] > t.share * m["spread"])
    stationary = m["quarters_difference"] < t.stationary_z * m["quarters_difference_se"]
    return _non_degenerate(m, t) and stationary and resolved


@CLAIMS.claim(kind="beyond", source="C&S Sec. 3 (the linear model of SGD)",
              statement="near a minimum, SGD's stationary covariance has the shape of the linear model with noise ηD/B, "
                        "HΣ + ΣH = ηD/B (RGD, deterministic, predicts none)",
              paper="not computed in either paper",
              criterion="shape distance ‖Σ/trΣ − Σ_lin/trΣ_lin‖_F / ‖Σ_lin/trΣ_lin‖_F ≤ {distance_max:g}",
              thresholds={"distance_max": 0.25, "separation_min": 0.05, "stationary_z": 3.0},
              section="diffusion_metric-rgd-sgd")
def linear_model_covariance(m, t):
    return m["shape_distance"] <= t.distance_max


@linear_model_covariance.gated("the example is non-degenerate (hidden units at least {separation_min:g} apart, D of "
                               "full rank) and the chains are stationary (quarter means within {stationary_z:g} s.e.)")
def _(m, t):
    return _non_degenerate(m, t) and m["quarters_difference"] < t.stationary_z * m["quarters_difference_se"]


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
              criterion="after removing a cubic trend from each weight's series, more weights fail a Ljung–Box test at "
                        "1 % (20 lags) than the nominal 1 % allows: one-sided binomial p < {alpha:g}; not reproduced "
                        "when the 99 % upper bound of the failing fraction is below {margin:.0%}. (Until the review "
                        "the rule was \"more than half fail\", on the raw series; the majority threshold had no "
                        "statistical meaning, and the detrending, which removes the drift of a net still training, is a "
                        "new hurdle.)",
              thresholds={"alpha": 0.01, "margin": 0.05}, section="diffusion_metric-limit-cycles")
def limit_cycles(m, t):
    return m["binomial_p_vs_nominal"] < t.alpha


@limit_cycles.gated("the excess is resolved (p < {alpha:g}) or excluded (upper bound < {margin:.0%})")
def _(m, t):
    return m["binomial_p_vs_nominal"] < t.alpha or m["fraction_failing_upper_99"] < t.margin


@CLAIMS.claim(kind="beyond", source="our control",
              statement="the same test on a control matched per weight — the full gradient plus Gaussian noise with "
                        "SGD's per-weight variance diag(D)/B — finds white increments",
              paper="not tested in the paper",
              criterion="detrended as for SGD, the 99 % upper bound of the failing fraction is below {margin:.0%}; "
                        "not reproduced when the count exceeds the nominal 1 % (one-sided binomial p < {alpha:g})",
              thresholds={"alpha": 0.01, "margin": 0.05}, section="diffusion_metric-limit-cycles")
def limit_cycles_control(m, t):
    return m["fraction_failing_upper_99"] < t.margin


@limit_cycles_control.gated("the excess is resolved (p < {alpha:g}) or excluded (upper bound < {margin:.0%})")
def _(m, t):
    return m["binomial_p_vs_nominal"] < t.alpha or m["fraction_failing_upper_99"] < t.margin


@CLAIMS.claim(kind="beyond", source="our control",
              statement="SGD's increments are less white than the matched control's, so the non-whiteness is SGD's "
                        "own and not the gradient flow's",
              paper="not tested in the paper",
              criterion="more SGD weights than control weights fail the detrended Ljung–Box test: one-sided Fisher "
                        "exact p < {alpha:g}",
              thresholds={"alpha": 0.01}, section="diffusion_metric-limit-cycles")
def limit_cycles_specific(m, t):
    return m["fisher_p_sgd_above_control"] < t.alpha


@limit_cycles_specific.gated("the difference is resolved in either direction (Fisher p < {alpha:g} one way or the "
                             "other)")
def _(m, t):
    return m["fisher_p_sgd_above_control"] < t.alpha or m["fisher_p_control_above_sgd"] < t.alpha
