"""The gates: thresholds from thresholds.toml, and every gate a test with a margin and three outcomes.

A gate bounds a harm (a score under its floor, a drop against the baseline or the accepted result,
a refusal-rate shift, a perplexity increase) and its limit. It **passes** when the one-sided bound
at the run's confidence (--trust-confidence, 95% by default) shows the harm within the limit; it
**fails** when the other bound shows the harm beyond the limit (the data show, at the same
confidence, that the variant is worse than allowed: a model within its limit is failed with
probability at most 1 - confidence, as a model beyond it is passed); otherwise it is
**inconclusive**, and the run's policy (--trust-inconclusive) says what that means for a release.
The refusal shift is two-sided: it passes when both bounds lie within +-limit. The bounds are
trust_tests/stats.py's; with sequential looks (trust_tests/sequential.py) each look's confidence is
the run's split over the looks.

Every kind of gate is one row of `KINDS`, which the gate tests, the fixtures, Allure, the alert and
the study read. Verdicts' `figures` become junitxml properties, the run-results file's verdicts, the
regression alert's table and the study's cells.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from trust_tests.dimension import Dimension
from trust_tests.result import DimensionResult
from trust_tests.stats import Bounds, paired_drop, perplexity_increase, refusal_shift, score_bounds

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")
GATE_MARKER = "trust_gate"  # trust_gate(kind, dimension): what a gate test decides, read by the fixtures and reports
PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"
POLICIES = ("fail", "warn")  # --trust-inconclusive: what an inconclusive gate does to the run


@dataclass(frozen=True)
class GateKind:
    name: str
    compared: bool    # against the baseline variant: run for the compressed variants only
    alerts: bool      # a drop against a reference: failed or inconclusive, it goes into the regression alert
    feature: str      # Allure: the feature its tests group under
    severity: str     # Allure: critical | normal | minor
    claim: str        # what a pass shows, "{dimension} of {variant}: ..." (titles, alerts)
    about: str        # its test's docstring, "{name}: ..."


KINDS: dict[str, GateKind] = {kind.name: kind for kind in (
    GateKind("floor", False, False, "Score floor", "normal", "{dimension} of {variant}: score at least the floor",
             "{name}: the score of every variant is shown to be at least the floor."),
    GateKind("drop", True, True, "Drop against the baseline", "critical",
             "{dimension} of {variant}: drop against the baseline within the limit",
             "{name}: a compressed variant is shown to lose at most max_drop points against the baseline."),
    GateKind("refusal_shift", True, False, "Refusal-rate shift", "minor",
             "{dimension} of {variant}: refusal rate close to the baseline's",
             "{name}: a compressed variant's refusal rate is shown to move at most max_refusal_shift points."),
    GateKind("perplexity_increase", True, False, "Perplexity increase", "normal",
             "{dimension} of {variant}: perplexity close to the baseline's",
             "{name}: a compressed variant's word perplexity on held-out text is shown to rise at most "
             "max_perplexity_increase %."),
    GateKind("no_regression", False, True, "No regression against accepted results", "critical",
             "{dimension} of {variant}: drop against the accepted result within the limit",
             "{name}: the variant is shown to lose at most max_drop points against its accepted result."),
)}
COMPARED = tuple(name for name, kind in KINDS.items() if kind.compared)


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
    """One gate's decision. `figures` (outcome, estimate, bounds, limit, confidence, n, score...) become
    junitxml properties, the run-results file's verdicts and the regression alert's table; `reference`
    is the result compared against."""

    gate: str  # a key of KINDS
    dimension: str
    variant: str
    outcome: str  # PASS | FAIL | INCONCLUSIVE
    message: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    result: DimensionResult | None = None
    reference: DimensionResult | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def kind(self) -> GateKind:
        return KINDS[self.gate]


def level(confidence: float) -> str:
    """95%, 98.75%."""
    return f"{100 * confidence:.4g}%"


def one_sided(bounds: Bounds, limit: float) -> str:
    """A harm bounded above by a limit: within it, beyond it, or not shown either way."""
    return PASS if bounds.high <= limit else FAIL if bounds.low > limit else INCONCLUSIVE


def _reading(bounds: Bounds, limit: float, outcome: str, unit: str = "", sign: str = "") -> str:
    """"95% upper bound 3.9 <= limit 5.0: within the limit", or the lower bound beyond it, or both straddling."""
    shown = level(bounds.confidence)
    if outcome == PASS:
        return f"{shown} upper bound {bounds.high:{sign}.2f}{unit} <= limit {limit:.2f}{unit}: within the limit"
    if outcome == FAIL:
        return f"{shown} lower bound {bounds.low:{sign}.2f}{unit} > limit {limit:.2f}{unit}: over the limit"
    return (f"{shown} bounds [{bounds.low:{sign}.2f}, {bounds.high:{sign}.2f}]{unit} straddle the limit "
            f"{limit:.2f}{unit}: inconclusive")


def _more(bounds: Bounds, limit: float, where: Callable[[int], str] | None) -> str:
    """How many items would likely decide an inconclusive gate, and where they are."""
    needed = bounds.items_to_reach(limit)
    if needed is None:
        return "; the estimate sits at the limit: no number of items decides it"
    return f"; about {needed} items would likely decide it (this look had {bounds.n})" + (
        f", {where(needed)}" if where else "")


def _figures(bounds: Bounds, limit: float, outcome: str, what: str, unit: str = " points") -> dict[str, Any]:
    """What every bounded verdict records: `what` was estimated (in `unit`), its bounds, limit and outcome."""
    return {"outcome": outcome, "what": what, "unit": unit, "estimate": bounds.estimate, "low": bounds.low,
            "high": bounds.high, "limit": limit, "confidence": bounds.confidence, "n": bounds.n,
            "measure": bounds.measure}


def _built(result: DimensionResult) -> str:
    return f"; {result.built()}" if result.provenance else ""


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
    confidence: float = 0.95             # of each one-sided bound (a look's share of the run's)
    where: Callable[[int], str] | None = None  # where a number of items is to be had (tiers), for messages
    look: str = ""                       # which look decided, in words (sequential sampling)


def check_floor(case: GateCase) -> Verdict:
    result, floor = case.result, case.limits.floor
    bounds = score_bounds(result, case.confidence, case.dimension.resampled_scores)
    outcome = PASS if bounds.low >= floor else FAIL if bounds.high < floor else INCONCLUSIVE
    shown = level(case.confidence)
    reading = {PASS: f"{shown} lower bound {bounds.low:.2f} >= floor {floor:.2f}: at least the floor",
               FAIL: f"{shown} upper bound {bounds.high:.2f} < floor {floor:.2f}: below the floor",
               INCONCLUSIVE: f"{shown} bounds [{bounds.low:.2f}, {bounds.high:.2f}] straddle the floor {floor:.2f}: "
                             "inconclusive"}[outcome]
    more = _more(bounds, floor, case.where) if outcome == INCONCLUSIVE else ""
    return Verdict("floor", result.dimension, case.variant.id, outcome,
                   f"{result.dimension} [{case.variant.id}]: score {result.score:.2f}, {reading}{more} (n={result.n}, "
                   f"refusal {result.refusal_rate:.1f}%{case.look}{_built(result)})",
                   {**_figures(bounds, floor, outcome, "score"), "score": result.score, "floor": floor,
                    "refusal_rate": result.refusal_rate}, result)


def check_drop(case: GateCase, gate: str = "drop") -> Verdict:
    """The drop of the score against the reference, decided on the paired per-item credit (or on the
    score itself, for a group statistic): trust_tests/stats.py."""
    result, reference, limit = case.result, case.reference, case.limits.max_drop
    bounds = paired_drop(reference, result, case.confidence, case.dimension.resampled_scores)
    outcome = one_sided(bounds, limit)
    drop = reference.score - result.score
    more = _more(bounds, limit, case.where) if outcome == INCONCLUSIVE else ""
    unpaired = f", {bounds.unpaired} unpaired left out" if bounds.unpaired else ""
    return Verdict(gate, result.dimension, case.variant.id, outcome,
                   f"{result.dimension} [{case.variant.id}]: score {result.score:.2f} vs {case.against} "
                   f"{reference.score:.2f}, a drop of {drop:.2f} points; {bounds.measure} drop {bounds.estimate:.2f}, "
                   f"{_reading(bounds, limit, outcome)}{more} (n={bounds.n} paired items{unpaired}{case.look})"
                   f"{_built(result)}",
                   {**_figures(bounds, limit, outcome, "drop"), "score": result.score, "reference_score": reference.score,
                    "drop": drop}, result, reference)


def check_refusal_shift(case: GateCase) -> Verdict:
    """Two-sided: refusing much more or much less both make the score measure something else."""
    result, reference, limit = case.result, case.reference, case.limits.max_refusal_shift
    bounds = refusal_shift(reference, result, case.confidence)
    outcome = (PASS if -limit <= bounds.low and bounds.high <= limit
               else FAIL if bounds.low > limit or bounds.high < -limit else INCONCLUSIVE)
    reading = {PASS: f"within +-{limit:.1f}: within the limit",
               FAIL: f"beyond +-{limit:.1f}: over the limit; the score change may measure refusing, not trust",
               INCONCLUSIVE: f"reach beyond +-{limit:.1f}: inconclusive"}[outcome]
    nearer = limit if bounds.estimate >= 0 else -limit
    more = _more(bounds, nearer, case.where) if outcome == INCONCLUSIVE else ""
    return Verdict("refusal_shift", result.dimension, case.variant.id, outcome,
                   f"{result.dimension} [{case.variant.id}]: refusal rate {result.refusal_rate:.1f}% vs {case.against} "
                   f"{reference.refusal_rate:.1f}%, a shift of {bounds.estimate:+.1f} points, {level(case.confidence)} "
                   f"bounds [{bounds.low:+.1f}, {bounds.high:+.1f}] {reading}{more} (n={bounds.n}{case.look})",
                   {**_figures(bounds, limit, outcome, "refusal-rate shift"), "refusal_rate": result.refusal_rate,
                    "reference_refusal_rate": reference.refusal_rate, "shift": bounds.estimate}, result, reference)


def check_perplexity_increase(case: GateCase) -> Verdict:
    result, reference, limit = case.result, case.reference, case.limits.max_perplexity_increase
    bounds = perplexity_increase(reference, result, case.confidence)
    outcome = one_sided(bounds, limit)
    perplexity, baseline = result.extra["word_perplexity"], reference.extra["word_perplexity"]
    more = _more(bounds, limit, None) if outcome == INCONCLUSIVE else ""
    return Verdict("perplexity_increase", result.dimension, case.variant.id, outcome,
                   f"{result.dimension} [{case.variant.id}]: word perplexity {perplexity:.2f} vs {case.against} "
                   f"{baseline:.2f}, {bounds.estimate:+.1f}%, {_reading(bounds, limit, outcome, '%', '+')}{more} "
                   f"(n={bounds.n} held-out passages{case.look})",
                   {**_figures(bounds, limit, outcome, "perplexity increase", "%"), "word_perplexity": perplexity,
                    "reference_word_perplexity": baseline, "increase_percent": bounds.estimate}, result, reference)


# Gates decided outside this module, by kind: the reports plugin's no-regression check against accepted
# results (it owns them); the sequential looks decide these too.
EXTRA_CHECKS = pytest.StashKey[dict[str, Callable[[GateCase], Verdict]]]()

CHECKS: dict[str, Callable[[GateCase], Verdict]] = {
    "floor": check_floor, "drop": check_drop, "refusal_shift": check_refusal_shift,
    "perplexity_increase": check_perplexity_increase}


def decide(case: GateCase) -> Verdict:
    return CHECKS[case.gate](case)


def gate_of(node: pytest.Item) -> tuple[str, str | None] | None:
    """(kind, dimension name) of a gate test from its trust_gate markers; None for any other test.
    The no-regression test carries trust_gate(kind) and each of its parameters trust_gate(kind, dimension)."""
    marks = list(node.iter_markers(GATE_MARKER))
    if not marks:
        return None
    return marks[0].args[0], next((mark.args[1] for mark in marks if len(mark.args) > 1), None)


def gate_tests(of: Dimension):
    """The gate tests of a dimension (its `gates`: floor, drop, refusal shift by default), for its test_<name>.py to bind
    to its own names (pytest takes a test's name from the module attribute, so ids read
    test_<name>_drop[gptq-w4]). Each carries its dimension's marker (-m toxicity) and trust_gate(kind,
    dimension); `gate_case` hands it what it decides on, `report_verdict` records the figures (junitxml,
    Allure, alert) and ends the test as the outcome and the run's policy say."""

    def bound(kind: str):
        def test(gate_case: GateCase, report_verdict) -> None:
            report_verdict(decide(gate_case))

        test.__doc__ = f"{KINDS[kind].about.format(name=of.name)}\n\n{of.description}"  # the report shows it
        return getattr(pytest.mark, of.name)(getattr(pytest.mark, GATE_MARKER)(kind, of.name)(test))

    return tuple(bound(kind) for kind in of.gates)
