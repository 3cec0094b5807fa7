"""The book's generated pages: the Scorecard (every claim of every chapter) and the Status page.

Both are written from the results files of one profile when the book is staged; a chapter without a
results file is listed as such instead of breaking the build.
"""

from __future__ import annotations

import warnings
from collections import Counter

from .chapters import CHAPTERS
from .claims import VERDICTS, ResultsError, _short, read_results
from .paths import results_dir

COLOURS = {"reproduced": "#1a7f37", "not_reproduced": "#cf222e", "inconclusive": "#9a6700", "not_tested": "#57606a"}


def load_records(profile: str) -> dict:
    """slug → results record, for the written chapters whose results file is present and valid."""
    records = {}
    for chapter in CHAPTERS:
        if not chapter.written:
            continue
        path = results_dir(profile) / f"{chapter.slug}.json"
        if not path.exists():
            continue
        try:
            records[chapter.slug] = read_results(path)
        except ResultsError as err:
            warnings.warn(str(err))
    return records


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def verdict_badge(verdict: str) -> str:
    return f'<span style="color:{COLOURS[verdict]};font-weight:600">{verdict.replace("_", " ")}</span>'


def scorecard_page(records: dict, profile: str) -> str:
    totals = Counter()
    per_chapter = {}
    for slug, record in records.items():
        counts = Counter(c["verdict"] for c in record["claims"])
        per_chapter[slug] = counts
        totals.update(counts)
    lines = [
        "# Scorecard", "",
        f"Every claim tested in this book, with the verdict computed by its chapter at the `{profile}` profile. "
        "A verdict is computed from the measured values and the stated criterion; `inconclusive` means the "
        "profile is too small to decide, `not_tested` that this run could not test the claim.", "",
        "| chapter | " + " | ".join(v.replace("_", " ") for v in VERDICTS) + " | total |",
        "|---" * (len(VERDICTS) + 2) + "|",
    ]
    for chapter in CHAPTERS:
        if chapter.slug in per_chapter:
            counts = per_chapter[chapter.slug]
            lines.append(f"| [{chapter.slug}](../chapters/{chapter.slug}) | "
                         + " | ".join(str(counts[v]) for v in VERDICTS) + f" | {sum(counts.values())} |")
    lines.append("| **all** | " + " | ".join(f"**{totals[v]}**" for v in VERDICTS) + f" | **{sum(totals.values())}** |")
    lines.append("")
    missing = [c.slug for c in CHAPTERS if c.written and c.slug not in records]
    if missing:
        lines += [f"No results at this profile yet for: {', '.join(missing)}.", ""]
    lines += ["## Claims", "", "| chapter | claim | where | statement | paper | measured | verdict |",
              "|---|---|---|---|---|---|---|"]
    for chapter in CHAPTERS:
        for claim in records.get(chapter.slug, {}).get("claims", []):
            measured = ", ".join(f"{k} = {_short(v)}" for k, v in claim["measured"].items()) or "—"
            lines.append(
                f"| [{chapter.slug}](../chapters/{chapter.slug}) | `{claim['id']}` | {_cell(claim['source'])} | "
                f"{_cell(claim['statement'])} | {_cell(claim['paper'])} | {_cell(measured)} | "
                f"{verdict_badge(claim['verdict'])} |"
            )
    return "\n".join(lines) + "\n"


def status_page(records: dict, profile: str) -> str:
    lines = ["# Status", "",
             f"How each chapter was executed for this rendering (`{profile}` profile).", "",
             "| chapter | written | profile | runtime | seed | python | torch | thermo_utils | machine |",
             "|---|---|---|---|---|---|---|---|---|"]
    for chapter in CHAPTERS:
        record = records.get(chapter.slug)
        if record is None:
            state = "yes, no results" if chapter.written else "planned"
            lines.append(f"| {chapter.slug} | {state} | — | — | — | — | — | — | — |")
            continue
        env = record["environment"]
        lines.append(
            f"| [{chapter.slug}](../chapters/{chapter.slug}) | yes | {record['profile']} | {record['runtime_s']:.0f} s | "
            f"{record['seed']} | {env.get('python')} | {env.get('torch')} | {env.get('thermo_utils')} | "
            f"{_cell(env.get('machine', env.get('device')))} |"
        )
    budgets = ["", "Time budgets on a 2-core CPU (smoke / classroom): "
               + "; ".join(f"{c.slug} {c.budget_s['smoke']} s / {c.budget_s['classroom'] // 60} min" for c in CHAPTERS) + "."]
    return "\n".join(lines + budgets) + "\n"
