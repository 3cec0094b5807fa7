"""Explicit generators: the same seed (and stream) gives the same numbers. The notebook-wide seeding of the
global generators is done once per chapter by ``harness.notebook.start_chapter``."""

from __future__ import annotations

import numpy as np
import torch


def numpy_rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent NumPy generator for (seed, stream...): sub-experiments get their own stream."""
    return np.random.default_rng([seed, *stream])


def torch_generator(seed: int, *stream: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch generator seeded from (seed, stream...), independent of the global one, on ``device``.

    The same seed gives the same draws on the same device; a CUDA generator draws other numbers than a CPU one.
    """
    derived = int(np.random.SeedSequence([seed, *stream]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator(device=device).manual_seed(derived)


def seed_global_torch(seed: int, *stream: int) -> None:
    """Seed torch's global generator (which module initialisation draws from) for (seed, stream...), derived as in
    :func:`torch_generator`: independent across seeds and streams, where ``manual_seed(seed + stream)`` is not
    (seed 0's stream 2 would be seed 1's stream 1)."""
    torch.manual_seed(torch_generator(seed, *stream).initial_seed())


def replicate_seeds(seed: int, count: int) -> range:
    """Seeds of ``count`` replicates inside one run of chapter seed ``seed``.

    Disjoint across chapter seeds, so a robustness run at seed 1 repeats the experiment on new replicates rather
    than on two of seed 0's (``seed + k`` would share them); seed 0 keeps 0 .. count-1.
    """
    if seed < 0 or count < 1:
        raise ValueError(f"need seed >= 0 and count >= 1, got seed={seed}, count={count}")
    return range(seed * count, (seed + 1) * count)
