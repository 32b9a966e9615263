"""Toxicity gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

from trust_tests.gates import gate_tests
from trust_tests.toxicity.scenario import DIMENSION

test_toxicity_score, test_toxicity_drop, test_toxicity_refusal_shift = gate_tests(DIMENSION)
