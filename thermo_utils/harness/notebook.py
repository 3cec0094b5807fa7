"""What every chapter notebook does first and last: :func:`start_chapter` and :meth:`ChapterRun.finish`.

``ch = start_chapter("thermometry", globals())`` resolves and validates the chapter's configuration from the
parameters cell, seeds every global generator, applies the house style, glues the run label, shows the banner
(and, at ``paper``, the cost), and starts the clock. ``ch.judge(...)`` turns measured values into verdicts by
the rules of the chapter's ``claims.py``; ``ch.finish(...)`` checks that every declared claim was judged,
writes the results file and shows the scorecard.
"""

from __future__ import annotations

import importlib
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from thermo_utils.harness import claims as claims_mod
from thermo_utils.harness.pages import _cell, _measured
from thermo_utils.harness.paths import sweep_cache_dir
from thermo_utils.harness.plotting import banner, glue_run_label, use_house_style
from thermo_utils.harness.registry import get_chapter
from thermo_utils.harness.sweep import run_sweep


def seed_globals(seed: int) -> np.random.Generator:
    """Seed Python's, NumPy's and torch's global generators; return a fresh NumPy generator for the notebook.

    Chapter code should still take explicit generators; this only makes stray global draws repeatable.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    return np.random.default_rng([seed])


class ChapterRun:
    """One execution of a chapter: its config, generator, sweep settings, claims and clock."""

    def __init__(self, slug: str, namespace: Mapping[str, Any]):
        self.chapter = get_chapter(slug)
        self.spec = importlib.import_module(f"thermo_utils.chapters.{slug}.config").SPEC
        self.claims: claims_mod.ClaimSet = importlib.import_module(f"thermo_utils.chapters.{slug}.claims").CLAIMS
        self.cfg = self.spec.resolve_from(dict(namespace))
        self.started = time.perf_counter()
        self.rng = seed_globals(self.cfg.seed)
        self.cache_dir = sweep_cache_dir(self.cfg.profile, slug)
        self.quiet = self.cfg.profile == "smoke"
        self.judged: list[claims_mod.Claim] = []

    @property
    def device(self) -> str:
        """The device the chapter asked for (``cpu`` where the config has no device)."""
        return getattr(self.cfg, "device", "cpu")

    def show_banner(self) -> None:
        from IPython.display import Markdown, display

        use_house_style()
        glue_run_label(self.cfg)
        display(Markdown(banner(self.cfg, self.chapter.title)))
        if self.cfg.profile == "paper" and self.chapter.paper_cost:
            display(Markdown(f"**Cost of `paper`:** {self.chapter.paper_cost}"))

    def sweep(self, fn: Callable, points: Sequence[dict], desc: str, **kwargs) -> list:
        """:func:`run_sweep` with this chapter's cache folder, executor and quietness."""
        kwargs.setdefault("executor", getattr(self.cfg, "executor", "local"))
        return run_sweep(fn, points, cache_dir=self.cache_dir, desc=desc, quiet=self.quiet, **kwargs)

    def judge(self, name: str, measured: Mapping[str, Any], *, thresholds: Mapping[str, Any] | None = None,
              variant: str | None = None, note: str = "") -> claims_mod.Claim:
        """Judge the declared claim ``name`` on ``measured`` and keep the verdict for :meth:`finish`."""
        claim = claims_mod.judge(self.claims[name], measured, thresholds=thresholds, variant=variant, note=note)
        self.judged.append(claim)
        return claim

    def not_tested(self, name: str, reason: str = "", *, variant: str | None = None) -> claims_mod.Claim:
        claim = claims_mod.not_tested(self.claims[name], reason, variant=variant)
        self.judged.append(claim)
        return claim

    def finish(self, extra: Iterable[claims_mod.Claim] = ()) -> list[claims_mod.Claim]:
        """Check every declared claim was judged, write the results file, show the scorecard (one table, by kind)."""
        from IPython.display import Markdown, display

        done = claims_mod.complete(self.claims, [*self.judged, *extra])
        path = claims_mod.write_results(self.cfg, done, time.perf_counter() - self.started,
                                        requested_device=self.device)
        display(Markdown(scorecard_markdown(done)))
        counts = Counter(c.verdict for c in done)
        print(f"results written to {path}: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
        return done


def scorecard_markdown(done: Iterable[claims_mod.Claim]) -> str:
    """The chapter's scorecard as MyST Markdown (so $math$ is typeset): one row per claim, grouped by kind."""
    done = sorted(done, key=lambda c: claims_mod.KINDS.index(c.kind))
    kinds = "; ".join(f"**{k}**: {claims_mod.KIND_MEANING[k]}" for k in claims_mod.KINDS if any(c.kind == k for c in done))
    lines = [f"Kinds — {kinds}.", "",
             "| claim | kind | statement | measured | criterion | the paper | verdict |", "|---|---|---|---|---|---|---|"]
    for c in done:
        lines.append(f"| `{c.id}` | {c.kind} | {_cell(c.statement)} | {_cell(_measured(c.measured) or '—')} | "
                     f"{_cell(c.criterion)} | {_cell(c.paper)} | {c.verdict} |")
    return "\n".join(lines)


def start_chapter(slug: str, namespace: Mapping[str, Any]) -> ChapterRun:
    """Validate the parameters, seed, style and stamp the run; show the banner. Call it right after the parameters."""
    run = ChapterRun(slug, namespace)
    run.show_banner()
    return run


def claims_table(slug: str) -> None:
    """Show the chapter's "Claims under test" table, generated from its ``claims.py``."""
    from IPython.display import Markdown, display

    display(Markdown(importlib.import_module(f"thermo_utils.chapters.{slug}.claims").CLAIMS.table()))
