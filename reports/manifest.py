"""The reproducibility manifest of a run: everything needed to tell whether two runs measured the
same thing (model and variant fingerprints, library versions, seeds, data and thresholds files)."""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import trust_tests
from compressed_trust.fixtures.options import RunOptions
from trust_tests import stats
from trust_tests.gates import THRESHOLDS_FILE

LIBRARIES = ("torch", "transformers", "llmcompressor", "compressed-tensors", "numpy", "fairlearn",
             "alt-profanity-check", "pytest", "allure-pytest", "compressed-trust-suite")
# The smoke tier's starter probes: wherever trust_tests is installed (beside this folder in a checkout,
# not in an installed wheel, where this module is compressed_trust/reports/manifest.py).
PROBES = Path(trust_tests.__file__).resolve().parent
DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".txt")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def data_files(root: Path) -> dict[str, str]:
    """sha256 of every data file under root, by its path relative to root."""
    files: Iterable[Path] = (path for path in sorted(root.rglob("*"))
                             if path.is_file() and path.suffix in DATA_SUFFIXES)
    return {path.relative_to(root).as_posix(): sha256(path) for path in files}


def data(options: RunOptions) -> dict[str, Any]:
    """The data files the run read: the shipped ones at every tier (the smoke tier's probes, the utility
    questions every tier asks), the --trust-data folder's at standard and full. (The calibration text is
    in each built variant's provenance, by its fingerprint.)"""
    shipped = {"root": str(PROBES), "files": data_files(PROBES)}
    if options.tier == "smoke":
        return {"shipped": shipped}
    return {"shipped": shipped, "benchmark": {"root": str(options.trust_data), "files": data_files(options.trust_data)}}


def build(options: RunOptions, results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    variants = {entry["variant"]: entry["provenance"] for entry in results}
    return {
        "model": {"name": options.model.name, "kind": options.model.kind, "source": options.model.source,
                  "revision": options.model.revision},
        "variants": variants,  # per variant: method, group, seed, calibration, store entry, fingerprints
        "seeds": {"variants": sorted({p.get("seed") for p in variants.values() if p.get("seed") is not None}),
                  "bootstrap": stats.SEED, "bootstrap_resamples": stats.RESAMPLES},
        "tier": options.tier, "device": options.device, "dtype": options.dtype,
        "data": data(options),
        "thresholds": {"file": str(THRESHOLDS_FILE), "sha256": sha256(THRESHOLDS_FILE)},
        "libraries": {name: _version(name) for name in LIBRARIES},
        "python": sys.version.split()[0], "platform": platform.platform(), "command": sys.argv,
    }
