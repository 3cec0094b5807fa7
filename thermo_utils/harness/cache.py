"""Cache keys: what a chapter's results depend on, hashed, so unchanged chapters are not re-executed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from thermo_utils.harness.paths import REPO_ROOT

PACKAGE_DIR = Path(__file__).resolve().parents[1]
LOCK_FILE = REPO_ROOT / "requirements.lock"


def package_source_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over every .py file of the package (path and content), in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(str(path.relative_to(package_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def chapter_key(notebook: Path, profile: str, parameters: dict, package_dir: Path = PACKAGE_DIR,
                lock_file: Path = LOCK_FILE) -> str:
    """The cache key of one chapter run: notebook source, profile and parameters, package, dependency lock."""
    digest = hashlib.sha256()
    digest.update(Path(notebook).read_bytes())
    digest.update(json.dumps({"profile": profile, "parameters": parameters}, sort_keys=True, default=str).encode())
    digest.update(package_source_hash(package_dir).encode())
    digest.update(lock_file.read_bytes() if lock_file.exists() else b"no lock")
    return digest.hexdigest()
