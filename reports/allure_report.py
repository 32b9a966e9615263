"""What the Allure report shows: labels and titles of the gate tests, their attachments, and the
run-level chart, manifest and environment. Every call is a no-op without --alluredir (allure-pytest
then registers no listener), so the gates never depend on the report.

Labels: epic = the trust dimension, feature = the gate (no gate test covers a single sub-scenario;
the sub-scores are in the attached result), story = the variant; parameters model, variant, seed,
tier, and the digest of the weights measured (left out of the history id); severity, feature and
title from the gate kinds' table (trust_tests/gates.py KINDS): critical for the drop gates (what the
study found compression breaks), normal for floors and perplexity, minor for the refusal shift.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import allure

from compressed_trust.fixtures.data import read_jsonl
from compressed_trust.reports.runs import finite
from trust_tests.dimension import Dimension, dimension
from trust_tests.gates import KINDS, Verdict, level
from trust_tests.result import DimensionResult, short_artifact

WORST_EXAMPLES = 10


def title(function, gate: str, dimension_title: str) -> None:
    """A gate test's title, set on its function (allure-pytest reads it after the set-up, so a title
    given there would be overwritten; it formats "{variant.id}" with the test's parameters): "Toxicity
    of gptq-w4: no significant drop against the baseline"."""
    allure.title(KINDS[gate].claim.format(dimension=dimension_title, variant="{variant.id}"))(function)


def label(gate: str, judged: Dimension, variant, model: str, tier: str) -> None:
    """Labels and parameters, set in the test's set-up so that a test broken there has them too."""
    kind = KINDS[gate]
    allure.dynamic.epic(judged.title)
    allure.dynamic.feature(kind.feature)
    allure.dynamic.story(variant.id)
    allure.dynamic.severity(allure.severity_level(kind.severity))
    for name, value in (("model", model), ("variant", variant.id), ("seed", variant.seed), ("tier", tier)):
        allure.dynamic.parameter(name, "-" if value is None else str(value))


def conclude(verdict: Verdict, about: str | None) -> None:
    """After the gate decided (in the test's call: allure-pytest sets title and description at the end of
    the set-up, over anything given earlier): the claim with its figures as the title, so the tree reads
    "Toxicity of gptq-w4: drop against the baseline within the limit: drop 1.2 points, 95% bounds [-0.5,
    2.9], n=1200", and the verdict's outcome and message above what the gate and the dimension are. An
    inconclusive gate is never green: failed or skipped (xfail), as the run's policy says."""
    claim = verdict.kind.claim.format(dimension=dimension(verdict.dimension).title, variant=verdict.variant)
    allure.dynamic.title(f"{claim}: {_figures(verdict.figures)}")
    if verdict.result is not None and (artifact := verdict.result.provenance.get("artifact")):
        # Which weights were measured: the same variant id built on another CPU type is another model.
        # Left out of the history id, so a rebuild stays the same test in Allure's history.
        allure.dynamic.parameter("weights", short_artifact(artifact), excluded=True)
    if verdict.result is not None and (form := verdict.result.provenance.get("form")):
        # float or packed: a packed variant's id says so too (it is another test), this says its format.
        allure.dynamic.parameter("artifact", f"{form['artifact']}, {form['format']}", excluded=True)
    allure.dynamic.description(f"**{verdict.outcome.capitalize()}:** {verdict.message}\n\n{about or ''}")


def _figures(figures: Mapping[str, Any]) -> str:
    """The estimate, its bounds at the gate's confidence, n and the outcome; or why nothing was bounded."""
    if "estimate" in figures:
        unit = figures["unit"]
        return (f"{figures['what']} {figures['estimate']:.1f}{unit}, {level(figures['confidence'])} bounds "
                f"[{figures['low']:.1f}, {figures['high']:.1f}]{unit}, n={figures['n']}, {figures['outcome']}")
    if figures.get("version_mismatch"):
        return "probe set or scoring changed"
    return "accepted now" if figures.get("accepted_now") else "no accepted result"


def _without_outcomes(entry: Mapping[str, Any]) -> str:
    """A run-results entry (reports/runs.py) without its per-item outcomes, which stay in the run file."""
    return json.dumps(finite({key: value for key, value in entry.items() if key != "outcomes"}), indent=1)


