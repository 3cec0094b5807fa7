"""The counting benchmark's encoder list is checked before any work starts."""

import pytest

from thermo_utils.chapters.signnet_basisnet.config import COUNT_ENCODERS, SPEC
from thermo_utils.harness.profiles import ConfigError


def test_classroom_leaves_basisnet_out_of_counting_and_the_paper_profile_keeps_every_encoder():
    assert "basisnet" not in SPEC.resolve("classroom").count_encoders
    assert SPEC.resolve("paper").count_encoders == COUNT_ENCODERS
    assert SPEC.resolve("smoke").count_encoders == COUNT_ENCODERS  # smoke exercises every counting path


@pytest.mark.parametrize("encoders", [("none", "flip"), ("flip", "signnet"), ("none", "raw", "signnet"),
                                      ("none", "flip", "signnet", "flip")])
def test_counting_without_the_claims_comparison_or_with_repeats_is_refused(encoders):
    with pytest.raises(ConfigError, match="count_encoders"):
        SPEC.resolve("smoke", count_encoders=encoders)


def test_an_unknown_encoder_is_refused():
    with pytest.raises(ConfigError, match="count_encoders"):
        SPEC.resolve("smoke", count_encoders=("none", "flip", "signnet", "lappe"))
    assert SPEC.resolve("smoke", count_encoders=("none", "flip", "signnet")).count_encoders == ("none", "flip", "signnet")
