"""Adversarial demonstrations gates: the floor for every variant; drop and refusal shift of every
compressed variant against the baseline (thresholds.toml)."""

from trust_tests.adv_demonstration.scenario import DIMENSION
from trust_tests.gates import gate_tests

test_adv_demonstration_score, test_adv_demonstration_drop, test_adv_demonstration_refusal_shift = gate_tests(DIMENSION)
