"""Where tensors live: the ``device`` parameter every chapter takes (``cpu``, ``cuda`` or ``auto``).

``cpu`` is the default at ``smoke`` and ``classroom`` so that their numbers are exact and reproducible;
``auto`` (the ``paper`` default) takes a GPU when torch sees one. Asking for ``cuda`` where there is none is
an error before any work starts (a config check), not a silent fall-back.
"""

from __future__ import annotations

import torch

DEVICES = ("cpu", "cuda", "auto")


def device_problem(name: str) -> str | None:
    """Why ``name`` cannot be used here (for a config check), or None."""
    if name not in DEVICES:
        return f"device must be one of {', '.join(DEVICES)}, got {name!r}"
    if name == "cuda" and not torch.cuda.is_available():
        return (f"device='cuda' was asked for, but torch {torch.__version__} sees no CUDA device "
                f"(built for CUDA {torch.version.cuda or 'none: a CPU build'}); use device='cpu' or 'auto'")
    return None


def resolve_device(name: str) -> torch.device:
    """The torch device for a ``device`` parameter; raises ValueError for one that is not there."""
    problem = device_problem(name)
    if problem:
        raise ValueError(problem)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
