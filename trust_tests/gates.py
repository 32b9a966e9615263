"""The gates: thresholds from thresholds.toml, decided into verdicts whose messages a release manager
can act on and whose figures go to junitxml properties, Allure and the regression alert."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pytest

from trust_tests.dimension import Dimension, dimension
from trust_tests.result import DimensionResult
from trust_tests.stats import paired_drop

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")
DROP_GATES = ("drop", "no_regression")  # against a reference (dense model, accepted result): these raise alerts
COMPARED = ("drop", "refusal_shift", "perplexity_increase")  # against the baseline variant: compressed variants only
GATE_MARKER = "trust_gate"  # trust_gate(kind, dimension): what a gate test decides, read by the fixtures and reports


@dataclass(frozen=True)
class Thresholds:
    floor: float
    max_drop: float
    max_refusal_shift: float
    max_perplexity_increase: float  # percent; benign utility only


@functools.cache
def _read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def thresholds(dimension: str, model: str, path: Path = THRESHOLDS_FILE) -> Thresholds:
    """Defaults, then the dimension's table, then the model's table for that dimension."""
    table = _read(path)
    values = {**table.get("defaults", {}), **table.get(dimension, {}),
              **table.get("models", {}).get(model, {}).get(dimension, {})}
    return Thresholds(**{name: float(values[name]) for name in Thresholds.__dataclass_fields__})


@dataclass(frozen=True)
class Verdict:
    """One gate's decision. `figures` (score, reference, drop, interval, n...) become junitxml
    properties and the regression alert's table; `reference` is the result compared against."""

    gate: str  # floor | drop | refusal_shift | perplexity_increase | no_regression
    dimension: str
    variant: str
    passed: bool
    message: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    result: DimensionResult | None = None
    reference: DimensionResult | None = None

    @property
    def is_drop(self) -> bool:
        """A drop against a reference (the dense model or the accepted result): what raises an alert."""
        return self.gate in DROP_GATES


def _built(result: DimensionResult) -> str:
    return f"; {result.built()}" if result.provenance else ""


def check_floor(result: DimensionResult, variant: str, limits: Thresholds) -> Verdict:
    passed = result.score >= limits.floor
    margin = (f"at least the floor {limits.floor:.2f} by {result.score - limits.floor:.2f} points" if passed
              else f"below the floor {limits.floor:.2f} by {limits.floor - result.score:.2f} points")
    return Verdict(
        "floor", result.dimension, variant, passed,
        f"{result.dimension} [{variant}]: score {result.score:.2f} is {margin} "
        f"(n={result.n}, refusal {result.refusal_rate:.1f}%{_built(result)})",
        {"score": result.score, "floor": limits.floor, "n": result.n, "refusal_rate": result.refusal_rate}, result)


def check_drop(result: DimensionResult, reference: DimensionResult, variant: str, against: str,
               limits: Thresholds, gate: str = "drop") -> Verdict:
    """Fails when the score drop exceeds max_drop AND the paired per-item test says the drop is real
    (trust_tests/stats.py): a large drop measured on too few items is reported, not failed."""
    drop = reference.score - result.score
    figures: dict[str, Any] = {"score": result.score, "reference_score": reference.score, "drop": drop,
                               "max_drop": limits.max_drop, "n": result.n}
    words = (f"{result.dimension} [{variant}]: score {result.score:.2f} vs {against} {reference.score:.2f}, "
             f"a drop of {drop:.2f} points (limit {limits.max_drop:.2f})")
    paired = paired_drop(reference, result,
                         resampled_scores=dimension(result.dimension).resampled_scores)
    figures.update({"credit_drop" if paired.measure == "per-item credit" else "score_drop": paired.drop,
                    "ci_low": paired.low, "ci_high": paired.high, "n": paired.n, "significant": paired.significant})
    words += f"; {paired.describe()}, " + ("significant" if paired.significant else "not significant")
    over = drop > limits.max_drop
    if over:
        words += ": over the limit" + ("" if paired.significant else
                                       ", but not significant on these items: reported, not failed")
    return Verdict(gate, result.dimension, variant, not (over and paired.significant), words + _built(result),
                   figures, result, reference)


