"""Slow tests: run with `make test-slow` (`pytest -m slow`); the default run skips them."""
