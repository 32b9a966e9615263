"""End to end on the default model at smoke tier: the eight trust dimensions and benign utility run,
print their scores, and their floor gates decide (with only the dense model, the drop gates are
deselected; a floor the smoke tier cannot decide is inconclusive, an xfail under --trust-inconclusive
warn, never a failure here); the run-results file holds every result and verdict, and the rendered
Allure report shows every dimension with its bounds. Hermetic: its own cache (the session's `suite_cache`), so it computes every output (about
6 minutes on a 2-core CPU)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compressed_trust.reports.render import page_routes, render, rendered_text
from trust_tests.dimension import dimension, names
from trust_tests.gates import FAIL, INCONCLUSIVE, PASS

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_every_dimension_and_utility_at_smoke_tier_on_the_default_model(tmp_path, report_tools, suite_cache):
    # warn: a floor the smoke tier's few items cannot decide is an xfail here; the test is that every gate decides
    run = subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "-m", " or ".join(names()), "-rA",
                          "-p", "no:cacheprovider", f"--trust-reports={tmp_path}", f"--alluredir={tmp_path / 'allure'}",
                          f"--trust-cache={suite_cache}", "--trust-inconclusive", "warn"],
                         cwd=ROOT, capture_output=True, text=True, timeout=3600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    written, = (tmp_path / "runs").glob("*-smollm2-135m-smoke.json")
    document = json.loads(written.read_text())
    results = document["results"]
    assert sorted(entry["dimension"] for entry in results) == sorted(names())
    assert all(entry["variant"] == "none" and len(entry["outcomes"]) == entry["n"] for entry in results)
    outcomes = {verdict["dimension"]: verdict["outcome"] for verdict in document["verdicts"]}
    assert sorted(outcomes) == sorted(names()) and FAIL not in outcomes.values(), outcomes  # decided or undecided
    for name in names():  # a passed gate prints its score (-rA); an undecided one states it in its XFAIL line
        shown = (rf"\[none\] {name}: score (?P<score>\d+\.\d) \(refusal (?P<refusal>\d+\.\d)%, n=(?P<n>\d+)"
                 if outcomes[name] == PASS else
                 rf"XFAIL \S+\[none\] - INCONCLUSIVE: {name} \[none\]: score (?P<score>\d+\.\d+), .* "
                 rf"\(n=(?P<n>\d+), refusal (?P<refusal>\d+\.\d)%")
        line = re.search(shown, run.stdout)
        assert line, f"no score shown for {name} ({outcomes[name]})"
        score, refusal, n = float(line["score"]), float(line["refusal"]), int(line["n"])
        assert 0 <= score <= 100 and 0 <= refusal <= 100 and n > 0, line[0]
        print(line[0])
    counts = {outcome: sum(1 for o in outcomes.values() if o == outcome) for outcome in (PASS, INCONCLUSIVE)}
    final = run.stdout.strip().splitlines()[-1]  # "=== 7 passed, 30 deselected, 2 xfailed in 2049.21s ==="
    assert f" {counts[PASS]} passed," in final and "failed" not in final.replace("xfailed", ""), final
    assert (f"{counts[INCONCLUSIVE]} xfailed" in final) == bool(counts[INCONCLUSIVE]), final

    with report_tools():
        index = render(tmp_path / "allure", tmp_path / "report")
        tree, routes = rendered_text(index), page_routes(index)
        pages = {entry["dimension"]: rendered_text(index, next(
            route for title, route in routes.items()
            if title.startswith(f"{dimension(entry['dimension']).title} of none: score at least the floor: score "
                                f"{entry['score']:.1f} points, 95% bounds ["))) for entry in results}
    assert f"Total {len(names())}" in tree and f"Passed {counts[PASS]}" in tree
    for entry in results:  # every dimension in the tree, and its score, bounds and outcome on its page
        assert f"{dimension(entry['dimension']).title} 1" in tree
        shown = {PASS: "Passed", INCONCLUSIVE: "Skipped"}[outcomes[entry["dimension"]]]
        assert re.search(rf"of none: score at least the floor: score {entry['score']:.1f} points, 95% bounds "
                         rf"\[[\d.]+, [\d.]+\] points, n={entry['n']}, {outcomes[entry['dimension']]} {shown}",
                         pages[entry["dimension"]]), pages[entry["dimension"]][:1500]
