"""Independent runs (sweep points, seeds, twin trainings), mapped over an executor and kept as they finish.

``executor`` is a chapter parameter:

- ``"local"``: in this process, one point after another (vectorised work inside a point stays vectorised);
- ``"processes"``: a local process pool, one single-threaded worker per core;
- ``"tcp://host:8786"``: a running Dask scheduler, through ``dask.distributed`` (start it with Dask's own
  ``dask scheduler`` and ``dask worker`` commands). Every worker must run the same ``thermo_utils`` source
  as this process; a worker that does not is refused, so foreign results never enter the cache.

Nothing is lost. Each point's result is written to ``cache_dir`` as soon as it finishes, in a checksummed
file, under a key made of the function, the point's parameters and the source it runs (its module and the
package modules it imports, transitively; the whole package for a function defined elsewhere). Re-running
an interrupted sweep computes only the missing points, and a corrupted file is recomputed. A point that raises
is reported with its parameters after the others have finished and been kept. A long single point resumes
through :class:`Checkpoint` when its function accepts a ``checkpoint_path`` argument.

Progress (points done / total, elapsed, estimated time left) goes to a progress bar and to
``cache_dir/progress.json``, which can be read while a long sweep runs elsewhere.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import os
import pickle
import re
import socket
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

EXECUTORS = ("local", "processes")
CHECKPOINT_ARGUMENT = "checkpoint_path"
CHECKPOINT_ENV = "THERMO_CHECKPOINTS"
_DASK_ADDRESS = re.compile(r"^tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")
_MAGIC = b"thermo_utils checksummed pickle 1\n"
_SHOWN_FAILURES = 20


class SweepError(RuntimeError):
    """Some points of a sweep failed; ``failures`` lists (point, error text). The rest were kept."""

    def __init__(self, failures: list[tuple[dict, str]]):
        self.failures = failures
        shown = [f"  {json.dumps(p, sort_keys=True, default=str)}: {e}" for p, e in failures[:_SHOWN_FAILURES]]
        if len(failures) > _SHOWN_FAILURES:
            shown.append(f"  … and {len(failures) - _SHOWN_FAILURES} more")
        super().__init__(f"{len(failures)} sweep point(s) failed (the others were kept):\n" + "\n".join(shown))


class CodeMismatch(RuntimeError):
    """A Dask worker runs other ``thermo_utils`` source than the process that started the sweep."""


def executor_problem(executor: Any) -> str | None:
    """The message for an invalid or unreachable executor, or None; a ready-made check for a chapter's ``ConfigSpec``.

    A scheduler address is dialled once (a few seconds at most), so a wrong address fails when the chapter's
    parameters are validated, before the first experiment, rather than after minutes of work.
    """
    problem = executor_format_problem(executor)
    if problem or executor in EXECUTORS:
        return problem
    match = _DASK_ADDRESS.match(executor)
    return _unreachable(match["host"].strip("[]"), int(match["port"]))


def executor_format_problem(executor: Any) -> str | None:
    """The message for an executor that is not ``local``, ``processes`` or ``tcp://host:port``, or None."""
    if isinstance(executor, str):
        if executor in EXECUTORS:
            return None
        match = _DASK_ADDRESS.match(executor)
        if match and 1 <= int(match["port"]) <= 65535:
            return None
    return (f"executor {executor!r} is invalid: expected 'local', 'processes' or a Dask scheduler address "
            "'tcp://host:port' (for example tcp://10.0.0.5:8786)")


def _unreachable(host: str, port: int, timeout_s: float = 3.0) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except OSError as err:
        return (f"executor 'tcp://{host}:{port}': no Dask scheduler answers there ({err.strerror or err}); start "
                f"one with `dask scheduler --port {port}` on that machine, or use executor 'local'")


def check_executor(executor: str) -> str:
    """Validate an executor's form before any work; returns it, raises ValueError naming the valid forms."""
    problem = executor_format_problem(executor)
    if problem:
        raise ValueError(problem)
    return executor


# --- checksummed files: a truncated or altered file is detected instead of silently loaded -------------


