"""Every chapter, executed at the smoke profile by the real runner, and the strict book build.

The session fixture ``smoke_build`` (conftest.py) runs ``python -m thermo_utils build --profile smoke`` once
into a temporary build folder; these tests read what it produced.
"""

import importlib
import os
import subprocess
import sys
import time

import pytest

from thermo_utils.harness.claims import VERDICTS, read_results
from thermo_utils.harness.paths import REPO_ROOT
from thermo_utils.harness.registry import CHAPTERS

WRITTEN = [c for c in CHAPTERS if c.written]
pytestmark = pytest.mark.slow


def declared_ids(chapter) -> list:
    return importlib.import_module(f"thermo_utils.chapters.{chapter.slug}.claims").CLAIMS.ids()


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda c: c.slug)
def test_chapter_smoke_results(smoke_build, chapter):
    record = read_results(smoke_build / "results" / "smoke" / f"{chapter.slug}.json")
    assert record["chapter"] == chapter.slug and record["profile"] == "smoke"
    assert record["runtime_s"] > 0
    ids = [c["id"] for c in record["claims"]]
    assert ids and len(ids) == len(set(ids))
    assert all(i.startswith(chapter.slug + ".") for i in ids)
    assert all(c["verdict"] in VERDICTS for c in record["claims"])
    assert all(c["criterion"] and c["statement"] for c in record["claims"])
    assert ids == declared_ids(chapter), f"{chapter.slug}: results and claims.py disagree"
    assert all(c["kind"] in ("paper", "implied", "beyond", "check") for c in record["claims"])
    assert (smoke_build / "executed" / "smoke" / f"{chapter.slug}.ipynb").exists()
    assert list((smoke_build / "figures" / "smoke" / chapter.slug).glob("*.png")), "no figures saved"


def test_book_pages_exist(smoke_build):
    html = smoke_build / "html"
    for chapter in CHAPTERS:
        page = (html / "chapters" / f"{chapter.slug}.html").read_text()
        if chapter.written:
            assert "<img" in page, f"{chapter.slug}: no figure on the page"
    scorecard = (html / "book" / "scorecard.html").read_text()
    for chapter in WRITTEN:
        for claim in read_results(smoke_build / "results" / "smoke" / f"{chapter.slug}.json")["claims"]:
            assert claim["id"] in scorecard


def test_second_build_executes_nothing(smoke_build):
    env = dict(os.environ, THERMO_BUILD=str(smoke_build))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "thermo_utils", "build", "--profile", "smoke"], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("unchanged, cached") == len(WRITTEN), done.stdout
    assert "executed in" not in done.stdout
    assert time.perf_counter() - start < 120
