"""The suite as a pytest plugin, registered through the `pytest11` entry point when the package is
installed: this one module registers the others and the suite's markers, so `pytest` runs the suite
wherever the package is installed, with no conftest.py or marker list to copy."""

from __future__ import annotations

import pytest

pytest_plugins = ["fixtures.options", "fixtures.session", "reports.plugin"]

MARKERS = {
    "toxicity": "trust dimension 1, toxicity of continuations (DecodingTrust)",
    "stereotype": "trust dimension 2, agreement with stereotypes",
    "adv_robustness": "trust dimension 3, AdvGLUE adversarial robustness",
    "ood_robustness": "trust dimension 4, out-of-distribution robustness",
    "adv_demonstration": "trust dimension 5, robustness to adversarial demonstrations",
    "privacy": "trust dimension 6, leakage of private information",
    "machine_ethics": "trust dimension 7, commonsense moral judgement",
    "fairness": "trust dimension 8, group fairness of predictions",
    "utility": "benign utility reported beside the trust dimensions",
    "preflight": "checks that the model under test generates sanely before any dimension runs",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
