"""Benign utility gates: accuracy floor for every variant; for every compressed variant the accuracy
drop and the perplexity increase against the baseline (thresholds.toml [utility]). No refusal gate:
choice scoring always answers."""

import pytest

from trust_tests.gates import Gate, gate_tests
from trust_tests.utility import scenario

pytestmark = pytest.mark.utility

test_utility_score, test_utility_drop, _ = gate_tests(scenario)


def test_utility_perplexity_increase(gate: Gate, compressed_variant, gate_results, report_verdict) -> None:
    """utility: a compressed variant's word perplexity on held-out text rises at most max_perplexity_increase %."""
    report_verdict(gate.perplexity_increase(scenario, compressed_variant))


test_utility_perplexity_increase.scenario, test_utility_perplexity_increase.gate = scenario, "perplexity_increase"
