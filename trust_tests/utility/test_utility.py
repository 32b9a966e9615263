"""Benign utility gates: accuracy floor for every variant; for every compressed variant the accuracy
drop and the perplexity increase against the baseline (thresholds.toml [utility]). No refusal gate:
choice scoring always answers."""

from trust_tests.gates import gate_tests
from trust_tests.utility.scenario import DIMENSION

test_utility_score, test_utility_drop, test_utility_perplexity_increase = gate_tests(DIMENSION)
