"""Every claim of the `free_energy_sphere` chapter, declared once, with its thresholds and its rule.

The notebook measures and hands the values over (``ch.judge(name, measured)``); the verdicts come from the
rules below. Gates (``@rule.gated``) say when a run can decide a claim at all: a stationary tail, enough
estimates, a converged OP net.
"""

from __future__ import annotations

from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("free_energy_sphere")

_UP_STATIONARY = "a stationary tail at the smallest rate (relaxation exponent ≥ {relaxation_min:g})"
_NET_STATIONARY = ("≥ {min_estimates} estimates and a stationary run at the smallest rate (loss drift < "
                   "{drift_max:.0%} between the last two windows)")


# ---- the 3-D sphere toy ----

@CLAIMS.claim(kind="paper", source="Sec. 5, Fig. 5 (after Kodryan et al. 2022)",
              statement="as $\\eta$ grows, OP SGD on the sphere converges, then equilibrates, then wanders like a "
                        "random walk",
              paper="convergence, chaotic equilibrium, divergence as η grows",
              criterion="all three regimes present on the OP grid and ordered along η (convergence: final loss < 1e-8 "
                        "or still falling geometrically; divergence: stationary loss ≥ 0.9 × the uniform level 1/3)",
              thresholds={"decay_min": 10.0}, section="fes-toy")
def toy_three_regimes(m, t):
    return len(m["regimes_present"]) == 3 and m["ordered"]


@toy_three_regimes.gated("the run is long enough to see convergence at the smallest rate "
                         "(steps·2η·λ_min ≥ {decay_min:g})")
def _(m, t):
    return m["decay_exponent"] >= t.decay_min


@CLAIMS.claim(kind="beyond", source="Sec. 5 (toy; the paper shows it for the ConvNet, Fig. 2 centre)",
              statement="UP toy: the free-energy temperature rises monotonically with $\\eta$",
              paper="T increases with η",
              criterion="Spearman ρ(η, √(T⁻T⁺)) ≥ {rho_min:g} over the rates with an estimate",
              thresholds={"rho_min": 0.9, "min_estimates": 5, "relaxation_min": 10.0}, section="fes-up-toy")
def toy_up_temperature_monotone(m, t):
    return m["spearman"] >= t.rho_min


@toy_up_temperature_monotone.gated("≥ {min_estimates} estimates and " + _UP_STATIONARY)
def _(m, t):
    return m["n_estimates"] >= t.min_estimates and m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="beyond", source="Sec. 4 (the authors' k-NN-graph entropy), on the toy",
              statement="UP toy: with the authors' $k$-NN-graph entropy instead of Kozachenko–Leonenko, $T$ still rises "
                        "monotonically with $\\eta$",
              paper="T increases with η (their estimator, on the ConvNet)",
              criterion="Spearman ρ(η, √(T⁻T⁺)) ≥ {rho_min:g} over the rates with an estimate (graph entropy, k = k_graph)",
              thresholds={"rho_min": 0.9, "min_estimates": 5, "relaxation_min": 10.0}, section="fes-up-toy")
def toy_up_temperature_monotone_graph(m, t):
    return m["spearman"] >= t.rho_min


@toy_up_temperature_monotone_graph.gated("≥ {min_estimates} estimates and " + _UP_STATIONARY)
def _(m, t):
    return m["n_estimates"] >= t.min_estimates and m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="paper", source="Abstract; Sec. 5, Fig. 5",
              statement="UP toy: different rates stabilise at different losses, the stationary loss $U$ rising with $\\eta$",
              paper="higher LRs stabilise at higher loss levels",
              criterion="Spearman ρ(η, U) ≥ {rho_min:g} over the equilibrium rates",
              thresholds={"rho_min": 0.9, "relaxation_min": 10.0}, section="fes-up-toy")
def toy_up_loss_rises(m, t):
    return m["spearman"] >= t.rho_min


