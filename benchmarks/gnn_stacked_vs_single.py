"""Per-step cost of the chapter's GNNs: one model per process, stacked replicas (torch.func), PyG's GAT layer.

    .venv/bin/python benchmarks/gnn_stacked_vs_single.py [--graphs 512] [--steps 20] [--stack 3 5] [--batches 8 32 128]

Printed, as ratios measured in one run (CPU time of this process, one torch thread, alternating variants, the
median of ``--repeats``): for the GCN and the GAT, a training step (forward, backward, Adam) of one model
against ``S`` models stacked with ``torch.func.stack_module_state`` + ``functional_call`` + ``vmap`` (per model
step); and the GAT with PyG's ``DenseGATConv.forward`` against the chapter's attention laid out heads-first
(:func:`thermo_utils.chapters.gnn_temperature.models.gat_convolution`). Random padded graphs of 75 nodes in 80
slots with ~10 % of the pairs joined stand in for the superpixel graphs (same shapes, no data needed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
from torch.func import functional_call, stack_module_state, vmap
from torch.nn import functional as F

from thermo_utils.chapters.gnn_temperature import models as gm


def graphs(count: int, slots: int = 80, nodes: int = 75, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mask = (torch.arange(slots) < nodes).expand(count, slots)
    adj = torch.rand(count, slots, slots, generator=g) < 0.05
    adj = (adj | adj.transpose(1, 2)) & mask[:, None] & mask[:, :, None]
    x = torch.rand(count, slots, 1, generator=g) * mask[..., None]
    return x, adj.float(), mask, torch.randint(0, 10, (count,), generator=g)


def pyg_gat_forward(net, x, adj, mask):
    """The GAT with PyG's own DenseGATConv.forward in every convolution (the chapter's forward before)."""
    for name in net.convolutions:
        x = F.relu(getattr(net, name)(x, adj, mask))
    x = gm._masked_mean(x, mask)
    return net.out2(F.relu(net.out1(F.relu(net.out(x)))))


def step_time(data, name: str, batch: int, steps: int, stack: int = 0, pyg_layer: bool = False) -> float:
    """CPU seconds per model-step."""
    x, adj, mask, y = data
    g = torch.Generator().manual_seed(1)
    if stack:
        nets = [gm.build_model(name, k) for k in range(stack)]
        params, buffers = stack_module_state(nets)
        base = gm.build_model(name, 0).to("meta")
        forward = vmap(lambda p, b, *inputs: functional_call(base, (p, b), inputs))
        optimizer = torch.optim.Adam(list(params.values()), lr=1e-3)
    else:
        net = gm.build_model(name, 0)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    start = time.process_time()
    for _ in range(steps):
        if stack:
            index = torch.randint(0, len(y), (stack, batch), generator=g)
            logits = forward(params, buffers, x[index], adj[index], mask[index]).reshape(stack * batch, -1)
            loss = F.cross_entropy(logits, y[index].reshape(-1), reduction="sum") / batch
        else:
            index = torch.randint(0, len(y), (batch,), generator=g)
            model = pyg_gat_forward if pyg_layer else (lambda n, *a: n(*a))
            loss = F.cross_entropy(model(net, x[index], adj[index], mask[index]), y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return (time.process_time() - start) / steps / max(stack, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graphs", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stack", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 32, 128])
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = graphs(args.graphs)
    print(f"load average {os.getloadavg()[0]:.2f}; CPU ms per model-step (median of {args.repeats})")
    for batch in args.batches:
        variants = {"gcn single": ("gcn", 0, False), "gat single": ("gat", 0, False),
                    "gat PyG layer": ("gat", 0, True)}
        variants |= {f"{name} vmap S={s}": (name, s, False) for name in ("gcn", "gat") for s in args.stack}
        times = {k: [] for k in variants}
        for _ in range(args.repeats):
            for key, (name, stack, pyg) in variants.items():
                times[key].append(step_time(data, name, batch, args.steps, stack, pyg))
        med = {k: statistics.median(v) for k, v in times.items()}
        line = ", ".join(f"{k} {v * 1e3:.1f}" for k, v in med.items())
        ratios = [f"GAT PyG layer / ours {med['gat PyG layer'] / med['gat single']:.2f}"]
        ratios += [f"{name} single / vmap S={s} {med[f'{name} single'] / med[f'{name} vmap S={s}']:.2f}"
                   for name in ("gcn", "gat") for s in args.stack]
        print(f"B={batch}: {line}\n      speed-ups: {'; '.join(ratios)}", flush=True)


if __name__ == "__main__":
    main()
