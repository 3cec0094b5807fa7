"""The book's chapters: slug, title, source, time budget per profile and the cost of the paper profile.

The table of contents, the runner, the notebooks' banners and the tests all read this one registry. Each
chapter's code lives in ``thermo_utils/chapters/SLUG/`` and its notebook in ``notebooks/SLUG.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass

from thermo_utils.harness.paths import REPO_ROOT


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    source: str
    budget_s: dict  # the most seconds the profile may take on a quiet 2-core CPU (None: no budget)
    paper_cost: str = ""  # what the paper profile costs, said before it runs

    @property
    def notebook(self):
        return REPO_ROOT / "notebooks" / f"{self.slug}.ipynb"

    @property
    def written(self) -> bool:
        """Whether the notebook is here (it is not in a pip install, where plain papermill runs a copy)."""
        return self.notebook.exists()


def _budget(smoke: int, classroom: int) -> dict:
    return {"smoke": smoke, "classroom": classroom, "paper": None}


CHAPTERS = (
    Chapter("thermometry", "Thermometry: the kinetic temperature of SGD", "the book's foundation", _budget(60, 240),
            "about 2 hours on a 2-core CPU for the quadratic grid (1,024 chains × 200,000 steps per point) plus "
            "several CPU-hours for the MLP sweeps (60,000 images, 20 epochs per setting; not measured); on a GPU "
            "the MLP sweeps take minutes (device=auto), while the quadratic is NumPy and stays on the CPU."),
    Chapter("gnn_temperature", "Layer temperatures of graph neural networks", "Lapenna et al. 2023",
            _budget(60, 600), "about 51 core-hours for the GCN and about 107 for the GAT (60,000 graphs × 6,000 "
            "graph-epochs each: 600 pre-training epochs, then 9 settings × 2 optimizers × 3 runs × 100 epochs), at the "
            "0.51 and about 1.1 ms per graph-epoch measured on one core at classroom, per-step thermometer included; "
            "about 80 hours on a 2-core CPU, a third of that with one run per setting; the chapter prints its own "
            "estimate after its runs, at the rate it measured."),
    Chapter("sas_generalization", "Generalization without convergence", "Jegelka (talk): Chandramoorthy et al. 2022",
            _budget(60, 360), "about 27–38 CPU-hours on 2 cores (estimated from operation counts: 462 MLPs "
            "196-128-10 in 21 settings, 250k steps, 26k probes every 100 steps); on one data-centre GPU an estimated "
            "1–1.5 h (not measured); progress bars show the pace."),
    Chapter("signnet_basisnet", "Sign- and basis-invariant networks", "Jegelka (talk): Lim et al. 2023",
            _budget(60, 360), "about 10 CPU-hours for the counting benchmark (30 runs: 6 encoders × 5 seeds, "
            "5,000 graphs of up to 30 nodes, 200 epochs), several CPU-hours for the texture fields (10,242 vertices, "
            "1,023 eigenfunctions, 100,000 surface samples, 20 fits; minutes on a GPU), plus several GPU-hours of ZINC "
            "when its files are present."),
    Chapter("thermophoresis", "Thermophoresis: SGD's pull towards low gradient noise",
            "Wei & Schwab (ICLR 2021 submission)", _budget(60, 300),
            "hours on a CPU (about 40,000 steps per two-layer setting with 24 seeds, deep nets for thousands of "
            "steps on all of Fashion-MNIST, the Fashion-MNIST appendix at batches of 1000–4000 for 5000 steps); "
            "cached point by point."),
    Chapter("diffusion_metric", "The diffusion matrix of SGD as a metric", "Fioresi, Chaudhari & Soatto 2020",
            _budget(60, 300), "several CPU-hours (100 epochs of small-fc and small-lenet on all of MNIST, D from "
            "8,192 examples, 4,096 SGD chains for the mean path and 1,024 × 5·10⁴-step chains for the stationary "
            "state, 10⁵ + 10⁵-step tiny-net trajectories at rate 10⁻³ and their matched control); GPU cost not "
            "measured."),
    Chapter("free_energy_sphere", "SGD as free-energy minimization on the sphere", "Sadrtdinov et al. 2025",
            _budget(60, 480), "about 6·10¹⁸ FLOP (2 widths × 22 rates × 1.6 M projected-SGD steps on 60,000 "
            "images at 32×32): roughly 3–4 days of one data-centre GPU at a sustained 2·10¹³ FLOP/s, the UP width "
            "about 1/60 of it; each width is cached when it finishes."),
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
