"""The package installed as a reader would (non-editable, not from the checkout's folder), one chapter run with
plain papermill from a folder outside the checkout: its results and figures land there."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from thermo_utils.harness.paths import REPO_ROOT

pytestmark = pytest.mark.slow
CHAPTER = "thermometry"


def test_a_chapter_runs_from_an_installed_package_outside_the_checkout(tmp_path):
    site = tmp_path / "site-packages"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(site), str(REPO_ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    work = tmp_path / "reader"
    work.mkdir()
    notebook = work / f"{CHAPTER}.ipynb"
    shutil.copy(REPO_ROOT / "notebooks" / f"{CHAPTER}.ipynb", notebook)
    env = {k: v for k, v in os.environ.items() if k != "THERMO_BUILD"}
    env["PYTHONPATH"] = str(site)
    where = subprocess.run([sys.executable, "-c", "import thermo_utils; print(thermo_utils.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr
    papermill = Path(sys.executable).with_name("papermill")
    done = subprocess.run([str(papermill), str(notebook), str(work / "out.ipynb"), "-p", "profile", "smoke",
                           "--cwd", str(work), "-k", "python3"], cwd=work, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    record = json.loads((work / "_build" / "results" / "smoke" / f"{CHAPTER}.json").read_text())
    assert record["chapter"] == CHAPTER and record["environment"]["device"] == "cpu"
    assert list((work / "_build" / "figures" / "smoke" / CHAPTER).glob("*.png"))
    assert not (site / "_build").exists()  # nothing is written inside the installed package
