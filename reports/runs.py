"""Run results: what one run measured, as one JSON file under reports/runs/. Accepted baselines
(reports/baseline.py) are files of the same format, so accepting a run is copying its entries.

Every result entry is self-contained (model, tier, variant, dimension, its version, score, sub-scores,
refusal rate, n, the interval of its mean per-item credit, provenance and the per-item outcomes, with
the detail a group statistic needs), so
that entries from different runs can be merged into one accepted file and still be compared item by
item.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from compressed_trust.fixtures.data import write_atomically
from trust_tests.result import DimensionResult, Outcome
from trust_tests.stats import credit_interval

FORMAT = 2        # 2: outcomes as keyed records; files of format 1 (positional lists) are still read
READABLE = (1, 2)
SUITE_VERSION = metadata.version("compressed-trust-suite")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def result_entry(result: DimensionResult, model: str, tier: str, variant: str) -> dict[str, Any]:
    credit, low, high = credit_interval(result) if result.outcomes else (None, None, None)
    return {"model": model, "tier": tier, "variant": variant, "dimension": result.dimension,
            "version": result.version, "suite_version": SUITE_VERSION, "score": result.score,
            "sub_scores": dict(result.sub_scores), "refusal_rate": result.refusal_rate, "n": result.n,
            "credit": credit, "credit_ci95": [low, high], "extra": dict(result.extra),
            "scoring": dict(result.scoring), "provenance": dict(result.provenance),
            "outcomes": [o.record() for o in result.outcomes],
            **({"held_out": [list(passage) for passage in result.held_out]} if result.held_out else {})}


def result_from_entry(entry: dict[str, Any]) -> DimensionResult:
    return DimensionResult(
        dimension=entry["dimension"], version=entry["version"], score=entry["score"],
        sub_scores=entry["sub_scores"], refusal_rate=entry["refusal_rate"], n=entry["n"],
        outcomes=tuple(map(Outcome.stored, entry["outcomes"])),
        extra=entry.get("extra", {}), scoring=entry.get("scoring", {}), provenance=entry.get("provenance", {}),
        held_out=tuple(tuple(passage) for passage in entry.get("held_out", ())))


def outcome_of(verdict: dict[str, Any]) -> str:
    """A stored verdict's outcome: pass, fail or inconclusive (files written before outcomes: pass or fail)."""
    return verdict.get("outcome") or ("pass" if verdict["passed"] else "fail")


def entry_key(entry: dict[str, Any]) -> tuple[str, str, str, str]:
    return entry["model"], entry["tier"], entry["variant"], entry["dimension"]


@dataclass
class RunRecord:
    """What this session measured and decided, written once at the end of the session. Results come
    from the gate tests (under xdist, on each worker, merged on the controller); verdicts and errors
    from the test reports, which xdist brings to the controller."""

    model: str
    tier: str
    baseline: str
    started: str = field(default_factory=utc_now)
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (dimension, variant) -> entry
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    artifact_gaps: list[dict[str, Any]] = field(default_factory=list)  # reports/artifact_gap.py, at the end

    def entry(self, result: DimensionResult, variant: str) -> dict[str, Any]:
        """The result's entry, one per (dimension, variant): of the results a run measured on prefixes of
        the tier (sequential sampling), the one on the most items (the baseline's, measured as far as the
        variant that needed most)."""
        key = (result.dimension, variant)
        if key not in self.results or self.results[key]["n"] < result.n:
            self.results[key] = result_entry(result, self.model, self.tier, variant)
        return self.results[key]

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "suite_version": SUITE_VERSION, "model": self.model, "tier": self.tier,
                "baseline_variant": self.baseline, "started": self.started, "finished": utc_now(),
                "results": list(self.results.values()), "verdicts": self.verdicts, "errors": self.errors,
                **({"artifact_gaps": self.artifact_gaps} if self.artifact_gaps else {})}

    def merge(self, other: dict[str, Any]) -> None:
        """Adds a worker's record (its to_json())."""
        for entry in other["results"]:
            self.results.setdefault((entry["dimension"], entry["variant"]), entry)
        self.verdicts += other["verdicts"]
        self.errors += other["errors"]


def write_json(path: Path, document: dict[str, Any]) -> Path:
    return write_atomically(path, json.dumps(finite(document), indent=1, ensure_ascii=False, allow_nan=False) + "\n")


def finite(value: Any) -> Any:
    """NaN and infinity as null: JSON has no such numbers, and browsers' JSON.parse rejects Python's."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


def write_run(record: RunRecord, manifest: dict[str, Any], directory: Path) -> Path:
    """reports/runs/<start time>-<model>-<tier>.json"""
    stamp = record.started.replace(":", "").replace("-", "")
    return write_json(directory / f"{stamp}-{slug(record.model)}-{record.tier}.json",
                      {**record.to_json(), "manifest": manifest})
