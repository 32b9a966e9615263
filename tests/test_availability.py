"""Whether the model can run here is decided before any test (fixtures/models/availability.py): a model that is
not on this machine, not reachable, gated, half downloaded or too large for the device is one usage
error naming the model, the reason and the fix, never a traceback after work has started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import huggingface_hub
import pytest
from huggingface_hub import constants as hub_constants
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

from compressed_trust.fixtures.models import availability
from compressed_trust.fixtures.models.availability import ModelUnavailable, check_fits
from compressed_trust.fixtures.models.specs import parse_model_spec

ROOT = Path(__file__).resolve().parents[1]


def test_the_headline_command_on_a_machine_without_the_model(tmp_path):
    """`pytest --model llama2-13b --quant 4bit` offline with an empty cache: one line, exit code 4, no work."""
    run = subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "--model", "llama2-13b", "--quant", "4bit",
                          "-p", "no:cacheprovider", f"--trust-reports={tmp_path / 'reports'}",
                          f"--trust-cache={tmp_path / 'cache'}"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")})
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    line, = run.stderr.strip().splitlines()
    assert line.startswith("ERROR: --model llama2-13b: meta-llama/Llama-2-13b-hf is not in the local Hugging Face "
                           f"cache ({tmp_path / 'hub'}), and HF_HUB_OFFLINE=1 keeps the hub out of reach")
    assert "`hf download meta-llama/Llama-2-13b-hf`" in line
    assert "Traceback" not in run.stdout and "test_" not in run.stdout
    assert not (tmp_path / "reports").exists() and not (tmp_path / "cache").exists()  # nothing started


@pytest.fixture
def online(monkeypatch, tmp_path):
    """The hub reachable (as far as the suite can tell), the local cache empty; `answer(error)` makes the
    hub's safetensors metadata call raise it."""
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "hub"))

    def answer(error: Exception) -> None:
        def metadata(repo_id, revision=None, **kwargs):
            raise error
        monkeypatch.setattr(huggingface_hub, "get_safetensors_metadata", metadata)

    return answer


def _http(status: int) -> dict:
    url = "https://huggingface.co/api/models/meta-llama/Llama-2-13b-hf"
    return {"response": httpx.Response(status, request=httpx.Request("GET", url))}


@pytest.mark.parametrize("error, expected", [
    (GatedRepoError("403", **_http(403)),
     ["meta-llama/Llama-2-13b-hf is gated and this machine has no access to it",
      "https://huggingface.co/meta-llama/Llama-2-13b-hf", "`hf auth login`", "HF_TOKEN"]),
    (RepositoryNotFoundError("404", **_http(404)), ["meta-llama/Llama-2-13b-hf: no such model on the hub"]),
    (httpx.ConnectError("[Errno -2] Name or service not known"),
     ["meta-llama/Llama-2-13b-hf is not in the local Hugging Face cache", "the hub is not reachable (ConnectError: "
      "[Errno -2] Name or service not known)", "`hf download meta-llama/Llama-2-13b-hf`"]),
], ids=["gated", "no-such-model", "hub-unreachable"])
def test_a_hub_model_the_hub_does_not_give(online, error, expected):
    online(error)
    with pytest.raises(ModelUnavailable) as raised:
        availability.parameters(parse_model_spec("llama2-13b"))
    assert all(part in str(raised.value) for part in expected), str(raised.value)


def test_a_revision_the_hub_does_not_have(online):
    online(RevisionNotFoundError("404", **_http(404)))
    with pytest.raises(ModelUnavailable, match="org/name: the hub has no revision 'v9' of it"):
        availability.parameters(parse_model_spec("org/name@v9"))


def test_a_cached_hub_model_is_counted_from_its_headers(hub_cache, tiny_llama_dir):
    from transformers import AutoModelForCausalLM

    expected = sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(tiny_llama_dir).parameters())
    assert availability.parameters(parse_model_spec("org/name@rev")) == expected
    assert availability.parameters(parse_model_spec(str(tiny_llama_dir))) == expected  # a local directory alike