@toy_up_loss_rises.gated(_UP_STATIONARY)
def _(m, t):
    return m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="beyond", source="Sec. 4–5, Fig. 2 right (shown there for the ConvNet)",
              statement="UP toy: every equilibrium rate minimises $U - TS$ over the rates' clouds for some $T$",
              paper="each LR is the free-energy minimiser at its temperature",
              criterion="≥ {fraction_min:.0%} of the equilibrium rates are ε-minimisers (ε = toy_eps_fraction × range of U); "
                        "the rates that are not are reported as a band, with the entropy of both estimators across it",
              thresholds={"fraction_min": 0.9, "min_rates": 5, "relaxation_min": 10.0}, section="fes-up-toy",
              note="ε is 0 on the toy since phase B of issue 20 (it was 1 % of the range of U, which removed every "
                   "estimate below η ≈ 0.066); the threshold is unchanged, and the change lowers the fraction.")
def toy_up_minimisers(m, t):
    return m["fraction_minimisers"] >= t.fraction_min


@toy_up_minimisers.gated("≥ {min_rates} rates and " + _UP_STATIONARY)
def _(m, t):
    return m["n_rates"] >= t.min_rates and m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="beyond", source="TL;DR; Sec. 4, Fig. 2 right (shown there for the ConvNet)",
              statement="UP toy: the free-energy landscape $F_T(\\eta)$ is convex: one valley at each rate's temperature",
              paper="F_T(η) convex with its minimum at the observed rate",
              criterion="≥ {fraction_min:.0%} of the F_T curves (one per rate with an estimate, at its √(T⁻T⁺)) have no interior "
                        "bump above {bump_max:.0%} of the curve's range",
              thresholds={"fraction_min": 0.9, "bump_max": 0.02, "min_rates": 5, "relaxation_min": 10.0},
              section="fes-up-toy",
              note="The tolerance (a bump is a point above the lowest point on each side of it) replaces the strict "
                   "unimodality of the first version, which counted bumps of any size.")
def toy_up_convex_landscape(m, t):
    bumps = m["bump_heights"]
    return len(bumps) > 0 and sum(b <= t.bump_max for b in bumps) / len(bumps) >= t.fraction_min


@toy_up_convex_landscape.gated("≥ {min_rates} curves and " + _UP_STATIONARY)
def _(m, t):
    return len(m["bump_heights"]) >= t.min_rates and m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="beyond", source="Sec. 3 (F = U − TS over all densities), on the toy",
              statement="UP toy: SGD's stationary cloud *is* the Gibbs law $\\propto e^{-x^\\top A x/T}$ at the inferred "
                        "$T(\\eta)$, the minimiser of $U - TS$ over all densities (up to the loss's $x \\to -x$ symmetry)",
              paper="SGD minimises F = U − TS (the paper compares clouds across LRs only)",
              criterion="|KL| ≤ {kl_max:g} nat at ≥ {fraction_min:.0%} of the rates with an estimate, KL = [F(cloud) − "
                        "F(Gibbs)]/T from U, the Kozachenko–Leonenko S of the folded cloud and the Gibbs law by quadrature",
              thresholds={"kl_max": 0.1, "fraction_min": 0.8, "bias_max": 0.05, "min_rates": 5, "relaxation_min": 10.0},
              section="fes-gibbs",
              note="Written after a first look at the unfolded comparison, whose KL sat near log 2 at small η (the Gibbs "
                   "law has both poles, an SGD run one); kl_max is twice the estimator's allowed bias on exact Gibbs "
                   "samples.")
def toy_up_gibbs_law(m, t):
    kl = [abs(k) for k in m["kl"] if k == k]
    return len(kl) > 0 and sum(k <= t.kl_max for k in kl) / len(kl) >= t.fraction_min


@toy_up_gibbs_law.gated("the entropy estimator's error on exact Gibbs samples is ≤ {bias_max:g} nat, with ≥ {min_rates} "
                        "rates and " + _UP_STATIONARY)
def _(m, t):
    return (max(abs(b) for b in m["estimator_bias"]) <= t.bias_max and len(m["kl"]) >= t.min_rates
            and m["relaxation_exponent"] >= t.relaxation_min)


@CLAIMS.claim(kind="paper", source="Sec. 5, Fig. 5", statement="OP toy: SGD reaches zero loss at small rates",
              paper="zero loss for η below about 1",
              criterion="the worst seed's final loss at each of the four smallest rates is < {loss_max:g}",
              thresholds={"loss_max": 1e-8, "decay_min": 10.0}, section="fes-toy")
def toy_op_converges(m, t):
    return max(m["final_loss_smallest_rates"]) < t.loss_max


