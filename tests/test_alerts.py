"""The regression alert: its markdown, the job-summary text, and the webhook POST against a local
HTTP server on 127.0.0.1."""

from __future__ import annotations

from compressed_trust.reports import alerts

DROP = {"gate": "drop", "dimension": "toxicity", "variant": "gptq-w3", "passed": False,
        "message": "toxicity [gptq-w3]: score 32.00 vs baseline [none] 81.00, a drop of 49.00 points (limit 5.00)",
        "figures": {"score": 32.0, "reference_score": 81.0, "drop": 49.0, "ci_low": 41.5, "ci_high": 56.25, "n": 1200}}
MISSING = {"gate": "no_regression", "dimension": "privacy", "variant": "gptq-w3", "passed": False,
           "message": "privacy [gptq-w3]: no accepted result", "figures": {"score": 80.0, "missing_baseline": True}}
ERRORS = [{"test": "trust_tests/privacy/test_privacy.py::test_privacy_score[awq-w4]", "message": "CompressionError: x"},
          {"test": "trust_tests/toxicity/test_toxicity.py::test_toxicity_score[awq-w4]", "message": "CompressionError: x"}]


def _alert() -> alerts.Alert:
    return alerts.Alert("llama2-13b-chat", "standard", "2026-11-28T10:00:00Z",
                        [v for v in (DROP, MISSING) if alerts.is_alerting(v)], ERRORS)


def test_alert_markdown_names_model_variant_dimension_and_drop():
    text = _alert().markdown()
    assert text.startswith("## Trust regression: llama2-13b-chat (standard tier)\n")
    assert "| gptq-w3 | toxicity | dense baseline | 32.0 | 81.0 | 49.0 | [41.5, 56.2] | 1200 |" in text
    assert "privacy" not in text.split("### Infrastructure")[0]  # a missing baseline entry is not a measured drop
    assert "### Infrastructure errors (2 tests): trust was not measured there" in text
    assert "- CompressionError: x (2 tests, e.g. `trust_tests/privacy/test_privacy.py::test_privacy_score[awq-w4]`)" in text


def test_summary_tables_scores_and_appends_the_alert(tmp_path):
    run = {"model": "llama2-13b-chat", "tier": "standard", "errors": ERRORS, "verdicts": [DROP, MISSING, {**DROP, "passed": True}],
           "results": [{"variant": "none", "dimension": "toxicity", "score": 81.0},
                       {"variant": "gptq-w3", "dimension": "toxicity", "score": 32.0},
                       {"variant": "none", "dimension": "privacy", "score": 90.25}]}
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n")
    alerts.append_summary(summary_file, alerts.summary(run, _alert()))
    text = summary_file.read_text()
    assert text.startswith("earlier step\n## Trust gates: llama2-13b-chat (standard tier)\n")
    assert "1 gates passed, 2 failed, 2 infrastructure errors." in text
    assert "| dimension | none | gptq-w3 |" in text and "| toxicity | 81.0 | 32.0 |" in text and "| privacy | 90.2 | - |" in text
    assert "- FAILED privacy [gptq-w3]: no accepted result" in text
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
