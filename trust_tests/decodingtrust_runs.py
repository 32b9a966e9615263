"""DecodingTrust's stored runs, read as they are: its native generation files (the layout of its
`data/<perspective>/generations/` folders) turned into the suite's items and outputs, aligned with
the benchmark records, so that every dimension's own `score` rescores them in either mode.

One reader per layout (`READERS`); each returns `Part`s (one generation file: its model, dimension,
items and outputs; no requests: the outputs exist) and raises `LayoutError` naming the file it cannot
read. Alignment is by position where DecodingTrust aligns by position (OOD, adversarial
demonstrations), checked: every stored prompt must hold its record's input; a file with fewer
outputs than records is scored over those it has, said in `Part.note`. Stereotype statements and
fairness descriptions are matched to their records by content.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from compressed_trust.fixtures.data import read_jsonl
from trust_tests.adv_demonstration.scoring import BACKDOOR, CLEAN, COUNTERFACTUAL, SPURIOUS
from trust_tests.dimension import Item
from trust_tests.fairness.scoring import SETTINGS as FAIRNESS_SETTINGS
from trust_tests.ood_robustness.scoring import IDK, KnowledgeProbe, StyleProbe
from trust_tests.ood_robustness.scoring import SUB_SCENARIOS as OOD_SUB_SCENARIOS
from trust_tests.privacy.scoring import SUB_SCENARIOS as PRIVACY_SUB_SCENARIOS
from trust_tests.stereotype.scoring import SYSTEM_TYPES as STEREOTYPE_SYSTEMS


class LayoutError(ValueError):
    """A file under the generations folder that is not in a layout DecodingTrust writes."""


@dataclass
class Part:
    model: str
    dimension: str
    file: Path
    items: list[Item] = field(default_factory=list)
    outputs: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""  # what is missing from this file

    def add(self, item: Item, texts: list[str]) -> None:
        self.items.append(item)
        self.outputs[item.id] = texts


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """A record without the fields DecodingTrust writes is a layout error naming the file."""
    try:
        yield
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise LayoutError(f"{path}: not in DecodingTrust's layout ({type(error).__name__}: {error})") from None


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LayoutError(f"{path}: not the JSON DecodingTrust writes ({error})") from None


def _jsonl(path: Path) -> list[dict]:
    try:
        return read_jsonl(path)
    except ValueError as error:
        raise LayoutError(f"not the JSON lines DecodingTrust writes: {error}") from None


def _records(data: Path, relative: str, needed_by: Path) -> Path:
    """A benchmark file the generation file `needed_by` is aligned with."""
    path = data / relative
    if not path.exists():
        raise LayoutError(f"{needed_by}: its records {path} are not in the benchmark data (--trust-data)")
    return path


def _content(completion: Any) -> str:
    """The text of an OpenAI-style chat completion, or of its `choices` list."""
    choices = completion["choices"] if isinstance(completion, dict) else completion
    return choices[0]["message"]["content"]


def _truncated(part: Part, stored: int, records: int) -> None:
    if stored < records:
        part.note = f"{stored} of {records} records have outputs"


def _check(path: Path, index: int, prompt: str, expected: str) -> None:
    if expected.strip() not in prompt:
        raise LayoutError(f"{path}: output {index} does not belong to record {index} of the benchmark data (its "
                          f"prompt does not hold {expected.strip()[:60]!r}): the files are not aligned")


# --- stereotype: <org>/<system prompt type>/<model>_<topic>.csv, gen_i cells of dict literals -------------
def read_stereotype(generations: Path, data: Path) -> list[Part]:
    from trust_tests.stereotype.scenario import StereotypeRecord

    files = sorted((generations / "stereotype/generations").rglob("*.csv"))
    if not files:
        return []
    prompts_file = _records(data, "stereotype/dataset/user_prompts.csv", files[0])
    prompts = {row["user_prompt"]: row for row in csv.DictReader(prompts_file.open(encoding="utf-8"))}
    topics = sorted({row["stereotype_topic"] for row in prompts.values()}, key=len, reverse=True)
    csv.field_size_limit(1 << 30)
    parts = []
    for path in files:
        system = path.parent.name
        topic = next((t for t in topics if path.stem.endswith(f"_{t}")), None)
        if system not in STEREOTYPE_SYSTEMS or topic is None:
            raise LayoutError(f"{path}: expected <system prompt type: {', '.join(STEREOTYPE_SYSTEMS)}>/<model>_<topic>.csv")
        part = Part(path.stem.removesuffix(f"_{topic}"), "stereotype", path)
        with _reading(path):
            for index, row in enumerate(csv.DictReader(path.open(encoding="utf-8"))):
                record = prompts.get(row.get("user_prompt", ""))
                if record is None or record["stereotype_topic"] != topic:
                    raise LayoutError(f"{path}: row {index + 1}'s user prompt is no {topic} statement of "
                                      "stereotype/dataset/user_prompts.csv")
                samples = [ast.literal_eval(row[name])["output"] for name in row if name.startswith("gen_") and row[name]]
                part.add(Item(f"{system}/{topic}/{index}", system, None,
                              StereotypeRecord(row["user_prompt"], topic, record["target_group"], system)), samples)
        parts.append(part)
    return parts


# --- privacy: enron/<mode>_<model>_1.jsonl, pii/<kind>_<mode>_s<n>_<model>_1.jsonl,
#     understanding/<topic>_t0_s<n>_<model>_ques<q>_1.jsonl; records in the files themselves ----------------
_PRIVACY = {"enron": re.compile(r"^(?P<mode>.+?_s\d+)_(?P<model>.+)_1$"),
            "pii": re.compile(r"^(?P<kind>.+?)_(?P<mode>\d+shot(?:attack|protect))_s\d+_(?P<model>.+)_1$"),
            "understanding": re.compile(r"^(?P<topic>[a-z]+)_t\d+_s\d+_(?P<model>.+)_ques(?P<question>\d+)_1$")}


def read_privacy(generations: Path, data: Path) -> list[Part]:
    from trust_tests.privacy.scenario import Person, PiiCase, Secret

    parts = []
    for scenario, grammar in _PRIVACY.items():
        for path in sorted((generations / "privacy/generations" / scenario).glob("*.jsonl")):
            name = grammar.match(path.stem)
            if name is None:
                raise LayoutError(f"{path}: not a DecodingTrust privacy {scenario} file name ({grammar.pattern})")
            part = Part(name["model"], "privacy", path)
            with _reading(path):
                for index, line in enumerate(_jsonl(path)):
                    if scenario == "enron":
                        record = Person(line["gt-name"], line["gt-email"], ())
                        item_id = f"enron/{name['mode']}/{index}"
                    elif scenario == "pii":
                        record = PiiCase(name["kind"], name["mode"], (), "", line["gt"])
                        item_id = f"pii/{name['mode']}/{index}"
                    else:
                        asked = re.search(r"inform (\w+)\?", json.dumps(line["prompt"]))
                        record = Secret(name["topic"], f"ques{name['question']}", "", "", asked[1] if asked else "Mike")
                        item_id = f"understanding/{name['topic']}/{index}"
                    part.add(Item(item_id, scenario, None, record), [line["continuation"]])
            parts.append(part)
    return parts


# --- OOD: knowledge|styles/<task>_<model>_<standard|idk>_<k>-shot.jsonl, a JSON list of
#     [request messages, chat completion], aligned with ood/knowledge.json (test) / style.json (dev) -------
_OOD = re.compile(r"^(?P<task>.+?)_(?P<model>.+)_(?P<variant>standard|idk)_(?P<shots>\d+)-shot$")


def _dataset(path: Path, task: str, sets: dict[str, list]) -> tuple[str, list]:
    """The benchmark set a file name's task names ("qa2023" = qa_2023, "aug" = augment)."""
    found = [key for key in sets if key.replace("_", "") == task.replace("_", "")] or \
            [key for key in sets if key.startswith(task)]
    if len(found) != 1:
        raise LayoutError(f"{path}: task {task!r} names none of the benchmark's sets ({', '.join(sets)})")
    return found[0], sets[found[0]]


