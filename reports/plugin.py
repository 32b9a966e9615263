"""pytest plugin: the reports of a trust run.

During the run, every gate verdict goes to junitxml properties, the Allure report and the run
record; at the end of the session the run-results JSON is written (also when the run failed or
was interrupted: nothing measured is lost), the regression alert raised when a drop gate failed,
the job summary appended, accepted baselines updated on request, and the Allure environment,
chart and manifest written.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compressed_trust.fixtures.options import RUN_OPTIONS, RunOptions
from compressed_trust.reports import alerts, allure_report, artifact_gap, manifest, study, study_report
from compressed_trust.reports.baseline import BaselineError, BaselineStore, check_regression
from compressed_trust.reports.chart import trust_chart
from compressed_trust.reports.runs import RunRecord, result_entry, utc_now, write_run
from trust_tests.dimension import dimension, dimensions
from trust_tests.gates import EXTRA_CHECKS, FAIL, INCONCLUSIVE, GateCase, Verdict, gate_of
from trust_tests.plugin import is_trust_test

RUN = pytest.StashKey["TrustRun"]()
REPORTER = pytest.StashKey["TrustReporter"]()
# The properties a gate test records for junitxml; the controller rebuilds its verdicts from them.
VERDICT_KEYS = ("gate", "dimension", "variant", "outcome", "message")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("trust")
    group.addoption("--trust-reports", dest="trust_reports", metavar="DIR", type=Path,
                    help="where run results (runs/) and regression alerts (alerts/) go (default: <rootdir>/reports)")
    group.addoption("--trust-baseline", dest="trust_baseline", metavar="PATH", type=Path,
                    help="accepted results to compare against (a results JSON file or a folder of them): "
                         "adds test_no_regression[<dimension>-<variant>]")
    group.addoption("--trust-update-baseline", dest="trust_update_baseline", action="store_true",
                    help="accept this run's results into --trust-baseline PATH (written at the end of the run)")
    group.addoption("--trust-alert-webhook", dest="trust_alert_webhook", metavar="URL",
                    help=f"POST a regression alert there as JSON (a bearer token, if it needs one, from "
                         f"${alerts.TOKEN_VARIABLE})")


@pytest.hookimpl(trylast=True)  # after fixtures.options has validated the run options
def pytest_configure(config: pytest.Config) -> None:
    if config.option.help:  # --help never parsed the option values: there is no run to report
        return
    path, updating = config.option.trust_baseline, config.option.trust_update_baseline
    if updating and path is None:
        raise pytest.UsageError("--trust-update-baseline needs --trust-baseline=PATH: the file or folder to write "
                                "the accepted results to")
    store = None
    if path is not None:
        path = Path(os.path.expanduser(path)).resolve()
        if not path.exists() and not updating:
            raise pytest.UsageError(f"--trust-baseline {path}: no such file or folder; to accept this run as the "
                                    "baseline, add --trust-update-baseline")
        try:
            store = BaselineStore(path)
        except BaselineError as error:
            raise pytest.UsageError(f"--trust-baseline: {error}") from None
    options = config.stash[RUN_OPTIONS]
    config.stash[RUN] = run = TrustRun(RunRecord(options.model.name, options.tier, options.baseline.id), store, updating)
    if store is not None:  # the looks of sequential sampling decide it with the other gates
        config.stash[EXTRA_CHECKS] = {"no_regression": functools.partial(_check_no_regression, options, run)}
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller reports (the worker's record goes to it at the end)
    reports = Path(os.path.expanduser(config.option.trust_reports or config.rootpath / "reports")).resolve()
    config.stash[REPORTER] = reporter = TrustReporter(config, options, reports, run)
    config.pluginmanager.register(reporter, "trust-reporter")


def pytest_unconfigure(config: pytest.Config) -> None:
    reporter = config.stash.get(REPORTER, None)
    if reporter is not None:
        del config.stash[REPORTER]
        config.pluginmanager.unregister(reporter)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker sends what it measured to the controller (its TrustReporter merges it)."""
    if hasattr(session.config, "workeroutput") and RUN in session.config.stash:
        session.config.workeroutput["trust_record"] = json.dumps(session.config.stash[RUN].record.to_json())


