"""Fixtures shared by the test files: one smoke build of the whole book per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from thermo_utils.paths import REPO_ROOT


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory) -> Path:
    """A temporary build folder in which every written chapter ran at smoke and the book was built strictly.

    Built once per session (``python -m thermo_utils build --profile smoke`` with ``THERMO_BUILD`` set),
    so the chapter tests and the browser test look at the same book. A failed build fails every test
    that uses it, with the build's own message.
    """
    build = tmp_path_factory.mktemp("smoke_build")
    env = {**os.environ, "THERMO_BUILD": str(build)}
    done = subprocess.run(
        [sys.executable, "-m", "thermo_utils", "build", "--profile", "smoke", "--jobs", "2"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-60:])
        pytest.fail(f"the smoke build of the book failed (exit {done.returncode}):\n{tail}", pytrace=False)
    return build
