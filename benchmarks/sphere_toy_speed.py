"""Speed of the 3-D sphere toy sweep: our vectorised closed-form loop against an autograd loop over rates.

The issue's budget: 80 rates × 50,000 steps × UP and OP with ≥ 8 seeds per rate in ≤ 2 s on 2 cores. The
reference is a loop in the authors' style: vectorised over the rates of one seed, one autograd call per step,
timed on ``--probe`` steps and extrapolated. Both run in this process, one after the other, so the ratio is
meaningful even on a busy machine (absolute times are not).

    python benchmarks/sphere_toy_speed.py [--steps 50000] [--seeds 8] [--probe 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from thermo_utils.chapters.free_energy_sphere.sphere import DATASETS, START, run_sphere_sgd


def autograd_loop(points: np.ndarray, etas: np.ndarray, n_steps: int, seed: int) -> float:
    """Seconds for ``n_steps`` of batch-1 SGD on the sphere at every rate of one seed, gradient by autograd."""
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    table = torch.as_tensor(points)
    lr = torch.as_tensor(etas)[:, None]
    x = torch.as_tensor(START).repeat(len(etas), 1)
    start = time.perf_counter()
    for _ in range(n_steps):
        a = table[torch.randint(0, len(table), (1,), generator=gen)][0]
        x = x.detach().requires_grad_(True)
        loss = ((x @ a) ** 2 / (x * x).sum(1)).sum()
        (grad,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            x = x - lr * grad
            x = x / x.norm(dim=1, keepdim=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--rates", type=int, default=80)
    parser.add_argument("--probe", type=int, default=2000, help="steps timed for the autograd loop")
    args = parser.parse_args()
    etas = np.geomspace(1e-3, 10, args.rates)

    start = time.perf_counter()
    run_sphere_sgd(etas, args.seeds, args.steps, seed=0)
    ours = time.perf_counter() - start
    chains = 2 * args.rates * args.seeds
    print(f"vectorised closed-form loop: {ours:.2f} s for {args.rates} rates × {args.seeds} seeds × "
          f"{args.steps} steps × UP and OP ({chains} chains; {ours / args.steps * 1e6:.1f} µs per step)")

    per_dataset = [autograd_loop(DATASETS[name](), etas, args.probe, 0) / args.probe * args.steps
                   for name in ("UP", "OP")]
    reference = sum(per_dataset)
    print(f"autograd loop over rates (one seed): {per_dataset[0]:.1f} s per dataset, extrapolated from "
          f"{args.probe} steps; {reference:.1f} s for UP and OP, {reference * args.seeds:.1f} s for {args.seeds} seeds")
    print(f"speed-up at equal work ({args.seeds} seeds): {reference * args.seeds / ours:.0f}×; "
          f"budget 2 s: {'met' if ours <= 2 else 'NOT met'} on this machine, now")


if __name__ == "__main__":
    main()
