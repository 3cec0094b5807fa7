"""Every claim of the ``thermophoresis`` chapter (Wei & Schwab), declared once, with its rule."""

from __future__ import annotations

from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("thermophoresis")

SETTINGS = ("main", "small_gaussian", "small_uniform")
SETTING_WORDS = {"main": "main setting, M = N = 100", "small_gaussian": "M = N = 10, Gaussian inputs, bias",
                 "small_uniform": "M = N = 10, no bias, uniform inputs"}

# ------------------------------------------------------------------------------------------------------------
# The two-layer network on random labels
# ------------------------------------------------------------------------------------------------------------


@CLAIMS.claim(kind="paper", source="Sec. 6, Figs. 2-3, 7", statement="the activation rate decreases during training",
              paper="decreases for every η and |B|",
              criterion="every model of every setting ends with a lower activation rate than it started with",
              section="thermophoresis-two-layer")
def activation_decreases(m, t):
    return all(v > 0 for v in m.values())


@CLAIMS.claim(kind="paper", source="Sec. 5, Figs. 4, 8",
              statement="the norm of the second layer, ‖V‖, decreases during training", paper="decreases",
              criterion="every model of every setting ends with a smaller ‖V‖ than it started with",
              section="thermophoresis-two-layer",
              note="with PyTorch's default initialisation ‖V‖ grows in the main setting; see the text")
def vnorm_decreases(m, t):
    return all(v < 1 for v in m.values())


@CLAIMS.claim(kind="paper", source="Sec. 6", statement="larger learning rates lower the activation rate faster",
              paper="faster with larger η",
              criterion="Spearman correlation between η and the final activation rate (main setting) is negative, "
                        "95 % CI below 0",
              section="thermophoresis-two-layer")
def faster_with_eta(m, t):
    return m["ci_high"] < 0


@CLAIMS.claim(kind="paper", source="App. A.6, Fig. 5", statement="smaller batches lower the activation rate faster",
              paper="faster with smaller |B|",
              criterion="Spearman correlation between |B| and the final activation rate (main setting) is positive, "
                        "95 % CI above 0",
              section="thermophoresis-two-layer")
def faster_with_small_batch(m, t):
    return m["ci_low"] > 0


@CLAIMS.claim(kind="paper", source="Sec. 6, Fig. 2 top",
              statement="activation-rate curves overlap when time is rescaled by the squared learning rate",
              paper="overlap on η² t, not on t or η t",
              criterion="the η² t axis gives a smaller spread between curves than the t and η t axes (main setting)",
              section="thermophoresis-two-layer")
def eta2_collapse(m, t):
    return m["spread_eta2_t"] < min(m["spread_t"], m["spread_eta_t"])


# Collapse exponents: a bootstrap interval over seeds; decidable when it can tell neighbouring integers apart.
EXPONENT_THRESHOLDS = {"width_max": 1.0, "edge_low": 0.05, "edge_high": 3.95}
EXPONENT_CRITERION = "the 95 % bootstrap interval of the best exponent contains {target:g}"
EXPONENT_GATE = "the interval is narrower than {width_max:g} and the optimum lies inside ({edge_low:g}, {edge_high:g})"


def exponent_contains(m, t):
    return m["ci_low"] <= t.target <= m["ci_high"]


def exponent_decidable(m, t):
    return m["ci_high"] - m["ci_low"] < t.width_max and t.edge_low < m["exponent"] < t.edge_high


def _exponent_claim(name: str, source: str, statement: str, target: float, section: str, kind: str = "paper",
                    note: str = ""):
    spec = CLAIMS.claim(kind=kind, source=source, statement=statement, paper=f"p = {target:g}",
                        criterion=EXPONENT_CRITERION, thresholds={"target": target, **EXPONENT_THRESHOLDS},
                        section=section, name=name, note=note)(exponent_contains)
    spec.gated(EXPONENT_GATE)(exponent_decidable)
    return spec


for _name, _where in [("main", "Sec. 6, Fig. 2 top"), ("small_gaussian", "App. A.6, Fig. 3"),
                      ("small_uniform", "App. A.6, Fig. 7")]:
    _exponent_claim(f"eta2_exponent_{_name}", _where,
                    f"activation-rate curves collapse best on η^p t with p = 2 ({SETTING_WORDS[_name]})", 2.0,
                    "thermophoresis-collapse")
for _name, _where in [("main", "Eq. 28"), ("small_gaussian", "App. A.6, Fig. 5"), ("small_uniform", "App. A.6, Fig. 9")]:
    _exponent_claim(f"batch_exponent_{_name}", _where,
                    f"activation-rate curves collapse best on t/|B|^p with p = 1 ({SETTING_WORDS[_name]})", 1.0,
                    "thermophoresis-collapse")
_exponent_claim("vnorm_eta2_exponent", "Fig. 4", "‖V‖ curves collapse best on η² t (main setting)", 2.0,
                "thermophoresis-collapse")

# ------------------------------------------------------------------------------------------------------------
# The random walk of Eqs. 8-11
# ------------------------------------------------------------------------------------------------------------


