"""The heavy paths of the thermophoresis chapter create their tensors on the configured device."""

import numpy as np
import pytest
import torch

from thermo_utils.chapters.thermophoresis import drift as th
from thermo_utils.chapters.thermophoresis import gradient_variance as gv
from thermo_utils.chapters.thermophoresis.config import SPEC
from thermo_utils.harness.profiles import ConfigError

SMALL = dict(n_inputs=6, n_hidden=5, bias=True, inputs="gaussian", pairs=[[0.05, 1], [0.1, 1], [0.05, 2]],
             seeds=[0, 1], n_steps=12)


@pytest.mark.parametrize("extra", [{}, {"n_train": 16}, {"n_train": 16, "full_batch": True},
                                   {"inputs": "uniform", "bias": False}, {"labels": "teacher"}])
def test_two_layer_training_names_its_device(factory_audit, extra):
    with factory_audit() as audit:
        th.two_layer_point(**(SMALL | extra), device="cpu")
    assert not audit.missing


def test_deep_nets_name_their_device(factory_audit):
    with factory_audit() as audit:
        gv.deep_point("fc", [0.1, 0.2], [0, 1], 3, 2, 64, 4, 1, device="cpu")
    assert not audit.missing


@pytest.mark.parametrize("extra", [{}, {"n_train": 16}, {"n_train": 16, "full_batch": True}])
def test_explicit_cpu_gives_the_default_numbers(extra):
    default = th.two_layer_point(**(SMALL | extra))
    explicit = th.two_layer_point(**(SMALL | extra), device="cpu")
    for name in ("activation", "v_norm", "sq_error"):
        np.testing.assert_array_equal(getattr(default, name), getattr(explicit, name))
    a = gv.deep_point("fc", [0.1, 0.2], [0, 1], 3, 2, 64, 4, 1)
    b = gv.deep_point("fc", [0.1, 0.2], [0, 1], 3, 2, 64, 4, 1, device="cpu")
    np.testing.assert_array_equal(a.variance, b.variance)


def test_stream_and_training_set_match_the_per_step_reference():
    """The chunked device path draws exactly the examples _ExampleSource.batch gives step by step."""
    setting = th.TwoLayerSetting(6, 5, True, "gaussian")
    for n_train in (None, 16):
        run = th.train_two_layer(setting, [(0.1, 2)], [3], 600, n_train=n_train)
        source = th._ExampleSource(setting, 3, "random", n_train, 2, 600)
        params = th.init_two_layer(setting, th.torch_generator(3, 0))
        weight = torch.full((1, 2), 0.5)
        for t in range(600):
            x, y = source.batch(t)
            grads = th.stacked_gradient({k: v[None] for k, v in params.items()}, x[None], y[None], weight)
            params = {k: v - 0.1 * grads[k][0] for k, v in params.items()}
        assert run.v_norm[0, -1] == pytest.approx(float(params["V"].norm()), rel=1e-5)


def test_device_parameter_is_checked():
    assert SPEC.resolve("smoke").device == "cpu" and SPEC.resolve("classroom").device == "cpu"
    assert SPEC.resolve("paper").device == "auto"
    with pytest.raises(ConfigError, match="device"):
        SPEC.resolve("smoke", device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="cuda"):
            SPEC.resolve("smoke", device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_runs_match_the_cpu_closely():
    cpu = th.two_layer_point(**SMALL)
    gpu = th.two_layer_point(**SMALL, device="cuda")
    np.testing.assert_allclose(gpu.v_norm, cpu.v_norm, rtol=1e-4)
