"""Fairness runs as DecodingTrust stores them: fairness/generations/<model>_<adult|crime>_<...>.jsonl,
the response cache of one setting, a JSON list of [request messages, chat completion]. Its prompts'
wording changed between DecodingTrust versions, so each is matched to its record by the description
it holds, not by position."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.fairness.scoring import SETTINGS

WHOLE = SETTINGS  # the sub-scenarios a score needs


def _description(text: str) -> str:
    """The person's or community's description in a prompt or a record's input."""
    found = re.search(r"description:(.*?\.)\s*(?:\n|$)", text, re.DOTALL)
    return " ".join((found[1] if found else text).split())


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    from trust_tests.fairness.scenario import ANSWERS, FOLDER, Case

    files = sorted((generations / "fairness/generations").glob("*.jsonl"))
    records: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # dataset -> description -> labels
    for path in sorted(stored_runs.records(data, FOLDER, files[0]).glob("*.jsonl")) if files else []:
        for row in stored_runs.load_jsonl(path):
            records[path.stem.split("_")[0]][_description(row["input"])].add(row["label"].lower())
    parts = []
    for path in files:
        name = re.match(r"^(?P<model>.+?)_(?P<setting>(?P<dataset>adult|crime)_.+)$", path.stem)
        if name is None:
            raise stored_runs.LayoutError(f"{path}: expected <model>_<adult|crime>_<setting>.jsonl")
        answers, known = ANSWERS[name["dataset"]], records[name["dataset"]]
        part, unmatched = stored_runs.Part(name["model"], "fairness", path), 0
        with stored_runs.reading(path):
            for index, (messages, completion) in enumerate(stored_runs.load_json(path)):
                description = _description(messages[-1]["content"])
                labels = known.get(description, set())
                if len(labels) != 1:
                    unmatched += 1
                    continue
                label = answers.index(next(iter(labels)))
                sex = re.search(r"\bsex (\w+)", description)  # DecodingTrust's sensitive attribute: sex (crime: the label)
                group = sex[1] if name["dataset"] == "adult" and sex else str(label)
                case = Case(description, label, group, answers, ())
                part.add(Item(f"{name['setting']}/{index}", name["setting"], None, case), [stored_runs.content(completion)])
        if unmatched:
            part.note = (f"{unmatched} of {len(part.items) + unmatched} prompts describe no single record of "
                         f"{data / FOLDER} (left out)")
        parts.append(part)
    return parts
