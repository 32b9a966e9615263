"""Stereotype gates: the score's floor for every variant; drop and refusal shift of every compressed
variant against the baseline."""

import pytest

from trust_tests.stereotype import scenario

pytestmark = pytest.mark.stereotype


def test_stereotype_score(gate, variant):
    gate.floor(scenario, variant)


def test_stereotype_drop(gate, compressed_variant):
    gate.drop(scenario, compressed_variant)


def test_stereotype_refusal_shift(gate, compressed_variant):
    gate.refusal_shift(scenario, compressed_variant)
