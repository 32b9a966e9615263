"""The response cache: what its key covers, concurrent writers, a writer killed half way."""

from __future__ import annotations

import dataclasses
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import compressed_trust.fixtures.engine.engine
from compressed_trust.fixtures.cache import ResponseCache, cache_key
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.requests import GenerationRequest
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE

ROOT = Path(__file__).resolve().parents[1]
BASE = GenerationRequest(messages=[("user", "tell me a story about the cat")], max_new_tokens=6,
                         temperature=1.0, top_p=0.9, n=1, seed=1)


def test_key_ignores_argument_order_but_not_values():
    assert cache_key(a=1, b="x") == cache_key(b="x", a=1)
    assert cache_key(a=1, b="x") != cache_key(a=1, b="y")


@pytest.fixture
def warmed(tiny_llama_dir, tmp_path):
    """A handle and a cache that already hold the outputs of BASE."""
    handle = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path, device="cpu")
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    Engine(handle, cache, progress_file=None).generate([BASE])
    return handle, cache


def _computed(handle, cache, request=BASE) -> int:
    engine = Engine(handle, cache, progress_file=None)
    engine.generate([request])
    return engine.stats["rows_computed"]


def test_identical_request_is_a_hit(warmed):
    assert _computed(*warmed) == 0


@pytest.mark.parametrize("change", [
    {"messages": [("user", "tell me a story about the dog")]},
    {"max_new_tokens": 7}, {"temperature": 0.9}, {"top_p": 0.8}, {"seed": 2},
], ids=lambda change: next(iter(change)))
def test_any_request_change_is_a_miss(warmed, change):
    assert _computed(*warmed, dataclasses.replace(BASE, **change)) == 1


def test_each_sample_index_has_its_own_entry(warmed):
    """n=3 reuses sample 0 and computes samples 1 and 2."""
    assert _computed(*warmed, dataclasses.replace(BASE, n=3)) == 2


@pytest.mark.parametrize("component", ["model", "variant", "dtype", "device", "torch", "transformers"])
def test_any_model_identity_change_is_a_miss(warmed, monkeypatch, component):
    handle, cache = warmed
    identity = handle.identity()
    monkeypatch.setattr(handle, "identity", lambda: {**identity, component: identity[component] + "-other"})
    assert _computed(handle, cache) == 1


def test_engine_version_and_chat_template_are_in_the_key(warmed, monkeypatch):
    handle, cache = warmed
    monkeypatch.setattr(compressed_trust.fixtures.engine.engine, "ENGINE_VERSION",
                        compressed_trust.fixtures.engine.engine.ENGINE_VERSION + "-next")
    assert _computed(handle, cache) == 1
    monkeypatch.undo()
    monkeypatch.setattr(handle.tokenizer, "chat_template", handle.tokenizer.chat_template.replace("User: ", "Q: "))
    assert _computed(handle, cache) == 1


_WRITER = textwrap.dedent("""
    import sys
    from compressed_trust.fixtures.cache import ResponseCache
    cache, name, count = ResponseCache(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(count):
        cache.put_many({f"{name}-{i}": {"i": i}, f"shared-{i}": i})
""")


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "responses.sqlite3"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name, "300"], cwd=ROOT)
               for name in ("a", "b", "c")]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    cache = ResponseCache(path)
    found = cache.get_many([f"{name}-{i}" for name in "abc" for i in range(300)])
    assert len(found) == 900 and found["b-299"] == {"i": 299}
    assert len(cache) == 900 + 300


def _open_and_write(path, name, start):
    start.wait()
    ResponseCache(path).put_many({name: name})


def test_processes_opening_a_fresh_cache_at_once_all_succeed(tmp_path):
    # Opening is where the race is (switching a new file to WAL), so every round uses a new file.
    fork = multiprocessing.get_context("fork")
    for round in range(20):
        path, start = tmp_path / f"{round}.sqlite3", fork.Barrier(8)
        openers = [fork.Process(target=_open_and_write, args=(path, f"p{i}", start)) for i in range(8)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(timeout=60)
        assert [opener.exitcode for opener in openers] == [0] * 8, f"round {round}: an opener failed"
        assert len(ResponseCache(path)) == 8


_KILLED_RUN = textwrap.dedent("""
    import os, signal, sys
    from compressed_trust.fixtures.cache import ResponseCache
    from compressed_trust.fixtures.engine.engine import Engine
    from compressed_trust.fixtures.engine.hf_backend import HfBackend
    from compressed_trust.fixtures.engine.requests import GenerationRequest
    from compressed_trust.fixtures.models.handles import ModelHandle
    from compressed_trust.fixtures.models.specs import parse_model_spec
    from compressed_trust.fixtures.models.variants import DENSE
    from tests.test_cache import KILLED_REQUESTS
    model_dir, cache_path = sys.argv[1], sys.argv[2]
    handle = ModelHandle(parse_model_spec(model_dir), DENSE, os.path.dirname(cache_path), device="cpu")
    cache = ResponseCache(cache_path)
    put_many = cache.put_many
    def dies_after_the_first_write(items):
        put_many(items)
        os.kill(os.getpid(), signal.SIGKILL)
    cache.put_many = dies_after_the_first_write
    Engine(handle, cache, progress_file=None, backend=HfBackend(handle, len(KILLED_REQUESTS))).generate(KILLED_REQUESTS)
""")
# One batch of rows of which some end (at end of sequence) long before the others.
KILLED_REQUESTS = [GenerationRequest(text=text, max_new_tokens=10) for text in (
    "the cat", "dog sat on", "a red mat", "yes no maybe", "one two three four", "hello world", "tell me a story",
    "the sky is blue")]


def test_killed_run_keeps_every_finished_row(tiny_llama_dir, tmp_path):
    """Killed right after the first rows of a batch end: those rows are kept, the rest is computed again."""
    handle = ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path, device="cpu")
    expected = Engine(handle, progress_file=None).generate(KILLED_REQUESTS)
    lengths = [len(handle.tokenizer(text, add_special_tokens=False)["input_ids"]) for [text] in expected]
    assert min(lengths) < max(lengths), f"the rows must end at different steps for this test: {lengths}"
    path = tmp_path / "responses.sqlite3"
    run = subprocess.run([sys.executable, "-c", _KILLED_RUN, str(tiny_llama_dir), str(path)], cwd=ROOT)
    assert run.returncode == -signal.SIGKILL
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    first = {index for index, length in enumerate(lengths) if length == min(lengths)}
    assert len(ResponseCache(path)) == len(first), "not only (or not all) the rows that ended first were kept"
    engine = Engine(handle, ResponseCache(path), progress_file=None)
    assert engine.generate(KILLED_REQUESTS) == expected
    assert (engine.stats["cache_hits"], engine.stats["rows_computed"]) == (len(first), len(KILLED_REQUESTS) - len(first))