@dataclass
class TrustRun:
    """What every process of a run shares: the record of what it measured, the accepted results."""

    record: RunRecord
    store: BaselineStore | None
    updating: bool


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Titles the gate tests for the report. Without --trust-baseline there is nothing accepted to
    compare with: the no-regression checks are deselected (counted as such, never skipped-and-passed)."""
    gates = {item: gate for item in items if (gate := gate_of(item))}
    titled: dict[Callable, tuple[str, set[str]]] = {}
    for item, (kind, name) in gates.items():
        titled.setdefault(item.function, (kind, set()))[1].add(name)
    for function, (kind, names) in titled.items():  # the no-regression test's title covers every dimension it runs
        allure_report.title(function, kind, dimension(*names).title if len(names) == 1 else "{dimension}")
    if config.stash[RUN].store is not None:
        return
    dropped = [item for item, (kind, _) in gates.items() if kind == "no_regression"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(autouse=True)
def _allure_labels(request: pytest.FixtureRequest, trust_options: RunOptions) -> None:
    """Labels first, in set-up, so that a test broken by an infrastructure error is labelled too."""
    gate = gate_of(request.node)
    if gate and "variant" in request.fixturenames:
        kind, name = gate
        allure_report.label(kind, dimension(name), request.getfixturevalue("variant"), trust_options.model.name,
                            trust_options.tier)


@pytest.fixture
def report_verdict(request: pytest.FixtureRequest, trust_options: RunOptions) -> Callable[[Verdict], None]:
    """Records a gate's verdict (junitxml properties, Allure attachments, run results) and fails the
    test with the verdict's message when the gate failed."""
    record = request.config.stash[RUN].record

    def report(verdict: Verdict) -> None:
        entry = record.entry(verdict.result, verdict.variant) if verdict.result is not None else None
        if verdict.gate == "no_regression":
            reference_name, reference_entry = "accepted", (
                result_entry(verdict.reference, record.model, record.tier, verdict.variant) if verdict.reference else None)
        else:
            reference_name = trust_options.baseline.id
            reference_entry = record.entry(verdict.reference, reference_name) if verdict.reference else None
        request.node.user_properties.extend(
            [("gate", verdict.gate), ("dimension", verdict.dimension), ("variant", verdict.variant),
             ("outcome", verdict.outcome), *verdict.figures.items(), ("message", verdict.message)])
        with _never_changing(verdict):
            allure_report.attach_verdict(verdict, entry, reference_entry, reference_name)
        with _never_changing(verdict):
            allure_report.conclude(verdict, request.function.__doc__)
        for name, result in ((verdict.variant, verdict.result), (reference_name, verdict.reference)):
            if result is not None:
                print(f"[{name}] {result.summary()}")
        if verdict.outcome == FAIL:
            pytest.fail(verdict.message, pytrace=False)
        if verdict.outcome == INCONCLUSIVE:
            # Never a plain pass: a failure under --trust-inconclusive fail, an xfail ("x", not green in
            # Allure, <skipped> in junitxml, exit code 0) under warn.
            shown = f"INCONCLUSIVE: {verdict.message}"
            if trust_options.inconclusive == "fail":
                pytest.fail(shown, pytrace=False)
            pytest.xfail(shown)
        print(f"passed; {verdict.message}")

    return report


class ReportWarning(pytest.PytestWarning):
    """A part of the report could not be made; the verdict it would have shown stands."""


