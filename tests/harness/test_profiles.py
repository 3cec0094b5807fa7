"""Configuration: every validation error names the parameter and its range, before any work."""

import dataclasses

import pytest

from thermo_utils.chapters.thermometry.config import SPEC
from thermo_utils.harness.profiles import ConfigError, ConfigSpec, Field
from thermo_utils.harness.registry import CHAPTERS, PROFILES

TOY = ConfigSpec(
    "toy",
    [Field("lr", float, "rate", low=0.0, high=1.0), Field("batch", int, "batch", low=1, high=10**6),
     Field("n_train", int, "data", low=1, high=10**6), Field("rates", tuple, "grid", low=0, high=1, item=float, min_len=2),
     Field("mode", str, "mode", choices=("a", "b")), Field("flag", bool, "flag")],
    {p: dict(lr=0.1, batch=8, n_train=100, rates=(0.1, 0.2), mode="a", flag=True) for p in PROFILES},
    checks=[lambda c: None if c.batch <= c.n_train else f"batch ({c.batch}) must be <= n_train ({c.n_train})"],
)


def test_profile_values_and_overrides():
    cfg = TOY.resolve("smoke", seed=3, lr=0.5, rates=[0.3, 0.4], batch=None)
    assert (cfg.lr, cfg.batch, cfg.rates, cfg.seed, cfg.profile) == (0.5, 8, (0.3, 0.4), 3, "smoke")
    assert cfg.overrides == {"lr": 0.5, "rates": (0.3, 0.4)}
    assert cfg.chapter == "toy"
    assert "profile" not in cfg.as_dict() or cfg.as_dict()["profile"] == "smoke"


def test_config_is_frozen():
    cfg = TOY.resolve("smoke")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr = 0.3


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (dict(profile="huge"), "unknown profile 'huge'; valid profiles: smoke, classroom, paper"),
        (dict(lr=-0.1), "parameter 'lr' = -0.1 is invalid: expected float in [0, 1]"),
        (dict(lr="fast"), "parameter 'lr' = 'fast'"),
        (dict(lr=float("nan")), "parameter 'lr'"),
        (dict(batch=2.5), "parameter 'batch' = 2.5 is invalid: expected int"),
        (dict(batch=True), "parameter 'batch' = True"),
        (dict(rates=[0.5]), "at least 2 float values"),
        (dict(rates=[0.5, 7.0]), "each in [0, 1]"),
        (dict(rates="0.1"), "parameter 'rates'"),
        (dict(mode="c"), "one of 'a', 'b'"),
        (dict(flag=1), "parameter 'flag'"),
        (dict(batch=1000), "batch (1000) must be <= n_train (100)"),
        (dict(momentum=0.9), "unknown parameter(s) ['momentum']"),
        (dict(seed=-1), "parameter 'seed'"),
    ],
)
def test_bad_values_are_named(overrides, fragment):
    args = {"profile": "smoke"} | overrides
    with pytest.raises(ConfigError) as err:
        TOY.resolve(**args)
    assert fragment in str(err.value)


def test_whole_numbers_given_as_floats_are_accepted():
    assert TOY.resolve("smoke", batch=16.0).batch == 16


def test_spec_must_cover_every_profile():
    with pytest.raises(ValueError, match="no settings for profiles"):
        ConfigSpec("bad", [Field("lr", float, "rate")], {"smoke": {"lr": 0.1}})


def test_every_chapter_spec_resolves_at_every_profile():
    import importlib

    for chapter in CHAPTERS:
        if chapter.written:
            spec = importlib.import_module(f"thermo_utils.chapters.{chapter.slug}.config").SPEC
            for profile in PROFILES:
                assert spec.resolve(profile).profile == profile


def test_thermometry_spec_rejects_unstable_rates():
    with pytest.raises(ConfigError, match="eta·h must be < 2"):
        SPEC.resolve("smoke", etas=[0.1, 0.5, 1.5], curvatures=[2.0])


def test_an_unreachable_scheduler_is_a_config_error():
    import socket

    spec = ConfigSpec("toy", [Field("executor", str, "where runs go")],
                      {p: {"executor": "local"} for p in ("smoke", "classroom", "paper")})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError, match="no Dask scheduler answers"):
        spec.resolve("smoke", executor=f"tcp://127.0.0.1:{port}")
    assert spec.resolve("smoke").executor == "local"


def test_the_run_label_stamps_profile_seed_device_and_changes():
    from thermo_utils.harness.plotting import run_label

    assert run_label(SPEC.resolve("smoke")) == "profile=smoke · seed=0 · device=cpu · profile defaults"
    assert run_label(SPEC.resolve("smoke", seed=3, n_chains=3)) == "profile=smoke · seed=3 · device=cpu · n_chains=3"
