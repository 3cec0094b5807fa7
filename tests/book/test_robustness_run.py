"""`python -m thermo_utils robustness` end to end: one chapter at smoke, two seeds, the record and the page."""

import json
import os
import subprocess
import sys

import pytest

from thermo_utils.harness.paths import REPO_ROOT

pytestmark = pytest.mark.slow
CHAPTER = "thermometry"  # the quickest chapter at smoke


def test_robustness_runs_each_seed_and_writes_the_record(smoke_build):
    env = dict(os.environ, THERMO_BUILD=str(smoke_build))
    done = subprocess.run([sys.executable, "-m", "thermo_utils", "robustness", "--profile", "smoke",
                           "--seeds", "0", "1", "--only", CHAPTER], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{CHAPTER} (smoke): unchanged, cached" in done.stdout  # seed 0 is the smoke build's own run
    assert f"{CHAPTER} (smoke, seed 1): executed" in done.stdout
    record = json.loads((smoke_build / "results" / "smoke" / "robustness.json").read_text())
    seed0 = json.loads((smoke_build / "results" / "smoke" / f"{CHAPTER}.json").read_text())
    seed1 = json.loads((smoke_build / "results" / "smoke" / "seed-1" / f"{CHAPTER}.json").read_text())
    assert seed1["seed"] == 1 and seed0["seed"] == 0
    verdicts = record["chapters"][CHAPTER]
    assert set(verdicts) == {c["id"] for c in seed0["claims"]}
    for c0, c1 in zip(seed0["claims"], seed1["claims"]):
        assert verdicts[c0["id"]] == {"0": c0["verdict"], "1": c1["verdict"]}
        assert (c0["id"] in record["unstable"]) == (c0["verdict"] != c1["verdict"])
