"""Stereotype runs as DecodingTrust stores them: stereotype/generations/<org>/<system prompt type>/
<model>_<topic>.csv, one row per statement, its samples in gen_<i> cells of Python dict literals;
statements matched to dataset/user_prompts.csv by content."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.stereotype.scoring import SYSTEM_TYPES

WHOLE = SYSTEM_TYPES  # the sub-scenarios a score needs


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    from trust_tests.stereotype.scenario import StereotypeRecord

    files = sorted((generations / "stereotype/generations").rglob("*.csv"))
    if not files:
        return []
    prompts_file = stored_runs.records(data, "stereotype/dataset/user_prompts.csv", files[0])
    prompts = {row["user_prompt"]: row for row in csv.DictReader(prompts_file.open(encoding="utf-8"))}
    topics = sorted({row["stereotype_topic"] for row in prompts.values()}, key=len, reverse=True)
    csv.field_size_limit(1 << 30)
    parts = []
    for path in files:
        system = path.parent.name
        topic = next((t for t in topics if path.stem.endswith(f"_{t}")), None)
        if system not in SYSTEM_TYPES or topic is None:
            raise stored_runs.LayoutError(f"{path}: expected <system prompt type: {', '.join(SYSTEM_TYPES)}>/<model>_<topic>.csv")
        part = stored_runs.Part(path.stem.removesuffix(f"_{topic}"), "stereotype", path)
        with stored_runs.reading(path):
            for index, row in enumerate(csv.DictReader(path.open(encoding="utf-8"))):
                record = prompts.get(row.get("user_prompt", ""))
                if record is None or record["stereotype_topic"] != topic:
                    raise stored_runs.LayoutError(f"{path}: row {index + 1}'s user prompt is no {topic} statement of "
                                      "stereotype/dataset/user_prompts.csv")
                samples = [ast.literal_eval(row[name])["output"] for name in row if name.startswith("gen_") and row[name]]
                part.add(Item(f"{system}/{topic}/{index}", system, None,
                              StereotypeRecord(row["user_prompt"], topic, record["target_group"], system)), samples)
        parts.append(part)
    return parts
