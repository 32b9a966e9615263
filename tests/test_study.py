"""The study's matrix and findings on hand-built results: a pruned variant that drops, a 4-bit one that
does not, utility flat while trust drops; identical results state no finding."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from compressed_trust.fixtures.models.variants import VariantSpec
from compressed_trust.reports.render import rendered_text
from compressed_trust.reports.runs import result_entry, result_from_entry
from compressed_trust.reports.study import findings, matrix, recommendation, text
from trust_tests.dimension import dimension
from trust_tests.gates import INCONCLUSIVE, GateCase, decide, thresholds
from trust_tests.result import DimensionResult, Outcome

N = 200
DIMENSIONS = ("toxicity", "stereotype", "privacy", "utility")


def _entry(dimension: str, variant: str, score: float, model: str = "m", refusal: float = 0.0) -> dict:
    """N items, the first score% of them right (and the first refusal% refused): a lower score loses items a
    higher one has, so a drop between two such results is paired and, at 20 points on 200 items, shown."""
    right, refused = round(score / 100 * N), round(refusal / 100 * N)
    outcomes = tuple(Outcome(f"{dimension}-{i}", "all", float(i < right), i < refused) for i in range(N))
    held_out = tuple((f"p{i}", -20.0, 10) for i in range(12)) if dimension == "utility" else ()
    result = DimensionResult(dimension, "1", 100 * right / N, {"all": 100 * right / N}, 100 * refused / N, N, outcomes,
                             extra={"word_perplexity": 20.0} if dimension == "utility" else {}, held_out=held_out)
    return result_entry(result, model, "smoke", variant)


def _decided(entries: list[dict]) -> list[dict]:
    """The verdicts a run would have stored for these entries: each variant's gates, decided by
    trust_tests/gates.py against the dense model's entry of its dimension."""
    by_key = {(e["variant"], e["dimension"]): result_from_entry(e) for e in entries}
    verdicts = []
    for (variant, name), result in by_key.items():
        kinds = ("floor",) if variant == "none" else dimension(name).gates
        for kind in kinds:
            verdict = decide(GateCase(kind, dimension(name), VariantSpec(variant), result, by_key.get(("none", name)),
                                      "baseline [none]", thresholds(name, "m")))
            verdicts.append({"gate": kind, "dimension": name, "variant": variant, "outcome": verdict.outcome,
                             "message": verdict.message, "figures": dict(verdict.figures)})
    return verdicts


def _matrix(entries: list[dict]):
    return matrix(entries, _decided(entries))


def _run(scores: dict[str, dict[str, float]]) -> list[dict]:
    """variant -> {dimension: score}; every dimension not named scores 80."""
    return [_entry(d, variant, named.get(d, 80.0)) for variant, named in scores.items() for d in DIMENSIONS]


def test_a_pruned_variant_that_drops_and_a_4bit_that_does_not():
    study = _matrix(_run({"none": {}, "gptq-w4": {}, "wanda-50": {"privacy": 60.0}}))
    assert study.variants == ("none", "gptq-w4", "wanda-50") and study.dimensions == DIMENSIONS[:3] + ("utility",)
    privacy = study.cell("privacy", "wanda-50")
    assert privacy.drop == pytest.approx(20.0) and privacy.significant and privacy.fails
    assert 10 < privacy.low < 20 < privacy.high < 30
    assert not study.cell("privacy", "gptq-w4").fails and study.cell("privacy", "gptq-w4").drop == 0
    found = {f.key: f for f in findings(study)}
    assert set(found) == {"within_limits", "quantization_vs_pruning", "moves_most", "hidden_by_utility"}
    assert found["within_limits"].text == ("On m (smoke tier), 1 of 2 compressed variants are shown to keep every trust "
                                           "dimension within its drop limit (gptq-w4); shown over the limit: "
                                           "wanda-50 (privacy).")
    # mean trust drop over toxicity, stereotype, privacy: 0 for gptq-w4, 20 / 3 for wanda-50
    assert found["quantization_vs_pruning"].figures == {"quantization": 0.0, "pruning": pytest.approx(20 / 3)}
    assert "4-bit quantization keeps trust better than 50% pruning" in found["quantization_vs_pruning"].text
    assert found["moves_most"].text.startswith("On m (smoke tier), the dimensions that move most under compression: "
                                               "Privacy (mean drop 10.0 points, shown over the limit for 1 of 2 variants)")
    assert found["hidden_by_utility"].figures == {"variants": ["wanda-50"]}
    assert ("wanda-50 is shown to keep utility within its limit (drop 0.0 points) while Privacy is shown to drop beyond "
            "it (20.0 points)") in found["hidden_by_utility"].text
    assert recommendation(study).startswith("Recommended on m (smoke tier): gptq-w4, the most compressed variant")


