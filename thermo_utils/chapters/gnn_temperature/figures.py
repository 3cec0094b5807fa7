"""Plotting helpers of the `gnn_temperature` chapter (the house style comes from the harness)."""

from __future__ import annotations

import numpy as np


def layer_plot(ax, x, ys: dict, fitted, labeler, log: bool = True) -> None:
    """One colour per layer: the measured points and the fitted curve ``fitted(layer, grid)``."""
    x = np.asarray(x)
    for i, (layer, y) in enumerate(ys.items()):
        ax.plot(x, y, "o", color=f"C{i}", ms=4)
        grid = np.linspace(x.min(), x.max(), 50)
        ax.plot(grid, fitted(layer, grid), color=f"C{i}", lw=1, label=labeler(layer))
    if log:
        ax.set(xscale="log", yscale="log")
    ax.legend(fontsize="xx-small")


def draw_graphs(axes, graphs, count: int = 6) -> None:
    """The first ``count`` graphs: nodes at their centroids shaded by intensity, edges in grey."""
    for ax, g in zip(axes, range(count)):
        n = int(graphs.mask[g].sum())
        pos = graphs.pos[g, :n].cpu().numpy()
        dst, src = np.nonzero(graphs.adj[g, :n, :n].cpu().numpy())
        for i, j in zip(src, dst):
            ax.plot(pos[[i, j], 1], pos[[i, j], 0], color="0.75", lw=0.5, zorder=1)
        ax.scatter(pos[:, 1], pos[:, 0], c=graphs.x[g, :n, 0].cpu().numpy(), cmap="Greys", s=16, vmin=0, vmax=1,
                   zorder=2, edgecolors="0.4", linewidths=0.4)
        ax.set(xlim=(-1, 28), ylim=(28, -1), xticks=[], yticks=[], title=f"label {int(graphs.y[g])}")
        ax.set_aspect("equal")
