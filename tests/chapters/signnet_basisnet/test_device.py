"""The heavy paths create their tensors on the configured device, and device="cpu" changes no number."""

import pytest

from thermo_utils.chapters.signnet_basisnet import invariant_nets as inv
from thermo_utils.chapters.signnet_basisnet.config import SPEC
from thermo_utils.harness.profiles import ConfigError

COUNTING = dict(seed=0, data_seed=0, n_graphs=40, nodes=[5, 7], edge_prob=[0.3, 0.6], epochs=1, batch_size=16,
                lr=1e-2, hidden=8, layers=2, pe_dim=4, basis_max_dim=2)
TARGET = dict(seed=0, k=2, n=4, n_train=64, n_test=64, epochs=1, hidden=8, lr=1e-3)


@pytest.mark.parametrize("kind", ["none", "flip", "signnet", "basisnet"])
def test_counting_creates_tensors_on_the_device(kind, factory_audit):
    with factory_audit() as audit:
        inv.counting_point(kind=kind, **COUNTING, device="cpu")
    assert not audit.missing


@pytest.mark.parametrize("kind", ["flip", "signnet"])
def test_sign_target_creates_tensors_on_the_device(kind, factory_audit):
    with factory_audit() as audit:
        inv.sign_target_point(kind, **TARGET, device="cpu")
    assert not audit.missing


def test_explicit_cpu_gives_the_default_numbers():
    for kind in ("flip", "basisnet"):
        default = inv.counting_point(kind=kind, **COUNTING)
        explicit = inv.counting_point(kind=kind, **COUNTING, device="cpu")
        assert default["test_mae"] == explicit["test_mae"] and default["train_curve"] == explicit["train_curve"]
    assert inv.sign_target_point("flip", **TARGET) == inv.sign_target_point("flip", **TARGET, device="cpu")


def test_device_parameter_is_checked():
    assert SPEC.resolve("smoke").device == "cpu" and SPEC.resolve("paper").device == "auto"
    with pytest.raises(ConfigError, match="device"):
        SPEC.resolve("smoke", device="tpu")
