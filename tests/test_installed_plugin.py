"""The suite as installed: the wheel of this checkout installed into a fresh virtual environment, then
a model team's repository (an empty folder here, with a `data/` link and a pyproject of its own) runs
`pytest --pyargs trust_tests` through the `pytest11` entry point; path options take a space as well
as `=`, and the reports land in that repository."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "decodingtrust"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install <this checkout>` installs."""
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    made, = folder.glob("*.whl")
    return made


@pytest.fixture(scope="module")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the wheel. Its dependencies (torch, transformers ... gigabytes
    that the network here cannot fetch again) come from this environment's site-packages through a
    path file, which adds the folder but runs none of its .pth files: the editable install of this
    checkout stays out of it."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                                str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return python


def _pytest(python: Path, repository: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=repository,
                          capture_output=True, text=True, timeout=900, env={**os.environ, "HF_HUB_OFFLINE": "1"})


# The default model's floors checked here, at smoke tier: the dimensions that take it seconds to a minute
# each (fairness, privacy and the few-shot ones take it minutes; their pipeline runs whole on a tiny model
# in test_end_to_end.py, machine ethics on this model in test_vllm_server.py).
FLOORS = ["toxicity", "adv_robustness", "stereotype", "utility"]


@pytest.mark.slow
def test_a_model_teams_repository_runs_the_installed_suite(fresh_python, tmp_path, suite_cache):
    """The default model at smoke tier, preflight and the cheap dimensions' floors (each shown to hold),
    from the wheel in a fresh environment."""
    where = subprocess.run([fresh_python, "-c", "import trust_tests, compressed_trust.fixtures as f; "
                            "print(trust_tests.__file__); print(f.__file__)"], cwd=tmp_path, capture_output=True, text=True,
                           check=True)
    assert all(path.startswith(str(fresh_python.parents[1])) for path in where.stdout.split()), where.stdout
    repository = tmp_path / "model-team"
    repository.mkdir()
    (repository / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = ["--strict-markers"]\n')
    (repository / "data").symlink_to(SHARED_DATA)
    run = _pytest(fresh_python, repository, "--pyargs", "trust_tests", "-m", " or ".join(["preflight", *FLOORS]), "-rA",
                  "--trust-data", "data", "--trust-cache", str(suite_cache))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert f"rootdir: {repository}" in run.stdout
    # the dense model's two preflight checks and one floor per dimension, each passed
    assert f" {2 + len(FLOORS)} passed" in run.stdout and "test_answers_are_not_empty[none]" in run.stdout
    written, = (repository / "reports" / "runs").glob("*.json")
    document = json.loads(written.read_text())
    assert sorted(entry["dimension"] for entry in document["results"]) == sorted(FLOORS)
    # The manifest finds the probes in the installed package (compressed_trust/ holds none of them).
    shipped = document["manifest"]["data"]["shipped"]
    assert shipped["root"].startswith(str(fresh_python.parents[1])) and shipped["root"].endswith("trust_tests")
    probes = ROOT / "trust_tests" / "toxicity" / "probes.jsonl"
    assert shipped["files"]["toxicity/probes.jsonl"] == hashlib.sha256(probes.read_bytes()).hexdigest()


@pytest.mark.parametrize("args, expected", [
    (["--help"], "--trust-scoring"),
    (["--markers"], "@pytest.mark.toxicity: trust dimension 1"),
    (["--fixtures"], "gate_case"),
    (["--version"], "pytest"),
    (["--pyargs", "trust_tests", "--collect-only", "-q"], "test_toxicity_score[none]"),
], ids=["help", "markers", "fixtures", "version", "collect-only"])
def test_pytest_commands_work_in_a_foreign_repository(fresh_python, tmp_path, args, expected):
    run = _pytest(fresh_python, tmp_path, *args)
    assert run.returncode == 0 and expected in run.stdout + run.stderr, run.stdout[-2000:] + run.stderr[-2000:]


def test_the_wheel_holds_every_shipped_file_under_the_suites_names(wheel):
    """What `pip install` of this checkout installs: every tracked file of the packages (probes,
    thresholds, calibration prompts) under trust_tests/ and compressed_trust/ (no top-level `fixtures`
    or `reports` to collide with a user's), the entry point, and nothing a run wrote (reports/runs/ ...)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(["git", "ls-files", "trust_tests", "fixtures", "compressors", "reports"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    installed_as = {path: path if path.startswith("trust_tests/") else f"compressed_trust/{path}" for path in tracked}
    assert [path for path, name in installed_as.items() if name not in names] == []
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"trust_tests", "compressed_trust"}
    assert not [name for name in names if "/runs/" in name or "/alerts/" in name or "allure-" in name]
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "compressed-trust = trust_tests.plugin" in zipfile.ZipFile(wheel).read(entry_points).decode()
