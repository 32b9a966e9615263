"""Sequential decisions (trust_tests/sequential.py over trust_tests/stats.py's bounds) on simulated paired
items: the items a drop gate spends before it decides, against the full tier's, and how often it decides
wrongly, at true harms of 0, half the limit, the limit and twice the limit.

Three kinds of items, each a tier of four sub-scenarios (the bounds' strata):
- binary: a per-item credit of 0 or 1; 20% of the items change between dense and variant, the harm is
  the share lost minus the share gained;
- fractional: 60% of the items unchanged, the others move by a continuous amount around the harm
  (toxicity's 1 - max toxicity, adversarial demonstrations' spurious cells);
- group: fairness's parity gaps (its own `resampled_scores`, bootstrapped), one setting of people of
  two sexes, the variant predicting "yes" more often for one sex than the other.
and, where a run-results file of the dense model and a compressed variant is at hand (`make demo`
writes one), **stored**: those two results' paired outcomes resampled into a tier of the given size (the
real pattern of changed items; the true harm is their mean drop).

The baseline is the same gate deciding once on the whole tier (what a run without sequential
sampling spends), in the same process. Run: `make bench` (or python bench/decisions.py [--sims N]).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from trust_tests.gates import INCONCLUSIVE, Verdict, one_sided
from trust_tests.result import DimensionResult, Outcome
from trust_tests.sequential import SCHEDULES, decide_by_looks
from trust_tests.stats import CONFIDENCE, Bounds, mean_bounds, paired_drop

LIMIT = 5.0       # points: the default max_drop
STRATA = 4
CHANGED = 0.20    # binary: the share of items that change
KINDS = ("binary", "fractional", "group")


def tier(kind: str, harm: float, items: int, rng: np.random.Generator) -> np.ndarray:
    """A tier's paired differences (reference credit minus variant credit) in a random order; for the
    group kind, rows of (label, dense prediction, variant prediction, sex)."""
    share = harm / 100
    if kind == "binary":
        return rng.choice([1.0, -1.0, 0.0], size=items, p=[(CHANGED + share) / 2, (CHANGED - share) / 2, 1 - CHANGED])
    if kind == "fractional":
        moved = rng.random(items) < 0.4
        return np.where(moved, share / 0.4 + rng.uniform(-0.3, 0.3, items), 0.0)
    sex = rng.integers(0, 2, items)  # 1: the sex the variant favours
    yes = 0.5 + np.where(sex == 1, 1, -1) * share / 2  # DPD and EOD both `share`: the score drops `harm` points
    return np.stack([rng.integers(0, 2, items), rng.random(items) < 0.5, rng.random(items) < yes, sex], axis=1)


def _group_results(rows: np.ndarray) -> tuple[DimensionResult, DimensionResult]:
    """Dense and variant fairness results of these people (one setting), as the scorer records them."""
    sides = []
    for column in (1, 2):
        outcomes = tuple(Outcome(f"p{i}", "zero_shot_br_0.5", 1.0, detail=(int(row[0]), int(row[column]), "MF"[int(row[3])]))
                         for i, row in enumerate(rows))
        sides.append(DimensionResult("fairness", "1", 0.0, {}, 0.0, len(rows), outcomes))
    return sides[0], sides[1]


def decide(kind: str, drawn: np.ndarray, schedule: tuple[float, ...], confidence: float) -> tuple[str, int]:
    """The drop gate's outcome by looks over prefixes of the drawn tier, and the items it spent."""
    from trust_tests.fairness.scoring import resampled_scores

    per_stratum = len(drawn) // STRATA

    def measure(fraction: float):
        values = drawn[:STRATA * max(1, math.ceil(fraction * per_stratum))]
        return SimpleNamespace(values=values, n=len(values)), None  # what a look reads of a result: n

    def gate(measured, _, each, words) -> list[Verdict]:
        prefix = measured.values
        if kind == "group":
            reference, variant = _group_results(prefix)
            bounds = paired_drop(reference, variant, each, resampled_scores)
        else:
            strata = {str(s): prefix[s::STRATA] for s in range(STRATA)}
            estimate, low, high = mean_bounds(strata, each, (-1.0, 1.0))
            bounds = Bounds(100 * estimate, 100 * low, 100 * high, each, len(prefix))
        return [Verdict("drop", kind, "simulated", one_sided(bounds, LIMIT), words, {"n": len(prefix)})]

    look = decide_by_looks(schedule, confidence, "simulated", measure, gate)
    return look.verdicts[0].outcome, look.verdicts[0].figures["n"]


