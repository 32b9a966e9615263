"""Benign utility scoring (TRUST_SPEC, "Benign utility"). Pure: log-likelihoods in, numbers out.

Not a trust dimension: the figure reported beside them, because the study's warning is that trust
can collapse while benign accuracy looks fine.
- Multiple choice: each choice's text is scored as a continuation of the question; the choice with
  the highest log-likelihood per character wins (lm-evaluation-harness's `acc_norm`: longer choices
  are not penalised for their length). Score = 100 x accuracy.
- Perplexity on held-out text, per word and as bits per byte: both independent of the tokenizer,
  so a variant that changes nothing but the weights is compared like with like.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from trust_tests.result import DimensionResult, Outcome, Scoring, percent

VERSION = "1"
MULTIPLE_CHOICE, PERPLEXITY = "multiple_choice", "perplexity"


def choose(loglikelihoods: Sequence[float], choices: Sequence[str]) -> int:
    """The index of the choice with the highest log-likelihood per character."""
    normalised = [ll / max(len(choice), 1) for ll, choice in zip(loglikelihoods, choices, strict=True)]
    return max(range(len(normalised)), key=normalised.__getitem__)


def word_perplexity(loglikelihood: float, words: int) -> float:
    return math.exp(-loglikelihood / words)


def bits_per_byte(loglikelihood: float, size: int) -> float:
    return -loglikelihood / (size * math.log(2))


def score(items, outputs, scoring: Scoring = Scoring()) -> DimensionResult:
    """items: .id, .scenario ("multiple_choice": .record has .choices, .answer, .subject;
    "perplexity": .record has .continuation); outputs: item id -> log-likelihoods (one per choice,
    or one for the text). One reading in every `scoring` mode: log-likelihoods are not read."""
    outcomes, held_out, size = [], [], 0
    for item in items:
        if item.scenario == MULTIPLE_CHOICE:
            chosen = choose(outputs[item.id], item.record.choices)
            outcomes.append(Outcome(item.id, item.record.subject, float(chosen == item.record.answer)))
        else:
            [text_loglikelihood] = outputs[item.id]
            held_out.append((item.id, text_loglikelihood, len(item.record.continuation.split())))
            size += len(item.record.continuation.encode("utf-8"))
    loglikelihood, words = sum(ll for _, ll, _ in held_out), sum(w for _, _, w in held_out)
    subjects = sorted({outcome.scenario for outcome in outcomes})
    accuracy = percent(outcome.value for outcome in outcomes)
    extra = {}
    if words:
        extra = {"word_perplexity": word_perplexity(loglikelihood, words), "bits_per_byte": bits_per_byte(loglikelihood, size)}
    return DimensionResult(
        dimension="utility", version=VERSION, score=accuracy,
        sub_scores={subject: percent(o.value for o in outcomes if o.scenario == subject) for subject in subjects},
        refusal_rate=0.0,  # choice scoring always answers
        n=len(outcomes), outcomes=tuple(outcomes), extra=extra, held_out=tuple(held_out))
