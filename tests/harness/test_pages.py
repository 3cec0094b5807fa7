"""The generated Scorecard and Status pages, the Teaching page's budgets, and the book's Sphinx glue."""

from __future__ import annotations

import importlib.util
import re
from types import SimpleNamespace

import nbformat
import pytest

from thermo_utils.harness import pages
from thermo_utils.harness.claims import ClaimSet, judge, not_tested, write_results
from thermo_utils.harness.paths import REPO_ROOT
from thermo_utils.harness.registry import CHAPTERS


def _chapter(slug, written=True, smoke=30, classroom=180):
    return SimpleNamespace(slug=slug, title=f"The {slug} chapter", written=written,
                           budget_s={"smoke": smoke, "classroom": classroom, "paper": None})


def _config(slug):
    return SimpleNamespace(chapter=slug, as_dict=lambda: {"profile": "smoke", "seed": 0, "lr": 0.1})


def _claim_set(slug):
    claims = ClaimSet(slug)
    claims.claim(kind="paper", source="Sec. 2", statement="a | b holds", paper="ratio < 1",
                 criterion="ratio < 1", name="holds")(lambda m, t: m["ratio"] < 1)
    claims.claim(kind="implied", source="Fig. 3", statement="the ratio exceeds one", paper="ratio ≈ 2",
                 criterion="ratio > 1", name="fails")(lambda m, t: m["ratio"] > 1)
    small = claims.claim(kind="paper", source="Tab. 1", statement="needs more seeds", paper="-",
                         criterion="ratio < 1", thresholds={"seeds": 5}, name="small")(lambda m, t: m["ratio"] < 1)
    small.gated("at least {seeds} seeds")(lambda m, t: m["seeds"] >= t.seeds)
    claims.claim(kind="beyond", source="-", statement="a control", paper="-", criterion="ratio < 1",
                 name="control")(lambda m, t: m["ratio"] < 1)
    claims.claim(kind="check", source="Eq. 1", statement="an identity", paper="-", criterion="ratio < 1",
                 name="identity")(lambda m, t: m["ratio"] < 1)
    claims.untested("cifar", kind="paper", source="Sec. 5", statement="on CIFAR-10", paper="-", reason="no data")
    return claims


def _claims(slug):
    claims = _claim_set(slug)
    measured = {"ratio": 0.8}
    return [judge(claims["holds"], measured), judge(claims["fails"], measured),
            judge(claims["small"], {"ratio": 0.8, "seeds": 2}), judge(claims["control"], measured),
            judge(claims["identity"], measured), not_tested(claims["cifar"])]


def _executed_notebook(build, slug, with_scorecard=True):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {slug}"), nbformat.v4.new_markdown_cell("## Experiment")]
    if with_scorecard:
        nb.cells.append(nbformat.v4.new_markdown_cell("## Scorecard\n\nThe claims."))
    path = build / "executed" / "smoke" / f"{slug}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A build folder with four chapters: judged, judged without a scorecard section, no results, planned."""
    monkeypatch.setenv("THERMO_BUILD", str(tmp_path))
    chapters = (_chapter("alpha"), _chapter("beta", smoke=1), _chapter("gamma"), _chapter("delta", written=False))
    monkeypatch.setattr(pages, "CHAPTERS", chapters)
    for slug in ("alpha", "beta"):
        write_results(_config(slug), _claims(slug), runtime_s=12.0)
    _executed_notebook(tmp_path, "alpha", with_scorecard=True)
    _executed_notebook(tmp_path, "beta", with_scorecard=False)
    return tmp_path