@toy_op_converges.gated("the run is long enough for the slowest mode at the smallest rate to decay by "
                        "e^-{decay_min:g} (steps·2η·λ_min ≥ {decay_min:g}, λ_min = 1/4)")
def _(m, t):
    return m["decay_exponent"] >= t.decay_min


@CLAIMS.claim(kind="check", source="Sec. 4, Fig. 3 (toy analogue)",
              statement="OP toy: $T_t = \\Delta U/\\Delta S$ along a converging run falls towards zero",
              paper="T_t falls by orders of magnitude (1e-6 → 1e-11 for the ConvNet)",
              criterion="at each of the (up to four) smallest converging rates the last positive T_t is ≤ "
                        "{drop_max:g} × the first",
              thresholds={"drop_max": 1e-3, "min_positive": 3}, section="fes-op-toy",
              note="Nearly automatic once OP converges: U ∝ δ² and S ∝ log δ, so T_t ∝ δ² → 0.")
def toy_op_temperature_collapse(m, t):
    return max(m["drop_factors"]) <= t.drop_max


@toy_op_temperature_collapse.gated("≥ {min_positive} positive values per rate")
def _(m, t):
    return len(m["n_positive"]) > 0 and min(m["n_positive"]) >= t.min_positive


@CLAIMS.claim(kind="paper", source="Sec. 5, Lemma 1", statement="OP toy: near the optimum the SNR settles at $1/\\sqrt3$",
              paper="SNR ≈ 0.58 = 1/√3, independent of the distance",
              criterion="over the converging rates with η ≤ 0.1 (the small-step limit of the derivation): median SNR "
                        "within {rel_tol:.0%} of 1/√3 and max/min < {spread_max:g}",
              thresholds={"rel_tol": 0.05, "spread_max": 1.1, "min_rates": 3}, section="fes-snr",
              note="Unstable across seeds at classroom: the median is within 0.6 % of 1/√3 at seeds 0, 1, 2, but the "
                   "spread over the 40 rates is 1.094, 1.094, 1.102 against 1.1 — the SNR creeps up towards η = 0.1 (a "
                   "finite-step effect), so the spread part sits on its threshold.")
def toy_snr_op_constant(m, t):
    return abs(m["median_snr"] / m["theory"] - 1) < t.rel_tol and m["spread"] < t.spread_max


@toy_snr_op_constant.gated("≥ {min_rates} such rates")
def _(m, t):
    return m["n_rates"] >= t.min_rates


@CLAIMS.claim(kind="paper", source="Sec. 5", statement="UP toy: the SNR falls towards zero as $\\eta \\to 0$",
              paper="UP SNR small (≈ 0.03 at η = 1e-3 up to ≈ 0.45 at 0.41)",
              criterion="Spearman ρ(η, SNR) ≥ {rho_min:g} over the equilibrium rates and SNR < {snr_max:g} at the "
                        "smallest rate",
              thresholds={"rho_min": 0.9, "snr_max": 0.1, "relaxation_min": 10.0}, section="fes-snr")
def toy_snr_up_falls(m, t):
    return m["spearman"] >= t.rho_min and m["snr_smallest_rate"] < t.snr_max


@toy_snr_up_falls.gated(_UP_STATIONARY)
def _(m, t):
    return m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="paper", source="Sec. 5, Fig. 5 (values from the figure)", name="toy_snr_up_{variant}",
              variants=("small_rate", "large_rate"),
              statement="UP toy: the SNR has the published value at {variant} (η = 1e-3: ≈ 0.03; η = 0.41: ≈ 0.45)",
              paper="≈ 0.03 at η = 1e-3, ≈ 0.45 at η = 0.41 (read off a log-scale figure)",
              criterion="the SNR of the stationary cloud (median over all tail iterates of all seeds, interpolated in log η) "
                        "is within a factor {factor:g} of the published value",
              thresholds={"factor": 1.5, "relaxation_min": 10.0}, section="fes-snr",
              note="First read at one point per seed (the last log step), which varied between seeds (0.013 and 0.023 "
                   "at η = 1e-3 for seeds 0 and 1); the tail median replaced it, with the factor unchanged. With it, "
                   "η = 1e-3 gives 0.0166, 0.0170, 0.0194 at seeds 0, 1, 2 (published ≈ 0.03).")
def toy_snr_up_published(m, t):
    return 1 / t.factor <= m["snr"] / m["published"] <= t.factor


