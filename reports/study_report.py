"""The study report of one model: its compression x trust matrix drawn, with the findings.

One matplotlib figure (object API, as reports/chart.py: no pyplot, text kept as text, byte-identical
output for identical input) with four panels: the heatmap of dimension x variant (score, drop against
dense with the bounds its drop gate decided on, * where a drop is shown, a frame where a gate fails, a
dashed frame where one is undecided),
benign utility drop against mean trust drop per variant, the seed spread of calibrated variants run
with several seeds, and a radar per variant over the dense model's. Written as study.png and as
study.html, a standalone page with the same figure (SVG), the recommendation, the findings and the
matrix as a table.
"""

from __future__ import annotations

import html
import io
import math
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Rectangle

from compressed_trust.fixtures.models.variants import DENSE
from compressed_trust.reports.chart import DENSE_COLOR, PALETTE, RC, radar_axes, radar_polygon
from compressed_trust.reports.study import UTILITY, Matrix, findings, mean_trust_drop, recommendation, seed_groups
from trust_tests.dimension import dimension
from trust_tests.gates import thresholds

DROP_SCALE = 20.0  # points: the heatmap's colours saturate at a drop (or gain) this large


def study_figure(matrix: Matrix) -> Figure:
    seeded = seed_groups(matrix)
    figure = Figure(figsize=(max(10.0, 1.1 * len(matrix.variants) + 3), 19 if seeded else 15), layout="constrained")
    figure.suptitle(f"Compression x trust: {matrix.model}, {matrix.tier} tier")
    top, middle, bottom = figure.subfigures(3, 1, height_ratios=(1.3, 1, 1.1))
    _heatmap(top, matrix)
    panels = middle.subplots(1, 2 if seeded else 1, squeeze=False)[0]
    _scatter(panels[0], matrix)
    if seeded:
        _seeds(panels[1], matrix, seeded)
    _radars(bottom, matrix)
    return figure


def _heatmap(place: SubFigure, matrix: Matrix) -> None:
    axes = place.subplots()
    drops = np.array([[(c.drop if (c := matrix.cell(d, v)) and c.drop is not None else np.nan) for v in matrix.variants]
                      for d in matrix.dimensions])
    norm = TwoSlopeNorm(vmin=-DROP_SCALE, vcenter=0.0, vmax=DROP_SCALE)
    image = axes.imshow(np.clip(drops, -DROP_SCALE, DROP_SCALE), cmap="RdBu_r", norm=norm, aspect="auto")
    for row, name in enumerate(matrix.dimensions):
        for column, variant in enumerate(matrix.variants):
            cell = matrix.cell(name, variant)
            if cell is None:
                continue
            text = f"{cell.score:.1f}"
            if cell.drop is not None:
                text += f"\n{cell.change}\n{cell.interval}"
            dark = cell.drop is not None and abs(cell.drop) > 0.6 * DROP_SCALE
            label = axes.text(column, row, text, ha="center", va="center", fontsize=6.5, linespacing=1.15,
                              weight="bold" if cell.fails else "normal", color="white" if dark else "black")
            label.set_gid(f"heatmap:{name}:{variant}")
            if cell.failed or cell.undecided:  # solid: a gate fails; dashed: one is undecided
                axes.add_patch(Rectangle((column - 0.48, row - 0.48), 0.96, 0.96, fill=False, edgecolor="#111111",
                                         linewidth=1.6, linestyle="-" if cell.failed else "--"))
    axes.set_xticks(range(len(matrix.variants)), matrix.variants, rotation=30, ha="right", fontsize=8)
    axes.set_yticks(range(len(matrix.dimensions)), [dimension(d).title for d in matrix.dimensions], fontsize=8)
    axes.set_title("score, change against dense with its drop gate's bounds (* a drop shown; framed: a gate fails; "
                   "dashed: a gate undecided)", fontsize=9)
    place.colorbar(image, ax=axes, label="drop against dense (points)", shrink=0.8)


def _scatter(axes, matrix: Matrix) -> None:
    """Utility drop against mean trust drop: the study's point is the variants high on the trust axis
    and near zero on the utility one."""
    limit = _limit(matrix, UTILITY)
    trust_limit = min((_limit(matrix, d) for d in matrix.trust), default=5.0)
    axes.axhspan(trust_limit, max(trust_limit * 3, 1), xmin=0, xmax=1, color="#fbe3d6", zorder=0)
    axes.axvline(limit, color="#999999", linestyle="--", linewidth=0.8)
    axes.axhline(trust_limit, color="#999999", linestyle="--", linewidth=0.8)
    for index, variant in enumerate(matrix.compressed):
        utility = matrix.cell(UTILITY, variant)
        trust = mean_trust_drop(matrix, variant)
        if utility is None or utility.drop is None or trust is None:
            continue
        point = axes.scatter([utility.drop], [trust], color=PALETTE[index % len(PALETTE)], s=36, zorder=3)
        point.set_gid(f"scatter:{variant}")
        axes.annotate(variant, (utility.drop, trust), textcoords="offset points", xytext=(4, 4), fontsize=7)
    axes.set_xlabel("benign utility drop against dense (points)")
    axes.set_ylabel("mean trust drop against dense (points)")
    axes.set_title("utility against trust (shaded: trust lost beyond the drop limit)", fontsize=9)
    axes.grid(color="#eeeeee", linewidth=0.6)


