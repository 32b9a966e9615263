"""End to end through the real plugin, as a user runs it: the eight trust dimensions and benign
utility at smoke tier, every floor gate decided (pass, fail, or inconclusive: an xfail under
--trust-inconclusive warn) and shown with its score, pytest's own outcome agreeing with the verdict, the
run-results file holding every result and verdict, and the rendered Allure report showing every
dimension with its bounds and outcome.

The model is a tiny Llama with random weights (a word tokenizer; positions long enough for the
few-shot prompts): the pipeline is what only this test runs whole, and on this model it takes seconds,
where the default model took 16 minutes. What the default model itself does is tested where it matters:
its chat answers and stops (test_default_model.py); its dimensions' floors, every one, through the
vLLM servers the suite starts, beside a compressed variant (test_vllm_server.py); its toxicity floor
through the installed plugin (test_installed_plugin.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from compressed_trust.reports.render import page_routes, render, rendered_text
from tests.conftest import build_tiny_llama
from trust_tests.dimension import dimension, names
from trust_tests.gates import FAIL, INCONCLUSIVE, PASS

ROOT = Path(__file__).resolve().parents[1]
# How pytest reports each verdict under --trust-inconclusive warn, in its summary and in the report.
PYTEST_STATUS = {PASS: "PASSED", FAIL: "FAILED", INCONCLUSIVE: "XFAIL"}
REPORT_STATUS = {PASS: "Passed", FAIL: "Failed", INCONCLUSIVE: "Skipped"}
SUMMARY_WORD = {PASS: "passed", FAIL: "failed", INCONCLUSIVE: "xfailed"}


def test_every_dimension_and_utility_at_smoke_tier_through_the_plugin_and_the_report(tmp_path, report_tools):
    model = build_tiny_llama(tmp_path / "tiny-llama", max_position_embeddings=4096)
    run = subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "-m", " or ".join(names()), "-rA",
                          "-p", "no:cacheprovider", "--model", str(model), f"--trust-reports={tmp_path}",
                          f"--alluredir={tmp_path / 'allure'}", f"--trust-cache={tmp_path / 'cache'}",
                          "--trust-inconclusive", "warn"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    written, = (tmp_path / "runs").glob("*-smoke.json")
    document = json.loads(written.read_text())
    results = document["results"]
    assert sorted(entry["dimension"] for entry in results) == sorted(names())
    assert all(entry["variant"] == "none" and len(entry["outcomes"]) == entry["n"] for entry in results)
    outcomes = {verdict["dimension"]: verdict["outcome"] for verdict in document["verdicts"]}
    assert sorted(outcomes) == sorted(names()), outcomes
    assert run.returncode == (1 if FAIL in outcomes.values() else 0), run.stdout[-4000:] + run.stderr[-2000:]
    for name, outcome in outcomes.items():  # pytest's outcome is the verdict's, and the score is shown
        test = rf"trust_tests/{name}/test_{name}\.py::test_{name}_score\[none\]"
        assert re.search(rf"^{PYTEST_STATUS[outcome]} {test}", run.stdout, re.MULTILINE), f"{name}: {outcome}"
        shown = (rf"XFAIL {test} - INCONCLUSIVE: {name} \[none\]: score (?P<score>\d+\.\d+), .* "
                 rf"\(n=(?P<n>\d+), refusal (?P<refusal>\d+\.\d)%" if outcome == INCONCLUSIVE else
                 rf"\[none\] {name}: score (?P<score>\d+\.\d) \(refusal (?P<refusal>\d+\.\d)%, n=(?P<n>\d+)")
        line = re.search(shown, run.stdout)
        assert line, f"no score shown for {name} ({outcome})"
        assert 0 <= float(line["score"]) <= 100 and 0 <= float(line["refusal"]) <= 100 and int(line["n"]) > 0, line[0]
    final = run.stdout.strip().splitlines()[-1]  # "=== 3 failed, 3 passed, 30 deselected, 3 xfailed in 12.67s ==="
    for outcome, word in SUMMARY_WORD.items():
        count = sum(1 for o in outcomes.values() if o == outcome)
        assert (f" {count} {word}" in final) == bool(count), final

    with report_tools():
        index = render(tmp_path / "allure", tmp_path / "report")
        tree, routes = rendered_text(index), page_routes(index)
        pages = {entry["dimension"]: rendered_text(index, next(
            route for title, route in routes.items()
            if title.startswith(f"{dimension(entry['dimension']).title} of none: score at least the floor: score "
                                f"{entry['score']:.1f} points, 95% bounds ["))) for entry in results}
    assert f"Total {len(names())}" in tree
    for outcome, shown in REPORT_STATUS.items():
        if count := sum(1 for o in outcomes.values() if o == outcome):
            assert f"{shown} {count}" in tree, tree[:1500]
    for entry in results:  # every dimension in the tree, and its score, bounds and outcome on its page
        assert f"{dimension(entry['dimension']).title} 1" in tree
        outcome = outcomes[entry["dimension"]]
        assert re.search(rf"of none: score at least the floor: score {entry['score']:.1f} points, 95% bounds "
                         rf"\[[\d.]+, [\d.]+\] points, n={entry['n']}, {outcome} {REPORT_STATUS[outcome]}",
                         pages[entry["dimension"]]), pages[entry["dimension"]][:1500]
