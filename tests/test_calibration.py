"""Calibration sets: sources, sizes by tier, the seed, and the self-generated default (cached)."""

from __future__ import annotations

import json
import random

import pytest

from compressed_trust.compressors import calibration
from compressed_trust.fixtures.cache import ResponseCache
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE
from tests.conftest import WORDS


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir, tmp_path_factory):
    return ModelHandle(parse_model_spec(str(tiny_llama_dir)), DENSE, tmp_path_factory.mktemp("cache"), device="cpu")


def _lines(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(25)) for _ in range(count)]


def test_sources_are_checked(tmp_path):
    assert calibration.parse_calibration("self") == "self"
    assert calibration.parse_calibration("hf:allenai/c4:en") == "hf:allenai/c4:en"
    text = tmp_path / "calib.txt"
    text.write_text("hello\n")
    assert calibration.parse_calibration(str(text)) == str(text.resolve())
    with pytest.raises(ValueError, match=r"'c4' is not a calibration source; accepted: self, hf:<dataset>"):
        calibration.parse_calibration("c4")
    with pytest.raises(ValueError, match="no such calibration file"):
        calibration.parse_calibration(str(tmp_path / "missing.jsonl"))


def test_a_text_file_fills_the_tier_size_and_the_seed_orders_it(tiny, tmp_path):
    source = tmp_path / "calib.txt"
    source.write_text("\n".join(_lines(200)))
    first = calibration.build(str(source), "smoke", 0, tiny.tokenizer, None)
    assert first.shape == calibration.SIZES["smoke"] == (16, 256)
    assert calibration.build(str(source), "smoke", 0, tiny.tokenizer, None) == first
    other = calibration.build(str(source), "smoke", 1, tiny.tokenizer, None)
    assert other.fingerprint != first.fingerprint
    known = set(tiny.tokenizer.convert_tokens_to_ids(WORDS))
    assert {token for sample in first.samples for token in sample} <= known


def test_alpaca_rows_are_rendered_as_chats(tiny, tmp_path):
    rows = [{"instruction": line[:40], "input": "", "output": line} for line in _lines(120)]
    source = tmp_path / "alpaca.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in rows))
    built = calibration.build(str(source), "smoke", 0, tiny.tokenizer, None)
    # The tiny tokenizer knows every word of the rows but not the chat template's "User:" and
    # "Assistant:" (the plain template of a model without one): two unknown tokens per conversation.
    # A conversation is about 35 tokens, so 4096 tokens hold over 100 of them and 200 unknown tokens;
    # the same words as plain text give none (previous test).
    unknown = sum(sample.count(tiny.tokenizer.unk_token_id) for sample in built.samples)
    assert unknown > 200


def test_too_little_text_names_what_the_tier_needs(tiny, tmp_path):
    source = tmp_path / "short.txt"
    source.write_text("\n".join(_lines(10)))
    with pytest.raises(ValueError, match="gives 250 tokens; --trust-tier smoke needs 16 samples of 256 = 4096"):
        calibration.build(str(source), "smoke", 0, tiny.tokenizer, None)


def test_self_generated_text_is_deterministic_and_cached(tiny, tmp_path):
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    first = calibration.build("self", "smoke", 3, tiny.tokenizer, Engine(tiny, cache, progress_file=None))
    assert first.shape == (16, 256)
    again_engine = Engine(tiny, cache, progress_file=None)
    assert calibration.build("self", "smoke", 3, tiny.tokenizer, again_engine) == first
    assert again_engine.stats["new_tokens"] == 0 and again_engine.stats["cache_hits"] > 0
    other = calibration.build("self", "smoke", 4, tiny.tokenizer, Engine(tiny, cache, progress_file=None))
    assert other.fingerprint != first.fingerprint