@CLAIMS.claim(kind="check", source="Eqs. 8-11",
              statement="the random walk drifts towards smaller g at a speed proportional to η²",
              paper="c ∝ η², negative",
              criterion="every measured drift points to smaller g and the 95 % CI of the power-law exponent in η "
                        "contains {target:g}",
              thresholds={"target": 2.0, "width_max": 1.0}, section="thermophoresis-walk",
              note="measured in y = ∫dq/g, where Itô's lemma gives −η² g g′/2: a check of the derivation")
def walk_drift_eta2(m, t):
    return m["max_drift"] < 0 and m["ci_low"] <= t.target <= m["ci_high"]


@walk_drift_eta2.gated("the interval is narrower than {width_max:g}")
def _(m, t):
    return m["ci_high"] - m["ci_low"] < t.width_max


@CLAIMS.claim(kind="check", source="Eq. 11", statement="the drift equals the Soret coefficient −η² g g′/2",
              paper="c = −η² g g′/2 (leading order in η)",
              criterion="measured / predicted drift within {tolerance:.0%} of 1 at every step size",
              thresholds={"tolerance": 0.1}, section="thermophoresis-walk")
def walk_soret_magnitude(m, t):
    return all(abs(r - 1) < t.tolerance for r in m["ratios"])


@CLAIMS.claim(kind="implied", source="Eq. 10 (zero flux)",
              statement="the stationary density of the walk is proportional to 1/g",
              paper="not stated; setting J = 0 in Eq. 10 gives ρ ∝ g⁻¹",
              criterion="the 95 % CI of the exponent of ρ against g contains {target:g}",
              thresholds={"target": -1.0}, section="thermophoresis-walk",
              note="the walk's own Fokker-Planck equation predicts ρ ∝ g⁻²")
def walk_stationary_density(m, t):
    return m["ci_low"] <= t.target <= m["ci_high"]


# ------------------------------------------------------------------------------------------------------------
# Deep networks
# ------------------------------------------------------------------------------------------------------------

DEEP = {"fc": ("Sec. 6, Fig. 2 middle", "6-layer FC net, Gaussian data"),
        "cnn": ("Sec. 6, Fig. 2 bottom", "6-layer CNN, Fashion-MNIST")}


def deep_variance_rule(m, t):
    return m["max_end_over_start"] < 1 and m["ci_low"] <= t.target <= m["ci_high"]


for _key, (_where, _what) in DEEP.items():
    _spec = CLAIMS.claim(
        kind="paper", source=_where,
        statement=f"the gradient variance falls during training at a rate proportional to η² ({_what})",
        paper="falls; curves overlap on η² t",
        criterion="the seed-mean variance ends below its start for every η, and the 95 % CI of the best collapse "
                  "exponent contains {target:g}",
        thresholds={"target": 2.0, **EXPONENT_THRESHOLDS}, section="thermophoresis-deep",
        name=f"deep_{_key}_variance")(deep_variance_rule)
    _spec.gated(EXPONENT_GATE)(exponent_decidable)

# ------------------------------------------------------------------------------------------------------------
# Controls and the CIFAR-10 appendix
# ------------------------------------------------------------------------------------------------------------


@CLAIMS.claim(kind="beyond", source="(control)",
              statement="without gradient noise (full-batch GD) the activation rate does not fall",
              paper="not shown; the theory attributes the effect to the noise",
              criterion="the mean activation-rate drop under GD is less than {fraction:g} of SGD's at the same η, "
                        "data and start",
              thresholds={"fraction": 0.2}, section="thermophoresis-controls")
def gd_control(m, t):
    return m["gd_drop"] < t.fraction * m["sgd_drop"]


@gd_control.gated("SGD lowers the activation rate (mean drop > 0)")
def _(m, t):
    return m["sgd_drop"] > 0


@CLAIMS.claim(kind="beyond", source="Eq. 27", statement="with learnable labels the force fades as the predictions improve",
              paper="force ∝ E(p − y)², weaker once the model fits",
              criterion="at every η tested, teacher labels give both a smaller late (p − y)² and a smaller "
                        "activation-rate drop than random labels",
              section="thermophoresis-controls")
def learnable_labels(m, t):
    return all(r < 1 for r in m["drop_ratio"]) and all(r < 1 for r in m["sq_error_ratio"])


@CLAIMS.claim(kind="paper", source="App. A.6, Figs. 11-14 (run on Fashion-MNIST)",
              statement="one hidden layer of 300 units on real images: activation rate and ‖V‖ fall during training",
              paper="both fall (CIFAR-10)",
              criterion="on Fashion-MNIST (CIFAR-10 substitute), the seed-mean activation rate ends lower and ‖V‖ "
                        "ends smaller than at the start for every η",
              section="thermophoresis-fashion",
              note="CIFAR-10 has no offline source here: Fashion-MNIST with binary labels instead")
def cifar_appendix(m, t):
    return all(a < 0 for a in m["activation_change"]) and all(v < 1 for v in m["vnorm_end_over_start"])
