"""Opening a pair's comparison (from two picked cards, a heatmap cell, or the two pickers) and feedback on it
and on the ranking. Every id arrives from the browser and is checked against the current user."""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.services import access, feedback, outcomes, results
from app.ui.context import UIError, reading, writing
from app.ui.pairview import pair_detail
from app.ui.queries import comparison_for_pair
from app.ui.render import notice

VERDICTS = [("Agree with the model", "agree"), ("I prefer the other image", "prefer_other"), ("Tie", "tie")]


def _id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UIError("That is not an image of this batch.") from None


def open_pair(batch_id: int | None, a: Any, b: Any, request: gr.Request) -> tuple[str, int | None]:
    """The comparison panel for images a and b of the batch, and the comparison id feedback will refer to."""
    a_id, b_id = _id(a), _id(b)
    if not batch_id or a_id is None or b_id is None:
        raise UIError("Pick two images of the open batch.")
    with reading(request) as (_rt, session, user):
        comparison_id = comparison_for_pair(session, user, int(batch_id), a_id, b_id)
        detail = results.comparison_detail(session, user, comparison_id)
        deliveries = outcomes.batch_deliveries(session, detail.batch_id)
    return pair_detail(detail, _clicks(detail, deliveries)), comparison_id


def _clicks(detail: results.PairDetail, deliveries: dict[int, Any]) -> str:
    """Real CTRs of the two images next to the verdict, where outcomes were imported."""
    a, b = deliveries.get(detail.creative_a.id), deliveries.get(detail.creative_b.id)
    if a is None or b is None or not a.impressions or not b.impressions:
        return ""
    real = "A" if a.ctr > b.ctr else "B" if b.ctr > a.ctr else "neither"
    return (
        f'<div class="c4u-notice c4u-notice-info">Real clicks: A {a.ctr:.2%} of {a.impressions:,} impressions · '
        f"B {b.ctr:.2%} of {b.impressions:,} · higher CTR: {real}</div>"
    )


def on_click(
    batch_id: int | None, picked: list[int] | None, evt: gr.EventData, request: gr.Request
) -> tuple[list[int], Any, Any, Any, int | None]:
    """A click in the gallery or heatmap: a heatmap cell opens its pair; cards are picked two at a time."""
    data: dict[str, Any] = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
    picked = [int(x) for x in (picked or [])][-2:]
    if "a" in data and "b" in data:
        a, b = _id(data["a"]), _id(data["b"])
        html, cid = open_pair(batch_id, a, b, request)
        return [], gr.update(value=a), gr.update(value=b), html, cid
    creative = _id(data.get("creative"))
    if creative is None:
        return picked, gr.update(), gr.update(), gr.update(), None
    picked = [p for p in picked if p != creative] if creative in picked else [*picked, creative][-2:]
    if len(picked) < 2:
        # Still checked: the id must be one of the user's images before it is echoed back into a picker.
        with reading(request) as (_rt, session, user):
            access.get_creative(session, user, creative)
        return picked, gr.update(value=picked[0] if picked else None), gr.update(value=None), gr.update(), None
    html, cid = open_pair(batch_id, picked[0], picked[1], request)
    return picked, gr.update(value=picked[0]), gr.update(value=picked[1]), html, cid


def comparison_feedback(comparison_id: int | None, verdict: str, comment: str, request: gr.Request) -> str:
    if not comparison_id:
        raise UIError("Open a comparison first.")
    with writing(request) as (_rt, session, user):
        saved = feedback.on_comparison(session, user, int(comparison_id), verdict or "", comment or "")
        saved_id = saved.id
    return notice(f"Thank you: feedback #{saved_id} saved on this comparison.", "ok")


def ranking_feedback(batch_id: int | None, verdict: str, preferred: Any, comment: str, request: gr.Request) -> str:
    if not batch_id:
        raise UIError("Open a batch first.")
    with writing(request) as (_rt, session, user):
        saved = feedback.on_ranking(
            session, user, int(batch_id), verdict or "", comment or "", preferred_creative_id=_id(preferred)
        )
        saved_id = saved.id
    return notice(f"Thank you: feedback #{saved_id} saved on the ranking.", "ok")
