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
        Field("mixing_weight_decays", tuple, "weight decays of the mixing sweep (at ref_lr, ref_batch, mixing_n)",
              low=1e-4, high=1.0, item=float, min_len=2),
        Field("mixing_n", int, "training-set size of the mixing sweep", low=32, high=30000),
        Field("n_twins", int, "twins S′ per setting (each swaps a different example)", low=1, high=64),
        Field("n_null", int, "null runs per setting: the same S from another seed (noise floor, inter-run distance)",
              low=1, high=16),
        Field("perturbation", float, "relative size of the initial-weight perturbation of the perturbed run",
              low=1e-12, high=0.1),
        Field("hidden", int, "hidden units of the MLP", low=4, high=1024),
        Field("side", int, "MNIST images are average-pooled to side×side pixels", choices=(4, 7, 14, 28)),
        Field("weight_decay", float, "L2 weight decay of the n sweep", low=0.0, high=1.0),
        Field("burn_in_steps", int, "constant-rate steps before the recorded tail", low=0, high=10**7),
        Field("tail_steps", int, "recorded constant-rate steps (time averages are over these)", low=100, high=10**8),
        Field("average_every", int, "steps between evaluations of every probe loss", low=1, high=10**5),
        Field("trace_every", int, "steps between readings of the traced probes (autocorrelation)", low=1,
              high=10**5),
        Field("n_blocks", int, "blocks of the batch-means standard error and of the stationarity test (even)", low=4,
              high=1000),
        Field("n_test", int, "held-out test probes (risk and stability)", low=10, high=10000),
        Field("n_trace", int, "test probes traced densely for the loss autocorrelation", low=2, high=10000),
        Field("loss_cap", float, "L: the cross-entropy is clipped to [0, L] so the bound applies", low=0.1,
              high=100.0),
        Field("delta", float, "the bound holds with probability 1 − delta", low=1e-6, high=0.5),
        Field("bn_weight_decays", tuple, "weight decays of the batch-norm runs", low=0.0, high=1.0, item=float),
        Field("bn_lr", float, "learning rate of the batch-norm runs", low=1e-4, high=10.0),
        Field("bn_n_train", int, "training examples of the batch-norm runs", low=16, high=60000),
        Field("bn_steps", int, "steps of the batch-norm runs", low=100, high=10**7),
        Field("bn_jump", float, "relative rise of ‖W2‖ over one record that marks a cycle's jump", low=1e-4, high=1.0),
        Field("gd_n", int, "training-set size of the convergent full-batch GD runs", low=32, high=30000),
        Field("gd_lr", float, "learning rate of the full-batch GD runs", low=1e-4, high=1.0),
        Field("gd_weight_decay", float, "weight decay of the full-batch GD runs (strong: they must converge)",
              low=0.0, high=10.0),
        Field("gd_steps", int, "steps of the full-batch GD runs (the last fifth is the recorded tail)", low=500,
              high=10**7),
        Field("toy_n_etas", int, "step sizes of the toy's bifurcation diagram", low=10, high=100000),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler", choices=None),
    ],
    profiles={
        "smoke": dict(n_sizes=(128, 256, 512), ref_lr=0.1, ref_batch=16, mixing_weight_decays=(1e-2, 3e-2),
                      mixing_n=256, n_twins=2, n_null=1, perturbation=1e-6, hidden=16, side=7, weight_decay=1e-2,
                      burn_in_steps=500, tail_steps=1000, average_every=25, trace_every=1, n_blocks=8, n_test=200,
                      n_trace=16, loss_cap=5.0, delta=0.05, bn_weight_decays=(3e-2,), bn_lr=0.1, bn_n_train=128,
                      bn_steps=800, bn_jump=0.02, gd_n=64, gd_lr=0.05, gd_weight_decay=0.3, gd_steps=1000,
                      toy_n_etas=120, device="cpu", executor="local"),
        "classroom": dict(n_sizes=(128, 256, 512, 1024, 2048), ref_lr=0.1, ref_batch=32,
                          mixing_weight_decays=(2.5e-2, 3e-2, 4.5e-2, 7e-2, 0.1, 0.15), mixing_n=1024,
                          n_twins=16, n_null=2, perturbation=1e-6, hidden=32, side=7, weight_decay=3e-2,
                          burn_in_steps=5000, tail_steps=9600, average_every=100, trace_every=2, n_blocks=16,
                          n_test=1000, n_trace=32, loss_cap=5.0, delta=0.05, bn_weight_decays=(1e-2, 3e-2),
                          bn_lr=0.1, bn_n_train=256, bn_steps=20000, bn_jump=0.02, gd_n=256, gd_lr=0.05,
                          gd_weight_decay=0.3, gd_steps=2000, toy_n_etas=600, device="cpu", executor="local"),
        "paper": dict(n_sizes=(500, 1000, 2000, 4000, 8000, 16000), ref_lr=0.1, ref_batch=32,
                      mixing_weight_decays=(5e-3, 7e-3, 1e-2, 1.5e-2, 2e-2, 3e-2, 4.5e-2, 7e-2), mixing_n=4000,
                      n_twins=16, n_null=4, perturbation=1e-6, hidden=128, side=14, weight_decay=5e-3,
                      burn_in_steps=20000, tail_steps=200000, average_every=100, trace_every=2, n_blocks=20,
                      n_test=10000, n_trace=32, loss_cap=5.0, delta=0.05, bn_weight_decays=(1e-3, 3e-3, 1e-2, 3e-2),
                      bn_lr=0.1, bn_n_train=1024, bn_steps=40000, bn_jump=0.02, gd_n=1000, gd_lr=0.05,
                      gd_weight_decay=0.3, gd_steps=10000, toy_n_etas=4000, device="auto", executor="local"),
    },
    checks=[
        lambda c: device_problem(c.device),
        lambda c: None if c.ref_batch <= min(min(c.n_sizes), c.mixing_n) else
        f"ref_batch ({c.ref_batch}) must be <= every training-set size (min {min(min(c.n_sizes), c.mixing_n)})",
        lambda c: None if c.gd_steps % 500 == 0 and c.gd_steps >= 1000 else
        "gd_steps must be a multiple of 500 and at least 1000 (its last fifth is recorded every 25 steps in 4 blocks)",
        lambda c: None if c.burn_in_steps % c.average_every == 0 and c.tail_steps % c.average_every == 0 else
        "burn_in_steps and tail_steps must be multiples of average_every",
        lambda c: None if c.average_every % c.trace_every == 0 else "average_every must be a multiple of trace_every",
        lambda c: None if (c.tail_steps // c.average_every >= 2 * c.n_blocks
                           and (c.tail_steps // c.average_every) % c.n_blocks == 0) else
        f"tail_steps / average_every = {c.tail_steps // c.average_every} records; need a multiple of n_blocks "
        f"(= {c.n_blocks}) with at least 2 per block",
        lambda c: None if c.n_trace <= c.n_test else f"n_trace ({c.n_trace}) must be <= n_test ({c.n_test})",
        lambda c: None if c.bn_n_train >= 64 else "bn_n_train must be >= 64 (the batch-norm runs use batches of 64)",
        lambda c: None if c.bn_steps % 800 == 0 else "bn_steps must be a multiple of 800 (records every bn_steps/800)",
        lambda c: None if c.n_blocks % 2 == 0 else f"n_blocks ({c.n_blocks}) must be even (the tail is split in halves)",
        lambda c: None if (c.executor in EXECUTORS or c.executor.startswith("tcp://")) else
        f"executor {c.executor!r} must be 'local', 'processes' or a Dask address 'tcp://host:port'",
    ],
)
