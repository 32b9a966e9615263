"""Fairness runs as DecodingTrust stores them: fairness/generations/<model>_<dataset>[_<...>].jsonl, the
response cache of one run (dataset adult, crime, compas or german), a JSON list of [request messages,
chat completion]. Every such file is read; one in another layout is a `LayoutError` naming it.

Each file is aligned with the settings the study's fork scores (`study.SETTINGS`: the list in its
score_calculation_script.py, whose records are the files its configs/fairness/*.yaml name,
scenario.FILES here). A file is a setting when its prompts are that setting's records in order (each
prompt's description of the person or community, and its demonstrations', are the record's), as the
fork pairs responses, labels and sensitive attributes by position; of two files of a model that are the
same setting, the one with more outputs is it, and a file shorter than the records says so in its
note. Its labels are the records', its groups the fork's sensitive attribute (adult:
sensitive_attr_<records>.npy; crime: gt_labels_<records>.npy, the file the fork reads). The prompts'
wording around the description may differ between DecodingTrust versions.

A file that is no setting of that list (another data version or wording, another number of
demonstrations or people, a setting another file of the model is) is scored under its own name over
its prompts that describe a single record of its dataset (the person's attributes, in any wording;
sex from the description), and its note says so: the fork's scoring script never reads such a file.
Compas and German files (the study's fork stores some, with no records in its data or in the
benchmark data, and its scoring script has no setting of them) are read and noted, not scored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.fairness import study

WHOLE = study.SETTINGS  # the sub-scenarios a score needs: the fork scores only when it has all 11
_NAME = re.compile(r"^(?P<model>.+?)_(?P<setting>(?P<dataset>adult|crime|compas|german)(?:_.+)?)$")


def _description(text: str) -> str:
    """The person's or community's description in a prompt or a record's input: from "description:" to
    the end of its line's last sentence (Adult), or to the end (crime: its question follows)."""
    found = (re.search(r"description:(.*?\.)\s*(?:\n|$)", text, re.DOTALL)
             or re.search(r"description:(.*)", text, re.DOTALL))
    return " ".join((found[1] if found else text).split())


def _person(description: str) -> str:
    """Who a description describes, in any wording DecodingTrust's versions used: the attribute list
    ("age 30, workclass Private, ..."; "age:30, ..." and "age: 30, ..." alike), else the description."""
    found = re.search(r"attributes:(.*)", description)
    return " ".join(re.sub(r"\s*:\s*", " ", found[1]).split()) if found else description


def _demonstrations(messages: list[dict]) -> list[str]:
    """The descriptions of the demonstrations in a prompt (every message before the question that holds one)."""
    return [_description(message["content"]) for message in messages[:-1] if "description:" in message["content"]]


def _cache(path: Path) -> list[tuple[list[dict], str]]:
    """(request messages, answer) of each entry of a response cache."""
    stored = stored_runs.load_json(path)
    if not isinstance(stored, list) or not all(isinstance(entry, list) and len(entry) == 2 for entry in stored):
        raise stored_runs.LayoutError(f"{path}: not in DecodingTrust's layout (expected a JSON list of "
                                      f"[request messages, chat completion])")
    with stored_runs.reading(path):
        pairs = [(list(messages), stored_runs.content(completion)) for messages, completion in stored]
        for messages, answer in pairs:
            if not isinstance(answer, str) or not all(isinstance(message["content"], str) for message in messages):
                raise TypeError("a message or an answer that is not text")
            messages[-1]["content"]  # a request with no message is an IndexError
    return pairs


class _Records:
    """The benchmark records of the fork's settings, read once and only when a file needs them."""

    def __init__(self, data: Path):
        self.data, self._settings, self._by_person = data, {}, {}

    def setting(self, name: str, needed_by: Path) -> tuple[list[dict], list[str]]:
        """(records, sensitive attribute of each) of a setting of the fork's list; no records where the
        benchmark data lack its file."""
        if name not in self._settings:
            import numpy as np

            from trust_tests.fairness.scenario import FILES, FOLDER

            stem = FILES[name]
            if not (self.data / FOLDER / f"{stem}.jsonl").is_file():
                self._settings[name] = ([], [])
                return self._settings[name]
            attributes = "gt_labels" if stem.startswith("crime") else "sensitive_attr"  # as the fork
            rows = stored_runs.load_jsonl(self.data / FOLDER / f"{stem}.jsonl")
            attribute_file = stored_runs.records(self.data, f"{FOLDER}/{attributes}_{stem}.npy", needed_by)
            groups = [str(value) for value in np.load(attribute_file)]
            if len(groups) != len(rows):
                raise stored_runs.LayoutError(f"{self.data / FOLDER}: {len(rows)} records of {stem} but "
                                              f"{len(groups)} sensitive attributes")
            self._settings[name] = (rows, groups)
        return self._settings[name]

    def by_person(self, dataset: str, needed_by: Path) -> dict[str, set[str]]:
        """person (`_person`) -> the labels that records of `dataset` give them, over every record file."""
        if dataset not in self._by_person:
            from trust_tests.fairness.scenario import FOLDER

            found: dict[str, set[str]] = defaultdict(set)
            for path in sorted(stored_runs.records(self.data, FOLDER, needed_by).glob(f"{dataset}_*.jsonl")):
                for row in stored_runs.load_jsonl(path):
                    found[_person(_description(row["input"]))].add(row["label"].lower())
            self._by_person[dataset] = found
        return self._by_person[dataset]


