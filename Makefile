# Two commands do everything: `make demo` and `make test`; both bootstrap .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint typecheck unit bench clean

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
	$(BIN)/mypy bot tests

unit: $(STAMP)
	$(BIN)/python -m bot faq check
	$(BIN)/pytest -q

# The slow tests `make test` skips: the real process SIGKILLed 80 times (about two minutes).
test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python bench/faq_quality.py
	$(BIN)/python bench/faq_speed.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
