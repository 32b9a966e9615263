"""OOD robustness data: the shipped probes (smoke) and the standard / full tiers against the real DecodingTrust
files in ../shared/decodingtrust/ood (counts and fields of the fixed subsets), and the prompts built from them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from compressed_trust.fixtures.data import TrustData, TrustDataMissing
from compressed_trust.fixtures.engine.requests import GenerationRequest
from trust_tests.ood_robustness import scenario
from trust_tests.ood_robustness.scoring import IDK, SUB_SCENARIOS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "decodingtrust"
STYLES = {"base", "augment", "shake_w", "shake_p0", "shake_p0.6", "bible_p0", "bible_p0.6", "romantic_p0",
          "romantic_p0.6", "tweet_p0", "tweet_p0.6"}


@pytest.fixture(scope="module")
def smoke():
    return scenario.load(TrustData())


def test_smoke_probes_cover_every_sub_scenario(smoke):
    made = scenario.items(smoke, "smoke")
    assert Counter(item.scenario for item in made) == {"knowledge": 24, "knowledge_few_shot": 12, "style": 48,
                                                       "style_base": 12, "style_few_shot": 48}
    assert set(SUB_SCENARIOS) < {item.scenario for item in made}
    assert len({item.id for item in made}) == len(made)
    assert [item.id for item in scenario.items(scenario.load(TrustData()), "smoke")] == [item.id for item in made]
    assert all(item.id.split("/")[0] == item.scenario for item in made)
    assert all(isinstance(item.request, GenerationRequest) and item.request.greedy
               and item.request.max_new_tokens == scenario.MAX_NEW_TOKENS for item in made)


def test_smoke_probes_are_balanced_and_out_of_knowledge(smoke):
    assert Counter(q.answer for q in smoke.future) == {0: 3, 1: 3, 2: 3, 3: 3}
    assert Counter(q.answer for q in smoke.past) == {0: 3, 1: 3, 2: 3, 3: 3}
    assert all(q.date.startswith("2031/") for q in smoke.future), "the invented events lie after any cut-off"
    assert all(len(q.choices) == 4 and q.date for q in smoke.future + smoke.past)
    assert {name: len(demos) for name, demos in smoke.question_demos.items()} == {"global_facts_0": 5}
    assert set(smoke.styles) == {"base", "shake_p0.6", "bible_p0.6", "romantic_p0.6", "tweet_p0.6"}
    labels = [s.label for s in smoke.styles["base"]]
    assert Counter(labels) == {0: 6, 1: 6}
    assert all([s.label for s in sentences] == labels for sentences in smoke.styles.values())
    assert {name: Counter(s.label for s in demos) for name, demos in smoke.style_demos.items()} == {
        "base_0": {0: 4, 1: 4}}


def test_prompts_follow_the_chat_format(smoke):
    made = {item.id: item for item in scenario.items(smoke, "smoke")}
    standard, idk = made["knowledge/standard/0"], made["knowledge/idk/0"]
    assert standard.request.messages[0] == ("system", "You are a helpful assistant.")
    assert standard.request.messages[1][1].startswith(scenario.KNOWLEDGE_TASK["standard"] + "\nToday is 2031/")
    assert idk.request.messages[1][1].endswith(f"\n3 : {smoke.future[0].choices[3]}\n4 : {IDK}")
    assert idk.record.choices == smoke.future[0].choices + (IDK,) and idk.record.idk and not standard.record.idk
    few = made["knowledge_few_shot/global_facts_0/0"].request.messages
    assert few[:3] == (("system", "You are a helpful, pattern-following assistant."),
                       ("user", scenario.KNOWLEDGE_TASK["standard"]), ("assistant", "Sure, I'd be happy to!"))
    assert len(few) == 3 + 2 * 5 + 1 and few[4][1] in "0123" and few[-1][1].startswith("Today is ")
    styled = made["style_few_shot/tweet_p0.6/base_0/0"].request.messages
    assert len(styled) == 3 + 2 * 8 + 1 and {styled[i][1] for i in range(4, 19, 2)} == {"positive", "negative"}
    assert styled[-1] == ("user", smoke.styles["tweet_p0.6"][0].text)


@pytest.fixture(scope="module")
def standard():
    assert SHARED.is_dir(), f"the benchmark data is expected beside the repository, at {SHARED}"
    return scenario.load(TrustData("standard", SHARED))


def test_standard_subset(standard):
    assert Counter(q.answer for q in standard.future) == {0: 25, 1: 25, 2: 25, 3: 25}
    assert Counter(q.answer for q in standard.past) == {0: 10, 1: 10, 2: 10, 3: 10}
    assert all(q.date.startswith("2023/") for q in standard.future) and all(q.date.startswith("2020/")
                                                                         for q in standard.past)
    assert all(len(q.choices) == 4 and q.text for q in standard.future + standard.past)
    assert sorted(standard.question_demos) == [f"{domain}_{run}" for domain in scenario.QUESTION_DEMO_DOMAINS
                                               for run in range(3)]
    assert all(len(demos) == 5 and all(d.date is None for d in demos) for demos in standard.question_demos.values())
    assert set(standard.styles) == STYLES
    labels = [s.label for s in standard.styles["base"]]
    assert Counter(labels) == {0: 25, 1: 25}
    assert all([s.label for s in sentences] == labels for sentences in standard.styles.values())
    assert {name: len(demos) for name, demos in standard.style_demos.items()} == {"base_0": 8, "base_1": 8,
                                                                                 "base_2": 8}
    assert scenario.load(TrustData("standard", SHARED)) == standard, "the subset changed between two loads"
    made = scenario.items(standard, "standard")
    assert Counter(item.scenario for item in made) == {"knowledge": 200, "knowledge_few_shot": 12 * 40,
                                                       "style": 10 * 50, "style_base": 50, "style_few_shot": 4 * 3 * 50}
    assert len({item.id for item in made}) == len(made)


def test_full_uses_everything():
    data = scenario.load(TrustData("full", SHARED))
    assert (len(data.future), len(data.past)) == (263, 855)
    assert {name: len(sentences) for name, sentences in data.styles.items()} == dict.fromkeys(STYLES, 872)
    assert len(data.question_demos) == 12 and len(data.style_demos) == 3
    assert len(scenario.items(data, "full")) == 2 * 263 + 12 * 855 + 11 * 872 + 4 * 3 * 872


def test_missing_data_names_the_file_and_tier(tmp_path):
    with pytest.raises(TrustDataMissing, match="--trust-tier standard needs --trust-data"):
        scenario.load(TrustData("standard", None))
    with pytest.raises(TrustDataMissing, match="--trust-tier full needs ood/knowledge.json"):
        scenario.load(TrustData("full", tmp_path))
    (tmp_path / "ood").mkdir()
    (tmp_path / "ood" / "knowledge.json").write_text("{}", encoding="utf-8")
    with pytest.raises(TrustDataMissing, match="--trust-tier standard needs ood/style.json"):
        scenario.load(TrustData("standard", tmp_path))
