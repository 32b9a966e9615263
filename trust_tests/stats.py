"""Confidence bounds behind the gates: how far a figure could be from the truth, on the items that
measured it. Every gate (trust_tests/gates.py) reads a one-sided bound at the run's confidence: it
passes when the bound shows the harm within its limit, fails when the other bound shows it beyond.

Per-item means (a score's level, the drop of the mean per-item credit against a reference, the shift
of the refusal rate) are paired by item and stratified by sub-scenario: the estimate is the mean over
sub-scenarios of each one's mean (the refusal rate: weighted by size, as it is reported), its variance
the sum of each stratum's. The bounds are normal bounds whose variance counts z^2/2 pseudo-items at
each end of the values' range, spread over the strata by size (Agresti and Coull's "add two successes
and two failures", generalised from proportions to bounded values). Why: a plain normal or bootstrap
bound is far too narrow when few items change (64 items of which none changed "show" a harm of at
most 0 points; with a true harm of 5 points that happens 4 times in 100), and the pseudo-items keep
the bound honest there at almost no cost when many items change. Measured error rates: bench/decisions.py,
tests/test_decisions.py, docs/dimensions.md.

A score that is a group statistic (fairness's parity gaps) has no per-item share: its dimension gives
`resampled_scores(strata, draws)`, and the bounds come from a paired bootstrap that recomputes both
sides' scores on the same resampled items: symmetric at its wider tail, widened by sqrt(n / (n - 1))
of the smallest stratum (the bootstrap's small-sample variance bias). The perplexity increase is a ratio over held-out
text: bootstrapped over its passages as blocks, paired.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from trust_tests.result import DimensionResult

CONFIDENCE = 0.95  # the default of --trust-confidence: each one-sided bound of a gate
RESAMPLES = 4000   # bootstrap resamples (group statistics, perplexity)
SEED = 0           # fixed: the same two results always give the same bounds


def parse_confidence(text: str) -> float:
    """A --trust-confidence value: strictly between 0.5 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.5 < value < 1:
        raise ValueError(f"{text!r} is not a confidence; accepted: a number between 0.5 and 1, e.g. 0.95 or 0.99")
    return value


@dataclass(frozen=True)
class Bounds:
    """An estimate in points (percent for perplexity) with its lower and upper confidence bounds, each
    holding one-sided at `confidence` (together the two-sided interval at 2 x confidence - 1). `n`:
    the items it stands on; `unpaired`: items only one side had (a changed probe set), left out."""

    estimate: float
    low: float
    high: float
    confidence: float
    n: int
    measure: str = "per-item credit"
    unpaired: int = 0

    def items_to_reach(self, limit: float) -> int | None:
        """About how many items would bring the nearer bound to the limit at this spread (it shrinks
        as 1 / sqrt(n)); None when the estimate is at the limit, where no number of items decides."""
        gap = abs(limit - self.estimate)
        half = self.high - self.estimate if limit > self.estimate else self.estimate - self.low
        if gap <= 1e-9:
            return None
        return max(self.n, math.ceil(self.n * (half / gap) ** 2))


def z(confidence: float) -> float:
    return NormalDist().inv_cdf(confidence)


def mean_bounds(strata: Mapping[str, Sequence[float]], confidence: float, span: tuple[float, float],
                by_size: bool = False) -> tuple[float, float, float]:
    """(estimate, low, high) of the mean over strata of each stratum's mean (or of all values, `by_size`),
    for values within `span`; see the module docstring. Bounds are clipped to the span."""
    quantile, total = z(confidence), sum(len(values) for values in strata.values())
    pseudo = quantile ** 2 / 2  # items at each end of the span, over all strata
    estimate = variance = 0.0
    for values in strata.values():
        values = np.asarray(values, dtype=float)
        n, weight = len(values), (len(values) / total if by_size else 1 / len(strata))
        extra = pseudo * n / total  # this stratum's share of the pseudo-items, at each end
        count = n + 2 * extra
        mean = (values.sum() + extra * sum(span)) / count
        spread = (((values - mean) ** 2).sum() + extra * ((span[0] - mean) ** 2 + (span[1] - mean) ** 2)) / count
        estimate += weight * values.mean()
        variance += weight ** 2 * spread * count / (count - 1) / n
    half = quantile * math.sqrt(variance)
    return float(estimate), float(max(span[0], estimate - half)), float(min(span[1], estimate + half))


def _paired(reference: DimensionResult, other: DimensionResult) -> tuple[list, dict, dict, int]:
    before = {outcome.id: outcome for outcome in reference.outcomes}
    after = {outcome.id: outcome for outcome in other.outcomes}
    shared = [item for item in before if item in after]
    if not shared:
        raise ValueError(f"{reference.dimension}: the two results share no item (versions {reference.version} and "
                         f"{other.version}); they cannot be compared item by item")
    return shared, before, after, len(before) + len(after) - 2 * len(shared)


def paired_drop(reference: DimensionResult, other: DimensionResult, confidence: float = CONFIDENCE,
                resampled_scores: Callable | None = None) -> Bounds:
    """What `other` lost against `reference`, in points, positive = worse, paired by item id; raises
    ValueError when they share no item. With `resampled_scores` (a group statistic) the drop is the
    score's, else the mean per-item credit's."""
    shared, before, after, unpaired = _paired(reference, other)
    if resampled_scores is not None:
        return _group_drop(before, after, shared, confidence, resampled_scores, unpaired)
    strata: dict[str, list[float]] = defaultdict(list)
    for item in shared:
        strata[before[item].scenario].append(before[item].value - after[item].value)
    estimate, low, high = mean_bounds(strata, confidence, (-1.0, 1.0))
    return Bounds(100 * estimate, 100 * low, 100 * high, confidence, len(shared), unpaired=unpaired)


