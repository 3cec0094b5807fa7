"""Parameters of the `free_energy_sphere` chapter and their values per profile."""

from thermo_utils.core.device import DEVICES, device_problem
from thermo_utils.harness.profiles import ConfigSpec, Field
from thermo_utils.harness.sweep import EXECUTORS

SPEC = ConfigSpec(
    chapter="free_energy_sphere",
    fields=[
        Field("toy_rates", int, "learning rates of the 3-D toy, log-spaced", low=8, high=400),
        Field("toy_eta_min", float, "smallest learning rate of the toy", low=1e-5, high=1.0),
        Field("toy_eta_max", float, "largest learning rate of the toy", low=1e-2, high=100.0),
        Field("toy_steps", int, "SGD steps per toy run", low=1000, high=10**7),
        Field("toy_seeds", int, "independent seeds per toy learning rate", low=2, high=256),
        Field("toy_tail", int, "iterates per seed kept from the last half of a run (for U and S)", low=50, high=10**5),
        Field("path_etas", tuple, "learning rates of the drawn trajectories", low=1e-5, high=100.0, item=float),
        Field("k_sphere", int, "neighbour order of the Kozachenko–Leonenko estimator on the sphere", low=1, high=100),
        Field("k_graph", int, "neighbours of the k-NN-graph entropy estimator", low=1, high=500),
        Field("smoothing", float, "half-width of the triangular smoothing kernel in ln η", low=0.0, high=3.0),
        Field("eps_fraction", float, "ε of the ConvNets' ε-minimiser, as a fraction of the range of U", low=0.0, high=0.5),
        Field("toy_eps_fraction", float, "ε of the toy's ε-minimiser, as a fraction of the range of U (0: exact)",
              low=0.0, high=0.5),
        Field("iso_dim", int, "ambient dimension of the isotropic-noise sphere toy", low=3, high=64),
        Field("iso_sigma", float, "gradient-noise scale σ of the isotropic-noise toy", low=0.01, high=100.0),
        Field("iso_etas", tuple, "learning rates of the isotropic-noise toy", low=1e-5, high=1.0, item=float, min_len=4),
        Field("iso_chains", int, "chains per rate of the isotropic-noise toy", low=4, high=10**4),
        Field("iso_steps", int, "steps per chain of the isotropic-noise toy", low=500, high=10**7),
        Field("net_etas", tuple, "effective learning rates of the ConvNets", low=1e-6, high=10.0, item=float, min_len=3),
        Field("up_width", int, "base width c of the underparameterised ConvNet", low=1, high=256),
        Field("op_width", int, "base width c of the overparameterised ConvNet", low=1, high=256),
        Field("net_steps", int, "projected-SGD steps per ConvNet", low=100, high=10**7),
        Field("n_train", int, "Fashion-MNIST training images", low=128, high=60000),
        Field("image_size", int, "image side after padding to 32 and average-pooling", choices=(8, 16, 32)),
        Field("batch", int, "batch size (drawn with replacement)", low=2, high=4096),
        Field("window", int, "consecutive iterates per entropy estimate of a ConvNet", low=20, high=10**4),
        Field("n_windows", int, "entropy windows per ConvNet run, log-spaced", low=2, high=200),
        Field("n_stationary", int, "last windows averaged into the stationary U and S", low=1, high=100),
        Field("snr_batches", int, "batches per estimate of the gradient noise", low=2, high=1000),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler"),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
    ],
    profiles={
        "smoke": dict(toy_rates=24, toy_eta_min=1e-3, toy_eta_max=10.0, toy_steps=6000, toy_seeds=8, toy_tail=100,
                      path_etas=(2.44e-3, 6.9e-2), k_sphere=3, k_graph=50, smoothing=0.3, eps_fraction=0.01,
                      toy_eps_fraction=0.0, iso_dim=5, iso_sigma=2.0, iso_etas=(0.004, 0.008, 0.016, 0.032), iso_chains=40,
                      iso_steps=1500, net_etas=(0.01, 0.04, 0.16), up_width=1, op_width=2, net_steps=160,
                      n_train=256, image_size=8, batch=32, window=60, n_windows=2, n_stationary=1,
                      snr_batches=2, executor="local", device="cpu"),
        "classroom": dict(toy_rates=80, toy_eta_min=1e-3, toy_eta_max=10.0, toy_steps=50000, toy_seeds=8,
                          toy_tail=500, path_etas=(2.44e-3, 6.9e-2), k_sphere=3, k_graph=50, smoothing=0.3,
                          eps_fraction=0.01, toy_eps_fraction=0.0, iso_dim=5, iso_sigma=2.0,
                          iso_etas=(0.002, 0.003, 0.0045, 0.007, 0.01, 0.015, 0.022, 0.033, 0.05), iso_chains=100,
                          iso_steps=6000, net_etas=(0.006, 0.012, 0.025, 0.05, 0.1, 0.2), up_width=2, op_width=6,
                          net_steps=4000, n_train=4096, image_size=8, batch=128, window=100, n_windows=8,
                          n_stationary=2, snr_batches=8, executor="processes", device="cpu"),
        "paper": dict(toy_rates=80, toy_eta_min=1e-3, toy_eta_max=10.0, toy_steps=50000, toy_seeds=8,
                      toy_tail=500, path_etas=(2.44e-3, 6.9e-2), k_sphere=3, k_graph=50, smoothing=0.3,
                      eps_fraction=0.01, toy_eps_fraction=0.0, iso_dim=5, iso_sigma=2.0,
                      iso_etas=(0.002, 0.003, 0.0045, 0.007, 0.01, 0.015, 0.022, 0.033, 0.05), iso_chains=400,
                      iso_steps=20000,
                      net_etas=tuple(float(f"{1e-4 * 1000 ** (i / 21):.3g}") for i in range(22)),
                      up_width=8, op_width=64, net_steps=1_600_000, n_train=60000, image_size=32, batch=128,
                      window=1000, n_windows=200, n_stationary=50, snr_batches=32, executor="local",
                      device="auto"),
    },
    checks=[
        lambda c: None if c.toy_eta_min < c.toy_eta_max else
        f"toy_eta_min ({c.toy_eta_min:g}) must be below toy_eta_max ({c.toy_eta_max:g})",
        lambda c: None if 2 * c.toy_tail <= c.toy_steps else
        f"toy_tail ({c.toy_tail}) must be at most half of toy_steps ({c.toy_steps}): the tail is thinned over the last half",
        lambda c: None if c.toy_seeds * c.toy_tail > max(c.k_graph, c.k_sphere) else
        f"toy_seeds·toy_tail ({c.toy_seeds * c.toy_tail}) must exceed k_graph ({c.k_graph}) and k_sphere ({c.k_sphere})",
        lambda c: None if c.batch <= c.n_train else f"batch ({c.batch}) must be <= n_train ({c.n_train})",
        lambda c: None if c.k_graph < c.window else f"window ({c.window}) must exceed k_graph ({c.k_graph})",
        lambda c: None if 2 * c.window <= c.net_steps else
        f"net_steps ({c.net_steps}) must be at least twice the entropy window ({c.window})",
        lambda c: None if c.n_stationary <= c.n_windows else
        f"n_stationary ({c.n_stationary}) must be <= n_windows ({c.n_windows})",
        lambda c: None if c.up_width < c.op_width else
        f"up_width ({c.up_width}) must be smaller than op_width ({c.op_width})",
        lambda c: None if list(c.iso_etas) == sorted(set(c.iso_etas)) and list(c.net_etas) == sorted(set(c.net_etas))
        else "iso_etas and net_etas must be strictly increasing",
        lambda c: None if (c.executor in EXECUTORS or c.executor.startswith("tcp://")) else
        f"executor {c.executor!r} must be 'local', 'processes' or a Dask address 'tcp://host:port'",
        lambda c: device_problem(c.device),
    ],
)
