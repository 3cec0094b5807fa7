"""The rendered book as a reader sees it: the smoke build served on 127.0.0.1 and read by headless Chromium.

Every page of the table of contents is opened once (Selenium driving Debian's ``chromium`` through
``chromedriver``); what the browser saw is recorded, and each test below checks one promise of the book:
no console errors, every image loaded, equations typeset by MathJax served from the book itself, every
internal link and anchor resolves, every written chapter shows its numbered and captioned figures, its
scorecard, its exercises, launch buttons into the repository and the executed notebook to download, and
the Scorecard page counts and colours every claim. Full-page screenshots of each chapter and of the
Scorecard page land in ``_build/screenshots/`` (``$THERMO_BUILD/screenshots/`` when it is set), to look
at. Skipped, with the reason, where Chromium or its driver is absent.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
import urllib.error
import urllib.request
from base64 import b64decode
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
import yaml

from thermo_utils.harness.claims import VERDICTS
from thermo_utils.harness.paths import REPO_ROOT, build_dir
from thermo_utils.harness.registry import CHAPTERS

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does it): "
                "the rendered book is not checked in a browser", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: run `make setup`")

# Flags for a sandbox with no network: without the background-networking ones Chromium keeps trying
# to reach Google's services and logs each refusal.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,900")
REPOSITORY = "thermo-sgd/thermodynamics-of-sgd"
SCREENSHOT_MAX_HEIGHT = 12000  # px: a long chapter's screenshot is cut there
# TeX a reader would see as source: $…$, \( \[ \begin{, or a command such as \propto in the prose.
RAW_TEX = re.compile(r"\$[^$\s][^$\n]{0,200}?\$|\\\(|\\\[|\\begin\{|\\[A-Za-z]{2,}")


def toc_pages() -> list[str]:
    """Every page of the table of contents, as Sphinx names them (``book/intro``, ``chapters/SLUG``)."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return pages


# What the browser reports for a page, gathered in one script once the page has loaded and MathJax has finished
# typesetting. The script waits for the load itself: now and then `get` returned while the document had no body yet.
PAGE_PROBE = r"""
const done = arguments[arguments.length - 1];
const loaded = new Promise(resolve => {
  const check = () => (document.readyState === "complete" && document.body) ? resolve() : setTimeout(check, 50);
  check();
});
loaded.then(() => {
  const mj = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
  return mj || Promise.resolve();
}).then(() => {
  const article = document.querySelector("article") || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight").forEach(e => e.remove());
  const text = (e) => (e ? e.textContent.replace(/\s+/g, " ").trim() : "");
  const section = document.getElementById("scorecard");
  const table = section && section.querySelector("table");
  done({
    brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
    assets: Array.from(document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=icon][href]"))
      .map(e => e.src || e.href),
    mathNodes: document.querySelectorAll("span.math, div.math").length,
    mathUntypeset: Array.from(document.querySelectorAll("span.math, div.math"))
      .filter(e => !e.querySelector("mjx-container")).map(e => text(e).slice(0, 80)),
    typeset: document.querySelectorAll("mjx-container").length,
    rawTex: prose.textContent,
    figures: Array.from(document.querySelectorAll("figure")).map(f => {
      const img = f.querySelector("img");
      return {id: f.id, alt: img ? img.getAttribute("alt") : null,
              loaded: !!img && img.complete && img.naturalWidth > 0,
              number: text(f.querySelector("figcaption .caption-number")),
              caption: text(f.querySelector("figcaption"))};
    }),
    scorecard: section ? {hasTable: !!table, rows: table ? table.querySelectorAll("tbody tr").length : 0,
                          text: text(section)} : null,
    exercises: Array.from(document.querySelectorAll("div.exercise")).map(e => e.id),
    solutions: Array.from(document.querySelectorAll("div.solution")).map(s => {
      const a = s.querySelector(".admonition-title a");
      return {of: a ? a.getAttribute("href") : null, dropdown: s.classList.contains("dropdown"),
              collapsed: s.classList.contains("toggle-hidden")};
    }),
    badges: Array.from(document.querySelectorAll("span.verdict")).map(b => ({
      verdict: Array.from(b.classList).filter(c => c.startsWith("verdict-")).map(c => c.slice(8))[0],
      colour: getComputedStyle(b).backgroundColor})),
    tables: Array.from(document.querySelectorAll("article table")).map(t =>
      Array.from(t.querySelectorAll("tr")).map(r => Array.from(r.cells).map(c => text(c)))),
    claimLinks: Array.from(document.querySelectorAll("article table a code")).map(c => ({
      id: c.textContent, href: c.closest("a").href})),
    height: Math.min(document.documentElement.scrollHeight, SCREENSHOT_MAX_HEIGHT),
  });
}).catch(err => done({error: String(err)}));
""".replace("SCREENSHOT_MAX_HEIGHT", str(SCREENSHOT_MAX_HEIGHT))


