"""Cache keys: what a chapter's results depend on, hashed, so unchanged chapters are not re-executed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from thermo_utils.harness.paths import REPO_ROOT

PACKAGE_DIR = Path(__file__).resolve().parents[1]
LOCK_FILE = REPO_ROOT / "requirements.lock"


def package_source_hash(package_dir: Path = PACKAGE_DIR, chapter: str | None = None) -> str:
    """SHA-256 over the package's .py files (path and content), in a fixed order.

    With ``chapter``, only what that chapter can run: the package's top level, ``harness/``, ``core/`` and
    ``chapters/CHAPTER/`` — so editing one chapter's code does not re-execute the others.
    """
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir)
        if chapter is not None and rel.parts[0] == "chapters" and rel.parts[1:2] != (chapter,) and len(rel.parts) > 2:
            continue
        digest.update(str(rel).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def chapter_key(notebook: Path, profile: str, parameters: dict, package_dir: Path = PACKAGE_DIR,
                lock_file: Path = LOCK_FILE) -> str:
    """The cache key of one chapter run: notebook, profile and parameters, the code it can run, dependency lock."""
    digest = hashlib.sha256()
    digest.update(Path(notebook).read_bytes())
    digest.update(json.dumps({"profile": profile, "parameters": parameters}, sort_keys=True, default=str).encode())
    digest.update(package_source_hash(package_dir, Path(notebook).stem).encode())
    digest.update(lock_file.read_bytes() if lock_file.exists() else b"no lock")
    return digest.hexdigest()
