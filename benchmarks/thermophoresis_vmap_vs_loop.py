"""How much does training the two-layer networks as one stack save over a Python loop over models?

Three ways to run the same SGD steps for K networks f(x) = V·relu(Wx + b) (batch 1, BCE, random labels):

- loop:        one model after another, each step with ``torch.autograd`` (the plain way);
- torch.func:  all models stacked, gradients from ``vmap(grad(loss))``;
- closed form: all models stacked, the gradients of Eq. 13 as batched matrix products (the chapter's way).

All three are timed in this one run, on one thread, and checked to produce the same weights. Ratios are what
matter: absolute times depend on the machine and on whatever else runs on it.

    python benchmarks/thermophoresis_vmap_vs_loop.py [--models 24] [--steps 300]
"""

from __future__ import annotations

import argparse
import time

import torch

from thermo_utils.chapters.thermophoresis import drift as th


def make_problem(n_models: int, n_steps: int, seed: int = 0):
    setting = th.TwoLayerSetting(100, 100, True, "gaussian")
    gen = torch.Generator().manual_seed(seed)
    inits = [th.init_two_layer(setting, gen) for _ in range(n_models)]
    params = {k: torch.stack([p[k] for p in inits]) for k in inits[0]}
    x = torch.randn(n_steps, n_models, 1, 100, generator=gen)
    y = torch.randint(0, 2, (n_steps, n_models, 1), generator=gen).float()
    eta = torch.linspace(0.025, 0.1, n_models)
    return params, x, y, eta


def run_loop(params, x, y, eta):
    models = [{k: v[i].clone().requires_grad_(True) for k, v in params.items()} for i in range(len(eta))]
    for t in range(x.shape[0]):
        for i, p in enumerate(models):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(th.two_layer_output(p, x[t, i]), y[t, i])
            grads = torch.autograd.grad(loss, list(p.values()))
            with torch.no_grad():
                for v, g in zip(p.values(), grads):
                    v -= eta[i] * g
    return {k: torch.stack([p[k].detach() for p in models]) for k in params}


def run_stacked(params, x, y, eta, gradient):
    params = {k: v.clone() for k, v in params.items()}
    weight = torch.ones(len(eta), 1)
    scale = {"W": eta[:, None, None], "b": eta[:, None], "V": eta[:, None]}
    with torch.no_grad():
        for t in range(x.shape[0]):
            grads = gradient(params, x[t], y[t], weight)
            for k in params:
                params[k] = params[k] - scale[k] * grads[k]
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=24)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    if args.models < 1 or args.steps < 1:
        parser.error("--models and --steps must be >= 1")
    problem = make_problem(args.models, args.steps)
    timings, results = {}, {}
    with th.single_thread():
        for name, fn in [("loop", lambda: run_loop(*problem)),
                         ("torch.func", lambda: run_stacked(*problem, th.autodiff_gradient)),
                         ("closed form", lambda: run_stacked(*problem, th.stacked_gradient))]:
            start = time.perf_counter()
            results[name] = fn()
            timings[name] = time.perf_counter() - start
    for name in ("torch.func", "closed form"):
        for k in results["loop"]:
            torch.testing.assert_close(results[name][k], results["loop"][k], atol=1e-4, rtol=1e-4)
    print(f"{args.models} models x {args.steps} steps, one thread (same weights from all three: checked)")
    for name, seconds in timings.items():
        print(f"  {name:12s} {seconds:8.2f} s   {timings['loop'] / seconds:6.1f}x faster than the loop")


if __name__ == "__main__":
    main()