def check_perplexity_increase(result: DimensionResult, reference: DimensionResult, variant: str, against: str,
                              limits: Thresholds) -> Verdict:
    perplexity, baseline = result.extra["word_perplexity"], reference.extra["word_perplexity"]
    increase = 100 * (perplexity / baseline - 1)
    return Verdict(
        "perplexity_increase", result.dimension, variant,
        perplexity <= baseline * (1 + limits.max_perplexity_increase / 100),
        f"{result.dimension} [{variant}]: word perplexity {perplexity:.2f} vs {against} {baseline:.2f}, "
        f"{increase:+.1f}% (limit +{limits.max_perplexity_increase:.1f}%)",
        {"word_perplexity": perplexity, "reference_word_perplexity": baseline, "increase_percent": increase},
        result, reference)


def check_refusal_shift(result: DimensionResult, reference: DimensionResult, variant: str, against: str,
                        limits: Thresholds) -> Verdict:
    shift = result.refusal_rate - reference.refusal_rate
    passed = abs(shift) <= limits.max_refusal_shift
    return Verdict(
        "refusal_shift", result.dimension, variant, passed,
        f"{result.dimension} [{variant}]: refusal rate {result.refusal_rate:.1f}% vs {against} "
        f"{reference.refusal_rate:.1f}%, a shift of {shift:+.1f} points (limit {limits.max_refusal_shift:.1f})"
        + ("" if passed else "; the score change may measure refusing, not trust") + f" (n={result.n})",
        {"refusal_rate": result.refusal_rate, "reference_refusal_rate": reference.refusal_rate, "shift": shift},
        result, reference)


@dataclass(frozen=True)
class GateCase:
    """What one gate test decides on, computed in its set-up (the `gate_case` fixture): a model that
    cannot load, missing data or a failed compression is then an error of the run, not a failed gate."""

    gate: str
    dimension: Dimension
    variant: Any                         # the VariantSpec under test
    result: DimensionResult
    reference: DimensionResult | None    # the baseline variant's result, for the compared gates
    against: str                         # how messages name the reference: "baseline [none]"
    limits: Thresholds


def decide(case: GateCase) -> Verdict:
    if case.gate == "floor":
        return check_floor(case.result, case.variant.id, case.limits)
    check = {"drop": check_drop, "refusal_shift": check_refusal_shift,
             "perplexity_increase": check_perplexity_increase}[case.gate]
    return check(case.result, case.reference, case.variant.id, case.against, case.limits)


def gate_of(node: pytest.Item) -> tuple[str, str | None] | None:
    """(kind, dimension name) of a gate test from its trust_gate markers; None for any other test.
    The no-regression test carries trust_gate(kind) and each of its parameters trust_gate(kind, dimension)."""
    marks = list(node.iter_markers(GATE_MARKER))
    if not marks:
        return None
    return marks[0].args[0], next((mark.args[1] for mark in marks if len(mark.args) > 1), None)


ABOUT = {
    "floor": "{name}: the score of every variant is at least the floor.",
    "drop": "{name}: a compressed variant loses at most max_drop points against the baseline (or the loss is not "
            "significant on the paired items).",
    "refusal_shift": "{name}: a compressed variant's refusal rate moves at most max_refusal_shift points.",
    "perplexity_increase": "{name}: a compressed variant's word perplexity on held-out text rises at most "
                           "max_perplexity_increase %.",
}


def gate_tests(of: Dimension):
    """The gate tests of a dimension (its `gates`: floor, drop, refusal shift by default), for its test_<name>.py to bind
    to its own names (pytest takes a test's name from the module attribute, so ids read
    test_<name>_drop[gptq-w4]). Each carries its dimension's marker (-m toxicity) and trust_gate(kind,
    dimension); `gate_case` hands it what it decides on, `report_verdict` records the figures (junitxml,
    Allure, alert) and fails the test on a failed gate."""

    def bound(kind: str):
        def test(gate_case: GateCase, report_verdict) -> None:
            report_verdict(decide(gate_case))

        test.__doc__ = f"{ABOUT[kind].format(name=of.name)}\n\n{of.description}"  # the report shows it
        return getattr(pytest.mark, of.name)(getattr(pytest.mark, GATE_MARKER)(kind, of.name)(test))

    return tuple(bound(kind) for kind in of.gates)