def _seeds(axes, matrix: Matrix, groups: dict[str, list[str]]) -> None:
    """Each seed's score per trust dimension, one row of dots per calibrated variant."""
    for row, (base, members) in enumerate(groups.items()):
        for offset, name in enumerate(matrix.trust):
            scores = [c.score for v in members if (c := matrix.cell(name, v))]
            x = row * (len(matrix.trust) + 1) + offset
            axes.scatter([x] * len(scores), scores, color=PALETTE[row % len(PALETTE)], s=12, gid=f"seeds:{base}:{name}")
    ticks = [row * (len(matrix.trust) + 1) + offset
             for row in range(len(groups)) for offset in range(len(matrix.trust))]
    axes.set_xticks(ticks, [dimension(d).title for _ in groups for d in matrix.trust], rotation=60, ha="right",
                    fontsize=6)
    axes.set_ylim(0, 100)
    axes.set_ylabel("score")
    axes.set_title("seed spread: " + ", ".join(f"{base} ({len(members)} seeds)" for base, members in groups.items()),
                   fontsize=9)


def _radars(place: SubFigure, matrix: Matrix) -> None:
    """A radar per compressed variant over the trust dimensions, the dense model's polygon beneath."""
    shown = [d for d in matrix.trust if matrix.cell(d, DENSE.id)]
    if len(shown) < 3 or not matrix.compressed:
        place.text(0.5, 0.5, "no radar: fewer than 3 trust dimensions have a dense result", ha="center")
        return
    columns = min(6, len(matrix.compressed))
    rows = math.ceil(len(matrix.compressed) / columns)
    dense = [matrix.cell(d, DENSE.id).score for d in shown]
    for index, variant in enumerate(matrix.compressed):
        axes = place.add_subplot(rows, columns, index + 1, projection="polar")
        closed = radar_axes(axes, [dimension(d).short for d in shown], fontsize=5)
        radar_polygon(axes, closed, dense, DENSE_COLOR, 1)
        values = [(c.score if (c := matrix.cell(d, variant)) else np.nan) for d in shown]
        radar_polygon(axes, closed, values, PALETTE[index % len(PALETTE)], 1.4, variant)
        axes.set_yticks([50], [""])
        axes.set_title(variant, fontsize=8)


def _limit(matrix: Matrix, name: str) -> float:
    return thresholds(name, matrix.model).max_drop


def _table(matrix: Matrix) -> str:
    # each variant with the weights measured (the same id built on another CPU type is another model)
    head = "".join(f"<th>{'<br>'.join(map(html.escape, (v, *matrix.artifacts.get(v, ()))))}</th>"
                   for v in matrix.variants)
    rows = []
    for name in matrix.dimensions:
        cells = []
        for variant in matrix.variants:
            cell = matrix.cell(name, variant)
            if cell is None:
                cells.append("<td>-</td>")
                continue
            lines = [f"{cell.score:.1f}"] if cell.drop is None else [f"{cell.score:.1f} {cell.change}", cell.interval]
            if cell.failed:
                lines.append(f"fails: {', '.join(cell.failed)}")
            if cell.undecided:
                lines.append(f"undecided: {', '.join(cell.undecided)}")
            shown = "failed" if cell.failed else "undecided" if cell.undecided else ""
            cells.append(f'<td class="{shown}">{"<br>".join(map(html.escape, lines))}</td>')
        rows.append(f"<tr><th>{html.escape(dimension(name).title)}</th>{''.join(cells)}</tr>")
    return f'<div class="matrix"><table><tr><th>dimension</th>{head}</tr>{"".join(rows)}</table></div>'


def page(matrix: Matrix, svg: str) -> str:
    found = findings(matrix)
    items = "".join(f"<li>{html.escape(f.text)}</li>" for f in found) or (
        "<li>No finding: no variant's results differ from the dense model's by enough to state one.</li>")
    title = f"Compression x trust: {matrix.model}, {matrix.tier} tier"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:110em}} table{{border-collapse:collapse;font-size:80%}}
td,th{{border:1px solid #ccc;padding:.3em;white-space:nowrap}} div.matrix{{overflow-x:auto}} \
td.failed{{font-weight:bold;background:#fbe3d6}} td.undecided{{background:#fdf3c4}} svg{{max-width:100%;height:auto}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p><strong>{html.escape(recommendation(matrix))}</strong></p>
<h2>Findings</h2><ul>{items}</ul>
<h2>Figure</h2>
<figure>{svg}<figcaption>Heatmap of score and drop per dimension and variant; benign utility drop against mean
trust drop per variant (scatter);{" the spread of calibration seeds;" if seed_groups(matrix) else ""} a radar per
variant over the dense model's.</figcaption></figure>
<h2>Matrix</h2>{_table(matrix)}
<p>Each cell: the score and its change in points against the dense model (* a drop shown: its drop gate's
lower bound lies above zero), that gate's bounds, the gates that fail and those undecided at this tier.</p>
</body></html>
"""


def write(matrix: Matrix, directory: Path) -> tuple[Path, Path]:
    """study.html and study.png in `directory` (identical files for identical results: a report
    redrawn from stored results is the one the run wrote); returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(RC):
        figure = study_figure(matrix)
        svg = io.StringIO()
        figure.savefig(svg, format="svg", metadata={"Date": None})
        figure.savefig(directory / "study.png", format="png", dpi=110, metadata={"Software": None})
    svg_text = svg.getvalue()
    svg_text = svg_text[svg_text.index("<svg"):]  # inline: without the XML prolog and doctype
    (directory / "study.html").write_text(page(matrix, svg_text), encoding="utf-8")
    return directory / "study.html", directory / "study.png"