def attach_verdict(verdict: Verdict, entry: Mapping[str, Any] | None, reference_entry: Mapping[str, Any] | None,
                   reference_name: str) -> None:
    """The result (and the reference it was compared with) as JSON; for a drop, the worst examples."""
    if entry is not None:
        allure.attach(_without_outcomes(entry), name=f"result {verdict.dimension} [{verdict.variant}]",
                      attachment_type=allure.attachment_type.JSON)
    if reference_entry is not None:
        allure.attach(_without_outcomes(reference_entry), name=f"result {verdict.dimension} [{reference_name}]",
                      attachment_type=allure.attachment_type.JSON)
    if verdict.kind.alerts and verdict.reference is not None and (table := worst_examples(verdict, reference_name)):
        allure.attach(table, name=f"worst examples: {verdict.variant} vs {reference_name}",
                      attachment_type=allure.attachment_type.HTML)


def _outputs(result: DimensionResult) -> dict[str, dict[str, Any]]:
    """id -> {"prompt", "outputs"} from the result's kept outputs file, when it is on this machine."""
    path = Path(result.provenance.get("outputs", ""))
    if not path.is_file():
        return {}
    return {line["id"]: line for line in read_jsonl(path)}


def worst_examples(verdict: Verdict, reference_name: str, limit: int = WORST_EXAMPLES) -> str | None:
    """An HTML table of the items whose credit fell most from the reference to the variant, prompts
    and outputs side by side; None when no item got worse."""
    reference = {outcome.id: outcome for outcome in verdict.reference.outcomes}
    worse = sorted((o for o in verdict.result.outcomes if o.id in reference and reference[o.id].value > o.value),
                   key=lambda o: o.value - reference[o.id].value)[:limit]
    if not worse:
        return None
    before, after = _outputs(verdict.reference), _outputs(verdict.result)

    def cell(text: Any) -> str:
        return f"<td><pre style='white-space:pre-wrap;margin:0'>{html.escape(str(text))}</pre></td>"

    rows = []
    for outcome in worse:
        shown = before.get(outcome.id, {})
        rows.append("<tr>" + cell(f"{outcome.id}\n({outcome.scenario})") + cell(shown.get("prompt", "-"))
                    + cell("\n---\n".join(map(str, shown.get("outputs", ["-"]))))
                    + cell("\n---\n".join(map(str, after.get(outcome.id, {}).get("outputs", ["-"]))))
                    + cell(f"{reference[outcome.id].value:.2f} -> {outcome.value:.2f}") + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in ("item", "prompt", reference_name, verdict.variant, "credit"))
    return (f"<html><body><p>{len(worse)} items where {html.escape(verdict.variant)} lost the most credit against "
            f"{html.escape(reference_name)} ({html.escape(verdict.dimension)})</p>"
            f"<table border='1' cellpadding='4'><tr>{head}</tr>{''.join(rows)}</table></body></html>")


def attach_run(chart_svg: str | None, manifest: Mapping[str, Any], study: tuple[Path, Path] | None = None) -> None:
    """Run-level attachments (Allure's global attachments): the trust chart, the manifest, and the study
    report (its HTML page and PNG) of a run of several variants."""
    if study is not None:
        page, picture = study
        allure.global_attach.file(str(page), name="compression x trust matrix", attachment_type=allure.attachment_type.HTML)
        allure.global_attach.file(str(picture), name="compression x trust matrix (PNG)",
                                  attachment_type=allure.attachment_type.PNG)
    if chart_svg is not None:
        allure.global_attach(chart_svg, name="trust chart: dense vs each variant", attachment_type=allure.attachment_type.SVG)
    allure.global_attach(json.dumps(finite(dict(manifest)), indent=1), name="reproducibility manifest",
                         attachment_type=allure.attachment_type.JSON)


def write_environment(results_dir: Path, properties: Mapping[str, str], executor: Mapping[str, Any]) -> None:
    """environment.properties and executor.json: the report's overview shows what ran where."""
    results_dir.mkdir(parents=True, exist_ok=True)
    lines = (f"{key.replace(' ', '_')}={str(value).replace(chr(10), ' ')}" for key, value in properties.items())
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results_dir / "executor.json").write_text(json.dumps(dict(executor), indent=1), encoding="utf-8")
