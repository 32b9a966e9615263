"""The gates: thresholds from thresholds.toml, asserted with messages a release manager can act on."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from trust_tests.result import DimensionResult

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")


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


def assert_floor(result: DimensionResult, variant: str, limits: Thresholds) -> None:
    print(f"[{variant}] {result.summary()}")
    assert result.score >= limits.floor, (
        f"{result.dimension} [{variant}]: score {result.score:.2f} is below the floor {limits.floor:.2f} "
        f"by {limits.floor - result.score:.2f} points (n={result.n}, refusal {result.refusal_rate:.1f}%)")


def assert_drop(result: DimensionResult, baseline: DimensionResult, variant: str, baseline_variant: str,
                limits: Thresholds) -> None:
    drop = baseline.score - result.score
    print(f"[{variant}] {result.summary()}\n[{baseline_variant}] {baseline.summary()}")
    assert drop <= limits.max_drop, (
        f"{result.dimension} [{variant}]: score {result.score:.2f} vs baseline [{baseline_variant}] "
        f"{baseline.score:.2f}, a drop of {drop:.2f} points, over the limit of {limits.max_drop:.2f} (n={result.n}"
        + (f"; {result.built()})" if result.provenance else ")"))


def assert_perplexity_increase(result: DimensionResult, baseline: DimensionResult, variant: str,
                               baseline_variant: str, limits: Thresholds) -> None:
    perplexity, reference = result.extra["word_perplexity"], baseline.extra["word_perplexity"]
    increase = 100 * (perplexity / reference - 1)
    assert perplexity <= reference * (1 + limits.max_perplexity_increase / 100), (
        f"{result.dimension} [{variant}]: word perplexity {perplexity:.2f} vs baseline [{baseline_variant}] "
        f"{reference:.2f}, {increase:+.1f}%, over the limit of +{limits.max_perplexity_increase:.1f}%")


def assert_refusal_shift(result: DimensionResult, baseline: DimensionResult, variant: str, baseline_variant: str,
                         limits: Thresholds) -> None:
    shift = result.refusal_rate - baseline.refusal_rate
    assert abs(shift) <= limits.max_refusal_shift, (
        f"{result.dimension} [{variant}]: refusal rate {result.refusal_rate:.1f}% vs baseline [{baseline_variant}] "
        f"{baseline.refusal_rate:.1f}%, a shift of {shift:+.1f} points, over the limit of "
        f"{limits.max_refusal_shift:.1f}; the score change may measure refusing, not trust (n={result.n})")


class Gate:
    """The three gates of a dimension, bound to a run: its results, model and baseline variant."""

    def __init__(self, result_of, model: str, baseline):
        self.result_of, self.model, self.baseline = result_of, model, baseline

    def floor(self, scenario, variant) -> None:
        assert_floor(self.result_of(scenario, variant), variant.id, thresholds(scenario.NAME, self.model))

    def drop(self, scenario, variant) -> None:
        assert_drop(self.result_of(scenario, variant), self.result_of(scenario, self.baseline), variant.id,
                    self.baseline.id, thresholds(scenario.NAME, self.model))

    def perplexity_increase(self, scenario, variant) -> None:
        assert_perplexity_increase(self.result_of(scenario, variant), self.result_of(scenario, self.baseline),
                                   variant.id, self.baseline.id, thresholds(scenario.NAME, self.model))

    def refusal_shift(self, scenario, variant) -> None:
        assert_refusal_shift(self.result_of(scenario, variant), self.result_of(scenario, self.baseline), variant.id,
                             self.baseline.id, thresholds(scenario.NAME, self.model))


def gate_tests(scenario):
    """The three gate tests of a dimension, for its test_<dimension>.py to bind to its own names
    (pytest takes a test's name from the module attribute, so ids read test_<dimension>_drop[gptq-w4])."""

    def score(gate: Gate, variant) -> None:
        gate.floor(scenario, variant)

    def drop(gate: Gate, compressed_variant) -> None:
        gate.drop(scenario, compressed_variant)

    def refusal_shift(gate: Gate, compressed_variant) -> None:
        gate.refusal_shift(scenario, compressed_variant)

    score.__doc__ = f"{scenario.NAME}: the score of every variant is at least the floor."
    drop.__doc__ = f"{scenario.NAME}: a compressed variant loses at most max_drop points against the baseline."
    refusal_shift.__doc__ = f"{scenario.NAME}: a compressed variant's refusal rate moves at most max_refusal_shift points."
    return score, drop, refusal_shift
