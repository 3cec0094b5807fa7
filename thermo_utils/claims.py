"""Claims under test, their computed verdicts, and the chapter's results file.

A verdict is never typed in: :func:`judge` evaluates the chapter's criterion on the measured values.
The results file (``_build/results/PROFILE/SLUG.json``) is what the Scorecard and Status pages read.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__
from .paths import REPO_ROOT, results_dir

VERDICTS = ("reproduced", "not_reproduced", "inconclusive", "not_tested")
REQUIRED_KEYS = ("chapter", "profile", "seed", "parameters", "runtime_s", "environment", "claims")


class ResultsError(ValueError):
    """A results file is missing, unreadable or does not follow the contract."""


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    statement: str
    criterion: str
    measured: dict
    paper: str
    verdict: str
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"claim {self.id}: verdict {self.verdict!r} not in {VERDICTS}")


def _plain(value: Any) -> Any:
    """Measured values as JSON-friendly Python numbers (numpy and torch scalars included)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def judge(
    id: str,
    *,
    source: str,
    statement: str,
    criterion: str,
    paper: str,
    measured: dict,
    passed: Callable[[dict], bool],
    decidable: Callable[[dict], bool] | None = None,
    note: str = "",
) -> Claim:
    """A claim whose verdict is computed from ``measured``.

    ``passed(measured)`` encodes ``criterion``. ``decidable(measured)``, when given and False, makes the
    verdict ``inconclusive`` (the profile is too small to decide), whatever ``passed`` says.
    """
    measured = _plain(measured)
    if decidable is not None and not decidable(measured):
        verdict = "inconclusive"
    else:
        verdict = "reproduced" if bool(passed(measured)) else "not_reproduced"
    return Claim(id, source, statement, criterion, measured, paper, verdict, note)


def not_tested(id: str, *, source: str, statement: str, paper: str, reason: str) -> Claim:
    """A claim this run could not test (missing data, a profile that skips it); ``reason`` says why."""
    return Claim(id, source, statement, "not tested: " + reason, {}, paper, "not_tested", reason)


def environment() -> dict:
    import torch

    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "thermo_utils": described or __version__,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }


def write_results(config, claims: Iterable[Claim], runtime_s: float, path: Path | None = None) -> Path:
    """Write the chapter's results file (atomically) and return its path."""
    claims = list(claims)
    ids = [c.id for c in claims]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate claim ids: {ids}")
    params = config.as_dict()
    prefixes = {c.id.split(".")[0] for c in claims}
    if prefixes - {config.chapter}:
        raise ValueError(f"claim ids must start with '{config.chapter}.', got prefixes {sorted(prefixes)}")
    record = {
        "chapter": config.chapter,
        "profile": params.pop("profile"),
        "seed": params.pop("seed"),
        "parameters": _plain(params),
        "runtime_s": round(float(runtime_s), 2),
        "environment": environment(),
        "claims": [asdict(c) for c in claims],
    }
    path = Path(path) if path else results_dir(record["profile"]) / f"{record['chapter']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False))
    os.replace(tmp, path)
    return path


def read_results(path: Path) -> dict:
    """Read and check a results file; raise :class:`ResultsError` if it is missing or malformed."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"{path}: no results file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: corrupted results file ({err})") from None
    if not isinstance(record, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise ResultsError(f"{path}: missing keys {missing}")
    for claim in record["claims"]:
        if claim.get("verdict") not in VERDICTS:
            raise ResultsError(f"{path}: claim {claim.get('id')} has verdict {claim.get('verdict')!r}")
    return record


def scorecard(claims: Iterable[Claim | dict]):
    """The chapter's scorecard as a pandas DataFrame (one row per claim)."""
    import pandas as pd

    rows = []
    for c in claims:
        c = asdict(c) if isinstance(c, Claim) else c
        measured = ", ".join(f"{k} = {_short(v)}" for k, v in c["measured"].items())
        rows.append(
            {"claim": c["id"], "where": c["source"], "statement": c["statement"], "paper": c["paper"],
             "criterion": c["criterion"], "measured": measured, "verdict": c["verdict"]}
        )
    return pd.DataFrame(rows)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        inner = ", ".join(_short(v) for v in value[:6])
        return f"[{inner}{', …' if len(value) > 6 else ''}]"
    return str(value)
