"""MNIST as superpixel graphs: one node per SLIC region, ready for dense batched graph networks.

Source, in order: PyG's ``MNISTSuperpixels`` when its files are already in ``$THERMO_DATA/MNISTSuperpixels``
(it is never downloaded here), otherwise graphs rebuilt from the real MNIST digits with scikit-image's SLIC:
node feature = mean intensity of the region, position = its centroid, edges = the k nearest centroids
(made symmetric) or the regions that touch. Rebuilt graphs are saved once as a PyG ``InMemoryDataset`` file
beside a SHA-256 checksum and reloaded from it afterwards.

Training uses :class:`DenseGraphs`: every graph padded to the same number of nodes, with a node mask and a
boolean adjacency ``adj[g, i, j]`` (an edge j → i), which is what PyG's dense GCN and GAT layers take.
Since SLIC returns a few more or fewer regions than asked for, graphs have between ~65 and ~85 nodes.
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from thermo_utils.core.datasets import data_dir, load_dataset, sha256_file

SPLITS = {"train": 60000, "test": 10000}
EDGE_RULES = ("knn", "adjacency")
SOURCES = ("auto", "slic", "pyg")


@dataclass(frozen=True)
class DenseGraphs:
    """A set of padded graphs: x (G, N, F), pos (G, N, 2), adj (G, N, N) bool, mask (G, N) bool, y (G,)."""

    x: torch.Tensor
    pos: torch.Tensor
    adj: torch.Tensor
    mask: torch.Tensor
    y: torch.Tensor
    source: str

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def subset(self, index) -> DenseGraphs:
        index = torch.as_tensor(index, dtype=torch.long, device=self.device)
        return DenseGraphs(self.x[index], self.pos[index], self.adj[index], self.mask[index], self.y[index],
                           self.source)

    def to(self, device) -> DenseGraphs:
        """The same graphs with every tensor on ``device`` (the same object when they are already there)."""
        device = torch.device(device)
        if self.y.device == device:
            return self
        return DenseGraphs(self.x.to(device), self.pos.to(device), self.adj.to(device), self.mask.to(device),
                           self.y.to(device), self.source)

    @property
    def device(self) -> torch.device:
        return self.y.device

    def batch(self, index):
        """The tensors a dense graph network takes, for the graphs in ``index``: (x, adj, mask), y."""
        return (self.x[index], self.adj[index].float(), self.mask[index]), self.y[index]

    def mean_degree(self) -> float:
        """Average number of neighbours per real node (self-loops excluded)."""
        return float(self.adj.sum() / self.mask.sum())


def _check_settings(split: str, n: int, n_segments: int, edges: str, k: int, source: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split {split!r} is invalid: expected one of {sorted(SPLITS)}")
    if not 1 <= n <= SPLITS[split]:
        raise ValueError(f"n = {n} graphs is invalid for the {split} split: expected 1 to {SPLITS[split]}")
    if not 4 <= n_segments <= 400:
        raise ValueError(f"n_segments = {n_segments} is invalid: expected 4 to 400")
    if edges not in EDGE_RULES:
        raise ValueError(f"edges = {edges!r} is invalid: expected one of {EDGE_RULES}")
    if edges == "knn" and not 1 <= k < n_segments // 2:
        raise ValueError(f"k = {k} is invalid: expected 1 to {n_segments // 2 - 1} neighbours")
    if source not in SOURCES:
        raise ValueError(f"source = {source!r} is invalid: expected one of {SOURCES}")


def image_to_graph(image: np.ndarray, n_segments: int = 75, compactness: float = 0.25, edges: str = "knn",
                   k: int = 8):
    """One grey image (H, W) in [0, 1] → (features (n, 1), centroids (n, 2), edge_index (2, E)).

    ``edge_index`` lists each undirected edge in both directions, without self-loops.
    """
    from skimage.segmentation import slic

    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"expected one grey image of shape (H, W), got shape {image.shape}")
    labels = slic(image, n_segments=n_segments, compactness=compactness, channel_axis=None, start_label=0)
    _, labels = np.unique(labels, return_inverse=True)  # consecutive region ids
    labels = labels.reshape(image.shape)
    n = int(labels.max()) + 1
    rows, cols = np.indices(image.shape)
    size = np.bincount(labels.ravel(), minlength=n)
    intensity = np.bincount(labels.ravel(), weights=image.ravel(), minlength=n) / size
    centroid = np.stack([np.bincount(labels.ravel(), weights=rows.ravel(), minlength=n),
                         np.bincount(labels.ravel(), weights=cols.ravel(), minlength=n)], axis=1) / size[:, None]
    if edges == "knn":
        distance = np.linalg.norm(centroid[:, None] - centroid[None], axis=-1)
        np.fill_diagonal(distance, np.inf)
        nearest = np.argsort(distance, axis=1)[:, : min(k, n - 1)]
        pairs = np.stack([np.repeat(np.arange(n), nearest.shape[1]), nearest.ravel()])
    else:  # regions that share a horizontal or vertical pixel boundary
        right = np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()])
        down = np.stack([labels[:-1].ravel(), labels[1:].ravel()])
        pairs = np.concatenate([right, down], axis=1)
        pairs = pairs[:, pairs[0] != pairs[1]]
    pairs = np.concatenate([pairs, pairs[::-1]], axis=1)  # both directions: an undirected graph
    pairs = np.unique(pairs, axis=1)
    return intensity[:, None].astype(np.float32), centroid.astype(np.float32), pairs.astype(np.int64)


def cache_path(split: str, n: int, n_segments: int, compactness: float, edges: str, k: int,
               root: Path | None = None) -> Path:
    rule = f"knn{k}" if edges == "knn" else "adjacency"
    name = f"mnist_slic{n_segments}_c{compactness:g}_{rule}_{split}_{n}.pt"
    return Path(root or data_dir()) / "mnist_superpixels" / name


class SuperpixelDataset:
    """Read a cached graph file with PyG's own loader (``InMemoryDataset.load``): a list-like of ``Data``."""

    def __new__(cls, path: Path):
        from torch_geometric.data import InMemoryDataset

        dataset = InMemoryDataset()
        dataset.load(str(path))
        return dataset


