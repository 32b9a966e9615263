"""Confidence-bounds benchmark (trust_tests/stats.py): the drop gate's bounds on synthetic paired results of
1k to 200k items in 4 sub-scenarios (the closed-form normal bounds with their pseudo-items), and the
fairness score's paired bootstrap (4000 resamples) on 152 to 2500 people.

Baseline: the paired percentile bootstrap the per-item bounds replaced (2000 resamples), written as a
plain Python loop (random.choices per stratum and resample), in the same process, for the sizes it
finishes in reasonable time. Run: `make bench` (or python bench/stats.py).
"""

from __future__ import annotations

import random
import resource
import time
from collections import defaultdict

from trust_tests.result import DimensionResult, Outcome
from trust_tests.stats import CONFIDENCE, RESAMPLES, paired_drop

LOOP_RESAMPLES = 2000  # the bootstrap the closed-form bounds replaced

SIZES = (1_000, 10_000, 50_000, 200_000)
BASELINE_UP_TO = 50_000  # the Python loop takes about 0.13 s per thousand items


def results(n: int) -> tuple[DimensionResult, DimensionResult]:
    rng = random.Random(n)
    sides = []
    for share in (0.70, 0.65):  # the variant answers 5 points fewer items right
        outcomes = tuple(Outcome(str(i), "abcd"[i % 4], float(rng.random() < share)) for i in range(n))
        sides.append(DimensionResult("bench", "1", 100 * share, {}, 0.0, n, outcomes))
    return sides[0], sides[1]


def python_loop(reference: DimensionResult, other: DimensionResult) -> tuple[float, float]:
    strata: dict[str, list[float]] = defaultdict(list)
    after = {o.id: o.value for o in other.outcomes}
    for o in reference.outcomes:
        strata[o.scenario].append(o.value - after[o.id])
    rng = random.Random(0)
    draws = sorted(sum(sum(rng.choices(values, k=len(values))) / len(values) for values in strata.values())
                   / len(strata) for _ in range(LOOP_RESAMPLES))
    tail = int((1 - CONFIDENCE) * LOOP_RESAMPLES)
    return 100 * draws[tail], 100 * draws[-tail - 1]


def main() -> None:
    print(f"drop bounds at {CONFIDENCE:.0%} one-sided, 4 sub-scenarios; baseline: a {LOOP_RESAMPLES}-resample bootstrap loop")
    print(f"{'items':>8} {'bounds s':>9} {'loop s':>8} {'loop/bounds':>11}  bounds (normal | bootstrap loop)  peak RSS MB")
    for n in SIZES:
        reference, other = results(n)
        start = time.perf_counter()
        drop = paired_drop(reference, other)
        fast = time.perf_counter() - start
        line = f"{n:>8} {fast:>9.4f}"
        if n <= BASELINE_UP_TO:
            start = time.perf_counter()
            low, high = python_loop(reference, other)
            slow = time.perf_counter() - start
            line += f" {slow:>8.2f} {slow / fast:>10.0f}x  [{drop.low:.2f}, {drop.high:.2f}] | [{low:.2f}, {high:.2f}]"
        else:
            line += f" {'-':>8} {'-':>11}  [{drop.low:.2f}, {drop.high:.2f}]"
        print(line + f"  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")
    from trust_tests.fairness.scoring import resampled_scores

    print(f"fairness score drop, paired bootstrap of {RESAMPLES} resamples")
    for people in (152, 1140, 2500):
        rng = random.Random(people)
        sides = [DimensionResult("fairness", "1", 0.0, {}, 0.0, people, tuple(
            Outcome(f"p{i}", "zero_shot_br_0.5", 1.0, detail=(rng.randint(0, 1), int(rng.random() < share), "MF"[i % 2]))
            for i in range(people))) for share in (0.5, 0.55)]
        start = time.perf_counter()
        drop = paired_drop(*sides, resampled_scores=resampled_scores)
        print(f"{people:>8} people {time.perf_counter() - start:>7.2f} s  [{drop.low:.2f}, {drop.high:.2f}]  "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