class CorruptFile(ValueError):
    """A cached result or checkpoint whose checksum does not match its content."""


def write_checked(path: Path, value: Any) -> None:
    """Pickle ``value`` to ``path`` with a SHA-256 of the payload, atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_checked(path: Path) -> Any:
    """The value stored by :func:`write_checked`; ``CorruptFile`` if it was truncated or altered."""
    data = Path(path).read_bytes()
    head = len(_MAGIC)
    if not data.startswith(_MAGIC) or len(data) < head + 32:
        raise CorruptFile(f"{path}: not a checksummed file (truncated or foreign)")
    digest, payload = data[head:head + 32], data[head + 32:]
    if hashlib.sha256(payload).digest() != digest:
        raise CorruptFile(f"{path}: checksum mismatch (truncated or altered)")
    try:
        return pickle.loads(payload)
    except Exception as err:  # checksum fine but unreadable here, e.g. a class that no longer exists
        raise CorruptFile(f"{path}: cannot be unpickled ({err!r})") from err


# --- checkpoints of long single points -----------------------------------------------------------------


class Checkpoint:
    """Saves a long computation's state every ``every`` steps, atomically, so a killed run resumes.

    The point function owns its loop and its state (include the random generators' states, so that a
    resumed run gives the same numbers as an uninterrupted one)::

        def train(eta, n_steps, seed, checkpoint_path=None):
            checkpoint = Checkpoint(checkpoint_path, every=10_000)
            step, state = checkpoint.load() or (0, initial_state(seed))
            while step < n_steps:
                state = advance(state, eta)
                step += 1
                if checkpoint.due(step):
                    checkpoint.save(step, state)
            return summary(state)

    ``run_sweep`` passes a per-point ``checkpoint_path`` to functions that accept one and deletes the file
    once the point's result is cached. With ``path=None`` nothing is saved or loaded. A corrupted checkpoint
    is reported with a warning and ignored (the point starts again from its beginning).
    """

    def __init__(self, path: str | Path | None, every: int):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"Checkpoint every={every!r}: expected a positive number of steps")
        self.path = Path(path) if path is not None else None
        self.every = every
        if self.path is not None:
            try:  # fail at the start of a point, not hours later at its first save
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise OSError(f"cannot create the checkpoint folder {self.path.parent} ({err}); on a cluster, "
                              f"set {CHECKPOINT_ENV} to a folder every worker can write") from err

    def due(self, step: int) -> bool:
        """Whether ``step`` (the number of steps done) is a multiple of ``every`` and saving is on."""
        return self.path is not None and step > 0 and step % self.every == 0

    def save(self, step: int, state: Any) -> None:
        if self.path is not None:
            write_checked(self.path, {"step": int(step), "state": state})

    def load(self) -> tuple[int, Any] | None:
        """``(step, state)`` of the last save, or None when there is none or it is corrupted."""
        if self.path is None:
            return None
        try:
            record = read_checked(self.path)
            return record["step"], record["state"]
        except FileNotFoundError:
            return None
        except (CorruptFile, KeyError, TypeError) as err:
            warnings.warn(f"ignoring a corrupted checkpoint, the point restarts from its beginning: {err}")
            return None

    def clear(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


# --- keys ------------------------------------------------------------------------------------------------


_PACKAGE = __name__.split(".")[0]
_PACKAGE_DIR = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def source_hash() -> str:
    """SHA-256 of the whole package's Python source (the key of functions defined outside the package).

    Hashed once per process (a kernel, a pool or Dask worker): a file edited while a kernel runs does not
    relabel the results of the code that kernel loaded. Restart the kernel after editing the package.
    """
    from thermo_utils.harness import cache

    return cache.package_source_hash()


def _module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    for path in (_PACKAGE_DIR.joinpath(*parts).with_suffix(".py") if parts else None,
                 _PACKAGE_DIR.joinpath(*parts, "__init__.py")):
        if path is not None and path.is_file():
            return path
    return None


def _package_imports(path: Path, module: str) -> set[str]:
    """The package's modules a file imports anywhere (top level or inside functions), and its parents."""
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    names = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}  # parent packages
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = base[:len(base) - node.level + 1] if node.level else []
            prefix = ".".join(parent + ([node.module] if node.module else []))
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)  # `from . import x` imports module x
    return {n for n in names if n == _PACKAGE or n.startswith(_PACKAGE + ".")}