@toy_snr_up_published.gated(_UP_STATIONARY)
def _(m, t):
    return m["relaxation_exponent"] >= t.relaxation_min


@CLAIMS.claim(kind="beyond", source="follow-up paper's toy (T = ησ²/2)",
              statement="the temperature estimator recovers $T = \\eta\\sigma^2/2$ on the isotropic-noise sphere toy",
              paper="T = ησ²/2",
              criterion="median |T_est/(ησ²/2) − 1| ≤ {error_max:g} over the rates with an estimate",
              thresholds={"error_max": 0.15, "min_estimates": 3}, section="fes-known-t")
def method_isotropic_toy(m, t):
    return m["median_abs_error"] <= t.error_max


@method_isotropic_toy.gated("≥ {min_estimates} estimates")
def _(m, t):
    return m["n_estimates"] >= t.min_estimates


# ---- the scale-invariant ConvNets ----

_NET_FIT_GATE = _NET_STATIONARY + ", and a 95 % interval of the exponent no wider than ±{tolerance:g}"


@CLAIMS.claim(kind="beyond", source="Sec. 4 (UP: a model that cannot fit its training set)",
              statement="the \"UP\" ConvNet cannot fit the training set, while the OP one can in the same steps",
              paper="UP = too few parameters to interpolate (CIFAR-10, c = 8)",
              criterion="the lowest training loss the UP net reaches at any rate and logged step is ≥ {fit_min:g}",
              thresholds={"fit_min": 0.2, "interpolated_max": 0.05}, section="fes-convnets")
def net_up_cannot_fit(m, t):
    return m["up_lowest_loss"] >= t.fit_min


@net_up_cannot_fit.gated("the OP net fitted the same images in the same steps (final loss < {interpolated_max:g} "
                         "at its smallest rate)")
def _(m, t):
    return m["op_final_loss"] < t.interpolated_max


@CLAIMS.claim(kind="paper", source="Abstract; Sec. 4, Fig. 1",
              statement="UP ConvNet: different rates stabilise at different losses, $U$ rising with the effective rate",
              paper="higher LRs stabilise at higher loss levels (CIFAR-10)",
              criterion="Spearman ρ(η, U) ≥ {rho_min:g} over the rates",
              thresholds={"rho_min": 0.9, "min_estimates": 1, "drift_max": 0.1}, section="fes-convnets")
def net_up_loss_rises(m, t):
    return m["spearman"] >= t.rho_min


@net_up_loss_rises.gated("a stationary run at the smallest rate (loss drift < {drift_max:.0%} between the last two "
                         "windows)")
def _(m, t):
    return m["drift_smallest_rate"] < t.drift_max


@CLAIMS.claim(kind="paper", source="Sec. 4, Fig. 2 centre",
              statement="UP ConvNet: $T$ rises monotonically with the effective rate",
              paper="T increases with η (CIFAR-10)",
              criterion="Spearman ρ(η, √(T⁻T⁺)) ≥ {rho_min:g}",
              thresholds={"rho_min": 0.9, "min_estimates": 4, "drift_max": 0.1}, section="fes-convnets")
def net_up_temperature_monotone(m, t):
    return m["spearman"] >= t.rho_min


@net_up_temperature_monotone.gated(_NET_STATIONARY)
def _(m, t):
    return m["n_estimates"] >= t.min_estimates and m["drift_smallest_rate"] < t.drift_max


@CLAIMS.claim(kind="paper", source="Sec. 4, Fig. 2 centre",
              statement="a power law $T \\approx b\\,\\eta^a$ fits the UP ConvNet's temperature",
              paper="UP ≈ 3.9e-3·η^0.85 (CIFAR-10)",
              criterion="log–log fit with R² ≥ {r2_min:g} and an exponent interval above 0",
              thresholds={"r2_min": 0.9, "min_estimates": 4, "drift_max": 0.1}, section="fes-convnets")
def net_power_law(m, t):
    return m["up_r2"] >= t.r2_min and m["up_exponent_ci"][0] > 0


@net_power_law.gated(_NET_STATIONARY)
def _(m, t):
    return m["n_estimates"] >= t.min_estimates and m["drift_smallest_rate"] < t.drift_max


