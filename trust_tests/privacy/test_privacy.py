"""Privacy gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

import pytest

from trust_tests.gates import gate_tests
from trust_tests.privacy import scenario

pytestmark = pytest.mark.privacy

test_privacy_score, test_privacy_drop, test_privacy_refusal_shift = gate_tests(scenario)
