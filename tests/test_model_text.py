"""Any text a model writes survives every file the suite writes and reads it back from: the outputs
JSONL (read by `rescore` and by the report's worst examples), the response cache, the run-results
file (and the accepted baselines, the same format), DecodingTrust's stored runs.

Models under compression write any character: U+2028/U+2029, U+0085, \\x1c-\\x1e, \\x0b, \\x0c are line
ends to `str.splitlines()`, so a reader that split on them broke a gate on a real run (issue 20).
The text drawn here is every Unicode scalar value: the engine's text comes from a tokenizer's decoder,
which never yields a lone surrogate (UTF-8 cannot hold one either)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compressed_trust.fixtures.cache import ResponseCache, cache_key
from compressed_trust.fixtures.data import TrustData, read_jsonl, write_jsonl
from compressed_trust.reports.allure_report import _outputs
from compressed_trust.reports.baseline import BaselineStore
from compressed_trust.reports.runs import RunRecord, result_from_entry, write_run
from trust_tests.dimension import dimension, evaluate, rescore
from trust_tests.privacy import stored_runs as privacy_runs
from trust_tests.result import DimensionResult, Outcome

# Every character str.splitlines() ends a line at, and those JSON must escape.
SEPARATORS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00\t\"\\"
TEXT = st.text(st.one_of(st.sampled_from(SEPARATORS), st.characters(codec="utf-8")), max_size=40)
A_FEW = settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_the_separators_are_what_splitlines_splits_on():
    """The premise: every separator drawn here but the JSON-escaped ones is a line end to splitlines()."""
    assert all(len(f"a{character}b".splitlines()) == 2 for character in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@given(records=st.lists(st.dictionaries(TEXT, st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=3), max_size=5))
@A_FEW
def test_jsonl_round_trips_any_text(records, tmp_path):
    path = write_jsonl(tmp_path / "lines.jsonl", records)
    assert read_jsonl(path) == records
    assert path.read_bytes().count(b"\n") == len(records)  # one line per record, whatever the text holds


class _Engine:
    """Answers every request with the texts given, in turn."""

    def __init__(self, texts: list[str]):
        self.texts, self.turn = texts, 0

    def generate(self, requests):
        answers = []
        for request in requests:
            answers.append([self.texts[(self.turn + sample) % len(self.texts)] for sample in range(request.n)])
            self.turn += 1
        return answers

    def score_choices(self, requests):
        return [[0.0] * len(request.options) for request in requests]


@given(texts=st.lists(TEXT, min_size=1, max_size=6))
@A_FEW
def test_outputs_file_round_trips_into_rescore_and_the_report(texts, tmp_path):
    """evaluate() writes the outputs; rescore and the report's worst examples read the same texts back."""
    judged, data, outputs = dimension("machine_ethics"), TrustData("smoke"), tmp_path / "outputs.jsonl"
    measured = evaluate(judged, _Engine(texts), data, outputs)
    assert rescore(judged, data, outputs) == measured
    shown = _outputs(DimensionResult(**{**measured.to_dict(), "provenance": {"outputs": str(outputs)}}))
    expected = _Engine(texts).generate([item.request for item in judged.items(judged.load(data), "smoke")])
    assert [line["outputs"] for line in shown.values()] == expected


@given(texts=st.lists(TEXT, min_size=1, max_size=8))
@A_FEW
def test_response_cache_round_trips_any_text(texts, tmp_path):
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    try:
        entries = {cache_key(kind="generate", prompt=text, sample=index): text for index, text in enumerate(texts)}
        cache.put_many(entries)
        assert cache.get_many(entries) == entries
    finally:
        cache.close()


@given(texts=st.lists(TEXT, min_size=1, max_size=4), variant=TEXT)
@A_FEW
def test_run_results_file_and_baseline_round_trip_any_text(texts, variant, tmp_path):
    """Text reaches the run-results file in item ids, sub-scenarios, fairness details and provenance."""
    outcomes = tuple(Outcome(f"item {index}: {text}", text, 0.5, index % 2 == 0, (text, index))
                     for index, text in enumerate(texts))
    result = DimensionResult("toxicity", "1", 50.0, {texts[0]: 50.0}, 50.0, len(outcomes), outcomes,
                             provenance={"description": texts[-1], "calibration": {"source": texts[0]}})
    record = RunRecord("model", "smoke", "none")
    record.entry(result, variant)
    written = write_run(record, {"command": texts}, tmp_path / "runs")
    document = json.loads(written.read_text(encoding="utf-8"))
    assert result_from_entry(document["results"][0]) == result and document["manifest"]["command"] == texts
    accepted = BaselineStore(tmp_path / "baseline")
    accepted.accept(document["results"], "model", "smoke")
    assert BaselineStore(tmp_path / "baseline").find("model", "smoke", variant, "toxicity").result == result


@given(texts=st.lists(TEXT, min_size=1, max_size=5))
@A_FEW
def test_decodingtrust_runs_read_any_text(texts, tmp_path):
    """DecodingTrust writes its runs with json.dumps (ASCII-escaped); a copy re-saved as UTF-8 reads the same."""
    folder = tmp_path / "privacy" / "generations" / "enron"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [{"gt-name": "Ann", "gt-email": "ann@example.com", "continuation": text} for text in texts]
    for ascii_only in (True, False):
        (folder / "context-50_s3333_model_1.jsonl").write_text(
            "".join(json.dumps(line, ensure_ascii=ascii_only) + "\n" for line in lines), encoding="utf-8")
        part, = privacy_runs.read(tmp_path, tmp_path)
        assert [part.outputs[item.id] for item in part.items] == [[text] for text in texts]


def test_a_line_that_is_not_json_is_named_by_file_and_number(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": 1}\n\n{"id": \n', encoding="utf-8")
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}, line 3: not a JSON line"):
        read_jsonl(path)
