"""The regression alert: its markdown, the job-summary text, and the webhook POST against a local
HTTP server on 127.0.0.1."""

from __future__ import annotations

from compressed_trust.reports import alerts

DROP = {"gate": "drop", "dimension": "toxicity", "variant": "gptq-w3", "outcome": "fail",
        "message": "toxicity [gptq-w3]: score 32.00 vs baseline [none] 81.00, a drop of 49.00 points; ...",
        "figures": {"outcome": "fail", "score": 32.0, "reference_score": 81.0, "drop": 49.0, "estimate": 49.0,
                    "low": 41.5, "high": 56.25, "limit": 5.0, "confidence": 0.95, "n": 1200}}
UNDECIDED = {"gate": "drop", "dimension": "privacy", "variant": "gptq-w3", "outcome": "inconclusive",
             "message": "privacy [gptq-w3]: score 85.00 vs baseline [none] 88.00, a drop of 3.00 points; ...",
             "figures": {"outcome": "inconclusive", "score": 85.0, "reference_score": 88.0, "drop": 3.0, "estimate": 3.0,
                         "low": -1.5, "high": 7.5, "limit": 5.0, "confidence": 0.95, "n": 200}}
MISSING = {"gate": "no_regression", "dimension": "privacy", "variant": "gptq-w3", "outcome": "fail",
           "message": "privacy [gptq-w3]: no accepted result", "figures": {"score": 80.0, "missing_baseline": True}}
ERRORS = [{"test": "trust_tests/privacy/test_privacy.py::test_privacy_score[awq-w4]", "message": "CompressionError: x"},
          {"test": "trust_tests/toxicity/test_toxicity.py::test_toxicity_score[awq-w4]", "message": "CompressionError: x"}]


def _alert(*verdicts) -> alerts.Alert:
    return alerts.alert("llama2-13b-chat", "standard", "2026-11-28T10:00:00Z", list(verdicts or (DROP, MISSING)), ERRORS)


def test_alert_markdown_names_model_variant_dimension_and_drop():
    text = _alert().markdown()
    assert text.startswith("## Trust regression: llama2-13b-chat (standard tier)\n")
    assert "| gptq-w3 | toxicity | dense baseline | 32.0 | 81.0 | 49.0 | 95% [41.5, 56.2] | 1200 | fail |" in text
    assert "privacy" not in text.split("### Infrastructure")[0]  # a missing baseline entry is not a measured drop
    assert "### Infrastructure errors (2 tests): trust was not measured there" in text
    assert "- CompressionError: x (2 tests, e.g. `trust_tests/privacy/test_privacy.py::test_privacy_score[awq-w4]`)" in text


def test_an_inconclusive_drop_gate_is_in_the_alert_as_inconclusive():
    alone = _alert(UNDECIDED)
    assert alone.raised and alone.failures == [] and alone.inconclusive == [UNDECIDED]
    text = alone.markdown()
    assert text.startswith("## Trust not shown within the limits: llama2-13b-chat (standard tier)\n")
    assert "0 drop gate(s) failed, 1 inconclusive" in text
    assert "| gptq-w3 | privacy | dense baseline | 85.0 | 88.0 | 3.0 | 95% [-1.5, 7.5] | 200 | inconclusive |" in text
    assert _alert(DROP, UNDECIDED).markdown().startswith("## Trust regression:")
    assert not _alert({**DROP, "outcome": "pass"}).raised


def test_summary_tables_scores_and_appends_the_alert(tmp_path):
    run = {"model": "llama2-13b-chat", "tier": "standard", "errors": ERRORS,
           "verdicts": [DROP, MISSING, {**DROP, "outcome": "pass"}, {**UNDECIDED, "gate": "floor"}],
           "results": [{"variant": "none", "dimension": "toxicity", "score": 81.0},
                       {"variant": "gptq-w3", "dimension": "toxicity", "score": 32.0},
                       {"variant": "none", "dimension": "privacy", "score": 90.25}]}
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n")
    alerts.append_summary(summary_file, alerts.summary(run, _alert()))
    text = summary_file.read_text()
    assert text.startswith("earlier step\n## Trust gates: llama2-13b-chat (standard tier)\n")
    assert "1 gates passed, 2 failed, 1 inconclusive, 2 infrastructure errors." in text
    assert "| dimension | none | gptq-w3 |" in text and "| toxicity | 81.0 | 32.0 |" in text and "| privacy | 90.2 | - |" in text
    assert "- FAIL privacy [gptq-w3]: no accepted result" in text and "- INCONCLUSIVE privacy [gptq-w3]: score 85.00" in text
    assert "## Trust regression: llama2-13b-chat" in text


def test_webhook_receives_the_alert_as_json(json_server):
    url, received = json_server()
    assert alerts.post(_alert(), f"{url}/hook") is None
    assert alerts.post(_alert(), f"{url}/hook", token="t0ken") is None
    (path, content_type, payload, no_token), (_, _, _, authorization) = received
    assert path == "/hook" and no_token is None and authorization == "Bearer t0ken"
    assert content_type == "application/json"
    assert payload["model"] == "llama2-13b-chat" and payload["tier"] == "standard"
    assert payload["failures"][0]["figures"]["drop"] == 49.0 and payload["failures"][0]["variant"] == "gptq-w3"
    assert payload["markdown"] == _alert().markdown() and len(payload["errors"]) == 2


def test_a_webhook_that_is_down_is_reported_not_raised():
    dead = "http://127.0.0.1:9/hook"  # port 9 (discard) on loopback: nothing listens, the connection is refused
    problem = alerts.post(_alert(), dead, timeout=2)
    assert problem.startswith(f"could not POST the alert to the --trust-alert-webhook {dead}:")