def test_a_half_downloaded_hub_model(hub_cache):
    snapshot, = (hub_cache / "models--org--name" / "snapshots").iterdir()
    (snapshot / "model.safetensors").rename(snapshot / "model-00001-of-00002.safetensors")
    (snapshot / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))
    with pytest.raises(ModelUnavailable, match=r"org/name: its copy in the local Hugging Face cache .* lacks 1 of its 2 "
                                               r"weight files \(model-00002-of-00002.safetensors, ...\); `hf download "
                                               r"org/name` completes it"):
        availability.parameters(parse_model_spec("org/name"))


def test_a_gguf_file_is_read_only_when_its_size_could_not_fit():
    """SmolLM2-135M (Q4_1, about 95 MB): at most 8 x 95 MB / 1.5 bits = about 510M weights."""
    default = parse_model_spec("smollm2-135m")
    assert availability.parameters(default, fitting=600_000_000) is None  # fits whatever it holds: not read
    assert 134_000_000 < availability.parameters(default, fitting=100_000_000) < 136_000_000


@pytest.mark.parametrize("count, dtype, device, free, devices, expected", [
    # 13B at float32 is 52 GB: over 24 GB; bfloat16's 26 GB are over it too
    (13e9, "float32", "cpu", 24e9, 1, ["13.0B parameters need 52.0 GB at float32", "has 24.0 GB free",
                                       "use a GPU (--trust-device cuda)"]),
    (13e9, "float32", "cpu", 30e9, 1, ["--trust-dtype bfloat16 (26.0 GB, slower on a CPU)"]),
    # 70B at bfloat16 is 140 GB: over one 80 GB GPU, within two
    (70e9, "bfloat16", "cuda:0", 80e9, 1, ["70.0B parameters need 140.0 GB at bfloat16", "--trust-tensor-parallel 2"]),
], ids=["13b-cpu", "13b-cpu-bf16-fits", "70b-one-gpu"])
def test_a_model_too_large_for_the_device(count, dtype, device, free, devices, expected):
    with pytest.raises(ModelUnavailable) as raised:
        check_fits(int(count), dtype, device, int(free), "the device", devices)
    assert all(part in str(raised.value) for part in expected), str(raised.value)


@pytest.mark.parametrize("count, dtype, free, devices", [(13e9, "bfloat16", 26e9, 1), (70e9, "bfloat16", 70e9, 2)],
                         ids=["exactly", "two-gpus"])
def test_a_model_that_fits(count, dtype, free, devices):
    check_fits(int(count), dtype, "cuda:0", int(free), "the device", devices)


def test_too_large_is_a_usage_error_before_any_test(pytester, tiny_llama_dir, monkeypatch):
    """Through the plugins as installed: the device's memory simulated at 1 kB."""
    monkeypatch.setattr(availability, "free_memory", lambda device: (1000, "this machine's memory"))
    pytester.makepyfile("def test_never(trust_options):\n    raise AssertionError('ran')\n")
    result = pytester.runpytest("--model", str(tiny_llama_dir), "--trust-device", "cpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --model {tiny_llama_dir}: its * parameters need * GB at float32, and this "
                                 "machine's memory has 0.0 GB free; use a GPU (--trust-device cuda), or a machine *"])


def test_an_unavailable_checkpoint_is_a_usage_error(pytester, monkeypatch, tmp_path):
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    pytester.makepyfile("def test_never(trust_options):\n    raise AssertionError('ran')\n")
    result = pytester.runpytest("--quant", "none,hf:org/missing-gptq")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --quant hf:org/missing-gptq: org/missing-gptq is not in the local Hugging Face "
                                 "cache *, and HF_HUB_OFFLINE=1 keeps the hub out of reach: *"])
