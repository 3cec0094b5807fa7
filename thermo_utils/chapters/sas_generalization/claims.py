"""Every claim of the `sas_generalization` chapter, declared once: where the talk makes it, its rule, its thresholds.

The notebook measures and hands the values to ``ch.judge(name, measured)``; the verdicts come from the rules here.
Claims on time averages are gated on stationarity: a burn-in of at least ``burn_in_min`` weight-decay times
1/(ηλ) in every setting they use, and no drift between the two halves of the tail. The drift test is a
block-permutation test of the halves z-score, three per setting (the per-probe averages, median |z| over probes; the
training risk; the held-out risk): under stationarity every split of the tail's blocks into halves is as likely as the
observed one (first half against second), and p is the fraction of splits at least as extreme. A claim using K
settings needs p >= alpha / (3K) in every test (Bonferroni: a family of stationary settings fails the gate with
probability <= alpha).

Why not a fixed bound on the median |halves z| (it was <= 1): its permutation null in the seed 0-2 runs of the former
classroom profile had median 0.72 and 90th percentile about 1.0, so each setting failed with probability about 0.1
when stationary and the maximum over 5-10 settings with probability 0.4-0.65; with few probes drifting (only the
training examples), it also missed drifts. The permutation gate and its alpha were fixed before any claim was judged
with it (and before the runs that decide them).
"""

from __future__ import annotations

import math

from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("sas_generalization")

STATIONARY = {"burn_in_min": 5.0, "alpha": 0.05}
STATIONARY_TEXT = ("every setting had a burn-in of at least {burn_in_min:g} weight-decay times 1/(ηλ) and its tail does "
                   "not drift: block-permutation p of the halves z-scores (per-probe averages, training risk, held-out "
                   "risk) >= {alpha:g}/(number of tests) in every setting")
READING = " (a reading of the theorem's O(·) upper bound, whose constants may depend on n; failing it does not " \
          "contradict the theorem)"


def _stationary(m, t) -> bool:
    return (m["min_burn_in_wd_times"] >= t.burn_in_min
            and m["min_stationarity_p"] >= t.alpha / m["stationarity_tests"])


def _interval_has(ci, value) -> bool:
    return ci[0] <= value <= ci[1]


@CLAIMS.claim(
    kind="paper", source="talk: Non-convergence in NN training; Zhang et al. 2022 (cited)", section="sas-weights",
    statement="with a constant learning rate the weights keep moving instead of converging",
    paper="weights do not converge while the loss stabilises",
    criterion="for every base run of the n sweep the step over one record interval in the last quarter of the tail is "
              ">= {velocity_ratio_min} of that in the first quarter (a fixed point would take it to 0)",
    thresholds={"velocity_ratio_min": 0.5},
    note="changed after the review: the former second condition, growth of the distance from the tail's start, "
         "tested unbounded diffusion, which weight decay forbids; the velocity test is unchanged")
def weights_keep_moving(m, t):
    return m["min_velocity_ratio"] >= t.velocity_ratio_min


@CLAIMS.claim(
    kind="paper", source="talk: Instead: loss averages over time", section="sas-time-averages",
    statement="per-example losses have time averages although the weights move",
    paper="assumed (the existence of ⟨ℓ_z⟩_S)",
    criterion="the time-averaged training and held-out risks of the two halves of the tail differ by < "
              "{change_max:.0%} for every base run of the n sweep",
    thresholds={"change_max": 0.05, **STATIONARY},
    note="changed after the review and again after the seed 0-2 classroom runs: stationarity (burn-in >= 5 "
         "weight-decay times, the permutation test of the halves) is the gate, not part of the rule: the claim is the "
         "paper's assumption, and a finite run that still drifts says 'not yet stationary', which cannot refute it")
def loss_averages_converge(m, t):
    return m["max_relative_half_change"] < t.change_max


loss_averages_converge.gated(STATIONARY_TEXT)(_stationary)


