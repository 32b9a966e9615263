"""Paired statistics on per-item outcomes: is a drop between two results real or noise?

The test is a paired bootstrap, stratified by sub-scenario. Why not McNemar: several dimensions give
fractional credit (toxicity 1 - max toxicity of the samples, adversarial demonstrations' spurious
cells, utility options), and every dimension averages its sub-scenarios, each weighing the same;
McNemar needs binary outcomes and one pool. The bootstrap takes both as they are: each resample
draws, within every sub-scenario, as many items as it has (with replacement, the same items for
both sides, which is the pairing).

What is compared per resample: the mean per-item credit difference, averaged over the
sub-scenarios. For toxicity, stereotype, machine ethics and utility this is the score drop itself;
the other dimensions' scores are formulas over the same credits (weighted sub-scenarios, accuracy
gaps), and their drop gates report the score drop beside the credit drop this tests. A dimension
whose score is a group statistic with no per-item share (fairness: parity gaps) gives its scenario a
`resampled_scores(strata, draws)`; then each resample's score itself is recomputed on both sides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from trust_tests.result import DimensionResult

RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 0  # fixed: the same two results always give the same interval
DRAWS_AT_ONCE = 4_000_000  # item indices drawn per step (32 MB)


@dataclass(frozen=True)
class PairedDrop:
    """What `other` lost against `reference`, in points (0-100 scale), with its bootstrap interval;
    positive = worse. `measure` says what dropped ("per-item credit" or "score"); `n` is the number of
    items both results scored."""

    drop: float
    low: float
    high: float
    n: int
    unpaired: int  # items only one side scored (a changed probe set), left out
    measure: str = "per-item credit"

    @property
    def significant(self) -> bool:
        """The interval lies wholly above zero: the items say `other` is worse, not noise."""
        return self.low > 0

    def describe(self) -> str:
        return (f"{self.measure} drop {self.drop:.2f} points, {CONFIDENCE:.0%} CI [{self.low:.2f}, {self.high:.2f}], "
                f"n={self.n} paired items" + (f" ({self.unpaired} unpaired left out)" if self.unpaired else ""))


def paired_drop(reference: DimensionResult, other: DimensionResult, resamples: int = RESAMPLES,
                resampled_scores: Callable | None = None) -> PairedDrop:
    """Pairs the two results' outcomes by item id; raises ValueError when they share no item. With
    `resampled_scores` (a group statistic's, see the module doc) the drop is that of the score."""
    before = {outcome.id: outcome for outcome in reference.outcomes}
    after = {outcome.id: outcome for outcome in other.outcomes}
    shared = [item for item in before if item in after]
    if not shared:
        raise ValueError(f"{reference.dimension}: the two results share no item (versions {reference.version} and "
                         f"{other.version}); they cannot be compared item by item")
    unpaired = len(before) + len(after) - 2 * len(shared)
    if resampled_scores is not None:
        return _score_drop(before, after, shared, resamples, resampled_scores, unpaired)
    strata: dict[str, list[float]] = defaultdict(list)
    for item in shared:
        strata[before[item].scenario].append(before[item].value - after[item].value)
    drop, low, high = _bootstrap(strata, resamples)
    return PairedDrop(drop, low, high, n=len(shared), unpaired=unpaired)


def _score_drop(before, after, shared, resamples, resampled_scores, unpaired) -> PairedDrop:
    """The score drop of a group statistic: both sides' scores on the same resampled items."""
    strata: dict[str, list[str]] = defaultdict(list)
    for item in shared:
        strata[before[item].scenario].append(item)
    rng = np.random.default_rng(SEED)
    draws = {name: rng.integers(0, len(items), size=(resamples, len(items))) for name, items in strata.items()}
    everything = {name: np.arange(len(items))[None, :] for name, items in strata.items()}

    def score(side, index) -> np.ndarray:
        return resampled_scores({name: [side[item] for item in items] for name, items in strata.items()}, index)

    drops = score(before, draws) - score(after, draws)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(drops, [tail, 1 - tail])
    drop = float(score(before, everything)[0] - score(after, everything)[0])
    return PairedDrop(drop, float(low), float(high), n=len(shared), unpaired=unpaired, measure="score")


def credit_interval(result: DimensionResult, resamples: int = RESAMPLES) -> tuple[float, float, float]:
    """(mean per-item credit, low, high) in points, averaged over sub-scenarios like the drop above: how far
    the measurement itself could move with other items of the same kind. The result must have outcomes."""
    strata: dict[str, list[float]] = defaultdict(list)
    for outcome in result.outcomes:
        strata[outcome.scenario].append(outcome.value)
    return _bootstrap(strata, resamples)


def _bootstrap(strata: dict[str, list[float]], resamples: int) -> tuple[float, float, float]:
    """The mean over strata of each stratum's mean, and its percentile interval: every resample draws
    each stratum's own size, with replacement."""
    rng = np.random.default_rng(SEED)
    point = np.mean([np.mean(values) for values in strata.values()])
    draws = np.zeros(resamples)
    for values in strata.values():
        values = np.asarray(values, dtype=float)
        rows = max(1, DRAWS_AT_ONCE // len(values))  # bounded memory for a full-tier stratum of 100k items
        for start in range(0, resamples, rows):
            stop = min(resamples, start + rows)
            draws[start:stop] += values[rng.integers(0, len(values), size=(stop - start, len(values)))].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(draws / len(strata), [tail, 1 - tail])
    return 100 * float(point), 100 * float(low), 100 * float(high)