@functools.cache
def code_hash(module: str) -> str:
    """SHA-256 of the source a package module runs: its file and every package module it imports, transitively.

    Editing one chapter's module therefore leaves the cached points of the other chapters valid. Imports
    are read statically (``import`` statements); hashed once per process, like :func:`source_hash`.
    """
    seen, queue = {}, [module]
    while queue:
        name = queue.pop()
        path = _module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        queue.extend(_package_imports(path, name))
    digest = hashlib.sha256()
    for name in sorted(seen):
        digest.update(name.encode() + b"\0" + seen[name].read_bytes())
    return digest.hexdigest()


def code_of(fn: Callable) -> str:
    """The code part of a point's key: the closure of ``fn``'s module inside the package, else the whole package."""
    module = getattr(fn, "__module__", None) or ""
    return code_hash(module) if module == _PACKAGE or module.startswith(_PACKAGE + ".") else source_hash()


def _json_ready(value: Any, where: str) -> Any:
    """The point's value as plain JSON types (numpy scalars allowed); anything else is refused."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy scalar
        return _json_ready(value.item(), where)
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_ready(v, f"{where}.{k}") for k, v in value.items()}
    raise TypeError(f"sweep {where} = {value!r} ({type(value).__name__}) is not JSON-able: pass "
                    "numbers, strings, booleans, None, lists or dicts (the cache key is built from them)")


def _function_name(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', None)}.{getattr(fn, '__qualname__', '<unnamed>')}"


def point_key(fn: Callable, point: dict, code: str) -> str:
    text = json.dumps({"fn": _function_name(fn), "point": _json_ready(point, "point"), "code": code}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _check_points(fn: Callable, points: Sequence[dict], cached: bool) -> list[dict]:
    if not callable(fn):
        raise TypeError(f"run_sweep: fn must be callable, got {fn!r}")
    name = _function_name(fn)
    if cached and (name.startswith("__main__.") or "<" in name):
        raise TypeError(f"run_sweep: fn {name} must be a module-level function of an importable module (its name "
                        "keys the cache, and the workers import it); move it into thermo_utils")
    checked = []
    for i, point in enumerate(points):
        if not isinstance(point, dict) or not all(isinstance(k, str) for k in point):
            raise TypeError(f"sweep point {i} must be a dict of keyword arguments, got {point!r}")
        if CHECKPOINT_ARGUMENT in point:
            raise ValueError(f"sweep point {i}: {CHECKPOINT_ARGUMENT!r} is supplied by run_sweep, not by the point")
        _json_ready(point, f"point {i}")
        checked.append(dict(point))
    return checked


# --- progress ----------------------------------------------------------------------------------------------


class SweepProgress:
    """Points done / total, elapsed time and an estimate of the time left, on a bar and in a JSON file."""

    def __init__(self, total: int, cached: int, desc: str, quiet: bool, record: Path | None):
        self.total, self.cached, self.desc, self.record = total, cached, desc, record
        self.done, self.failed = cached, 0
        self.start = time.perf_counter()
        self.bar = tqdm(total=total, initial=cached, desc=desc, disable=quiet, mininterval=1.0, unit="point")
        self._write()

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.start

    def remaining_s(self) -> float | None:
        """Time left if the remaining points take as long as the computed ones (None before the first)."""
        computed = self.done - self.cached
        return None if computed == 0 else self.elapsed_s / computed * (self.total - self.done)

    def update(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        self.bar.update(1)
        self._write()

    def summary(self) -> str:
        left = self.remaining_s()
        text = (f"{self.desc}: {self.done}/{self.total} points ({self.cached} from cache, {self.failed} failed), "
                f"{self.elapsed_s:.1f} s elapsed")
        if self.done < self.total:
            text += ", estimate unknown" if left is None else f", about {left:.0f} s left"
        return text

    def _write(self) -> None:
        if self.record is None:
            return
        left = self.remaining_s()
        state = {"desc": self.desc, "total": self.total, "done": self.done, "cached": self.cached,
                 "failed": self.failed, "elapsed_s": round(self.elapsed_s, 3),
                 "remaining_s": None if left is None else round(left, 3), "summary": self.summary()}
        self.record.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.record.with_name(f".{self.record.name}.tmp{os.getpid()}")
        tmp.write_text(json.dumps(state, indent=1) + "\n")
        os.replace(tmp, self.record)

    def close(self) -> None:
        self.bar.close()


# --- running the points --------------------------------------------------------------------------------


def _accepts_checkpoint(fn: Callable) -> bool:
    try:
        return CHECKPOINT_ARGUMENT in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a callable without a signature (some builtins)
        return False


def _call(fn: Callable, point: dict):
    return fn(**point)


def _call_checked(fn: Callable, point: dict, code: str):
    """Run one point on a Dask worker, refusing when the worker's package source differs."""
    if code_of(fn) != code:
        raise CodeMismatch("this worker runs other thermo_utils source than the process that started the "
                           "sweep: install the same checkout on every worker and restart them")
    return fn(**point)


