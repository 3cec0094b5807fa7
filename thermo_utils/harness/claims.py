"""Claims: declared once per chapter, judged by their own rule, written to the chapter's results file.

A chapter's ``claims.py`` declares every claim it tests with :class:`ClaimSet`: where the paper makes it,
what it says, what the paper reports, its kind, its named thresholds, and its rule as a plain function of the
measured values and the thresholds (``passed``; ``gate`` where the claim is only decidable under a condition).
The criterion readers see is formatted from the same thresholds the rule uses. The notebook measures and
calls :func:`judge`; a verdict is never typed in.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from thermo_utils import __version__
from thermo_utils.harness.paths import REPO_ROOT, results_dir

VERDICTS = ("reproduced", "not_reproduced", "inconclusive", "not_tested")
KINDS = ("paper", "implied", "beyond", "check")
KIND_MEANING = {
    "paper": "stated by the source",
    "implied": "follows from the source's equations, not stated there",
    "beyond": "a test the book adds: a control, an extension, a study the source only suggests",
    "check": "an identity or consistency check that can fail only through a bug",
}
REQUIRED_KEYS = ("chapter", "profile", "seed", "parameters", "runtime_s", "environment", "claims")


class ResultsError(ValueError):
    """A results file is missing, unreadable or does not follow the contract."""


class ClaimError(ValueError):
    """A claim is declared or judged wrongly (unknown threshold, missing measurement, claim never judged)."""


class Thresholds(dict):
    """The named thresholds of a claim, readable as attributes in its rule (``t.tolerance``)."""

    def __getattr__(self, name: str) -> float:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no threshold {name!r}; the claim declares {sorted(self)}") from None


_FIELD = re.compile(r"\{(\w+)(?::([^{}]*))?\}")


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Replace ``{name}`` / ``{name:fmt}`` for the names in ``values`` only, so TeX braces survive."""

    def one(match: re.Match) -> str:
        name, fmt = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        value = values[name]
        return format(value, fmt) if fmt else (f"{value:g}" if isinstance(value, float) else str(value))

    return _FIELD.sub(one, template)


@dataclass
class ClaimSpec:
    """One claim of a chapter, as declared in its ``claims.py``.

    ``name`` may contain ``{variant}`` (one claim per model, say); ``variants`` lists them.
    """

    chapter: str
    name: str
    kind: str
    source: str
    statement: str
    paper: str
    criterion: str
    passed: Callable[[Mapping, Thresholds], bool]
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    gate: Callable[[Mapping, Thresholds], bool] | None = None
    gate_text: str = ""
    section: str = ""
    untested: str = ""
    variants: tuple = ()
    note: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ClaimError(f"claim {self.name}: kind {self.kind!r} not in {KINDS}")
        if bool(self.variants) != ("{variant}" in self.name):
            raise ClaimError(f"claim {self.name}: '{{variant}}' in the name goes with a list of variants")

    def ids(self) -> list[str]:
        names = [self.name.replace("{variant}", v) for v in self.variants] if self.variants else [self.name]
        return [f"{self.chapter}.{n}" for n in names]

    def id(self, variant: str | None = None) -> str:
        if self.variants:
            if variant not in self.variants:
                raise ClaimError(f"claim {self.name}: variant {variant!r} not in {self.variants}")
            return f"{self.chapter}.{self.name.replace('{variant}', variant)}"
        if variant is not None:
            raise ClaimError(f"claim {self.name} has no variants (got {variant!r})")
        return f"{self.chapter}.{self.name}"

    def gated(self, text: str):
        """Decorator: the claim is decided only where ``fn(measured, thresholds)`` is true; ``text`` says when."""

        def register(fn):
            self.gate, self.gate_text = fn, text
            return fn

        return register

    def resolved_thresholds(self, overrides: Mapping[str, Any] | None = None) -> Thresholds:
        overrides = dict(overrides or {})
        unknown = set(overrides) - set(self.thresholds)
        if unknown:
            raise ClaimError(f"claim {self.name}: unknown thresholds {sorted(unknown)}; declared {sorted(self.thresholds)}")
        return Thresholds({**self.thresholds, **overrides})

    def criterion_text(self, thresholds: Mapping[str, Any] | None = None, variant: str | None = None) -> str:
        values = {**self.resolved_thresholds(thresholds), "variant": variant or ""}
        text = fill(self.criterion, values)
        if self.gate_text:
            text += "; decided only when " + fill(self.gate_text, values)
        return text

    def statement_text(self, variant: str | None = None) -> str:
        return fill(self.statement, {"variant": variant or ""})


