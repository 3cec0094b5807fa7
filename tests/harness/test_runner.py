"""The runner: one-line errors, validation before any kernel starts, failures that name chapter and cell,
caching, and corrupted results recomputed."""

import json
import subprocess
import sys
import time
from types import SimpleNamespace

import nbformat
import pytest

from thermo_utils.harness import runner
from thermo_utils.harness.paths import REPO_ROOT


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "thermo_utils", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env, timeout=120)


def test_unknown_chapter_and_profile_are_one_line_errors():
    done = cli("run", "nope", "--profile", "smoke")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "unknown chapter 'nope'; valid chapters: thermometry" in done.stderr
    done = cli("build", "--profile", "huge")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: unknown profile 'huge'; valid profiles: smoke, classroom, paper"


def test_bad_parameter_fails_before_any_work(tmp_path):
    env = {"THERMO_BUILD": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    start = time.perf_counter()
    done = cli("run", "thermometry", "--profile", "smoke", "-p", "n_chains", "-5", env=env)
    assert done.returncode == 2
    assert "parameter 'n_chains' = -5 is invalid: expected int in [1, 100000]" in done.stderr
    assert not (tmp_path / "executed").exists()  # no kernel was started
    assert time.perf_counter() - start < 60


def _fake_chapter(tmp_path, body, slug="fake"):
    """A registered-looking chapter whose notebook writes a results file, then runs ``body``."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('profile = "smoke"\nseed = 0', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import json\nfrom thermo_utils.harness.paths import results_dir\n"
            "d = results_dir(profile, seed); d.mkdir(parents=True, exist_ok=True)\n"
            f"(d / '{slug}.json').write_text(json.dumps({{'chapter': '{slug}', 'profile': profile, 'seed': seed, "
            f"'parameters': {{}}, 'runtime_s': 0.1, 'environment': {{}}, 'claims': []}}))"),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / f"{slug}.ipynb"
    nbformat.write(nb, path)
    return SimpleNamespace(slug=slug, notebook=path, written=True)


@pytest.fixture
def fake_env(tmp_path, monkeypatch):
    monkeypatch.setenv("THERMO_BUILD", str(tmp_path / "build"))
    monkeypatch.setattr(runner, "validate_parameters", lambda *a: None)

    def install(body):
        chapter = _fake_chapter(tmp_path, body)
        monkeypatch.setattr(runner, "get_chapter", lambda slug: chapter)
        return chapter

    return install


@pytest.mark.slow
def test_failing_notebook_names_chapter_and_cell(fake_env):
    fake_env("x = 1\nraise RuntimeError('boom')")  # cell 4 once papermill has injected the parameters
    expected = r"chapter 'fake' \(smoke\) failed in cell 4: RuntimeError: boom \(cell numbers as in .*fake.ipynb\)"
    with pytest.raises(runner.ChapterFailed, match=expected):
        runner.run_chapter("fake", "smoke", log=lambda *a: None)


@pytest.mark.slow
def test_cached_until_results_are_corrupted(fake_env, tmp_path):
    fake_env("y = 2")
    quiet = lambda *a: None  # noqa: E731
    assert runner.run_chapter("fake", "smoke", log=quiet) == "executed"
    assert runner.run_chapter("fake", "smoke", log=quiet) == "cached"
    assert runner.run_chapter("fake", "smoke", {"seed": 1}, log=quiet) == "executed"  # other parameters
    assert (tmp_path / "build" / "results" / "smoke" / "seed-1" / "fake.json").exists()
    assert runner.run_chapter("fake", "smoke", log=quiet) == "cached"  # another seed leaves seed 0's run alone
    results = tmp_path / "build" / "results" / "smoke" / "fake.json"
    results.write_text('{"chapter": "fake", "claims": [')  # a corrupted file
    with pytest.warns(UserWarning, match="corrupted results file"):
        assert runner.run_chapter("fake", "smoke", log=quiet) == "executed"
    assert json.loads(results.read_text())["chapter"] == "fake"


@pytest.mark.slow
def test_build_keeps_going_after_a_failure(fake_env, monkeypatch, tmp_path):
    fake_env("unused = 0")
    chapters = {"bad": _fake_chapter(tmp_path, "raise ValueError('broken')", slug="bad"),
                "good": _fake_chapter(tmp_path, "z = 3", slug="good")}
    ok, bad = chapters["good"], chapters["bad"]
    monkeypatch.setattr(runner, "get_chapter", lambda slug: chapters[slug])
    monkeypatch.setattr(runner, "CHAPTERS", (bad, ok))
    monkeypatch.setattr(runner, "build_html", lambda *a, **k: runner.build_dir() / "html")
    lines = []
    assert runner.build("smoke", log=lines.append) == 1
    assert any("FAILED" in line and "'bad'" in line for line in lines)
    assert any("good (smoke): executed" in line for line in lines)
