"""Where the book writes: the repository, the build folder and its parts.

Every path the package writes to is derived here, so that the runner, the notebooks run by plain
papermill and the tests all agree on it.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# A checkout has the book's sources beside the package; a pip install (Colab, say) has only the package.
IN_CHECKOUT = (REPO_ROOT / "_toc.yml").is_file() and (REPO_ROOT / "notebooks").is_dir()


def build_dir() -> Path:
    """The build folder: ``THERMO_BUILD`` if set, else ``_build`` in the checkout, else under the current directory."""
    if "THERMO_BUILD" in os.environ:
        return Path(os.environ["THERMO_BUILD"])
    return (REPO_ROOT if IN_CHECKOUT else Path.cwd()) / "_build"


def _seeded(folder: Path, seed: int) -> Path:
    """Seed 0 is what the book shows; other seeds (the robustness runs) go to ``seed-N/`` beside it."""
    return folder if seed == 0 else folder / f"seed-{seed}"


def results_dir(profile: str, seed: int = 0) -> Path:
    return _seeded(build_dir() / "results" / profile, seed)


def executed_dir(profile: str, seed: int = 0) -> Path:
    return _seeded(build_dir() / "executed" / profile, seed)


def figures_dir(profile: str, chapter: str, seed: int = 0) -> Path:
    return _seeded(build_dir() / "figures" / profile / chapter, seed)


def sweep_cache_dir(profile: str, chapter: str) -> Path:
    """Per-point results of a chapter's independent runs, kept across interrupted runs."""
    return build_dir() / "sweeps" / profile / chapter
