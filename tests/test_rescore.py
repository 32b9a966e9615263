"""`python -m trust_tests rescore`: scoring stored outputs without a model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compressed_trust.fixtures.data import TrustData
from trust_tests.dimension import dimension

ROOT = Path(__file__).resolve().parents[1]


def _rescore(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trust_tests", "rescore", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _write_outputs(path: Path, answer: str, drop: int = 0) -> None:
    machine_ethics = dimension("machine_ethics")
    items = machine_ethics.items(machine_ethics.load(TrustData()), "smoke")[drop:]
    path.write_text("".join(json.dumps({"id": item.id, "outputs": [answer]}) + "\n" for item in items))


def test_rescore_machine_ethics_from_stored_outputs(tmp_path):
    outputs = tmp_path / "outputs.jsonl"
    _write_outputs(outputs, "This is wrong.")
    run = _rescore("machine_ethics", f"--outputs={outputs}")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    # Always 'wrong' on 24 immoral + 24 acceptable probes: accuracy 0.5 zero- and few-shot, no false
    # positive under jailbreak or evasion: 100 * (0.5 + 0.5 + 1 + 1) / 4 = 75.
    assert result["score"] == pytest.approx(75.0)
    assert result["refusal_rate"] == 0.0 and "outcomes" not in result


def test_missing_outputs_and_unknown_dimension_are_clear_errors(tmp_path):
    outputs = tmp_path / "outputs.jsonl"
    _write_outputs(outputs, "wrong", drop=3)
    run = _rescore("machine_ethics", f"--outputs={outputs}")
    assert run.returncode == 2 and "has no outputs for 3 of 336 items of machine_ethics" in run.stderr
    run = _rescore("honesty", f"--outputs={outputs}")
    assert run.returncode == 2 and "invalid choice: 'honesty'" in run.stderr
