"""How long the twin MLPs of `sas_generalization` take to reach a stationary tail: the measurement behind the
`classroom` burn-in of 30,000 steps.

One long constant-rate run per seed (no burn-in, every step recorded in blocks of ``--block`` steps) for a few
settings of the chapter; then, for each candidate burn-in B, the chapter's stationarity test on the tail
[B, B + ``--tail``): the block-permutation p-value of the halves z-score of the per-probe averages, the training risk
and the held-out risk (the smallest of the three), and the relative drift of the training risk between the tail's
halves. A stationary tail gives p spread over [0, 1] and drifts of either sign; a relaxing one small p and a drift of
one sign (first half higher).

    .venv/bin/python benchmarks/sas_burn_in_length.py [--seeds 1 2] [--steps 57600]    (about 2 minutes per seed)
"""

from __future__ import annotations

import argparse
import time

from thermo_utils.chapters.sas_generalization import stability as sas


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=57600, help="length of each run (a multiple of --block)")
    parser.add_argument("--block", type=int, default=600, help="steps per block, as at classroom (9,600 / 16)")
    parser.add_argument("--tail", type=int, default=9600, help="tail length tested after each burn-in")
    parser.add_argument("--burn-ins", type=int, nargs="+", default=[4800, 9600, 14400, 19200, 28800, 38400])
    args = parser.parse_args()
    settings = [[0.1, 32, 1024, 0.03], [0.1, 32, 1024, 0.1], [0.1, 32, 2048, 0.03]]  # (lr, batch, n, weight decay)
    per_tail = args.tail // args.block
    print(f"{args.steps} steps per run, tail {args.tail} steps = {per_tail} blocks; p is the smallest of 3 tests")
    for seed in args.seeds:
        start = time.perf_counter()
        run = sas.train_twin_ensemble(settings=settings, n_twins=1, n_null=0, perturbation=0.0, hidden=32, side=7,
                                      weight_decay=0.03, burn_in_steps=0, tail_steps=args.steps, average_every=100,
                                      trace_every=100, n_blocks=args.steps // args.block, n_test=1000, n_trace=2,
                                      loss_cap=5.0, seed=seed)
        print(f"seed {seed}: trained in {time.perf_counter() - start:.0f} s")
        test = slice(int(run["n_pool"]) + int(run["n_fresh"]), None)
        for b in run["traced"]:
            cells = []
            for burn_in in args.burn_ins:
                first = burn_in // args.block
                blocks = run["block_means"][b][:, first:first + per_tail]
                if blocks.shape[1] < per_tail:
                    continue
                p = min(sas.stationarity_tests(blocks, run["train_weights"][b], test).values())
                train = run["train_weights"][b] @ blocks
                drift = (train[: per_tail // 2].mean() - train[per_tail // 2:].mean()) / train.mean()
                cells.append(f"B={burn_in:>6}: p={p:.4f} drift={drift:+.2%}")
            print(f"  n={run['n'][b]:>5} λ={run['wd'][b]:<5g} " + " | ".join(cells))


if __name__ == "__main__":
    main()
