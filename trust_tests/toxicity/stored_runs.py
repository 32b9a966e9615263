"""Toxicity runs as DecodingTrust stores them: JSON lines, one per prompt of the prompt file, in its order
(checked: each line's `prompt` is its record's text), the samples in `response.choices` (chat `message.content`
or completion `text`), the request in `message`. Two layouts:

- DecodingTrust's data folder (the AI-secure release and the study's fork, decoding-comp-trust/DecodingTrust):
  toxicity/generations/<folder>/<prompt file>.<model>.<n=25|t=0>.out<template>, where <folder> is
  realtoxicityprompts (toxic.jsonl, nontoxic.jsonl) or user_prompts (the GPT-3.5 / GPT-4 generated toxic
  prompts), run as `<prompt set>/<benign|adversarial>` for templates 0 and 1, and system_prompts (toxic.jsonl
  under each of the study's 33 system prompt templates at temperature 0, one sample each), run as
  `system_prompts/<prompt set>/template<k>`;
- the fork's results folder (what its `aggregate` reads): toxicity/user_prompts/generations/<model>/
  <toxic-gpt3.5|toxic-gpt4|toxic|nontoxic>-template-<0|1>-generations.jsonl.

A generation file holds no toxicity scores: the fork keeps Perspective's in `<generation file>.out.pkl`
(a pickle of plain lists and dicts, read here without running any code it names) and those are read when
present; without them the study's toxicity figures need Perspective API, and the run's scorer stands in
(said in the result). The template is the file's number; template 0 must be the benign system prompt
and another template must not be.
"""

from __future__ import annotations

import pickle
import re
from collections import defaultdict
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.toxicity.scenario import BENIGN, PROMPT_FILES, SYSTEM_PROMPTS
from trust_tests.toxicity.study import StoredPrompt

WHOLE = tuple(f"{prompt_set}/{system}" for prompt_set in PROMPT_FILES for system in SYSTEM_PROMPTS)
SYSTEM_PROMPT_TEMPLATES = 33  # toxicity_prompts.PROMPTS in the fork: templates 0-32
TEMPLATES = ("benign", "adversarial")  # templates 0 and 1 of the fork, the suite's two system prompts

_DATA_FILE = re.compile(r"^(?P<prompts>.+\.jsonl)\.(?P<model>.+?)\.(?P<setting>[nt])=(?P<value>[\d.]+)\.out(?P<template>\d*)$")
_FORK_FILE = re.compile(r"^(?P<config>toxic-gpt3\.5|toxic-gpt4|toxic|nontoxic)-template-(?P<template>\d+)-generations\.jsonl$")
_FORK_CONFIGS = {"toxic-gpt3.5": "gpt3_toxic", "toxic-gpt4": "gpt4_toxic", "toxic": "toxic", "nontoxic": "nontoxic"}
_FOLDERS = ("realtoxicityprompts", "user_prompts", "system_prompts")


def _prompt_set(path: Path, prompts: str) -> str:
    """The suite's prompt set of a prompt file name ("toxic.jsonl.gpt3.n=25.out2.split...filtered.jsonl": gpt3_toxic)."""
    if prompts in ("toxic.jsonl", "nontoxic.jsonl"):
        return prompts.removesuffix(".jsonl")
    if found := re.match(r"toxic\.jsonl\.(gpt[34])\.", prompts):
        return f"{found[1]}_toxic"
    raise stored_runs.LayoutError(f"{path}: prompt file {prompts!r} is none of DecodingTrust's "
                                  f"({', '.join(PROMPT_FILES.values())})")


def _template_run(prompt_set: str, template: str) -> str:
    if not template:
        return f"{prompt_set}/none"  # a completion model's run, with no system prompt
    return f"{prompt_set}/{TEMPLATES[int(template)] if int(template) < len(TEMPLATES) else 'template' + template}"


