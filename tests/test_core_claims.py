"""Verdicts are computed from measured values; results files round-trip and are checked when read."""

import dataclasses
import json

import numpy as np
import pytest

from thermo_utils.claims import VERDICTS, ResultsError, judge, not_tested, read_results, scorecard, write_results
from thermo_utils.configs.thermometry import SPEC


def make(value, decidable=None):
    return judge("thermometry.toy", source="s", statement="x is small", criterion="x < 1", paper="x < 1",
                 measured={"x": value}, passed=lambda m: m["x"] < 1, decidable=decidable)


def test_verdicts_follow_the_criterion():
    assert make(0.5).verdict == "reproduced"
    assert make(1.5).verdict == "not_reproduced"
    assert make(0.5, decidable=lambda m: False).verdict == "inconclusive"
    assert make(1.5, decidable=lambda m: True).verdict == "not_reproduced"
    assert not_tested("thermometry.t", source="s", statement="s", paper="p", reason="no data").verdict == "not_tested"


def test_measured_values_become_plain_json():
    claim = judge("thermometry.np", source="s", statement="s", criterion="c", paper="p",
                  measured={"a": np.float32(0.5), "b": np.arange(3), "c": {"d": np.int64(2)}, "e": float("inf")},
                  passed=lambda m: m["a"] < 1)
    json.dumps(claim.measured)
    assert claim.measured["b"] == [0, 1, 2] and claim.measured["c"]["d"] == 2 and claim.measured["e"] == "inf"


def test_results_round_trip(tmp_path):
    cfg = SPEC.resolve("smoke", seed=7)
    claims = [make(0.5), dataclasses.replace(make(2.0), id="thermometry.other")]
    path = write_results(cfg, claims, 12.345, path=tmp_path / "r.json")
    record = read_results(path)
    assert record["chapter"] == "thermometry" and record["profile"] == "smoke" and record["seed"] == 7
    assert record["runtime_s"] == 12.35
    assert [c["verdict"] for c in record["claims"]] == ["reproduced", "not_reproduced"]
    assert record["parameters"]["n_chains"] == cfg.n_chains
    assert set(record["environment"]) >= {"python", "torch", "thermo_utils", "device"}
    table = scorecard(record["claims"])
    assert list(table["verdict"]) == ["reproduced", "not_reproduced"]


def test_claim_ids_must_belong_to_the_chapter(tmp_path):
    cfg = SPEC.resolve("smoke")
    alien = judge("other.x", source="s", statement="s", criterion="c", paper="p", measured={}, passed=lambda m: True)
    with pytest.raises(ValueError, match="must start with 'thermometry.'"):
        write_results(cfg, [alien], 1.0, path=tmp_path / "r.json")
    with pytest.raises(ValueError, match="duplicate"):
        write_results(cfg, [make(0.1), make(0.2)], 1.0, path=tmp_path / "r.json")


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
    path = write_results(cfg, [make(0.5)], 1.0, path=tmp_path / "r.json")
    record = json.loads(path.read_text())
    record["claims"][0]["verdict"] = "sort_of"
    path.write_text(json.dumps(record))
    with pytest.raises(ResultsError, match="sort_of"):
        read_results(path)
    assert "sort_of" not in VERDICTS