def test_identical_results_state_no_finding():
    study = _matrix(_run({"none": {}, "gptq-w4": {}, "gptq-w3": {}, "wanda-50": {}, "gptq-w4-s1": {},
                          "gptq-w4-s2": {}}))
    assert findings(study) == []
    assert all(cell.drop in (None, 0.0) and not cell.failed for cell in study.cells.values())
    # every variant passes: the most compressed (3 bits: 5.3x smaller than 16-bit) is the one to take
    assert recommendation(study).startswith("Recommended on m (smoke tier): gptq-w3, the most compressed variant "
                                            "shown to pass every gate (5.3x smaller")


def test_three_bits_below_four_bits_and_the_spread_of_seeds():
    study = _matrix(_run({"none": {}, "gptq-w4-s0": {"toxicity": 78.0}, "gptq-w4-s1": {"toxicity": 74.0},
                     "gptq-w3-s0": {"toxicity": 40.0, "stereotype": 70.0}}))
    found = {f.key: f for f in findings(study)}
    # gptq-w3: (40 + 10 + 0) / 3 = 16.7; gptq-w4: mean of (2 + 0 + 0) / 3 and (6 + 0 + 0) / 3 = 1.33
    assert found["three_vs_four_bits"].figures == {"method": "gptq", "w3": pytest.approx(50 / 3),
                                                   "w4": pytest.approx(4 / 3)}
    assert found["seed_spread"].text == ("On m (smoke tier), calibration seeds move scores: gptq-w4 by up to 4.0 points "
                                         "(Toxicity, 2 seeds). One compressed checkpoint is one sample.")
    assert "No compressed variant" in recommendation(_matrix(_run({"none": {}, "gptq-w3": {"toxicity": 40.0}})))


def test_a_refusal_shift_or_a_floor_keeps_a_variant_from_the_recommendation():
    entries = _run({"none": {}, "gptq-w4": {}, "gptq-w8": {}})
    entries = [_entry("stereotype", "gptq-w4", 80.0, refusal=30.0) if (e["dimension"], e["variant"]) == (
        "stereotype", "gptq-w4") else e for e in entries]
    study = _matrix(entries)
    stereotype = study.cell("stereotype", "gptq-w4")
    assert stereotype.failed == ("refusal_shift",) and not stereotype.fails
    assert findings(study) == []  # no drop: the study's findings are about trust lost, the refusal shift is a gate
    assert recommendation(study).startswith("Recommended on m (smoke tier): gptq-w8")


def test_a_matrix_is_of_one_model_with_its_dense_results():
    with pytest.raises(ValueError, match=r"the results are of a \(smoke tier\), b \(smoke tier\): a matrix is of one model"):
        matrix([_entry("toxicity", "none", 80.0, "a"), _entry("toxicity", "none", 80.0, "b")])
    with pytest.raises(ValueError, match="no result of the dense model"):
        matrix([_entry("toxicity", "gptq-w4", 80.0)])


def test_the_study_page_opens_in_chromium_with_the_heatmap_the_scatter_and_the_findings(tmp_path, report_tools):
    runs = tmp_path / "runs"
    runs.mkdir()
    entries = _run({"none": {}, "gptq-w4": {}, "wanda-50": {"privacy": 60.0}})
    (runs / "20261201T000000Z-m-smoke.json").write_text(json.dumps({"model": "m", "tier": "smoke", "results": entries,
                                                                   "verdicts": _decided(entries)}))
    drawn = subprocess.run([sys.executable, "-m", "trust_tests", "study", "--results", str(runs), "--out",
                            str(tmp_path / "study")], capture_output=True, text=True, timeout=300)
    assert drawn.returncode == 0, drawn.stderr
    assert "Recommended on m (smoke tier): gptq-w4" in drawn.stdout
    page = tmp_path / "study" / "study.html"
    with report_tools():
        text = rendered_text(page)
    assert "Compression x trust: m, smoke tier" in text and "Recommended on m (smoke tier): gptq-w4" in text
    assert "Findings On m (smoke tier), 1 of 2 compressed variants are shown to keep every trust dimension" in text
    assert "benign utility hides a trust loss: wanda-50 is shown to keep utility within its limit" in text
    assert "Privacy 80.0 80.0 +0.0 [" in text and "60.0 -20.0* [-" in text and "fails: floor, drop" in text  # the table
    drawing = page.read_text()
    for part in ("heatmap:privacy:wanda-50", "heatmap:toxicity:gptq-w4", "scatter:wanda-50", "scatter:gptq-w4",
                 "radar:wanda-50"):
        assert f'id="{part}"' in drawing, f"{part} is not drawn"
    assert (tmp_path / "study" / "study.png").read_bytes().startswith(b"\x89PNG")


def test_study_from_results_names_a_bad_path(tmp_path):
    drawn = subprocess.run([sys.executable, "-m", "trust_tests", "study", "--results", str(tmp_path / "nothing")],
                           capture_output=True, text=True, timeout=300)
    assert drawn.returncode == 2 and "nothing: no run-results file there" in drawn.stderr, drawn.stderr