class ClaimSet:
    """Every claim of one chapter, in the order the chapter tests them."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self.specs: dict[str, ClaimSpec] = {}

    def claim(self, *, kind: str, source: str, statement: str, paper: str, criterion: str,
              thresholds: Mapping[str, Any] | None = None, section: str = "", variants: Iterable[str] = (),
              name: str | None = None, note: str = ""):
        """Decorator over the rule ``passed(measured, thresholds) -> bool``; the function's name is the claim's."""

        def register(fn):
            spec = ClaimSpec(self.chapter, name or fn.__name__, kind, source, statement, paper, criterion, fn,
                             dict(thresholds or {}), section=section, variants=tuple(variants), note=note)
            self._add(spec)
            return spec

        return register

    def untested(self, name: str, *, kind: str, source: str, statement: str, paper: str, reason: str) -> ClaimSpec:
        """A statement of the source that the book cannot test anywhere, with the reason."""
        spec = ClaimSpec(self.chapter, name, kind, source, statement, paper, "not tested: " + reason,
                         _never, untested=reason)
        self._add(spec)
        return spec

    def _add(self, spec: ClaimSpec) -> None:
        if spec.name in self.specs:
            raise ClaimError(f"claim {spec.name} declared twice in chapter {self.chapter}")
        self.specs[spec.name] = spec

    def __iter__(self):
        return iter(self.specs.values())

    def __getitem__(self, name: str) -> ClaimSpec:
        return self.specs[name]

    def ids(self) -> list[str]:
        return [i for spec in self for i in spec.ids()]

    def table(self) -> str:
        """Markdown for the chapter's "Claims under test": one row per claim, grouped by kind."""
        lines = ["| claim | kind | where in the source | statement | tested in |", "|---|---|---|---|---|"]
        for kind in KINDS:
            for spec in (s for s in self if s.kind == kind):
                # explicit link text: a heading's own title may hold math, which a reference shows as raw TeX
                where = f"{{ref}}`its section <{spec.section}>`" if spec.section else (
                    "not tested" if spec.untested else "")
                for variant in spec.variants or (None,):
                    lines.append(f"| `{spec.id(variant)}` | {kind} | {_cell(spec.source)} | "
                                 f"{_cell(spec.statement_text(variant))} | {where} |")
        return "\n".join(lines)


def _never(measured, thresholds) -> bool:
    raise ClaimError("an untested claim has no rule")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class Claim:
    """A judged claim, as written to the results file."""

    id: str
    kind: str
    source: str
    statement: str
    criterion: str
    measured: dict
    paper: str
    verdict: str
    thresholds: dict = field(default_factory=dict)
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"claim {self.id}: verdict {self.verdict!r} not in {VERDICTS}")
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind {self.kind!r} not in {KINDS}")


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


