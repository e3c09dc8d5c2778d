"""Small HTML pieces the pages share. Everything from users or models goes through `esc`."""

from __future__ import annotations

import html
from datetime import UTC, datetime

STATUS_LABELS = {
    "draft": ("Draft", "grey"),
    "validating": ("Checking images", "blue"),
    "planned": ("Queued", "blue"),
    "comparing": ("Comparing", "blue"),
    "ranked": ("Ranked", "green"),
    "failed": ("Failed", "red"),
    "cancelled": ("Cancelled", "grey"),
}
STRATEGY_LABELS = {"knockout": "Best one", "top_k": "Top k", "round_robin": "Full ranking"}
FINAL_STATUSES = ("ranked", "failed", "cancelled")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def badge(status: str) -> str:
    label, tone = STATUS_LABELS.get(status, (status.title(), "grey"))
    return f'<span class="c4u-badge c4u-{tone}">{esc(label)}</span>'


def chips(items: list[str], limit: int = 12) -> str:
    shown = "".join(f'<span class="c4u-chip">{esc(q)}</span>' for q in items[:limit])
    more = f'<span class="c4u-muted"> +{len(items) - limit} more</span>' if len(items) > limit else ""
    return shown + more


def notice(message: str, tone: str = "info") -> str:
    return f'<div class="c4u-notice c4u-notice-{tone}">{esc(message)}</div>'


def empty(message: str) -> str:
    return f'<div class="c4u-empty">{esc(message)}</div>'


def thumb(creative_id: int, alt: str, size: str = "") -> str:
    # Only the host's ownership-checked route: never a Gradio file URL.
    src = f"/media/creatives/{int(creative_id)}/thumb"
    return f'<img class="c4u-thumb {size}" src="{src}" alt="{esc(alt)}" loading="lazy">'


def full_image(creative_id: int, alt: str) -> str:
    return f'<img class="c4u-full" src="/media/creatives/{int(creative_id)}/image" alt="{esc(alt)}">'


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def section(title: str, body: str, subtitle: str = "") -> str:
    sub = f'<p class="c4u-sub">{esc(subtitle)}</p>' if subtitle else ""
    return f'<section class="c4u-section"><h3>{esc(title)}</h3>{sub}{body}</section>'
