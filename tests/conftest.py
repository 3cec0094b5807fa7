"""Fixtures shared by the test files: one smoke build of the whole book per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from thermo_utils.harness.paths import REPO_ROOT


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory) -> Path:
    """A temporary build folder in which every written chapter ran at smoke and the book was built strictly.

    Built once per session (``python -m thermo_utils build --profile smoke`` with ``THERMO_BUILD`` set),
    so the chapter tests and the browser test look at the same book. A failed build fails every test
    that uses it, with the build's own message.
    """
    build = tmp_path_factory.mktemp("smoke_build")
    env = {**os.environ, "THERMO_BUILD": str(build)}
    done = subprocess.run(
        [sys.executable, "-m", "thermo_utils", "build", "--profile", "smoke", "--jobs", "2"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-60:])
        pytest.fail(f"the smoke build of the book failed (exit {done.returncode}):\n{tail}", pytrace=False)
    return build


class FactoryAudit:
    """Records tensor factory calls made from the package's own code without an explicit ``device``.

    A heavy path must create its tensors on the configured device; run it inside this audit (on the CPU,
    with the device given explicitly) and assert that ``missing`` is empty. Calls from torch itself (module
    constructors, say) are not counted: the modules they build must be moved with ``.to(device)``.
    """

    FACTORIES = ("zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "arange", "linspace",
                 "logspace", "eye", "tensor", "normal", "bernoulli", "multinomial")

    def __init__(self):
        self.missing: list[str] = []

    def __enter__(self):
        import inspect

        import torch
        from torch.overrides import TorchFunctionMode

        factories = {getattr(torch, name) for name in self.FACTORIES if hasattr(torch, name)}
        package = str(REPO_ROOT / "thermo_utils")
        audit = self

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                if func in factories and kwargs.get("device") is None:
                    caller = inspect.currentframe().f_back
                    if caller is not None and caller.f_code.co_filename.startswith(package):
                        where = f"{caller.f_code.co_filename.removeprefix(str(REPO_ROOT) + '/')}:{caller.f_lineno}"
                        # a tensor made from another tensor keeps its device; only numbers and lists need one
                        if not (func.__name__ in ("tensor", "normal", "bernoulli", "multinomial")
                                and any(isinstance(a, torch.Tensor) for a in args)):
                            audit.missing.append(f"torch.{func.__name__} at {where}")
                return func(*args, **kwargs)

        self._mode = Mode()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._mode.__exit__(*exc)
        return False


@pytest.fixture
def factory_audit():
    """``with factory_audit() as audit: heavy_path(device=torch.device('cpu'))``, then ``assert not audit.missing``."""
    return FactoryAudit