def read_ood(generations: Path, data: Path) -> list[Part]:
    parts = []
    for folder, file in (("knowledge", "knowledge.json"), ("styles", "style.json")):
        for path in sorted((generations / "ood/generations" / folder).glob("*.jsonl")):
            name = _OOD.match(path.stem)
            if name is None or name["shots"] != "0":
                raise LayoutError(f"{path}: expected <task>_<model>_<standard|idk>_0-shot.jsonl (few-shot OOD files "
                                  "are not read yet)")
            sets = _json(_records(data, f"ood/{file}", path))["test" if folder == "knowledge" else "dev"]
            task, records = _dataset(path, name["task"], sets)
            stored = _json(path)
            part = Part(name["model"], "ood_robustness", path)
            _truncated(part, len(stored), len(records))
            with _reading(path):
                for index, ((messages, completion), record) in enumerate(zip(stored, records)):
                    prompt = messages[-1]["content"]
                    if folder == "knowledge":
                        _check(path, index, prompt, record["question_sentence"])
                        idk = name["variant"] == "idk"
                        answer = record["answer"][0] if isinstance(record["answer"], list) else record["answer"]
                        probe = KnowledgeProbe(name["variant"], tuple(record["choices"]) + ((IDK,) if idk else ()),
                                               int(answer))
                        part.add(Item(f"knowledge/{name['variant']}/{index}", "knowledge", None, probe), [_content(completion)])
                    else:
                        _check(path, index, prompt, record["sentence"])
                        probe = StyleProbe(task, ("negative", "positive")[int(record["label"])])
                        part.add(Item(f"style/{task}/{index}", "style", None, probe), [_content(completion)])
            parts.append(part)
    return parts


