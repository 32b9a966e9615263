"""Adversarial demonstrations as DecodingTrust stores its runs (adv_demonstration/stored_runs.py): every
generation file of the fork's layouts is read; the files its aggregate_score.py reads become items, the
others say why not; missing files are named; a file in no DecodingTrust layout is a LayoutError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trust_tests.adv_demonstration import stored_runs as adv_runs
from trust_tests.adv_demonstration.scoring import BACKDOOR, COUNTERFACTUAL, SPURIOUS
from trust_tests.stored_runs import LayoutError


def _choices(*texts: str) -> str:
    return json.dumps([[{"message": {"role": "assistant", "content": text}, "finish_reason": "stop", "index": 0}]
                       for text in texts])


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _records(root: Path, relative: str, labels: list[str]) -> None:
    _write(root, f"adv_demonstration/{relative}", "".join(
        json.dumps({"input": f"input {i}", "label": label, "option": ["yes", "no"], "examples": []}) + "\n"
        for i, label in enumerate(labels)))


def _run(tmp_path: Path) -> tuple[Path, Path]:
    """A DecodingTrust data/ folder (records and generations/) and an empty --trust-data."""
    data, generations = tmp_path / "trust-data", tmp_path / "dt-data"
    data.mkdir()
    gen = "adv_demonstration/generations"
    _records(generations, "counterfactual/main_verb_cf/42.jsonl", ["yes", "no"])
    _write(generations, f"{gen}/counterfactual/main_verb_cf/tiny_42.jsonl", _choices("Yes", "no"))
    _records(generations, "counterfactual/main_verb/42.jsonl", ["yes", "no"])
    _write(generations, f"{gen}/counterfactual/main_verb/tiny_42.jsonl", _choices("yes", "yes"))
    _write(generations, f"{gen}/backdoor/experiment2/sst-2_setup2_badword_0_asr/tiny_42.jsonl", _choices("positive"))
    _write(generations, f"{gen}/backdoor/experiment3/setup2_cf_end_cacc/tiny_42.jsonl", _choices("positive"))
    _write(generations, f"{gen}/spurious/PP_zero/tiny.jsonl", _choices("yes"))
    _write(generations, f"{gen}/spurious/PP/entail-bias/tiny_0.jsonl", _choices("yes", "no"))  # no records
    _records(generations, "spurious/PP/non-entail-bias/42.jsonl", ["no", "yes", "no", "yes"])  # not "yes" first
    _write(generations, f"{gen}/spurious/PP/non-entail-bias/tiny_42.jsonl", _choices("yes", "yes", "no", "no"))
    _records(generations, "backdoor/experiment1/sst-2_setup1_badword_asr/42.jsonl", ["positive"] * 3)
    _write(generations, f"{gen}/backdoor/experiment1/sst-2_setup1_badword_asr/tiny_42.jsonl", _choices("positive"))
    return data, generations


def test_every_layout_is_read_and_only_what_the_fork_aggregates_is_scored(tmp_path):
    data, generations = _run(tmp_path)
    parts = {str(part.file.relative_to(generations / "adv_demonstration/generations")): part
             for part in adv_runs.read(generations, data)}
    assert len(parts) == 8
    cf = parts["counterfactual/main_verb_cf/tiny_42.jsonl"]
    assert [(item.id, item.scenario, item.record.label) for item in cf.items] == [
        ("counterfactual/main_verb/42/0", COUNTERFACTUAL, "yes"), ("counterfactual/main_verb/42/1", COUNTERFACTUAL, "no")]
    assert [cf.outputs[item.id] for item in cf.items] == [["Yes"], ["no"]]
    for unread in ("counterfactual/main_verb/tiny_42.jsonl", "backdoor/experiment2/sst-2_setup2_badword_0_asr/tiny_42.jsonl",
                   "backdoor/experiment3/setup2_cf_end_cacc/tiny_42.jsonl", "spurious/PP_zero/tiny.jsonl"):
        assert not parts[unread].items and parts[unread].note.startswith("read, not scored"), unread
    assert parts["spurious/PP/entail-bias/tiny_0.jsonl"].note.startswith("not scored: its records")
    # test_sc_hydra asked the "yes" records (1, 3) first, then the others (0, 2)
    spurious = parts["spurious/PP/non-entail-bias/tiny_42.jsonl"]
    assert [(item.record.index, item.record.label, spurious.outputs[item.id][0]) for item in spurious.items] == [
        (1, "yes", "yes"), (3, "yes", "yes"), (0, "no", "no"), (2, "no", "no")]
    assert {item.scenario for item in spurious.items} == {SPURIOUS}
    assert "not in the generator's order" in spurious.note
    # 1 output, 3 records: the fork's read skips the file
    backdoor = parts["backdoor/experiment1/sst-2_setup1_badword_asr/tiny_42.jsonl"]
    assert not backdoor.items and "1 of its 1 outputs have records" in backdoor.note
    # what the fork's aggregate and configs expect and is missing: named in the model's first file of each kind
    assert "counterfactual/snli_premise_cf/tiny_42.jsonl" in cf.note and "counterfactual/main_verb_cf/tiny_2333.jsonl" in cf.note
    assert "not in its aggregate): counterfactual/snli_premise/tiny_42.jsonl" in cf.note
    assert "backdoor/experiment1/sst-2_setup3_stylebkd_cacc/tiny_10007.jsonl" in backdoor.note
    assert BACKDOOR not in {item.scenario for part in parts.values() for item in part.items}


def test_records_with_as_many_lines_as_outputs_are_chosen(tmp_path):
    """The shared benchmark copy holds the first 2 records of 3; the run's own data folder all of them."""
    data, generations = _run(tmp_path)
    _records(data, "backdoor/experiment1/sst-2_setup1_badword_asr/42.jsonl", ["positive"] * 2)
    _write(generations, "adv_demonstration/generations/backdoor/experiment1/sst-2_setup1_badword_asr/tiny_42.jsonl",
           _choices("positive", "negative", "I cannot"))
    part, = [part for part in adv_runs.read(generations, data) if "badword_asr" in str(part.file)]
    assert [(item.id, item.scenario) for item in part.items] == [
        (f"backdoor/setup1_badword/42/{i}", BACKDOOR) for i in range(3)]


@pytest.mark.parametrize("relative, text, message", [
    ("counterfactual/main_verb_cf/extra/tiny_42.jsonl", _choices("yes"), "not under counterfactual/<task>"),
    ("backdoor/experiment4/x/tiny_42.jsonl", _choices("yes"), "not under counterfactual"),
    ("counterfactual/main_verb_cf/tiny.jsonl", _choices("yes"), "expected <model>_<seed>.jsonl"),
    ("counterfactual/main_verb_cf/tiny_42.jsonl", "{not json", "not the JSON DecodingTrust writes"),
    ("counterfactual/main_verb_cf/tiny_42.jsonl", json.dumps([{"text": "yes"}]), "not in DecodingTrust's layout"),
])
def test_a_file_in_no_decodingtrust_layout_is_an_error_naming_it(tmp_path, relative, text, message):
    path = _write(tmp_path, f"adv_demonstration/generations/{relative}", text)
    with pytest.raises(LayoutError, match=message) as error:
        adv_runs.read(tmp_path, tmp_path)
    assert str(path) in str(error.value)

