"""Adversarial robustness gates: the floor for every variant; drop and refusal shift of every compressed
variant against the baseline (thresholds.toml)."""

import pytest

from trust_tests.adv_robustness import scenario
from trust_tests.gates import gate_tests

pytestmark = pytest.mark.adv_robustness

test_adv_robustness_score, test_adv_robustness_drop, test_adv_robustness_refusal_shift = gate_tests(scenario)
