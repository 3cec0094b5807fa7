"""Superpixel graphs: features and edges against direct computations, the dense layout, the checksummed cache."""

from pathlib import Path

import numpy as np
import pytest
import torch
from skimage.segmentation import slic

from thermo_utils.chapters.gnn_temperature import superpixels as sp
from thermo_utils.core.datasets import data_dir


def digit_like_image(seed=0):
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28))
    image[6:22, 10:18] = 1.0
    return np.clip(image + 0.05 * rng.random((28, 28)), 0, 1)


def test_node_features_are_region_means_and_centroids():
    image = digit_like_image()
    x, pos, _ = sp.image_to_graph(image, n_segments=75, compactness=0.25, edges="knn", k=8)
    labels = slic(image, n_segments=75, compactness=0.25, channel_axis=None, start_label=0)
    regions = [labels == value for value in np.unique(labels)]
    assert x.shape == (len(regions), 1) and pos.shape == (len(regions), 2)
    for node, region in enumerate(regions):
        rows, cols = np.nonzero(region)
        assert x[node, 0] == pytest.approx(image[region].mean(), rel=1e-5)
        assert pos[node] == pytest.approx([rows.mean(), cols.mean()], rel=1e-5)


def test_knn_edges_are_symmetric_loop_free_and_contain_the_nearest():
    x, pos, edge_index = sp.image_to_graph(digit_like_image(), edges="knn", k=5)
    pairs = set(map(tuple, edge_index.T))
    assert all((j, i) in pairs for i, j in pairs)
    assert all(i != j for i, j in pairs)
    distance = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    np.fill_diagonal(distance, np.inf)
    for node in range(len(x)):
        nearest = np.argmin(distance[node])
        assert (node, nearest) in pairs
        assert sum(1 for i, _ in pairs if i == node) >= 5


def test_adjacency_edges_are_exactly_the_touching_regions():
    image = digit_like_image(1)
    _, _, edge_index = sp.image_to_graph(image, edges="adjacency")
    labels = slic(image, n_segments=75, compactness=0.25, channel_axis=None, start_label=0)
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.reshape(image.shape)
    touching = set()
    for r in range(28):
        for c in range(28):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < 28 and c + dc < 28 and labels[r, c] != labels[r + dr, c + dc]:
                    touching |= {(labels[r, c], labels[r + dr, c + dc]), (labels[r + dr, c + dc], labels[r, c])}
    assert set(map(tuple, edge_index.T)) == touching


def test_dense_layout_matches_the_edge_lists(tmp_path):
    from torch_geometric.data import Data, InMemoryDataset

    rng = np.random.default_rng(2)
    graphs = []
    for n in (5, 3, 7):
        edge_index = torch.tensor(rng.integers(0, n, size=(2, 2 * n)))
        edge_index = edge_index[:, edge_index[0] != edge_index[1]]
        graphs.append(Data(x=torch.rand(n, 1), pos=torch.rand(n, 2), edge_index=edge_index,
                           y=torch.tensor([n])))
    InMemoryDataset.save(graphs, str(tmp_path / "g.pt"))
    dense = sp.to_dense(sp.SuperpixelDataset(tmp_path / "g.pt"))
    assert dense.adj.shape == (3, 7, 7) and dense.y.tolist() == [5, 3, 7]
    for g, data in enumerate(graphs):
        n = data.num_nodes
        assert dense.mask[g].tolist() == [True] * n + [False] * (7 - n)
        assert torch.equal(dense.x[g, :n], data.x) and not dense.x[g, n:].any()
        expected = torch.zeros(7, 7, dtype=torch.bool)
        expected[data.edge_index[1], data.edge_index[0]] = True
        assert torch.equal(dense.adj[g], expected)
    with pytest.raises(ValueError, match="max_nodes"):
        sp.to_dense(sp.SuperpixelDataset(tmp_path / "g.pt"), max_nodes=5)


@pytest.fixture
def mnist_root(tmp_path):
    """A data directory holding (links to) the MNIST cache, so the build does not re-read the source."""
    for name in ("mnist.npz", "mnist.npz.sha256"):
        if (data_dir() / name).exists():
            (tmp_path / name).symlink_to(data_dir() / name)
    return tmp_path


def test_cache_is_checksummed_reused_and_rebuilt_when_corrupted(mnist_root):
    path = sp.build_slic_graphs("test", 6, root=mnist_root, quiet=True)
    stamp = Path(str(path) + ".sha256")
    first = sp.to_dense(sp.SuperpixelDataset(path))
    mtime = path.stat().st_mtime_ns
    assert sp.build_slic_graphs("test", 6, root=mnist_root, quiet=True) == path
    assert path.stat().st_mtime_ns == mtime  # reused, not rebuilt
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.warns(UserWarning, match="checksum"):
        sp.build_slic_graphs("test", 6, root=mnist_root, quiet=True)
    again = sp.to_dense(sp.SuperpixelDataset(path))
    assert torch.equal(first.adj, again.adj) and torch.equal(first.x, again.x)
    assert stamp.read_text().strip() == sp.sha256_file(path)
    assert first.y.tolist() == [7, 2, 1, 0, 4, 1]  # the first MNIST test labels


@pytest.mark.parametrize("kwargs, message", [
    (dict(split="valid"), "split"), (dict(n=0), "n = 0"), (dict(n=70000), "n = 70000"),
    (dict(edges="delaunay"), "edges"), (dict(k=0), "k = 0"), (dict(source="web"), "source"),
])
def test_bad_settings_are_refused_before_work(kwargs, message):
    settings = dict(split="train", n=10, n_segments=75, edges="knn", k=8, source="auto") | kwargs
    with pytest.raises(ValueError, match=message):
        sp._check_settings(**settings)


def test_pyg_source_absent_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("THERMO_DATA", str(tmp_path))
    sp.mnist_superpixels.cache_clear()
    with pytest.raises(FileNotFoundError, match="MNISTSuperpixels"):
        sp.mnist_superpixels("train", 10, source="pyg")