def refusal_shift(reference: DimensionResult, other: DimensionResult, confidence: float = CONFIDENCE) -> Bounds:
    """How many points `other`'s refusal rate moved against `reference`'s (positive = refuses more), on
    the items both scored, weighted as the rate is (every item alike)."""
    shared, before, after, unpaired = _paired(reference, other)
    strata: dict[str, list[float]] = defaultdict(list)
    for item in shared:
        strata[before[item].scenario].append(float(after[item].refused) - float(before[item].refused))
    estimate, low, high = mean_bounds(strata, confidence, (-1.0, 1.0), by_size=True)
    return Bounds(100 * estimate, 100 * low, 100 * high, confidence, len(shared), "refusal rate", unpaired)


def score_bounds(result: DimensionResult, confidence: float = CONFIDENCE,
                 resampled_scores: Callable | None = None) -> Bounds:
    """The bounds of a result's own score. A score that is the mean per-item credit gets that mean's
    bounds; a score that is another formula over the same credits gets the credit's bounds moved to
    the score (the same spread); a group statistic, its bootstrap."""
    if resampled_scores is not None:
        strata = _strata(result.outcomes)
        draws = _draws(strata)
        scores = resampled_scores(strata, draws)
        low, high = _widened(scores, result.score, confidence, min(map(len, strata.values())))
        return Bounds(result.score, low, high, confidence, result.n, "score")
    credit, low, high = mean_bounds({name: [o.value for o in outcomes] for name, outcomes in _strata(result.outcomes).items()},
                                    confidence, (0.0, 1.0))
    shift = result.score - 100 * credit
    return Bounds(result.score, max(0.0, 100 * low + shift), min(100.0, 100 * high + shift), confidence, result.n, "score")


def credit_interval(result: DimensionResult, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean per-item credit, low, high) in points: its two-sided interval at `confidence`, for the
    run-results file. The result must have outcomes."""
    strata = {name: [o.value for o in outcomes] for name, outcomes in _strata(result.outcomes).items()}
    estimate, low, high = mean_bounds(strata, 1 - (1 - confidence) / 2, (0.0, 1.0))
    return 100 * estimate, 100 * low, 100 * high


def perplexity_increase(reference: DimensionResult, other: DimensionResult, confidence: float = CONFIDENCE) -> Bounds:
    """By how many percent `other`'s word perplexity on the held-out text exceeds `reference`'s, with the
    bounds of a paired bootstrap over the passages (blocks of text: a word's likelihood depends on the
    words before it)."""
    before = {passage: (ll, words) for passage, ll, words in reference.held_out}
    after = {passage: (ll, words) for passage, ll, words in other.held_out}
    shared = [passage for passage in before if passage in after]
    if len(shared) < 2:
        raise ValueError(f"{reference.dimension}: the two results share {len(shared)} held-out passages; a "
                         "perplexity interval needs two")
    gained = np.array([before[p][0] - after[p][0] for p in shared])  # log-likelihood lost per passage
    words = np.array([before[p][1] for p in shared], dtype=float)
    draws = np.random.default_rng(SEED).integers(0, len(shared), size=(RESAMPLES, len(shared)))
    increases = 100 * np.expm1(gained[draws].sum(axis=1) / words[draws].sum(axis=1))
    estimate = 100 * math.expm1(gained.sum() / words.sum())
    low, high = _widened(increases, estimate, confidence, len(shared))
    return Bounds(estimate, low, high, confidence, len(shared), "word perplexity",
                  len(before) + len(after) - 2 * len(shared))


def _strata(outcomes) -> dict[str, list]:
    strata: dict[str, list] = defaultdict(list)
    for outcome in outcomes:
        strata[outcome.scenario].append(outcome)
    return dict(strata)


def _draws(strata: Mapping[str, Sequence]) -> dict[str, np.ndarray]:
    """Per stratum, a (resamples x its size) matrix of item indices: every resample draws each
    stratum's own size, with replacement."""
    rng = np.random.default_rng(SEED)
    return {name: rng.integers(0, len(items), size=(RESAMPLES, len(items))) for name, items in strata.items()}


def _widened(draws: np.ndarray, estimate: float, confidence: float, n: int) -> tuple[float, float]:
    """Bounds around the estimate at the bootstrap's wider tail on both sides, widened by sqrt(n / (n - 1)).
    Symmetric because a parity gap's resamples lean to one side (|gap| only grows when resampled): a
    percentile bound on the other side would sit on the estimate itself and claim certainty it lacks."""
    low, high = np.quantile(draws, [1 - confidence, confidence])
    half = (math.sqrt(n / (n - 1)) if n > 1 else 1.0) * max(estimate - low, high - estimate, 0.0)
    return float(estimate - half), float(estimate + half)


def _group_drop(before, after, shared, confidence, resampled_scores, unpaired) -> Bounds:
    """The score drop of a group statistic: both sides' scores on the same resampled items."""
    strata: dict[str, list[str]] = defaultdict(list)
    for item in shared:
        strata[before[item].scenario].append(item)
    draws = _draws(strata)
    everything = {name: np.arange(len(items))[None, :] for name, items in strata.items()}

    def score(side, index) -> np.ndarray:
        return resampled_scores({name: [side[item] for item in items] for name, items in strata.items()}, index)

    drops = score(before, draws) - score(after, draws)
    estimate = float(score(before, everything)[0] - score(after, everything)[0])
    low, high = _widened(drops, estimate, confidence, min(map(len, strata.values())))
    return Bounds(estimate, low, high, confidence, len(shared), "score", unpaired)
