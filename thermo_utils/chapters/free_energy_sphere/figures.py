"""Drawing helpers of the `free_energy_sphere` chapter (the figures themselves are made in the notebook)."""

from __future__ import annotations

import numpy as np

from thermo_utils.chapters.free_energy_sphere import sphere


def draw_sphere_panel(ax, name: str, paths: sphere.SphereRun, path_etas) -> None:
    """Loss on the upper hemisphere seen from above (orthographic), the examples' zero circles and the paths.

    ``paths`` is a :class:`~thermo_utils.chapters.free_energy_sphere.sphere.SphereRun` with recorded paths at
    the rates ``path_etas`` (one colour per rate, up to two).
    """
    points = sphere.DATASETS[name]()
    u, v = np.meshgrid(np.linspace(-1, 1, 121), np.linspace(-1, 1, 121))
    inside = u**2 + v**2 < 1
    grid = np.stack([u, v, np.sqrt(np.clip(1 - u**2 - v**2, 0, None))], -1)
    loss = np.where(inside, sphere.full_loss(grid, points), np.nan)
    ax.contourf(u, v, loss, levels=20, cmap="Greys")
    angle = np.linspace(0, 2 * np.pi, 400)
    for a in points:  # the great circle a·x = 0
        e1 = np.cross(a, [0, 0, 1.0]) if abs(a[2]) < 0.99 else np.array([1.0, 0, 0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(a, e1)
        circle = np.cos(angle)[:, None] * e1 + np.sin(angle)[:, None] * e2
        circle[circle[:, 2] < 0] = np.nan
        ax.plot(circle[:, 0], circle[:, 1], color="black", lw=0.8)
    for i, (eta, colour) in enumerate(zip(path_etas, ("tab:red", "tab:purple"))):
        trajectory = paths.paths[paths.datasets.index(name), i]
        shown = np.where(trajectory[:, 2:] > 0, trajectory, np.nan)
        ax.plot(shown[:, 0], shown[:, 1], color=colour, lw=0.7, label=f"η = {eta:.3g}")
    ax.plot(*sphere.START[:2], "o", color="tab:orange", label="start")
    ax.set(title=f"{name}: loss seen from above the pole", xlim=(-1, 1), ylim=(-1, 1), aspect="equal",
           xlabel="$x$", ylabel="$y$")
    ax.legend(loc="lower left")