class _Plain(pickle.Unpickler):
    """Plain data only: a pickle naming any class or function is refused, never run."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"it names {module}.{name}; only plain lists, dicts and numbers are read")


def _perspective(path: Path, lines: list[dict]) -> list[tuple[float | None, ...]] | None:
    """Perspective's TOXICITY per sample from the fork's `<file>.out.pkl` (a list per prompt of a list per
    sample of {"score": {"toxicity": ...} or None, ...}); None when there is no such file."""
    scores = path.with_name(path.name + ".out.pkl")
    if not scores.is_file():
        return None
    try:
        with scores.open("rb") as handle:
            stored = _Plain(handle).load()
        found = [tuple(None if sample["score"] is None else float(sample["score"]["toxicity"]) for sample in prompt)
                 for prompt in stored]
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        raise stored_runs.LayoutError(f"{scores}: not the Perspective scores the study stores ({error})") from None
    if len(found) != len(lines) or any(len(values) != len(line["response"]["choices"])
                                       for values, line in zip(found, lines)):
        raise stored_runs.LayoutError(f"{scores}: its scores are not one per sample of {path.name}")
    return found


def _samples(line: dict) -> list[str]:
    return [choice["message"]["content"] if "message" in choice else choice["text"] for choice in line["response"]["choices"]]


def _read(path: Path, data: Path, model: str, prompt_set: str, run: str, template: str) -> stored_runs.Part:
    lines = stored_runs.load_jsonl(path)
    records = stored_runs.load_jsonl(stored_runs.records(data, f"toxicity/user_prompts/{PROMPT_FILES[prompt_set]}", path))
    part = stored_runs.Part(model, "toxicity", path)
    if len(lines) > len(records):
        raise stored_runs.LayoutError(f"{path}: {len(lines)} outputs for the {len(records)} prompts of "
                                      f"{PROMPT_FILES[prompt_set]}: the files are not aligned")
    stored_runs.truncated(part, len(lines), len(records))
    with stored_runs.reading(path):
        scores = _perspective(path, lines)
        for index, (line, record) in enumerate(zip(lines, records)):
            expected = record["prompt"]["text"]
            if line["prompt"] != expected:
                raise stored_runs.LayoutError(f"{path}: output {index} does not belong to record {index} of "
                                              f"{PROMPT_FILES[prompt_set]} (its prompt is not {expected[:60]!r}): the "
                                              "files are not aligned")
            system = next((message["content"] for message in line.get("message") or [] if message["role"] == "system"), None)
            if template and system is not None and (system == BENIGN) != (int(template) == 0):
                raise stored_runs.LayoutError(f"{path}: output {index} was asked under "
                                              f"{'the benign' if system == BENIGN else 'another'} system prompt, not "
                                              f"template {template}'s")
            part.add(Item(f"{run}/{index}", run, None,
                          StoredPrompt(expected, prompt_set, None if scores is None else scores[index])),
                     _samples(line))
    sizes = sorted({len(texts) for texts in part.outputs.values()})
    if len(sizes) > 1:
        part.note = (f"{part.note}; " if part.note else "") + (
            f"its prompts have {sizes[0]} to {sizes[-1]} samples (the study chunks them by the first prompt's)")
    return part


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    parts = []
    for folder in _FOLDERS:
        named = []
        for path in (generations / "toxicity/generations" / folder).glob("*"):
            if not path.is_file() or path.name.endswith(".out.pkl"):
                continue  # the Perspective scores of a generation file are read with it
            name = _DATA_FILE.match(path.name)
            if name is None:
                raise stored_runs.LayoutError(f"{path}: expected <prompt file>.<model>.<n=N|t=T>.out<template>")
            named.append((name["prompts"], name["model"], int(name["template"] or -1), path, name))
        for *_, path, name in sorted(named):
            prompt_set = _prompt_set(path, name["prompts"])
            run = (f"system_prompts/{prompt_set}/template{name['template']}" if folder == "system_prompts"
                   else _template_run(prompt_set, name["template"]))
            parts.append(_read(path, data, name["model"], prompt_set, run, name["template"]))
    root = generations / "toxicity/user_prompts/generations"
    for path in sorted(root.rglob("*-generations.jsonl")):
        name = _FORK_FILE.match(path.name)
        if name is None:
            raise stored_runs.LayoutError(f"{path}: expected <toxic-gpt3.5|toxic-gpt4|toxic|nontoxic>-template-<t>-"
                                          "generations.jsonl")
        prompt_set = _FORK_CONFIGS[name["config"]]
        parts.append(_read(path, data, str(path.parent.relative_to(root)), prompt_set,
                           _template_run(prompt_set, name["template"]), name["template"]))
    _name_missing_templates(parts)
    return parts


def _name_missing_templates(parts: list[stored_runs.Part]) -> None:
    """The study's system prompt experiment runs every template 0-32: name the ones a model lacks."""
    by_model = defaultdict(list)
    for part in parts:
        if part.items and part.items[0].scenario.startswith("system_prompts/"):
            by_model[part.model].append(part)
    for own in by_model.values():
        present = {int(part.items[0].scenario.rsplit("template", 1)[1]) for part in own}
        missing = sorted(set(range(SYSTEM_PROMPT_TEMPLATES)) - present)
        if missing:
            words = (f"system prompt template(s) {', '.join(map(str, missing))} of the study's "
                     f"{SYSTEM_PROMPT_TEMPLATES} (0-{SYSTEM_PROMPT_TEMPLATES - 1}) have no file")
            own[0].note = f"{own[0].note}; {words}" if own[0].note else words
