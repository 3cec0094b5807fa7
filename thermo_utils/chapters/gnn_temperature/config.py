"""Parameters of the `gnn_temperature` chapter and their values per profile.

``paper`` is the paper's protocol: all 70k graphs, 600 pre-training epochs (rate /10 at 1/3 and 2/3), 100
equilibrium epochs per setting, here with 3 runs per setting. ``classroom`` keeps every experiment on subsets
(2000 GCN graphs for 40 epochs, 1000 GAT graphs for 40) with a late rate decay, 8 recorded epochs and 3 runs
per setting (9 at the GCN's reference setting); the accuracy claims cannot be judged there. ``smoke`` only
exercises every code path.
"""

from thermo_utils.core.device import DEVICES, device_problem
from thermo_utils.harness.profiles import ConfigSpec, Field
from thermo_utils.harness.sweep import EXECUTORS

PAPER_LRS = (7e-4, 1e-3, 1.5e-3, 2.2e-3, 3e-3)
PAPER_BATCHES = (8, 16, 32, 64, 128)

SPEC = ConfigSpec(
    chapter="gnn_temperature",
    fields=[
        Field("n_train", int, "training graphs for the GCN (first n of MNIST's 60k)", low=64, high=60000),
        Field("n_test", int, "test graphs (first n of MNIST's 10k)", low=50, high=10000),
        Field("data_source", str, "graphs: auto (PyG's files if present, else SLIC), slic or pyg",
              choices=("auto", "slic", "pyg")),
        Field("edges", str, "SLIC graph edges: k nearest centroids or touching regions", choices=("knn", "adjacency")),
        Field("k_neighbours", int, "neighbours per node for knn edges (before symmetrising)", low=1, high=30),
        Field("pretrain_epochs", int, "pre-training epochs", low=1, high=2000),
        Field("pretrain_decay_at", tuple, "fractions of the pre-training after which the rate is divided by 10 "
              "(paper: 1/3 and 2/3)", low=0.01, high=0.99, item=float, min_len=1),
        Field("pretrain_lr", float, "initial Adam rate of the pre-training", low=1e-6, high=1.0),
        Field("pretrain_batch", int, "batch size of the pre-training", low=1, high=4096),
        Field("equilibrium_epochs", int, "recorded epochs per sweep setting", low=1, high=1000),
        Field("burn_in_epochs", int, "unrecorded epochs after each change of setting", low=0, high=1000),
        Field("replicas", int, "equilibrium runs per setting, each with its own order of the data", low=1, high=20),
        Field("reference_replicas", int, "GCN runs at the reference setting (first optimizer; the statements judged "
              "there alone); at least `replicas` are run", low=1, high=50),
        Field("lrs", tuple, "learning rates of the rate sweep", low=1e-6, high=1.0, item=float, min_len=3),
        Field("batch_sizes", tuple, "batch sizes of the batch sweep", low=1, high=4096, item=int, min_len=3),
        Field("sweep_batch", int, "batch size of the rate sweep (paper: 32)", low=1, high=4096),
        Field("sweep_lr", float, "learning rate of the batch sweep (paper: not stated)", low=1e-6, high=1.0),
        Field("optimizers", tuple, "optimizers of the GCN's equilibrium runs", item=str, choices=("adam", "sgd")),
        Field("gat_n_train", int, "training graphs for the GAT", low=64, high=60000),
        Field("gat_pretrain_epochs", int, "pre-training epochs of the GAT", low=1, high=2000),
        Field("gat_equilibrium_epochs", int, "recorded epochs per GAT sweep setting", low=1, high=1000),
        Field("gat_optimizers", tuple, "optimizers of the GAT's equilibrium runs", item=str, choices=("adam", "sgd")),
        Field("prune_fractions", tuple, "fractions of rows masked in every GCN convolution", low=0.01, high=0.9,
              item=float, min_len=2),
        Field("prune_random_draws", int, "random masks drawn per fraction", low=1, high=100),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler"),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
    ],
    profiles={
        "smoke": dict(n_train=160, n_test=100, data_source="auto", edges="knn", k_neighbours=8, pretrain_epochs=2,
                      pretrain_decay_at=(0.9,), pretrain_lr=1e-3, pretrain_batch=32, equilibrium_epochs=2,
                      burn_in_epochs=0, replicas=2, reference_replicas=3,
                      lrs=(7e-4, 1.5e-3, 3e-3), batch_sizes=(16, 32, 64), sweep_batch=32, sweep_lr=1.5e-3,
                      optimizers=("adam", "sgd"), gat_n_train=64, gat_pretrain_epochs=1, gat_equilibrium_epochs=2,
                      gat_optimizers=("adam",), prune_fractions=(0.25, 0.5), prune_random_draws=2, executor="local",
                      device="cpu"),
        "classroom": dict(n_train=2000, n_test=1000, data_source="auto", edges="knn", k_neighbours=8,
                          pretrain_epochs=40, pretrain_decay_at=(0.9,), pretrain_lr=1e-3, pretrain_batch=32,
                          equilibrium_epochs=8, burn_in_epochs=1, replicas=3, reference_replicas=9, lrs=PAPER_LRS,
                          batch_sizes=PAPER_BATCHES, sweep_batch=32, sweep_lr=1e-3, optimizers=("adam", "sgd"),
                          gat_n_train=1000, gat_pretrain_epochs=40, gat_equilibrium_epochs=8,
                          gat_optimizers=("adam",), prune_fractions=(0.1, 0.25, 0.5),
                          prune_random_draws=5, executor="processes", device="cpu"),
        "paper": dict(n_train=60000, n_test=10000, data_source="auto", edges="knn", k_neighbours=8,
                      pretrain_epochs=600, pretrain_decay_at=(1 / 3, 2 / 3), pretrain_lr=1e-3,
                      pretrain_batch=32, equilibrium_epochs=100, burn_in_epochs=0, replicas=3, reference_replicas=3,
                      lrs=PAPER_LRS,
                      batch_sizes=PAPER_BATCHES, sweep_batch=32, sweep_lr=1e-3,
                      optimizers=("adam", "sgd"), gat_n_train=60000, gat_pretrain_epochs=600,
                      gat_equilibrium_epochs=100, gat_optimizers=("adam", "sgd"),
                      prune_fractions=(0.1, 0.25, 0.5), prune_random_draws=10, executor="local", device="auto"),
    },
    checks=[
        lambda c: None if all(0 < f < 1 for f in c.pretrain_decay_at) else
        f"pretrain_decay_at = {c.pretrain_decay_at}: every fraction must lie strictly between 0 and 1",
        lambda c: None if max(c.batch_sizes + (c.sweep_batch, c.pretrain_batch)) <= min(c.n_train, c.gat_n_train)
        else f"batch sizes (max {max(c.batch_sizes + (c.sweep_batch, c.pretrain_batch))}) must be <= the training "
             f"graphs (n_train = {c.n_train}, gat_n_train = {c.gat_n_train})",
        lambda c: None if len(set(c.optimizers)) == len(c.optimizers) and len(set(c.gat_optimizers)) == len(
            c.gat_optimizers) else "optimizers must not repeat",
        lambda c: None if len(set(c.lrs)) >= 3 and len(set(c.batch_sizes)) >= 3 else
        "the sweeps need at least 3 distinct learning rates and 3 distinct batch sizes for a fit",
        lambda c: None if (c.executor in EXECUTORS or c.executor.startswith("tcp://")) else
        f"executor {c.executor!r} must be 'local', 'processes' or a Dask address 'tcp://host:port'",
        lambda c: device_problem(c.device),
    ],
)
