"""Sphinx glue for this book: MathJax served from the book itself, launch links into ``notebooks/``.

MathJax: readers offline must still see equations, so the book never loads MathJax from a CDN. The files
come from the PyPI package ``sphinx-mathjax-offline`` (MathJax 3, installed with the book's environment)
and are copied into ``_static/mathjax`` of the HTML output.

Launch links: the book is built from a staged copy in which chapter ``SLUG`` is the executed notebook
``chapters/SLUG.ipynb``, while the repository keeps it at ``notebooks/SLUG.ipynb`` (a chapter left out of a
partial build is a one-line ``chapters/SLUG.md``). sphinx-book-theme builds its Colab, Binder and source links from
the staged path, so after it has built them this extension rewrites them to the repository's path.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset

MATHJAX_DISTRIBUTION = "sphinx-mathjax-offline"
MATHJAX_FOLDER = "sphinx-mathjax-offline/static/mathjax"
MATHJAX_ENTRY = "tex-mml-chtml.js"  # Sphinx's own default component: TeX and MathML in, HTML-CSS out
# What the entry component loads lazily (fonts, the accessibility menu, speech rules); the other
# top-level bundles of the package are alternatives to the entry and are not copied.
MATHJAX_LAZY_PARTS = ("a11y", "adaptors", "input", "output", "sre", "ui")

# A staged path of a chapter page → its path in the repository.
STAGED_CHAPTER = re.compile(r"(?<!\w)chapters/(?P<slug>\w+)\.(?P<ext>ipynb|md)")


def mathjax_source() -> Path:
    """The folder of MathJax files in the installed package; a clear error when it is missing."""
    try:
        distribution = importlib.metadata.distribution(MATHJAX_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ExtensionError(
            f"the book serves MathJax itself and takes it from the package {MATHJAX_DISTRIBUTION!r}, "
            "which is not installed: run `make setup` (or pip install -r requirements.lock)"
        ) from None
    folder = Path(distribution.locate_file(MATHJAX_FOLDER))
    if not (folder / MATHJAX_ENTRY).is_file():
        raise ExtensionError(f"{folder / MATHJAX_ENTRY} is missing: reinstall {MATHJAX_DISTRIBUTION}")
    return folder


def repository_path(staged: str) -> str:
    """``chapters/SLUG.ipynb`` (or the ``.md`` of a partial build) → ``notebooks/SLUG.ipynb``."""
    def replace(match: re.Match) -> str:
        return f"notebooks/{match['slug']}.ipynb"

    return STAGED_CHAPTER.sub(replace, staged)


def _configure(app, config) -> None:
    mathjax_source()  # fail before the build, not after it
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"  # relative: Sphinx serves it from _static/
    # An explicit colour mode: with none, the theme logs an error in the console of a first visit.
    config.html_context.setdefault("default_mode", "light")


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    copy_asset(str(source / MATHJAX_ENTRY), str(target))
    for part in MATHJAX_LAZY_PARTS:
        copy_asset(str(source / part), str(target / part))


def _rewrite_button_urls(buttons: list) -> None:
    """Only the links that leave the book (launch, repository) name a repository path."""
    for button in buttons:
        if button.get("type") == "group":
            _rewrite_button_urls(button.get("buttons", []))
        elif button.get("type") == "link" and "://" in button.get("url", ""):
            button["url"] = repository_path(button["url"])


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""  # None and "" both mean an inline script
    return str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items()))


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Each script once per page.

    With Jupyter Book 1, the inline scripts that sphinx-thebe and sphinx-togglebutton add after the
    builder starts reach every page twice (once with filename None, once with ""), and the second
    ``const THEBE_JS_URL`` is a JavaScript error in the reader's console.
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _point_at_repository(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith("chapters/"):
        return
    _rewrite_button_urls(context.get("header_buttons", []))


def setup(app):
    # Part of the configuration, so that a change to this file rewrites every page of an incremental build.
    app.add_config_value("thermo_book_source", hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), "html")
    app.connect("config-inited", _configure)
    app.connect("build-finished", _copy_mathjax)
    # after sphinx-book-theme's launch and source buttons (priority 501)
    app.connect("html-page-context", _point_at_repository, priority=900)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
