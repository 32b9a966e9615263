"""Adversarial-demonstration runs as DecodingTrust stores them: adv_demonstration/generations/<path>/
<model>_<seed>.jsonl, a JSON list of `choices` lists (or the fork's later {"requests", "responses"}), aligned
by position with the records adv_demonstration/<path>/<seed>.jsonl.

Every generation file is read: counterfactual/<task>_cf and counterfactual/<task> (demonstrations without
the counterfactual), spurious/<heuristic>/<bias> and spurious/<heuristic>_zero/<model>.jsonl (zero-shot),
backdoor/experiment1/sst-2_<setup>_<attack>_<asr|cacc>, backdoor/experiment2/sst-2_setup2_badword_<n>_<kind>
and backdoor/experiment3/<setup>_cf_<place>_<kind>; anything else is a `LayoutError`, as is a file that is
not a list of choices. Its items are those of the files the fork's aggregate_score.py reads (the six `_cf`
tasks, the twelve spurious heuristic x bias folders, experiment 1; its seeds), both modes scoring the same
records; the others say "read, not scored" in their `Part.note`. Files its aggregate or configs expect and
that are missing are named in the note of the model's first file of that kind.

Records: the benchmark file under --trust-data, or beside the generations (a DecodingTrust data/ folder
holds both), whichever has as many records as the file has outputs. Where none does, the file is not
scored, as the fork's `read` skips it; nor where no records exist (both said in the note). Spurious outputs
follow the fork's generator (test_sc_hydra.py): the "yes" records first, then the others.
"""

from __future__ import annotations

import re
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.adv_demonstration.scoring import BACKDOOR, CLEAN, COUNTERFACTUAL, SPURIOUS
from trust_tests.dimension import Item

WHOLE = (COUNTERFACTUAL, BACKDOOR)  # the sub-scenarios a score needs

# What aggregate_score.py reads (counterfactual_score, spurious_score, backdoor_score).
CF_TASKS = ("snli_premise", "snli_hypothesis", "control_raising", "irregular_form", "main_verb", "syntactic_category")
CF_SEEDS = (42, 2333, 10007)
HEURISTICS = ("PP", "adverb", "embedded_under_verb", "l_relative_clause", "passive", "s_relative_clause")
BIASES = ("entail-bias", "non-entail-bias")
SPURIOUS_SEEDS = (0, 42, 2333, 10007, 12306)
ATTACKS = ("badword", "addsent", "synbkd", "stylebkd")
SETUPS = ("setup1", "setup2", "setup3")
BACKDOOR_SEEDS = (42, 2333, 10007)

_BACKDOOR = re.compile(r"sst-2_(setup\d)_(\w+?)_(asr|cacc)")


