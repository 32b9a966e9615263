"""Out-of-distribution robustness gates: the floor for every variant; drop and refusal shift of every compressed
variant against the baseline (thresholds.toml)."""

from trust_tests.gates import gate_tests
from trust_tests.ood_robustness.scenario import DIMENSION

test_ood_robustness_score, test_ood_robustness_drop, test_ood_robustness_refusal_shift = gate_tests(DIMENSION)
