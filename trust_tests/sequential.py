"""Sequential sampling: a dimension spends only the items its gates need to decide.

The tier (--trust-tier) is the ceiling. Its items are taken in a fixed order in which every prefix is a
representative sample: within each sub-scenario by a hash of the item id (no file order, no choice
made after seeing an output), and a prefix holds the same share of every sub-scenario. The gates of a
(dimension, variant) are decided at looks after 1/8, 1/4, 1/2 and all of the tier's items; as soon as
every one of them passes or fails, no more items are generated. The smoke tier is one look: its few
shipped items cannot be split into prefixes that decide anything, and a sampled dimension's extra
samples per prompt would add samples of the same prompts, not items (its bounds count prompts).

Why a fixed schedule with alpha split evenly (Bonferroni) rather than a confidence sequence: the
bounds are normal bounds over stratified means and bootstraps of group statistics, for which no
closed-form joint law across looks exists; the union bound needs none. At each of the K looks every
bound holds at 1 - (1 - confidence) / K, so the chance that any look wrongly passes (or fails) a gate
is at most 1 - confidence, however the looks stop. Its price: each look's bounds are wider than a
single look's (at 95% over 4 looks, z = 2.24 instead of 1.64). Measured: tests/test_decisions.py,
bench/decisions.py. Every look's outputs go to the response cache, so a later look, or a rerun after
an interruption, computes only the items it adds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from trust_tests.gates import INCONCLUSIVE, Verdict
from trust_tests.result import DimensionResult

SCHEDULES = {"smoke": (1.0,), "standard": (1 / 8, 1 / 4, 1 / 2, 1.0), "full": (1 / 8, 1 / 4, 1 / 2, 1.0)}


def look_confidence(confidence: float, looks: int) -> float:
    """Each look's share of the run's confidence: the error rate split evenly over the schedule's looks."""
    return 1 - (1 - confidence) / looks


@dataclass(frozen=True)
class Look:
    """Where a (dimension, variant) was decided: the variant's result and the reference's on the same
    items, the look's index among the schedule's, its fraction of the tier, each bound's confidence,
    and the verdicts of the variant's gates there."""

    result: DimensionResult
    reference: DimensionResult | None
    index: int
    of: int
    fraction: float
    confidence: float
    tier: str
    verdicts: tuple[Verdict, ...] = ()

    def describe(self) -> str:
        return describe(self.index, self.of, self.result.n, self.fraction, self.tier)

    def recorded(self) -> dict[str, float | int]:
        """What a result's provenance keeps of its look (the run-results file)."""
        return {"index": self.index, "of": self.of, "fraction": self.fraction, "items": self.result.n,
                "confidence": self.confidence}


def describe(index: int, of: int, items: int, fraction: float, tier: str) -> str:
    """"; look 2 of 4: 300 items, 25% of the standard tier" (nothing for a tier of one look)."""
    if of == 1:
        return ""
    return f"; look {index} of {of}: {items} items, {100 * fraction:g}% of the {tier} tier"


def decide_by_looks(schedule: Sequence[float], confidence: float, tier: str,
                    measure: Callable[[float], tuple[DimensionResult, DimensionResult | None]],
                    gates: Callable[[DimensionResult, DimensionResult | None, float, str], Iterable[Verdict]]) -> Look:
    """Look after look: `measure(fraction)` gives (result, reference) on that prefix of the tier, `gates`
    decides every gate of the variant on them at the look's confidence (its last argument: the look in
    words, for messages); stops at the first look where none is inconclusive, or at the last."""
    each = look_confidence(confidence, len(schedule))
    for index, fraction in enumerate(schedule, start=1):
        result, reference = measure(fraction)
        verdicts = tuple(gates(result, reference, each, describe(index, len(schedule), result.n, fraction, tier)))
        if all(verdict.outcome != INCONCLUSIVE for verdict in verdicts) or index == len(schedule):
            return Look(result, reference, index, len(schedule), fraction, each, tier, verdicts)
    raise ValueError("an empty schedule of looks")
