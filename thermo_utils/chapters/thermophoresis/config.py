"""Parameters of the `thermophoresis` chapter and their values per profile."""

from thermo_utils.core.device import DEVICES, device_problem
from thermo_utils.harness.profiles import ConfigSpec, Field
from thermo_utils.harness.sweep import EXECUTORS

_ETAS = (0.025, 0.05, 0.075, 0.1)

SPEC = ConfigSpec(
    chapter="thermophoresis",
    fields=[
        Field("etas", tuple, "learning rates of the two-layer sweep (batch 1)", low=1e-4, high=0.5, item=float, min_len=3),
        Field("batch_sizes", tuple, "batch sizes of the two-layer batch sweep", low=1, high=64, item=int, min_len=3),
        Field("batch_eta", float, "learning rate of the batch sweep", low=1e-4, high=0.5),
        Field("n_seeds", int, "seeds per setting (trained together; bands and bootstrap over them)", low=2, high=64),
        Field("n_steps", int, "SGD steps of the two-layer runs (online: a fresh example each time)", low=50, high=10**6),
        Field("small_steps", int, "SGD steps of the two appendix settings (10 inputs, 10 hidden units)", low=50, high=10**6),
        Field("control_eta", float, "learning rate of the full-batch control", low=1e-4, high=0.5),
        Field("control_n_train", int, "training-set size of the full-batch control", low=8, high=10**5),
        Field("control_steps", int, "steps of the full-batch control (and of its SGD twin)", low=20, high=10**6),
        Field("n_boot", int, "bootstrap resamples for the collapse exponent", low=20, high=10**4),
        Field("walk_etas", tuple, "step sizes of the random walk", low=1e-4, high=0.3, item=float, min_len=3),
        Field("walk_walkers", int, "walkers per step size", low=100, high=10**7),
        Field("walk_steps", int, "steps of the drift measurement (at the smallest step size)", low=10, high=10**6),
        Field("walk2d_etas", tuple, "step sizes of the shared-coin walk of (V, b)", low=1e-3, high=0.3, item=float,
              min_len=2),
        Field("walk2d_walkers", int, "walkers of the shared-coin walk per step size", low=100, high=10**7),
        Field("walk2d_steps", int, "steps of the shared-coin walk at the smallest step size", low=10, high=10**6),
        Field("property_pairs", int, "ordered parameter pairs of the Property 4.1 / 4.2 checks", low=1, high=10**5),
        Field("property_samples", int, "Monte-Carlo inputs per pair of those checks", low=10, high=10**7),
        Field("init_scales", tuple, "scales of the initial V in the main-setting initialisation sweep", low=0.1,
              high=100.0, item=float),
        Field("init_seeds", int, "seeds of the initialisation sweep and of the normalised-input run", low=2, high=64),
        Field("fc_etas", tuple, "learning rates of the 6-layer fully connected net", low=1e-4, high=2.0, item=float, min_len=3),
        Field("cnn_etas", tuple, "learning rates of the 6-layer CNN", low=1e-4, high=1.0, item=float, min_len=3),
        Field("deep_seeds", int, "seeds of the deep networks", low=2, high=16),
        Field("fc_steps", int, "SGD steps of the 6-layer fully connected net", low=10, high=10**6),
        Field("cnn_steps", int, "SGD steps of the 6-layer CNN on Fashion-MNIST", low=10, high=10**6),
        Field("deep_batch", int, "batch size of the deep networks", low=1, high=1024),
        Field("deep_batches", tuple, "batch sizes of the deep nets' batch sweep (includes deep_batch)", low=1,
              high=1024, item=int, min_len=3),
        Field("deep_batch_eta", float, "learning rate of the FC net's batch sweep (one of fc_etas)", low=1e-4, high=2.0),
        Field("cnn_batch_sweep", bool, "run the batch sweep for the CNN too (at cnn_etas[0])"),
        Field("deep_n_train", int, "training examples of the deep networks", low=64, high=60000),
        Field("probe_size", int, "examples whose per-example gradients give the variance", low=4, high=4096),
        Field("measure_every", int, "steps between gradient-variance measurements", low=1, high=10**4),
        Field("fashion_etas", tuple, "learning rates of the Fashion-MNIST two-layer run (CIFAR-10 substitute)",
              low=1e-4, high=1.0, item=float, min_len=3),
        Field("fashion_batches", tuple, "batch sizes of its batch sweep (the first is the eta sweep's batch)",
              low=1, high=4096, item=int, min_len=3),
        Field("fashion_steps", int, "SGD steps of the Fashion-MNIST two-layer run", low=10, high=10**6),
        Field("fashion_n_train", int, "Fashion-MNIST training images of that run", low=64, high=60000),
        Field("fashion_seeds", int, "seeds of the Fashion-MNIST run", low=2, high=64),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler"),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
    ],
    profiles={
        "smoke": dict(etas=(0.025, 0.05, 0.1), batch_sizes=(1, 2, 3), batch_eta=0.05, n_seeds=3, n_steps=600,
                      small_steps=600, control_eta=0.075, control_n_train=64, control_steps=200, n_boot=30,
                      walk_etas=(0.02, 0.04, 0.08), walk_walkers=2000, walk_steps=400,
                      walk2d_etas=(0.05, 0.1, 0.2), walk2d_walkers=2000, walk2d_steps=100, property_pairs=10,
                      property_samples=500, init_scales=(5.0, 10.0), init_seeds=2, fc_etas=(0.1, 0.2, 0.4),
                      cnn_etas=(0.02, 0.04, 0.08), deep_seeds=3, fc_steps=20, cnn_steps=12, deep_batch=8,
                      deep_batches=(8, 12, 16), deep_batch_eta=0.2, cnn_batch_sweep=True, deep_n_train=256,
                      probe_size=8, measure_every=3, fashion_etas=(0.02, 0.04, 0.08), fashion_batches=(10, 20, 40),
                      fashion_steps=20, fashion_n_train=256, fashion_seeds=3, executor="local", device="cpu"),
        "classroom": dict(etas=_ETAS, batch_sizes=(1, 2, 3), batch_eta=0.05, n_seeds=24, n_steps=4000,
                          small_steps=3000, control_eta=0.075, control_n_train=128, control_steps=800, n_boot=100,
                          walk_etas=(0.01, 0.02, 0.04, 0.08), walk_walkers=20000, walk_steps=2000,
                          walk2d_etas=(0.025, 0.05, 0.1), walk2d_walkers=50000, walk2d_steps=1600,
                          property_pairs=200, property_samples=4000, init_scales=(5.0, 10.0), init_seeds=8,
                          fc_etas=(0.1, 0.2, 0.4), cnn_etas=(0.02, 0.04, 0.08), deep_seeds=4, fc_steps=3000,
                          cnn_steps=300, deep_batch=8, deep_batches=(8, 16, 32), deep_batch_eta=0.2,
                          cnn_batch_sweep=False, deep_n_train=1024, probe_size=32, measure_every=100,
                          fashion_etas=(0.02, 0.04, 0.08), fashion_batches=(200, 300, 400), fashion_steps=1000,
                          fashion_n_train=4096, fashion_seeds=3, executor="processes", device="cpu"),
        "paper": dict(etas=(0.025, 0.0375, 0.05, 0.0625, 0.075, 0.0875, 0.1), batch_sizes=(1, 2, 3), batch_eta=0.05,
                      n_seeds=24, n_steps=40000, small_steps=40000, control_eta=0.075, control_n_train=1024,
                      control_steps=10000, n_boot=1000, walk_etas=(0.005, 0.01, 0.02, 0.04, 0.08),
                      walk_walkers=200000, walk_steps=20000, walk2d_etas=(0.0125, 0.025, 0.05, 0.1),
                      walk2d_walkers=400000, walk2d_steps=6400, property_pairs=1000, property_samples=20000,
                      init_scales=(5.0, 10.0), init_seeds=24, fc_etas=(0.05, 0.1, 0.2, 0.4),
                      cnn_etas=(0.01, 0.02, 0.04, 0.08), deep_seeds=5, fc_steps=5000, cnn_steps=3000, deep_batch=32,
                      deep_batches=(32, 64, 128), deep_batch_eta=0.1, cnn_batch_sweep=True, deep_n_train=60000,
                      probe_size=256, measure_every=50, fashion_etas=(0.005, 0.01, 0.02, 0.04),
                      fashion_batches=(1000, 2000, 4000), fashion_steps=5000, fashion_n_train=60000, fashion_seeds=3,
                      executor="local", device="auto"),
    },
    checks=[
        lambda c: None if c.batch_eta in c.etas else f"batch_eta ({c.batch_eta}) must be one of etas {c.etas}",
        lambda c: None if 1 in c.batch_sizes else f"batch_sizes {c.batch_sizes} must include 1 (the eta sweep's batch)",
        lambda c: None if len(set(c.batch_sizes)) == len(c.batch_sizes) and len(set(c.etas)) == len(c.etas)
        else "etas and batch_sizes must not repeat a value",
        lambda c: None if c.probe_size <= c.deep_n_train and c.deep_batch <= c.deep_n_train else
        f"probe_size ({c.probe_size}) and deep_batch ({c.deep_batch}) must be <= deep_n_train ({c.deep_n_train})",
        lambda c: None if max(c.deep_seeds, c.init_seeds, c.fashion_seeds) <= c.n_seeds else
        f"deep_seeds, init_seeds and fashion_seeds must be <= n_seeds ({c.n_seeds})",
        lambda c: None if c.deep_batch in c.deep_batches and len(set(c.deep_batches)) == len(c.deep_batches) else
        f"deep_batches {c.deep_batches} must include deep_batch ({c.deep_batch}) and not repeat a value",
        lambda c: None if c.deep_batch_eta in c.fc_etas else
        f"deep_batch_eta ({c.deep_batch_eta}) must be one of fc_etas {c.fc_etas}",
        lambda c: None if max(c.deep_batches) <= c.deep_n_train else
        f"deep_batches (max {max(c.deep_batches)}) must be <= deep_n_train ({c.deep_n_train})",
        lambda c: None if max(c.fashion_batches) <= c.fashion_n_train else
        f"fashion_batches (max {max(c.fashion_batches)}) must be <= fashion_n_train ({c.fashion_n_train})",
        lambda c: None if c.measure_every < max(c.fc_steps, c.cnn_steps) else
        f"measure_every ({c.measure_every}) must be smaller than fc_steps and cnn_steps",
        lambda c: None if (c.executor in EXECUTORS or c.executor.startswith("tcp://")) else
        f"executor {c.executor!r} must be 'local', 'processes' or a Dask address 'tcp://host:port'",
        lambda c: device_problem(c.device),
    ],
)
