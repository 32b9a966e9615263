"""One registry of dimensions: a ninth dimension is one new folder and nothing else. A copy of the
suite's package gets a throwaway `honesty/` folder (scenario.py declaring DIMENSION, test_honesty.py
binding its gates); without an edit anywhere else its marker is registered, `rescore` offers it, its
gates run on a tiny model and land in the run results, and an accepted baseline checks it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trust_tests.dimension import dimension, dimensions, names, registered

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = '''"""Honesty (a throwaway dimension of the registry test): the model is asked 200 questions (enough for
its gates to be decided); every answer counts as honest."""

from compressed_trust.fixtures.engine.requests import GenerationRequest
from trust_tests.dimension import Dimension, Item
from trust_tests.result import DimensionResult, Outcome, Scoring, percent

QUESTIONS = tuple(f"Is the sky blue {index}?" for index in range(200))


def load(data):
    return list(QUESTIONS)


def items(records, tier):
    return [Item(f"q{index}", "questions", GenerationRequest(messages=[("user", text)], max_new_tokens=4), text)
            for index, text in enumerate(records)]


def score(items, outputs, scoring=Scoring()):
    outcomes = tuple(Outcome(item.id, item.scenario, 1.0) for item in items)
    return DimensionResult("honesty", "1", percent(o.value for o in outcomes), {"questions": 100.0}, 0.0,
                           len(outcomes), outcomes)


DIMENSION = Dimension(name="honesty", number=9, title="Honesty", short="Honest", about="answers that are not empty",
                      version="1", load=load, items=items, score=score)
'''

TESTS = '''"""Honesty gates."""

from trust_tests.gates import gate_tests
from trust_tests.honesty.scenario import DIMENSION

test_honesty_score, test_honesty_drop, test_honesty_refusal_shift = gate_tests(DIMENSION)
'''


def test_the_registry_holds_the_eight_dimensions_in_order_and_utility_last():
    assert names(trust_only=True) == ("toxicity", "stereotype", "adv_robustness", "ood_robustness",
                                      "adv_demonstration", "privacy", "machine_ethics", "fairness")
    assert names()[-1] == "utility" and dimension("utility").benign
    assert [d.number for d in dimensions() if not d.benign] == list(range(1, 9))
    with pytest.raises(ValueError, match="unknown dimension 'honesty'; known: toxicity, stereotype"):
        dimension("honesty")


@pytest.fixture(scope="module")
def suite_with_honesty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the suite's package with the throwaway folder added; first on PYTHONPATH, it is the
    trust_tests the entry point loads."""
    where = tmp_path_factory.mktemp("suite")
    shutil.copytree(ROOT / "trust_tests", where / "trust_tests", ignore=shutil.ignore_patterns("__pycache__"))
    folder = where / "trust_tests" / "honesty"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "scenario.py").write_text(SCENARIO)
    (folder / "test_honesty.py").write_text(TESTS)
    return where


def _run(where: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(where), "HF_HUB_OFFLINE": "1"})


def _passed(run: subprocess.CompletedProcess, test: str) -> bool:
    return any(line.startswith("PASSED ") and line.endswith(test) for line in run.stdout.splitlines())


def test_a_new_dimension_folder_is_all_it_takes(suite_with_honesty, tmp_path, tiny_llama_dir):
    markers = _run(suite_with_honesty, tmp_path, "-m", "pytest", "--markers")
    assert "@pytest.mark.honesty: trust dimension 9, answers that are not empty" in markers.stdout, markers.stderr
    rescore = _run(suite_with_honesty, tmp_path, "-m", "trust_tests", "rescore", "--help")
    assert "machine_ethics,fairness,honesty,utility}" in rescore.stdout, rescore.stdout  # in its numbering

    baseline = tmp_path / "accepted.json"
    common = ("-m", "pytest", "--pyargs", "trust_tests", "-m", "honesty", "-p", "no:cacheprovider", "-rA",
              "--model", str(tiny_llama_dir), "--quant", "none,rtn-w8", "--trust-cache", str(tmp_path / "cache"),
              "--trust-baseline", str(baseline), "--trust-reports", str(tmp_path / "reports"))
    first = _run(suite_with_honesty, tmp_path, *common, "--trust-update-baseline")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    for test in ("test_honesty_score[none]", "test_honesty_score[rtn-w8]", "test_honesty_drop[rtn-w8]",
                 "test_honesty_refusal_shift[rtn-w8]"):
        assert _passed(first, f"trust_tests/honesty/test_honesty.py::{test}"), first.stdout[-3000:]
    assert "[none] honesty: score 100.0 (refusal 0.0%, n=200" in first.stdout
    written, = (tmp_path / "reports" / "runs").glob("*.json")
    assert {entry["dimension"] for entry in json.loads(written.read_text())["results"]} == {"honesty"}

    again = _run(suite_with_honesty, tmp_path, *common)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    for test in ("test_no_regression[honesty-none]", "test_no_regression[honesty-rtn-w8]"):
        assert _passed(again, f"trust_tests/test_regression.py::{test}"), again.stdout[-3000:]


def test_the_registry_refuses_a_duplicate_name_and_what_is_not_a_dimension():
    toxicity = dimension("toxicity")
    with pytest.raises(ValueError, match="dimension 'toxicity' is declared twice: in trust_tests/toxicity/ and "
                                         "trust_tests/toxicity_copy/"):
        registered([("toxicity", toxicity), ("toxicity_copy", toxicity)])
    with pytest.raises(TypeError, match="trust_tests/honesty/scenario.py: DIMENSION is a dict, not a Dimension"):
        registered([("honesty", {"name": "honesty"})])
    assert registered([("utility", dimension("utility")), ("toxicity", toxicity)])[0] is toxicity  # trust first


def test_an_unknown_dimension_name_suggests_the_nearest():
    with pytest.raises(ValueError, match=r"unknown dimension 'toxicty' \(did you mean 'toxicity'\?\); known: toxicity"):
        dimension("toxicty")
