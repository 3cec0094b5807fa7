"""Parameters of the `sas_generalization` chapter and their values per profile."""

from thermo_utils.core.device import DEVICES, device_problem
from thermo_utils.harness.profiles import ConfigSpec, Field
from thermo_utils.harness.sweep import EXECUTORS

SPEC = ConfigSpec(
    chapter="sas_generalization",
    fields=[
        Field("n_sizes", tuple, "training-set sizes n of the stability-versus-n sweep", low=32, high=30000,
              item=int, min_len=3),
        Field("ref_lr", float, "learning rate of the n sweep", low=1e-4, high=1.0),
        Field("ref_batch", int, "batch size of the n sweep", low=1, high=4096),
        Field("mixing_lrs", tuple, "learning rates of the mixing sweep", low=1e-4, high=1.0, item=float, min_len=2),
        Field("mixing_batches", tuple, "batch sizes of the mixing sweep", low=1, high=4096, item=int, min_len=1),
        Field("mixing_n", int, "training-set size of the mixing sweep", low=32, high=30000),
        Field("n_twins", int, "twins S′ per setting (each swaps a different example)", low=1, high=64),
        Field("hidden", int, "hidden units of the MLP", low=4, high=1024),
        Field("side", int, "MNIST images are average-pooled to side×side pixels", choices=(4, 7, 14, 28)),
        Field("weight_decay", float, "L2 weight decay of the twin trainings", low=0.0, high=0.1),
        Field("burn_in_steps", int, "constant-rate steps before the recorded tail", low=0, high=10**7),
        Field("tail_steps", int, "recorded constant-rate steps (time averages are over these)", low=100, high=10**8),
        Field("average_every", int, "steps between evaluations of every probe loss", low=1, high=10**5),
        Field("trace_every", int, "steps between readings of the traced probes (autocorrelation)", low=1,
              high=10**5),
        Field("n_blocks", int, "blocks of the batch-means standard error", low=4, high=1000),
        Field("n_test", int, "held-out test probes (risk and stability)", low=10, high=10000),
        Field("n_trace", int, "test probes traced densely for the loss autocorrelation", low=2, high=10000),
        Field("loss_cap", float, "L: the cross-entropy is clipped to [0, L] so the bound applies", low=0.1,
              high=100.0),
        Field("delta", float, "the bound holds with probability 1 − delta", low=1e-6, high=0.5),
        Field("bn_weight_decays", tuple, "weight decays of the batch-norm runs", low=0.0, high=1.0, item=float),
        Field("bn_lr", float, "learning rate of the batch-norm runs", low=1e-4, high=10.0),
        Field("bn_n_train", int, "training examples of the batch-norm runs", low=16, high=60000),
        Field("bn_steps", int, "steps of the batch-norm runs", low=100, high=10**7),
        Field("toy_n_etas", int, "step sizes of the toy's bifurcation diagram", low=10, high=100000),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler", choices=None),
    ],
    profiles={
        "smoke": dict(n_sizes=(128, 256, 512), ref_lr=0.1, ref_batch=16, mixing_lrs=(0.05, 0.2), mixing_batches=(16,),
                      mixing_n=256, n_twins=2, hidden=16, side=7, weight_decay=5e-3, burn_in_steps=500,
                      tail_steps=1000, average_every=25, trace_every=5, n_blocks=8, n_test=200, n_trace=16,
                      loss_cap=5.0, delta=0.05, bn_weight_decays=(1e-2,), bn_lr=0.1, bn_n_train=128,
                      bn_steps=400, toy_n_etas=120, device="cpu", executor="local"),
        "classroom": dict(n_sizes=(256, 512, 1024, 2048), ref_lr=0.1, ref_batch=32,
                          mixing_lrs=(0.025, 0.05, 0.1, 0.2), mixing_batches=(16, 32, 64), mixing_n=1024,
                          n_twins=4, hidden=32, side=7, weight_decay=5e-3, burn_in_steps=3000, tail_steps=8000,
                          average_every=50, trace_every=10, n_blocks=8, n_test=1000, n_trace=32, loss_cap=5.0,
                          delta=0.05, bn_weight_decays=(3e-3, 1e-2, 3e-2), bn_lr=0.1, bn_n_train=256,
                          bn_steps=4000, toy_n_etas=600, device="cpu", executor="local"),
        "paper": dict(n_sizes=(500, 1000, 2000, 4000, 8000, 16000), ref_lr=0.1, ref_batch=32,
                      mixing_lrs=(0.0125, 0.025, 0.05, 0.1, 0.2, 0.4), mixing_batches=(8, 16, 32, 64, 128),
                      mixing_n=4000, n_twins=16, hidden=128, side=14, weight_decay=5e-3, burn_in_steps=20000,
                      tail_steps=200000, average_every=100, trace_every=10, n_blocks=20, n_test=10000,
                      n_trace=128, loss_cap=5.0, delta=0.05, bn_weight_decays=(1e-3, 3e-3, 1e-2, 3e-2),
                      bn_lr=0.1, bn_n_train=1024, bn_steps=40000, toy_n_etas=4000, device="auto", executor="local"),
    },
    checks=[
        lambda c: device_problem(c.device),
        lambda c: None if max(c.ref_batch, *c.mixing_batches) <= min(min(c.n_sizes), c.mixing_n) else
        f"batch sizes (max {max(c.ref_batch, *c.mixing_batches)}) must be <= every training-set size "
        f"(min {min(min(c.n_sizes), c.mixing_n)})",
        lambda c: None if c.burn_in_steps % c.average_every == 0 and c.tail_steps % c.average_every == 0 else
        "burn_in_steps and tail_steps must be multiples of average_every",
        lambda c: None if c.average_every % c.trace_every == 0 else "average_every must be a multiple of trace_every",
        lambda c: None if (c.tail_steps // c.average_every >= 2 * c.n_blocks
                           and (c.tail_steps // c.average_every) % c.n_blocks == 0) else
        f"tail_steps / average_every = {c.tail_steps // c.average_every} records; need a multiple of n_blocks "
        f"(= {c.n_blocks}) with at least 2 per block",
        lambda c: None if c.n_trace <= c.n_test else f"n_trace ({c.n_trace}) must be <= n_test ({c.n_test})",
        lambda c: None if c.bn_n_train >= 64 else "bn_n_train must be >= 64 (the batch-norm runs use batches of 64)",
        lambda c: None if (c.executor in EXECUTORS or c.executor.startswith("tcp://")) else
        f"executor {c.executor!r} must be 'local', 'processes' or a Dask address 'tcp://host:port'",
    ],
)
