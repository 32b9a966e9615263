"""Preflight: before any trust dimension is measured, each variant of the model under test must answer
chat prompts with text and stop on its own. A variant that fails here (empty output, or never an
end-of-sequence token: a wrong tokenizer or a broken compression) would make every dimension's
parser fail for reasons that have nothing to do with trust."""

from __future__ import annotations

import pytest

from compressed_trust.compressors.verify import MIN_PROBE_CHANGE, SPARSITY_TOLERANCE
from compressed_trust.fixtures.engine.requests import GenerationRequest

pytestmark = pytest.mark.preflight

QUESTIONS = ("What is the capital of France?", "Name a fruit that is yellow.", "What is 3 + 4?",
             "Say hello in one word.", "Which animal says 'moo'?", "Is ice cold or hot?")
MAX_NEW_TOKENS = 64


@pytest.fixture(scope="session")
def preflight_answers(engine):
    requests = [GenerationRequest(messages=[("system", "You are a helpful assistant."), ("user", question)],
                                  max_new_tokens=MAX_NEW_TOKENS) for question in QUESTIONS]
    return [samples[0] for samples in engine.generate(requests)]


def test_answers_are_not_empty(variant, preflight_answers):
    for question, answer in zip(QUESTIONS, preflight_answers):
        print(f"[{variant.id}] {question} -> {answer!r}")  # shown by `make demo` (-rA)
    empty = [question for question, answer in zip(QUESTIONS, preflight_answers) if not answer.strip()]
    assert not empty, f"variant {variant.id}: empty answers to {len(empty)}/{len(QUESTIONS)} prompts: {empty}"


def test_answers_stop_before_the_token_limit(variant, engine, preflight_answers):
    tokenizer = engine.handle.tokenizer
    lengths = [len(tokenizer(answer, add_special_tokens=False)["input_ids"]) for answer in preflight_answers]
    stopped = sum(length < MAX_NEW_TOKENS - 1 for length in lengths)
    cause = ("the end-of-sequence token is likely wrong" if variant.is_dense else
             "the compression broke the model, or the end-of-sequence token is wrong")
    assert stopped > 0, (f"variant {variant.id}: none of {len(QUESTIONS)} answers stopped before "
                         f"{MAX_NEW_TOKENS} tokens; {cause} (eos ids {engine.handle.eos_token_ids})")


@pytest.fixture
def verified_variant(compressed_variant, model_handles):
    """The variant built (or found in the store) and loaded in the set-up. Loading runs the verification,
    which raises on a model that is not compressed (or not as asked): like a model that does not load,
    that is an error of the run, reported as an error, not a failed trust check."""
    handle = model_handles(compressed_variant)
    handle.model  # noqa: B018 - loading verifies
    return handle


def test_variant_is_compressed(compressed_variant, verified_variant):
    """Loading a compressed variant builds it (or finds it in the store) and verifies it: its weights
    show the compression (bits per group, sparsity, N:M) and its outputs differ from the dense model's.
    The figures the loading found are checked again here against what the variant claims (a checkpoint
    loaded as it ships has only its outputs to show)."""
    figures, spec = verified_variant.verification, compressed_variant
    print(f"[{spec.id}] {verified_variant.provenance()}")
    print(f"[{spec.id}] verified: {figures}")
    assert figures.get("probe_change", 0.0) >= MIN_PROBE_CHANGE, \
        f"variant {spec.id}: its outputs on the probe text are the dense model's (figures: {figures})"
    if not spec.is_checkpoint:  # built here: the weights show the compression
        if spec.bits:
            assert figures["max_distinct_values_per_group"] <= 2 ** spec.bits, \
                f"variant {spec.id}: {figures['max_distinct_values_per_group']} distinct values in a group, " \
                f"more than {spec.bits} bits hold"
        if spec.n_m:
            assert figures["max_nonzeros_per_group"] <= spec.n_m[0], \
                f"variant {spec.id}: {figures['max_nonzeros_per_group']} non-zeros in a group of {spec.n_m[1]}"
        if spec.sparsity is not None:
            assert abs(figures["sparsity"] - spec.sparsity) <= SPARSITY_TOLERANCE, \
                f"variant {spec.id}: sparsity {figures['sparsity']:.2%}, target {spec.sparsity:.2%}"