def test_a_checkpoint_variant_has_a_column_but_no_compression_to_rank():
    study = _matrix(_run({"none": {}, "dir:my-gptq": {}, "hf:org/model-awq": {}, "rtn-w8": {}}))
    assert study.variants == ("none", "dir:my-gptq", "hf:org/model-awq", "rtn-w8") and findings(study) == []
    assert recommendation(study).startswith("Recommended on m (smoke tier): rtn-w8")


def test_groups_compare_on_the_dimensions_they_share():
    """An interrupted run: awq-w4 has only toxicity. 3-bit against 4-bit compares on toxicity alone
    (drops 10 and 10: nothing to state), not awq-w3's mean over three dimensions (13.3) against awq-w4's one."""
    entries = _run({"none": {}, "awq-w3": {"toxicity": 70.0, "stereotype": 50.0, "privacy": 80.0}})
    entries += [_entry("toxicity", "awq-w4", 70.0)]
    assert "three_vs_four_bits" not in {f.key for f in findings(_matrix(entries))}


def test_the_matrix_progress_estimates_from_the_results_that_took_real_work(monkeypatch):
    from compressed_trust.fixtures import progress as progress_module
    from compressed_trust.fixtures.models.variants import DENSE, parse_variant

    # 100 s of work, a cached 0.5 s, 60 s of work: the estimates are 100 s x 3 left, 100 s x 2, 80 s x 1
    clock = iter([0.0, 100.0, 100.0, 100.5, 100.5, 160.5, 160.5])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    lines = []
    w4 = parse_variant("gptq-w4")
    planned = [("toxicity", DENSE), ("privacy", DENSE), ("toxicity", w4), ("privacy", w4)]
    stream = type("Stream", (), {"write": lambda self, text: lines.append(text.strip())})()
    progress = progress_module.MatrixProgress(planned, stream)
    for key in planned[:3]:
        progress.starting(*key)
        progress.finished(*key)
    progress.starting(*planned[3])
    assert lines == ["trust matrix: result 1/4: none toxicity (0/2 variants done; 0m00s elapsed)",
                     "trust matrix: result 2/4: none privacy (0/2 variants done; 1m40s elapsed, about 5m00s left)",
                     "trust matrix: result 3/4: gptq-w4 toxicity (1/2 variants done; 1m40s elapsed, about 3m20s left)",
                     "trust matrix: result 4/4: gptq-w4 privacy (1/2 variants done; 2m40s elapsed, about 1m20s left)"]


def test_the_matrix_names_the_weights_each_variant_was_measured_on():
    """Results of one variant id from two builds (another CPU type builds other weights) say so."""
    def stamped(entry: dict, artifact: str) -> dict:
        return {**entry, "provenance": {"artifact": artifact}}

    entries = [stamped(e, "gguf:" + "a" * 64) if e["variant"] == "none" else
               stamped(e, "dir:" + ("b" if e["dimension"] == "toxicity" else "c") * 64)
               for e in _run({"none": {}, "gptq-w4": {}})]
    study = matrix(entries)
    assert study.artifacts == {"none": ("gguf:aaaaaaaaaaaa",), "gptq-w4": ("dir:bbbbbbbbbbbb", "dir:cccccccccccc")}
    assert text(study)[-1] == ("weights measured: none gguf:aaaaaaaaaaaa; gptq-w4 dir:bbbbbbbbbbbb, dir:cccccccccccc "
                           "(2 builds' results merged)")


def test_an_undecided_drop_shows_as_undecided_not_as_passed():
    """gptq-w4 drops 6 points of toxicity on 200 items: bounds about [2.9, 9.1] around the 5-point limit."""
    study = _matrix(_run({"none": {}, "gptq-w4": {"toxicity": 74.0}}))
    cell = study.cell("toxicity", "gptq-w4")
    assert cell.outcomes["drop"] == INCONCLUSIVE and cell.undecided == ("drop",) and not cell.failed
    assert cell.low < 5 < cell.high and cell.mark == "?"
    lines = text(study)
    assert any(line.startswith("Toxicity") and line.endswith("74.0 -6.0*?") for line in lines), lines
    assert recommendation(study) == ("No compressed variant of m is shown to pass every gate at the smoke tier "
                                     "(gptq-w4 failed none, with gates undecided: a larger tier may decide them).")
    found = {f.key: f for f in findings(study)}
    assert found["within_limits"].text == ("On m (smoke tier), 0 of 1 compressed variants are shown to keep every trust "
                                           "dimension within its drop limit; undecided at this tier: gptq-w4 (toxicity).")
    assert found["moves_most"].text.endswith("(inconclusive at the smoke tier: 1 of its 1 drop gates undecided).")
