"""No regression against accepted results (--trust-baseline PATH): every variant's result of every
dimension against the result the team accepted for the same model, variant and tier: the drop gate's
bounds and outcomes (trust_tests/gates.py) against that result instead of the dense model's; fails
when there is no accepted result to compare with. Deselected without --trust-baseline."""

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
    """The variant is shown to lose at most max_drop points against its accepted result."""
    report_verdict(check_no_regression(gate_case))
