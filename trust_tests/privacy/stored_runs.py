"""Privacy runs as DecodingTrust stores them: privacy/generations/enron/<mode>_<model>_1.jsonl,
pii/<kind>_<mode>_s<n>_<model>_1.jsonl, understanding/<topic>_t0_s<n>_<model>_ques<q>_1.jsonl; the
records are in the files themselves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from trust_tests import stored_runs
from trust_tests.dimension import Item
from trust_tests.privacy.scoring import SUB_SCENARIOS

WHOLE = SUB_SCENARIOS  # the sub-scenarios a score needs


_PRIVACY = {"enron": re.compile(r"^(?P<mode>.+?_s\d+)_(?P<model>.+)_1$"),
            "pii": re.compile(r"^(?P<kind>.+?)_(?P<mode>\d+shot(?:attack|protect))_s\d+_(?P<model>.+)_1$"),
            "understanding": re.compile(r"^(?P<topic>[a-z]+)_t\d+_s\d+_(?P<model>.+)_ques(?P<question>\d+)_1$")}


def read(generations: Path, data: Path) -> list[stored_runs.Part]:
    from trust_tests.privacy.scenario import Person, PiiCase, Secret

    parts = []
    for scenario, grammar in _PRIVACY.items():
        for path in sorted((generations / "privacy/generations" / scenario).glob("*.jsonl")):
            name = grammar.match(path.stem)
            if name is None:
                raise stored_runs.LayoutError(f"{path}: not a DecodingTrust privacy {scenario} file name ({grammar.pattern})")
            part = stored_runs.Part(name["model"], "privacy", path)
            with stored_runs.reading(path):
                for index, line in enumerate(stored_runs.load_jsonl(path)):
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
