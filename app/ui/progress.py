"""Live progress of the batch being followed: a bar with comparisons done, the ETA and the current leader.

A gr.Timer polls this once a second; each tick is one owner-scoped read (results.progress) and stops itself
when the batch has finished.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.services import access, lifecycle, results
from app.services.results import Progress
from app.ui.context import UIError, current_user, reading, ui_errors
from app.ui.queries import eta_seconds
from app.ui.render import FINAL_STATUSES, badge, chips, duration, empty, esc, thumb

STEP = {
    "draft": "Waiting to be started.",
    "validating": "Checking the images (decoding each one safely).",
    "planned": "Images checked; waiting for a comparison worker.",
    "comparing": "The model is comparing pairs of images.",
    "ranked": "Done: the ranking is ready.",
    "failed": "The batch failed.",
    "cancelled": "The batch was cancelled.",
}


def _bar(p: Progress, what: str) -> str:
    pct = p.fraction * 100
    return (
        f'<div class="c4u-progress" role="progressbar" aria-valuenow="{pct:.0f}" aria-valuemin="0" '
        f'aria-valuemax="100"><span style="width:{pct:.1f}%"></span></div>'
        f'<div class="c4u-progress-text"><b>{p.done}</b> of <b>{p.total or "?"}</b> {what} · {pct:.0f}%</div>'
    )


def render_progress(batch_id: int | None, request: gr.Request) -> tuple[str, str]:
    """(HTML, status). The status is "" when no batch is followed."""
    if not batch_id:
        return empty("Start a batch, or open one from History, to follow it here."), ""
    with reading(request) as (_rt, session, user):
        batch = access.get_batch(session, user, int(batch_id))
        p = results.progress(session, user, batch.id)
        leader = access.get_creative(session, user, p.leader_creative_id) if p.leader_creative_id else None
        eta = eta_seconds(batch, p.done, p.total) if p.status == "comparing" else None
        rejected = [c for c in access.batch_creatives(session, user, batch.id) if c.status == "rejected"]
        title, queries, version = batch.product_title, list(batch.queries or []), batch.comparator_version
    what = "images checked" if p.status == "validating" else "model calls done"
    facts = [f"Round {p.current_round}" if p.current_round else ""]
    if eta is not None:
        facts.append(f"About {duration(eta)} left")
    if version:
        facts.append(f"Model {esc(version)}")
    lead = ""
    if leader is not None:
        lead = (
            f'<div class="c4u-leader">{thumb(leader.id, leader.filename, "c4u-small")}'
            f'<div><div class="c4u-sub">{"Winner" if p.status == "ranked" else "Current leader"}</div>'
            f"<b>{esc(leader.filename)}</b></div></div>"
        )
    bad = ""
    if rejected:
        items = "".join(f"<li>{esc(c.error or c.filename)}</li>" for c in rejected)
        bad = (
            f'<p class="c4u-bad">{len(rejected)} image(s) rejected when checked:</p><ul class="c4u-files">{items}</ul>'
        )
    error = f'<div class="c4u-notice c4u-notice-error">{esc(p.error)}</div>' if p.error and p.status != "ranked" else ""
    html = (
        f'<div class="c4u-progress-card" data-status="{esc(p.status)}">'
        f'<div class="c4u-row"><h3>#{batch.id} {esc(title)}</h3>{badge(p.status)}</div>'
        f'<div class="c4u-chips">{chips(queries)}</div>'
        f'<p class="c4u-step">{esc(STEP.get(p.status, p.status))}</p>{_bar(p, what)}'
        f'<div class="c4u-facts">{" · ".join(f for f in facts if f)}</div>{lead}{error}{bad}</div>'
    )
    return html, p.status


RUNNING = ("validating", "planned", "comparing")


def cancel(batch_id: int | None, request: gr.Request) -> tuple[str, Any, str]:
    """Stop the followed batch (its open comparisons are dropped); the card then shows it cancelled."""
    if not batch_id:
        raise UIError("No batch to cancel.")
    rt, user = current_user(request)
    with ui_errors():
        if not lifecycle.cancel_batch(rt, user, int(batch_id)):
            gr.Info("This batch had already finished.")
    html, status = render_progress(batch_id, request)
    return html, gr.Timer(active=False), status


def tick(batch_id: int | None, last_status: str, request: gr.Request) -> tuple[str, Any, str]:
    """Timer tick: the progress card, the timer kept on while the batch runs, and the status (its change
    loads the results)."""
    html, status = render_progress(batch_id, request)
    running = bool(status) and status not in FINAL_STATUSES
    return html, gr.Timer(active=running), status
