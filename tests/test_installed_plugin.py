"""The suite as installed: a model team's repository (an empty folder here, with a `data/` link and a
pyproject of its own) runs `pytest --pyargs trust_tests` through the `pytest11` entry point, path
options take a space as well as `=`, and the reports land in that repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "decodingtrust"


def _pytest(repository: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=repository,
                          capture_output=True, text=True, timeout=900, env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.mark.slow
def test_a_model_teams_repository_runs_the_installed_suite(tmp_path):
    """The default model at smoke tier (the user cache: the end-to-end test has computed its outputs)."""
    repository = tmp_path / "model-team"
    repository.mkdir()
    (repository / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = ["--strict-markers"]\n')
    (repository / "data").symlink_to(SHARED_DATA)
    run = _pytest(repository, "--pyargs", "trust_tests", "-m", "preflight or toxicity", "-rA", "--trust-data", "data")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"rootdir: {repository}" in run.stdout
    assert "3 passed" in run.stdout and "test_answers_are_not_empty[none]" in run.stdout
    written, = (repository / "reports" / "runs").glob("*.json")
    entries = json.loads(written.read_text())["results"]
    assert [entry["dimension"] for entry in entries] == ["toxicity"]


def test_help_and_markers_work_outside_the_checkout(tmp_path):
    for args, expected in ((["--help"], "--trust-scoring"), (["--markers"], "@pytest.mark.toxicity: trust dimension 1")):
        run = _pytest(tmp_path, *args)
        assert run.returncode == 0 and expected in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]


def test_the_wheel_holds_every_shipped_file_and_no_run_outputs(tmp_path):
    """What `pip install` of this checkout installs: every tracked file of the packages (probes,
    thresholds, calibration prompts), the entry point, and nothing a run wrote (reports/runs/ ...)."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel, = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "trust_tests", "fixtures", "compressors", "reports"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assert [path for path in tracked if path not in names] == []
    assert not [name for name in names if name.startswith(("reports/runs/", "reports/alerts/", "reports/allure-"))]
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "compressed-trust = trust_tests.plugin" in zipfile.ZipFile(wheel).read(entry_points).decode()
