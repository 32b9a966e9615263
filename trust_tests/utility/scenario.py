"""Benign utility: multiple-choice accuracy on 60 shipped questions (10 subjects, written for this
project) and perplexity on about 1500 words of shipped held-out prose, by choice scoring (one
forward pass per choice, no generation).

Every tier uses the shipped set: DecodingTrust has no utility data, and the figure only has to
compare variants of one model with each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compressed_trust.fixtures.data import TrustData, read_jsonl
from compressed_trust.fixtures.engine.requests import ChoiceRequest
from trust_tests.dimension import Dimension, Item
from trust_tests.utility.scoring import MULTIPLE_CHOICE, PERPLEXITY, VERSION, score

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Question:
    id: str
    subject: str
    question: str
    choices: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class Passage:
    """A held-out paragraph: its first sentence is the context, the rest is scored."""

    id: str
    context: str
    continuation: str


@dataclass(frozen=True)
class UtilityData:
    questions: tuple[Question, ...]
    passages: tuple[Passage, ...]


def _passage(index: int, paragraph: str) -> Passage:
    first, _, rest = paragraph.partition(". ")
    return Passage(f"{index}", first + ".", " " + rest)


def load(data: TrustData) -> UtilityData:
    questions = [Question(row["id"], row["subject"], row["question"], tuple(row["choices"]), int(row["answer"]))
                 for row in read_jsonl(HERE / "questions.jsonl")]
    paragraphs = [p.strip() for p in (HERE / "heldout.txt").read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return UtilityData(tuple(questions), tuple(_passage(i, p) for i, p in enumerate(paragraphs)))


def items(data: UtilityData, tier: str) -> list[Item]:
    made = [Item(f"{MULTIPLE_CHOICE}/{q.id}", MULTIPLE_CHOICE,
                 ChoiceRequest(text=f"Question: {q.question}\nAnswer:", options=tuple(f" {c}" for c in q.choices)), q)
            for q in data.questions]
    made += [Item(f"{PERPLEXITY}/{p.id}", PERPLEXITY, ChoiceRequest(text=p.context, options=(p.continuation,)), p)
             for p in data.passages]
    return made


DIMENSION = Dimension(name="utility", number=0, title="Benign utility", short="Utility",
                      about="benign utility reported beside the trust dimensions",
                      version=VERSION, load=load, items=items, score=score, benign=True,
                      gates=("floor", "drop", "perplexity_increase"))  # choice scoring always answers: no refusals