@contextlib.contextmanager
def _never_changing(verdict: Verdict) -> Iterator[None]:
    """The report shows a decided verdict; it never turns it into an error (an output the attachments
    cannot read, a full disk): what could not be made is a warning in the run's summary."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - whatever the report's failure, the gate has decided
        warnings.warn(ReportWarning(f"{verdict.gate} gate of {verdict.dimension} [{verdict.variant}]: the Allure "
                                    f"report could not show it ({type(error).__name__}: {error}); the verdict "
                                    f"({verdict.outcome}) stands"), stacklevel=1)


def _check_no_regression(options: RunOptions, run: TrustRun, case: GateCase) -> Verdict:
    """The verdict of a gate case against the accepted result of its model, tier and variant."""
    accepted = run.store.find(options.model.name, options.tier, case.variant.id, case.result.dimension)
    return check_regression(case, accepted, run.store.path, run.updating)


@pytest.fixture
def check_no_regression(request: pytest.FixtureRequest) -> Callable[[GateCase], Verdict]:
    """gate case -> the verdict against the accepted result of its model, tier and variant."""
    return request.config.stash[EXTRA_CHECKS]["no_regression"]


class TrustReporter:
    """The controller's reporter (xdist brings every test report to it, and each worker's record)."""

    def __init__(self, config: pytest.Config, options: RunOptions, reports: Path, run: TrustRun):
        self.config, self.options, self.reports = config, options, reports
        self.record, self.store, self.updating = run.record, run.store, run.updating
        self.written: list[str] = []  # what the terminal summary lists
        self.study_lines: list[str] = []  # the matrix and its findings, of a run of several variants

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if report.when == "call" and "gate" in properties:
            self.record.verdicts.append({**{key: properties[key] for key in VERDICT_KEYS},
                                         "figures": {k: v for k, v in properties.items() if k not in VERDICT_KEYS}})
        elif report.when != "call" and report.failed and is_trust_test(report):
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash else str(report.longrepr).strip().splitlines()[-1]
            self.record.errors.append({"test": report.nodeid, "message": message})

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """xdist: a worker's measured results (its record, sent as workeroutput)."""
        sent = getattr(node, "workeroutput", {}).get("trust_record")
        if sent:
            self.record.merge(json.loads(sent))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not (self.record.results or self.record.verdicts or self.record.errors):
            return  # not a trust run (collect-only, or the suite's own tests)
        entries = list(self.record.results.values())
        self.record.artifact_gaps = artifact_gap.gaps(entries, self.options.confidence)
        run_manifest = manifest.build(self.options, entries)
        written = write_run(self.record, run_manifest, self.reports / "runs")
        self.written.append(f"run results: {written}")
        drawn = self._study(entries, self.reports / "study" / written.stem)
        alert = alerts.alert(self.options.model.name, self.options.tier, utc_now(), self.record.verdicts,
                             self.record.errors)
        summary = alerts.summary(self.record.to_json(), alert)
        if alert.raised:
            label = "REGRESSION ALERT" if alert.failures else "ALERT (drops not shown within the limits)"
            self.written.append(f"{label}: {alerts.write(alert, self.reports / 'alerts')}")
            if url := self.config.option.trust_alert_webhook:
                problem = alerts.post(alert, url, os.environ.get(alerts.TOKEN_VARIABLE))
                self.written.append(problem or f"alert posted to {url}")
        if step_summary := os.environ.get(alerts.SUMMARY_VARIABLE):
            alerts.append_summary(Path(step_summary), summary)
        if self.updating and exitstatus != pytest.ExitCode.INTERRUPTED:
            accepted = self.store.accept(entries, self.options.model.name, self.options.tier)
            self.written.append(f"accepted {len(entries)} results as the baseline: {accepted}")
        self._allure(entries, run_manifest, drawn)

    def _study(self, entries: list[dict[str, Any]], directory: Path) -> tuple[Path, Path] | None:
        """The compression x trust matrix, drawn when the run measured the dense model and a compressed
        variant (after the run results are safe on disk: a drawing failure loses nothing)."""
        if len({entry["variant"] for entry in entries}) < 2:
            return None
        try:
            found = study.matrix(entries, self.record.verdicts)
        except ValueError as error:
            self.written.append(f"no study report: {error}")
            return None
        drawn = study_report.write(found, directory)
        self.study_lines = study.text(found)
        self.written.append(f"study report: {drawn[0]} (and {drawn[1].name})")
        return drawn

    def _allure(self, entries: list[dict[str, Any]], run_manifest: dict[str, Any],
                drawn: tuple[Path, Path] | None) -> None:
        results_dir = getattr(self.config.option, "allure_report_dir", None)
        if not results_dir:
            return
        scores: dict[str, dict[str, float]] = {}
        for entry in entries:
            scores.setdefault(entry["variant"], {})[entry["dimension"]] = entry["score"]
        chart = trust_chart(scores, [(d.name, d.title) for d in dimensions()],
                            f"{self.options.model.name}, {self.options.tier} tier") if scores else None
        allure_report.attach_run(chart, run_manifest, drawn)
        libraries = run_manifest["libraries"]
        allure_report.write_environment(Path(results_dir), {
            "model": self.options.model.name, "variants": ", ".join(v.id for v in self.options.variants),
            "baseline": self.options.baseline.id, "tier": self.options.tier, "device": self.options.device,
            "dtype": self.options.dtype, "python": run_manifest["python"], "platform": run_manifest["platform"],
            **{name: libraries[name] for name in ("torch", "transformers", "llmcompressor", "compressed-trust-suite")}},
            {"name": os.environ.get("GITHUB_WORKFLOW", "local run"), "type": "github" if "GITHUB_RUN_ID" in os.environ
             else "local", "buildName": os.environ.get("GITHUB_RUN_ID", self.record.started)})

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.record.errors:
            terminalreporter.section("trust: infrastructure errors (trust was not measured there)", yellow=True)
            for line in alerts.error_lines(self.record.errors):
                terminalreporter.line(line)
        if self.record.artifact_gaps:
            terminalreporter.section("trust: packed vs float (what the integer kernels change)")
            for line in artifact_gap.lines(self.record.artifact_gaps):
                terminalreporter.line(line)
        if self.study_lines:
            terminalreporter.section("trust: compression x trust matrix")
            for line in self.study_lines:
                terminalreporter.line(line)
        if self.written:
            terminalreporter.section("trust reports")
            for line in self.written:
                terminalreporter.line(line)
