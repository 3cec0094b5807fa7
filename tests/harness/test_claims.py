"""Claims: declared once, judged by their rule (gate first), criterion text from the same thresholds,
every declared claim accounted for, results files that round-trip and are checked when read."""

import json

import numpy as np
import pytest

from thermo_utils.chapters.thermometry.config import SPEC
from thermo_utils.harness.claims import (
    VERDICTS,
    ClaimError,
    ClaimSet,
    ResultsError,
    complete,
    fill,
    judge,
    not_tested,
    read_results,
    scorecard,
    write_results,
)


def toy_claims() -> ClaimSet:
    claims = ClaimSet("thermometry")

    @claims.claim(kind="paper", source="Eq. 1", statement="x is small", paper="x < 1",
                  criterion="x < {limit}", thresholds={"limit": 1.0, "n_min": 10}, section="sec-x")
    def small(m, t):
        return m["x"] < t.limit

    @small.gated("n ≥ {n_min}")
    def _(m, t):
        return m["n"] >= t.n_min

    @claims.claim(kind="check", source="Eq. 2", statement="{variant} is exact", paper="exact",
                  criterion="error < {tol:.0e}", thresholds={"tol": 1e-12}, name="{variant}_exact",
                  variants=("gcn", "gat"))
    def exact(m, t):
        return m["error"] < t.tol

    claims.untested("cifar", kind="paper", source="Table 1", statement="works on CIFAR-10", paper="93 %",
                    reason="no offline CIFAR-10")
    return claims


def test_gate_first_then_the_rule():
    spec = toy_claims()["small"]
    assert judge(spec, {"x": 0.5, "n": 10}).verdict == "reproduced"
    assert judge(spec, {"x": 1.0, "n": 10}).verdict == "not_reproduced"  # the boundary belongs to "not"
    assert judge(spec, {"x": 0.5, "n": 9}).verdict == "inconclusive"
    assert judge(spec, {"x": 5.0, "n": 9}).verdict == "inconclusive"  # a failed gate hides nothing: it decides nothing


def test_criterion_is_formatted_from_the_thresholds_the_rule_used():
    spec = toy_claims()["small"]
    claim = judge(spec, {"x": 1.5, "n": 20}, thresholds={"limit": 2.0})
    assert claim.verdict == "reproduced" and claim.thresholds == {"limit": 2.0, "n_min": 10}
    assert claim.criterion == "x < 2; decided only when n ≥ 10"
    with pytest.raises(ClaimError, match="unknown thresholds"):
        judge(spec, {"x": 1, "n": 20}, thresholds={"limt": 2.0})


def test_tex_braces_survive_formatting():
    assert fill(r"$\eta^{2}$ within {tol:.1%}", {"tol": 0.05}) == r"$\eta^{2}$ within 5.0%"


def test_variants_expand_ids_and_statements():
    claims = toy_claims()
    assert claims.ids() == ["thermometry.small", "thermometry.gcn_exact", "thermometry.gat_exact", "thermometry.cifar"]
    claim = judge(claims["{variant}_exact"], {"error": 1e-15}, variant="gat")
    assert claim.id == "thermometry.gat_exact" and claim.statement == "gat is exact" and claim.kind == "check"
    with pytest.raises(ClaimError, match="variant"):
        judge(claims["{variant}_exact"], {"error": 0.0}, variant="mlp")


def test_a_missing_measurement_is_named():
    with pytest.raises(ClaimError, match="'n'"):
        judge(toy_claims()["small"], {"x": 0.5})


def test_nan_reaches_the_rule_as_a_number():
    claim = judge(toy_claims()["small"], {"x": float("nan"), "n": 20})
    assert claim.verdict == "not_reproduced" and claim.measured["x"] == "nan"


def test_every_declared_claim_must_be_judged_once():
    claims = toy_claims()
    judged = [judge(claims["small"], {"x": 0, "n": 10}),
              judge(claims["{variant}_exact"], {"error": 0}, variant="gcn")]
    with pytest.raises(ClaimError, match="thermometry.gat_exact is declared but the chapter never judged it"):
        complete(claims, judged)
    judged.append(judge(claims["{variant}_exact"], {"error": 1}, variant="gat"))
    done = complete(claims, judged)
    assert [c.id for c in done] == claims.ids()
    assert done[-1].verdict == "not_tested" and "CIFAR" in done[-1].note
    with pytest.raises(ClaimError, match="judged twice"):
        complete(claims, judged + judged[:1])