def _source(path: Path, relative: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(scenario, group, unit) of an aggregated generation folder; None for one the fork's
    aggregate does not read; a `LayoutError` for a folder DecodingTrust does not write."""
    if relative[0] == "counterfactual" and len(relative) == 2:
        task = relative[1].removesuffix("_cf")
        return (COUNTERFACTUAL, task, task) if relative[1].endswith("_cf") else None
    if relative[0] == "spurious" and len(relative) == 3:
        return SPURIOUS, relative[1], f"{relative[1]}_{relative[2]}"
    if relative[0] == "spurious" and len(relative) == 2 and relative[1].endswith("_zero"):
        return None
    if relative[:2] == ("backdoor", "experiment1") and len(relative) == 3 and (found := _BACKDOOR.fullmatch(relative[2])):
        setup, attack, kind = found.groups()
        return (BACKDOOR if kind == "asr" else CLEAN), attack, f"{setup}_{attack}"
    if relative[:2] == ("backdoor", "experiment2") and len(relative) == 3 and re.fullmatch(
            r"sst-2_setup\d_\w+_\d_(asr|cacc)", relative[2]):
        return None
    if relative[:2] == ("backdoor", "experiment3") and len(relative) == 3 and re.fullmatch(
            r"setup\d_cf_(first|middle|end)_(asr|cacc)", relative[2]):
        return None
    raise stored_runs.LayoutError(
        f"{path}: not under counterfactual/<task>[_cf], spurious/<heuristic>/<bias>, spurious/<heuristic>_zero, "
        "backdoor/experiment1/sst-2_<setup>_<attack>_<asr|cacc>, backdoor/experiment2/sst-2_<setup>_<attack>_<n>_"
        "<asr|cacc> or backdoor/experiment3/<setup>_cf_<place>_<asr|cacc>")


def _expected() -> dict[str, dict[str, bool]]:
    """kind -> the generation files (relative to the generations folder, `{model}` for the model) the
    fork's aggregate or configs expect -> whether the aggregate reads it."""
    cf = {f"counterfactual/{task}{suffix}/{{model}}_{seed}.jsonl": suffix == "_cf"
          for task in CF_TASKS for suffix in ("_cf", "") for seed in CF_SEEDS}
    spurious = {f"spurious/{heuristic}/{bias}/{{model}}_{seed}.jsonl": True
                for heuristic in HEURISTICS for bias in BIASES for seed in SPURIOUS_SEEDS}
    spurious |= {f"spurious/{heuristic}_zero/{{model}}.jsonl": False for heuristic in HEURISTICS}
    backdoor = {f"backdoor/experiment1/sst-2_{setup}_{attack}_{kind}/{{model}}_{seed}.jsonl": True
                for setup in SETUPS for attack in ATTACKS for kind in ("asr", "cacc") for seed in BACKDOOR_SEEDS}
    return {"counterfactual": cf, "spurious": spurious, "backdoor": backdoor}


def _outputs(path: Path) -> list[str]:
    stored = stored_runs.load_json(path)
    with stored_runs.reading(path):
        if isinstance(stored, dict):  # the fork's later generator: {"requests", "responses", "labels", ...}
            return [stored_runs.content(response) for response in stored["responses"]]
        return [stored_runs.content(choices) for choices in stored]


def _records(data: Path, generations: Path, relative: Path, seed: str, outputs: int,
             loaded: dict[Path, list[dict]]) -> tuple[Path | None, list[dict]]:
    """The records file of a generation file, and its records: the first of --trust-data and the generations'
    own data folder that holds as many records as there are outputs, else the first that exists."""
    found = []
    for path in dict.fromkeys(root / "adv_demonstration" / relative / f"{seed}.jsonl" for root in (data, generations)):
        if path.is_file():
            if path not in loaded:
                loaded[path] = stored_runs.load_jsonl(path)
            if len(loaded[path]) == outputs:
                return path, loaded[path]
            found.append((path, loaded[path]))
    return found[0] if found else (None, [])


def _in_generator_order(records: list[dict]) -> list[tuple[int, dict]]:
    """Spurious: test_sc_hydra.py asks the "yes" records first, then the others, each in file order."""
    indexed = list(enumerate(records))
    return [pair for pair in indexed if pair[1]["label"] == "yes"] + [pair for pair in indexed if pair[1]["label"] != "yes"]


def _read_file(path: Path, root: Path, generations: Path, data: Path, loaded: dict) -> stored_runs.Part:
    from trust_tests.adv_demonstration.scenario import DemoRecord

    relative = path.parent.relative_to(root)
    zero_shot = relative.parts[0] == "spurious" and relative.name.endswith("_zero")
    model, _, seed = (path.stem, "", "") if zero_shot else path.stem.rpartition("_")
    if not model or not (zero_shot or seed.isdigit()):
        raise stored_runs.LayoutError(f"{path}: expected <model>_<seed>.jsonl")
    source = _source(path, relative.parts)
    outputs = _outputs(path)
    part = stored_runs.Part(model, "adv_demonstration", path)
    if source is None:
        part.note = "read, not scored: aggregate_score.py does not read it"
        return part
    scenario, group, unit = source
    records_file, records = _records(data, generations, relative, seed, len(outputs), loaded)
    if records_file is None:
        part.note = ("not scored: its records (adv_demonstration/<its folder>/<seed>.jsonl) are neither under "
                     "--trust-data nor beside the generations")  # one note for every such file
        return part
    if len(outputs) != len(records):
        part.note = (f"not scored: {min(len(records), len(outputs))} of its {len(outputs)} outputs have records in "
                     f"{records_file} ({len(records)} records), and aggregate_score.py's read skips a file whose outputs "
                     "and records differ in number (aligned by position, they may not belong together)")
        return part
    key = (records_file, scenario, group, unit, seed)
    if key not in loaded:  # the records as items' records, shared by every model's file
        with stored_runs.reading(records_file):
            order = _in_generator_order(records) if scenario == SPURIOUS else list(enumerate(records))
            loaded[key] = [(index, DemoRecord(scenario, "", group, f"{unit}/{seed}", index, tuple(row["option"]),
                                              row["input"], row["label"], tuple(map(tuple, row["examples"]))))
                           for index, row in order]
    order = loaded[key]
    if [index for index, _ in order] != list(range(len(order))):
        part.note = "; ".join(filter(None, [part.note, (
            "its records are not in the generator's order ('yes' first): here each output is scored against "
            "the record it answered, while aggregate_score.py pairs output i with record i")]))
    for text, (index, record) in zip(outputs, order):
        part.add(Item(f"{scenario}/{unit}/{seed}/{index}", scenario, None, record), [text])
    return part


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    root = generations / "adv_demonstration/generations"
    parts: list[stored_runs.Part] = []
    found: dict[tuple[str, str], dict[str, stored_runs.Part]] = {}  # (model, kind) -> file as `_expected` names it
    loaded: dict = {}  # records files and the items' records made of them, read once
    for path in sorted(root.rglob("*.jsonl")):
        part = _read_file(path, root, generations, data, loaded)
        parts.append(part)
        relative = path.relative_to(root)
        named = f"{relative.parent}/{{model}}{path.name[len(part.model):]}"
        found.setdefault((part.model, relative.parts[0]), {})[named] = part
    for (model, kind), files in found.items():
        expected = _expected().get(kind, {})
        missing = [file for file in expected if file not in files]
        said = [f"missing {kind} files {whose}: {', '.join(file.format(model=model) for file in names)}"
                for whose, names in (("aggregate_score.py reads (it averages the seeds present)",
                                      [file for file in missing if expected[file]]),
                                     ("the fork's configs generate (not in its aggregate)",
                                      [file for file in missing if not expected[file]])) if names]
        if said:
            holder = next((part for part in files.values() if part.items), next(iter(files.values())))
            holder.note = "; ".join(filter(None, [holder.note, *said]))
    return parts
