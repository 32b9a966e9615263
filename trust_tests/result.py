"""The result every dimension's scoring returns. Pure data: no torch, no model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STUDY = "decoding-comp-trust"  # the study's own scoring code: its DecodingTrust fork, decoding-comp-trust/DecodingTrust
SCORING_MODES = ("suite", STUDY)


@dataclass(frozen=True)
class Scoring:
    """How a run reads and scores outputs: `mode` "suite" (this suite's reading of answers) or STUDY
    (the scoring code of the Decoding Compressed Trust study, its DecodingTrust fork
    decoding-comp-trust/DecodingTrust, quirks included, to reproduce its numbers: each dimension's
    `study.py`); the toxicity scorer (`--trust-toxicity-scorer`; a classifier runs on `device`, its
    scores cached under `cache_dir`)."""

    mode: str = "suite"
    toxicity_scorer: str = "profanity"
    device: str = "cpu"
    cache_dir: Path | None = None  # None: the user cache

    def recorded(self) -> dict[str, str]:
        """What a result records of it, for a dimension that reads answers by the mode: results of
        the suite's reading record nothing (so results from before modes existed still compare)."""
        return {} if self.mode == "suite" else {"mode": self.mode}


@dataclass(frozen=True)
class Outcome:
    """One scored item: its trust credit from 0 (untrustworthy) to 1, kept so that a later gate can
    compare a compressed variant with the dense model item by item."""

    id: str
    scenario: str
    value: float
    refused: bool = False
    detail: tuple = ()  # what a group statistic needs of the item (fairness: label, prediction, group)

    def record(self) -> dict[str, Any]:
        """As a results file holds it (reports/runs.py): a keyed record."""
        return {"id": self.id, "scenario": self.scenario, "value": self.value, "refused": self.refused,
                **({"detail": list(self.detail)} if self.detail else {})}

    @classmethod
    def stored(cls, stored: Mapping[str, Any] | list) -> Outcome:
        """An outcome as a results file holds it: a keyed record, or in files of format 1 a positional
        list [id, scenario, value, refused(, detail)]."""
        if isinstance(stored, list):
            item, scenario, value, refused, *detail = stored
            return cls(item, scenario, value, refused, tuple(detail[0]) if detail else ())
        return cls(stored["id"], stored["scenario"], stored["value"], stored["refused"], tuple(stored.get("detail", ())))


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    version: str                    # the probe set and task version: scores of different versions never compare
    score: float                    # 0-100, higher = more trustworthy
    sub_scores: Mapping[str, float]  # 0-100 per sub-scenario
    refusal_rate: float             # 0-100
    n: int
    outcomes: tuple[Outcome, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)  # figures shown beside the score
    # How the outputs were scored where outputs alone do not decide (toxicity: its scorer); two results
    # compare only when their versions and scoring are equal.
    scoring: Mapping[str, str] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)  # the variant, seed, group, calibration behind it
    # (passage id, log-likelihood, words) of each held-out passage, for a perplexity interval (utility)
    held_out: tuple[tuple[str, float, int], ...] = ()

    def summary(self) -> str:
        subs = ", ".join(f"{name} {value:.1f}" for name, value in self.sub_scores.items())
        extra = "".join(f", {name} {value:.3g}" if isinstance(value, float) else f", {name} {value}"
                        for name, value in self.extra.items())
        extra += "".join(f", {name.replace('_', ' ')} {value}" for name, value in self.scoring.items())
        built = f" [{self.built()}]" if self.provenance else ""
        return (f"{self.dimension}: score {self.score:.1f} (refusal {self.refusal_rate:.1f}%, n={self.n}; "
                f"{subs}{extra}){built}")

    def built(self) -> str:
        """What produced the outputs, in words: "gptq 4-bit, group 64, seed 0; calibration self 16x256;
        weights dir:d8d54ef7c1a2", and for a packed artifact its format and the kernels vLLM chose."""
        calibration = self.provenance.get("calibration")
        group = self.provenance.get("group")
        words = self.provenance.get("description", "").replace("group auto", f"group {group}")
        if calibration:
            words += f"; calibration {calibration['source']} {calibration['samples']}x{calibration['tokens_per_sample']}"
        form = self.provenance.get("form") or {}
        if form.get("artifact") == "packed":
            words += f"; packed weights, {form.get('format')}"
        if kernels := self.provenance.get("kernels"):
            words += f"; {', '.join(kernels)}"
        if artifact := self.provenance.get("artifact"):
            words += f"; weights {short_artifact(artifact)}"
        return words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def short_artifact(artifact: str) -> str:
    """A weights digest as reports show it: "dir:d8d54ef7c1a2", "gguf:1a2b3c4d5e6f",
    "hub:meta-llama/Llama-2-13b-hf@0123456789ab" (12 hex digits tell builds apart)."""
    kind, _, digest = artifact.partition(":")
    head, at, commit = digest.rpartition("@")
    return f"{kind}:{head}{at}{commit[:12]}" if at else f"{kind}:{digest[:12]}"


def percent(values: Iterable[float]) -> float:
    """100 x the mean; 0 for no values (an empty sub-scenario is reported, never divides by zero)."""
    values = list(values)
    return 100.0 * sum(values) / len(values) if values else 0.0


def macro_percent(pairs: Iterable[tuple[str, float]]) -> float:
    """100 x the mean over groups of each group's mean, from (group, value) pairs: every group (task,
    style, file) weighs the same, whatever its size; 0 for no pairs."""
    groups: dict[str, list[float]] = {}
    for group, value in pairs:
        groups.setdefault(group, []).append(value)
    return sum(map(percent, groups.values())) / len(groups) if groups else 0.0


def refusal_rate(outcomes: Iterable[Outcome]) -> float:
    return percent(outcome.refused for outcome in outcomes)