def _restore(value: Any) -> Any:
    """The inverse of :func:`_plain` for non-finite floats, so rules see nan and inf as numbers."""
    if isinstance(value, dict):
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    if value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def judge(spec: ClaimSpec, measured: Mapping[str, Any], *, thresholds: Mapping[str, Any] | None = None,
          variant: str | None = None, note: str = "") -> Claim:
    """The verdict of ``spec`` on ``measured``: ``inconclusive`` when its gate fails, else its rule's answer.

    ``thresholds`` overrides declared thresholds (a tolerance that is a chapter parameter, say); the recorded
    criterion states the values used.
    """
    if spec.untested:
        raise ClaimError(f"claim {spec.name} is declared untested ({spec.untested}); use not_tested()")
    claim_id = spec.id(variant)
    t = spec.resolved_thresholds(thresholds)
    plain = _plain(dict(measured))
    values = _restore(plain)
    try:
        if spec.gate is not None and not bool(spec.gate(values, t)):
            verdict = "inconclusive"
        else:
            verdict = "reproduced" if bool(spec.passed(values, t)) else "not_reproduced"
    except KeyError as err:
        raise ClaimError(f"claim {claim_id}: its rule reads {err} but measured has only {sorted(values)}") from None
    return Claim(claim_id, spec.kind, spec.source, spec.statement_text(variant), spec.criterion_text(t, variant),
                 plain, spec.paper, verdict, dict(t), " ".join(x for x in (spec.note, note) if x))


def not_tested(spec: ClaimSpec, reason: str = "", *, variant: str | None = None) -> Claim:
    """A claim this run does not test (no data offline, a profile that skips it); the reason is recorded."""
    reason = reason or spec.untested
    if not reason:
        raise ClaimError(f"claim {spec.name}: not_tested needs a reason")
    return Claim(spec.id(variant), spec.kind, spec.source, spec.statement_text(variant), "not tested: " + reason,
                 {}, spec.paper, "not_tested", {}, reason)


def complete(claims: ClaimSet, judged: Iterable[Claim]) -> list[Claim]:
    """The judged claims in declaration order, with the untestable ones added; every declared claim must be there."""
    by_id = {}
    for c in judged:
        if c.id in by_id:
            raise ClaimError(f"claim {c.id} judged twice")
        by_id[c.id] = c
    unknown = set(by_id) - set(claims.ids())
    if unknown:
        raise ClaimError(f"claims {sorted(unknown)} are not declared in the chapter's claims.py")
    out = []
    for spec in claims:
        for variant in spec.variants or (None,):
            cid = spec.id(variant)
            if cid in by_id:
                out.append(by_id[cid])
            elif spec.untested:
                out.append(not_tested(spec, variant=variant))
            else:
                raise ClaimError(f"claim {cid} is declared but the chapter never judged it")
    return out


def environment(requested_device: str | None = None) -> dict:
    """Versions and machine; ``device`` is what actually ran (CUDA only if this process used CUDA memory)."""
    import torch

    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    used_cuda = torch.cuda.is_available() and torch.cuda.max_memory_allocated() > 0
    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "thermo_utils": described or __version__,
        "device": torch.cuda.get_device_name() if used_cuda else "cpu",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    if requested_device is not None:
        env["device_requested"] = requested_device
    return env


def results_path(profile: str, chapter: str, seed: int = 0) -> Path:
    return results_dir(profile, seed) / f"{chapter}.json"


def write_results(config, claims: Iterable[Claim], runtime_s: float, path: Path | None = None,
                  requested_device: str | None = None) -> Path:
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
        "environment": environment(requested_device),
        "claims": [asdict(c) for c in claims],
    }
    path = Path(path) if path else results_path(record["profile"], record["chapter"], record["seed"])
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
        claim.setdefault("kind", "paper")  # results written before kinds existed
    return record


def scorecard(claims: Iterable[Claim | dict]):
    """The chapter's scorecard as a pandas DataFrame (one row per claim, grouped by kind)."""
    import pandas as pd

    rows = []
    for c in claims:
        c = asdict(c) if isinstance(c, Claim) else c
        measured = ", ".join(f"{k} = {_short(v)}" for k, v in c["measured"].items())
        rows.append(
            {"claim": c["id"], "kind": c.get("kind", "paper"), "where": c["source"], "statement": c["statement"],
             "paper": c["paper"], "criterion": c["criterion"], "measured": measured, "verdict": c["verdict"]}
        )
    frame = pd.DataFrame(rows)
    if len(frame):
        order = {k: i for i, k in enumerate(KINDS)}
        frame = frame.sort_values("kind", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return frame


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        inner = ", ".join(_short(v) for v in value[:6])
        return f"[{inner}{', …' if len(value) > 6 else ''}]"
    return str(value)