# --- adversarial demonstrations: <path>/<model>_<seed>.jsonl, a JSON list of `choices` lists, aligned with
#     adv_demonstration/<path>/<seed>.jsonl ---------------------------------------------------------------
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
    raise LayoutError(f"{path}: not under counterfactual/<task>_cf, backdoor/<experiment>/sst-2_<setup>_<attack>_"
                      "<asr|cacc> or spurious/<heuristic>/<bias>")


def read_adv_demonstration(generations: Path, data: Path) -> list[Part]:
    from trust_tests.adv_demonstration.scenario import DemoRecord

    root = generations / "adv_demonstration/generations"
    parts = []
    for path in sorted(root.rglob("*.jsonl")):
        relative = path.parent.relative_to(root)
        model, _, seed = path.stem.rpartition("_")
        if not model or not seed.isdigit():
            raise LayoutError(f"{path}: expected <model>_<seed>.jsonl")
        scenario, group, cell = _adv_source(path, relative)
        records_file = _records(data, f"adv_demonstration/{relative}/{seed}.jsonl", path)
        records, stored = _jsonl(records_file), _json(path)
        part = Part(model, "adv_demonstration", path)
        if len(stored) > len(records):
            part.note = f"{len(records)} of its {len(stored)} outputs have records in {records_file} (scored those)"
        else:
            _truncated(part, len(stored), len(records))
        with _reading(path):
            for index, (choices, row) in enumerate(zip(stored, records)):
                record = DemoRecord(scenario, "", group, f"{cell}/{seed}", index, tuple(row["option"]), row["input"],
                                    row["label"], tuple(map(tuple, row["examples"])))
                part.add(Item(f"{scenario}/{cell}/{seed}/{index}", scenario, None, record), [_content(choices)])
        parts.append(part)
    return parts


# --- fairness: <model>_<adult|crime>_<...>.jsonl, the response cache of one setting: a JSON list of
#     [request messages, chat completion]. Its prompts' wording changed between DecodingTrust versions,
#     so each is matched to its record by the description it holds, not by position --------------------
def _description(text: str) -> str:
    """The person's or community's description in a prompt or a record's input."""
    found = re.search(r"description:(.*?\.)\s*(?:\n|$)", text, re.DOTALL)
    return " ".join((found[1] if found else text).split())


def read_fairness(generations: Path, data: Path) -> list[Part]:
    from trust_tests.fairness.scenario import ANSWERS, FOLDER, Case

    files = sorted((generations / "fairness/generations").glob("*.jsonl"))
    records: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # dataset -> description -> labels
    for path in sorted(_records(data, FOLDER, files[0]).glob("*.jsonl")) if files else []:
        for row in _jsonl(path):
            records[path.stem.split("_")[0]][_description(row["input"])].add(row["label"].lower())
    parts = []
    for path in files:
        name = re.match(r"^(?P<model>.+?)_(?P<setting>(?P<dataset>adult|crime)_.+)$", path.stem)
        if name is None:
            raise LayoutError(f"{path}: expected <model>_<adult|crime>_<setting>.jsonl")
        answers, known = ANSWERS[name["dataset"]], records[name["dataset"]]
        part, unmatched = Part(name["model"], "fairness", path), 0
        with _reading(path):
            for index, (messages, completion) in enumerate(_json(path)):
                description = _description(messages[-1]["content"])
                labels = known.get(description, set())
                if len(labels) != 1:
                    unmatched += 1
                    continue
                label = answers.index(next(iter(labels)))
                sex = re.search(r"\bsex (\w+)", description)  # DecodingTrust's sensitive attribute: sex (crime: the label)
                group = sex[1] if name["dataset"] == "adult" and sex else str(label)
                case = Case(description, label, group, answers, ())
                part.add(Item(f"{name['setting']}/{index}", name["setting"], None, case), [_content(completion)])
        if unmatched:
            part.note = (f"{unmatched} of {len(part.items) + unmatched} prompts describe no single record of "
                         f"{data / FOLDER} (left out)")
        parts.append(part)
    return parts


READERS: dict[str, Callable[[Path, Path], list[Part]]] = {
    "stereotype": read_stereotype, "privacy": read_privacy, "ood_robustness": read_ood,
    "adv_demonstration": read_adv_demonstration, "fairness": read_fairness}
# What each dimension's score needs, to be reported as a whole: without one of these, its sub-scores are.
COMPLETE: dict[str, tuple[str, ...]] = {
    "stereotype": STEREOTYPE_SYSTEMS, "privacy": PRIVACY_SUB_SCENARIOS, "ood_robustness": OOD_SUB_SCENARIOS,
    "adv_demonstration": (COUNTERFACTUAL, BACKDOOR), "fairness": FAIRNESS_SETTINGS}


def suite_drops(item: Item) -> bool:
    """An item the suite's own loading leaves out (an ill-posed adversarial demonstration, in any of
    its files): re-scored in the suite's mode without it, in DecodingTrust's with it."""
    from trust_tests.adv_demonstration.scenario import DemoRecord, ill_posed

    record = item.record
    return isinstance(record, DemoRecord) and ill_posed(
        {"input": record.input, "label": record.label, "examples": record.examples})
