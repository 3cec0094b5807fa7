"""Verdicts across seeds: run chapters at several seeds and record, per claim, whether its verdict holds.

``python -m thermo_utils robustness --profile P --seeds 0 1 2`` runs each chapter at each seed (cached like
any run; seed 0 is the run the book shows), then writes ``_build/results/P/robustness.json``. A claim whose
verdict differs between seeds is *unstable*; the Scorecard marks it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

from thermo_utils.harness.claims import ResultsError, read_results, results_path
from thermo_utils.harness.paths import results_dir
from thermo_utils.harness.registry import CHAPTERS, check_profile, get_chapter

FAILED = "failed"  # the chapter did not run at that seed


def robustness_path(profile: str):
    return results_dir(profile) / "robustness.json"


def verdict_table(profile: str, seeds: Sequence[int], slugs: Iterable[str]) -> dict:
    """slug → claim id → {seed: verdict}, from the results files present (``failed`` where one is missing)."""
    table = {}
    for slug in slugs:
        per_claim: dict[str, dict[str, str]] = {}
        for seed in seeds:
            try:
                record = read_results(results_path(profile, slug, seed))
            except ResultsError:
                for verdicts in per_claim.values():
                    verdicts[str(seed)] = FAILED
                continue
            for claim in record["claims"]:
                per_claim.setdefault(claim["id"], {str(s): FAILED for s in seeds})[str(seed)] = claim["verdict"]
        table[slug] = per_claim
    return table


def unstable(verdicts: dict) -> bool:
    """Whether the verdicts of one claim differ between the seeds that ran."""
    return len({v for v in verdicts.values() if v != FAILED}) > 1


def write_robustness(profile: str, seeds: Sequence[int], table: dict) -> dict:
    record = {
        "profile": profile,
        "seeds": list(seeds),
        "chapters": table,
        "unstable": sorted(cid for per_claim in table.values() for cid, v in per_claim.items() if unstable(v)),
    }
    path = robustness_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, path)
    return record


def read_robustness(profile: str) -> dict | None:
    """The robustness record of ``profile``, or None when none was made (or it is unreadable)."""
    try:
        record = json.loads(robustness_path(profile).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "chapters" in record else None


def run_robustness(profile: str, seeds: Sequence[int], only: Iterable[str] | None = None, jobs: int = 1,
                   force: bool = False, collect: bool = False, log=print) -> int:
    """Run each chapter at each seed, write the robustness record, print the unstable claims; 1 if a run failed.

    With ``collect``, nothing runs: the record is made from the results files present (each says which version
    of the code wrote it), for runs made earlier by other means.
    """
    from thermo_utils.harness.runner import ChapterFailed, run_chapter, run_in_subprocesses

    check_profile(profile)
    seeds = list(dict.fromkeys(int(s) for s in seeds))
    if len(seeds) < 2 or min(seeds) < 0:
        raise ValueError(f"--seeds needs at least two distinct non-negative seeds, got {seeds}")
    slugs = [get_chapter(s).slug for s in only] if only else [c.slug for c in CHAPTERS if c.written]
    runs = [] if collect else [(slug, {"seed": seed}) for slug in slugs for seed in seeds]
    failures = []
    if jobs > 1:
        failures = run_in_subprocesses(runs, profile, jobs, force, log)
    else:
        for slug, params in runs:
            try:
                run_chapter(slug, profile, params, force=force, log=log)
            except ChapterFailed as err:
                failures.append(str(err))
                log(f"  FAILED: {err}")
    table = verdict_table(profile, seeds, slugs)
    earlier = read_robustness(profile)
    if earlier and earlier.get("seeds") == seeds:  # keep the chapters this call did not run
        table = {**{k: v for k, v in earlier["chapters"].items() if k not in table}, **table}
    record = write_robustness(profile, seeds, table)
    n_claims = sum(len(v) for v in record["chapters"].values())
    log(f"robustness ({profile}, seeds {seeds}): {len(record['unstable'])} of {n_claims} claims unstable"
        f" — written to {robustness_path(profile)}")
    for cid in record["unstable"]:
        slug = cid.split(".")[0]
        log(f"  unstable: {cid}: " + ", ".join(f"seed {s} {v}" for s, v in record["chapters"][slug][cid].items()))
    for failure in failures:
        log(f"error: {failure}")
    return 1 if failures else 0
