"""Import click outcomes for the followed batch from a CSV (creative_id or filename, impressions, clicks[,
conversions, period]) through the same service as the REST API and the CLI.

The import is all-or-nothing: a file with problems writes nothing, and every problem is listed (row, column,
reason) so the person can fix them all at once. The uploaded file is read once, bounded, and deleted from
Gradio's cache.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.services import access, outcomes
from app.ui.context import UIError, writing
from app.ui.newbatch import discard, file_paths
from app.ui.render import esc, notice

# MAX_ROWS rows of a few dozen bytes each fit easily; anything larger is not an outcomes export.
MAX_CSV_BYTES = 8 * 1024 * 1024


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CSV_BYTES + 1)
    except OSError:
        raise UIError("The uploaded file could not be read; upload it again.") from None
    if len(data) > MAX_CSV_BYTES:
        raise UIError(f"The file is over {MAX_CSV_BYTES // (1024 * 1024)} MB; split it into smaller files.")
    return data


def problems(error: outcomes.OutcomeImportError) -> str:
    """Every problem of a refused file, one line each, in file order."""
    items = "".join(f"<li><b>row {e.row}</b>, <code>{esc(e.column)}</code>: {esc(e.reason)}</li>" for e in error.errors)
    return (
        f'<div class="c4u-notice c4u-notice-error" data-problems="{len(error.errors)}">Nothing was imported: '
        f"{len(error.errors)} problem(s) in the file. Fix them all and import the file again.</div>"
        f'<ul class="c4u-files c4u-rejected c4u-problems">{items}</ul>'
    )


def import_outcomes(batch_id: int | None, files: Any, request: gr.Request) -> tuple[str, Any]:
    """(message, the file picker cleared). On success the caller reloads the results (CTR on the cards, the
    agreement line); a refused file leaves the results as they were."""
    paths = file_paths(files if isinstance(files, list) else [files] if files else [])
    try:
        with writing(request) as (_rt, session, user):
            # The batch is checked before the file is read: another tenant's id is refused like a missing one.
            batch = access.get_batch(session, user, int(batch_id)) if batch_id else None
            if batch is None:
                raise UIError("Open a batch first.")
            if not paths:
                raise UIError("Choose a CSV file of impressions and clicks first.")
            data = _read(paths[0])
            try:
                result = outcomes.import_csv(session, user, batch.id, data, source="csv")
            except outcomes.OutcomeImportError as error:
                return problems(error), gr.File(value=None)
            agreement = outcomes.outcome_agreement(session, batch.id, user=user).summary
    finally:
        discard(paths)
    replaced = f", {result.replaced} replaced" if result.replaced else ""
    message = (
        f"Imported {result.inserted + result.replaced} row(s) ({result.inserted} new{replaced}). "
        f"{result.labelled_pairs} pair(s) now have a clear CTR winner. {agreement}"
    )
    return notice(message, "ok"), gr.File(value=None)
