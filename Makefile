# The two commands of the README. Each sets up what it needs, then runs.
PY ?= python3
PIP = $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: demo test setup setup-test bench lint

setup:
	$(PIP) -e .

setup-test:
	$(PIP) -e '.[test]'

# Main job: check the real example forms and write the findings as JSON into out/.
# jixiao exits 1 when a form has 错误 — that is the expected result here, not a failure.
demo: setup
	mkdir -p out
	jixiao check examples/shifeng-2020-whole.json || [ $$? -eq 1 ]
	jixiao check examples/*.json --json > out/findings.json || [ $$? -eq 1 ]
	@echo "已写出 out/findings.json"

lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: setup-test lint
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench_check.py
