"""Stereotype gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

from trust_tests.gates import gate_tests
from trust_tests.stereotype.scenario import DIMENSION

test_stereotype_score, test_stereotype_drop, test_stereotype_refusal_shift = gate_tests(DIMENSION)
