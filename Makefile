# The two commands of the README. Each sets up what it needs, then runs.
PY ?= python3
PIP = $(PY) -m pip install --quiet --disable-pip-version-check

# LibreOffice (headless) and Gnumeric are the spreadsheet programs the tests open, recalculate
# and print in.
APT_PACKAGES = libreoffice-calc-nogui python3-uno libreoffice-script-provider-python gnumeric fonts-noto-cjk poppler-utils
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup setup-test system-packages bench lint lint-imports templates render fuzz

setup:
	$(PIP) -e .

system-packages:
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); }

setup-test: system-packages
	$(PIP) -e '.[test]'

# Main job: fill a real submitted form into its standard workbook, validate the workbook
# and write the annotated copy (out/石峰区2020整体支出_校验.xlsm).
# jixiao exits 1 when a form has 错误 — that is the expected result here, not a failure.
DEMO = out/石峰区2020整体支出
demo: setup
	mkdir -p out
	rm -f $(DEMO).xlsm $(DEMO)_校验.xlsm
	jixiao import examples/shifeng-2020-whole.json -o $(DEMO).xlsm
	jixiao validate $(DEMO).xlsm || [ $$? -eq 1 ]
	jixiao check examples/*.json --json > out/findings.json || [ $$? -eq 1 ]
	@echo "带标记的工作簿：$(DEMO)_校验.xlsm；四张示例表的问题（JSON）：out/findings.json"

lint: setup-test lint-imports
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The layer contracts (pyproject.toml [tool.importlinter]) on the package as installed:
# udfs/ and macros/ become jixiao.udfs and jixiao.macros only in an installed copy.
LINT_DIR = build/lint-imports
lint-imports: setup-test
	rm -rf $(LINT_DIR)
	$(PIP) --no-deps --target $(LINT_DIR) .
	cd $(LINT_DIR) && lint-imports $(CURDIR)/pyproject.toml

test: setup-test lint
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench_check.py

# Rebuild the committed workbooks after changing the layout, formulas, UDFs or macros.
templates: setup-test
	$(PY) xlsx_templates/build.py

# Render every template to PDF and PNG pages (out/render/) to look at them.
render: setup-test
	$(PY) xlsx_templates/render.py

# The long fuzz run (tests/fuzz/README.md): FUZZ_CASES mutated files through validate, clear,
# check, export and import, on every core. A failing case prints the command that reruns it.
FUZZ_SEED ?= 20261201
FUZZ_CASES ?= 5000
fuzz: setup
	$(PY) -m tests.fuzz.run --seed $(FUZZ_SEED) --cases $(FUZZ_CASES)
