"""OOD runs as DecodingTrust stores them (the layout of ood/generations/ in the AI-secure release and in
the study's fork, decoding-comp-trust/DecodingTrust): each file a JSON list of [request messages, chat
completion], aligned by position (checked) with ood/knowledge.json / style.json:

    knowledge/<test>_<model>_<standard|idk>_0-shot.jsonl               test qa2023 | qa2020
    knowledge/<domain>_qa2020_<model>_5-shot_<run>.jsonl               demonstrations demo/<domain>_<run>
    styles/<style>_<model>_standard_0-shot.jsonl                       dev/<style> (aug = augment, shake_pert = shake_w)
    styles/<style>_<model>_<ood|id>_8-shot_<run>.jsonl                 dev/<style>, demonstrations
                                                                       train_demo/base_<run> (ood) or <style>_<run> (id)

Every prompt must hold its record's question or sentence and, in a few-shot file, every demonstration
of its set, in order, with its answer (`LayoutError` naming the file otherwise). The fork builds a
few-shot prompt as system, task, "Sure, I'd be happy to!", then a user / assistant pair per
demonstration (the answer capitalised) and the test input.

What the study's score aggregates (`study.TASKS`): qa2023 standard and idk; the 10 shifted styles;
qa2020 with 5 demonstrations of global_facts, machine_learning, moral_scenarios, us_foreign_policy,
runs 0-2; the four p0.6 styles with 8 base ("ood") demonstrations, runs 0-2. Files of tasks the fork
runs but leaves out of its score (qa2020 zero-shot, qa2021 demonstrations, "id" style demonstrations)
are read as `study.UNAGGREGATED` (reported per task in study mode, left out in suite mode). The study's
files missing for a model are named in the first of its parts' `note`. A style few-shot file named by
the API's model id ("gpt-4-0314") is read as the model of the other files when those are answered by
that same model (the completions' `model`) and name it otherwise ("gpt4"). A file named "<name>
copy.jsonl" that is byte for byte "<name>.jsonl" is skipped (said in the original's note).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.ood_robustness import study
from trust_tests.ood_robustness.scoring import IDK, NEGATIVE, POSITIVE, SUB_SCENARIOS, KnowledgeProbe, StyleProbe

WHOLE = SUB_SCENARIOS  # the sub-scenarios a score needs

# how file names spell the benchmark's sets
_TESTS = {"qa2023": "qa_2023", "qa2020": "qa_2020"}
_STYLE_FILES = {"aug": "augment", "shake_pert": "shake_w"}
_DEMO_FILES = {"qa2021": "2021_qa"}
_ZERO = re.compile(r"^(?P<model>.+)_(?P<variant>standard|idk)_0-shot$")
_KNOWLEDGE_FEW = re.compile(r"^(?P<test>qa_?\d{4})_(?P<model>.+)_(?P<shots>\d+)-shot_(?P<run>\d+)$")
_STYLE_FEW = re.compile(r"^(?P<model>.+)_(?P<demos>ood|id)_(?P<shots>\d+)-shot_(?P<run>\d+)$")
_COPY = " copy"
_OPTION_IDK = re.compile(rf"^\s*4 : {IDK}\s*$", re.MULTILINE)


def _leading(path: Path, stem: str, names: dict[str, str]) -> tuple[str, str]:
    """(the benchmark's name, the rest of the stem) for the longest file-name spelling the stem starts with."""
    found = sorted((spelling for spelling in names if stem.startswith(spelling + "_")), key=len)
    if not found:
        raise stored_runs.LayoutError(f"{path}: its name starts with none of the benchmark's sets "
                                      f"({', '.join(sorted(names))})")
    return names[found[-1]], stem[len(found[-1]) + 1:]


def _answer(record: dict) -> str:
    answer = record["answer"]  # ["2"] in RealtimeQA records, "2" in MMLU ones; the fork takes answer[0]
    return answer[0]


def _check_demonstrations(path: Path, index: int, messages: list, demos: list, name: str, knowledge: bool) -> None:
    """The few-shot prompt the fork builds: system, task, "Sure, I'd be happy to!", a user / assistant pair
    per demonstration of the set `name`, in order, then the test input."""
    if len(messages) != 4 + 2 * len(demos):
        raise stored_runs.LayoutError(f"{path}: output {index} has {(len(messages) - 4) / 2:g} demonstrations, not the "
                                      f"{len(demos)} of the benchmark's set {name}: the files are not aligned")
    for shot, demo in enumerate(demos):
        asked, answered = messages[3 + 2 * shot]["content"], messages[4 + 2 * shot]["content"]
        text, label = ((demo["question_sentence"], _answer(demo)) if knowledge
                       else (demo["sentence"], ("negative", "positive")[int(demo["label"])]))
        if text.strip() not in asked or answered.strip().lower() != label.lower():
            raise stored_runs.LayoutError(f"{path}: demonstration {shot} of output {index} is not demonstration {shot} of "
                                          f"the benchmark's set {name} ({text.strip()[:60]!r}, answer {label!r}): "
                                          "the files are not aligned")


class _File:
    """What a file's name says: its sub-scenario (or `study.UNAGGREGATED`), group, item-id prefix, benchmark set
    and demonstration set."""

    def __init__(self, path: Path, folder: str, knowledge: dict, style: dict):
        stem = path.stem
        self.knowledge = folder == "knowledge"
        self.demo_name: str | None = None
        self.variant = "standard"
        tests = _TESTS | {test: test for test in _TESTS.values()}
        test, rest = next(((tests[s], stem[len(s) + 1:]) for s in tests if stem.startswith(s + "_")), (None, ""))
        if self.knowledge and test is not None and (zero := _ZERO.match(rest)):
            self.test, self.model, self.variant = test, zero["model"], zero["variant"]
            aggregated = self.test == "qa_2023"
            self.scenario = "knowledge" if aggregated else study.UNAGGREGATED
            self.group = self.variant if aggregated else self.test + ("_idk" if self.variant == "idk" else "")
        elif self.knowledge:
            domains = {name.rsplit("_", 1)[0]: name.rsplit("_", 1)[0] for name in knowledge["demo"]} | _DEMO_FILES
            domain, rest = _leading(path, stem, domains)
            few = _KNOWLEDGE_FEW.match(rest)
            if few is None or few["test"].replace("_", "") != "qa2020" or int(few["shots"]) != study.SHOTS["knowledge"]:
                raise stored_runs.LayoutError(f"{path}: expected <test>_<model>_<standard|idk>_0-shot.jsonl or "
                                              f"<domain>_qa2020_<model>_{study.SHOTS['knowledge']}-shot_<run>.jsonl (the "
                                              "study's few-shot knowledge task: qa2020, 5 demonstrations)")
            self.test, self.model, self.demo_name = "qa_2020", few["model"], f"{domain}_{few['run']}"
            aggregated = domain in study.DEMO_DOMAINS and int(few["run"]) < study.RUNS
            self.scenario = "knowledge_few_shot" if aggregated else study.UNAGGREGATED
            self.group = self.demo_name if aggregated else f"qa_2020_{self.demo_name}"
        else:
            self.test, rest = _leading(path, stem, {name: name for name in style["dev"]} | _STYLE_FILES)
            if zero := _ZERO.match(rest):
                self.model = zero["model"]
                self.scenario = ("style_base" if self.test == "base" else
                                 "style" if self.test in study.STYLES else study.UNAGGREGATED)
                self.group = self.test
            elif (few := _STYLE_FEW.match(rest)) and int(few["shots"]) == study.SHOTS["style"]:
                self.model = few["model"]
                self.demo_name = f"{'base' if few['demos'] == 'ood' else self.test}_{few['run']}"
                aggregated = (few["demos"] == "ood" and self.test in study.FEW_SHOT_STYLES
                              and int(few["run"]) < study.RUNS)
                self.scenario = "style_few_shot" if aggregated else study.UNAGGREGATED
                self.group = f"{self.test}/{self.demo_name}" if aggregated else f"{self.test}_{self.demo_name}"
            else:
                raise stored_runs.LayoutError(f"{path}: expected <style>_<model>_standard_0-shot.jsonl or <style>_<model>_"
                                              f"<ood|id>_{study.SHOTS['style']}-shot_<run>.jsonl")
        self.prefix = {"knowledge": f"knowledge/{self.group}", "style": f"style/{self.group}", "style_base": "style_base",
                       }.get(self.scenario, f"{self.scenario}/{self.group}")


def _read(path: Path, name: _File, knowledge: dict, style: dict) -> tuple[stored_runs.Part, set[str]]:
    """The file's part and the model ids its completions name."""
    records = (knowledge["test"] if name.knowledge else style["dev"])[name.test]
    demos = []
    if name.demo_name is not None:
        pool = knowledge["demo"] if name.knowledge else style["train_demo"]
        if name.demo_name not in pool:
            raise stored_runs.LayoutError(f"{path}: the benchmark has no demonstration set {name.demo_name}")
        demos = pool[name.demo_name][:study.SHOTS["knowledge" if name.knowledge else "style"]]
    stored = stored_runs.load_json(path)
    part = stored_runs.Part(name.model, "ood_robustness", path)
    if len(stored) > len(records):
        part.note = f"only the first {len(records)} of its {len(stored)} outputs have records (scored those)"
    stored_runs.truncated(part, len(stored), len(records))
    answered, unlike = set(), 0  # unlike: prompts whose "I don't know" option is not the file name's variant
    with stored_runs.reading(path):
        for index, ((messages, completion), record) in enumerate(zip(stored, records)):
            prompt = messages[-1]["content"]
            if isinstance(completion, dict) and isinstance(completion.get("model"), str):
                answered.add(completion["model"])
            if name.knowledge:
                stored_runs.check(path, index, prompt, record["question_sentence"])
                offered = _OPTION_IDK.search(prompt) is not None  # the options as asked decide the suite's reading
                unlike += offered != (name.variant == "idk")
                choices = tuple(record["choices"]) + ((IDK,) if offered else ())
                probe = KnowledgeProbe(name.group, choices, int(_answer(record)))
            else:
                stored_runs.check(path, index, prompt, record["sentence"])
                probe = StyleProbe(name.group, (NEGATIVE, POSITIVE)[int(record["label"])])
            if name.demo_name is not None:
                _check_demonstrations(path, index, messages, demos, name.demo_name, name.knowledge)
            part.add(Item(f"{name.prefix}/{index}", name.scenario, None, probe), [stored_runs.content(completion)])
    if unlike:
        _note(part, f"{unlike} of its prompts {'lack' if name.variant == 'idk' else 'offer'} the option \"4 : {IDK}\" "
                    f"of the {'idk' if name.variant == 'idk' else 'standard'} variant its name says (read as asked; the "
                    f"study reports the file as task {study.task_name(name.scenario, name.group)})")
    return part, answered


def _expected_file(model: str, task: str) -> str:
    """The stored file name of one of the study's tasks."""
    if task.startswith("qa_2023"):
        return f"knowledge/qa2023_{model}_{'idk' if task.endswith('idk') else 'standard'}_0-shot.jsonl"
    if task.startswith("qa_2020_"):
        domain, run = task.removeprefix("qa_2020_").rsplit("_", 1)
        return f"knowledge/{domain}_qa2020_{model}_{study.SHOTS['knowledge']}-shot_{run}.jsonl"
    if "_base_" in task:
        style, run = task.rsplit("_base_", 1)
        return f"styles/{style}_{model}_ood_{study.SHOTS['style']}-shot_{run}.jsonl"
    spelled = {value: key for key, value in _STYLE_FILES.items()}.get(task, task)
    return f"styles/{spelled}_{model}_standard_0-shot.jsonl"


def _missing(model: str, parts: list[stored_runs.Part]) -> str:
    """The study's files the model's parts lack, in words (empty when none)."""
    present = {study.task_name(item.scenario, item.record.group) for part in parts for item in part.items}
    missing = [task for tasks in study.TASKS.values() for task in tasks if task not in present]
    if not missing:
        return ""
    return (f"the study's OOD score also needs {len(missing)} file(s): "
            + ", ".join(_expected_file(model, task) for task in missing))


def _note(part: stored_runs.Part, words: str) -> None:
    part.note = f"{part.note}; {words}" if part.note else words


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    parts, answered, copies = [], {}, []
    sets: dict[str, dict] = {}
    for folder, file in (("knowledge", "knowledge.json"), ("styles", "style.json")):
        for path in sorted((generations / "ood/generations" / folder).glob("*.jsonl")):
            if path.stem.endswith(_COPY):
                copies.append(path)
                continue
            if file not in sets:
                sets[file] = stored_runs.load_json(stored_runs.records(data, f"ood/{file}", path))
            knowledge, style = sets.get("knowledge.json", {}), sets.get("style.json", {})
            with stored_runs.reading(path):
                part, answered[path] = _read(path, _File(path, folder, knowledge, style), knowledge, style)
            parts.append(part)
    by_path = {part.file: part for part in parts}
    for path in copies:
        original = path.with_name(path.stem.removesuffix(_COPY) + path.suffix)
        if original not in by_path or original.read_bytes() != path.read_bytes():
            raise stored_runs.LayoutError(f"{path}: a copy of no file it is identical to (expected {original.name})")
        _note(by_path[original], f"{path.name}, a byte-identical copy, skipped")
    _merge_api_names(parts, answered)
    by_model, tasks = defaultdict(list), {}
    for part in parts:
        by_model[part.model].append(part)
        if part.items:
            task = (part.model, part.items[0].id.rsplit("/", 1)[0])
            if task in tasks:
                raise stored_runs.LayoutError(f"{part.file}: the same task of {part.model} as {tasks[task]}")
            tasks[task] = part.file
    for model, own in by_model.items():
        if words := _missing(model, own):
            _note(own[0], words)
    return parts


def _merge_api_names(parts: list[stored_runs.Part], answered: dict[Path, set[str]]) -> None:
    """Files named by the API's model id ("gpt-4-0314") join the model of the files named otherwise ("gpt4")
    when every completion of both names that same model."""
    ids = defaultdict(set)
    for part in parts:
        ids[part.model] |= answered[part.file]
    for name, found in ids.items():
        others = [other for other, theirs in ids.items() if other != name and theirs == found]
        if found == {name} and len(others) == 1:
            renamed = [part for part in parts if part.model == name]
            for part in renamed:
                part.model = others[0]
            _note(renamed[0], f"{len(renamed)} file(s) named {name} read as {others[0]}: the completions of both "
                              f"name the model {name}")


def suite_drops(item: Item) -> bool:
    """A stored task the suite's own loading does not have (qa2020 zero-shot, qa2021 or same-style
    demonstrations): the study reports it per task, the suite leaves it out."""
    return item.scenario == study.UNAGGREGATED
