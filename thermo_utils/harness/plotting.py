"""One house style for every figure, and the stamp that says which run drew it."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns

from thermo_utils.harness.paths import figures_dir

PALETTE = "colorblind"


def use_house_style() -> None:
    """Seaborn's white grid, the colour-blind palette, readable sizes; call once per notebook."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    matplotlib.rcParams.update(
        {"figure.dpi": 100, "savefig.dpi": 120, "figure.autolayout": False, "axes.titlesize": "medium",
         "legend.fontsize": "small", "figure.max_open_warning": 0}
    )


def run_label(config) -> str:
    """Profile, seed, device and the parameters the reader changed: the stamp of every figure and banner."""
    changed = dict(getattr(config, "overrides", {}) or {})
    text = f"profile={config.profile} · seed={config.seed}"
    if hasattr(config, "device"):
        text += f" · device={changed.pop('device', config.device)}"
    if changed:
        text += " · " + ", ".join(f"{k}={v}" for k, v in sorted(changed.items()))
    else:
        text += " · profile defaults"
    return text


def stamp(fig, config) -> None:
    """Write the run label just below the figure's bottom-right corner (tight saving keeps it), clear of tick labels."""
    fig.text(0.995, -0.01, run_label(config), ha="right", va="top", fontsize=7, color="0.4")


def save_figure(fig, config, name: str):
    """Stamp the figure and save it as PNG beside the chapter's other figures; return the path."""
    stamp(fig, config)
    folder = figures_dir(config.profile, config.chapter, config.seed)  # another seed never overwrites the book's
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, bbox_inches="tight")
    return path


def banner(config, title: str) -> str:
    """A Markdown banner for the top of a chapter: what ran, at which size."""
    return f"**{title}** — {run_label(config)}"


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.2, **kwargs):
    """A figure with panels of a standard size (and constrained layout)."""
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), layout="constrained", **kwargs)


def publish(fig, config, name: str) -> None:
    """Stamp, save and glue a figure under ``name``; a markdown ``{glue:figure}`` cell shows it with its caption.

    Gluing (myst-nb) lets the book number the figure, caption it, give it alt text and refer to it.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image
    from myst_nb import glue

    path = save_figure(fig, config, name)
    glue(name, Image(filename=str(path)), display=False)  # the saved PNG: the figure is rendered once
    plt.close(fig)


def glue_run_label(config) -> None:
    """Glue the run label as ``run_label`` so captions can say ``{glue:text}`run_label```."""
    from myst_nb import glue

    glue("run_label", run_label(config), display=False)
