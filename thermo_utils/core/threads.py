"""Thread control for tiny models: one intra-op thread is faster than several waiting for each other."""

from __future__ import annotations

from contextlib import contextmanager

import torch


@contextmanager
def single_thread():
    """Run torch on one thread inside the block (parallelism goes across sweep points instead).

    Steps of tiny networks lose more to thread hand-offs than they gain, and on a busy CPU two threads
    that wait for each other can make a step many times slower.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
