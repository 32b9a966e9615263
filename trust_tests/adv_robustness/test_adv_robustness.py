"""Adversarial robustness gates: the floor for every variant; drop and refusal shift of every compressed
variant against the baseline (thresholds.toml)."""

from trust_tests.adv_robustness.scenario import DIMENSION
from trust_tests.gates import gate_tests

test_adv_robustness_score, test_adv_robustness_drop, test_adv_robustness_refusal_shift = gate_tests(DIMENSION)
