"""Command line: plan a run, re-score stored outputs without a model, redraw the study.

    python -m trust_tests plan [--model NAME] [--quant SPEC ...] [--trust-tier T --trust-data PATH]
        [--tokens-per-second N] [-m DIMENSION ...]

Prints, per dimension, what a run would spend: items and looks, generations, prompt and new tokens, the
smallest drop its items can show within the limit, and the time at the engine's speed (trust_tests/plan.py).

    python -m trust_tests rescore machine_ethics --outputs run.jsonl [--trust-tier smoke] [--trust-data PATH]
        [--trust-scoring suite|decoding-comp-trust] [--trust-toxicity-scorer SPEC]

The outputs are JSONL lines {"id": <item id>, "outputs": [<text>, ...]}, as the suite keeps them under
<cache>/outputs/<model>/<variant>/<dimension>-<tier>.jsonl; the item ids come from the same records
and tier. Prints the dimension result as JSON (per-item outcomes left out unless --outcomes).

    python -m trust_tests study --results reports/runs/ [--out DIR]

Draws the compression x trust matrix of one model from run-results files (several runs, e.g. CI jobs
that ran variants in parallel, merge), with its findings and recommendation, into study.html and
study.png, as a run of several variants writes it at its end; prints it as text.

    python -m trust_tests rescore-decodingtrust --trust-data=DT_DATA --generations=DT_DATA
        [--trust-scoring suite|decoding-comp-trust] [--dimension NAME ...] [--results-dir DIR]

Reads DecodingTrust's own stored generation files under GENERATIONS/<perspective>/generations/,
aligned with the benchmark records under DT_DATA, and prints per model every dimension's score and
sub-scores in both modes (a dimension with sub-scenarios missing: its sub-scores, and what is
missing). The --trust-scoring mode's complete results are written as a run-results file (tier
"decodingtrust", variant "none") that baselines and reports read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from compressed_trust.fixtures.data import TIERS, TrustData, TrustDataMissing, parse_data_dir
from trust_tests import stored_runs
from trust_tests.dimension import dimension, dimensions, names, rescore
from trust_tests.result import SCORING_MODES, DimensionResult, Scoring
from trust_tests.stats import CONFIDENCE, parse_confidence


def _scoring_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--trust-scoring", choices=SCORING_MODES, default="suite",
                         help="suite: this suite's reading of answers; decoding-comp-trust: the study's own scoring "
                              "code (its DecodingTrust fork, decoding-comp-trust/DecodingTrust) (default: suite)")


def main(argv: list[str] | None = None) -> int:
    # The CLI sits above every room (docs/design.md): what trust_tests' own modules may not import
    # (options, models, a dimension's scorers) it imports when it runs.
    from compressed_trust.fixtures.models.specs import DEFAULT_MODEL, parse_model_spec
    from compressed_trust.fixtures.models.variants import parse_variants
    from compressed_trust.fixtures.options import checked_type
    from trust_tests.toxicity.scorers import SCORERS, parse_scorer

    parser = argparse.ArgumentParser(prog="python -m trust_tests", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("rescore", help="score a JSONL of stored outputs against the records")
    command.add_argument("dimension", choices=names())
    command.add_argument("--outputs", type=Path, required=True, help="JSONL of {id, outputs}")
    command.add_argument("--trust-tier", choices=TIERS, default="smoke")
    command.add_argument("--trust-data", type=Path, help="DecodingTrust-layout data folder (standard, full)")
    command.add_argument("--outcomes", action="store_true", help="include the per-item outcomes")
    _scoring_options(command)
    command.add_argument("--trust-toxicity-scorer", type=checked_type(parse_scorer), default="profanity",
                         help=f"what rates toxicity: {', '.join(SCORERS)} (default: profanity)")
    command.add_argument("--trust-device", default="cpu", help="where a classifier scorer runs (default: cpu)")
    stored = commands.add_parser("rescore-decodingtrust", help="score DecodingTrust's own stored generation files")
    stored.add_argument("--trust-data", type=checked_type(parse_data_dir), required=True,
                        help="DecodingTrust's data/ folder: the benchmark records")
    stored.add_argument("--generations", type=checked_type(parse_data_dir), required=True,
                        help="the folder holding <perspective>/generations/ (DecodingTrust's data/ folder of the run)")
    _scoring_options(stored)
    stored.add_argument("--dimension", action="append", choices=list(stored_runs.readers()),
                        help="only these dimensions (repeatable; default: every one found)")
    stored.add_argument("--results-dir", type=Path, default=Path("reports/runs"),
                        help="where the run-results files go, decodingtrust-<model>-<mode>.json (default: reports/runs)")
    drawn = commands.add_parser("study", help="the compression x trust matrix and its findings from run-results "
                                              "files, without a model")
    drawn.add_argument("--results", nargs="+", type=Path, required=True, metavar="PATH",
                       help="run-results files or folders of them (reports/runs/); a later result of the same "
                            "variant and dimension replaces an earlier one")
    drawn.add_argument("--out", type=Path, help="where study.html and study.png go "
                                                "(default: reports/study/<model>-<tier>)")
    planned = commands.add_parser("plan", help="what a run would spend, per dimension, before spending it")
    planned.add_argument("--model", type=checked_type(parse_model_spec), default=DEFAULT_MODEL,
                         help=f"as pytest's --model (default: {DEFAULT_MODEL})")
    planned.add_argument("--quant", type=checked_type(parse_variants), action="append",
                         help="as pytest's --quant: the variants (each generates what the table shows)")
    planned.add_argument("--trust-tier", choices=TIERS, default="smoke")
    planned.add_argument("--trust-data", type=checked_type(parse_data_dir), help="as pytest's (standard and full tiers)")
    planned.add_argument("--trust-confidence", type=checked_type(parse_confidence), default=CONFIDENCE)
    planned.add_argument("--trust-cache", type=Path, help="as pytest's (where a GGUF model is converted once)")
    planned.add_argument("-m", dest="dimensions", action="append", choices=names(), help="only these dimensions")
    planned.add_argument("--tokens-per-second", type=float,
                         help="the engine's new tokens per second (e.g. a GPU's); default: measured here on the dense model")
    planned.add_argument("--runs", type=Path, default=Path("reports/runs"),
                         help="run-results files whose dense outcomes give the spread (default: reports/runs)")
    args = parser.parse_args(argv)
    if args.command == "plan":
        return _plan(parser, args)
    if args.command == "study":
        return _study(parser, args)
    if args.command == "rescore-decodingtrust":
        try:
            return _rescore_decodingtrust(args)
        except stored_runs.LayoutError as error:
            parser.error(str(error))
    if not args.outputs.is_file():
        parser.error(f"--outputs {args.outputs}: no such file")
    try:
        result = rescore(dimension(args.dimension), TrustData(args.trust_tier, args.trust_data), args.outputs,
                         Scoring(args.trust_scoring, args.trust_toxicity_scorer, args.trust_device))
    except (TrustDataMissing, ValueError, KeyError) as error:
        parser.error(str(error))
    summary = result.to_dict()
    if not args.outcomes:
        del summary["outcomes"]
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


def _rescore_decodingtrust(args: argparse.Namespace) -> int:
    from compressed_trust.reports.runs import RunRecord, slug, write_json  # reports sit above trust_tests

    found = defaultdict(list)  # (model, dimension) -> parts
    readers = stored_runs.readers()
    for name in args.dimension or readers:
        for part in readers[name].read(args.generations, args.trust_data):
            found[part.model, part.dimension].append(part)
    if not found:
        print(f"no DecodingTrust generation files under {args.generations}/<perspective>/generations/")
        return 1
    for model in sorted({model for model, _ in found}):
        record = RunRecord(model, "decodingtrust", "none")
        print(f"\n{model}")
        print(f"  {'dimension':18s} {'mode':{MODE_WIDTH}s} {'score':>6s} {'refusal':>8s} {'n':>6s}  sub-scores")
        for name, reader in readers.items():
            parts = found.get((model, name))
            if not parts:
                continue
            items = [item for part in parts for item in part.items]
            outputs = {key: texts for part in parts for key, texts in part.outputs.items()}
            present = {item.scenario for item in items}
            missing = [sub for sub in reader.WHOLE if sub not in present]
            drops = getattr(reader, "suite_drops", lambda item: False)
            for mode in SCORING_MODES if items else ():  # files read, none of them scorable: their notes say why
                chosen = [item for item in items if not (mode == "suite" and drops(item))]
                result = dimension(name).scored(chosen, outputs, Scoring(mode))
                print(_row(name, mode, result, missing))
                if mode == args.trust_scoring and not missing:
                    record.entry(result, "none")
            print(f"  {'':18s} {len(parts)} file(s) in " + ", ".join(sorted({str(part.file.parent.relative_to(
                args.generations)) for part in parts})))
            noted = defaultdict(list)  # the same note on many files (a layout the study does not score) once
            for part in parts:
                if part.note:
                    noted[part.note].append(part.file)
            for note, files in noted.items():
                shown = files[0] if len(files) == 1 else f"{len(files)} files ({files[0]}, ...)"
                print(f"  {'':18s} {shown}: {note}")
            if missing:
                print(f"  {'':18s} missing for a {name} score: {', '.join(missing)} (no such files)")
        target = args.results_dir / f"decodingtrust-{slug(model)}-{args.trust_scoring}.json"
        if record.results:
            document = {**record.to_json(), "manifest": {"source": "rescore-decodingtrust",
                                                         "generations": str(args.generations), "scoring": args.trust_scoring}}
            print(f"  results ({args.trust_scoring}): {write_json(target, document)}")
    return 0


def _study(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from compressed_trust.reports import study, study_report  # reports sit above trust_tests
    from compressed_trust.reports.runs import slug

    try:
        found = study.matrix(*study.runs_from(args.results))
    except (OSError, ValueError, KeyError) as error:
        parser.error(str(error))
    html_file, png_file = study_report.write(found, args.out or Path("reports/study") / f"{slug(found.model)}-{found.tier}")
    print("\n".join(study.text(found)))
    print(f"study report: {html_file}, {png_file}")
    return 0


def _plan(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    # A model, the engine and torch load for this command only.
    from compressed_trust.fixtures.cache import default_cache_dir
    from compressed_trust.fixtures.engine.engine import Engine
    from compressed_trust.fixtures.models.availability import ModelUnavailable, parameters
    from compressed_trust.fixtures.models.handles import ModelHandle
    from compressed_trust.fixtures.models.variants import DENSE
    from trust_tests import plan

    if args.trust_tier != "smoke" and args.trust_data is None:
        parser.error(f"--trust-tier {args.trust_tier} reads the benchmark data: pass --trust-data PATH")
    try:
        parameters(args.model, fitting=1 << 62)
    except ModelUnavailable as error:
        parser.error(f"--model {args.model.name}: {error}")
    variants = list(dict.fromkeys([DENSE, *(v for group in (args.quant or []) for v in group)]))  # the baseline runs too
    handle = ModelHandle(args.model, DENSE, (args.trust_cache or default_cache_dir()).expanduser())
    tokenizer = handle.tokenizer

    def tokens(request) -> int:
        text = handle.render(request.messages) if request.messages is not None else request.text
        return len(tokenizer(text, add_special_tokens=request.messages is None)["input_ids"])

    if args.tokens_per_second:
        speed, speed_source = args.tokens_per_second, "given"
    else:
        speed = plan.measure_speed(Engine(handle, None, None))
        speed_source = "measured here: 8 prompts x 32 new tokens"
    data = TrustData(args.trust_tier, args.trust_data)
    stored = plan.stored_credits(args.runs, args.model.name, args.trust_tier)
    chosen = [d for d in dimensions() if not args.dimensions or d.name in args.dimensions]
    looks = ", ".join(f"{100 * f:g}%" for f in plan.SCHEDULES[args.trust_tier])
    print(f"plan: {args.model.name}, {args.trust_tier} tier (looks at {looks} of each dimension's items), "
          f"variants {', '.join(v.id for v in variants)}, {args.trust_confidence:g} confidence")
    plans = [plan.plan_dimension(d, data, tokens, args.trust_confidence, args.model.name, stored.get(d.name))
             for d in chosen]
    print("\n".join(plan.table(plans, len(variants), speed, speed_source, args.trust_tier)))
    return 0


MODE_WIDTH = max(map(len, SCORING_MODES))


def _row(dimension: str, mode: str, result: DimensionResult, missing: list[str]) -> str:
    score = "-" if missing else f"{result.score:.2f}"
    subs = ", ".join(f"{name} {value:.2f}" for name, value in result.sub_scores.items()
                     if not missing or name not in missing)
    figures = "".join(f"; {name} {value:.2f}" if isinstance(value, float) else f"; {name} {value}"
                      for name, value in result.extra.items())  # the study's own aggregates beside the score
    return f"  {dimension:18s} {mode:{MODE_WIDTH}s} {score:>6s} {result.refusal_rate:7.2f}% {result.n:6d}  {subs}{figures}"


if __name__ == "__main__":
    sys.exit(main())
