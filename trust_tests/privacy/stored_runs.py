"""Privacy runs as DecodingTrust stores them: privacy/generations/enron/<mode>_s<n>_<model>_1.jsonl,
pii/<kind>_<k>shot<attack|protect>_s<n>_<model>_1.jsonl, understanding/<topic>_t<t>_s<n>_<model>_ques<q>_1.jsonl;
the records are in the files themselves.

Every file is read (a line without DecodingTrust's fields is a `LayoutError` naming the file). Its items are
those of the files the study's DecodingTrust fork aggregates (`study.py`: result_agg.py's lists; its PII files
are found by their names without spaces, as its generator writes them, while the fork's stored files keep
the spaces), and both modes score those, so that the two modes differ by their rules only.
A file it does not aggregate (PII 1-shot or the SSN spellings, understanding questions 2 and 3, ...) says
so in its `Part.note`; files the fork's aggregate or its configs expect and that are missing are named in
the note of the model's first file of that scenario.
"""

from __future__ import annotations

import re
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.privacy import study
from trust_tests.privacy.scoring import SUB_SCENARIOS

WHOLE = SUB_SCENARIOS  # the sub-scenarios a score needs


_PRIVACY = {"enron": re.compile(r"^(?P<mode>.+?_s\d+)_(?P<model>.+)_1$"),
            "pii": re.compile(r"^(?P<kind>.+?)_(?P<mode>\d+shot(?:attack|protect))_s(?P<size>\d+)_(?P<model>.+)_1$"),
            "understanding": re.compile(r"^(?P<topic>[a-z]+)_t(?P<template>\d+)_s(?P<size>\d+)_(?P<model>.+)"
                                        r"_ques(?P<question>\d+)_1$")}


def _file(scenario: str, name: re.Match) -> str:
    """The file less its model, as the fork's generator names it (the item ids' middle part)."""
    if scenario == "enron":
        return name["mode"]
    if scenario == "pii":
        return study.generator_name(f"{name['kind']}_{name['mode']}_s{name['size']}")
    return f"{name['topic']}_t{name['template']}_s{name['size']}_ques{name['question']}"


def _aggregated(scenario: str, name: re.Match) -> str | None:
    """None when result_agg.py reads this file, else why not."""
    if scenario == "enron":
        return None if name["mode"] in study.ENRON_MODES else "not one of calculate_scores_enron's modes"
    if scenario == "pii":
        return (None if study.reads_pii(name["kind"], name["mode"], int(name["size"]))
                else "not one of calculate_scores_pii's kinds x 0-shot attack, 3-shot attack and protect at s100")
    if int(name["question"]) not in study.QUESTIONS:
        return "calculate_scores_understanding reads question 1 only"
    if name["topic"] not in study.TOPICS or name["template"] != "0" or name["size"] != "100":
        return "not one of calculate_scores_understanding's topics at t0, s100"
    return None


def _expected() -> dict[str, dict[str, bool]]:
    """scenario -> the files (as `_file` names them) the fork's aggregate or its configs expect of every
    model -> whether its aggregate reads it."""
    pii = {study.generator_name(f"{kind}_{mode}_s{study.PII_SIZE}"): study.reads_pii(kind, mode, study.PII_SIZE)
           for kind in study.CONFIG_PII_KINDS for mode in study.CONFIG_PII_MODES}
    understanding = {f"{topic}_t0_s100_ques{question}": question in study.QUESTIONS
                     for topic in study.TOPICS for question in study.CONFIG_QUESTIONS}
    return {"enron": dict.fromkeys(study.ENRON_MODES, True), "pii": pii, "understanding": understanding}


def _record(scenario: str, name: re.Match, line: dict):
    from trust_tests.privacy.scenario import Person, PiiCase, Secret

    if scenario == "enron":
        return Person(line["gt-name"], line["gt-email"], ())
    if scenario == "pii":
        return PiiCase(name["kind"], name["mode"], (), "", line["gt"])
    return Secret(name["topic"], f"ques{name['question']}", "", "", study.FRIEND)  # its prompts ask about Mike


def _read_file(path: Path, scenario: str, name: re.Match) -> stored_runs.Part:
    part = stored_runs.Part(name["model"], "privacy", path)
    why_not = _aggregated(scenario, name)
    with stored_runs.reading(path):
        lines = stored_runs.load_jsonl(path)
        records = [_record(scenario, name, line) for line in lines]
        texts = [line["continuation"] for line in lines]
        unknown = sorted({line["word"] for line in lines} - set(study.WORDS)) if scenario == "understanding" else []
    if unknown and why_not is None:
        why_not = f"its word {unknown[0]!r} is none of get_topic_results' phrasings: it raises and skips the file"
    if why_not:
        part.note = f"read, not scored: {why_not}"
        return part
    for index, (record, text) in enumerate(zip(records, texts)):
        part.add(Item(f"{scenario}/{_file(scenario, name)}/{index}", scenario, None, record), [text])
    if scenario == "pii" and len(lines) > study.PII_LINES:
        part.note = f"{len(lines)} lines: result_agg.py reads the first {study.PII_LINES} (study mode), the suite all"
    return part


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    parts: list[stored_runs.Part] = []
    found: dict[tuple[str, str], dict[str, stored_runs.Part]] = {}  # (model, scenario) -> file -> its part
    for scenario, grammar in _PRIVACY.items():
        for path in sorted((generations / "privacy/generations" / scenario).glob("*.jsonl")):
            name = grammar.match(path.stem)
            if name is None:
                raise stored_runs.LayoutError(f"{path}: not a DecodingTrust privacy {scenario} file name ({grammar.pattern})")
            part = _read_file(path, scenario, name)
            parts.append(part)
            found.setdefault((part.model, scenario), {})[_file(scenario, name)] = part
    for model in dict.fromkeys(part.model for part in parts):
        for scenario, expected in _expected().items():
            files = found.get((model, scenario))
            if not files:  # the run's summary says the sub-scenario is missing
                continue
            missing = [file for file in expected if file not in files]
            said = [f"missing {scenario} files {whose}: {', '.join(names)}" for whose, names in (
                ("result_agg.py reads (it averages those present)", [file for file in missing if expected[file]]),
                ("the fork's configs generate (not in its aggregate)", [file for file in missing if not expected[file]]))
                if names]
            holder = next((part for part in files.values() if part.items), next(iter(files.values())))
            holder.note = "; ".join(filter(None, [holder.note, *said]))
    return parts
