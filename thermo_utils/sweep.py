"""Independent runs (sweep points, seeds, twin trainings), mapped over an executor and kept as they finish.

``executor`` is a chapter parameter:

- ``"local"``: in this process, one point after another (vectorised work inside a point stays vectorised);
- ``"processes"``: a local process pool, one worker per core;
- ``"tcp://host:8786"``: a running Dask scheduler, through ``dask.distributed`` (start it with Dask's own
  ``dask scheduler`` and ``dask worker`` commands).

Each point's result is written to ``cache_dir`` as soon as it finishes, under a key made of the function,
the point's parameters and the package's source; re-running an interrupted sweep computes only the missing
points. A point that raises is reported with its parameters after the others have finished and been kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Callable, Sequence

from tqdm.auto import tqdm

EXECUTORS = ("local", "processes")


class SweepError(RuntimeError):
    """Some points of a sweep failed; ``failures`` lists (point, error text). The rest were kept."""

    def __init__(self, failures: list[tuple[dict, str]]):
        self.failures = failures
        lines = "\n".join(f"  {json.dumps(p, sort_keys=True, default=str)}: {e}" for p, e in failures)
        super().__init__(f"{len(failures)} sweep point(s) failed:\n{lines}")


def check_executor(executor: str) -> str:
    """Validate an executor name before any work (chapters call this from their config checks)."""
    if executor in EXECUTORS or executor.startswith("tcp://"):
        return executor
    raise ValueError(f"executor {executor!r} is invalid: expected 'local', 'processes' or a Dask address 'tcp://host:port'")


def source_hash() -> str:
    """SHA-256 of the package's Python source: results of other code are never reused."""
    from . import cache

    return cache.package_source_hash()


def point_key(fn: Callable, point: dict, code: str) -> str:
    name = f"{fn.__module__}.{fn.__qualname__}"
    text = json.dumps({"fn": name, "point": point, "code": code}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _load(path: Path):
    try:
        with open(path, "rb") as handle:
            return True, pickle.load(handle)
    except FileNotFoundError:
        return False, None
    except Exception as err:  # a truncated or corrupted file: recompute the point
        warnings.warn(f"{path}: unreadable cached sweep point ({err!r}); recomputing it")
        return False, None


def _store(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "wb") as handle:
        pickle.dump(value, handle)
    os.replace(tmp, path)


def _call(fn: Callable, point: dict):
    return fn(**point)


def run_sweep(
    fn: Callable[..., Any],
    points: Sequence[dict],
    *,
    cache_dir: Path | None = None,
    executor: str = "local",
    desc: str = "sweep",
    quiet: bool = False,
) -> list[Any]:
    """``[fn(**p) for p in points]``, computed on ``executor``, each result cached under ``cache_dir``."""
    check_executor(executor)
    points = [dict(p) for p in points]
    code = source_hash()
    paths = [Path(cache_dir) / f"{point_key(fn, p, code)}.pkl" if cache_dir else None for p in points]
    results: list[Any] = [None] * len(points)
    todo = []
    for i, path in enumerate(paths):
        found, value = _load(path) if path else (False, None)
        if found:
            results[i] = value
        else:
            todo.append(i)
    failures: list[tuple[dict, str]] = []
    bar = tqdm(total=len(points), initial=len(points) - len(todo), desc=desc, disable=quiet, mininterval=1.0)

    def finish(i: int, value: Any = None, error: BaseException | None = None):
        if error is not None:
            failures.append((points[i], f"{type(error).__name__}: {error}"))
        else:
            results[i] = value
            if paths[i]:
                _store(paths[i], value)
        bar.update(1)

    start = time.perf_counter()
    try:
        if executor == "local":
            for i in todo:
                try:
                    value = _call(fn, points[i])
                except Exception as err:  # noqa: BLE001 - reported with the point's parameters below
                    finish(i, error=err)
                else:
                    finish(i, value)
        elif executor == "processes":
            with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
                futures = {pool.submit(_call, fn, points[i]): i for i in todo}
                for future in as_completed(futures):
                    error = future.exception()
                    finish(futures[future], None if error else future.result(), error)
        else:
            from distributed import Client, as_completed as dask_completed

            with Client(executor, timeout="30s") as client:
                futures = {client.submit(_call, fn, points[i], pure=False): i for i in todo}
                for future in dask_completed(list(futures)):
                    i = futures[future]
                    if future.status == "error":
                        finish(i, error=future.exception())
                    else:
                        finish(i, future.result())
    finally:
        bar.close()
    if failures:
        raise SweepError(failures)
    if not quiet and todo:
        print(f"{desc}: {len(todo)} point(s) computed in {time.perf_counter() - start:.1f} s, "
              f"{len(points) - len(todo)} from cache")
    return results
