"""The robustness record: verdicts per claim and seed, read from the results files; unstable claims marked."""

from types import SimpleNamespace

import pytest

from thermo_utils.harness import robustness
from thermo_utils.harness.claims import ClaimSet, judge, write_results


def _results(seed, ratio):
    claims = ClaimSet("alpha")
    a = claims.claim(kind="paper", source="", statement="", paper="", criterion="", name="a")(lambda m, t: m["r"] < 1)
    b = claims.claim(kind="paper", source="", statement="", paper="", criterion="", name="b")(lambda m, t: True)
    config = SimpleNamespace(chapter="alpha", as_dict=lambda: {"profile": "smoke", "seed": seed})
    write_results(config, [judge(a, {"r": ratio}), judge(b, {})], 1.0)


def test_verdicts_per_seed_and_unstable_claims(tmp_path, monkeypatch):
    monkeypatch.setenv("THERMO_BUILD", str(tmp_path))
    _results(0, 0.5)
    _results(1, 1.5)
    table = robustness.verdict_table("smoke", [0, 1, 2], ["alpha"])
    assert table["alpha"]["alpha.a"] == {"0": "reproduced", "1": "not_reproduced", "2": robustness.FAILED}
    assert table["alpha"]["alpha.b"] == {"0": "reproduced", "1": "reproduced", "2": robustness.FAILED}
    record = robustness.write_robustness("smoke", [0, 1, 2], table)
    assert record["unstable"] == ["alpha.a"]  # a seed that did not run is not a change of verdict
    assert robustness.read_robustness("smoke") == record
    assert (tmp_path / "results" / "smoke" / "seed-1" / "alpha.json").exists()  # seed 0 stays where the book reads


def test_no_record_reads_as_none(tmp_path, monkeypatch):
    monkeypatch.setenv("THERMO_BUILD", str(tmp_path))
    assert robustness.read_robustness("smoke") is None
    (tmp_path / "results" / "smoke").mkdir(parents=True)
    robustness.robustness_path("smoke").write_text("{oops")
    assert robustness.read_robustness("smoke") is None


@pytest.mark.parametrize("seeds", [[0], [1, 1], [0, -1]])
def test_bad_seeds_are_refused_before_any_run(seeds):
    with pytest.raises(ValueError, match="seeds"):
        robustness.run_robustness("smoke", seeds, ["thermometry"])


def test_collect_records_the_results_present_without_running(tmp_path, monkeypatch):
    monkeypatch.setenv("THERMO_BUILD", str(tmp_path))
    _results(0, 0.5)
    _results(2, 0.5)
    logged = []
    assert robustness.run_robustness("smoke", [0, 2], ["thermometry"], collect=True, log=logged.append) == 0
    record = robustness.read_robustness("smoke")
    assert record["seeds"] == [0, 2] and record["chapters"]["thermometry"] == {}  # no results of that chapter here
    table = robustness.verdict_table("smoke", [0, 2], ["alpha"])
    assert table["alpha"]["alpha.a"] == {"0": "reproduced", "2": "reproduced"}


def test_another_seed_never_overwrites_the_books_figures(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from thermo_utils.chapters.thermometry.config import SPEC
    from thermo_utils.harness.plotting import new_figure, save_figure

    monkeypatch.setenv("THERMO_BUILD", str(tmp_path))
    paths = [save_figure(new_figure()[0], SPEC.resolve("smoke", seed=seed), "fig-x") for seed in (0, 1)]
    assert paths[0] == tmp_path / "figures" / "smoke" / "thermometry" / "fig-x.png"
    assert paths[1] == tmp_path / "figures" / "smoke" / "thermometry" / "seed-1" / "fig-x.png"