def build_slic_graphs(split: str = "train", n: int = 1000, n_segments: int = 75, compactness: float = 0.25,
                      edges: str = "knn", k: int = 8, root: Path | None = None, quiet: bool = False) -> Path:
    """Build (once) the first ``n`` graphs of ``split`` from MNIST and return the checksummed cache file."""
    from torch_geometric.data import Data, InMemoryDataset

    _check_settings(split, n, n_segments, edges, k, "slic")
    path = cache_path(split, n, n_segments, compactness, edges, k, root)
    stamp = path.with_name(path.name + ".sha256")
    if path.exists() and stamp.exists():
        if sha256_file(path) == stamp.read_text().strip():
            return path
        warnings.warn(f"{path}: checksum mismatch (corrupted cache); rebuilding it")
    digits = load_dataset("mnist", root)
    images = getattr(digits, f"{split}_images")[:n].astype(np.float64) / 255.0
    labels = getattr(digits, f"{split}_labels")[:n].astype(np.int64)
    graphs = []
    for image, label in zip(tqdm(images, desc=f"SLIC superpixels ({split})", disable=quiet, mininterval=1.0),
                            labels):
        x, pos, edge_index = image_to_graph(image, n_segments, compactness, edges, k)
        graphs.append(Data(x=torch.from_numpy(x), pos=torch.from_numpy(pos),
                           edge_index=torch.from_numpy(edge_index), y=torch.tensor([label], device="cpu")))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")  # concurrent builders do not collide
    InMemoryDataset.save(graphs, str(tmp))
    tmp.replace(path)
    stamp.write_text(sha256_file(path) + "\n")
    return path


def pyg_superpixels_present(root: Path | None = None) -> bool:
    """True when PyG's MNISTSuperpixels files (raw or processed) are already in the data directory."""
    folder = Path(root or data_dir()) / "MNISTSuperpixels"
    processed = all((folder / "processed" / f).exists() for f in ("train_data.pt", "test_data.pt"))
    return processed or (folder / "raw" / "MNISTSuperpixels.pt").exists()


