"""Plan before spending (`python -m trust_tests plan`): per dimension, what a run of the given model,
variants and tier would generate, how small a drop its items can show within the limit, and how long
it would take, before any of it is spent.

Per dimension: its items at the tier and the looks of sequential sampling (trust_tests/sequential.py),
generations (samples of generated answers, options of scored ones), prompt tokens (the model's own
tokenizer and chat template) and new tokens at most (max_new_tokens of every generation). The smallest
drop the tier can show within the limit: a gate passes when the estimate plus z times its standard
error stays under the limit, so on the whole tier it shows a true drop of up to limit - z x SE (about
half the time; any smaller drop more often), z that of the last look's confidence. The SE comes from
the dense model's stored outcomes at this tier when a run-results file has them (a variant's credit
taken as an independent draw from the dense credits' spread: twice their variance per item, 2 p (1 - p)
for right-or-wrong items), else from the worst case (every item changes: 1 per item). The time: new
tokens over the engine's speed, given (--tokens-per-second, e.g. a GPU's) or measured here on the
dense model (a short timed generation).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

from compressed_trust.fixtures.data import TrustData
from compressed_trust.fixtures.engine.requests import GenerationRequest
from trust_tests.dimension import Dimension
from trust_tests.gates import thresholds
from trust_tests.result import Outcome
from trust_tests.sequential import SCHEDULES, look_confidence


@dataclass(frozen=True)
class DimensionPlan:
    dimension: str
    items: int
    looks: tuple[int, ...]     # items at each look
    generations: int           # per variant
    prompt_tokens: int
    new_tokens: int            # at most
    shown_drop: float          # points: the largest true drop the whole tier shows within the limit
    limit: float
    spread: str                # where the SE came from: "stored dense outcomes" | "worst case"


def plan_dimension(judged: Dimension, data: TrustData, tokens, confidence: float, model: str,
                   stored: dict[str, list[float]] | None) -> DimensionPlan:
    """`tokens(request)` counts a request's prompt tokens; `stored`: the dense model's per-item credits
    of this dimension at this tier, when a run measured them."""
    items = judged.items(judged.load(data), data.tier)
    schedule = SCHEDULES[data.tier]
    strata: dict[str, int] = {}
    for item in items:
        strata[item.scenario] = strata.get(item.scenario, 0) + 1
    looks = tuple(sum(max(1, math.ceil(fraction * size)) for size in strata.values()) for fraction in schedule)
    generations = new = prompt = 0
    for item in items:
        request = item.request
        count = (1 if request.greedy else request.n) if isinstance(request, GenerationRequest) else len(request.options)
        generations += count
        prompt += tokens(request) * (1 if isinstance(request, GenerationRequest) else len(request.options))
        new += count * request.max_new_tokens if isinstance(request, GenerationRequest) else 0
    variance = 2 * (sum(c * c for c in stored) / len(stored) - (sum(stored) / len(stored)) ** 2) if stored else 1.0
    z = NormalDist().inv_cdf(look_confidence(confidence, len(schedule)))
    limit = thresholds(judged.name, model).max_drop
    shown = limit - 100 * z * math.sqrt(variance / len(items))
    return DimensionPlan(judged.name, len(items), looks, generations, prompt, new, shown, limit,
                         "stored dense outcomes" if stored else "worst case")


def stored_credits(runs: Path, model: str, tier: str) -> dict[str, list[float]]:
    """dimension -> the dense model's per-item credits at this tier, from the newest run-results file that has them."""
    found: dict[str, list[float]] = {}
    for path in sorted(runs.glob("*.json"), reverse=True) if runs.is_dir() else ():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        for entry in document.get("results", []):
            if (entry["model"], entry["tier"], entry["variant"]) == (model, tier, "none"):
                found.setdefault(entry["dimension"], [Outcome.stored(outcome).value for outcome in entry["outcomes"]])
    return found


def measure_speed(engine, prompts: int = 8, new_tokens: int = 32) -> float:
    """New tokens per second of a short uncached generation on `engine` (its backend, this machine)."""
    requests = [GenerationRequest(messages=[("user", f"Tell me a story about the number {i}.")],
                                  max_new_tokens=new_tokens) for i in range(prompts)]
    started = time.perf_counter()
    engine.generate(requests)
    return engine.stats["new_tokens"] / (time.perf_counter() - started)


def _duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def table(plans: Iterable[DimensionPlan], variants: int, speed: float, speed_source: str, tier: str) -> list[str]:
    plans = list(plans)
    lines = [f"{'dimension':<18} {'items':>6} {'looks':>22} {'generations':>11} {'prompt tok':>10} {'new tok':>9} "
             f"{'drop shown within':>18} {'time':>8}"]
    for plan in plans:
        looks = "/".join(map(str, plan.looks))
        shown = (f"{plan.shown_drop:.1f} of {plan.limit:.0f}" if plan.shown_drop > 0 else f"none of {plan.limit:.0f}")
        lines.append(f"{plan.dimension:<18} {plan.items:>6} {looks:>22} {plan.generations:>11} {plan.prompt_tokens:>10} "
                     f"{plan.new_tokens:>9} {shown + ('*' if plan.spread == 'worst case' else ''):>18} "
                     f"{_duration(plan.new_tokens / speed):>8}")
    new = sum(plan.new_tokens for plan in plans)
    lines += [f"per variant: {sum(p.generations for p in plans)} generations, {new} new tokens at most: "
              f"{_duration(new / speed)}; {variants} variants: {_duration(variants * new / speed)} at most "
              f"(sequential sampling stops a dimension at its first deciding look)",
              f"engine speed {speed:.1f} new tokens/s ({speed_source}); generation only (building a compressed variant "
              "is not counted)"]
    if any(plan.spread == "worst case" for plan in plans):
        lines.append(f"* worst case (every item changes): no stored dense outcomes of it at the {tier} tier")
    return lines