@CLAIMS.claim(
    kind="paper", source="talk: Batch normalization + weight decay (Lobacheva et al. 2021)", section="sas-bn",
    statement="batch norm with weight decay gives periodic training behaviour",
    paper="periodic behaviour",
    criterion="for at least one weight decay with >= {cycles_min} cycles (found from the jumps of ‖W2‖): the upper "
              "end of the 95% bootstrap interval of the periods' coefficient of variation is < {cv_max:g} (a clock "
              "has 0, a Poisson process of spikes 1)",
    thresholds={"cycles_min": 5, "cv_max": 0.5},
    note="changed after the review: cycles were loss spikes (> 10x the median loss, which also catches noise) with a "
         "point CV < 0.3 over 4000 steps; now norm jumps over longer runs, with an interval on the CV. Changed again "
         "after the seed 0-2 classroom runs (DESIGN rule 3): an interval that contains 0.5 is inconclusive, "
         "no longer a failure; only the lower end above 0.5 refutes. The first version of that gate also asked the "
         "other weight decay to be resolved, against this criterion ('at least one'); corrected after the seed 0-2 "
         "runs, where it had turned a met criterion (seed 0, λ = 0.03: interval [0.36, 0.47]) into inconclusive")
def bn_wd_periodic(m, t):
    return any(c >= t.cycles_min and hi < t.cv_max for c, hi in zip(m["cycles"], m["cv_high"]))


@bn_wd_periodic.gated("some weight decay completes at least {cycles_min} cycles, and the CV's intervals are resolved: "
                      "one lies below {cv_max:g}, or all lie above")
def _(m, t):
    decided = [(lo, hi) for c, lo, hi in zip(m["cycles"], m["cv_low"], m["cv_high"]) if c >= t.cycles_min]
    return bool(decided) and (any(hi < t.cv_max for _, hi in decided) or all(lo > t.cv_max for lo, _ in decided))


@CLAIMS.claim(
    kind="paper", source="talk: Non-convergence (Lobacheva et al. 2021, quoted)", section="sas-bn",
    statement="the minima of neighbouring periods are more similar to each other than those of two independently "
              "trained networks",
    paper="minima at neighbouring periods differ, but are more similar than two independent nets",
    criterion="for every weight decay decided: the median distance between the weight directions at the ends of "
              "consecutive cycles of one run is < the median distance between cycle ends of two independent runs",
    thresholds={"ends_min": 3})
def bn_neighbour_minima(m, t):
    pairs = [(a, b) for a, b, e in zip(m["neighbour_distance"], m["independent_distance"], m["ends"])
             if e >= t.ends_min]
    return all(a < b for a, b in pairs)


@bn_neighbour_minima.gated("both runs of some weight decay reach at least {ends_min} cycle ends")
def _(m, t):
    return max(m["ends"]) >= t.ends_min


@CLAIMS.claim(
    kind="check", source="talk: Toy example: dynamics as function of (constant) step size", section="sas-toy",
    statement="as the constant step grows, GD goes from a fixed point to periodic orbits to chaos",
    paper="fixed point → periodic → chaos",
    criterion="period 1 at the smallest step, a period >= 2 first at a larger step, then a positive Lyapunov exponent "
              "(aperiodic) at a still larger step; estimator within {fixed_point_tol} of ln|1-2η| below η = 0.9",
    thresholds={"fixed_point_tol": 0.01},
    note="a closed-form property of the double-well cubic map: it checks the estimator, it cannot realistically fail")
def toy_route_to_chaos(m, t):
    return (m["period_at_smallest_eta"] == 1 and m["eta_period2"] < m["eta_chaos"]
            and m["fixed_point_error"] < t.fixed_point_tol)


@CLAIMS.claim(
    kind="paper", source="talk: Convergence in NN training (Cohen, Ahn, Zhang, Garipov, cited)", section="sas-unstable",
    statement="training is linearly unstable: a small perturbation of the weights changes the learned weights",
    paper="small perturbations change the learned weights",
    criterion="the distance between the base run and its perturbed copy (initial weights moved by a relative "
              "1e-6) grows by a factor >= {growth_min:g} by the end of the tail, median over the settings",
    thresholds={"growth_min": 100.0})
def linear_instability(m, t):
    return m["median_growth"] >= t.growth_min


