"""Execute chapters with papermill and build the book with Jupyter Book 1.

``run`` executes one chapter into ``_build/executed/PROFILE/SLUG.ipynb``; the chapter itself writes
``_build/results/PROFILE/SLUG.json``. A run is skipped when its cache key (notebook, parameters, package
source, dependency lock) matches the last successful one and its results file is intact.

``build`` runs every chapter, then stages the book in ``_build/site`` (the repository's pages, the executed
notebooks as ``chapters/SLUG.ipynb``, and the Scorecard and Status pages generated from the results) and
builds it strictly (warnings are errors, execution off) into ``_build/html``. ``robustness`` runs chapters at
several seeds and records, per claim, the verdict at each seed.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from thermo_utils.harness import pages
from thermo_utils.harness.cache import chapter_key
from thermo_utils.harness.claims import ResultsError, read_results, results_path
from thermo_utils.harness.paths import REPO_ROOT, build_dir, executed_dir, results_dir
from thermo_utils.harness.registry import CHAPTERS, check_profile, get_chapter
from thermo_utils.harness.robustness import read_robustness


class ChapterFailed(RuntimeError):
    """A chapter's notebook raised; the message names the chapter and the failing cell."""


def validate_parameters(slug: str, profile: str, parameters: dict):
    """Resolve the chapter's config in this process, so bad input fails before a kernel starts."""
    module = importlib.import_module(f"thermo_utils.chapters.{slug}.config")
    run_params = {k: v for k, v in parameters.items() if k not in ("seed",)}
    return module.SPEC.resolve(profile=profile, seed=parameters.get("seed", 0), **run_params)


def _key_file(slug: str, profile: str, seed: int = 0) -> Path:
    return results_dir(profile, seed) / f"{slug}.key"


def _seed_of(parameters: dict) -> int:
    return int(parameters.get("seed", 0))


def _key_parameters(parameters: dict) -> dict:
    """The parameters as the cache key sees them: ``seed 0`` is the default, so it is the same run as no seed."""
    return {k: v for k, v in parameters.items() if not (k == "seed" and v == 0)}


def is_cached(slug: str, profile: str, parameters: dict) -> bool:
    chapter = get_chapter(slug)
    seed = _seed_of(parameters)
    key_path = _key_file(slug, profile, seed)
    if not key_path.exists() or not (executed_dir(profile, seed) / f"{slug}.ipynb").exists():
        return False
    if key_path.read_text().strip() != chapter_key(chapter.notebook, profile, _key_parameters(parameters)):
        return False
    try:
        read_results(results_path(profile, slug, seed))
    except ResultsError as err:
        warnings.warn(f"{err}; re-executing {slug}")
        return False
    return True


