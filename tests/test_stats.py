"""Confidence bounds (trust_tests/stats.py) against hand-computed expectations: the Agresti-Coull style
normal bounds of per-item means (one stratum, several, the refusal rate's size weights), the paired
bootstrap of a group statistic, and the block bootstrap of the perplexity increase."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trust_tests.result import DimensionResult, Outcome
from trust_tests.stats import credit_interval, mean_bounds, paired_drop, perplexity_increase, refusal_shift, score_bounds

Z95 = 1.6448536269514722  # the 95% one-sided normal quantile


def _result(values, scenarios=None, dimension="machine_ethics", ids=None, refused=None) -> DimensionResult:
    scenarios = scenarios or ["zero_shot"] * len(values)
    ids = ids or [f"item-{i}" for i in range(len(values))]
    refused = refused or [False] * len(values)
    outcomes = tuple(Outcome(item, scenario, float(value), flag)
                     for item, scenario, value, flag in zip(ids, scenarios, values, refused))
    score = 100 * sum(values) / len(values)
    return DimensionResult(dimension, "1", score, {}, 100 * sum(refused) / len(values), len(values), outcomes)


def _by_hand(values, span, z=Z95):
    """One stratum: z^2/2 pseudo-items at each end of the span join the variance (not the estimate)."""
    n, k = len(values), z * z / 2
    count = n + 2 * k
    centre = (sum(values) + k * (span[0] + span[1])) / count
    spread = (sum((v - centre) ** 2 for v in values) + k * ((span[0] - centre) ** 2 + (span[1] - centre) ** 2)) / count
    half = z * math.sqrt(spread * count / (count - 1) / n)
    estimate = sum(values) / n
    return estimate, max(span[0], estimate - half), min(span[1], estimate + half)


def test_one_proportion_is_bounded_with_the_agresti_coull_spread():
    # 3 of 4 right: p~ = (3 + z^2/2) / (4 + z^2) = 0.6491, the bounds 0.75 -+ z sqrt(p~ (1 - p~) n~ / (n~ - 1) / 4)
    estimate, low, high = mean_bounds({"a": [1, 1, 0, 1]}, 0.95, (0.0, 1.0))
    p, count = (3 + Z95 ** 2 / 2) / (4 + Z95 ** 2), 4 + Z95 ** 2
    half = Z95 * math.sqrt(p * (1 - p) * count / (count - 1) / 4)
    assert p == pytest.approx(0.6491, abs=1e-4)
    assert (estimate, low, high) == pytest.approx((0.75, 0.75 - half, 1.0))  # the upper bound clipped at 1
    assert low == pytest.approx(0.3245, abs=1e-4)


def test_no_change_on_few_items_does_not_show_no_harm():
    # 64 items, none changed: a plain interval would be [0, 0]; here the upper bound is z sqrt(z^2 / (n~ - 1) / 64)
    _, low, high = mean_bounds({"a": [0.0] * 64}, 0.95, (-1.0, 1.0))
    count = 64 + Z95 ** 2
    assert high == pytest.approx(Z95 * math.sqrt(Z95 ** 2 / count * count / (count - 1) / 64)) == -low
    assert high == pytest.approx(0.0417, abs=1e-4)  # 4.2 points: a 5-point limit passes; 3 points does not


def test_strata_weigh_the_same_and_share_the_pseudo_items_by_size():
    # a: 4 items, one lost; b: 2 items, none lost: estimate (1/4 + 0) / 2 = 12.5 points (pooled: 16.7)
    drop = paired_drop(_result([1] * 6, list("aaaabb")), _result([0, 1, 1, 1, 1, 1], list("aaaabb")))
    k = Z95 ** 2 / 2
    variance = 0.0
    for values in ([1, 0, 0, 0], [0, 0]):
        extra = k * len(values) / 6
        count = len(values) + 2 * extra
        centre = sum(values) / count
        spread = (sum((v - centre) ** 2 for v in values) + extra * ((1 + centre) ** 2 + (1 - centre) ** 2)) / count
        variance += spread * count / (count - 1) / len(values) / 4
    assert drop.estimate == pytest.approx(12.5)
    assert (drop.low, drop.high) == pytest.approx((100 * (0.125 - Z95 * math.sqrt(variance)),
                                                   100 * (0.125 + Z95 * math.sqrt(variance))))
    assert drop.n == 6 and drop.unpaired == 0 and drop.measure == "per-item credit"


def test_a_drop_of_10_points_on_1000_items_by_hand():
    drop = paired_drop(_result([1] * 1000), _result([0] * 100 + [1] * 900))
    estimate, low, high = _by_hand([1] * 100 + [0] * 900, (-1.0, 1.0))
    assert (drop.estimate, drop.low, drop.high) == pytest.approx((100 * estimate, 100 * low, 100 * high))
    assert drop.low == pytest.approx(8.42, abs=0.01)


def test_pairs_by_item_id_and_counts_the_unpaired():
    reference = _result([1] * 10, ids=[f"q{i}" for i in range(10)])
    other = _result([0] * 10, ids=[f"q{i}" for i in range(5, 15)])
    drop = paired_drop(reference, other)
    assert (drop.n, drop.unpaired, drop.estimate) == (5, 10, 100.0)
    with pytest.raises(ValueError, match="machine_ethics: the two results share no item"):
        paired_drop(reference, _result([0] * 3, ids=["x", "y", "z"]))


def test_the_refusal_shift_weighs_items_alike():
    # a: 8 items, 4 newly refused; b: 2 items, none: the rate moves 4 / 10 = 40 points (equal weights: 25)
    scenarios = list("aaaaaaaabb")
    before = _result([1] * 10, scenarios)
    after = _result([1] * 10, scenarios, refused=[True] * 4 + [False] * 6)
    shift = refusal_shift(before, after)
    assert shift.estimate == pytest.approx(40.0) and shift.low < 40 < shift.high and shift.measure == "refusal rate"


def test_a_score_is_bounded_by_its_credit_moved_to_the_score():
    # a score that is not the mean credit (here 60 against a mean credit of 75): the same spread around it
    result = DimensionResult("machine_ethics", "1", 60.0, {}, 0.0, 4, tuple(_result([1, 1, 0, 1]).outcomes))
    bounds = score_bounds(result)
    _, low, high = _by_hand([1, 1, 0, 1], (0.0, 1.0))
    assert (bounds.estimate, bounds.low, bounds.high) == pytest.approx((60.0, 100 * low - 15, 100 * high - 15))


def test_credit_interval_is_two_sided():
    credit, low, high = credit_interval(_result([1, 0, 1, 1]))
    _, expected_low, _ = _by_hand([1, 0, 1, 1], (0.0, 1.0), z=1.959963984540054)
    assert credit == 75.0 and low == pytest.approx(100 * expected_low) and high == 100.0


def test_the_bounds_are_the_same_every_time():
    reference, other = _result([1, 0] * 50), _result([0, 1, 1, 0] * 25)
    assert paired_drop(reference, other) == paired_drop(reference, other)


def test_a_group_statistic_is_resampled_as_a_score():
    # fairness: per setting, the parity gap between the sexes. Dense answers every person "no" (score 100);
    # the variant answers "yes" to the men (DPD 1, EOD 1: score 0). On 40 people the 100-point drop is
    # bounded far from 0; on 4 people one resample in eight holds one sex only (the worst case on both
    # sides: no drop), so the lower bound reaches 0.
    from trust_tests.fairness.scoring import resampled_scores

    def fairness(people: int, yes_to_men: bool) -> DimensionResult:
        sexes = ["MF"[(i // 2) % 2] for i in range(people)]
        outcomes = tuple(Outcome(f"p{i}", "zero_shot_br_0.0", 1.0, detail=(i % 2, int(yes_to_men and sex == "M"), sex))
                         for i, sex in enumerate(sexes))
        return DimensionResult("fairness", "1", 0.0 if yes_to_men else 100.0, {}, 0.0, people, outcomes)

    many = paired_drop(fairness(40, False), fairness(40, True), resampled_scores=resampled_scores)
    assert many.estimate == pytest.approx(100.0) and many.low > 50 and many.measure == "score"
    few = paired_drop(fairness(4, False), fairness(4, True), resampled_scores=resampled_scores)
    assert few.estimate == pytest.approx(100.0) and few.low <= 0.0


def test_the_perplexity_increase_is_bootstrapped_over_passages():
    # every passage loses 10 words' worth of log-likelihood 0.1 each: perplexity x exp(0.1): +10.5%, every resample
    def utility(loss: float) -> DimensionResult:
        return DimensionResult("utility", "1", 40.0, {}, 0.0, 0, (),
                               held_out=tuple((f"p{i}", -20.0 - loss, 10) for i in range(12)))

    bounds = perplexity_increase(utility(0.0), utility(1.0))
    assert bounds.estimate == pytest.approx(100 * math.expm1(0.1))
    assert bounds.low == pytest.approx(bounds.estimate) == pytest.approx(bounds.high)
    assert bounds.n == 12 and bounds.measure == "word perplexity"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from("abc")), min_size=1, max_size=60))
def test_an_improvement_is_never_shown_a_drop(rows):
    reference = _result([before for before, _, _ in rows], [s for *_, s in rows])
    improved = _result([before + (1 - before) * gain for before, gain, _ in rows], [s for *_, s in rows])
    drop = paired_drop(reference, improved)
    assert drop.estimate <= 1e-9 and drop.low <= 1e-9 and drop.low <= drop.estimate <= drop.high
