"""Where things live: the repository, the build folder, the data directory.

Every path the package writes to is derived here, so that the runner, the notebooks run by plain
papermill and the tests all agree on it.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def build_dir() -> Path:
    """The build folder; ``THERMO_BUILD`` overrides it (the tests build into a temporary folder)."""
    return Path(os.environ.get("THERMO_BUILD", REPO_ROOT / "_build"))


def results_dir(profile: str) -> Path:
    return build_dir() / "results" / profile


def executed_dir(profile: str) -> Path:
    return build_dir() / "executed" / profile


def figures_dir(profile: str, chapter: str) -> Path:
    return build_dir() / "figures" / profile / chapter


def sweep_cache_dir(profile: str, chapter: str) -> Path:
    """Per-point results of a chapter's independent runs, kept across interrupted runs."""
    return build_dir() / "sweeps" / profile / chapter


def data_dir() -> Path:
    """The data directory: ``$THERMO_DATA``, default ``~/.cache/thermo_utils``. Never committed."""
    default = Path.home() / ".cache" / "thermo_utils"
    return Path(os.environ.get("THERMO_DATA", default)).expanduser()
