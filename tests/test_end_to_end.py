"""End to end on the default model at smoke tier: the eight trust dimensions and benign utility run,
print their scores, and their gates evaluate (with only the dense model, the drop gates are
deselected). Uses the user cache: the first run on a machine computes (about 20 minutes on a
2-core CPU), later runs read the cached outputs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trust_tests.dimension import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_every_dimension_and_utility_at_smoke_tier_on_the_default_model():
    run = subprocess.run([sys.executable, "-m", "pytest", "trust_tests", "-m", " or ".join(SCENARIOS), "-rA",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=3600,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    for dimension in SCENARIOS:
        line = re.search(rf"\[none\] {dimension}: score (\d+\.\d) \(refusal (\d+\.\d)%, n=(\d+)", run.stdout)
        assert line, f"no score printed for {dimension}"
        score, refusal, n = float(line[1]), float(line[2]), int(line[3])
        assert 0 <= score <= 100 and 0 <= refusal <= 100 and n > 0
        print(line[0])
    assert re.search(rf"{len(SCENARIOS)} passed, \d+ deselected", run.stdout), run.stdout[-2000:]
