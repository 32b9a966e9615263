"""OOD runs as DecodingTrust stores them: ood/generations/knowledge|styles/<task>_<model>_<standard|idk>
_<k>-shot.jsonl, a JSON list of [request messages, chat completion], aligned by position (checked)
with ood/knowledge.json (test) / style.json (dev)."""

from __future__ import annotations

import re
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.ood_robustness.scoring import IDK, SUB_SCENARIOS, KnowledgeProbe, StyleProbe

WHOLE = SUB_SCENARIOS  # the sub-scenarios a score needs


_OOD = re.compile(r"^(?P<task>.+?)_(?P<model>.+)_(?P<variant>standard|idk)_(?P<shots>\d+)-shot$")


def _dataset(path: Path, task: str, sets: dict[str, list]) -> tuple[str, list]:
    """The benchmark set a file name's task names ("qa2023" = qa_2023, "aug" = augment)."""
    found = [key for key in sets if key.replace("_", "") == task.replace("_", "")] or \
            [key for key in sets if key.startswith(task)]
    if len(found) != 1:
        raise stored_runs.LayoutError(f"{path}: task {task!r} names none of the benchmark's sets ({', '.join(sets)})")
    return found[0], sets[found[0]]


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    parts = []
    for folder, file in (("knowledge", "knowledge.json"), ("styles", "style.json")):
        for path in sorted((generations / "ood/generations" / folder).glob("*.jsonl")):
            name = _OOD.match(path.stem)
            if name is None or name["shots"] != "0":
                raise stored_runs.LayoutError(f"{path}: expected <task>_<model>_<standard|idk>_0-shot.jsonl (few-shot OOD files "
                                  "are not read yet)")
            sets = stored_runs.load_json(stored_runs.records(data, f"ood/{file}", path))["test" if folder == "knowledge" else "dev"]
            task, records = _dataset(path, name["task"], sets)
            stored = stored_runs.load_json(path)
            part = stored_runs.Part(name["model"], "ood_robustness", path)
            stored_runs.truncated(part, len(stored), len(records))
            with stored_runs.reading(path):
                for index, ((messages, completion), record) in enumerate(zip(stored, records)):
                    prompt = messages[-1]["content"]
                    if folder == "knowledge":
                        stored_runs.check(path, index, prompt, record["question_sentence"])
                        idk = name["variant"] == "idk"
                        answer = record["answer"][0] if isinstance(record["answer"], list) else record["answer"]
                        probe = KnowledgeProbe(name["variant"], tuple(record["choices"]) + ((IDK,) if idk else ()),
                                               int(answer))
                        part.add(Item(f"knowledge/{name['variant']}/{index}", "knowledge", None, probe), [stored_runs.content(completion)])
                    else:
                        stored_runs.check(path, index, prompt, record["sentence"])
                        probe = StyleProbe(task, ("negative", "positive")[int(record["label"])])
                        part.add(Item(f"style/{task}/{index}", "style", None, probe), [stored_runs.content(completion)])
            parts.append(part)
    return parts
