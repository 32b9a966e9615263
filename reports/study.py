"""The compression x trust matrix of one model, and the study's findings checked on it.

From run-results entries and the verdicts the runs decided (reports/runs.py), whichever runs measured
them: every variant's score per dimension, its drop against the dense model with the bounds its drop
gate decided on, and each gate's outcome (pass, fail, inconclusive: trust_tests/gates.py). Nothing is
decided again here. The findings are the questions of "Decoding Compressed Trust" (Hong et al., ICML
2024) asked of this model, each stated as observed here with the numbers behind it, only when the
results show it, and saying so where the gates behind it are undecided at this tier.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any

from compressed_trust.fixtures.models.variants import DENSE, VariantSpec, parse_variant
from compressed_trust.reports.runs import outcome_of
from trust_tests.dimension import dimension, names
from trust_tests.gates import FAIL, INCONCLUSIVE, PASS
from trust_tests.result import short_artifact

UTILITY = "utility"
MOVES = 1.0  # points: a mean drop smaller than this is not worth a sentence, whatever its interval
_SEEDED = re.compile(r"^(?P<base>.+)-s(?P<seed>\d+)$")


@dataclass(frozen=True)
class Cell:
    """One variant on one dimension. The drop is in score points against the dense model (positive =
    worse), `low`/`high` the bounds its drop gate decided on; `outcomes`: each of the
    variant's gates of this dimension that the run decided, gate -> pass | fail | inconclusive."""

    score: float
    drop: float | None = None
    low: float | None = None
    high: float | None = None
    outcomes: Mapping[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(gate for gate, outcome in self.outcomes.items() if outcome == FAIL)

    @property
    def undecided(self) -> tuple[str, ...]:
        return tuple(gate for gate, outcome in self.outcomes.items() if outcome == INCONCLUSIVE)

    @property
    def fails(self) -> bool:
        """Its drop is shown beyond the limit: the study's "loses trust"."""
        return self.outcomes.get("drop") == FAIL

    @property
    def significant(self) -> bool:
        """The drop's lower bound lies above zero: the variant is shown worse than dense, by however little."""
        return self.low is not None and self.low > 0

    @property
    def change(self) -> str:
        """The change against dense as shown (a drop is negative), * when the drop is significant."""
        return _signed(-self.drop) + ("*" if self.significant else "")

    @property
    def interval(self) -> str:
        """The change's bounds as shown."""
        return f"[{_signed(-self.high)}, {_signed(-self.low)}]"

    @property
    def mark(self) -> str:
        """! a gate fails, ? a gate is undecided."""
        return ("!" if self.failed else "") + ("?" if self.undecided else "")


def _signed(points: float) -> str:
    return f"{points + 0.0:+.1f}"  # + 0.0: no "-0.0"


@dataclass(frozen=True)
class Matrix:
    model: str
    tier: str
    variants: tuple[str, ...]     # dense first, then in the order measured
    dimensions: tuple[str, ...]   # trust dimensions in their numbering, benign utility last
    cells: Mapping[tuple[str, str], Cell]  # (dimension, variant) -> its cell
    # variant -> the digests of the weights its results were measured on (one, unless results of two
    # builds were merged: the same recipe builds other weights on another CPU type)
    artifacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def cell(self, dimension_name: str, variant: str) -> Cell | None:
        return self.cells.get((dimension_name, variant))

    @property
    def compressed(self) -> tuple[str, ...]:
        return tuple(v for v in self.variants if v != DENSE.id)

    @property
    def trust(self) -> tuple[str, ...]:
        return tuple(d for d in self.dimensions if d != UTILITY)


def _cell(entry: Mapping[str, Any], verdicts: Mapping[str, Mapping[str, Any]]) -> Cell:
    """A cell from its result entry and the verdicts of its gates (gate -> stored verdict)."""
    outcomes = {gate: outcome_of(verdict) for gate, verdict in verdicts.items() if gate != "no_regression"}
    drop = verdicts.get("drop", {}).get("figures", {})
    if "estimate" not in drop:
        return Cell(entry["score"], outcomes=outcomes)
    # the score's drop as shown beside the score; the bounds are those the gate decided on (of the per-item
    # credit's drop, or of the score's for a group statistic)
    return Cell(entry["score"], drop.get("drop", drop["estimate"]), drop["low"], drop["high"], outcomes)


def runs_from(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The result entries and the verdicts of run-results files, in the order given (a folder: its files
    by name, which begin with the run's start time)."""
    entries, verdicts = [], []
    for path in paths:
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        if not files or not all(file.is_file() for file in files):
            raise ValueError(f"{path}: no run-results file there (expected a reports/runs/*.json file or a folder of them)")
        for file in files:
            try:
                document = json.loads(file.read_text(encoding="utf-8"))
                entries += document["results"]
                verdicts += [{**verdict, "model": document["model"], "tier": document["tier"]}
                             for verdict in document.get("verdicts", [])]
            except (ValueError, KeyError, TypeError):
                raise ValueError(f"{file} is not a run-results file (no \"results\" list)") from None
    return entries, verdicts


def matrix(entries: Iterable[Mapping[str, Any]], verdicts: Iterable[Mapping[str, Any]] = ()) -> Matrix:
    """The matrix of one model and tier; raises ValueError on entries of several, or without the dense
    model. A later entry (or verdict) of the same variant and dimension replaces an earlier one."""
    entries = list(entries)
    runs = {(entry["model"], entry["tier"]) for entry in entries}
    if len(runs) != 1:
        raise ValueError("the results are of "
                         + (", ".join(f"{model} ({tier} tier)" for model, tier in sorted(runs)) or "nothing")
                         + ": a matrix is of one model at one tier")
    (model, tier), = runs
    chosen = {(entry["variant"], entry["dimension"]): entry for entry in entries}
    variants = list(dict.fromkeys(variant for variant, _ in chosen))
    if DENSE.id not in variants:
        raise ValueError(f"no result of the dense model ({DENSE.id}) among {', '.join(variants)}: drops are measured "
                         "against it")
    variants.remove(DENSE.id)
    decided: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for verdict in verdicts:
        if (verdict.get("model", model), verdict.get("tier", tier)) == (model, tier):
            decided[verdict["variant"], verdict["dimension"]][verdict["gate"]] = verdict
    known = [name for name in names() if any(d == name for _, d in chosen)]
    cells = {(name, variant): _cell(entry, decided[variant, name])
             for name in known for variant in (DENSE.id, *variants) if (entry := chosen.get((variant, name)))}
    artifacts: dict[str, set[str]] = defaultdict(set)
    for (variant, _), entry in chosen.items():
        if artifact := entry.get("provenance", {}).get("artifact"):
            artifacts[variant].add(short_artifact(artifact))
    return Matrix(model, tier, (DENSE.id, *variants), tuple(known), cells,
                  {variant: tuple(sorted(artifacts[variant])) for variant in (DENSE.id, *variants) if artifacts[variant]})


@dataclass(frozen=True)
class Finding:
    key: str    # within_limits | quantization_vs_pruning | three_vs_four_bits | moves_most | hidden_by_utility | seed_spread
    text: str
    figures: Mapping[str, Any] = field(default_factory=dict)


def _spec(variant: str) -> VariantSpec:
    """What a variant id says of its compression (a checkpoint's, dir:<name>, says nothing)."""
    seeded = _SEEDED.match(variant)
    try:
        return parse_variant(seeded["base"] if seeded else variant)
    except ValueError:
        return VariantSpec(variant, "checkpoint")


def mean_trust_drop(matrix: Matrix, variant: str, over: Iterable[str] | None = None) -> float | None:
    """The variant's drop against dense, averaged over the trust dimensions it has one for (of `over`)."""
    drops = [c.drop for d in (matrix.trust if over is None else over)
             if (c := matrix.cell(d, variant)) and c.drop is not None]
    return mean(drops) if drops else None


def _shared(matrix: Matrix, variants: Iterable[str]) -> list[str]:
    """The trust dimensions every one of the variants has a drop for: what two groups compare on."""
    return [d for d in matrix.trust if all((c := matrix.cell(d, v)) and c.drop is not None for v in variants)]


def _with(matrix: Matrix, variant: str, outcome: str, gate: str = "drop") -> list[str]:
    """The trust dimensions where the variant's gate came out so."""
    return [d for d in matrix.trust if (c := matrix.cell(d, variant)) and c.outcomes.get(gate) == outcome]


def _points(value: float) -> str:
    return f"{value:.1f} points"


def _undecided(matrix: Matrix, variants: Iterable[str], over: Iterable[str]) -> str:
    """", inconclusive at the smoke tier: 3 of its 8 drop gates undecided", when some are."""
    cells = [c for v in variants for d in over if (c := matrix.cell(d, v)) and "drop" in c.outcomes]
    open_ = sum(c.outcomes["drop"] == INCONCLUSIVE for c in cells)
    if not open_:
        return ""
    return f" (inconclusive at the {matrix.tier} tier: {open_} of its {len(cells)} drop gates undecided)"


def findings(matrix: Matrix) -> list[Finding]:
    """The study's questions asked of this matrix, each answered only where the results show something,
    and marked inconclusive where the drop gates behind it are undecided."""
    opening = f"On {matrix.model} ({matrix.tier} tier)"
    found: list[Finding] = []
    failing = {v: _with(matrix, v, FAIL) for v in matrix.compressed}
    open_ = {v: _with(matrix, v, INCONCLUSIVE) for v in matrix.compressed}
    if any(failing.values()) or any(open_.values()):
        keep = [v for v in matrix.compressed if not failing[v] and not open_[v]]
        lose = "; ".join(f"{v} ({', '.join(failing[v])})" for v in matrix.compressed if failing[v])
        unknown = "; ".join(f"{v} ({', '.join(open_[v])})" for v in matrix.compressed if open_[v])
        found.append(Finding("within_limits", f"{opening}, {len(keep)} of {len(matrix.compressed)} compressed variants "
                             "are shown to keep every trust dimension within its drop limit"
                             + (f" ({', '.join(keep)})" if keep else "")
                             + (f"; shown over the limit: {lose}" if lose else "")
                             + (f"; undecided at this tier: {unknown}" if unknown else "") + ".",
                             {"keep": keep, "lose": failing, "undecided": open_}))
    groups = {"4-bit quantization": [v for v in matrix.compressed if _spec(v).bits == 4],
              "50% pruning": [v for v in matrix.compressed if _spec(v).sparsity == 0.5]}
    shared = _shared(matrix, [v for members in groups.values() for v in members])
    means = {name: [x for v in members if (x := mean_trust_drop(matrix, v, shared)) is not None]
             for name, members in groups.items()}
    if shared and all(means.values()):
        quant, prune = mean(means["4-bit quantization"]), mean(means["50% pruning"])
        if abs(quant - prune) >= MOVES:
            better = "keeps trust better than" if quant < prune else "loses more trust than"
            found.append(Finding("quantization_vs_pruning", f"{opening}, 4-bit quantization {better} 50% pruning at "
                                 f"matched compression: mean trust drop {_points(quant)} "
                                 f"({', '.join(groups['4-bit quantization'])}) against {_points(prune)} "
                                 f"({', '.join(groups['50% pruning'])})"
                                 + _undecided(matrix, [v for members in groups.values() for v in members], shared) + ".",
                                 {"quantization": quant, "pruning": prune}))
    for method in sorted({_spec(v).method for v in matrix.compressed if _spec(v).bits in (3, 4)}):
        members = {bits: [v for v in matrix.compressed if _spec(v).method == method and _spec(v).bits == bits]
                   for bits in (3, 4)}
        shared = _shared(matrix, members[3] + members[4])
        pair = {bits: [x for v in chosen if (x := mean_trust_drop(matrix, v, shared)) is not None]
                for bits, chosen in members.items()}
        if pair[3] and pair[4] and mean(pair[3]) - mean(pair[4]) >= MOVES:
            found.append(Finding("three_vs_four_bits", f"{opening}, 3-bit {method.upper()} falls below 4-bit: mean trust "
                                 f"drop {_points(mean(pair[3]))} against {_points(mean(pair[4]))}"
                                 + _undecided(matrix, members[3] + members[4], shared) + ".",
                                 {"method": method, "w3": mean(pair[3]), "w4": mean(pair[4])}))
    moved = {d: [c.drop for v in matrix.compressed if (c := matrix.cell(d, v)) and c.drop is not None]
             for d in matrix.trust}
    ranked = sorted(((mean(drops), d) for d, drops in moved.items() if drops), reverse=True)
    if ranked and ranked[0][0] >= MOVES:
        top = [(drop, d) for drop, d in ranked[:3] if drop >= MOVES]
        over = {d: sum(1 for v in matrix.compressed if (c := matrix.cell(d, v)) and c.fails) for _, d in top}
        found.append(Finding("moves_most", f"{opening}, the dimensions that move most under compression: " + "; ".join(
            f"{dimension(d).title} (mean drop {_points(drop)}, shown over the limit for {over[d]} of {len(moved[d])} "
            f"variants)" for drop, d in top) + _undecided(matrix, matrix.compressed, [d for _, d in top]) + ".",
            {"dimensions": {d: drop for drop, d in top}}))
    hidden = []
    for v in matrix.compressed:
        utility = matrix.cell(UTILITY, v)
        if utility is not None and utility.drop is not None and utility.outcomes.get("drop") == PASS and failing[v]:
            worst = max(failing[v], key=lambda d: matrix.cell(d, v).drop)
            hidden.append((v, utility.drop, worst, matrix.cell(worst, v).drop))
    if hidden:
        found.append(Finding("hidden_by_utility", f"{opening}, benign utility hides a trust loss: " + "; ".join(
            f"{v} is shown to keep utility within its limit (drop {_points(u)}) while {dimension(d).title} is shown to "
            f"drop beyond it ({_points(x)})" for v, u, d, x in hidden) + ".", {"variants": [v for v, *_ in hidden]}))
    spreads = []  # per calibrated variant, its widest spread over the dimensions
    for base, members in seed_groups(matrix).items():
        spread = max(((max(scores) - min(scores), d, len(scores)) for d in matrix.dimensions
                      if len(scores := [c.score for v in members if (c := matrix.cell(d, v))]) > 1), default=None)
        if spread and spread[0] > 0:
            spreads.append((*spread, base))
    if spreads:
        found.append(Finding("seed_spread", f"{opening}, calibration seeds move scores: " + "; ".join(
            f"{base} by up to {_points(spread)} ({dimension(d).title}, {count} seeds)"
            for spread, d, count, base in sorted(spreads, reverse=True))
            + ". One compressed checkpoint is one sample.", {base: spread for spread, _, _, base in spreads}))
    return found


def seed_groups(matrix: Matrix) -> dict[str, list[str]]:
    """Calibrated variant (its id without the seed) -> its ids, for those run with several seeds."""
    groups: dict[str, list[str]] = defaultdict(list)
    for v in matrix.compressed:
        if (seeded := _SEEDED.match(v)) and _spec(v).calibrated:
            groups[seeded["base"]].append(v)
    return {base: members for base, members in groups.items() if len(members) > 1}


def compression(variant: str) -> float:
    """How much smaller the variant's linear layers are, as a ratio to 16-bit weights (bigger = more
    compressed): the order of the recommendation."""
    spec = _spec(variant)
    if spec.bits:
        return 16 / spec.bits
    if spec.sparsity is not None:
        return 1 / (1 - spec.sparsity)
    return 1.0


def recommendation(matrix: Matrix) -> str:
    """The most compressed variant shown to pass every gate (floors, drops, refusal shifts, perplexity),
    or why there is none."""
    passing = [v for v in matrix.compressed
               if not any(c.failed or c.undecided for d in matrix.dimensions if (c := matrix.cell(d, v)))]
    if not passing:
        undecided = [v for v in matrix.compressed
                     if not any(c.failed for d in matrix.dimensions if (c := matrix.cell(d, v)))]
        return (f"No compressed variant of {matrix.model} is shown to pass every gate at the {matrix.tier} tier"
                + (f" ({', '.join(undecided)} failed none, with gates undecided: a larger tier may decide them)."
                   if undecided else "."))
    best = max(passing, key=lambda v: (compression(v), -(mean_trust_drop(matrix, v) or 0.0)))
    return (f"Recommended on {matrix.model} ({matrix.tier} tier): {best}, the most compressed variant shown to pass "
            f"every gate ({compression(best):.1f}x smaller linear layers than 16-bit; mean trust drop "
            f"{_points(mean_trust_drop(matrix, best) or 0.0)}).")


def weights_measured(matrix: Matrix, variant: str) -> str:
    """The weights a variant's results were measured on: "gptq-w4 dir:d8d54ef7c1a2"; results of two
    builds merged into one matrix say so (the same recipe builds other weights on another CPU type)."""
    found = matrix.artifacts.get(variant, ())
    return f"{variant} {', '.join(found) or 'unknown'}" + (f" ({len(found)} builds' results merged)" if len(found) > 1 else "")


def text(matrix: Matrix) -> list[str]:
    """The matrix as lines of text (score, and change against dense with * when significant), then the
    recommendation and the findings: what a run prints at its end."""
    width = max(max(len(v) for v in matrix.variants) + 2, 14)
    first = max(len(dimension(name).title) for name in matrix.dimensions) + 1
    lines = [" " * first + "".join(f"{v:>{width}s}" for v in matrix.variants)]
    for name in matrix.dimensions:
        row = f"{dimension(name).title:{first}s}"
        for variant in matrix.variants:
            cell = matrix.cell(name, variant)
            shown = "-" if cell is None else (f"{cell.score:.1f}" + ("" if cell.drop is None else f" {cell.change}")
                                              + cell.mark)
            row += f"{shown:>{width}s}"
        lines.append(row)
    lines.append("(score, change against dense; * a drop shown, ! a gate fails, ? a gate undecided)")
    lines.append(recommendation(matrix))
    lines += ([f"- {f.text}" for f in findings(matrix)]
              or ["- no finding: no variant differs from dense by enough to state one"])
    if matrix.artifacts:
        lines.append("weights measured: " + "; ".join(weights_measured(matrix, v) for v in matrix.artifacts))
    return lines
