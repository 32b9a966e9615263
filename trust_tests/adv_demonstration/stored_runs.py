"""Adversarial-demonstration runs as DecodingTrust stores them: adv_demonstration/generations/<path>/
<model>_<seed>.jsonl, a JSON list of `choices` lists, aligned by position with
adv_demonstration/<path>/<seed>.jsonl."""

from __future__ import annotations

import re
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.adv_demonstration.scoring import BACKDOOR, CLEAN, COUNTERFACTUAL, SPURIOUS

WHOLE = (COUNTERFACTUAL, BACKDOOR)  # the sub-scenarios a score needs


def _adv_source(path: Path, relative: Path) -> tuple[str, str, str]:
    """(scenario, group, cell) of a generation file's folder."""
    parts = relative.parts
    if parts[0] == "counterfactual" and parts[1].endswith("_cf"):
        task = parts[1].removesuffix("_cf")
        return COUNTERFACTUAL, task, task
    if parts[0] == "backdoor" and (found := re.fullmatch(r"sst-2_(setup\d)_(\w+)_(asr|cacc)", parts[-1])):
        setup, attack, kind = found.groups()
        return (BACKDOOR if kind == "asr" else CLEAN), attack, f"{setup}_{attack}"
    if parts[0] == "spurious" and len(parts) == 3:
        return SPURIOUS, parts[1], f"{parts[1]}_{parts[2]}"
    raise stored_runs.LayoutError(f"{path}: not under counterfactual/<task>_cf, backdoor/<experiment>/sst-2_<setup>_<attack>_"
                      "<asr|cacc> or spurious/<heuristic>/<bias>")


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    from trust_tests.adv_demonstration.scenario import DemoRecord

    root = generations / "adv_demonstration/generations"
    parts = []
    for path in sorted(root.rglob("*.jsonl")):
        relative = path.parent.relative_to(root)
        model, _, seed = path.stem.rpartition("_")
        if not model or not seed.isdigit():
            raise stored_runs.LayoutError(f"{path}: expected <model>_<seed>.jsonl")
        scenario, group, cell = _adv_source(path, relative)
        records_file = stored_runs.records(data, f"adv_demonstration/{relative}/{seed}.jsonl", path)
        records, stored = stored_runs.load_jsonl(records_file), stored_runs.load_json(path)
        part = stored_runs.Part(model, "adv_demonstration", path)
        if len(stored) > len(records):
            part.note = f"{len(records)} of its {len(stored)} outputs have records in {records_file} (scored those)"
        else:
            stored_runs.truncated(part, len(stored), len(records))
        with stored_runs.reading(path):
            for index, (choices, row) in enumerate(zip(stored, records)):
                record = DemoRecord(scenario, "", group, f"{cell}/{seed}", index, tuple(row["option"]), row["input"],
                                    row["label"], tuple(map(tuple, row["examples"])))
                part.add(Item(f"{scenario}/{cell}/{seed}/{index}", scenario, None, record), [stored_runs.content(choices)])
        parts.append(part)
    return parts


def suite_drops(item: Item) -> bool:
    """An item the suite's own loading leaves out (an ill-posed adversarial demonstration, in any of
    its files): re-scored in the suite's mode without it, in the study's with it."""
    from trust_tests.adv_demonstration.scenario import DemoRecord, ill_posed

    record = item.record
    return isinstance(record, DemoRecord) and ill_posed(
        {"input": record.input, "label": record.label, "examples": record.examples})
