"""The book's chapters: slug, title, source and time budget per profile.

The table of contents, the runner and the tests all read this one registry. A chapter is *written*
when its notebook exists; an unwritten chapter is shown as a short page from ``book/planned/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .paths import REPO_ROOT


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    source: str
    budget_s: dict  # the most seconds the profile may take on a 2-core CPU (None: no budget)

    @property
    def notebook(self):
        return REPO_ROOT / "notebooks" / f"{self.slug}.ipynb"

    @property
    def written(self) -> bool:
        return self.notebook.exists()


def _budget(smoke: int, classroom: int) -> dict:
    return {"smoke": smoke, "classroom": classroom, "paper": None}


CHAPTERS = (
    Chapter("thermometry", "Thermometry: the kinetic temperature of SGD", "foundation", _budget(30, 180)),
    Chapter("gnn_temperature", "Layer temperatures of graph neural networks", "paper 000", _budget(60, 480)),
    Chapter("sas_generalization", "Generalization without convergence", "paper 001 (first half)", _budget(60, 360)),
    Chapter("signnet_basisnet", "Sign- and basis-invariant networks", "paper 001 (second half)", _budget(60, 360)),
    Chapter("thermophoresis", "Thermophoresis: SGD's pull towards low gradient noise", "paper 002", _budget(60, 300)),
    Chapter("diffusion_metric", "The diffusion matrix of SGD as a metric", "paper 003", _budget(60, 360)),
    Chapter("free_energy_sphere", "SGD as free-energy minimization on the sphere", "paper 004", _budget(60, 480)),
)

PROFILES = ("smoke", "classroom", "paper")


def get_chapter(slug: str) -> Chapter:
    for chapter in CHAPTERS:
        if chapter.slug == slug:
            return chapter
    valid = ", ".join(c.slug for c in CHAPTERS)
    raise ValueError(f"unknown chapter {slug!r}; valid chapters: {valid}")


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
    return profile
