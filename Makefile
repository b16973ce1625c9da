# Two commands do everything: `make demo` and `make test`; both bootstrap .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m bot shell

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

typecheck: $(STAMP)
	$(BIN)/mypy bot

unit: $(STAMP)
	$(BIN)/python -m bot faq check
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/faq_quality.py
	$(BIN)/python bench/faq_speed.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