def run_chapter(slug: str, profile: str, parameters: dict | None = None, force: bool = False, log=print) -> str:
    """Execute one chapter (unless cached); return 'cached' or 'executed'. Raises ChapterFailed.

    Seed 0 writes where the book looks; another seed writes to ``seed-N/`` beside it (see ``paths``).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    chapter = get_chapter(slug)
    check_profile(profile)
    parameters = dict(parameters or {})
    if not chapter.written:
        raise ValueError(f"chapter {slug!r} has no notebook here ({chapter.notebook})")
    validate_parameters(slug, profile, parameters)
    seed = _seed_of(parameters)
    label = f"{slug} ({profile}{f', seed {seed}' if seed else ''})"
    if not force and is_cached(slug, profile, parameters):
        log(f"  {label}: unchanged, cached")
        return "cached"
    out = executed_dir(profile, seed) / f"{slug}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    results_dir(profile, seed).mkdir(parents=True, exist_ok=True)
    _key_file(slug, profile, seed).unlink(missing_ok=True)
    key = chapter_key(chapter.notebook, profile, _key_parameters(parameters))  # the sources as execution began
    os.environ["THERMO_BUILD"] = str(build_dir())  # the kernel writes its results where we look
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(chapter.notebook), str(out), parameters={"profile": profile, **parameters},
            kernel_name="python3", progress_bar=False, cwd=str(REPO_ROOT / "notebooks"),
        )
    except PapermillExecutionError as err:
        raise ChapterFailed(
            f"chapter {slug!r} ({profile}) failed in cell {err.exec_count}: {err.ename}: {err.evalue} "
            f"(cell numbers as in {out})"
        ) from None
    try:
        record = read_results(results_path(profile, slug, seed))
    except ResultsError as err:
        raise ChapterFailed(f"chapter {slug!r} ({profile}) ran but left no valid results: {err}") from None
    _key_file(slug, profile, seed).write_text(key + "\n")
    log(f"  {label}: executed in {time.perf_counter() - start:.0f} s ({len(record['claims'])} claims)")
    return "executed"


def stage_site(profile: str, only: set | None = None) -> Path:
    """Lay out the book's sources in ``_build/site``, touching only files whose content changed.

    With ``only``, the other chapters are shown as a one-line page (a partial build for authors).
    """
    site = build_dir() / "site"
    wanted: dict[Path, bytes] = {}
    for name in ("_config.yml", "_toc.yml"):
        wanted[Path(name)] = (REPO_ROOT / name).read_bytes()
    for path in (REPO_ROOT / "book").rglob("*"):
        if path.is_file():
            wanted[path.relative_to(REPO_ROOT)] = path.read_bytes()
    for chapter in CHAPTERS:
        executed = executed_dir(profile) / f"{chapter.slug}.ipynb"
        included = only is None or chapter.slug in only
        if chapter.written and executed.exists() and included:
            wanted[Path("chapters") / f"{chapter.slug}.ipynb"] = executed.read_bytes()
        else:
            text = f"# {chapter.title}\n\nNot part of this build.\n".encode()
            wanted[Path("chapters") / f"{chapter.slug}.md"] = text
    records = {k: v for k, v in pages.load_records(profile).items() if only is None or k in only}
    robustness = read_robustness(profile)
    if robustness and only is not None:
        robustness = {**robustness, "chapters": {k: v for k, v in robustness["chapters"].items() if k in only}}
    wanted[Path("book/scorecard.md")] = pages.scorecard_page(records, profile, robustness).encode()
    wanted[Path("book/status.md")] = pages.status_page(records, profile).encode()
    for rel, content in wanted.items():
        target = site / rel
        if not target.exists() or target.read_bytes() != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    for path in list(site.rglob("*")):  # remove what is no longer part of the book
        rel = path.relative_to(site)
        if path.is_file() and rel.parts[0] != "_build" and rel not in wanted:
            path.unlink()
    return site


def build_html(profile: str, only: set | None = None, log=print) -> Path:
    """Strict Jupyter Book build of the staged site; the HTML ends in ``_build/html``."""
    site = stage_site(profile, only)
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(site), "--builder", "html",
           "-W", "-n", "--keep-going", "--quiet"]
    log(f"  jupyter-book build ({profile}) …")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-40:])
        raise ChapterFailed(f"the strict book build failed:\n{tail}")
    html = build_dir() / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.copytree(site / "_build" / "html", html)
    return html


def run_in_subprocesses(runs: list[tuple[str, dict]], profile: str, jobs: int, force: bool, log) -> list[str]:
    """Run (chapter, parameters) pairs as ``python -m thermo_utils run`` processes, ``jobs`` at a time (one thread each)."""
    env = dict(os.environ, THERMO_BUILD=str(build_dir()), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    pending, running, failures = list(runs), {}, []
    while pending or running:
        while pending and len(running) < jobs:
            slug, params = pending.pop(0)
            cmd = [sys.executable, "-m", "thermo_utils", "run", slug, "--profile", profile]
            for name, value in params.items():
                cmd += ["-p", name, str(value)]
            cmd += ["--force"] if force else []
            proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            running[proc] = slug
        time.sleep(0.5)
        for proc, slug in list(running.items()):
            if proc.poll() is None:
                continue
            del running[proc]
            lines = [line for line in proc.stdout.read().splitlines() if "without encryption" not in line]
            for line in lines:
                log(line)
            if proc.returncode != 0:
                failures.append(next((line.removeprefix("error: ") for line in lines if line.startswith("error:")),
                                     f"chapter {slug!r} exited with {proc.returncode}"))
    return failures


def build(profile: str, force: bool = False, only: set | None = None, jobs: int = 1, log=print) -> int:
    """Run every written chapter (or those in ``only``), ``jobs`` at a time, then build the book.

    A failing chapter does not stop the others; the exit status is 1 if anything failed.
    """
    check_profile(profile)
    for slug in only or ():
        get_chapter(slug)
    written = [c for c in CHAPTERS if c.written and (only is None or c.slug in only)]
    failures = []
    start = time.perf_counter()
    if jobs > 1:
        log(f"running {len(written)} chapters ({profile}), {jobs} at a time")
        failures += run_in_subprocesses([(c.slug, {}) for c in written], profile, jobs, force, log)
    else:
        for i, chapter in enumerate(written, 1):
            log(f"[{i}/{len(written)}] {chapter.slug} ({profile}) — {time.perf_counter() - start:.0f} s elapsed")
            try:
                run_chapter(chapter.slug, profile, force=force, log=log)
            except ChapterFailed as err:
                failures.append(str(err))
                log(f"  FAILED: {err}")
    try:
        html = build_html(profile, only, log=log)
        log(f"book built in {time.perf_counter() - start:.0f} s: {html / 'index.html'}")
    except ChapterFailed as err:
        failures.append(str(err))
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0