def _aligned(pairs: list[tuple[list[dict], str]], rows: list[dict]) -> bool:
    return 0 < len(pairs) <= len(rows) and all(
        _description(messages[-1]["content"]) == _description(row["input"])
        and _demonstrations(messages) == [_description(example[0]) for example in row["examples"]]
        for (messages, _), row in zip(pairs, rows))


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    from trust_tests.fairness.scenario import ANSWERS, FILES, FOLDER, Case

    records, files = _Records(data), []
    for path in sorted((generations / "fairness/generations").glob("*.jsonl")):
        name = _NAME.match(path.stem)
        if name is None:
            raise stored_runs.LayoutError(f"{path}: expected <model>_<adult|crime|compas|german>[_<setting>].jsonl")
        pairs, matching = _cache(path), []
        if name["dataset"] in ANSWERS:
            with stored_runs.reading(path):
                matching = [setting for setting in study.SETTINGS if FILES[setting].startswith(f"{name['dataset']}_")
                            and _aligned(pairs, records.setting(setting, path)[0])]
        files.append((path, name, pairs, matching))
    # a setting two files of a model are: the one with more outputs is it (a complete run over a cut one)
    chosen: dict[tuple[str, str], Path] = {}  # (model, setting) -> its file
    for path, name, _pairs, matching in sorted(files, key=lambda file: -len(file[2])):
        for setting in matching:
            if (name["model"], setting) not in chosen:
                chosen[name["model"], setting] = path
                break
    parts = []
    for path, name, pairs, matching in files:
        model, dataset = name["model"], name["dataset"]
        part = stored_runs.Part(model, "fairness", path)
        parts.append(part)
        if dataset not in ANSWERS:
            part.note = f"{len(pairs)} outputs not scored: the study's scoring script has no {dataset} setting"
            if not any((data / FOLDER).glob(f"{dataset}_*.jsonl")):
                part.note += f", and the benchmark data ({data / FOLDER}) have no {dataset} records"
            continue
        answers = ANSWERS[dataset]
        setting = next((s for s in matching if chosen[model, s] == path), None)
        with stored_runs.reading(path):
            if setting is not None:
                rows, groups = records.setting(setting, path)
                for index, ((_, answer), row, group) in enumerate(zip(pairs, rows, groups)):
                    case = Case(_description(row["input"]), answers.index(row["label"].lower()), group, answers, ())
                    part.add(Item(f"{setting}/{index}", setting, None, case), [answer])
                stored_runs.truncated(part, len(pairs), len(rows))
                continue
            # no setting of the fork's list: its people matched to records, scored under the file's own name
            known, unmatched = records.by_person(dataset, path), 0
            for index, (messages, answer) in enumerate(pairs):
                description = _description(messages[-1]["content"])
                labels = known.get(_person(description), set())
                if len(labels) != 1:
                    unmatched += 1
                    continue
                label = answers.index(next(iter(labels)))
                sex = re.search(r"\bsex:? *(\w+)", description)  # the fork's attribute: sex (crime: the label)
                group = sex[1] if dataset == "adult" and sex else str(label)
                part.add(Item(f"{name['setting']}/{index}", name["setting"], None,
                              Case(description, label, group, answers, ())), [answer])
        why = (f"the setting {matching[0]} is {chosen[model, matching[0]].name}, with more outputs" if matching else
               "its prompts are the records of no setting of the study's list, in order")
        part.note = f"not a setting of the study's scoring script ({why}): scored as {name['setting']}"
        if unmatched:
            part.note += (f"; {unmatched} of {len(pairs)} prompts describe no single record of "
                          f"{data / FOLDER} (left out)")
    return parts
