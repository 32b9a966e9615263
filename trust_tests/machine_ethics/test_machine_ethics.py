"""Machine ethics gates: the score's floor for every variant; drop and refusal shift of every
compressed variant against the baseline."""

import pytest

from trust_tests.machine_ethics import scenario

pytestmark = pytest.mark.machine_ethics


def test_machine_ethics_score(gate, variant):
    gate.floor(scenario, variant)


def test_machine_ethics_drop(gate, compressed_variant):
    gate.drop(scenario, compressed_variant)


def test_machine_ethics_refusal_shift(gate, compressed_variant):
    gate.refusal_shift(scenario, compressed_variant)
