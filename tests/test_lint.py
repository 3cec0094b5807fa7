"""ruff over the package, the tests, the benchmarks and the notebooks (configured in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

from thermo_utils.harness.paths import REPO_ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is not installed: run `make setup` (it is in requirements.lock)"
    done = subprocess.run([ruff, "check", "--no-cache", "thermo_utils", "tests", "benchmarks", "notebooks"],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
