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

from thermo_utils.harness.claims import KIND_MEANING, KINDS, VERDICTS, ResultsError, _short, read_results
from thermo_utils.harness.paths import executed_dir, results_dir
from thermo_utils.harness.registry import CHAPTERS, Chapter

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
    return ", ".join(parts) if parts else "none"


def _short_counts(counts: Counter) -> str:
    """``3 reproduced, 1 inconclusive`` in a table cell, or — when there are none."""
    parts = [f"{counts[v]} {v.replace('_', ' ')}" for v in VERDICTS if counts[v]]
    return ", ".join(parts) if parts else "—"


HEADLINE_KINDS = ("paper", "implied")  # the papers' claims; `beyond` and `check` are counted apart


def _seed_cell(claim_id: str, slug: str, robustness: dict | None) -> str:
    if not robustness:
        return ""
    verdicts = robustness["chapters"].get(slug, {}).get(claim_id)
    if not verdicts:
        return "—"
    marks = " ".join(f"{seed}: {verdict_badge(v) if v in VERDICTS else v}" for seed, v in verdicts.items())
    return ("**unstable** — " if claim_id in robustness.get("unstable", ()) else "") + marks


def scorecard_page(records: dict, profile: str, robustness: dict | None = None) -> str:
    """Markdown of the Scorecard page: the papers' claims counted in the headline, checks and extensions apart."""
    def count(slug, kinds):
        return Counter(c["verdict"] for c in records[slug]["claims"] if c.get("kind", "paper") in kinds)

    headline = {slug: count(slug, HEADLINE_KINDS) for slug in records}
    beyond = {slug: count(slug, ("beyond",)) for slug in records}
    checks = {slug: count(slug, ("check",)) for slug in records}
    totals = sum(headline.values(), Counter())
    n_claims = sum(totals.values())
    n_unstable = len(robustness.get("unstable", ())) if robustness else 0
    lines = [
        "# Scorecard", "",
        f"Every claim tested in this book, with the verdict its chapter computed at the `{profile}` profile. "
        "A verdict is computed from the measured values by the claim's rule, never typed in: "
        f"{verdict_badge('reproduced')} and {verdict_badge('not_reproduced')} say whether the criterion held, "
        f"{verdict_badge('inconclusive')} that this run cannot decide (its gate failed, or a difference is not "
        f"resolved), {verdict_badge('not_tested')} that this run could not test the claim. "
        "Each claim links to the section of its chapter that judges it.", "",
        "Claims are of four kinds. The headline counts the papers' claims: **paper** (the source states it) and "
        "**implied** (it follows from the source's equations). **Beyond** (a test the book adds) and **check** "
        "(an identity that can fail only through a bug) are counted in their own columns.", "",
        f"**The papers' claims: {n_claims} in {len(records)} chapter{'s' * (len(records) != 1)}** — "
        f"{_counts_sentence(totals)}.", "",
    ]
    if robustness:
        seeds = ", ".join(str(s) for s in robustness["seeds"])
        lines += [f"Across seeds {seeds}: {n_unstable} claim{'s' * (n_unstable != 1)} change verdict with the "
                  "seed alone (marked *unstable* below).", ""]
    lines += [
        "| chapter | " + " | ".join(v.replace("_", " ") for v in VERDICTS)
        + " | papers' claims | beyond the paper | checks |" + (" unstable |" if robustness else ""),
        "|---" * (len(VERDICTS) + 4 + bool(robustness)) + "|",
    ]
    for chapter in CHAPTERS:
        if not chapter.written:
            continue
        name = f"[{_cell(chapter.title)}]({chapter_link(chapter, records, profile)})"
        if chapter.slug in headline:
            counts = headline[chapter.slug]
            row = (f"| {name} | " + " | ".join(str(counts[v]) for v in VERDICTS)
                   + f" | {sum(counts.values())} | {_short_counts(beyond[chapter.slug])} | "
                   f"{_short_counts(checks[chapter.slug])} |")
            if robustness:
                ids = {c["id"] for c in records[chapter.slug]["claims"]}
                row += f" {len(ids & set(robustness.get('unstable', ())))} |"
            lines.append(row)
        else:
            lines.append(f"| {name} (no results) | " + " | ".join("—" for _ in range(len(VERDICTS) + 3))
                         + " |" + (" — |" if robustness else ""))
    lines.append("| **all chapters** | " + " | ".join(f"**{totals[v]}**" for v in VERDICTS)
                 + f" | **{n_claims}** | {_short_counts(sum(beyond.values(), Counter()))} | "
                 f"{_short_counts(sum(checks.values(), Counter()))} |" + (f" **{n_unstable}** |" if robustness else ""))
    planned = [c for c in CHAPTERS if not c.written]
    if planned:
        lines += ["", "Not written yet: " + ", ".join(f"[{_cell(c.title)}](../chapters/{c.slug})" for c in planned)
                  + "."]
    lines += ["", "## Claims by chapter", ""]
    header = "| claim | verdict |" + (" at each seed |" if robustness else "") + \
        " what it says | measured | criterion | the paper | where in the paper |"
    for chapter in CHAPTERS:
        if not chapter.written:
            continue
        link = chapter_link(chapter, records, profile)
        lines += [f"### {chapter.title}", ""]
        if chapter.slug not in records:
            lines += [f"*No claims to show: {results_state(chapter, records, profile)}.*", ""]
            continue
        claims = records[chapter.slug]["claims"]
        for kind in KINDS:
            of_kind = [c for c in claims if c.get("kind", "paper") == kind]
            if not of_kind:
                continue
            lines += [f"**{kind.capitalize()}** ({KIND_MEANING[kind]}): "
                      f"{_counts_sentence(Counter(c['verdict'] for c in of_kind))}.", "",
                      header, "|---" * (header.count("|") - 1) + "|"]
            for claim in of_kind:
                seeds = f" {_seed_cell(claim['id'], chapter.slug, robustness)} |" if robustness else ""
                lines.append(
                    f"| [`{claim['id']}`]({link}) | {verdict_badge(claim['verdict'])} |{seeds} "
                    f"{_cell(claim['statement'])} | {_cell(_measured(claim['measured']) or '—')} | "
                    f"{_cell(claim['criterion'])} | {_cell(claim['paper'])} | {_cell(claim['source'])} |"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def status_page(records: dict, profile: str) -> str:
    """Markdown of the Status page: how each chapter was executed, against its time budget."""
    lines = ["# Status", "",
             f"How each chapter was executed for this rendering (`{profile}` profile). The budget is the most "
             "a chapter may take at this profile on a 2-core CPU.", "",
             "| chapter | state | runtime | budget | seed | device | python | torch | thermo_utils | machine |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for chapter in CHAPTERS:
        budget = chapter.budget_s.get(profile)
        budget_text = f"{budget} s" if budget else "none"
        record = records.get(chapter.slug)
        if record is None:
            lines.append(f"| [{chapter.slug}](../chapters/{chapter.slug}) | "
                         f"{results_state(chapter, records, profile)} | — | {budget_text} | — | — | — | — | — | — |")
            continue
        env = record["environment"]
        runtime = record["runtime_s"]
        over = " (over budget)" if budget and runtime > budget else ""
        lines.append(
            f"| [{chapter.slug}](../chapters/{chapter.slug}) | executed | {runtime:.0f} s{over} | "
            f"{budget_text} | {record['seed']} | {_cell(env.get('device', 'cpu'))} | {env.get('python')} | "
            f"{env.get('torch')} | {env.get('thermo_utils')} | {_cell(env.get('machine', ''))} |"
        )
    return "\n".join(lines) + "\n"