@CLAIMS.claim(
    kind="paper", source="talk: Hardt et al. — weight-deviation bounds grow with t", section="sas-unstable",
    statement="the weights of twin runs (S, S′) drift apart as far as those of independent runs, so stability "
              "measured on weights is vacuous",
    paper="weight-deviation bounds grow with t and become vacuous on non-converging trajectories",
    criterion="at the end of the tail the twins' weight distance is >= {ratio_min:g} x the distance between two runs "
              "on the same S from different seeds, median over the settings",
    thresholds={"ratio_min": 0.5})
def twin_weights_reach_interrun_distance(m, t):
    return m["median_ratio"] >= t.ratio_min


@CLAIMS.claim(
    kind="paper", source="talk: Statistical algorithmic stability; What makes an algorithm more stable?",
    section="sas-stability",
    statement="the stability of time-averaged losses settles to a finite value while the weights keep moving",
    paper="SAS needs no convergence of the weights",
    criterion="the running time-averaged β of the twins (median over twins and settings) changes by < "
              "{drift_max:.0%} over the second half of the tail",
    thresholds={"drift_max": 0.1, **STATIONARY},
    note="replaces the former snapshot_stability_unsettled (snapshot CV against running drift), which did not test "
         "what the slide says")
def sas_beta_settles(m, t):
    return m["running_relative_drift"] < t.drift_max


sas_beta_settles.gated(STATIONARY_TEXT)(_stationary)


def _beta_decidable(m, t):
    return (m["exponent_ci"][1] - m["exponent_ci"][0] < t.ci_width_max and m["min_beta_over_noise"] > t.noise_factor
            and _stationary(m, t))


_BETA_GATE = ("the exponent's 95% interval is narrower than {ci_width_max:g}, β exceeds {noise_factor:g}x its noise "
              "floor (largest paired block SE) at every n, and " + STATIONARY_TEXT)


@CLAIMS.claim(
    kind="paper", source="talk: Theorem β = O(L_D / (n(1-λ)))", section="sas-stability",
    statement="β decreases as the training set grows",
    paper="β = O(1/n)",
    criterion="power-law fit of β (sup over all probes, max over twins) against n: the 95% interval of the exponent "
              "is < 0",
    thresholds={"ci_width_max": 1.0, "noise_factor": 2.0, **STATIONARY})
def beta_shrinks_with_n(m, t):
    return m["exponent_ci"][1] < 0


@beta_shrinks_with_n.gated(_BETA_GATE + ", and the exponent's interval excludes 0 (resolved)")
def _(m, t):
    return _beta_decidable(m, t) and not _interval_has(m["exponent_ci"], 0.0)


@CLAIMS.claim(
    kind="implied", source="talk: Theorem β = O(L_D / (n(1-λ)))", section="sas-stability",
    statement="β scales like 1/n" + READING,
    paper="β = O(1/n)",
    criterion="the 95% interval of the exponent of β(n) contains {exponent:g} and excludes {exponent:g}±1",
    thresholds={"exponent": -1.0, "ci_width_max": 1.0, "noise_factor": 2.0, **STATIONARY},
    note="can change with the seed: β is a supremum set by single examples (mostly the swapped one's own loss), so its "
         "exponent over five sizes moves between seeds (classroom seeds 0-2: -0.80, -0.85, -0.65) by about the "
         "half-width of its interval, and the interval can miss -1")
def beta_one_over_n(m, t):
    ci = m["exponent_ci"]
    return _interval_has(ci, t.exponent) and not _interval_has(ci, t.exponent + 1) \
        and not _interval_has(ci, t.exponent - 1)


beta_one_over_n.gated(_BETA_GATE)(_beta_decidable)


@CLAIMS.claim(
    kind="implied", source="talk: Theorem β = O(L_D / (n(1-λ))) (our average-case reading)", section="sas-stability",
    statement="the mean change of time-averaged held-out losses scales like 1/n" + READING,
    paper="β = O(1/n) (stated for the supremum)",
    criterion="the 95% interval of the exponent of the mean |Δ⟨ℓ_z⟩| over held-out probes contains {exponent:g} and "
              "excludes {exponent:g}±1",
    thresholds={"exponent": -1.0, "ci_width_max": 1.0, "noise_factor": 2.0, **STATIONARY},
    note="the noise gate is new after the review: the mean |Δ| of pure noise is 0.8 x its standard error")
