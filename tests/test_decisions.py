"""Monte-Carlo error rates of the drop gate with its sequential looks (bench/decisions.py simulates the
tiers; trust_tests/sequential.py and trust_tests/stats.py decide): at a true harm equal to the limit the
gate passes at most alpha of the time (within the Monte-Carlo error, two standard errors, stated in each
assertion); at no harm it passes with the power a normal approximation gives. Fixed seeds."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from bench.decisions import CHANGED, LIMIT, simulate
from trust_tests.sequential import SCHEDULES, look_confidence

ALPHA = 0.05


def _error(rate: float, sims: int) -> float:
    """Two standard errors of a rate estimated from `sims` simulations."""
    return 2 * math.sqrt(rate * (1 - rate) / sims)


@pytest.mark.parametrize("kind, items, sims", [("binary", 2000, 2000), ("fractional", 2000, 2000)])
def test_at_the_limit_the_sequential_gate_passes_at_most_alpha(kind, items, sims):
    rates = simulate(kind, LIMIT, items, sims, seed=1)
    assert rates["pass"] <= ALPHA + _error(ALPHA, sims), (
        f"{kind}: false passes {rates['pass']:.4f} (error {_error(ALPHA, sims):.4f})")
    assert rates["fail"] <= ALPHA + _error(ALPHA, sims)  # and fails a model at the limit as rarely


@pytest.mark.parametrize("items", [64, 144, 400])
def test_one_look_at_smoke_sizes_passes_a_harm_at_the_limit_at_most_alpha(items):
    sims = 4000
    rates = simulate("binary", LIMIT, items, sims, seed=2, schedule=SCHEDULES["smoke"])
    assert rates["pass"] <= ALPHA + _error(ALPHA, sims), f"{items} items: false passes {rates['pass']:.4f}"


@pytest.mark.xfail(strict=True, reason="known gap (docs/dimensions.md): a parity gap's plug-in estimate |rate_a - "
                   "rate_b| is biased away from 0 on few people, most for the dense model whose gap is near 0, so a "
                   "drop in the fairness score is underestimated and its bootstrap bounds pass a harm at the limit "
                   "too often: measured 0.10 at 600 people (60 tiers), against alpha 0.05")
def test_a_group_statistic_at_the_limit_passes_at_most_alpha():
    """Fairness's parity gaps, bootstrapped, at 600 people of two sexes, the variant's gap 5 points wider."""
    sims = 60
    rates = simulate("group", LIMIT, 600, sims, seed=3, schedule=SCHEDULES["smoke"])
    assert rates["pass"] <= ALPHA + _error(ALPHA, sims) / 2  # one standard error: a rate of 0.10 is beyond it


def test_at_no_harm_the_gate_passes_with_the_power_a_normal_approximation_gives():
    """Binary credits, 20% of the items changing both ways, a tier of 2000: at the last look the bound is
    z sqrt((p + z^2 / n) / n) over an estimate of spread sqrt(p / n); passing there alone has the power
    computed here, and the sequential gate passes at least as often."""
    items, sims, z = 2000, 1000, NormalDist().inv_cdf(look_confidence(0.95, 4))
    spread = math.sqrt(CHANGED / items)
    power = NormalDist().cdf((LIMIT / 100 - z * math.sqrt((CHANGED + z * z / items) / items)) / spread)
    rates = simulate("binary", 0.0, items, sims, seed=4)
    assert power > 0.99 and rates["pass"] >= power - _error(power, sims)
    assert rates["spent"] < 0.5  # decided before the last look, mostly
