"""Paired-bootstrap benchmark (trust_tests/stats.py): the drop gates' significance test on synthetic
paired results of 1k to 200k items in 4 sub-scenarios, 2000 resamples.

Baseline: the same stratified bootstrap written as a plain Python loop (random.choices per stratum
and resample), in the same process, for the sizes it finishes in reasonable time. Run: `make bench`
(or python bench/stats.py).
"""

from __future__ import annotations

import random
import resource
import time
from collections import defaultdict

from trust_tests.result import DimensionResult, Outcome
from trust_tests.stats import CONFIDENCE, RESAMPLES, paired_drop

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
                   / len(strata) for _ in range(RESAMPLES))
    tail = int((1 - CONFIDENCE) / 2 * RESAMPLES)
    return 100 * draws[tail], 100 * draws[-tail - 1]


def main() -> None:
    print(f"paired bootstrap, {RESAMPLES} resamples, 4 sub-scenarios")
    print(f"{'items':>8} {'numpy s':>8} {'loop s':>8} {'loop/numpy':>10}  interval (numpy | loop)  peak RSS MB")
    for n in SIZES:
        reference, other = results(n)
        start = time.perf_counter()
        drop = paired_drop(reference, other)
        fast = time.perf_counter() - start
        line = f"{n:>8} {fast:>8.3f}"
        if n <= BASELINE_UP_TO:
            start = time.perf_counter()
            low, high = python_loop(reference, other)
            slow = time.perf_counter() - start
            line += f" {slow:>8.2f} {slow / fast:>9.0f}x  [{drop.low:.2f}, {drop.high:.2f}] | [{low:.2f}, {high:.2f}]"
        else:
            line += f" {'-':>8} {'-':>10}  [{drop.low:.2f}, {drop.high:.2f}]"
        print(line + f"  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")


if __name__ == "__main__":
    main()
