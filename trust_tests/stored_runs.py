"""DecodingTrust's stored runs, read as they are: its native generation files (the layout of its
`data/<perspective>/generations/` folders) turned into the suite's items and outputs, aligned with
the benchmark records, so that every dimension's own `score` rescores them in either mode.

Each dimension that DecodingTrust stores runs of reads its own layout, in `<dimension>/stored_runs.py`
(found by `readers()`): `read(generations, data)` returns `Part`s (one generation file: its model, dimension,
items and outputs; no requests: the outputs exist) and raises `LayoutError` naming the file it cannot
read. Alignment is by position where DecodingTrust aligns by position (OOD, adversarial
demonstrations), checked: every stored prompt must hold its record's input; a file with fewer
outputs than records is scored over those it has, said in `Part.note`. Stereotype statements and
fairness descriptions are matched to their records by content.
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from compressed_trust.fixtures.data import read_jsonl
from trust_tests.dimension import Item


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
def reading(path: Path) -> Iterator[None]:
    """A record without the fields DecodingTrust writes is a layout error naming the file."""
    try:
        yield
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise LayoutError(f"{path}: not in DecodingTrust's layout ({type(error).__name__}: {error})") from None


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LayoutError(f"{path}: not the JSON DecodingTrust writes ({error})") from None


def load_jsonl(path: Path) -> list[dict]:
    try:
        return read_jsonl(path)
    except ValueError as error:
        raise LayoutError(f"not the JSON lines DecodingTrust writes: {error}") from None


def records(data: Path, relative: str, needed_by: Path) -> Path:
    """A benchmark file the generation file `needed_by` is aligned with."""
    path = data / relative
    if not path.exists():
        raise LayoutError(f"{needed_by}: its records {path} are not in the benchmark data (--trust-data)")
    return path


def content(completion: Any) -> str:
    """The text of an OpenAI-style chat completion, or of its `choices` list."""
    choices = completion["choices"] if isinstance(completion, dict) else completion
    return choices[0]["message"]["content"]


def truncated(part: Part, stored: int, records: int) -> None:
    if stored < records:
        part.note = f"{stored} of {records} records have outputs"


def check(path: Path, index: int, prompt: str, expected: str) -> None:
    if expected.strip() not in prompt:
        raise LayoutError(f"{path}: output {index} does not belong to record {index} of the benchmark data (its "
                          f"prompt does not hold {expected.strip()[:60]!r}): the files are not aligned")


def readers() -> dict[str, ModuleType]:
    """dimension name -> its `stored_runs` module (`read`, `WHOLE`: the sub-scenarios its score needs,
    and optionally `suite_drops(item)`: an item the suite's own loading leaves out), in registry order."""
    from trust_tests.dimension import names

    found = {}
    for name in names():
        try:
            found[name] = importlib.import_module(f"trust_tests.{name}.stored_runs")
        except ModuleNotFoundError as error:
            if error.name != f"trust_tests.{name}.stored_runs":
                raise
    return found