def mean_stability_one_over_n(m, t):
    ci = m["exponent_ci"]
    return _interval_has(ci, t.exponent) and not _interval_has(ci, t.exponent + 1) \
        and not _interval_has(ci, t.exponent - 1)


@mean_stability_one_over_n.gated("the exponent's 95% interval is narrower than {ci_width_max:g}, the mean |Δ| "
                                 "exceeds {noise_factor:g}x the mean |Δ| that noise alone gives (0.8 SE) at every n, "
                                 "and " + STATIONARY_TEXT)
def _(m, t):
    return (m["exponent_ci"][1] - m["exponent_ci"][0] < t.ci_width_max and m["min_mean_over_noise"] > t.noise_factor
            and _stationary(m, t))


@CLAIMS.claim(
    kind="paper", source="talk: Theorem: Generalization bound", section="sas-bound",
    statement="$R_S \\le \\hat R_S + \\beta + 2(n\\beta + L)\\sqrt{\\log(2/\\delta)/(2n)}$",
    paper="holds with probability 1 - δ",
    criterion="measured held-out time-averaged risk <= the bound evaluated with measured R̂_S and β, in every setting "
              "where the bound is below the loss range L",
    thresholds=dict(STATIONARY),
    note="β measured on finitely many probes and twins is a lower bound on the true β; a bound >= L holds for any "
         "clipped loss and so cannot fail (changed after the review: such settings used to count as passes). The "
         "bound's own setting (bound_n examples at a strong weight decay) was added after the seed 0-2 runs, whose "
         "bounds were 7.7-12 in every sweep setting, so that the claim can be tested at all; the rule is unchanged")
def bound_holds(m, t):
    return m["violations"] == 0


@bound_holds.gated("the bound is below L in at least one setting, and " + STATIONARY_TEXT)
def _(m, t):
    return m["settings_below_L"] >= 1 and _stationary(m, t)


@CLAIMS.claim(
    kind="beyond", source="talk: Empirical example (VGG16, CIFAR10)", section="sas-bound",
    statement="the bound is informative at these sizes",
    paper="shown against the measured gap; vacuity not stated in the talk",
    criterion="the bound is below ln 10 (the risk of uniform guessing) in at least one setting")
def bound_nonvacuous(m, t):
    return m["min_bound"] < m["uniform_guess_risk"]


LEVERS = ("weight_decay", "label_noise")


def _mixing_decidable(m, t, beta_noise: bool):
    """Every lever's sweep has enough settings, all mixing times resolved, β above its noise floor (for the β
    claim) and every setting of both sweeps stationary."""
    return (all(m[f"settings_{lever}"] >= t.settings_min
                and m[f"resolved_{lever}"] == m[f"settings_{lever}"] for lever in LEVERS)
            and _stationary(m, t) and (not beta_noise or m["min_beta_over_noise"] > t.noise_factor))


def _mixing_resolved(m):
    """Decided when some lever's interval lies below 0, or every lever's lies above 0."""
    return (any(m[f"ci_{lever}"][1] < 0 for lever in LEVERS)
            or all(m[f"ci_{lever}"][0] > 0 for lever in LEVERS))


def _mixing_agrees(m):
    return all(m[f"ci_{lever}"][0] > 0 for lever in LEVERS)


def _mixing_gate(beta_noise: str) -> str:
    """The mixing claims' gate text; ``beta_noise`` is the β claim's noise-floor condition (empty for the gap)."""
    return ("each sweep (weight decay; label noise) has at least {settings_min} settings, every mixing time resolved "
            "(finite and >= 2 trace intervals), " + beta_noise + "and "
            + STATIONARY_TEXT.replace("every setting", "every setting of both sweeps", 1)
            + "; decided when one sweep's interval lies below 0 or both lie above 0")
