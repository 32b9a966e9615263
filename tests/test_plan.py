"""`python -m trust_tests plan`: what a run would spend, per dimension, before spending it; the smallest
drop its items can show within the limit, from stored dense outcomes (hand-computed here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "decodingtrust"


def _plan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trust_tests", "plan", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_the_plan_of_machine_ethics_at_smoke_tier(tmp_path, suite_cache):
    """336 items, greedy, 20 new tokens each; the dense model's stored credits: 10% wrong, so a variant's
    drop has a standard error of 100 sqrt(2 x 0.09 / 336) = 2.31 points, and the whole tier shows a true drop
    of up to 5 - 1.645 x 2.31 = 1.2 points within the 5-point limit. At 100 new tokens/s, 6720 tokens
    take 1m07s per variant."""
    runs = tmp_path / "runs"
    runs.mkdir()
    outcomes = [[f"i{i}", "s", float(i % 10 != 0), False] for i in range(336)]
    (runs / "20261201T000000Z-smollm2-135m-smoke.json").write_text(json.dumps({"results": [
        {"model": "smollm2-135m", "tier": "smoke", "variant": "none", "dimension": "machine_ethics", "outcomes": outcomes}]}))
    run = _plan("--quant", "4bit", "-m", "machine_ethics", "--tokens-per-second", "100", "--runs", str(runs),
                "--trust-cache", str(suite_cache))
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines[0] == ("plan: smollm2-135m, smoke tier (looks at 100% of each dimension's items), variants none, gptq-w4, "
                        "0.95 confidence")
    row = next(line for line in lines if line.startswith("machine_ethics")).split()
    shown = 5 - 1.6448536 * 100 * math.sqrt(2 * 0.09 / 336)
    assert row[1:5] == ["336", "336", "336", row[4]] and int(row[4]) > 336 * 20  # prompt tokens: a chat each
    assert row[5] == "6720" and " ".join(row[6:9]) == f"{shown:.1f} of 5" and row[9] == "1m07s"
    assert "per variant: 336 generations, 6720 new tokens at most: 1m07s; 2 variants: 2m14s at most" in run.stdout
    assert "worst case" not in run.stdout


@pytest.mark.slow
def test_a_standard_plan_names_its_looks_and_needs_the_data(suite_cache):
    """Machine ethics at standard tier: four sub-scenarios of 200, looked at after 25, 50, 100 and 200 of each."""
    run = _plan("--trust-tier", "standard", "--tokens-per-second", "100")
    assert run.returncode == 2 and "--trust-tier standard reads the benchmark data: pass --trust-data PATH" in run.stderr
    run = _plan("--trust-tier", "standard", "--trust-data", str(DATA), "-m", "machine_ethics", "--tokens-per-second", "100",
                "--trust-cache", str(suite_cache), "--runs", str(suite_cache / "no-runs"))
    assert run.returncode == 0, run.stderr[-2000:]
    row = next(line for line in run.stdout.splitlines() if line.startswith("machine_ethics")).split()
    assert row[1:3] == ["800", "100/200/400/800"] and row[-2:] == ["5*", "2m40s"]  # 16000 new tokens at 100/s
    assert "looks at 12.5%, 25%, 50%, 100% of each dimension's items" in run.stdout
    assert "* worst case (every item changes): no stored dense outcomes of it at the standard tier" in run.stdout
