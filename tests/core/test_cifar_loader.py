"""CIFAR-10's loader, on a tiny fake copy of the original python-pickle batches written by the test."""

import pickle

import numpy as np
import pytest

from thermo_utils.core.datasets import DatasetUnavailable, load_dataset


def write_fake_cifar(folder, per_batch=4):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3 * 32 * 32), dtype=np.uint8)  # rows: R plane, G plane, B plane
        labels = rng.integers(0, 10, per_batch).tolist()
        with open(folder / name, "wb") as handle:
            pickle.dump({b"batch_label": name.encode(), b"data": data, b"labels": labels}, handle)
        written[name] = (data, labels)
    return written


def test_reads_the_original_format(tmp_path):
    written = write_fake_cifar(tmp_path / "cifar-10-batches-py")
    data = load_dataset("cifar10", root=tmp_path)
    assert data.train_images.shape == (20, 32, 32, 3) and data.test_images.shape == (4, 32, 32, 3)
    first, labels = written["data_batch_1"]
    # pixel (row 5, column 7) of image 0: channel c sits at c·1024 + 5·32 + 7 in the flat row
    assert [data.train_images[0, 5, 7, c] for c in range(3)] == [first[0, c * 1024 + 5 * 32 + 7] for c in range(3)]
    assert data.train_labels[:4].tolist() == labels
    assert data.test_labels.tolist() == written["test_batch"][1]
    again = load_dataset("cifar10", root=tmp_path)  # from the checksummed cache this time
    np.testing.assert_array_equal(again.train_images, data.train_images)


def test_missing_data_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetUnavailable, match="cifar-10-batches-py"):
        load_dataset("cifar10", root=tmp_path)
