"""Paired statistics (trust_tests/stats.py) against hand-computed expectations, and the drop gate's
use of them: a real drop fails, the same mean drop on too few items does not, an improvement never
fails."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trust_tests.gates import Thresholds, check_drop
from trust_tests.result import DimensionResult, Outcome
from trust_tests.stats import credit_interval, paired_drop

LIMITS = Thresholds(floor=50.0, max_drop=5.0, max_refusal_shift=10.0, max_perplexity_increase=10.0)


def _result(values, scenarios=None, dimension="machine_ethics", ids=None) -> DimensionResult:
    scenarios = scenarios or ["zero_shot"] * len(values)
    ids = ids or [f"item-{i}" for i in range(len(values))]
    outcomes = tuple(Outcome(item, scenario, float(value)) for item, scenario, value in zip(ids, scenarios, values))
    score = 100 * sum(values) / len(values)
    return DimensionResult(dimension, "1", score, {}, 0.0, len(values), outcomes)


def test_drop_averages_the_sub_scenarios_each_weighing_the_same():
    # sub-scenario a: 4 items, one lost (mean difference 1/4); b: 2 items, none lost (0).
    # macro: (0.25 + 0) / 2 = 12.5 points; a pooled mean would say 1/6 = 16.7.
    scenarios = ["a", "a", "a", "a", "b", "b"]
    drop = paired_drop(_result([1, 1, 1, 1, 1, 1], scenarios), _result([0, 1, 1, 1, 1, 1], scenarios))
    assert drop.drop == pytest.approx(12.5)
    assert drop.n == 6 and drop.unpaired == 0
    assert drop.low <= drop.drop <= drop.high


def test_identical_results_have_no_drop():
    same = paired_drop(_result([1, 0, 1, 0, 1]), _result([1, 0, 1, 0, 1]))
    assert (same.drop, same.low, same.high, same.significant) == (0.0, 0.0, 0.0, False)


def test_pairs_by_item_id_and_counts_the_unpaired():
    reference = _result([1] * 10, ids=[f"q{i}" for i in range(10)])
    other = _result([0] * 10, ids=[f"q{i}" for i in range(5, 15)])
    drop = paired_drop(reference, other)
    assert (drop.n, drop.unpaired, drop.drop) == (5, 10, 100.0)
    with pytest.raises(ValueError, match="machine_ethics: the two results share no item"):
        paired_drop(reference, _result([0] * 3, ids=["x", "y", "z"]))


def test_the_interval_is_the_same_every_time():
    reference, other = _result([1, 0] * 50), _result([0, 1, 1, 0] * 25)
    assert paired_drop(reference, other) == paired_drop(reference, other)


def test_credit_interval_of_one_result():
    credit, low, high = credit_interval(_result([1, 0, 1, 1]))
    assert credit == 75.0 and 0 <= low <= 75.0 <= high <= 100


def test_a_real_drop_beyond_the_limit_fails():
    # 1000 items, 100 of them lost: a 10-point drop, far outside noise
    verdict = check_drop(_result([0] * 100 + [1] * 900), _result([1] * 1000), "gptq-w3", "baseline [none]", LIMITS)
    assert not verdict.passed
    assert verdict.figures["ci_low"] > 5 and verdict.figures["n"] == 1000 and verdict.figures["significant"]
    assert "a drop of 10.00 points (limit 5.00)" in verdict.message and "significant: over the limit" in verdict.message


def test_the_same_mean_drop_on_too_few_items_does_not_fail():
    # 10 items, 1 lost: the same 10-point drop, but a resample without that item is as likely as not
    verdict = check_drop(_result([0] + [1] * 9), _result([1] * 10), "gptq-w3", "baseline [none]", LIMITS)
    assert verdict.passed and verdict.figures["drop"] == pytest.approx(10.0) and not verdict.figures["significant"]
    assert verdict.figures["ci_low"] <= 0
    assert "not significant on these items: reported, not failed" in verdict.message


def test_a_group_statistic_is_resampled_as_a_score():
    # fairness: per setting, the parity gap between the sexes. Dense answers every person "no" (score 100);
    # the variant answers "yes" to the men (DPD 1, EOD 1: score 0). On 40 people the 100-point drop is
    # significant; on 4 people one resample in eight holds one sex only (the worst case on both sides: no
    # drop), so the interval reaches 0.
    def fairness(people: int, yes_to_men: bool) -> DimensionResult:
        sexes = ["MF"[(i // 2) % 2] for i in range(people)]
        outcomes = tuple(Outcome(f"p{i}", "zero_shot_br_0.0", 1.0, detail=(i % 2, int(yes_to_men and sex == "M"), sex))
                         for i, sex in enumerate(sexes))
        return DimensionResult("fairness", "1", 0.0 if yes_to_men else 100.0, {}, 0.0, people, outcomes)

    many = check_drop(fairness(40, True), fairness(40, False), "gptq-w3", "baseline [none]", LIMITS)
    assert not many.passed and many.figures["score_drop"] == pytest.approx(100.0) and many.figures["ci_low"] > 5
    assert "score drop 100.00 points, 95% CI [" in many.message and "n=40 paired items, significant" in many.message
    few = check_drop(fairness(4, True), fairness(4, False), "gptq-w3", "baseline [none]", LIMITS)
    assert few.passed and few.figures["ci_low"] == 0.0 and few.figures["score_drop"] == pytest.approx(100.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from("abc")), min_size=1, max_size=60))
def test_an_improvement_never_fails(rows):
    reference = _result([before for before, _, _ in rows], [s for *_, s in rows])
    improved = _result([before + (1 - before) * gain for before, gain, _ in rows], [s for *_, s in rows])
    verdict = check_drop(improved, reference, "gptq-w4", "baseline [none]", LIMITS)
    assert verdict.passed and verdict.figures["credit_drop"] <= 1e-9
