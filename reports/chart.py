"""The report's trust chart: each variant's score per trust dimension, dense baseline first, drawn like
the figures of Decoding Compressed Trust (Hong et al., ICML 2024) so a reader sees at a glance which
dimension a compression method costs.

Rendered as SVG text with matplotlib's object API (no pyplot: no window, no global figure registry),
text kept as text so labels are searchable, and byte-identical output for identical input.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.projections.polar import PolarAxes

from compressed_trust.fixtures.models.variants import DENSE

DENSE_COLOR = "#4d4d4d"
# Okabe-Ito, the colorblind-safe palette, most distinguishable first; cycled past seven variants.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#cc79a7", "#f0e442")
RC = {"svg.fonttype": "none", "svg.hashsalt": "trust-chart", "text.parse_math": False}


def trust_chart(scores: Mapping[str, Mapping[str, float]], dimensions: Sequence[tuple[str, str]],
                title: str) -> str:
    """An SVG document: grouped bars (one group per dimension, one bar per variant, 0-100) and, with
    three or more dimensions shared by every scored variant, a radar panel over those dimensions.

    `scores` maps a variant id to {dimension name: score 0-100}; a dimension a variant lacks (not run,
    or NaN) leaves a gap, never a zero bar. Dimensions of `dimensions` that no variant has are not
    drawn; names in `scores` that `dimensions` does not list are ignored. Each bar is an SVG group
    with id "bar:<variant>:<dimension>", each radar polygon one with id "radar:<variant>".
    Raises ValueError when there is nothing to draw or a score is outside 0-100.
    """
    if not scores:
        raise ValueError("trust_chart: no variants to chart (scores is empty)")
    present = {variant: {name: float(value) for name, value in row.items() if math.isfinite(value)}
               for variant, row in scores.items()}
    for variant, row in present.items():
        for name, value in row.items():
            if not 0.0 <= value <= 100.0:
                raise ValueError(f"trust_chart: score {value} of {variant!r} on {name!r} is outside 0-100")
    drawn = [(name, label) for name, label in dimensions if any(name in row for row in present.values())]
    if not drawn:
        raise ValueError(f"trust_chart: no variant has a score for any of {[name for name, _ in dimensions]}")
    variants = sorted(present, key=lambda variant: variant != DENSE.id)  # stable: the rest keep their order
    colors = _colors(variants)
    scored = [variant for variant in variants if any(name in present[variant] for name, _ in drawn)]
    shared = [(name, label) for name, label in drawn if all(name in present[variant] for variant in scored)]
    radar = len(shared) >= 3

    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(12, 5), layout="constrained")
        figure.suptitle(title)
        if radar:
            grid = figure.add_gridspec(1, 2, width_ratios=(1.8, 1))
            bars_axes = figure.add_subplot(grid[0])
            radar_axes = figure.add_subplot(grid[1], projection="polar")
        else:
            bars_axes = figure.add_subplot(1, 1, 1)
        _bars(bars_axes, present, variants, colors, drawn)
        handles = [Patch(color=colors[variant]) for variant in variants]
        labels = [variant if variant in scored else f"{variant} (no scores)" for variant in variants]
        bars_axes.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                         ncols=min(len(variants), 6), frameon=False, fontsize=9)
        if radar:
            _radar(radar_axes, present, scored, colors, shared)
        notes = []
        if any(name not in present[variant] for variant in scored for name, _ in drawn):
            notes.append("no bar: dimension not run for that variant")
        if radar and len(shared) < len(drawn):
            notes.append("radar shows only dimensions every variant has; left out: "
                         + ", ".join(label for name, label in drawn if (name, label) not in shared))
        elif len(drawn) >= 3 and not radar:
            notes.append("no radar: fewer than 3 dimensions were run for every variant")
        if notes:
            figure.supxlabel("; ".join(notes), fontsize=8, color="#555555")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _colors(variants: list[str]) -> dict[str, str]:
    palette = itertools.cycle(PALETTE)
    return {variant: DENSE_COLOR if variant == DENSE.id else next(palette) for variant in variants}


def _bars(axes: Axes, present: dict[str, dict[str, float]], variants: list[str], colors: dict[str, str],
          drawn: list[tuple[str, str]]) -> None:
    """One bar per (variant, dimension) that has a score, labelled with it."""
    width = 0.8 / len(variants)
    for index, variant in enumerate(variants):
        positions = [position for position, (name, _) in enumerate(drawn) if name in present[variant]]
        heights = [present[variant][drawn[position][0]] for position in positions]
        offset = (index - (len(variants) - 1) / 2) * width
        container = axes.bar(np.add(positions, offset), heights, width, color=colors[variant])
        for position, rectangle in zip(positions, container.patches):
            rectangle.set_gid(f"bar:{variant}:{drawn[position][0]}")
        axes.bar_label(container, fmt="{:.1f}", padding=2, rotation=90, fontsize=6)
    axes.set_xticks(range(len(drawn)), [label for _, label in drawn], rotation=25, ha="right", fontsize=9)
    axes.set_xlim(-0.5, len(drawn) - 0.5)
    axes.set_ylim(0, 112)  # headroom for the value labels of bars near 100
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel("score (higher = more trustworthy)")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def radar_axes(axes: PolarAxes, labels: list[str], fontsize: float) -> np.ndarray:
    """A polar axes set up as a radar over `labels` (clockwise from the top, scores 0-100); the closed
    ring of angles that `radar_polygon` draws on. The trust chart and the study's radars share it."""
    angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False)
    axes.set_theta_offset(np.pi / 2)
    axes.set_theta_direction(-1)
    axes.set_xticks(angles, labels, fontsize=fontsize)
    axes.set_ylim(0, 100)
    return np.append(angles, angles[0])


def radar_polygon(axes: PolarAxes, closed: np.ndarray, values: list[float], color: str, width: float,
                  variant: str | None = None, fill: float = 0.0) -> None:
    """One closed polygon; a variant's carries the id "radar:<variant>" (the report's tests find it by it)."""
    (line,) = axes.plot(closed, values + values[:1], color=color, linewidth=width)
    if variant is not None:
        line.set_gid(f"radar:{variant}")
    if fill:
        axes.fill(closed, values + values[:1], color=color, alpha=fill)


def _radar(axes: PolarAxes, present: dict[str, dict[str, float]], scored: list[str], colors: dict[str, str],
           shared: list[tuple[str, str]]) -> None:
    """One closed polygon per scored variant over the dimensions all of them have."""
    closed = radar_axes(axes, [label for _, label in shared], fontsize=7)
    for variant in scored:
        radar_polygon(axes, closed, [present[variant][name] for name, _ in shared], colors[variant], 1.5, variant, 0.08)
    axes.tick_params(axis="x", pad=2)
    for angle, text in zip(closed[:-1], axes.get_xticklabels()):  # labels grow away from the circle
        side = math.sin(angle)
        text.set_horizontalalignment("left" if side > 0.1 else "right" if side < -0.1 else "center")
    axes.set_yticks([20, 40, 60, 80], ["20", "40", "60", "80"], fontsize=6, color="#777777")
