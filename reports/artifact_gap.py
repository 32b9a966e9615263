"""The packed-vs-float gap: what the integer kernels that serve a packed checkpoint change in trust.

A run with both artifacts of a quantized variant (--trust-artifact packed,float) measured them on the
same items; per dimension, the gap is the packed artifact's loss against the float copy's, paired by
item (trust_tests/stats.py, as a drop gate pairs a variant with its baseline), with its two-sided
interval at the run's confidence. Informative, not a gate: each artifact is gated against the baseline
on its own.
"""

from __future__ import annotations

from typing import Any

from compressed_trust.fixtures.models.variants import PACKED
from compressed_trust.reports.runs import result_from_entry
from trust_tests.dimension import dimension
from trust_tests.stats import paired_drop


def gaps(entries: list[dict[str, Any]], confidence: float) -> list[dict[str, Any]]:
    """One row per (variant, dimension) measured as both artifacts."""
    measured = {(entry["variant"], entry["dimension"]): entry for entry in entries}
    rows = []
    for (variant, name), packed in sorted(measured.items()):
        base = variant.removesuffix(f"-{PACKED}")
        if base == variant or (base, name) not in measured:
            continue
        float_copy = measured[base, name]
        row = {"variant": base, "dimension": name, "float_score": float_copy["score"], "packed_score": packed["score"],
               "confidence": confidence}
        try:
            bounds = paired_drop(result_from_entry(float_copy), result_from_entry(packed), 1 - (1 - confidence) / 2,
                                 dimension(name).resampled_scores)
        except ValueError as error:  # no shared items (another probe set): said, not guessed
            rows.append({**row, "error": str(error)})
            continue
        rows.append({**row, "measure": bounds.measure, "loss": bounds.estimate, "interval": [bounds.low, bounds.high],
                     "n": bounds.n, "shown": bounds.low > 0 or bounds.high < 0})
    return rows


def lines(rows: list[dict[str, Any]]) -> list[str]:
    text = []
    for row in rows:
        head = (f"{row['variant']} {row['dimension']}: packed {row['packed_score']:.2f} vs float "
                f"{row['float_score']:.2f}")
        if "error" in row:
            text.append(f"{head}; no paired gap: {row['error']}")
            continue
        low, high = row["interval"]
        reading = "the kernels change it" if row["shown"] else "no difference shown"
        text.append(f"{head}; {row['measure']} loss of the packed artifact {row['loss']:+.2f} points, "
                    f"{row['confidence']:.0%} interval [{low:+.2f}, {high:+.2f}] (n={row['n']} paired items): {reading}")
    return text
