"""The regression alert and the CI summary, for the people who read a run's outcome without running it.

An alert is raised when a drop gate (variant vs dense) or a no-regression check (run vs accepted
result) fails, or is inconclusive: either way the release is not shown within its limits. It is
written as markdown under reports/alerts/, appended to GitHub's job summary
($GITHUB_STEP_SUMMARY) and, with --trust-alert-webhook URL, POSTed there as JSON (with the bearer
token in $TRUST_ALERT_TOKEN when that is set: the one secret, so from the environment).
Infrastructure errors (a model that does not load, missing data, a compression that failed its
verification) are listed apart: they say trust was not measured, not that it dropped.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from compressed_trust.reports.runs import outcome_of, slug
from trust_tests.gates import FAIL, INCONCLUSIVE, KINDS, PASS, level

TOKEN_VARIABLE = "TRUST_ALERT_TOKEN"
SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


@dataclass
class Alert:
    model: str
    tier: str
    created: str
    failures: list[dict[str, Any]] = field(default_factory=list)      # failed drop / no-regression verdicts
    errors: list[dict[str, str]] = field(default_factory=list)        # {"test": nodeid, "message": ...}
    inconclusive: list[dict[str, Any]] = field(default_factory=list)  # drop gates the data decided neither way

    @property
    def raised(self) -> bool:
        """A drop shown beyond its limit, or one not shown within it: either keeps a release from being
        shown safe."""
        return bool(self.failures or self.inconclusive)

    def markdown(self) -> str:
        heading = "Trust regression" if self.failures else "Trust not shown within the limits"
        lines = [f"## {heading}: {self.model} ({self.tier} tier)", "",
                 f"{len(self.failures)} drop gate(s) failed, {len(self.inconclusive)} inconclusive, on {self.created}.",
                 "", "| variant | dimension | against | score | reference | drop | bounds of the drop | n | outcome |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for verdict in self.failures + self.inconclusive:
            figures = verdict["figures"]
            against = "accepted result" if verdict["gate"] == "no_regression" else "dense baseline"
            bounds = f"{level(figures['confidence'])} [{figures['low']:.1f}, {figures['high']:.1f}]"
            lines.append(f"| {verdict['variant']} | {verdict['dimension']} | {against} | {figures['score']:.1f} | "
                         f"{figures['reference_score']:.1f} | {figures['estimate']:.1f} | {bounds} | {figures['n']} | "
                         f"{outcome_of(verdict)} |")
        lines += ["", *(f"- {verdict['message']}" for verdict in self.failures + self.inconclusive)]
        return "\n".join(lines + self.errors_markdown()) + "\n"

    def errors_markdown(self) -> list[str]:
        if not self.errors:
            return []
        return ["", f"### Infrastructure errors ({len(self.errors)} tests): trust was not measured there", "",
                *error_lines(self.errors)]

    def payload(self) -> dict[str, Any]:
        return {**asdict(self), "markdown": self.markdown()}


def error_lines(errors: list[dict[str, str]]) -> list[str]:
    """One line per distinct error message (a variant that fails to build errors every test that needs it)."""
    by_message: dict[str, list[str]] = {}
    for error in errors:
        by_message.setdefault(error["message"], []).append(error["test"])
    return [f"- {message} " + (f"({len(tests)} tests, e.g. `{tests[0]}`)" if len(tests) > 1 else f"(1 test: `{tests[0]}`)")
            for message, tests in by_message.items()]


def summary(run: Mapping[str, Any], alert: Alert) -> str:
    """The job summary: each variant's score per dimension, the gate counts, then the alert if any."""
    results = run["results"]
    variants = list(dict.fromkeys(entry["variant"] for entry in results))
    dimensions = list(dict.fromkeys(entry["dimension"] for entry in results))
    score = {(entry["variant"], entry["dimension"]): entry["score"] for entry in results}
    counts = Counter(outcome_of(v) for v in run["verdicts"])
    lines = [f"## Trust gates: {run['model']} ({run['tier']} tier)", "",
             f"{counts[PASS]} gates passed, {counts[FAIL]} failed, {counts[INCONCLUSIVE]} inconclusive, "
             f"{len(run['errors'])} infrastructure errors.", ""]
    if results:
        lines += ["| dimension | " + " | ".join(variants) + " |", "|---" * (len(variants) + 1) + "|"]
        lines += [f"| {dimension} | " + " | ".join(f"{score[(v, dimension)]:.1f}" if (v, dimension) in score else "-"
                                                     for v in variants) + " |" for dimension in dimensions]
    lines += [f"- {outcome_of(v).upper()} {v['message']}" for v in run["verdicts"]
              if outcome_of(v) != PASS and not is_alerting(v)]
    body = "\n".join(lines) + "\n"
    if alert.raised:
        return body + "\n" + alert.markdown()
    return body + "\n".join(alert.errors_markdown()) + "\n"


def is_alerting(verdict: Mapping[str, Any]) -> bool:
    """A drop gate, failed or inconclusive, with the figures of a measured drop (not a missing or
    incomparable baseline)."""
    return outcome_of(verdict) != PASS and KINDS[verdict["gate"]].alerts and "drop" in verdict["figures"]


def alert(model: str, tier: str, created: str, verdicts: list[dict[str, Any]], errors: list[dict[str, str]]) -> Alert:
    alerting = [v for v in verdicts if is_alerting(v)]
    return Alert(model, tier, created, [v for v in alerting if outcome_of(v) == FAIL], errors,
                 [v for v in alerting if outcome_of(v) == INCONCLUSIVE])


def write(alert: Alert, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{alert.created.replace(':', '').replace('-', '')}-{slug(alert.model)}-{alert.tier}.md"
    path.write_text(alert.markdown(), encoding="utf-8")
    return path


def append_summary(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as summary:
        summary.write(text + "\n")


def post(alert: Alert, url: str, token: str | None = None, timeout: float = 10.0) -> str | None:
    """POSTs the alert as JSON (with `Authorization: Bearer <token>` when given); returns None on
    success, else what went wrong (never raises: a webhook that is down must not lose the run's results)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(alert.payload()).encode("utf-8"), method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"could not POST the alert to the --trust-alert-webhook {url}: {error}"
    return None