def test_the_table_is_generated_from_the_declarations():
    table = toy_claims().table()
    rows = table.splitlines()[2:]
    assert len(rows) == 4
    assert rows[0].startswith("| `thermometry.small` | paper | Eq. 1 | x is small | {ref}`its section <sec-x>` |")
    assert rows[-1].startswith("| `thermometry.gat_exact` | check")  # grouped by kind: paper first, check last
    with pytest.raises(ClaimError, match="declared twice"):
        claims = toy_claims()
        claims.untested("cifar", kind="paper", source="", statement="", paper="", reason="r")


def test_kinds_are_checked():
    with pytest.raises(ClaimError, match="kind"):
        ClaimSet("thermometry").claim(kind="extension", source="", statement="", paper="", criterion="")(lambda m, t: 1)


def test_measured_values_become_plain_json():
    claims = ClaimSet("thermometry")
    spec = claims.claim(kind="paper", source="s", statement="s", paper="p", criterion="c")(lambda m, t: m["a"] < 1)
    claim = judge(spec, {"a": np.float32(0.5), "b": np.arange(3), "c": {"d": np.int64(2)}, "e": float("inf")})
    json.dumps(claim.measured)
    assert claim.measured["b"] == [0, 1, 2] and claim.measured["c"]["d"] == 2 and claim.measured["e"] == "inf"


def test_results_round_trip(tmp_path):
    cfg = SPEC.resolve("smoke", seed=7)
    claims = toy_claims()
    done = complete(claims, [judge(claims["small"], {"x": 0, "n": 10})]
                    + [judge(claims["{variant}_exact"], {"error": e}, variant=v) for v, e in (("gcn", 0), ("gat", 1))])
    path = write_results(cfg, done, 12.345, path=tmp_path / "r.json", requested_device="cpu")
    record = read_results(path)
    assert record["chapter"] == "thermometry" and record["profile"] == "smoke" and record["seed"] == 7
    assert record["runtime_s"] == 12.35
    assert [c["verdict"] for c in record["claims"]] == ["reproduced", "reproduced", "not_reproduced", "not_tested"]
    assert [c["kind"] for c in record["claims"]] == ["paper", "check", "check", "paper"]
    assert record["parameters"]["n_chains"] == cfg.n_chains
    assert record["environment"]["device"] == "cpu" and record["environment"]["device_requested"] == "cpu"
    table = scorecard(record["claims"])
    assert list(table["kind"]) == ["paper", "paper", "check", "check"]


def test_claim_ids_must_belong_to_the_chapter(tmp_path):
    cfg = SPEC.resolve("smoke")
    alien = not_tested(ClaimSet("other").untested("x", kind="paper", source="", statement="", paper="", reason="r"))
    with pytest.raises(ValueError, match="must start with 'thermometry.'"):
        write_results(cfg, [alien], 1.0, path=tmp_path / "r.json")
    mine = judge(toy_claims()["small"], {"x": 0, "n": 10})
    with pytest.raises(ValueError, match="duplicate"):
        write_results(cfg, [mine, mine], 1.0, path=tmp_path / "r.json")


@pytest.mark.parametrize("content, message", [
    ("{not json", "corrupted"), ("[1, 2]", "expected a JSON object"), ('{"chapter": "x"}', "missing keys"),
])
def test_malformed_results_are_detected(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ResultsError, match=message):
        read_results(path)


def test_invented_verdicts_are_rejected(tmp_path):
    cfg = SPEC.resolve("smoke")
    path = write_results(cfg, [judge(toy_claims()["small"], {"x": 0, "n": 10})], 1.0, path=tmp_path / "r.json")
    record = json.loads(path.read_text())
    record["claims"][0]["verdict"] = "sort_of"
    path.write_text(json.dumps(record))
    with pytest.raises(ResultsError, match="sort_of"):
        read_results(path)
    assert "sort_of" not in VERDICTS
