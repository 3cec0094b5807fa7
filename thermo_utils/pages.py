"""The book's generated pages: the Scorecard (every claim of every chapter) and the Status page.

Both are written from the results files of one profile when the book is staged. A chapter whose
results file is missing or unreadable is listed as such, with the command that makes it, instead of
breaking the build. Each claim links to the section of its chapter that judges it (``## Scorecard``).
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter

from .chapters import CHAPTERS, Chapter
from .claims import VERDICTS, ResultsError, _short, read_results
from .paths import executed_dir, results_dir

# The heading every chapter gives its scorecard, and the anchor MyST makes of it (myst_heading_anchors).
SCORECARD_HEADING = re.compile(r"^##\s+Scorecard\s*$", re.IGNORECASE | re.MULTILINE)
SCORECARD_ANCHOR = "scorecard"


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
    """Text that is safe inside one cell of a Markdown table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _measured(value, top: bool = True) -> str:
    """Measured values, short: numbers to three significant digits, also inside dicts and lists."""
    if isinstance(value, dict):
        if top:
            return ", ".join(f"{k} = {_measured(v, False)}" for k, v in value.items())
        return "{" + ", ".join(f"{k}: {_measured(v, False)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        inner = ", ".join(_measured(v, False) for v in value[:6])
        return f"[{inner}{', …' if len(value) > 6 else ''}]"
    return _short(value)


def verdict_badge(verdict: str) -> str:
    """A coloured badge (the colours are in book/_static/thermo_book.css)."""
    return f'<span class="verdict verdict-{verdict}">{verdict.replace("_", " ")}</span>'


def has_scorecard_section(chapter: Chapter, profile: str) -> bool:
    """Whether the executed notebook shown in the book has a ``## Scorecard`` section to link to."""
    path = executed_dir(profile) / f"{chapter.slug}.ipynb"
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return any(cell.get("cell_type") == "markdown" and SCORECARD_HEADING.search("".join(cell.get("source", "")))
               for cell in cells)


def chapter_link(chapter: Chapter, records: dict, profile: str) -> str:
    """Where a claim of this chapter is judged: the chapter's scorecard section, else the chapter."""
    if chapter.slug in records and has_scorecard_section(chapter, profile):
        return f"../chapters/{chapter.slug}.ipynb#{SCORECARD_ANCHOR}"
    return f"../chapters/{chapter.slug}"


def results_state(chapter: Chapter, records: dict, profile: str) -> str:
    """Why a chapter has no claims on the page, in words ('' when it has its results)."""
    if chapter.slug in records:
        return ""
    if not chapter.written:
        return "not written yet"
    path = results_dir(profile) / f"{chapter.slug}.json"
    if not path.exists():
        return (f"no results file at the `{profile}` profile yet: "
                f"`python -m thermo_utils run {chapter.slug} --profile {profile}` makes it")
    try:
        read_results(path)
    except ResultsError as err:
        return f"results file unreadable ({_cell(str(err).split(': ', 1)[-1])}): re-run the chapter"
    return "not part of this build"


def _counts_sentence(counts: Counter) -> str:
    parts = [f"{counts[v]} {verdict_badge(v)}" for v in VERDICTS if counts[v]]
    return ", ".join(parts) if parts else "none yet"


def scorecard_page(records: dict, profile: str) -> str:
    """Markdown of the Scorecard page: counts at the top, then one table row per claim."""
    per_chapter = {slug: Counter(c["verdict"] for c in record["claims"]) for slug, record in records.items()}
    totals = sum(per_chapter.values(), Counter())
    n_claims = sum(totals.values())
    lines = [
        "# Scorecard", "",
        f"Every claim tested in this book, with the verdict its chapter computed at the `{profile}` profile. "
        "A verdict is computed from the measured values and the stated criterion, never typed in: "
        f"{verdict_badge('reproduced')} and {verdict_badge('not_reproduced')} say whether the criterion held, "
        f"{verdict_badge('inconclusive')} that this profile is too small to decide, "
        f"{verdict_badge('not_tested')} that this run could not test the claim. "
        "Each claim links to the section of its chapter that judges it.", "",
        f"**All chapters: {n_claims} claim{'s' * (n_claims != 1)} in {len(records)} "
        f"chapter{'s' * (len(records) != 1)}** — {_counts_sentence(totals)}.", "",
        "| chapter | " + " | ".join(v.replace("_", " ") for v in VERDICTS) + " | total |",
        "|---" * (len(VERDICTS) + 2) + "|",
    ]
    for chapter in CHAPTERS:
        if not chapter.written:
            continue
        name = f"[{_cell(chapter.title)}]({chapter_link(chapter, records, profile)})"
        if chapter.slug in per_chapter:
            counts = per_chapter[chapter.slug]
            lines.append(f"| {name} | " + " | ".join(str(counts[v]) for v in VERDICTS)
                         + f" | {sum(counts.values())} |")
        else:
            lines.append(f"| {name} (no results) | " + " | ".join("—" for _ in VERDICTS) + " | — |")
    lines.append("| **all chapters** | " + " | ".join(f"**{totals[v]}**" for v in VERDICTS)
                 + f" | **{n_claims}** |")
    planned = [c for c in CHAPTERS if not c.written]
    if planned:
        lines += ["", "Not written yet: " + ", ".join(f"[{_cell(c.title)}](../chapters/{c.slug})" for c in planned)
                  + "."]
    lines += ["", "## Claims by chapter", ""]
    for chapter in CHAPTERS:
        if not chapter.written:
            continue
        link = chapter_link(chapter, records, profile)
        lines += [f"### {chapter.title}", ""]
        if chapter.slug not in records:
            lines += [f"*No claims to show: {results_state(chapter, records, profile)}.*", ""]
            continue
        lines += [f"{_counts_sentence(per_chapter[chapter.slug])}.", "",
                  "| claim | verdict | what it says | measured | criterion | the paper | where in the paper |",
                  "|---|---|---|---|---|---|---|"]
        for claim in records[chapter.slug]["claims"]:
            lines.append(
                f"| [`{claim['id']}`]({link}) | {verdict_badge(claim['verdict'])} | {_cell(claim['statement'])} | "
                f"{_cell(_measured(claim['measured']) or '—')} | {_cell(claim['criterion'])} | {_cell(claim['paper'])} | "
                f"{_cell(claim['source'])} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def status_page(records: dict, profile: str) -> str:
    """Markdown of the Status page: how each chapter was executed, against its time budget."""
    lines = ["# Status", "",
             f"How each chapter was executed for this rendering (`{profile}` profile). The budget is the most "
             "a chapter may take at this profile on a 2-core CPU.", "",
             "| chapter | state | runtime | budget | seed | python | torch | thermo_utils | machine |",
             "|---|---|---|---|---|---|---|---|---|"]
    for chapter in CHAPTERS:
        budget = chapter.budget_s.get(profile)
        budget_text = f"{budget} s" if budget else "none"
        record = records.get(chapter.slug)
        if record is None:
            lines.append(f"| [{chapter.slug}](../chapters/{chapter.slug}) | "
                         f"{results_state(chapter, records, profile)} | — | {budget_text} | — | — | — | — | — |")
            continue
        env = record["environment"]
        runtime = record["runtime_s"]
        over = " (over budget)" if budget and runtime > budget else ""
        lines.append(
            f"| [{chapter.slug}](../chapters/{chapter.slug}) | executed | {runtime:.0f} s{over} | "
            f"{budget_text} | {record['seed']} | {env.get('python')} | {env.get('torch')} | "
            f"{env.get('thermo_utils')} | {_cell(env.get('machine', env.get('device')))} |"
        )
    return "\n".join(lines) + "\n"
