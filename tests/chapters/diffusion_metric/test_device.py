"""The heavy paths create their tensors on the configured device, and device="cpu" changes no number."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.diffusion_metric import diffusion_matrix as dm
from thermo_utils.chapters.diffusion_metric import geodesics as geo
from thermo_utils.chapters.diffusion_metric import limit_cycles as lc
from thermo_utils.chapters.diffusion_metric.config import SPEC

CPU = torch.device("cpu")


def tiny_training(device=None):
    kwargs = {} if device is None else {"device": device}
    return dm.spectra_during_training("small-fc", lambda: dm.small_fc(hidden=8), pooled=True, epochs=1, train_n=256,
                                      batch=64, lr=0.05, spectrum_n=32, seed=3, stream=1, **kwargs)


def tiny_sgd(device=None):
    problem, w0 = geo.two_layer_problem(16, hidden=2, seed=1, **({} if device is None else {"device": device}))
    gen = dm.device_generator(0, 5, **({} if device is None else {"device": device}))
    return geo.sgd_runs(problem, w0, 0.05, 4, 5, 8, gen)


def tiny_walk(device=None):
    d = CPU if device is None else device
    torch.manual_seed(0)
    net = dm.small_fc(hidden=4, classes=5).to(d)
    x, y = dm.mnist_tensors(128, pooled=True, classes=5, **({} if device is None else {"device": device}))
    gen = dm.device_generator(0, 6, **({} if device is None else {"device": device}))
    sgd = lc.record_weights(net, x, y, lr=0.01, batch=8, steps=20, burn_in=5, tracked=[0, 3, 7], generator=gen)
    control = lc.record_weights(net, x, y, lr=0.01, batch=8, steps=20, burn_in=0, tracked=[0, 3, 7], generator=gen,
                                isotropic_std=0.1)
    return sgd, control


@pytest.mark.parametrize("path", [tiny_training, tiny_sgd, tiny_walk])
def test_heavy_paths_give_every_factory_a_device(factory_audit, path):
    with factory_audit() as audit:
        path(CPU)
    assert not audit.missing


def test_explicit_cpu_gives_the_default_numbers():
    rows_default, spectra_default = tiny_training()
    rows_cpu, spectra_cpu = tiny_training("cpu")
    assert rows_default == rows_cpu
    np.testing.assert_array_equal(spectra_default[1.0].eigenvalues, spectra_cpu[1.0].eigenvalues)
    assert torch.equal(tiny_sgd(), tiny_sgd("cpu"))
    for a, b in zip(tiny_walk(), tiny_walk("cpu")):
        np.testing.assert_array_equal(a, b)


def test_cpu_generator_is_the_seeding_one():
    from thermo_utils.core.seeding import torch_generator

    assert dm.device_generator(4, 2).initial_seed() == torch_generator(4, 2).initial_seed()
    assert torch.equal(torch.rand(5, generator=dm.device_generator(4, 2)), torch.rand(5, generator=torch_generator(4, 2)))


def test_device_parameter_is_validated_before_work():
    assert SPEC.resolve("classroom").device == "cpu" and SPEC.resolve("paper").device == "auto"
    with pytest.raises(ValueError, match="device"):
        SPEC.resolve("smoke", device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda"):
            SPEC.resolve("smoke", device="cuda")
