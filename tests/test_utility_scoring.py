"""Benign utility: choice by log-likelihood per character, word perplexity and bits per byte, by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from compressed_trust.fixtures.data import TrustData
from trust_tests.dimension import Item
from trust_tests.utility import scenario
from trust_tests.utility.scoring import bits_per_byte, choose, score, word_perplexity


def test_choice_is_normalised_by_length():
    # raw: -6 > -8, but per character "ab" -6/2 = -3 loses to "abcd" -8/4 = -2
    assert choose([-6.0, -8.0], ["ab", "abcd"]) == 1
    assert choose([-1.0, -8.0], ["ab", "abcd"]) == 0  # -0.5 vs -2


def test_perplexity_by_hand():
    # 4 words with total log-likelihood -8: exp(8 / 4) = e^2
    assert word_perplexity(-8.0, 4) == pytest.approx(math.e ** 2)
    # 10 bytes, -6.931... nats = -10 bits: 1 bit per byte
    assert bits_per_byte(-10 * math.log(2), 10) == pytest.approx(1.0)


def _question(subject: str, answer: int):
    return SimpleNamespace(choices=("aa", "bb"), answer=answer, subject=subject)


def test_score_by_hand():
    items = [Item("mc/1", "multiple_choice", None, _question("history", 0)),
             Item("mc/2", "multiple_choice", None, _question("history", 1)),
             Item("mc/3", "multiple_choice", None, _question("civics", 1)),
             Item("perplexity/0", "perplexity", None, SimpleNamespace(continuation=" one two")),
             Item("perplexity/1", "perplexity", None, SimpleNamespace(continuation=" three four")),]
    outputs = {"mc/1": [-1.0, -2.0], "mc/2": [-1.0, -2.0], "mc/3": [-3.0, -2.0],
               "perplexity/0": [-3.0], "perplexity/1": [-5.0]}
    result = score(items, outputs)
    # right, wrong, right: 2/3; history 1/2, civics 1/1
    assert result.score == pytest.approx(200 / 3) and result.n == 3
    assert result.sub_scores == {"civics": 100.0, "history": 50.0}
    # 4 words, -8 in total: e^2; bytes: " one two" 8 + " three four" 11 = 19
    assert result.extra["word_perplexity"] == pytest.approx(math.e ** 2)
    assert result.extra["bits_per_byte"] == pytest.approx(8 / (19 * math.log(2)))
    assert result.refusal_rate == 0.0


def test_shipped_set_loads_for_every_tier():
    for tier in ("smoke", "standard"):
        data = scenario.load(TrustData(tier, None))
        made = scenario.items(data, tier)
        assert len(data.questions) == 60 and len({q.subject for q in data.questions}) == 10
        assert sorted(q.answer for q in data.questions) == [0] * 15 + [1] * 15 + [2] * 15 + [3] * 15
        assert len(data.passages) >= 8 and all(p.continuation.strip() for p in data.passages)
        assert len({item.id for item in made}) == len(made) == 60 + len(data.passages)
