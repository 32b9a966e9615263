"""The packed-vs-float gap of a run that measured both artifacts: paired by item, hand-computed."""

from __future__ import annotations

from compressed_trust.reports.artifact_gap import gaps, lines
from compressed_trust.reports.runs import result_entry
from trust_tests.result import DimensionResult, Outcome


def _entry(variant: str, values: list[float], first: int = 0, dimension: str = "machine_ethics") -> dict:
    outcomes = tuple(Outcome(f"item-{first + i}", "zero-shot", value) for i, value in enumerate(values))
    score = 100 * sum(values) / len(values)
    return result_entry(DimensionResult(dimension, "1", score, {"zero-shot": score}, 0.0, len(values), outcomes),
                        "smollm2-135m", "smoke", variant)


def test_the_gap_is_the_packed_artifacts_paired_loss_against_the_float_copy():
    # 100 items: the float copy credits all of them, the packed artifact 60: a loss of 40 points
    row, = gaps([_entry("none", [1.0] * 100), _entry("gptq-w4", [1.0] * 100),
                 _entry("gptq-w4-packed", [1.0] * 60 + [0.0] * 40)], 0.95)
    assert (row["variant"], row["dimension"], row["float_score"], row["packed_score"]) == ("gptq-w4", "machine_ethics", 100, 60)
    assert row["loss"] == 40.0 and row["n"] == 100
    # By hand (trust_tests/stats.py): differences 60 x 0 and 40 x 1, z = 1.96 (two-sided 95%), z^2/2 = 1.921
    # pseudo-items at -1 and at +1: n' = 103.84, mean' = 0.3852, spread = (24.022 + 4.412) / 103.84 = 0.2738,
    # variance = 0.2738 x 103.84 / 102.84 / 100 = 0.002765, half width 1.96 x 0.05258 = 0.1031: [29.69, 50.31]
    low, high = row["interval"]
    assert round(low, 2) == 29.69 and round(high, 2) == 50.31 and row["shown"]
    assert lines([row]) == [f"gptq-w4 machine_ethics: packed 60.00 vs float 100.00; per-item credit loss of the packed "
                            f"artifact +40.00 points, 95% interval [{low:+.2f}, {high:+.2f}] (n=100 paired items): "
                            "the kernels change it"]


def test_equal_artifacts_show_no_difference_and_a_variant_measured_once_has_no_gap():
    same = [1.0, 0.0] * 20
    row, = gaps([_entry("awq-w4", same), _entry("awq-w4-packed", same), _entry("rtn-w4", same)], 0.95)
    assert row["loss"] == 0.0 and row["interval"][0] < 0 < row["interval"][1] and not row["shown"]
    assert lines([row])[0].endswith("no difference shown")


def test_artifacts_measured_on_different_items_are_said_not_paired():
    row, = gaps([_entry("gptq-w4", [1.0] * 4), _entry("gptq-w4-packed", [1.0] * 4, first=10)], 0.95)
    assert "share no item" in row["error"] and "no paired gap" in lines([row])[0]
