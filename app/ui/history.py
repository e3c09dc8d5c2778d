"""Batch history with search; opening one follows it on the Batch tab."""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.services import access, results
from app.ui.context import UIError, reading
from app.ui.render import STRATEGY_LABELS, badge, empty, esc, thumb, when

OPEN_JS = """
element.addEventListener('click', (event) => {
  const row = event.target.closest('[data-bid]');
  if (row) trigger('click', {batch: Number(row.dataset.bid)});
});
"""


def history(search: str, request: gr.Request) -> str:
    with reading(request) as (_rt, session, user):
        rows = results.list_batches(session, user, search=search or "", limit=100)
    if not rows:
        return empty("No batches match." if search else "No batches yet: start one on the New batch tab.")
    body = "".join(
        f'<tr data-bid="{b.id}" tabindex="0" title="Open this batch">'
        f"<td>{thumb(b.leader_creative_id, 'leader', 'c4u-tiny') if b.leader_creative_id else ''}</td>"
        f'<td>#{b.id}</td><td><b>{esc(b.product_title)}</b><div class="c4u-sub">{esc(b.name)}</div></td>'
        f"<td>{badge(b.status)}</td><td>{b.n_creatives}</td><td>{esc(STRATEGY_LABELS.get(b.strategy, b.strategy))}</td>"
        f"<td>{b.progress_done}/{b.progress_total}</td><td>{when(b.created_at)}</td></tr>"
        for b in rows
    )
    return (
        '<table class="c4u-table c4u-history"><thead><tr><th></th><th>id</th><th>product</th><th>status</th>'
        "<th>images</th><th>strategy</th><th>calls</th><th>created</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def open_batch(evt: gr.EventData, request: gr.Request) -> tuple[int, Any]:
    """A click on a history row: follow that batch (after the ownership check) on the Batch tab."""
    data: dict[str, Any] = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
    return open_by_id(data.get("batch"), request)


def open_by_id(batch_id: Any, request: gr.Request) -> tuple[int, Any]:
    try:
        wanted = int(batch_id)
    except (TypeError, ValueError):
        raise UIError("No such batch.") from None
    with reading(request) as (_rt, session, user):
        batch = access.get_batch(session, user, wanted)
    return batch.id, gr.Tabs(selected="batch")
