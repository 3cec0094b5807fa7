"""Parameters of the `signnet_basisnet` chapter and their values per profile."""

from thermo_utils.chapters.signnet_basisnet.claims import COUNTING_BASELINES
from thermo_utils.core.device import DEVICES, device_problem
from thermo_utils.harness.profiles import ConfigSpec, Field
from thermo_utils.harness.sweep import EXECUTORS

COUNT_ENCODERS = ("none", "raw", "flip", "abs", "signnet", "basisnet")
COUNT_REQUIRED = ("signnet", *COUNTING_BASELINES)  # what the paper's counting claim compares, and its training gate

SPEC = ConfigSpec(
    chapter="signnet_basisnet",
    fields=[
        Field("family_graphs", int, "graphs drawn per family for the multiplicity statistics", low=1, high=10**5),
        Field("family_nodes", tuple, "(min, max) nodes of the family graphs", low=3, high=256, item=int, min_len=2),
        Field("perturbation", float, "size of the symmetric perturbation of the Laplacian", low=1e-12, high=1e-2),
        Field("invariance_graphs", int, "graphs on which invariance is measured", low=2, high=10**4),
        Field("sign_k", int, "vectors per input of the sign-invariant target", low=1, high=64),
        Field("sign_n", int, "dimension of each vector", low=2, high=256),
        Field("sign_train", int, "training inputs for the sign-invariant target", low=64, high=10**6),
        Field("sign_test", int, "test inputs for the sign-invariant target", low=64, high=10**6),
        Field("sign_epochs", int, "epochs on the sign-invariant target", low=1, high=10**4),
        Field("sign_hidden", int, "hidden width of the target-learning networks", low=4, high=4096),
        Field("count_graphs", int, "random graphs of the counting benchmark (80/10/10 split)", low=50, high=10**6),
        Field("count_nodes", tuple, "(min, max) nodes of the counting graphs", low=4, high=64, item=int, min_len=2),
        Field("count_edge_prob", tuple, "(min, max) edge probability of the counting graphs", low=0.01, high=1.0,
              item=float, min_len=2),
        Field("count_epochs", int, "training epochs per counting model", low=1, high=10**4),
        Field("count_seeds", int, "training seeds per counting model (paired on the same test graphs)", low=1,
              high=64),
        Field("count_batch", int, "graphs per training batch", low=1, high=4096),
        Field("count_encoders", tuple, "positional encodings of the counting benchmark (none, flip and signnet are "
              "what the paper's claim compares)", item=str, choices=COUNT_ENCODERS),
        Field("lr", float, "Adam learning rate (counting and target learning)", low=1e-6, high=1.0),
        Field("hidden", int, "hidden width of the GIN and the encoders", low=4, high=1024),
        Field("layers", int, "GIN layers of the counting model", low=1, high=16),
        Field("pe_dim", int, "positional-encoding channels fed to the GIN", low=1, high=256),
        Field("basis_max_dim", int, "largest eigenspace dimension with its own BasisNet IGN", low=1, high=16),
        Field("n_seeds", int, "training seeds per model", low=1, high=64),
        Field("zinc_epochs", int, "epochs of the ZINC run (paper profile, when the files are present)", low=1,
              high=10**4),
        Field("csl_nodes", int, "nodes of the two circulant skip-link graphs CSL(n, 2), CSL(n, 3)", low=7, high=101),
        Field("expressivity_draws", int, "random eigenbases per graph in the expressivity test", low=2, high=64),
        Field("texture_subdivisions", int, "subdivisions of the icosphere under the texture (10·4^s + 2 vertices)",
              low=1, high=6),
        Field("texture_k", int, "Laplace-Beltrami eigenfunctions fed to the neural fields", low=2, high=2048),
        Field("texture_hidden", int, "hidden width of the neural fields", low=4, high=1024),
        Field("texture_steps", int, "full-batch Adam steps per neural field", low=1, high=10**6),
        Field("texture_lr", float, "Adam learning rate of the neural fields", low=1e-6, high=1.0),
        Field("texture_points", int, "surface samples the neural fields are fitted to (half as many more are held out)",
              low=8, high=10**7),
        Field("texture_seeds", int, "training seeds per neural field", low=1, high=64),
        Field("executor", str, "where independent runs go: local, processes or tcp://scheduler"),
        Field("device", str, "where tensors live: cpu, cuda or auto (a GPU when there is one)", choices=DEVICES),
    ],
    profiles={
        "smoke": dict(family_graphs=8, family_nodes=(6, 12), perturbation=1e-6, invariance_graphs=6, sign_k=3,
                      sign_n=6, sign_train=256, sign_test=256, sign_epochs=4, sign_hidden=32, count_graphs=120,
                      count_nodes=(6, 10), count_edge_prob=(0.2, 0.5), count_epochs=2, count_seeds=1, count_batch=32,
                      count_encoders=COUNT_ENCODERS, lr=3e-3, hidden=16, layers=3, pe_dim=8, basis_max_dim=2,
                      n_seeds=1, zinc_epochs=1, csl_nodes=11,
                      expressivity_draws=3, texture_subdivisions=2, texture_k=16, texture_hidden=16, texture_steps=30,
                      texture_lr=3e-3, texture_points=200, texture_seeds=1, executor="local",
                      device="cpu"),
        "classroom": dict(family_graphs=100, family_nodes=(8, 20), perturbation=1e-6, invariance_graphs=24,
                          sign_k=4, sign_n=8, sign_train=2000, sign_test=1000, sign_epochs=60, sign_hidden=64,
                          count_graphs=2400, count_nodes=(8, 14), count_edge_prob=(0.3, 0.3), count_epochs=60,
                          count_seeds=5, count_batch=32, count_encoders=("none", "raw", "flip", "abs", "signnet"),
                          lr=3e-3, hidden=32, layers=4, pe_dim=16, basis_max_dim=3, n_seeds=3,
                          zinc_epochs=1, csl_nodes=41, expressivity_draws=8, texture_subdivisions=3, texture_k=64,
                          texture_hidden=64,
                          texture_steps=1000, texture_lr=3e-3, texture_points=2500, texture_seeds=5,
                          executor="processes", device="cpu"),
        "paper": dict(family_graphs=1000, family_nodes=(10, 40), perturbation=1e-6, invariance_graphs=100,
                      sign_k=8, sign_n=16, sign_train=20000, sign_test=5000, sign_epochs=200, sign_hidden=128,
                      count_graphs=5000, count_nodes=(10, 30), count_edge_prob=(0.2, 0.2), count_epochs=200,
                      count_seeds=5, count_batch=64, count_encoders=COUNT_ENCODERS, lr=1e-3, hidden=64, layers=6,
                      pe_dim=32, basis_max_dim=4, n_seeds=5,
                      zinc_epochs=300, csl_nodes=41, expressivity_draws=16, texture_subdivisions=5, texture_k=1023,
                      texture_hidden=128, texture_steps=3000, texture_lr=1e-3,
                      texture_points=100000, texture_seeds=5, executor="local", device="auto"),
    },
    checks=[
        lambda c: None if c.family_nodes[0] <= c.family_nodes[1] and len(c.family_nodes) == 2 else
        f"family_nodes must be (min, max) with min <= max, got {c.family_nodes}",
        lambda c: None if c.count_nodes[0] <= c.count_nodes[1] and len(c.count_nodes) == 2 else
        f"count_nodes must be (min, max) with min <= max, got {c.count_nodes}",
        lambda c: None if c.count_edge_prob[0] <= c.count_edge_prob[1] and len(c.count_edge_prob) == 2 else
        f"count_edge_prob must be (min, max) with min <= max, got {c.count_edge_prob}",
        lambda c: None if c.count_batch <= int(0.8 * c.count_graphs) else
        f"count_batch ({c.count_batch}) must be <= the {int(0.8 * c.count_graphs)} training graphs",
        lambda c: None if set(COUNT_REQUIRED) <= set(c.count_encoders) and len(set(c.count_encoders)) == len(
            c.count_encoders) else f"count_encoders must include {', '.join(COUNT_REQUIRED)} (the counting claims' "
        f"comparison and training gate) without repeats, got {c.count_encoders}",
        lambda c: None if c.sign_train >= 64 else "sign_train must be >= 64",
        lambda c: None if (c.executor in EXECUTORS or c.executor.startswith("tcp://")) else
        f"executor {c.executor!r} must be 'local', 'processes' or a Dask address 'tcp://host:port'",
        lambda c: None if c.texture_k <= 10 * 4**c.texture_subdivisions else
        f"texture_k ({c.texture_k}) must be below the {10 * 4**c.texture_subdivisions + 2} vertices of the mesh",
        lambda c: device_problem(c.device),
    ],
)
