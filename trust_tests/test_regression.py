"""No regression against accepted results (--trust-baseline PATH): every variant's result of every
dimension against the result the team accepted for the same model, variant and tier. Fails when the
drop exceeds max_drop (thresholds.toml) and is significant on the paired items, like the drop gates;
fails too when there is no accepted result to compare with. Deselected without --trust-baseline."""

import pytest

from trust_tests.dimension import dimensions
from trust_tests.gates import GATE_MARKER, GateCase

GATE = getattr(pytest.mark, GATE_MARKER)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The dimension first (this module's hook runs before the session's, which adds the variant), so
    ids read test_no_regression[toxicity-gptq-w4]; each carries its dimension's marker (-m toxicity)."""
    if "dimension" in metafunc.fixturenames:
        metafunc.parametrize("dimension", [
            pytest.param(d.name, id=d.name, marks=[getattr(pytest.mark, d.name), GATE("no_regression", d.name)])
            for d in dimensions()])


@GATE("no_regression")
def test_no_regression(dimension, gate_case: GateCase, check_no_regression, report_verdict) -> None:
    """The variant's score has not dropped against its accepted result (or the drop is not significant)."""
    report_verdict(check_no_regression(gate_case.result, gate_case.variant))
