"""Speed of twin training: all models in one stacked step (the chapter's written-out gradient in batched matrix
products), the same step through ``vmap`` over autograd, and a Python loop over ordinary models.

All three do the same work: M small MLPs (a base and its twins), one SGD step each on a minibatch of its own.
The ratio is measured in one run, on one thread (the chapter trains on one thread); absolute times depend on the
machine and on what else runs on it.

    .venv/bin/python benchmarks/sas_twin_vectorised.py [--models 20] [--steps 200]
"""

import argparse
import time

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap

from thermo_utils.chapters.sas_generalization.stability import MLP, init_stacked, stacked_sgd_step
from thermo_utils.core.seeding import torch_generator
from thermo_utils.core.threads import single_thread


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--inputs", type=int, default=49)
    args = parser.parse_args()
    M, B = args.models, args.batch
    g = torch_generator(0, 1)
    xb = torch.randn(args.steps, M, B, args.inputs, generator=g)
    yb = torch.randint(0, 10, (args.steps, M, B), generator=g)
    weights = torch.full((M, B), 1.0 / B)
    lr = torch.full((M,), 0.1)
    template = MLP(args.inputs, args.hidden)

    with single_thread():
        params = init_stacked(template, M, torch_generator(0, 2))
        step = stacked_sgd_step(template, weight_decay=5e-3)
        params, _ = step(params, xb[0], yb[0], weights, lr)  # warm-up
        start = time.perf_counter()
        for t in range(args.steps):
            params, _ = step(params, xb[t], yb[t], weights, lr)
        vectorised = time.perf_counter() - start

        def batch_loss(p, x, y):
            return F.cross_entropy(functional_call(template, p, (x,)), y)

        member_grads = vmap(grad(batch_loss))
        params = init_stacked(template, M, torch_generator(0, 2))
        start = time.perf_counter()
        for t in range(args.steps):
            grads = member_grads(params, xb[t], yb[t])
            params = {k: p - 0.1 * (grads[k] + 5e-3 * p) for k, p in params.items()}
        vmapped = time.perf_counter() - start

        models = [MLP(args.inputs, args.hidden) for _ in range(M)]
        optims = [torch.optim.SGD(m.parameters(), lr=0.1, weight_decay=5e-3) for m in models]
        start = time.perf_counter()
        for t in range(args.steps):
            for m, (model, opt) in enumerate(zip(models, optims)):
                loss = F.cross_entropy(model(xb[t, m]), yb[t, m])
                opt.zero_grad()
                loss.backward()
                opt.step()
        looped = time.perf_counter() - start

    print(f"{M} models x {args.steps} steps (batch {B}, MLP {args.inputs}-{args.hidden}-10, one thread)")
    print(f"  stacked step (chapter): {vectorised * 1e3 / args.steps:8.2f} ms per step")
    print(f"  vmap over autograd    : {vmapped * 1e3 / args.steps:8.2f} ms per step")
    print(f"  Python loop of models : {looped * 1e3 / args.steps:8.2f} ms per step")
    print(f"  speed-up over vmap    : {vmapped / vectorised:8.1f}x, over the loop: {looped / vectorised:.1f}x")


if __name__ == "__main__":
    main()