_MIXING_HISTORY = (
    "Redesigned after the review: the learning-rate/batch sweep changed the mixing time and the amount learned "
    "together. The weight-decay sweep at a fixed rate and batch came next; it still changes how well the model fits. "
    "Changed after the seed 0-2 classroom runs (DESIGN rule 3): an interval containing 0 is inconclusive, no longer a "
    "failure; the classroom sweep then grew from 6 weight decays (0.025-0.15; seed 0: rho 0.83, interval [0, 1]) to "
    "10 (0.02-0.2), the rule unchanged, and the interval took 20,000 resamples instead of 2,000 (at seed 1 β and the "
    "gap had the same ranks and got different verdicts from the resampling noise alone). That sweep stayed "
    "undecided in seeds 0-2 (rho 0.49, 0.71, 0.59; lower ends -0.35, -0.03, -0.19): the mixing time falls with the "
    "weight decay up to 0.1 and rises again at 0.15-0.2, where the models underfit, while β keeps falling. "
    "The label-noise sweep was added after those runs, as the second lever the previous closing note named, with "
    "this rule written before any label-noise run: both levers must agree for 'reproduced', so adding it cannot make "
    "the claim pass on its own; a lever whose interval lies below 0 makes it fail. The paper profile's sweeps "
    "(weight decay 0.005-0.07 at n = 4000, a wider model) would also decide it")
_LABEL_NOISE_BETA = (
    " First classroom runs of this rule, seeds 0-2: with label noise the mixing time rises in every seed (tau_int from "
    "25-29 steps with MNIST's labels to 51-56 at half the labels resampled) while β does not follow: rho -0.57 [-1, "
    "0.32], -0.40 [-0.97, 0.63], -0.93 [-1, -0.59], so the verdict is inconclusive, inconclusive, not reproduced: "
    "unstable, always on the side of the lever going against the claim. The classroom label-noise sweep then grew "
    "from 8 fractions to 13 (0-0.5, 0.025-0.05 apart), the rule unchanged, before any run of the 13: with 8 settings "
    "a Spearman interval is wide (-0.93 excluded 0 by 0.59, -0.57 missed it by 0.32). More settings can decide the claim either "
    "way; the added ones carry their own draws, so the first 8 settings train as before")
_LABEL_NOISE_GAP = (
    " First classroom runs, seeds 0-2: label-noise rho +0.31 [-0.60, 1], +0.52 [-0.28, 1], +0.60 [-0.31, 1] (the gap "
    "is noisy from setting to setting), weight-decay rho 0.49, 0.71, 0.59 with intervals containing 0: inconclusive in "
    "every seed. The label-noise sweep then grew from 8 fractions to 13, as told under mixing_predicts_beta")


@CLAIMS.claim(
    kind="paper", source="talk: faster convergence of loss implies better stability", section="sas-mixing",
    statement="a shorter loss mixing time goes with a smaller β, at a fixed learning rate and batch size" + READING,
    paper="positive relation (proxy: autocorrelation)",
    criterion="Spearman correlation of the integrated autocorrelation time of the loss and β, with its 95% "
              "bootstrap interval, in each of two sweeps at a fixed learning rate and batch size (over the weight "
              "decay; over the fraction of resampled labels): reproduced when both intervals lie above 0, not "
              "reproduced when one lies below 0",
    thresholds={"settings_min": 6, "noise_factor": 2.0, **STATIONARY},
    note=_MIXING_HISTORY + "." + _LABEL_NOISE_BETA)
def mixing_predicts_beta(m, t):
    return _mixing_agrees(m)


@mixing_predicts_beta.gated(_mixing_gate("β above {noise_factor:g}x its noise floor in every setting, "))
def _(m, t):
    return _mixing_decidable(m, t, beta_noise=True) and _mixing_resolved(m)


@CLAIMS.claim(
    kind="paper", source="talk: Empirical example, proxy: autocorrelation; Summary", section="sas-mixing",
    statement="a shorter loss mixing time goes with a smaller generalization gap, at a fixed learning rate and batch "
              "size",
    paper="convergence of the loss distribution is predictive of the generalization gap",
    criterion="Spearman correlation of the integrated autocorrelation time of the loss and the gap, with its 95% "
              "bootstrap interval, in each of the two sweeps of mixing_predicts_beta: reproduced when both intervals "
              "lie above 0, not reproduced when one lies below 0",
    thresholds={"settings_min": 6, **STATIONARY},
    note="as mixing_predicts_beta (the same history and the same two sweeps)." + _LABEL_NOISE_GAP)
def mixing_predicts_gap(m, t):
    return _mixing_agrees(m)


@mixing_predicts_gap.gated(_mixing_gate(""))
def _(m, t):
    return _mixing_decidable(m, t, beta_noise=False) and _mixing_resolved(m)


