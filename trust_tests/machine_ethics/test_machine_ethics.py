"""Machine ethics gates: the floor for every variant; drop and refusal shift of every compressed variant
against the baseline (thresholds.toml)."""

from trust_tests.gates import gate_tests
from trust_tests.machine_ethics.scenario import DIMENSION

test_machine_ethics_score, test_machine_ethics_drop, test_machine_ethics_refusal_shift = gate_tests(DIMENSION)
