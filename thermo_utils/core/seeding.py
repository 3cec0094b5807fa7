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
