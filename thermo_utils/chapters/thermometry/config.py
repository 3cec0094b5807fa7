"""Parameters of the `thermometry` chapter and their values per profile."""

from thermo_utils.core.device import DEVICES, device_problem
from thermo_utils.harness.profiles import ConfigSpec, Field
from thermo_utils.harness.sweep import executor_problem

SPEC = ConfigSpec(
    chapter="thermometry",
    fields=[
        Field("etas", tuple, "learning rates of the quadratic grid", low=1e-5, high=1.9, item=float, min_len=3),
        Field("batch_sizes", tuple, "batch sizes of the quadratic grid", low=1, high=4096, item=int, min_len=3),
        Field("curvatures", tuple, "curvatures h_i of the quadratic loss", low=1e-3, high=10.0, item=float),
        Field("n_data", int, "examples in the quadratic's finite dataset", low=16, high=10**6),
        Field("n_chains", int, "independent SGD chains per grid point", low=1, high=10**5),
        Field("n_steps", int, "recorded SGD steps per chain (after burn-in)", low=100, high=10**8),
        Field("lags", tuple, "lags k (steps) of the lagged temperature", low=1, high=10**7, item=int, min_len=3),
        Field("regime_chains", int, "chains (walkers) of each of the three extra exact models", low=16, high=10**6),
        Field("tolerance", float, "relative tolerance of simulated against closed-form temperature", low=1e-4, high=1.0),
        Field("n_train", int, "MNIST training examples for the network", low=64, high=60000),
        Field("hidden", int, "hidden units of the MLP", low=4, high=4096),
        Field("pretrain_epochs", int, "epochs to reach equilibrium before measuring", low=1, high=1000),
        Field("measure_epochs", int, "epochs at each setting: settle_epochs to re-equilibrate, then measured",
              low=3, high=1000),
        Field("settle_epochs", int, "epochs discarded after each change of setting (at least 2 measured remain)",
              low=1, high=1000),
        Field("net_etas", tuple, "learning rates of the network sweep (SGD)", low=1e-5, high=10.0, item=float, min_len=3),
        Field("adam_scale", float, "Adam's rates are net_etas times this factor", low=1e-5, high=10.0),
        Field("net_batch_sizes", tuple, "batch sizes of the network sweep", low=1, high=60000, item=int, min_len=3),
        Field("net_batch", int, "batch size of the learning-rate sweep", low=1, high=60000),
        Field("net_eta", float, "SGD learning rate of the batch sweep", low=1e-5, high=10.0),
        Field("n_seeds", int, "seeds per network setting (trained together)", low=1, high=64),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler", choices=None),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
    ],
    profiles={
        "smoke": dict(etas=(0.02, 0.1, 0.5), batch_sizes=(1, 2, 4), curvatures=(0.5, 2.0), n_data=256, n_chains=64,
                      n_steps=2000, lags=(1, 10, 100, 1000), regime_chains=256, tolerance=0.15, n_train=256, hidden=16,
                      pretrain_epochs=2,
                      measure_epochs=3, settle_epochs=1,
                      net_etas=(0.02, 0.05, 0.1), adam_scale=0.01, net_batch_sizes=(16, 32, 64), net_batch=32,
                      net_eta=0.05, n_seeds=2, executor="local", device="cpu"),
        "classroom": dict(etas=(0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0), batch_sizes=(1, 2, 4, 8, 16),
                          curvatures=(0.25, 1.0, 1.5), n_data=1024, n_chains=128, n_steps=10000,
                          lags=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000), regime_chains=2048,
                          tolerance=0.05,
                          n_train=16384, hidden=16, pretrain_epochs=6, measure_epochs=6,
                          settle_epochs=3,
                          net_etas=(0.005, 0.01, 0.02, 0.04, 0.08, 0.16), adam_scale=0.01,
                          net_batch_sizes=(16, 32, 64, 128, 256), net_batch=32, net_eta=0.05, n_seeds=4,
                          executor="local", device="cpu"),
        "paper": dict(etas=tuple(float(x) for x in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.3)),
                      batch_sizes=(1, 2, 4, 8, 16, 32, 64), curvatures=(0.1, 0.25, 1.0, 1.5), n_data=4096,
                      n_chains=1024, n_steps=200000, lags=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 20000),
                      regime_chains=16384,
                      tolerance=0.02, n_train=60000, hidden=128,
                      pretrain_epochs=50, measure_epochs=20, settle_epochs=3,
                      net_etas=(0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16),
                      adam_scale=0.01, net_batch_sizes=(8, 16, 32, 64, 128, 256), net_batch=32, net_eta=0.05,
                      n_seeds=8, executor="local", device="auto"),
    },
    checks=[
        lambda c: None if max(c.etas) * max(c.curvatures) < 2 else
        f"every eta·h must be < 2 for a stable quadratic; max eta·h = {max(c.etas) * max(c.curvatures):g}",
        lambda c: None if max(c.lags) < c.n_steps else f"lags (max {max(c.lags)}) must be < n_steps ({c.n_steps})",
        lambda c: None if 1 in c.batch_sizes else "batch_sizes must include 1 (the lag analysis uses B = 1)",
        lambda c: None if max(c.batch_sizes) <= c.n_data else
        f"batch_sizes (max {max(c.batch_sizes)}) must be <= n_data ({c.n_data})",
        lambda c: None if max(c.net_batch_sizes + (c.net_batch,)) <= c.n_train else
        f"network batch sizes (max {max(c.net_batch_sizes + (c.net_batch,))}) must be <= n_train ({c.n_train})",
        lambda c: None if c.measure_epochs - c.settle_epochs >= 2 else
        f"measure_epochs ({c.measure_epochs}) must exceed settle_epochs ({c.settle_epochs}) by at least 2",
        lambda c: executor_problem(c.executor),
        lambda c: device_problem(c.device),
    ],
)
