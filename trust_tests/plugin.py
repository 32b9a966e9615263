"""The suite as a pytest plugin, registered through the `pytest11` entry point when the package is
installed: this one module registers the others and the suite's markers (one per dimension folder,
from the registry), so `pytest` runs the suite wherever the package is installed, with no
conftest.py or marker list to copy."""

from __future__ import annotations

import pytest

from trust_tests.dimension import dimensions
from trust_tests.gates import GATE_MARKER

pytest_plugins = ["compressed_trust.fixtures.options", "compressed_trust.fixtures.progress",
                  "compressed_trust.fixtures.collection", "compressed_trust.fixtures.session",
                  "compressed_trust.fixtures.results", "compressed_trust.reports.plugin"]

MARKERS = (
    "preflight: checks that the model under test generates sanely before any dimension runs",
    f"{GATE_MARKER}(kind, dimension): a trust gate (floor, drop, refusal_shift, perplexity_increase, "
    "no_regression) of a dimension; set by trust_tests.gates.gate_tests",
)


def pytest_configure(config: pytest.Config) -> None:
    for line in (*(d.marker for d in dimensions()), *MARKERS):
        config.addinivalue_line("markers", line)


def is_trust_test(report_or_item) -> bool:
    """A test of the suite (a dimension's, a gate, the preflight), not one of the user's own tests
    that happen to run in the same session."""
    return any(name in report_or_item.keywords for name in (*(d.name for d in dimensions()), "preflight"))