def to_dense(dataset, count: int | None = None, max_nodes: int | None = None, source: str = "") -> DenseGraphs:
    """Pad the first ``count`` graphs of a collated PyG dataset into a :class:`DenseGraphs` (on the CPU: move it
    with :meth:`DenseGraphs.to`)."""
    data, slices = dataset._data, dataset.slices
    count = len(dataset) if count is None else count
    node_start, edge_start = slices["x"], slices["edge_index"]
    sizes = (node_start[1 : count + 1] - node_start[:count]).numpy()
    width = int(max_nodes or sizes.max())
    if sizes.max() > width:
        raise ValueError(f"a graph has {sizes.max()} nodes, more than max_nodes = {width}")
    n_nodes, n_edges = int(node_start[count]), int(edge_start[count])
    graph_of_node = np.repeat(np.arange(count), sizes)
    slot = np.arange(n_nodes) - np.repeat(node_start[:count].numpy(), sizes)
    x = torch.zeros(count, width, data.x.shape[1], device="cpu")
    pos = torch.zeros(count, width, 2, device="cpu")
    mask = torch.zeros(count, width, dtype=torch.bool, device="cpu")
    x[graph_of_node, slot] = data.x[:n_nodes].float()
    pos[graph_of_node, slot] = data.pos[:n_nodes].float()
    mask[graph_of_node, slot] = True
    edge_sizes = (edge_start[1 : count + 1] - edge_start[:count]).numpy()
    graph_of_edge = torch.from_numpy(np.repeat(np.arange(count), edge_sizes))
    src, dst = data.edge_index[:, :n_edges]  # local node ids (InMemoryDataset does not offset them)
    adj = torch.zeros(count, width, width, dtype=torch.bool, device="cpu")
    adj[graph_of_edge, dst, src] = True
    diagonal = torch.arange(width, device="cpu")
    adj[:, diagonal, diagonal] = False  # the layers add their own self-loops
    return DenseGraphs(x, pos, adj, mask, data.y[:count].long().view(-1), source)


@functools.lru_cache(maxsize=8)
def mnist_superpixels(split: str = "train", n: int = 1000, *, n_segments: int = 75, compactness: float = 0.25,
                      edges: str = "knn", k: int = 8, source: str = "auto", max_nodes: int | None = None,
                      quiet: bool = False) -> DenseGraphs:
    """The first ``n`` superpixel graphs of ``split``, padded to ``max_nodes`` (default: the largest graph).

    Kept in memory per process, on the CPU (move them with :meth:`DenseGraphs.to`).

    ``source``: ``"pyg"`` (PyG's MNISTSuperpixels files, an error if absent), ``"slic"`` (rebuilt here) or
    ``"auto"`` (PyG's files when present, else SLIC). The edge settings apply to SLIC graphs only.
    """
    _check_settings(split, n, n_segments, edges, k, source)
    if source == "pyg" or (source == "auto" and pyg_superpixels_present()):
        if not pyg_superpixels_present():
            raise FileNotFoundError(
                f"PyG's MNISTSuperpixels files are not in {data_dir() / 'MNISTSuperpixels'}; copy its raw "
                "MNISTSuperpixels.pt there, or use source='slic' to rebuild the graphs from MNIST")
        from torch_geometric.datasets import MNISTSuperpixels

        dataset = MNISTSuperpixels(str(data_dir() / "MNISTSuperpixels"), train=split == "train")
        return to_dense(dataset, n, max_nodes, source="PyG MNISTSuperpixels")
    path = build_slic_graphs(split, n, n_segments, compactness, edges, k, quiet=quiet)
    rule = f"{k}-NN" if edges == "knn" else "region adjacency"
    return to_dense(SuperpixelDataset(path), n, max_nodes,
                    source=f"MNIST + SLIC ({n_segments} segments, compactness {compactness:g}, {rule} edges)")
