"""The MLP thermometry follows its ``device``: every tensor made there, the default and explicit cpu agree."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.thermometry import mlp

TINY = dict(optimizer="sgd", rates=[0.02, 0.05, 0.1], batch_sizes=[16, 32, 64], base_rate=0.05, base_batch=32,
            n_seeds=2, n_train=128, hidden=8, pretrain_epochs=1, measure_epochs=3, seed=0)


def _have_mnist() -> bool:
    try:
        mlp.mnist_tensors(64)
    except Exception:  # noqa: BLE001 - no offline MNIST here
        return False
    return True


pytestmark = pytest.mark.skipif(not _have_mnist(), reason="MNIST is not available offline")


def _flat(result):
    out = [result["pretrain_curve"].ravel(), result["test_accuracy"].ravel()]
    for sweep in ("rate_sweep", "batch_sweep"):
        for interval in ("per_step", "per_epoch"):
            out += [np.ravel(v) for v in result[sweep][interval].values()]
        out.append(np.ravel(result[sweep]["final_loss"]))
    return np.concatenate(out)


@pytest.mark.parametrize("optimizer", mlp.OPTIMIZERS)
def test_network_sweep_makes_its_tensors_on_the_device(factory_audit, optimizer):
    with factory_audit() as audit:
        mlp.network_sweep(**{**TINY, "optimizer": optimizer}, device="cpu")
    assert not audit.missing, audit.missing


def test_default_and_explicit_cpu_give_the_same_numbers():
    default = mlp.network_sweep(**TINY)
    explicit = mlp.network_sweep(**TINY, device="cpu")
    np.testing.assert_array_equal(_flat(default), _flat(explicit))


def test_cpu_generator_is_the_seeding_one():
    from thermo_utils.core.seeding import torch_generator

    a = torch.rand(5, generator=mlp.device_generator(3, 1000, device="cpu"))
    b = torch.rand(5, generator=torch_generator(3, 1000))
    assert torch.equal(a, b)


def test_unknown_device_is_refused_before_work():
    with pytest.raises(ValueError, match="device"):
        mlp.network_sweep(**TINY, device="tpu")
