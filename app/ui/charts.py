"""Charts drawn as inline SVG and HTML (no plotting library in the web image): scores with intervals, and the
win matrix as a heatmap whose cells open the pair's comparison."""

from __future__ import annotations

from app.services.results import EntryView
from app.ui.render import empty, esc

ROW_H = 34
LABEL_W = 190
PLOT_W = 460
PAD = 16


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def score_chart(entries: list[EntryView]) -> str:
    """One row per creative in rank order: the interval as a bar, the score as a dot."""
    if not entries:
        return empty("Scores appear here once the batch is ranked.")
    low = min(e.ci_low for e in entries)
    high = max(e.ci_high for e in entries)
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    margin = (high - low) * 0.05
    low, high = low - margin, high + margin

    def x(value: float) -> float:
        return LABEL_W + (value - low) / (high - low) * PLOT_W

    height = PAD * 2 + ROW_H * len(entries) + 24
    width = LABEL_W + PLOT_W + PAD * 2
    parts = [
        f'<svg class="c4u-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Scores with 90% intervals" xmlns="http://www.w3.org/2000/svg">'
    ]
    axis_y = PAD + ROW_H * len(entries) + 4
    for tick in _ticks(low, high):
        tx = x(tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{PAD}" x2="{tx:.1f}" y2="{axis_y}" class="grid"/>')
        parts.append(f'<text x="{tx:.1f}" y="{axis_y + 16}" class="tick" text-anchor="middle">{tick:.2f}</text>')
    for i, e in enumerate(entries):
        cy = PAD + ROW_H * i + ROW_H / 2
        label = e.filename if len(e.filename) <= 24 else e.filename[:22] + "…"
        tone = "lead" if e.rank == 1 else "rest"
        parts.append(f'<text x="{LABEL_W - 10}" y="{cy + 4:.1f}" class="label" text-anchor="end">{esc(label)}</text>')
        parts.append(
            f'<line x1="{x(e.ci_low):.1f}" y1="{cy:.1f}" x2="{x(e.ci_high):.1f}" y2="{cy:.1f}" class="ci {tone}"/>'
        )
        parts.append(f'<circle cx="{x(e.score):.1f}" cy="{cy:.1f}" r="6" class="dot {tone}">')
        parts.append(
            f"<title>{esc(e.filename)}: score {e.score:.2f}, "
            f"interval {e.ci_low:.2f} to {e.ci_high:.2f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _cell_colour(p: float) -> str:
    # Diverging: red (loses) through white (even) to green (wins).
    if p >= 0.5:
        t = (p - 0.5) * 2
        r, g, b = int(255 - t * (255 - 46)), int(255 - t * (255 - 160)), int(255 - t * (255 - 90))
    else:
        t = (0.5 - p) * 2
        r, g, b = int(255 - t * (255 - 214)), int(255 - t * (255 - 69)), int(255 - t * (255 - 65))
    return f"rgb({r},{g},{b})"


def win_matrix(ids: list[int], names: dict[int, str], matrix: list[list[float | None]]) -> str:
    """Row beats column with the shown probability; a click on a judged cell opens that pair."""
    if len(ids) < 2 or not matrix:
        return empty("The win matrix appears once pairs are judged.")
    head = "".join(f'<th title="{esc(names.get(c, c))}">#{i + 1}</th>' for i, c in enumerate(ids))
    rows = []
    for i, row_id in enumerate(ids):
        cells = []
        for j, col_id in enumerate(ids):
            p = matrix[i][j] if i < len(matrix) and j < len(matrix[i]) else None
            if i == j:
                cells.append('<td class="c4u-diag"></td>')
            elif p is None:
                cells.append('<td class="c4u-unjudged" title="not compared">·</td>')
            else:
                title = f"{names.get(row_id, row_id)} beats {names.get(col_id, col_id)}: {p:.0%}"
                cells.append(
                    f'<td class="c4u-cell" style="background:{_cell_colour(p)}" data-a="{int(row_id)}" '
                    f'data-b="{int(col_id)}" title="{esc(title)}">{p:.2f}</td>'
                )
        name = names.get(row_id, str(row_id))
        short = name if len(name) <= 22 else name[:20] + "…"
        rows.append(f'<tr><th class="c4u-rowhead">#{i + 1} {esc(short)}</th>{"".join(cells)}</tr>')
    return (
        '<table class="c4u-heatmap"><thead><tr><th></th>'
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + '</tbody></table><p class="c4u-sub">Row beats column with this probability (both orders averaged). '
        "Click a cell to open that comparison.</p>"
    )
