"""Fairness gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

from trust_tests.fairness.scenario import DIMENSION
from trust_tests.gates import gate_tests

test_fairness_score, test_fairness_drop, test_fairness_refusal_shift = gate_tests(DIMENSION)