@dataclass
class Visit:
    url: str
    console_errors: list
    probe: dict = field(default_factory=dict)


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(smoke_build):
    """The book's HTML served on 127.0.0.1 (a free port) by a thread-run http.server."""
    html = smoke_build / "html"
    assert (html / "index.html").exists(), f"no book in {html}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def screenshots() -> Path:
    return build_dir() / "screenshots"


@pytest.fixture(scope="module")
def visits(served, browser) -> dict[str, Visit]:
    """Open every page of the table of contents once; screenshot each chapter and the Scorecard page."""
    shots = screenshots()
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    seen = {}
    for page in toc_pages():
        url = urljoin(served, page + ".html")
        browser.get(url)
        probe = browser.execute_async_script(PAGE_PROBE)
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        seen[page] = Visit(url, errors, probe)
        if page.startswith("chapters/") or page == "book/scorecard":
            shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": 1280, "height": probe.get("height", 900), "scale": 1}})
            (shots / f"{page.split('/')[-1]}.png").write_bytes(b64decode(shot["data"]))
    return seen


def written_chapters(smoke_build) -> list:
    """Chapters whose page in this build is their executed notebook."""
    return [c for c in CHAPTERS if (smoke_build / "html" / "_sources" / "chapters" / f"{c.slug}.ipynb").exists()]


def results_of(smoke_build, slug) -> dict:
    return json.loads((smoke_build / "results" / "smoke" / f"{slug}.json").read_text())


def test_every_page_loads_without_console_errors(visits):
    assert all(v.probe and "error" not in v.probe for v in visits.values()), \
        {p: v.probe.get("error") for p, v in visits.items() if "error" in v.probe}
    problems = {page: v.console_errors for page, v in visits.items() if v.console_errors}
    assert not problems, f"console errors: {problems}"


def test_every_image_loads(visits):
    broken = {page: v.probe["brokenImages"] for page, v in visits.items() if v.probe["brokenImages"]}
    assert not broken, f"images that did not load: {broken}"


def test_everything_is_served_by_the_book_itself(visits, served):
    """Scripts (MathJax included), stylesheets and icons come from the book: it reads offline."""
    remote = {page: [a for a in v.probe["assets"] if not a.startswith(served)] for page, v in visits.items()}
    remote = {page: assets for page, assets in remote.items() if assets}
    assert not remote, f"assets loaded from outside the book: {remote}"
    mathjax = {a for v in visits.values() for a in v.probe["assets"] if "mathjax" in a.lower()}
    assert mathjax and all(a.startswith(urljoin(served, "_static/mathjax/")) for a in mathjax), mathjax


def test_equations_are_typeset(visits):
    assert sum(v.probe["mathNodes"] for v in visits.values()) > 0, "no page of the book has an equation"
    untypeset = {page: v.probe["mathUntypeset"] for page, v in visits.items() if v.probe["mathUntypeset"]}
    assert not untypeset, f"equations MathJax did not typeset: {untypeset}"
    raw = {page: RAW_TEX.findall(v.probe["rawTex"])[:5] for page, v in visits.items()}
    raw = {page: found for page, found in raw.items() if found}
    assert not raw, f"raw TeX shown as text: {raw}"
    for page, v in visits.items():
        assert v.probe["typeset"] >= v.probe["mathNodes"], page


def test_internal_links_and_anchors_resolve(visits, served):
    targets = {link for v in visits.values() for link in v.probe["links"] if link.startswith(served)}
    assert targets, "no internal links found"
    ids_of, broken = {}, []
    for link in sorted(targets):
        page, anchor = urldefrag(link)
        if page not in ids_of:
            try:
                with urllib.request.urlopen(page, timeout=10) as response:
                    body = response.read()
            except urllib.error.URLError as err:
                broken.append(f"{link}: {err}")
                ids_of[page] = None
                continue
            parser = _Ids()
            if page.endswith(".html") or page.endswith("/"):
                parser.feed(body.decode("utf-8", "replace"))
            ids_of[page] = parser.ids
        if anchor and ids_of[page] is not None and anchor not in ids_of[page]:
            broken.append(f"{link}: no element with id {anchor!r}")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_executed_chapters_are_shown_as_their_notebooks(smoke_build):
    shown = {c.slug for c in written_chapters(smoke_build)}
    executed = {p.stem for p in (smoke_build / "executed" / "smoke").glob("*.ipynb")}
    assert executed, "the smoke build executed no chapter"
    assert executed <= shown, f"executed chapters shown as planned pages: {sorted(executed - shown)}"


def test_chapters_show_their_figures_numbered_captioned_and_described(visits, smoke_build):
    for chapter in written_chapters(smoke_build):
        figures = {f["id"]: f for f in visits[f"chapters/{chapter.slug}"].probe["figures"]}
        published = sorted(p.stem for p in (smoke_build / "figures" / "smoke" / chapter.slug).glob("*.png"))
        assert published, f"{chapter.slug}: published no figure"
        for name in published:
            html_id = name.replace("_", "-")  # Sphinx writes underscores in ids as hyphens
            assert html_id in figures, f"{chapter.slug}: figure {name} is published but not shown (ids: {list(figures)})"
            figure = figures[html_id]
            assert figure["loaded"], f"{chapter.slug}: {name} did not load"
            assert figure["alt"] and figure["alt"].strip(), f"{chapter.slug}: {name} has no alt text"
            assert re.fullmatch(r"Fig\. [\d.]+", figure["number"]), f"{chapter.slug}: {name} is not numbered"
            assert "profile=smoke" in figure["caption"], \
                f"{chapter.slug}: the caption of {name} does not state the run: {figure['caption']!r}"


