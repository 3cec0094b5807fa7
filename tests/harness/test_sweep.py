"""thermo_utils.harness.sweep: executors give the same numbers, nothing finished is lost, failures name their point.

Recomputations are counted through files each call leaves behind, so the counts hold across processes
(the pool, the Dask workers and a sweep killed with SIGKILL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from thermo_utils.harness.sweep import (
    Checkpoint,
    CodeMismatch,
    SweepError,
    SweepProgress,
    _call_checked,
    _package_imports,
    check_executor,
    code_of,
    executor_problem,
    pool_workers,
    read_checked,
    run_sweep,
    source_hash,
    write_checked,
)

# --- point functions (module level, so the pool and the Dask workers can import them) --------------------


def noisy_mean(x: float, seed: int, log_dir: str) -> float:
    """A seeded computation whose number would differ if a worker used another seed or input."""
    Path(log_dir, f"{x}-{seed}-{uuid.uuid4().hex}").touch()
    if x < 0:
        raise ValueError(f"x = {x} is negative")
    rng = np.random.default_rng(seed)
    return float(np.mean(np.sin(x * rng.standard_normal(20_000))))


def fails_on_two(x: int, log_dir: str) -> int:
    Path(log_dir, f"{x}-{uuid.uuid4().hex}").touch()
    if x == 2:
        raise ValueError(f"x = {x} is not allowed")
    return x * x


def worker_pid(x: int) -> int:
    time.sleep(0.2)
    return os.getpid()


def random_walk(n_steps: int, seed: int, log_dir: str, stop_marker: str = "", every: int = 10,
                checkpoint_path: str | None = None) -> float:
    """A long point: a seeded random walk that checkpoints its position and generator every ``every`` steps.

    If ``stop_marker`` names an existing file, the walk deletes it and is interrupted at step 25 (a Ctrl-C).
    Each executed step leaves a line in ``log_dir/steps``.
    """
    checkpoint = Checkpoint(checkpoint_path, every=every)
    step, (position, rng) = checkpoint.load() or (0, (0.0, np.random.default_rng(seed)))
    with open(Path(log_dir, "steps"), "a") as steps:
        while step < n_steps:
            position += rng.standard_normal()
            step += 1
            steps.write(f"{step}\n")
            if checkpoint.due(step):
                checkpoint.save(step, (position, rng))
            if step == 25 and stop_marker and os.path.exists(stop_marker):
                os.remove(stop_marker)
                raise KeyboardInterrupt
    return position


def calls(log_dir: Path, prefix: str = "") -> int:
    return len([p for p in Path(log_dir).iterdir() if p.name.startswith(prefix) and p.name != "steps"])


def steps_run(log_dir: Path) -> list[int]:
    return [int(s) for s in Path(log_dir, "steps").read_text().split()]


@pytest.fixture
def dirs(tmp_path):
    (tmp_path / "log").mkdir()
    return tmp_path / "cache", tmp_path / "log"


# --- executors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["dask", "Local", "tcp://", "tcp://host", "tcp://host:0", "tcp://host:99999",
                                 "http://host:8786", "", None, 3])
def test_bad_executor_is_rejected_before_any_work(bad, dirs):
    cache, log = dirs
    with pytest.raises(ValueError, match=r"'local', 'processes' or a Dask scheduler address 'tcp://host:port'"):
        run_sweep(noisy_mean, [dict(x=1.0, seed=0, log_dir=str(log))], cache_dir=cache, executor=bad, quiet=True)
    assert calls(log) == 0 and not cache.exists()


@pytest.mark.parametrize("good", ["local", "processes", "tcp://127.0.0.1:8786", "tcp://scheduler.lab:8786",
                                  "tcp://[::1]:8786"])
def test_valid_executors_are_accepted(good):
    assert check_executor(good) == good
    assert "tcp://host:port" in executor_problem(good + "x")


def test_a_scheduler_address_that_nobody_answers_fails_the_config_check():
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert "no Dask scheduler answers there" in executor_problem(f"tcp://127.0.0.1:{port}")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert executor_problem(f"tcp://127.0.0.1:{server.getsockname()[1]}") is None
    assert executor_problem("local") is None and executor_problem("processes") is None


@pytest.mark.parametrize("points, message", [
    ([3], "must be a dict"),
    ([dict(x=object(), seed=0)], "not JSON-able"),
    ([dict(x=np.arange(3), seed=0)], "not JSON-able"),
    ([dict(x=1.0, seed=0, checkpoint_path="a")], "supplied by run_sweep"),
])
def test_bad_points_are_rejected_before_any_work(points, message, dirs):
    cache, log = dirs
    good = dict(x=2.0, seed=1, log_dir=str(log))
    with pytest.raises((TypeError, ValueError), match=message):
        run_sweep(noisy_mean, [good] + [{**p, "log_dir": str(log)} if isinstance(p, dict) else p for p in points],
                  cache_dir=cache, quiet=True)
    assert calls(log) == 0


def test_cached_sweep_refuses_functions_without_a_stable_name(dirs):
    cache, log = dirs
    with pytest.raises(TypeError, match="module-level function"):
        run_sweep(lambda x: x, [dict(x=1)], cache_dir=cache, quiet=True)
    assert run_sweep(lambda x: 2 * x, [dict(x=1)], quiet=True) == [2]  # without a cache nothing is keyed


def test_local_sweep_equals_a_plain_loop_and_is_cached(dirs):
    cache, log = dirs
    points = [dict(x=x, seed=s, log_dir=str(log)) for x in (0.5, 1.5) for s in (0, 1)]
    expected = [noisy_mean(**p) for p in points]
    assert run_sweep(noisy_mean, points, cache_dir=cache, quiet=True) == expected
    assert calls(log) == 2 * len(points)
    # numpy scalars and a repeated point: same keys, nothing recomputed, results in the points' order
    again = [dict(x=np.float64(p["x"]), seed=np.int64(p["seed"]), log_dir=p["log_dir"]) for p in points]
    assert run_sweep(noisy_mean, again + again[:1], cache_dir=cache, quiet=True) == expected + expected[:1]
    assert calls(log) == 2 * len(points)
    record = json.loads((cache / "progress.json").read_text())
    assert (record["done"], record["total"], record["cached"], record["failed"]) == (5, 5, 5, 0)
    # a finished sweep needs no workers: an unreachable scheduler is never contacted
    assert run_sweep(noisy_mean, points, cache_dir=cache, executor="tcp://127.0.0.1:9", quiet=True) == expected


def test_processes_executor_gives_the_local_numbers_and_reports_failures(dirs):
    cache, log = dirs
    points = [dict(x=x, seed=7, log_dir=str(log)) for x in (0.1, 0.2, 0.3)]
    failing = dict(x=-1.0, seed=7, log_dir=str(log))
    expected = [noisy_mean(**p) for p in points]
    with pytest.raises(SweepError, match=r'"x": -1.0.*ValueError: x = -1.0 is negative') as caught:
        run_sweep(noisy_mean, points + [failing], cache_dir=cache, executor="processes", quiet=True)
    assert [p for p, _ in caught.value.failures] == [failing]
    assert calls(log) == 2 * len(points) + 1
    assert run_sweep(noisy_mean, points, cache_dir=cache, quiet=True) == expected  # kept by the pool's run
    assert calls(log) == 2 * len(points) + 1


def test_failed_point_is_reported_with_its_parameters_and_the_others_are_kept(dirs):
    cache, log = dirs
    points = [dict(x=x, log_dir=str(log)) for x in range(5)]
    with pytest.raises(SweepError) as caught:
        run_sweep(fails_on_two, points, cache_dir=cache, quiet=True)
    assert [p for p, _ in caught.value.failures] == [points[2]]
    text = caught.value.failures[0][1]
    assert "ValueError: x = 2 is not allowed" in text and "in fails_on_two" in text
    assert '"x": 2' in str(caught.value)
    assert calls(log) == 5 and len(list(cache.glob("*.pkl"))) == 4
    # the re-run computes the failing point only
    with pytest.raises(SweepError):
        run_sweep(fails_on_two, points, cache_dir=cache, quiet=True)
    assert calls(log) == 6 and calls(log, "2-") == 2


def test_killed_sweep_rerun_computes_only_the_missing_points(tmp_path, monkeypatch):
    """A sweep in a subprocess is killed (SIGKILL) while its fourth point runs; the re-run finishes the rest."""
    source_hash.cache_clear()  # hash the source now, as the subprocess will, not when an earlier test did
    source_hash()
    (tmp_path / "log").mkdir()
    Path(tmp_path, "sweep_job.py").write_text(textwrap.dedent("""
        import time
        from pathlib import Path

        def slow_square(x, log_dir):
            Path(log_dir, f"{x}-started").touch()
            if x == 3 and Path(log_dir, "block").exists():
                time.sleep(60)  # killed here
            Path(log_dir, f"{x}-done-{time.perf_counter_ns()}").touch()
            return x * x
    """))
    Path(tmp_path, "log", "block").touch()
    monkeypatch.syspath_prepend(str(tmp_path))
    import sweep_job

    points = [dict(x=x, log_dir=str(tmp_path / "log")) for x in range(6)]
    script = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import sweep_job\n"
              f"from thermo_utils.harness.sweep import run_sweep\n"
              f"run_sweep(sweep_job.slow_square, {points!r}, cache_dir={str(tmp_path / 'cache')!r}, quiet=True)\n")
    job = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not Path(tmp_path, "log", "3-started").exists():
        assert job.poll() is None, job.stderr.read().decode()
        assert time.monotonic() < deadline, "the sweep did not reach its fourth point"
        time.sleep(0.05)
    job.send_signal(signal.SIGKILL)
    job.wait()
    assert job.returncode == -signal.SIGKILL
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 3  # points 0, 1, 2 were kept

    Path(tmp_path, "log", "block").unlink()
    assert run_sweep(sweep_job.slow_square, points, cache_dir=tmp_path / "cache", quiet=True) == [x * x for x in range(6)]
    done = [p.name.split("-")[0] for p in (tmp_path / "log").glob("*-done-*")]
    assert sorted(done) == ["0", "1", "2", "3", "4", "5"]  # each point completed exactly once


def test_corrupted_cache_files_are_recomputed_with_a_warning(dirs):
    cache, log = dirs
    points = [dict(x=x, seed=0, log_dir=str(log)) for x in (1.0, 2.0, 3.0)]
    expected = run_sweep(noisy_mean, points, cache_dir=cache, quiet=True)
    files = sorted(cache.glob("*.pkl"))
    truncated, altered = files[0], files[1]
    truncated.write_bytes(truncated.read_bytes()[:-5])
    data = bytearray(altered.read_bytes())
    data[-3] ^= 0xFF
    altered.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="corrupted cached sweep point") as caught:
        assert run_sweep(noisy_mean, points, cache_dir=cache, quiet=True) == expected
    assert len(caught) == 2
    assert calls(log) == 3 + 2


def test_checksummed_files_detect_changes(tmp_path):
    path = tmp_path / "value.pkl"
    write_checked(path, {"a": np.arange(4)})
    assert read_checked(path)["a"].tolist() == [0, 1, 2, 3]
    path.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not a checksummed file"):
        read_checked(path)


def test_a_point_key_covers_the_package_modules_its_function_imports(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(textwrap.dedent("""
        import numpy
        import thermo_utils.harness.paths
        from . import cache, fitting as fit
        from .profiles import ConfigSpec
        from ..other import thing

        def later():
            from thermo_utils.core.seeding import numpy_rng
    """))
    found = _package_imports(source, "thermo_utils.configs.module")
    assert {"thermo_utils", "thermo_utils.configs", "thermo_utils.harness.paths", "thermo_utils.configs.cache",
            "thermo_utils.configs.fitting", "thermo_utils.configs.profiles", "thermo_utils.other",
            "thermo_utils.core.seeding"} <= found
    assert not any(name.startswith("numpy") for name in found)
    from thermo_utils.core import fitting

    assert code_of(fitting.power_law_fit) != source_hash()  # a package function is keyed by its own closure
    assert code_of(noisy_mean) == source_hash()  # a function outside the package by the whole package


# --- checkpoints -------------------------------------------------------------------------------------------


def test_checkpoint_resume_gives_the_uninterrupted_numbers(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    plain = random_walk(100, seed=3, log_dir=str(log))  # no checkpoint path: nothing saved
    assert not list(tmp_path.glob("*.ckpt"))
    Path(log, "steps").unlink()

    marker, ckpt = tmp_path / "stop", tmp_path / "walk.ckpt"
    marker.touch()
    with pytest.raises(KeyboardInterrupt):
        random_walk(100, seed=3, log_dir=str(log), stop_marker=str(marker), checkpoint_path=str(ckpt))
    assert Checkpoint(ckpt, every=10).load()[0] == 20
    assert random_walk(100, seed=3, log_dir=str(log), stop_marker=str(marker), checkpoint_path=str(ckpt)) == plain
    assert steps_run(log) == list(range(1, 26)) + list(range(21, 101))  # resumed after the save at step 20


def test_corrupted_checkpoint_is_warned_about_and_ignored(tmp_path):
    checkpoint = Checkpoint(tmp_path / "sub" / "state.ckpt", every=5)
    assert checkpoint.load() is None and (tmp_path / "sub").is_dir()
    assert [s for s in range(1, 16) if checkpoint.due(s)] == [5, 10, 15]
    checkpoint.save(10, {"w": [1.0, 2.0]})
    assert checkpoint.load() == (10, {"w": [1.0, 2.0]})
    data = bytearray(checkpoint.path.read_bytes())
    data[-2] ^= 0x01
    checkpoint.path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="corrupted checkpoint"):
        assert checkpoint.load() is None
    checkpoint.path.write_bytes(b"")
    with pytest.warns(UserWarning, match="corrupted checkpoint"):
        assert checkpoint.load() is None
    checkpoint.clear()
    assert not checkpoint.path.exists()
    disabled = Checkpoint(None, every=5)
    disabled.save(5, 1)
    assert disabled.load() is None and not disabled.due(5)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="positive number of steps"):
            Checkpoint(tmp_path / "x", every=bad)


def test_sweep_resumes_an_interrupted_long_point_from_its_checkpoint(dirs, tmp_path):
    cache, log = dirs
    marker = tmp_path / "stop"
    point = dict(n_steps=60, seed=1, log_dir=str(log), stop_marker=str(marker))
    plain = random_walk(**point)
    Path(log, "steps").unlink()
    marker.touch()
    with pytest.raises(KeyboardInterrupt):
        run_sweep(random_walk, [point], cache_dir=cache, quiet=True)
    assert len(list((cache / "checkpoints").glob("*.ckpt"))) == 1
    assert run_sweep(random_walk, [point], cache_dir=cache, quiet=True) == [plain]
    assert steps_run(log) == list(range(1, 26)) + list(range(21, 61))
    assert not list((cache / "checkpoints").glob("*.ckpt"))  # removed once the result is cached


# --- progress ----------------------------------------------------------------------------------------------


def test_progress_estimates_the_time_left_from_the_computed_points(tmp_path, monkeypatch):
    now = [100.0]
    monkeypatch.setattr("thermo_utils.harness.sweep.time.perf_counter", lambda: now[0])
    progress = SweepProgress(total=10, cached=2, desc="grid", quiet=True, record=tmp_path / "progress.json")
    assert progress.remaining_s() is None  # nothing computed yet: no estimate
    now[0] = 104.0
    progress.update()
    progress.update()  # 2 points computed in 4 s, 6 left: 12 s
    record = json.loads((tmp_path / "progress.json").read_text())
    assert (record["done"], record["total"], record["cached"]) == (4, 10, 2)
    assert record["elapsed_s"] == pytest.approx(4.0) and record["remaining_s"] == pytest.approx(12.0)
    assert record["summary"] == "grid: 4/10 points (2 from cache, 0 failed), 4.0 s elapsed, about 12 s left"
    progress.close()


# --- Dask ----------------------------------------------------------------------------------------------------


def test_dask_local_cluster_gives_the_local_numbers(dirs):
    distributed = pytest.importorskip("distributed")
    cache, log = dirs
    points = [dict(x=x, seed=s, log_dir=str(log)) for x in (0.25, 0.75, 1.25) for s in (0, 1)]
    expected = [noisy_mean(**p) for p in points]
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        with distributed.Client(address) as client:
            worker_pids = set(client.run(os.getpid).values())
            client.run(source_hash)  # workers and this process hash the source at the same moment
        source_hash.cache_clear()
        source_hash()
        assert run_sweep(noisy_mean, points, cache_dir=cache, executor=address, quiet=True) == expected
        assert calls(log) == 2 * len(points)
        assert run_sweep(noisy_mean, points, cache_dir=cache, executor=address, quiet=True) == expected
        assert calls(log) == 2 * len(points)  # all cached: nothing sent to the workers

        pids = run_sweep(worker_pid, [dict(x=x) for x in range(6)], executor=address, quiet=True)
        assert set(pids) <= worker_pids and os.getpid() not in pids

        with pytest.raises(SweepError, match=r'"x": 2.*ValueError: x = 2 is not allowed') as caught:
            run_sweep(fails_on_two, [dict(x=x, log_dir=str(log)) for x in range(4)], cache_dir=cache,
                      executor=address, quiet=True)
        assert len(caught.value.failures) == 1
        assert len(list(cache.glob("*.pkl"))) == len(points) + 3


def test_a_worker_with_other_code_is_refused():
    with pytest.raises(CodeMismatch, match="same checkout on every worker"):
        _call_checked(worker_pid, dict(x=0), code="0" * 64)


def test_pool_workers_is_one_per_usable_core_for_processes_and_one_otherwise():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert pool_workers("processes") == cores >= 1
    assert pool_workers("local") == 1 and pool_workers("tcp://127.0.0.1:8786") == 1
