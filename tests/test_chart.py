"""The report's trust chart: a parseable, deterministic SVG whose bars are the scores that exist (a
missing score is a gap, not a zero), dense first, with a radar panel only over shared dimensions."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from compressed_trust.reports.chart import DENSE_COLOR, trust_chart

SVG = "{http://www.w3.org/2000/svg}"
DIMENSIONS = [("toxicity", "Toxicity"), ("stereotype", "Stereotype"), ("adv_robustness", "Adv. robustness"),
              ("ood_robustness", "OOD robustness"), ("adv_demonstration", "Adv. demonstrations"),
              ("privacy", "Privacy"), ("machine_ethics", "Machine ethics"), ("fairness", "Fairness"),
              ("utility", "Utility (MCQ acc.)")]


def groups(svg: str, prefix: str) -> dict[str, ET.Element]:
    """The SVG groups whose id starts with `prefix`, by id."""
    root = ET.fromstring(svg)
    return {element.get("id"): element for element in root.iter(f"{SVG}g")
            if element.get("id", "").startswith(prefix)}


def texts(svg: str) -> list[str]:
    return [element.text for element in ET.fromstring(svg).iter(f"{SVG}text") if element.text]


def points(group: ET.Element) -> list[tuple[float, float]]:
    """The vertices of the single path in a bar or radar group, in SVG coordinates."""
    numbers = [float(number) for number in re.findall(r"-?\d+(?:\.\d+)?", group.find(f"{SVG}path").get("d"))]
    return list(zip(numbers[::2], numbers[1::2]))


def height(group: ET.Element) -> float:
    ys = [y for _, y in points(group)]
    return max(ys) - min(ys)


def left(group: ET.Element) -> float:
    return min(x for x, _ in points(group))


def test_svg_names_every_variant_and_drawn_dimension_only():
    scores = {"none": {"toxicity": 80.0, "privacy": 70.0, "utility": 55.0},
              "gptq-w4": {"toxicity": 75.0, "privacy": 60.0, "utility": 50.0}}
    svg = trust_chart(scores, DIMENSIONS, "Llama: dense vs gptq-w4")
    shown = texts(svg)
    assert {"none", "gptq-w4", "Toxicity", "Privacy", "Utility (MCQ acc.)", "Llama: dense vs gptq-w4"} <= set(shown)
    assert not {"Stereotype", "Fairness", "OOD robustness"} & set(shown)
    assert "score (higher = more trustworthy)" in shown
    assert "75.0" in shown and "55.0" in shown  # value labels, one decimal


def test_a_missing_score_is_a_gap_not_a_zero_bar():
    dimensions = DIMENSIONS[:3]
    scores = {"none": {"toxicity": 80.0, "stereotype": 90.0, "adv_robustness": 60.0},
              "magnitude-50": {"toxicity": 40.0, "adv_robustness": 30.0}}
    bars = groups(trust_chart(scores, dimensions, "t"), "bar:")
    assert sorted(bars) == sorted(["bar:none:toxicity", "bar:none:stereotype", "bar:none:adv_robustness",
                                   "bar:magnitude-50:toxicity", "bar:magnitude-50:adv_robustness"])
    ratio = height(bars["bar:none:toxicity"]) / height(bars["bar:magnitude-50:toxicity"])
    assert ratio == pytest.approx(2.0, rel=0.01)
    assert height(bars["bar:none:stereotype"]) / height(bars["bar:magnitude-50:adv_robustness"]) == pytest.approx(3.0, rel=0.01)


def test_nan_is_missing_too():
    scores = {"none": {"toxicity": 80.0, "stereotype": math.nan}}
    bars = groups(trust_chart(scores, DIMENSIONS, "t"), "bar:")
    assert list(bars) == ["bar:none:toxicity"]


def test_dense_comes_first_in_grey_whatever_the_input_order():
    scores = {"gptq-w4": {"toxicity": 70.0}, "wanda-50": {"toxicity": 60.0}, "none": {"toxicity": 80.0}}
    bars = groups(trust_chart(scores, DIMENSIONS, "t"), "bar:")
    order = sorted(bars, key=lambda gid: left(bars[gid]))
    assert order == ["bar:none:toxicity", "bar:gptq-w4:toxicity", "bar:wanda-50:toxicity"]
    assert DENSE_COLOR in bars["bar:none:toxicity"].find(f"{SVG}path").get("style")
    assert DENSE_COLOR not in bars["bar:gptq-w4:toxicity"].find(f"{SVG}path").get("style")


def test_identical_input_gives_byte_identical_svg():
    scores = {"none": {name: 50.0 + index for index, (name, _) in enumerate(DIMENSIONS)},
              "gptq-w4": {name: 40.0 + index for index, (name, _) in enumerate(DIMENSIONS)}}
    first = trust_chart(scores, DIMENSIONS, "t")
    assert trust_chart(scores, DIMENSIONS, "t") == first
    assert "<dc:date>" not in first


def test_radar_uses_only_dimensions_every_variant_has_and_says_so():
    scores = {"none": {name: 80.0 for name, _ in DIMENSIONS[:5]},
              "awq-w3": {name: 60.0 for name, _ in DIMENSIONS[:4]}}  # no adversarial demonstrations
    svg = trust_chart(scores, DIMENSIONS, "t")
    radar = groups(svg, "radar:")
    assert sorted(radar) == ["radar:awq-w3", "radar:none"]
    for polygon in radar.values():
        vertices = points(polygon)
        assert len(vertices) == 4 + 1 and vertices[0] == vertices[-1]  # closed, over the 4 shared dimensions
    assert any("left out: Adv. demonstrations" in text for text in texts(svg))
    assert len(groups(svg, "bar:")) == 9


def test_no_radar_below_three_dimensions_or_three_shared_ones():
    two = {"none": {"toxicity": 80.0, "privacy": 70.0}}
    assert not groups(trust_chart(two, DIMENSIONS, "t"), "radar:")
    disjoint = {"none": {"toxicity": 80.0, "privacy": 70.0}, "rtn-w4": {"fairness": 60.0, "utility": 50.0}}
    svg = trust_chart(disjoint, DIMENSIONS, "t")
    assert not groups(svg, "radar:")
    assert len(groups(svg, "bar:")) == 4
    assert any("no radar" in text for text in texts(svg))


def test_single_variant_single_dimension():
    svg = trust_chart({"none": {"utility": 42.0}}, DIMENSIONS, "t")
    assert list(groups(svg, "bar:")) == ["bar:none:utility"]
    assert not groups(svg, "radar:")
    assert "42.0" in texts(svg)


def test_a_variant_without_scores_is_listed_but_not_drawn():
    svg = trust_chart({"none": {"toxicity": 80.0, "stereotype": 70.0, "privacy": 60.0}, "gptq-w2": {}},
                      DIMENSIONS, "t")
    assert "gptq-w2 (no scores)" in texts(svg)
    assert not [gid for gid in {**groups(svg, "bar:"), **groups(svg, "radar:")} if "gptq-w2" in gid]
    assert list(groups(svg, "radar:")) == ["radar:none"]


@pytest.mark.parametrize(("scores", "message"), [
    ({}, "scores is empty"),
    ({"none": {}}, "no variant has a score"),
    ({"none": {"perplexity": 12.0}}, "no variant has a score"),
    ({"none": {"toxicity": 101.0}}, "outside 0-100"),
    ({"none": {"toxicity": -1.0}}, "outside 0-100"),
])
def test_nothing_to_draw_or_a_bad_score_is_a_value_error(scores, message):
    with pytest.raises(ValueError, match=message):
        trust_chart(scores, DIMENSIONS, "t")
