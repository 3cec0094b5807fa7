"""What the thermometers add to a GCN training epoch, as ratios measured in one run.

    .venv/bin/python benchmarks/gnn_thermometer_overhead.py [--graphs 640] [--batch 32] [--repeats 5] [--threads 1]

Three variants of one epoch of the paper's GCN (Adam, superpixel graphs) are timed, alternating, each
``--repeats`` times: no thermometer; a thermometer read once per epoch (the paper's interval); and the
chapter's full instrumentation, a per-epoch thermometer plus a per-step thermometer read after every
optimizer step and summarised per layer and per row at the end of the epoch. Printed: the median CPU time of
each and the ratios to the bare epoch. The issue's target is at most 1.05 for the per-step case. CPU time
(this process) is used rather than wall time because the machine may be shared, with one torch thread by
default (several threads waiting on each other under load inflate CPU time unevenly); the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from thermo_utils.chapters.gnn_temperature import models as gm
from thermo_utils.chapters.gnn_temperature.superpixels import mnist_superpixels
from thermo_utils.core.thermometer import Thermometer


def one_epoch(model, optimizer, graphs, batch, generator, variant: str) -> float:
    """CPU seconds of one epoch with the given instrumentation."""
    start = time.process_time()
    per_epoch = Thermometer(model) if variant != "bare" else None
    per_step = Thermometer(model) if variant == "per step" else None
    gm.train_epoch(model, graphs, optimizer, batch, generator, per_step)
    if per_epoch is not None:
        per_epoch.read()
        gm.pool_by_layer(per_epoch.temperature(), model)
    if per_step is not None:
        gm.pool_by_layer(per_step.temperature(), model)
        for name in ("initial_conv.lin.weight", "conv1.lin.weight", "conv2.lin.weight", "conv3.lin.weight"):
            per_step.row_temperature(name)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", type=int, default=640)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.batch > args.graphs or args.repeats < 1 or args.threads < 1:
        parser.error("need 1 <= batch <= graphs, repeats >= 1 and threads >= 1")
    torch.set_num_threads(args.threads)
    graphs = mnist_superpixels("train", args.graphs, quiet=True)
    model = gm.build_model("gcn", 0)
    optimizer = gm.make_optimizer("adam", model.parameters(), 1e-3)
    generator = torch.Generator().manual_seed(0)
    variants = ("bare", "per epoch", "per step")
    one_epoch(model, optimizer, graphs, args.batch, generator, "bare")  # warm-up
    times = {v: [] for v in variants}
    for _ in range(args.repeats):
        for variant in variants:
            times[variant].append(one_epoch(model, optimizer, graphs, args.batch, generator, variant))
    bare = statistics.median(times["bare"])
    print(f"GCN epoch over {args.graphs} graphs at batch {args.batch} ({args.graphs // args.batch} steps), "
          f"{torch.get_num_threads()} torch threads, load average {os.getloadavg()[0]:.1f}")
    for variant in variants:
        median = statistics.median(times[variant])
        print(f"  {variant:>9}: {median:.3f} CPU-s (spread {min(times[variant]):.3f}–{max(times[variant]):.3f}), "
              f"ratio to bare {median / bare:.3f}")


if __name__ == "__main__":
    main()