def test_chapters_show_their_scorecard(visits, smoke_build):
    for chapter in written_chapters(smoke_build):
        scorecard = visits[f"chapters/{chapter.slug}"].probe["scorecard"]
        assert scorecard and scorecard["hasTable"], f"{chapter.slug}: no table in a '## Scorecard' section"
        claims = results_of(smoke_build, chapter.slug)["claims"]
        assert scorecard["rows"] == len(claims), (chapter.slug, scorecard["rows"], len(claims))
        for claim in claims:
            assert claim["id"] in scorecard["text"], f"{chapter.slug}: {claim['id']} missing from its scorecard"
        badges = Counter(b["verdict"] for b in visits[f"chapters/{chapter.slug}"].probe["badges"])
        assert badges == Counter(c["verdict"] for c in claims), f"{chapter.slug}: verdicts not coloured: {badges}"


def test_chapters_have_exercises_with_solutions_in_dropdowns(visits, smoke_build):
    for chapter in written_chapters(smoke_build):
        probe = visits[f"chapters/{chapter.slug}"].probe
        assert probe["exercises"], f"{chapter.slug}: no exercise"
        solved = {s["of"].lstrip("#") for s in probe["solutions"] if s["of"]}
        assert set(probe["exercises"]) <= solved, f"{chapter.slug}: exercises without a solution"
        assert all(s["dropdown"] and s["collapsed"] for s in probe["solutions"]), \
            f"{chapter.slug}: a solution is not a closed dropdown"


def test_launch_buttons_open_the_repository_notebook(visits, smoke_build):
    for chapter in written_chapters(smoke_build):
        links = visits[f"chapters/{chapter.slug}"].probe["links"]
        notebook = f"notebooks/{chapter.slug}.ipynb"
        colab = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/{notebook}"
        binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/{notebook}"
        assert colab in links, f"{chapter.slug}: no Colab link to {notebook}"
        assert binder in links, f"{chapter.slug}: no Binder link to {notebook}"
        cells = json.loads((REPO_ROOT / notebook).read_text())["cells"]
        first_code = next(c for c in cells if c["cell_type"] == "code")
        source = "".join(first_code["source"])
        assert "remove-cell" in first_code.get("metadata", {}).get("tags", []) and "pip" in source \
            and "thermo_utils" in source, f"{notebook}: the first code cell must install the package where it is missing"


def test_download_offers_the_executed_notebook(visits, served, smoke_build):
    for chapter in written_chapters(smoke_build):
        url = urljoin(served, f"_sources/chapters/{chapter.slug}.ipynb")
        assert url in visits[f"chapters/{chapter.slug}"].probe["links"], f"{chapter.slug}: no .ipynb download link"
        with urllib.request.urlopen(url, timeout=10) as response:
            cells = json.loads(response.read())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert any("injected-parameters" in c.get("metadata", {}).get("tags", []) for c in code), \
            f"{chapter.slug}: the downloaded notebook was not executed by papermill"
        assert any(c.get("outputs") for c in code), f"{chapter.slug}: the downloaded notebook has no outputs"


def test_scorecard_page_counts_colours_and_links_every_claim(visits, smoke_build):
    probe = visits["book/scorecard"].probe
    claims = {c.slug: results_of(smoke_build, c.slug)["claims"] for c in written_chapters(smoke_build)}
    expected = Counter(claim["verdict"] for chapter_claims in claims.values() for claim in chapter_claims
                       if claim["kind"] in ("paper", "implied"))  # the headline counts the papers' claims
    overview = probe["tables"][0]
    header, total = overview[0], overview[-1]
    assert total[0] == "all chapters"
    for verdict in VERDICTS:
        column = header.index(verdict.replace("_", " "))
        assert int(total[column]) == expected[verdict], (verdict, total[column], expected[verdict])
    linked = {link["id"]: link["href"] for link in probe["claimLinks"]}
    for slug, chapter_claims in claims.items():
        for claim in chapter_claims:
            assert linked.get(claim["id"], "").endswith(f"chapters/{slug}.html#scorecard"), \
                f"{claim['id']} does not link to its chapter's scorecard section: {linked.get(claim['id'])}"
    colours = {}
    for badge in probe["badges"]:
        colours.setdefault(badge["verdict"], set()).add(badge["colour"])
    assert set(colours) == set(VERDICTS), f"a verdict has no badge in the legend: {sorted(colours)}"
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({next(iter(c)) for c in colours.values()}) == len(VERDICTS), f"verdicts share a colour: {colours}"


def test_screenshots_of_every_chapter(visits):
    for chapter in CHAPTERS:
        shot = screenshots() / f"{chapter.slug}.png"
        assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
