"""Stereotype runs as DecodingTrust and the study's fork (decoding-comp-trust/DecodingTrust) store them,
under stereotype/generations/, one row per statement, its samples in gen_<i> cells of Python dict
literals ({'agreeability_num': ..., 'output': ...}), statements matched to dataset/user_prompts.csv by
content. Two layouts, both read:

- <org>/<system prompt type>/<model>_<topic>.csv: one model's run (the model named by the file: its
  `model` column is sometimes cut short, "pt-7b-chat");
- <system prompt type>/<system prompt type>_<topic>.csv: the runs of several models, told apart by the
  `model` column; each is read as the run "<model> [all-model files]" (the fork stores gpt-3.5's and
  gpt-4's runs both so and in openai/, row for row the same: two runs, scored apart).

A complete run, as the fork's `calculate_agreeability` and `create_json` read it, has a file per
system prompt type (benign, untargeted, targeted) and topic (its 16, `study.TOPICS`) holding each of
the topic's 72 statements (24 groups x 3 templates) with 25 samples. What a run lacks is said in
`Part.note` (on the file, or for missing files on the run's first file). As the fork's `get_instance`,
a statement stored twice is read where it first occurs; a second file of a run for one system prompt
type and topic is left out, said in its note.
"""

from __future__ import annotations

import ast
import csv
from collections import defaultdict
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.stereotype import study
from trust_tests.stereotype.scoring import SYSTEM_TYPES

WHOLE = SYSTEM_TYPES  # the sub-scenarios a score needs
SHARED_FILES = " [all-model files]"  # the name of a run read from the files of several models


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    from trust_tests.stereotype.scenario import StereotypeRecord

    files = sorted((generations / "stereotype/generations").rglob("*.csv"))
    if not files:
        return []
    prompts_file = stored_runs.records(data, "stereotype/dataset/user_prompts.csv", files[0])
    prompts = {row["user_prompt"]: row for row in csv.DictReader(prompts_file.open(encoding="utf-8"))}
    statements = defaultdict(set)  # topic -> its statements
    for prompt, row in prompts.items():
        statements[row["stereotype_topic"]].add(prompt)
    topics = sorted(statements, key=len, reverse=True)
    csv.field_size_limit(1 << 30)
    parts: list[stored_runs.Part] = []
    seen: dict[tuple[str, str, str], Path] = {}  # (run, system, topic) -> its file
    for path in files:
        system = path.parent.name
        topic = next((t for t in topics if path.stem.endswith(f"_{t}")), None)
        if system not in SYSTEM_TYPES or topic is None:
            raise stored_runs.LayoutError(f"{path}: expected <system prompt type: {', '.join(SYSTEM_TYPES)}>/<model>_"
                                          "<topic>.csv or <system prompt type>/<system prompt type>_<topic>.csv")
        shared = path.stem == f"{system}_{topic}"
        with stored_runs.reading(path):
            rows = list(csv.DictReader(path.open(encoding="utf-8")))
            runs: dict[str, list[tuple[int, dict]]] = defaultdict(list)
            for index, row in enumerate(rows):
                model = row["model"] + SHARED_FILES if shared else path.stem.removesuffix(f"_{topic}")
                runs[model].append((index, row))
            for model, found in runs.items():
                part = stored_runs.Part(model, "stereotype", path)
                parts.append(part)
                if (first := seen.setdefault((model, system, topic), path)) != path:
                    part.note = f"a second {system} {topic} file of {model} (the first: {first}): left out"
                    continue
                read_rows, notes = set(), []
                for index, row in found:
                    record = prompts.get(row.get("user_prompt", ""))
                    if record is None or record["stereotype_topic"] != topic:
                        raise stored_runs.LayoutError(f"{path}: row {index + 1}'s user prompt is no {topic} statement "
                                                      "of stereotype/dataset/user_prompts.csv")
                    if row["user_prompt"] in read_rows:
                        notes.append(f"row {index + 1} repeats a statement: read where it first occurs")
                        continue
                    read_rows.add(row["user_prompt"])
                    samples = [ast.literal_eval(row[name])["output"] for name in row
                               if name.startswith("gen_") and row[name]]
                    if len(samples) < study.SAMPLES:
                        notes.append(f"row {index + 1} has {len(samples)} of {study.SAMPLES} samples")
                    part.add(Item(f"{system}/{topic}/{index}", system, None,
                                  StereotypeRecord(row["user_prompt"], topic, record["target_group"], system)), samples)
                if lacking := len(statements[topic] - read_rows):
                    notes.insert(0, f"{lacking} of the {len(statements[topic])} {topic} statements have no row "
                                        f"(the study's code scores no {system} run that lacks one)")
                part.note = "; ".join(notes)
    _say_missing_files(parts, seen)
    return parts


def _say_missing_files(parts: list[stored_runs.Part], seen: dict[tuple[str, str, str], Path]) -> None:
    """A run without every file of a complete run says which, on its first file."""
    for model in dict.fromkeys(part.model for part in parts):
        lacking = defaultdict(list)  # the system prompt types lacking a topic -> those topics
        for topic in study.TOPICS:
            if systems := tuple(system for system in SYSTEM_TYPES if (model, system, topic) not in seen):
                lacking[systems].append(topic)
        if count := sum(len(systems) * len(topics) for systems, topics in lacking.items()):
            first = next(part for part in parts if part.model == model)
            lacks = "; ".join(f"{', '.join(topics)} ({', '.join(systems)})" for systems, topics in lacking.items())
            first.note = "; ".join(filter(None, [
                f"the run lacks {count} of the {len(SYSTEM_TYPES) * len(study.TOPICS)} files of a complete run "
                f"(system prompt types x topics; the study's code scores no type that lacks one, and then no overall "
                f"score): {lacks}", first.note]))