def _single_threaded() -> None:
    """Pool initializer: one thread per worker process, so workers do not compete for the cores."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"


def _describe(error: BaseException, tb=None) -> str:
    """The error and the innermost line of the point's code that raised it."""
    text = f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(tb if tb is not None else error.__traceback__)
    remote = getattr(error.__cause__, "tb", None)  # ProcessPoolExecutor keeps the worker's traceback as text
    if isinstance(remote, str):
        lines = [line.strip() for line in remote.splitlines() if line.strip().startswith("File ")]
        return f"{text} ({lines[-1]})" if lines else text
    return f"{text} (File {frames[-1].filename}, line {frames[-1].lineno}, in {frames[-1].name})" if frames else text


def _connect(address: str):
    from distributed import Client

    try:
        client = Client(address, timeout="30s")
    except (OSError, TimeoutError) as err:
        raise ConnectionError(f"no Dask scheduler answered at {address} ({err}); start one with `dask scheduler` "
                              f"and workers with `dask worker {address}`") from err
    try:
        client.wait_for_workers(1, timeout=120)
    except TimeoutError as err:
        client.close()
        raise ConnectionError(f"the Dask scheduler at {address} has no workers after 120 s; start them with "
                              f"`dask worker {address}`") from err
    return client


def run_sweep(
    fn: Callable[..., Any],
    points: Sequence[dict],
    *,
    cache_dir: Path | None = None,
    executor: str = "local",
    desc: str = "sweep",
    quiet: bool = False,
    checkpoint_dir: Path | None = None,
) -> list[Any]:
    """``[fn(**p) for p in points]``, computed on ``executor``, each result cached under ``cache_dir``.

    ``fn`` must be importable by the workers (a module-level function of ``thermo_utils``). If it accepts
    ``checkpoint_path``, each point gets its own file under ``checkpoint_dir`` (default: ``$THERMO_CHECKPOINTS``,
    else ``cache_dir/checkpoints``) for :class:`Checkpoint`. Raises :class:`SweepError` after the other points
    have finished when some raised; an interruption (KeyboardInterrupt, a killed kernel) keeps what finished.
    """
    check_executor(executor)
    points = _check_points(fn, points, cached=cache_dir is not None)
    code = code_of(fn)
    keys = [point_key(fn, p, code) for p in points]
    if checkpoint_dir is None and _accepts_checkpoint(fn):
        env = os.environ.get(CHECKPOINT_ENV)
        checkpoint_dir = Path(env) if env else (Path(cache_dir) / "checkpoints" if cache_dir else None)
    wants_checkpoint = checkpoint_dir is not None and _accepts_checkpoint(fn)

    results: list[Any] = [None] * len(points)
    indices: dict[str, list[int]] = {}  # equal points share one key and one computation
    for i, key in enumerate(keys):
        indices.setdefault(key, []).append(i)
    pending: dict[str, list[int]] = {}
    for key, where in indices.items():
        found, value = _load_cached(cache_dir, key)
        if found:
            for i in where:
                results[i] = value
        else:
            pending[key] = where

    def arguments(key: str) -> dict:
        point = points[pending[key][0]]
        return {**point, CHECKPOINT_ARGUMENT: str(Path(checkpoint_dir) / f"{key}.ckpt")} if wants_checkpoint else point

    failures: list[tuple[dict, str]] = []
    progress = SweepProgress(len(points), len(points) - sum(map(len, pending.values())), desc, quiet,
                             Path(cache_dir) / "progress.json" if cache_dir else None)

    def finish(key: str, value: Any = None, error: str | None = None) -> None:
        for i in pending[key]:
            if error is None:
                results[i] = value
            else:
                failures.append((points[i], error))
        if error is None and cache_dir:
            write_checked(Path(cache_dir) / f"{key}.pkl", value)
            if wants_checkpoint:
                (Path(checkpoint_dir) / f"{key}.ckpt").unlink(missing_ok=True)
        for _ in pending[key]:
            progress.update(failed=error is not None)

    try:
        if pending:  # when all is cached, no pool or scheduler is needed: a finished run re-renders anywhere
            _compute(executor, fn, pending, arguments, finish, code)
    finally:
        progress.close()
    if failures:
        raise SweepError(failures)
    if not quiet and pending:
        print(progress.summary())
    return results


