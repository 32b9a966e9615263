"""Accepted baselines: the results a model team accepted (committed in its repository), and the
regression check of a run against them.

`--trust-baseline PATH` is a JSON file in the run-results format (reports/runs.py) or a folder of
them. Entries are found by (model, tier, variant, dimension); two files accepting the same entry
are an error, not a silent choice. `--trust-update-baseline` merges the run's entries into PATH (a file,
or <folder>/<model>-<tier>.json), replacing the entries it measured again and keeping the rest.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compressed_trust.reports.runs import FORMAT, READABLE, SUITE_VERSION, entry_key, result_from_entry, slug, utc_now, write_json
from trust_tests.gates import FAIL, PASS, GateCase, Verdict, check_drop
from trust_tests.result import DimensionResult


class BaselineError(ValueError):
    """An accepted-results file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Accepted:
    result: DimensionResult
    source: Path
    accepted: str  # UTC time the entry was accepted

    def describe(self) -> str:
        return f"accepted result ({self.accepted}, {self.source.name})"


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: not a readable results file ({error})") from None
    if not isinstance(document, dict) or document.get("format") not in READABLE or not isinstance(document.get("results"), list):
        raise BaselineError(f"{path}: not a results file of format {' or '.join(map(str, READABLE))} (write one with "
                            "--trust-update-baseline)")
    return document


class BaselineStore:
    def __init__(self, path: Path):
        self.path = path
        self.files = sorted(path.glob("*.json")) if path.is_dir() else [path] if path.exists() else []
        self.entries: dict[tuple[str, str, str, str], tuple[dict[str, Any], Path]] = {}
        for file in self.files:
            for entry in _read(file)["results"]:
                key = entry_key(entry)
                if key in self.entries:
                    raise BaselineError(f"{file} and {self.entries[key][1]} both accept {'/'.join(key)}; "
                                        "keep one of them")
                self.entries[key] = (entry, file)

    def find(self, model: str, tier: str, variant: str, dimension: str) -> Accepted | None:
        found = self.entries.get((model, tier, variant, dimension))
        if found is None:
            return None
        entry, file = found
        return Accepted(result_from_entry(entry), file, entry.get("accepted", "unknown time"))

    def accept(self, results: list[dict[str, Any]], model: str, tier: str) -> Path:
        """Writes the run's result entries into the accepted file, replacing the same keys."""
        target = self.path / f"{slug(model)}-{tier}.json" if self.path.is_dir() or not self.path.suffix else self.path
        kept = _read(target)["results"] if target.exists() else []
        now = utc_now()
        fresh = {entry_key(entry): {**entry, "accepted": now} for entry in results}
        merged = [entry for entry in kept if entry_key(entry) not in fresh] + list(fresh.values())
        return write_json(target, {"format": FORMAT, "suite_version": SUITE_VERSION, "updated": now,
                                   "results": merged})


def check_regression(case: GateCase, accepted: Accepted | None, baseline_path: Path, updating: bool) -> Verdict:
    """The drop gate against the accepted result (same limit, same paired bounds, three outcomes). Without
    an accepted entry the check fails, saying how to accept one, unless this run is accepting."""
    result, variant = case.result, case.variant.id
    if accepted is None:
        words = (f"{result.dimension} [{variant}]: no accepted result for this model, variant, tier and dimension "
                 f"in {baseline_path}")
        if updating:
            return Verdict("no_regression", result.dimension, variant, PASS,
                           words + "; this run's result is accepted now (--trust-update-baseline)",
                           {"outcome": PASS, "score": result.score, "accepted_now": True}, result)
        return Verdict("no_regression", result.dimension, variant, FAIL,
                       words + "; nothing to compare against. Accept a reviewed run with --trust-update-baseline.",
                       {"outcome": FAIL, "score": result.score, "missing_baseline": True}, result)
    if accepted.result.version != result.version:
        return _incomparable(result, accepted, variant, updating, f"is of probe set version {accepted.result.version}, "
                             f"this run's is {result.version}")
    if dict(accepted.result.scoring) != dict(result.scoring):
        return _incomparable(result, accepted, variant, updating, f"was scored by {_scoring(accepted.result)}, "
                             f"this run by {_scoring(result)}")
    return check_drop(dataclasses.replace(case, reference=accepted.result, against=accepted.describe()),
                      gate="no_regression")


def _scoring(result: DimensionResult) -> str:
    return "; ".join(f"{name.replace('_', ' ')} {value}" for name, value in result.scoring.items()) or "no recorded scorer"


def _incomparable(result: DimensionResult, accepted: Accepted, variant: str, updating: bool, why: str) -> Verdict:
    outcome = PASS if updating else FAIL
    return Verdict("no_regression", result.dimension, variant, outcome,
                   f"{result.dimension} [{variant}]: the {accepted.describe()} {why}: the scores do not compare. "
                   "Review this run and accept it with --trust-update-baseline.",
                   {"outcome": outcome, "score": result.score, "version_mismatch": True}, result, accepted.result)
