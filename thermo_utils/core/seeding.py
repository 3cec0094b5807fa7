"""Seeds and determinism: the same seed gives the same numbers."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch's global generators; return a fresh NumPy generator for the caller.

    Prefer passing explicit generators (``numpy_rng``, ``torch_generator``) down to the code that draws.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    return numpy_rng(seed)


def numpy_rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent NumPy generator for (seed, stream...): sub-experiments get their own stream."""
    return np.random.default_rng([seed, *stream])


def torch_generator(seed: int, *stream: int) -> torch.Generator:
    """A torch generator seeded from (seed, stream...), independent of the global one."""
    derived = int(np.random.SeedSequence([seed, *stream]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(derived)