@CLAIMS.claim(
    kind="paper", source="talk: Non-ergodicity (VGG16 2nd-layer trajectories)", section="sas-ergodic",
    statement="different SGD runs on the same data occupy different regions of weight space",
    paper="trajectories of different runs stay in different regions; there may be infinitely many invariant measures",
    criterion="the distance between the time-averaged weights of two runs on the same S from different seeds is >= "
              "{ratio_min:g} x the RMS spread of one run's weights over the tail, median over the settings",
    thresholds={"ratio_min": 2.0, **STATIONARY})
def runs_occupy_different_regions(m, t):
    return m["median_distance_over_spread"] >= t.ratio_min


runs_occupy_different_regions.gated(STATIONARY_TEXT)(_stationary)


@CLAIMS.claim(
    kind="implied", source="talk: Non-ergodicity; Instead: loss averages over time", section="sas-ergodic",
    statement="runs from different seeds reach the same time-averaged risk although they sit in different regions",
    paper="the loss averages, not the weights, are the object the theory needs",
    criterion="in every setting the 95% interval (paired over the held-out probes) of the relative difference between "
              "a null run's and the base run's held-out time-averaged risk lies within ±{change_max:.0%}; refuted "
              "when some interval lies entirely outside",
    thresholds={"change_max": 0.05, **STATIONARY},
    note="changed after the seed 0-2 classroom runs: the point difference (max 1.9-5.4% against 5%) became an "
         "interval; this can only move a verdict to inconclusive")
def loss_averages_agree_across_runs(m, t):
    return m["max_relative_risk_change_high"] < t.change_max


@loss_averages_agree_across_runs.gated(STATIONARY_TEXT + "; the intervals are resolved: all inside ±{change_max:.0%} "
                                       "or one entirely outside")
def _(m, t):
    resolved = m["max_relative_risk_change_high"] < t.change_max or m["max_relative_risk_change_low"] > t.change_max
    return _stationary(m, t) and resolved


@CLAIMS.claim(
    kind="paper", source="talk: Statistical algorithmic stability (SAS)", section="sas-converged",
    statement="when the weights converge, SAS reduces to classical algorithmic stability of the final weights",
    paper="SAS reduces to standard algorithmic stability if the weights converge",
    criterion="full-batch GD on the linear softmax model with weight decay: the time-averaged β and the one-snapshot β "
              "of the final weights differ by < {tolerance:.0%}",
    thresholds={"tolerance": 0.01, "velocity_max": 1e-5},
    note="once the gate holds this is close to an identity (a time average of a constant); it checks that the SAS "
         "estimator reduces as the talk says. Changed after the seed 0-2 classroom runs: the MLP under full-batch GD "
         "never met the convergence gate (relative step 3e-3), so the convergent regime is now the convex linear model")
def sas_equals_classical_when_converged(m, t):
    return abs(m["beta_sas"] - m["beta_classical"]) < t.tolerance * m["beta_classical"]


@sas_equals_classical_when_converged.gated("the weights converged: the last record's step is < {velocity_max:g} of "
                                           "the weights' norm in every run")
def _(m, t):
    return m["max_relative_velocity"] < t.velocity_max and math.isfinite(m["beta_classical"])


CLAIMS.untested(
    "invariant_measure_exists", kind="paper", source="talk: Invariant measure",
    statement="an ergodic invariant measure exists (compact state space, continuous map), so ergodic averages exist",
    paper="existence theorem",
    reason="a theorem about the hypotheses (compactness, continuity), with nothing a finite run can measure; its "
           "consequence, the existence of time averages, is loss_averages_converge")
CLAIMS.untested(
    "vgg16_cifar10", kind="paper", source="talk: Empirical example, VGG16 on CIFAR10",
    statement="bound and gap of VGG16 trained on CIFAR-10", paper="shown in the talk",
    reason="CIFAR-10 has no offline source here and VGG16 is beyond a 2-core budget; an MNIST MLP stands in")
CLAIMS.untested(
    "early_stopping_unnecessary", kind="paper", source="withdrawn by the authors",
    statement="early stopping or convergence to a flat minimum is unnecessary for generalization",
    paper="removed from the final paper", reason="the authors withdrew this claim; we neither test nor make it")
