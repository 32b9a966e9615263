"""Command line: re-score stored outputs without a model.

    python -m trust_tests rescore machine_ethics --outputs run.jsonl [--tier smoke] [--trust-data PATH]

The outputs are JSONL lines {"id": <item id>, "outputs": [<text>, ...]}, as the suite keeps them under
<cache>/outputs/<model>/<variant>/<dimension>-<tier>.jsonl; the item ids come from the same records
and tier. Prints the dimension result as JSON (per-item outcomes left out unless --outcomes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fixtures.data import TrustData, TrustDataMissing
from fixtures.options import TIERS
from trust_tests.dimension import SCENARIOS, rescore, scenario_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trust_tests", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("rescore", help="score a JSONL of stored outputs against the records")
    command.add_argument("dimension", choices=SCENARIOS)
    command.add_argument("--outputs", type=Path, required=True, help="JSONL of {id, outputs}")
    command.add_argument("--tier", choices=TIERS, default="smoke")
    command.add_argument("--trust-data", type=Path, help="DecodingTrust-layout data folder (standard, full)")
    command.add_argument("--outcomes", action="store_true", help="include the per-item outcomes")
    args = parser.parse_args(argv)
    if not args.outputs.is_file():
        parser.error(f"--outputs {args.outputs}: no such file")
    try:
        result = rescore(scenario_module(args.dimension), TrustData(args.tier, args.trust_data), args.outputs)
    except (TrustDataMissing, ValueError, KeyError) as error:
        parser.error(str(error))
    summary = result.to_dict()
    if not args.outcomes:
        del summary["outcomes"]
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
