# The two commands a new machine needs (see README):
#   make demo   — set up, then run the platform's main job on the embedded default
#   make test   — set up, then run every check CI runs
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

SYSTEM_STAMP := $(VENV)/.system-$(shell cksum scripts/system_deps.sh | cut -d' ' -f1)

# pyam in a venv of its own: the test that checks our IAMC files are readable by pyam runs it
# in a subprocess (pyam's dependencies would replace packages of the main venv, e.g. httpx).
PYAM_VENV := .venv-pyam
PYAM_SPEC := pyam-iamc>=3,<5
PYAM_STAMP := $(PYAM_VENV)/.installed-$(shell echo '$(PYAM_SPEC)' | cksum | cut -d' ' -f1)

$(PYAM_STAMP):
	test -x $(PYAM_VENV)/bin/python || $(PYTHON) -m venv $(PYAM_VENV)
	$(PYAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYAM_VENV)/bin/python -m pip install --quiet '$(PYAM_SPEC)'
	rm -f $(PYAM_VENV)/.installed-*
	touch $(PYAM_STAMP)

# Debian packages (CJK fonts, Chromium, poppler): installed once, only what is missing.
$(SYSTEM_STAMP): scripts/system_deps.sh $(STAMP)
	bash scripts/system_deps.sh
	rm -f $(VENV)/.system-*
	touch $(SYSTEM_STAMP)

.PHONY: setup demo test lint bench
setup: $(STAMP) $(SYSTEM_STAMP) $(PYAM_STAMP)

demo: setup
	$(BIN)/citycarbon demo

lint: setup
	$(BIN)/python scripts/build_refdata.py --check
	$(BIN)/python scripts/vendor_assets.py --check
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/inventory.py --rows 1000000
	$(BIN)/python bench/inventory.py --rows 10000000
	$(BIN)/python bench/intake.py --rows 1000000
	$(BIN)/python bench/api.py
	$(BIN)/python bench/pathways.py
	$(BIN)/python bench/rollup.py --rows 10000000
