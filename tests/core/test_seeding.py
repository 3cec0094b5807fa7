import pytest
import torch

from thermo_utils.core.seeding import replicate_seeds, seed_global_torch


def test_replicate_seeds_are_disjoint_across_chapter_seeds_and_seed_zero_keeps_its_own():
    assert list(replicate_seeds(0, 3)) == [0, 1, 2]
    runs = [set(replicate_seeds(seed, 5)) for seed in range(4)]
    assert all(len(r) == 5 for r in runs)
    assert all(not (a & b) for i, a in enumerate(runs) for b in runs[i + 1:])


@pytest.mark.parametrize("seed, count", [(-1, 3), (0, 0)])
def test_replicate_seeds_refuses_a_negative_seed_or_no_replicates(seed, count):
    with pytest.raises(ValueError, match="need seed >= 0"):
        replicate_seeds(seed, count)


def test_seed_global_torch_is_reproducible_and_never_collides_across_seeds_and_streams():
    def draw(seed, *stream):
        seed_global_torch(seed, *stream)
        return torch.rand(4)

    assert torch.equal(draw(0, 2), draw(0, 2))
    assert not torch.equal(draw(0, 2), draw(1, 1))  # manual_seed(seed + stream) gives these the same numbers
    assert not torch.equal(draw(2, 4), draw(0, 6))
