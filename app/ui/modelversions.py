"""Admin tab, model versions: evaluate a version on an export's held-out pairs (side by side with the active
one), promote an evaluated version, roll back to the one promoted before. The same service calls, in the same
transactions, as the admin REST API (app.web.api.admin); every handler re-checks the admin role."""

from __future__ import annotations

from typing import Any

import gradio as gr
from sqlalchemy import select

from app.models import Export, ModelVersion
from app.services import registry
from app.services.errors import Conflict
from app.ui.context import UIError, current_user, require_admin, ui_errors
from app.ui.render import esc, notice, when


def _id(value: Any, what: str) -> int:
    if value is None or value == "":
        raise UIError(f"Choose {what} first.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UIError(f"No such {what.removeprefix('a ').removeprefix('an ')}.") from None


def pickers(version: Any, export: Any, request: gr.Request) -> tuple[Any, Any]:
    """The version and export choices, newest first; the current picks are kept while they still exist."""
    rt, _ = current_user(request, admin=True)
    with rt.db.session() as session:
        require_admin(session, request)
        versions = [
            (f"{m.id}: {m.name} ({m.status}{', evaluated' if m.evaluation else ''})", m.id)
            for m in session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()))
        ]
        exports = [
            (f"Export {e.id}: {_pairs(e)} · {when(e.created_at)}", e.id)
            for e in session.scalars(select(Export).where(Export.path != "").order_by(Export.id.desc()))
        ]

    def keep(value: Any, choices: list[tuple[str, int]]) -> Any:
        return value if value in {v for _, v in choices} else None

    return (
        gr.Dropdown(choices=versions, value=keep(version, versions)),
        gr.Dropdown(choices=exports, value=keep(export, exports)),
    )


def _pairs(export: Export) -> str:
    pairs = (export.counts or {}).get("pairs", {})
    return f"{pairs.get('total', 0)} pairs, {pairs.get('test', 0)} held out"


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return esc(value)


def evaluation_table(report: dict[str, Any], name: str) -> str:
    from app.services.evaluation import side_by_side

    rows = "".join(
        f"<tr><td>{esc(metric)}</td><td>{_number(cand)}</td><td>{_number(active)}</td></tr>"
        for metric, cand, active in side_by_side(report)
    )
    active_id = report.get("active_version_id")
    beside = "no version is active yet" if report.get("active") is None else f"beside active version {active_id}"
    return (
        f"<p>{esc(name)} on {report['pairs']} held-out pairs ({esc(beside)}):</p>"
        '<table class="c4u-table c4u-evaluation"><thead><tr><th>metric</th><th>this version</th><th>active</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def evaluate(version: Any, export: Any, request: gr.Request) -> str:
    """Runs in this event, as in the REST API: quick for the fake and features backends; an MLLM version loads
    its model here. The evaluation is stored on the version (promotion needs it)."""
    from app.services.evaluation import build_comparator, evaluate_version, resolve_dataset

    rt, _ = current_user(request, admin=True)
    version_id, export_id = _id(version, "a model version"), _id(export, "an export")
    settings = rt.settings
    with rt.db.transaction() as session, ui_errors():
        me = require_admin(session, request)
        row = registry.get_version(session, version_id)  # refused before any work
        dataset = resolve_dataset(session, None, export_id)
        report = evaluate_version(session, me, row.id, dataset, build=lambda r: build_comparator(r, settings))
        name = row.name
    return notice(f"Evaluated {name}; the result is stored with the version.", "ok") + evaluation_table(report, name)


def promote(version: Any, request: gr.Request) -> str:
    """A refusal (not evaluated, already active) stays on the panel as an error, not a passing toast."""
    rt, _ = current_user(request, admin=True)
    version_id = _id(version, "a model version")
    with rt.db.transaction() as session, ui_errors():
        me = require_admin(session, request)
        try:
            row = registry.promote(session, me, version_id)
        except Conflict as refused:
            return notice(f"Not promoted: {refused}", "error")
        name = row.name
    return notice(f"{name} is now the active version: new batches use it; running ones keep theirs.", "ok")


def rollback(request: gr.Request) -> str:
    rt, _ = current_user(request, admin=True)
    with rt.db.transaction() as session, ui_errors():
        me = require_admin(session, request)
        try:
            row = registry.rollback(session, me)
        except Conflict as refused:
            return notice(f"Not rolled back: {refused}", "error")
        name = row.name
    return notice(f"Rolled back: {name} is the active version again.", "ok")