def _compute(executor: str, fn: Callable, pending: dict, arguments: Callable, finish: Callable, code: str) -> None:
    """Run the pending points on ``executor``, calling ``finish`` as each one ends."""
    if executor == "local":
        for key in pending:
            try:
                value = _call(fn, arguments(key))
            except Exception as err:  # noqa: BLE001 - reported with the point's parameters by run_sweep
                finish(key, error=_describe(err))
            else:
                finish(key, value)
    elif executor == "processes":
        _run_in_pool(fn, pending, arguments, finish)
    else:
        from distributed import as_completed as dask_completed

        with _connect(executor) as client:
            futures = {client.submit(_call_checked, fn, arguments(key), code,
                                     key=f"{getattr(fn, '__name__', 'point')}-{key}"): key for key in pending}
            for future in dask_completed(list(futures)):
                key = futures[future]
                if future.status == "error":
                    finish(key, error=_describe(future.exception(), future.traceback()))
                else:
                    finish(key, future.result())
                future.release()


def _load_cached(cache_dir: Path | None, key: str) -> tuple[bool, Any]:
    """(True, result) for a point cached intact; a corrupted file is reported and recomputed."""
    if not cache_dir:
        return False, None
    try:
        return True, read_checked(Path(cache_dir) / f"{key}.pkl")
    except FileNotFoundError:
        return False, None
    except CorruptFile as err:
        warnings.warn(f"recomputing a corrupted cached sweep point: {err}")
        return False, None


def pool_workers(executor: str) -> int:
    """How many points ``executor`` runs at once on this machine: one per usable core for ``processes``, one for
    ``local`` (and for a Dask scheduler, whose workers this process does not know). Chapters split a large
    vectorised run into this many independent points."""
    if executor != "processes":
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _run_in_pool(fn: Callable, pending: dict, arguments: Callable, finish: Callable) -> None:
    """The ``processes`` executor: a fresh pool (forkserver: no inherited thread pools), stopped on interrupt."""
    workers = max(1, min(pool_workers("processes"), len(pending)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver"),
                               initializer=_single_threaded)
    try:
        futures = {pool.submit(_call, fn, arguments(key)): key for key in pending}
        for future in as_completed(futures):
            error = future.exception()
            finish(futures[future], None if error else future.result(), None if error is None else _describe(error))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list(getattr(pool, "_processes", {}).values()):  # running points would go on for hours
            process.terminate()
        raise
    pool.shutdown()
