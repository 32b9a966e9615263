"""Fairness gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

import pytest

from trust_tests.fairness import scenario
from trust_tests.gates import gate_tests

pytestmark = pytest.mark.fairness

test_fairness_score, test_fairness_drop, test_fairness_refusal_shift = gate_tests(scenario)
