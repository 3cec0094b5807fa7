#!/usr/bin/env bash
# The book on a GPU, in one prepared run: every chapter at `smoke` with device=cuda (it must run and its
# results file must say it ran on CUDA), then the first minutes of each `paper` profile, with the pace and the
# projected cost read from the sweeps' own progress records. Nothing here is a test; CI never runs it.
#
#   bash benchmarks/gpu_check.sh [SECONDS_PER_PAPER_CHAPTER]    (default 60; writes a summary to $OUT or _build/)
set -uo pipefail
cd "$(dirname "$0")/.."
PAPER_S=${1:-60}
PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
REPORT_DIR=${OUT:-_build}
mkdir -p "$REPORT_DIR"
REPORT="$REPORT_DIR/gpu_check.txt"
export THERMO_BUILD=${THERMO_BUILD:-$PWD/_build/gpu_check}
CHAPTERS=$("$PY" -c "from thermo_utils.harness.registry import CHAPTERS; print(' '.join(c.slug for c in CHAPTERS))")

{
  echo "# gpu_check $(date -u +%FT%TZ)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none"
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
} | tee "$REPORT"

if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "no CUDA device: nothing to check (device=cuda would be refused before any work)" | tee -a "$REPORT"
  exit 1
fi

echo "## smoke, device=cuda" | tee -a "$REPORT"
for slug in $CHAPTERS; do
  start=$(date +%s.%N)
  if "$PY" -m thermo_utils run "$slug" --profile smoke -p device cuda --force > "$THERMO_BUILD.$slug.smoke.log" 2>&1; then
    state=ok
  else
    state="FAILED ($(grep -m1 '^error' "$THERMO_BUILD.$slug.smoke.log" | cut -c1-160))"
  fi
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  ran_on=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['environment']['device'])" \
           "$THERMO_BUILD/results/smoke/$slug.json" 2>/dev/null || echo "?")
  printf "%-20s %-8s %7.1f s  ran on: %s\n" "$slug" "$state" "$wall" "$ran_on" | tee -a "$REPORT"
done

echo "## paper, device=auto, first ${PAPER_S} s of each chapter (pace and projection from progress.json)" | tee -a "$REPORT"
for slug in $CHAPTERS; do
  timeout "$PAPER_S" "$PY" -m thermo_utils run "$slug" --profile paper -p device cuda --force \
    > "$THERMO_BUILD.$slug.paper.log" 2>&1
  "$PY" - "$slug" "$THERMO_BUILD/sweeps/paper/$slug" <<'PYEOF' | tee -a "$REPORT"
import json, sys
from pathlib import Path
slug, folder = sys.argv[1], Path(sys.argv[2])
records = [json.loads(p.read_text()) for p in folder.glob("**/progress.json")] if folder.exists() else []
if not records:
    print(f"{slug:20s} no sweep point finished in the time given (see the log for the chapter's own estimate)")
for r in records:
    eta = r.get("remaining_s")
    done, total, elapsed = r.get("done", 0), r.get("total", 0), r.get("elapsed_s", 0.0)
    pace = f"{elapsed / done:.1f} s/point" if done else "no point done"
    projected = f"{(elapsed + eta) / 3600:.2f} h" if eta is not None else "unknown"
    print(f"{slug:20s} {r.get('desc', 'sweep')}: {done}/{total} points in {elapsed:.0f} s ({pace}); projected {projected}")
PYEOF
done
echo "summary written to $REPORT"
