"""Privacy gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

from trust_tests.gates import gate_tests
from trust_tests.privacy.scenario import DIMENSION

test_privacy_score, test_privacy_drop, test_privacy_refusal_shift = gate_tests(DIMENSION)
