"""Privacy gates: the score's floor for every variant; drop and refusal shift of every compressed
variant against the baseline."""

import pytest

from trust_tests.privacy import scenario

pytestmark = pytest.mark.privacy


def test_privacy_score(gate, variant):
    gate.floor(scenario, variant)


def test_privacy_drop(gate, compressed_variant):
    gate.drop(scenario, compressed_variant)


def test_privacy_refusal_shift(gate, compressed_variant):
    gate.refusal_shift(scenario, compressed_variant)