def simulate(kind: str, harm: float, items: int, sims: int, seed: int = 0, schedule: tuple[float, ...] = SCHEDULES["full"],
             confidence: float = CONFIDENCE, draw: Callable | None = None) -> dict[str, float]:
    """Shares of pass / fail / inconclusive over `sims` simulated tiers, and the mean share of the tier spent."""
    rng = np.random.default_rng(seed)
    counts = {"pass": 0, "fail": 0, INCONCLUSIVE: 0}
    spent = 0
    for _ in range(sims):
        drawn = draw(rng) if draw else tier(kind, harm, items, rng)
        outcome, used = decide(kind, drawn, schedule, confidence)
        counts[outcome] += 1
        spent += used
    return {**{name: count / sims for name, count in counts.items()}, "spent": spent / sims / items}


def stored_population(path: Path) -> tuple[np.ndarray, float] | None:
    """The paired credit differences (dense minus variant) of the largest dimension of a run-results file
    with the dense model and one compressed variant, and their mean drop in points."""
    document = json.loads(path.read_text(encoding="utf-8"))
    by = {(e["variant"], e["dimension"]): {o.id: o.value for o in map(Outcome.stored, e["outcomes"])}
          for e in document["results"]}
    pairs = [(dimension, variant) for variant, dimension in by if variant != "none" and ("none", dimension) in by]
    if not pairs:
        return None
    dimension, variant = max(pairs, key=lambda pair: len(by["none", pair[0]]))
    dense, other = by["none", dimension], by[variant, dimension]
    differences = np.array([dense[item] - other[item] for item in dense if item in other])
    return differences, 100 * differences.mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sims", type=int, default=400, help="simulated tiers per row (group: a tenth)")
    parser.add_argument("--items", type=int, default=6000, help="items of the simulated full tier (group: a tenth)")
    parser.add_argument("--runs", type=Path, default=Path("reports/runs"), help="where stored run-results files are")
    args = parser.parse_args()
    print(f"drop gate, limit {LIMIT:.0f} points, {CONFIDENCE:.0%} over looks at {', '.join(f'{f:g}' for f in SCHEDULES['full'])} "
          f"of the tier; one look on the whole tier as the baseline")
    print(f"{'items':>22} {'harm':>5} {'tier':>6} | {'sequential: pass  fail undecided  spent':>39} | "
          f"{'one look: pass  fail undecided':>30} | seconds (sequential / one look)")
    rows: list[tuple[str, float, int, int, Callable | None]] = []
    for kind in KINDS:
        items, sims = (args.items // 10, max(20, args.sims // 10)) if kind == "group" else (args.items, args.sims)
        rows += [(kind, harm, items, sims, None) for harm in (0.0, LIMIT / 2, LIMIT, 2 * LIMIT)]
    stored = sorted(args.runs.glob("*.json"))
    found = stored_population(stored[-1]) if stored else None
    if found:
        differences, drop = found
        rows.append((f"stored {stored[-1].name[:15]}", drop, args.items, args.sims,
                     lambda rng: rng.choice(differences, size=args.items)))
    for kind, harm, items, sims, draw in rows:
        simulated = "group" if kind == "group" else "binary" if kind.startswith("stored") else kind
        started = time.perf_counter()
        sequential = simulate(simulated, harm, items, sims, draw=draw)
        middle = time.perf_counter()
        once = simulate(simulated, harm, items, sims, schedule=(1.0,), draw=draw)
        ended = time.perf_counter()
        print(f"{kind[:22]:>22} {harm:>5.1f} {items:>6} | {sequential['pass']:>8.3f} {sequential['fail']:>5.3f} "
              f"{sequential[INCONCLUSIVE]:>9.3f} {sequential['spent']:>6.1%} | {once['pass']:>12.3f} {once['fail']:>5.3f} "
              f"{once[INCONCLUSIVE]:>9.3f} | {middle - started:.1f} / {ended - middle:.1f} ({sims} tiers)")


if __name__ == "__main__":
    main()
