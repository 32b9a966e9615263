"""Accepted baselines (reports/baseline.py) and the no-regression check, on synthetic per-item outcomes."""

from __future__ import annotations

import json

import pytest

from compressed_trust.fixtures.models.variants import VariantSpec
from compressed_trust.reports.baseline import BaselineError, BaselineStore, check_regression
from compressed_trust.reports.runs import result_entry, result_from_entry
from trust_tests.dimension import dimension
from trust_tests.gates import FAIL, INCONCLUSIVE, PASS, GateCase, Thresholds
from trust_tests.result import DimensionResult, Outcome

LIMITS = Thresholds(floor=50.0, max_drop=5.0, max_refusal_shift=10.0, max_perplexity_increase=10.0)


def _result(right: int, n: int, version: str = "1") -> DimensionResult:
    outcomes = tuple(Outcome(f"q{i}", ("zero_shot", "few_shot")[i % 2], float(i < right), refused=i >= n - 2)
                     for i in range(n))
    return DimensionResult("machine_ethics", version, 100 * right / n, {"zero_shot": 1.0}, 200 / n, n, outcomes,
                           extra={"fpr_jailbreak": 0.1}, provenance={"variant": "gptq-w4"})


def _accept(path, *results_and_variants, model="org/model", tier="smoke"):
    store = BaselineStore(path)
    return store.accept([result_entry(result, model, tier, variant) for result, variant in results_and_variants],
                        model, tier)


def test_entries_round_trip_with_their_outcomes():
    result = _result(70, 100)
    back = result_from_entry(json.loads(json.dumps(result_entry(result, "m", "smoke", "gptq-w4"))))
    assert back.outcomes == result.outcomes and back.score == result.score and back.version == "1"
    fairness = DimensionResult("fairness", "1", 80.0, {}, 50.0, 2, (Outcome("a", "few_shot_br_0.0", 1.0, False, (1, 1, "F")),
                                                                    Outcome("b", "few_shot_br_0.0", 0.0, True, (0, None, "M"))))
    assert result_from_entry(json.loads(json.dumps(result_entry(fairness, "m", "smoke", "none")))).outcomes == \
        fairness.outcomes  # the detail a group statistic needs survives the file


def test_outcomes_are_keyed_records_and_files_of_format_1_still_read(tmp_path):
    entry = result_entry(_result(1, 2), "org/model", "smoke", "gptq-w4")
    assert entry["outcomes"][0] == {"id": "q0", "scenario": "zero_shot", "value": 1.0, "refused": True}
    # format 1 (before keyed records): [id, scenario, value, refused(, detail)]
    old = {**entry, "outcomes": [["q0", "zero_shot", 1.0, True], ["q1", "few_shot", 0.0, True, [0, None, "M"]]]}
    (tmp_path / "old.json").write_text(json.dumps({"format": 1, "results": [old]}))
    accepted = BaselineStore(tmp_path).find("org/model", "smoke", "gptq-w4", "machine_ethics")
    assert accepted.result.outcomes == (Outcome("q0", "zero_shot", 1.0, True),
                                        Outcome("q1", "few_shot", 0.0, True, (0, None, "M")))


def test_accept_writes_a_folder_file_and_merges(tmp_path):
    written = _accept(tmp_path, (_result(90, 100), "none"), (_result(80, 100), "gptq-w4"))
    assert written == tmp_path / "org-model-smoke.json"
    _accept(tmp_path, (_result(85, 100), "gptq-w4"))  # re-accepting one variant keeps the other
    store = BaselineStore(tmp_path)
    assert store.find("org/model", "smoke", "none", "machine_ethics").result.score == 90.0
    assert store.find("org/model", "smoke", "gptq-w4", "machine_ethics").result.score == 85.0
    assert store.find("org/model", "standard", "gptq-w4", "machine_ethics") is None


def test_two_files_accepting_the_same_entry_are_an_error(tmp_path):
    _accept(tmp_path / "a.json", (_result(90, 100), "none"))
    _accept(tmp_path / "b.json", (_result(91, 100), "none"))
    with pytest.raises(BaselineError, match=r"b.json and .*a.json both accept org/model/smoke/none/machine_ethics"):
        BaselineStore(tmp_path)


@pytest.mark.parametrize("text, why", [("{not json", "not a readable results file"),
                                       ('{"format": 99, "results": []}', "not a results file of format 1")])
def test_unreadable_baseline_files_name_the_file(tmp_path, text, why):
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(BaselineError, match=f"bad.json: {why}"):
        BaselineStore(tmp_path)


def _check(current: DimensionResult, accepted_result: DimensionResult | None, tmp_path, updating=False):
    if accepted_result is not None:
        _accept(tmp_path, (accepted_result, "gptq-w4"))
    accepted = BaselineStore(tmp_path).find("org/model", "smoke", "gptq-w4", "machine_ethics")
    case = GateCase("no_regression", dimension("machine_ethics"), VariantSpec("gptq-w4", "gptq"), current, None, "",
                    LIMITS)
    return check_regression(case, accepted, tmp_path, updating)


def test_a_regression_shown_beyond_the_limit_fails_with_drop_bounds_and_n(tmp_path):
    verdict = _check(_result(780, 1000), _result(900, 1000), tmp_path)
    assert verdict.outcome == FAIL and verdict.gate == "no_regression" and verdict.kind.alerts
    assert "score 78.00 vs accepted result (" in verdict.message and "a drop of 12.00 points" in verdict.message
    assert "lower bound" in verdict.message and "> limit 5.00: over the limit (n=1000 paired items)" in verdict.message
    assert verdict.figures["low"] > 5 and verdict.figures["drop"] == pytest.approx(12.0)


def test_the_same_drop_on_too_few_items_is_inconclusive(tmp_path):
    verdict = _check(_result(7, 10), _result(9, 10), tmp_path)  # 20 points, on 10 items
    assert verdict.outcome == INCONCLUSIVE and verdict.figures["drop"] == pytest.approx(20.0)
    assert verdict.figures["low"] < 5 < verdict.figures["high"]


def test_an_improvement_on_enough_items_passes(tmp_path):
    assert _check(_result(950, 1000), _result(900, 1000), tmp_path).outcome == PASS


def test_a_missing_baseline_entry_is_reported_clearly(tmp_path):
    verdict = _check(_result(90, 100), None, tmp_path)
    assert verdict.outcome == FAIL and verdict.figures["missing_baseline"]
    assert verdict.message == (f"machine_ethics [gptq-w4]: no accepted result for this model, variant, tier and "
                               f"dimension in {tmp_path}; nothing to compare against. Accept a reviewed run with "
                               "--trust-update-baseline.")
    accepting = _check(_result(90, 100), None, tmp_path, updating=True)
    assert accepting.passed and "accepted now (--trust-update-baseline)" in accepting.message


def test_a_changed_probe_set_does_not_compare(tmp_path):
    verdict = _check(_result(90, 100, version="2"), _result(90, 100, version="1"), tmp_path)
    assert verdict.outcome == FAIL and "probe set version 1, this run's is 2: the scores do not compare" in verdict.message
