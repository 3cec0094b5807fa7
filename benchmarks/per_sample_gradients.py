"""Per-example gradients: vmap(grad) against a Python loop over examples, timed in the same run.

    .venv/bin/python benchmarks/per_sample_gradients.py [--n 256] [--repeats 3] [--threads 1]

Prints the time of each route for small-fc on 7 × 7 MNIST (d = 3,850) and small-lenet on MNIST
(d = 13,338), their ratio, and checks that both routes give the same matrix. The issue asks for ≥ 10×.
"""

from __future__ import annotations

import argparse
import time

import torch

from thermo_utils.chapters.diffusion_metric import diffusion_matrix as dm


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="examples")
    parser.add_argument("--repeats", type=int, default=3, help="timings per route (the best is kept)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name, module, pooled in [("small-fc", dm.small_fc(), True), ("small-lenet", dm.small_lenet(), False)]:
        model = dm.FlatModel(module)
        x, y = dm.mnist_tensors(args.n, pooled=pooled)
        w = model.flat()
        fast = dm.per_sample_gradients(model.sample_loss, w, x, y)  # warm-up and reference
        slow = dm.per_sample_gradients_loop(model.sample_loss, w, x, y)
        agree = torch.allclose(fast, slow, rtol=1e-4, atol=1e-6)
        t_vmap = best_time(lambda: dm.per_sample_gradients(model.sample_loss, w, x, y), args.repeats)
        t_loop = best_time(lambda: dm.per_sample_gradients_loop(model.sample_loss, w, x, y), args.repeats)
        print(f"{name:12s} d = {model.d:6d}  N = {args.n}:  vmap {t_vmap:7.3f} s   loop {t_loop:7.3f} s   "
              f"ratio {t_loop / t_vmap:6.1f}×   same gradients: {agree}")


if __name__ == "__main__":
    main()