@CLAIMS.claim(kind="paper", source="Sec. 4, Fig. 2 centre", name="net_{variant}_exponent", variants=("up", "op"),
              statement="the {variant} ConvNet's temperature exponent $a$ in $T \\approx b\\,\\eta^a$ is the published one",
              paper="UP a ≈ 0.85, OP a ≈ 0.86 (ConvNet, CIFAR-10; Fashion-MNIST here)",
              criterion="|a − published| ≤ {tolerance:g}",
              thresholds={"tolerance": 0.3, "min_estimates": 4, "drift_max": 0.1}, section="fes-convnets")
def net_exponent(m, t):
    return abs(m["exponent"] - m["published"]) <= t.tolerance


@net_exponent.gated(_NET_FIT_GATE)
def _(m, t):
    ci = m["exponent_ci"]
    return (m["n_estimates"] >= t.min_estimates and m["drift_smallest_rate"] < t.drift_max and len(ci) == 2
            and (ci[1] - ci[0]) / 2 <= t.tolerance)


@CLAIMS.claim(kind="paper", source="Sec. 4, Fig. 3",
              statement="OP ConvNet: at the smallest rates the loss goes to zero and $T_t$ collapses",
              paper="zero loss; T_t from 1e-6 to 1e-11–1e-12",
              criterion="final training loss < {loss_max:g} and the last T_t ≤ {drop_max:g} × the first positive T_t "
                        "at the two smallest rates",
              thresholds={"loss_max": 0.01, "drop_max": 1e-3, "interpolated_max": 0.05}, section="fes-convnets")
def net_op_temperature_collapse(m, t):
    return max(m["final_loss"]) < t.loss_max and max(m["drop_factors"]) <= t.drop_max


@net_op_temperature_collapse.gated("the OP net interpolated (final loss < {interpolated_max:g} at the smallest rate)")
def _(m, t):
    return m["final_loss"][0] < t.interpolated_max


@CLAIMS.claim(kind="paper", source="Sec. 5", statement="UP ConvNet: the gradient SNR plateaus",
              paper="UP SNR plateaus (≈ 0.35)",
              criterion="median over rates of SNR(end)/SNR(middle log point) in [{up_low:g}, {up_high:g}]",
              thresholds={"up_low": 0.5, "up_high": 2.0, "drift_max": 0.1}, section="fes-convnets")
def net_snr_up_plateau(m, t):
    return t.up_low <= m["up_ratio"] <= t.up_high


@net_snr_up_plateau.gated("a stationary UP run at the smallest rate (loss drift < {drift_max:.0%} between the last two "
                          "windows)")
def _(m, t):
    return m["drift_smallest_rate"] < t.drift_max


@CLAIMS.claim(kind="paper", source="Sec. 5", statement="OP ConvNet: the gradient SNR keeps falling as the net converges",
              paper="OP SNR keeps falling",
              criterion="median over the converging OP rates (final loss < {interpolated_max:g}) of SNR(end)/SNR(middle "
                        "log point) < {op_max:g}",
              thresholds={"op_max": 0.5, "interpolated_max": 0.05}, section="fes-convnets")
def net_snr_op_falls(m, t):
    return m["op_ratio"] < t.op_max


@net_snr_op_falls.gated("at least one OP rate converged (final loss < {interpolated_max:g})")
def _(m, t):
    return m["n_converging"] >= 1


# ---- statements the book cannot test ----

CLAIMS.untested("resnet18_fits", kind="paper", source="Sec. 4 (ResNet-18 on CIFAR-10)",
                statement="ResNet-18: UP $T \\approx 3.9\\cdot10^{-4}\\eta^{0.57}$, OP $2.4\\cdot10^{-6}\\eta^{0.34}$",
                paper="UP 3.9e-4·η^0.57, OP 2.4e-6·η^0.34",
                reason="no offline CIFAR-10 and no ResNet-18 runs of 1.6 M steps at 22 rates within any CPU budget")
CLAIMS.untested("theorem1", kind="paper", source="Theorem 1",
                statement="Theorem 1 of the paper",
                paper="stated in the full text",
                reason="only the abstract is available offline (papers/NOTES.md): the theorem's statement is unknown")
CLAIMS.untested("table1", kind="paper", source="Table 1",
                statement="the entries of Table 1",
                paper="stated in the full text",
                reason="only the abstract is available offline (papers/NOTES.md): the table's contents are unknown")
