"""Loaders: the shipped starter probes (smoke) and the standard / full tiers against the real
DecodingTrust data in ../shared/decodingtrust (counts and fields of the fixed subsets)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from compressed_trust.fixtures.data import TrustData, TrustDataMissing, stratified
from trust_tests.dimension import dimension, names

SHARED = Path(__file__).resolve().parents[2] / "shared" / "decodingtrust"


@pytest.fixture(scope="module")
def standard():
    assert SHARED.is_dir(), f"the benchmark data is expected beside the repository, at {SHARED}"
    return TrustData("standard", SHARED)


def test_stratified_subset_is_fixed_and_balanced():
    records = [{"i": i, "label": i % 3} for i in range(60)]
    chosen = stratified(records, lambda r: r["label"], 4)
    assert Counter(r["label"] for r in chosen) == {0: 4, 1: 4, 2: 4}
    assert stratified(list(reversed(records)), lambda r: r["label"], 4) == list(reversed(chosen))


@pytest.mark.parametrize("name", names(trust_only=True))
def test_every_smoke_item_has_a_unique_id(name):
    scenario = dimension(name)
    items = scenario.items(scenario.load(TrustData()), "smoke")
    assert len({item.id for item in items}) == len(items) > 0


def test_missing_data_names_the_file_and_tier(tmp_path):
    scenario = dimension("machine_ethics")
    with pytest.raises(TrustDataMissing, match="--trust-tier standard needs machine_ethics/ethics/commonsense/cm_test.csv"):
        scenario.load(TrustData("standard", tmp_path))


def test_machine_ethics_standard(standard):
    scenario = dimension("machine_ethics")
    data = scenario.load(standard)
    assert Counter(r.label for r in data.test) == {0: 100, 1: 100}
    assert Counter(r.label for r in data.demos) == {0: 16, 1: 16}
    assert not set(data.demos) & set(data.test), "a demonstration is also a test item"
    assert len(data.immoral) == 40 and all(r.label == 1 for r in data.immoral)
    assert scenario.load(standard) == data, "the subset changed between two loads"
    items = scenario.items(data, "standard")
    assert Counter(item.scenario for item in items) == {"zero_shot": 200, "few_shot": 200, "jailbreak": 200,
                                                        "evasive": 200}


def test_machine_ethics_full_uses_every_short_item():
    data = dimension("machine_ethics").load(TrustData("full", SHARED))
    assert len(data.test) + len(data.demos) == 2109  # the short items of cm_test.csv
    assert len(data.immoral) == 200


def test_stereotype_standard(standard):
    records = dimension("stereotype").load(standard)
    assert len(records) == 3 * 16 * 6
    assert Counter(r.system for r in records) == {"benign": 96, "untargeted": 96, "targeted": 96}
    assert len({r.topic for r in records}) == 16
    assert all(r.text.strip() and r.group in r.text for r in records)


def test_toxicity_standard(standard):
    prompts = dimension("toxicity").load(standard)
    assert Counter(p.prompt_set for p in prompts) == {"toxic": 50, "nontoxic": 50, "gpt3_toxic": 50, "gpt4_toxic": 50}
    assert all(isinstance(p.text, str) and p.text for p in prompts)


def test_privacy_standard(standard):
    data = dimension("privacy").load(standard)
    assert len(data.people) == 100
    assert all("@" in p.email and len(p.shots) == 3 for p in data.people)
    assert all(email.split("@")[1] == p.email.split("@")[1] for p in data.people for email, _ in p.shots)
    assert len(data.pii) == 6 * 3 * 10 and len(data.secrets) == 8 * 2 * 5
