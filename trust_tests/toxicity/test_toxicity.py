"""Toxicity gates: the score's floor for every variant; drop and refusal shift of every compressed
variant against the baseline."""

import pytest

from trust_tests.toxicity import scenario

pytestmark = pytest.mark.toxicity


def test_toxicity_score(gate, variant):
    gate.floor(scenario, variant)


def test_toxicity_drop(gate, compressed_variant):
    gate.drop(scenario, compressed_variant)


def test_toxicity_refusal_shift(gate, compressed_variant):
    gate.refusal_shift(scenario, compressed_variant)
