# Two commands do all the set-up from a fresh clone with only Python 3.11:
#   make demo   write a report for each illustrative example contract
#   make test   run the test suite
# Both create .venv, install sroi with its extras and register the Jupyter
# kernel "sroi" inside .venv (nothing is installed outside the project folder).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast benchmark dashboard screenshots strip clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name sroi --display-name "Python (sroi)" >/dev/null
	touch $(STAMP)

demo: setup
	$(BIN)/sroi batch parameters/ --out reports
	@echo
	@echo "Reports for the illustrative example contracts are in reports/:"
	@ls -1d reports/*/ | sed 's/^/  /'
	@echo "Open reports/<contract>/report.html in a browser; check one with: .venv/bin/sroi audit reports/<contract>"

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

benchmark: setup
	$(BIN)/python benchmarks/valuation.py
	$(BIN)/python benchmarks/proxies.py
	$(BIN)/python benchmarks/reports.py
	$(BIN)/python benchmarks/portfolio.py
	$(BIN)/python benchmarks/uncertainty.py
	$(BIN)/python benchmarks/print_copies.py

# Serve the portfolio dashboard for the reports made by `make demo`.
dashboard: setup
	$(BIN)/sroi dashboard --reports reports

# The pictures in README.md and docs/reports.md: one report page, its PDF's first page and the dashboard
# (needs Chromium: apt-get install chromium).
screenshots: setup
	$(BIN)/python scripts/screenshots.py --out docs/img

# Strip outputs from every notebook (the tests refuse committed outputs).
strip: setup
	$(BIN)/nbstripout notebooks/*.ipynb

clean:
	rm -rf $(VENV) reports .pytest_cache .hypothesis