def test_scorecard_headline_counts_the_papers_claims_and_shows_the_others_apart(book):
    text = pages.scorecard_page(pages.load_records("smoke"), "smoke")
    assert "**The papers' claims: 8 in 2 chapters**" in text  # 4 paper/implied claims per chapter
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| [The ")}
    assert rows["| [The alpha chapter](../chapters/alpha.ipynb#scorecard)"].endswith(
        "| 1 | 1 | 1 | 1 | 4 | 1 reproduced | 1 reproduced |")
    total = next(line for line in text.splitlines() if line.startswith("| **all chapters**"))
    assert total == "| **all chapters** | **2** | **2** | **2** | **2** | **8** | 2 reproduced | 2 reproduced |"
    alpha = text[text.index("### The alpha chapter"):text.index("### The beta chapter")]
    order = [alpha.index(f"**{kind}**") for kind in ("Paper", "Implied", "Beyond", "Check")]
    assert order == sorted(order)  # each chapter's table is grouped by kind


def test_scorecard_shows_verdicts_at_every_seed_and_marks_unstable_claims(book):
    robustness = {"seeds": [0, 1], "unstable": ["alpha.fails"],
                  "chapters": {"alpha": {"alpha.fails": {"0": "not_reproduced", "1": "reproduced"},
                                         "alpha.holds": {"0": "reproduced", "1": "reproduced"}}}}
    text = pages.scorecard_page(pages.load_records("smoke"), "smoke", robustness)
    assert "Across seeds 0, 1: 1 claim change verdict with the seed alone" in text
    fails = next(line for line in text.splitlines() if line.startswith("| [`alpha.fails`]"))
    assert "**unstable**" in fails and 'verdict-reproduced' in fails and 'verdict-not_reproduced' in fails
    holds = next(line for line in text.splitlines() if line.startswith("| [`alpha.holds`]"))
    assert "unstable" not in holds
    alpha_row = next(line for line in text.splitlines() if line.startswith("| [The alpha chapter]"))
    assert alpha_row.endswith(" 1 |")


def test_scorecard_has_one_coloured_row_per_claim_linking_to_the_judging_section(book):
    text = pages.scorecard_page(pages.load_records("smoke"), "smoke")
    claim_rows = [line for line in text.splitlines() if line.startswith("| [`")]
    assert len(claim_rows) == 12
    for slug in ("alpha", "beta"):
        for claim in _claims(slug):
            row = next(line for line in claim_rows if f"`{claim.id}`" in line)
            assert f'<span class="verdict verdict-{claim.verdict}">' in row
    # alpha's executed notebook has a "## Scorecard" section; beta's has none, so beta links to its page
    assert all("(../chapters/alpha.ipynb#scorecard)" in r for r in claim_rows if "`alpha." in r)
    assert all("(../chapters/beta)" in r for r in claim_rows if "`beta." in r)
    assert "a \\| b holds" in text  # a pipe in a statement does not break the table


def test_scorecard_says_when_results_are_missing_or_unreadable(book):
    text = pages.scorecard_page(pages.load_records("smoke"), "smoke")
    assert "[The gamma chapter](../chapters/gamma) (no results)" in text
    assert "no results file at the `smoke` profile yet: `python -m thermo_utils run gamma --profile smoke`" in text
    assert "Not written yet: [The delta chapter](../chapters/delta)." in text
    (book / "results" / "smoke" / "gamma.json").write_text("{ not json")
    with pytest.warns(UserWarning, match="corrupted"):
        records = pages.load_records("smoke")
    assert "results file unreadable" in pages.scorecard_page(records, "smoke")


def test_scorecard_with_no_results_at_all(book):
    text = pages.scorecard_page({}, "smoke")
    assert "**The papers' claims: 0 in 0 chapters** — none." in text
    assert "| [`" not in text


def test_status_page_reports_runtime_against_budget(book):
    text = pages.status_page(pages.load_records("smoke"), "smoke")
    alpha = next(line for line in text.splitlines() if line.startswith("| [alpha]"))
    beta = next(line for line in text.splitlines() if line.startswith("| [beta]"))
    assert "| 12 s | 30 s |" in alpha and "over budget" not in alpha
    assert "12 s (over budget)" in beta
    assert "no results file" in next(line for line in text.splitlines() if line.startswith("| [gamma]"))


def test_teaching_page_budgets_match_the_chapter_registry():
    text = (REPO_ROOT / "book" / "teaching.md").read_text()
    rows = re.findall(r"^\| \{doc\}`\.\./chapters/(\w+)` \| ≤ (\d+) s \| ≤ (\d+) min \|", text, re.MULTILINE)
    assert [slug for slug, _, _ in rows] == [c.slug for c in CHAPTERS]
    for (slug, smoke, classroom), chapter in zip(rows, CHAPTERS):
        assert int(smoke) == chapter.budget_s["smoke"], slug
        assert int(classroom) * 60 == chapter.budget_s["classroom"], slug


def test_teaching_page_is_in_the_table_of_contents():
    assert "- file: book/teaching" in (REPO_ROOT / "_toc.yml").read_text()


@pytest.fixture(scope="module")
def book_extension():
    spec = importlib.util.spec_from_file_location("thermo_book", REPO_ROOT / "book" / "_ext" / "thermo_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_launch_links_point_at_the_repository_notebooks(book_extension):
    path = book_extension.repository_path
    assert path("https://colab.research.google.com/github/o/r/blob/main/chapters/thermometry.ipynb") == \
        "https://colab.research.google.com/github/o/r/blob/main/notebooks/thermometry.ipynb"
    assert path("https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/chapters/gnn_temperature.ipynb") == \
        "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/gnn_temperature.ipynb"
    assert path("https://github.com/o/r/blob/main/chapters/thermophoresis.md") == \
        "https://github.com/o/r/blob/main/notebooks/thermophoresis.ipynb"
    assert path("https://github.com/o/r/blob/main/book/intro.md") == "https://github.com/o/r/blob/main/book/intro.md"
    assert path("https://github.com/o/r/blob/main/subchapters/x.ipynb") == "https://github.com/o/r/blob/main/subchapters/x.ipynb"


def test_duplicate_inline_scripts_are_dropped(book_extension):
    from sphinx.builders.html._assets import _JavaScript

    scripts = [_JavaScript(None, body="const A = 1"), _JavaScript("theme.js"), _JavaScript("", body="const A = 1"),
               _JavaScript(None, body="const B = 2")]
    context = {"script_files": scripts}
    book_extension._drop_duplicate_scripts(None, "p", "page.html", context, None)
    assert [s.attributes.get("body") or s.filename for s in context["script_files"]] == \
        ["const A = 1", "theme.js", "const B = 2"]


def test_mathjax_comes_from_an_installed_package(book_extension):
    folder = book_extension.mathjax_source()
    assert (folder / book_extension.MATHJAX_ENTRY).stat().st_size > 100_000
    assert all((folder / part).is_dir() for part in book_extension.MATHJAX_LAZY_PARTS)


def test_measured_values_are_shortened_inside_nested_values(book):
    records = pages.load_records("smoke")
    records["alpha"]["claims"][0]["measured"] = {"per_layer": {"fc1": 2.0125991878, "fc2": 1.84592}, "n": 5,
                                                 "exponents": [1.23456, 2.0]}
    row = next(line for line in pages.scorecard_page(records, "smoke").splitlines() if "`alpha.holds`" in line)
    assert "per_layer = {fc1: 2.01, fc2: 1.85}, n = 5, exponents = [1.23, 2]" in row
