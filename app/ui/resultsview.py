"""Results of the followed batch: the ranked gallery (rank, score, interval, CTR where known), the score chart,
the win-matrix heatmap, downloads, and the pickers that open a pair's comparison.

Images are <img> tags on the host's ownership-checked /media route; downloads are links to the REST export
routes (also ownership-checked), never files in Gradio's cache.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import gradio as gr
from sqlalchemy.orm import Session

from app.models import User
from app.services import access, outcomes, results
from app.services.results import CreativeView, EntryView
from app.ui import charts, rerun
from app.ui.context import reading
from app.ui.render import STRATEGY_LABELS, empty, esc, section, when

# Clicks on cards and heatmap cells become one "click" event carrying the ids (handled in pairs.py).
CLICK_JS = """
element.addEventListener('click', (event) => {
  const cell = event.target.closest('[data-a][data-b]');
  if (cell) { trigger('click', {a: Number(cell.dataset.a), b: Number(cell.dataset.b)}); return; }
  const card = event.target.closest('[data-cid]');
  if (!card) return;
  const picked = element.querySelectorAll('.c4u-card.c4u-picked');
  if (!card.classList.contains('c4u-picked') && picked.length >= 2) picked[0].classList.remove('c4u-picked');
  card.classList.toggle('c4u-picked');
  trigger('click', {creative: Number(card.dataset.cid)});
});
"""


def _ctr(deliveries: dict[int, outcomes.Delivery], creative_id: int) -> str:
    d = deliveries.get(creative_id)
    if d is None or not d.impressions:
        return ""
    return f'<div class="c4u-ctr">CTR {d.ctr:.2%} <span class="c4u-sub">({d.impressions:,} impressions)</span></div>'


def _entry_card(e: EntryView, deliveries: dict[int, outcomes.Delivery], position: int, shared: int) -> str:
    # Creatives whose intervals overlap share a rank: the badge is the order by score, the caption the rank.
    tie = f", shared by {shared}" if shared > 1 else ""
    top = position == 1
    return (
        f'<figure class="c4u-card{" c4u-top" if top else ""}" data-cid="{int(e.creative_id)}" tabindex="0" '
        f'title="Click two images to compare them">'
        f'<img src="{esc(e.thumb_url)}" alt="{esc(e.filename)}" loading="lazy">'
        f'<figcaption><div class="c4u-name"><span class="c4u-rank">#{position}</span> {esc(e.filename)}</div>'
        f"{'<div class=c4u-best>Model pick</div>' if top else ''}"
        f'<div class="c4u-score">score <b>{e.score:+.2f}</b> <span class="c4u-sub">90% interval '
        f"{e.ci_low:+.2f} to {e.ci_high:+.2f}</span></div>"
        f'<div class="c4u-sub">rank {e.rank}{tie} · {e.wins} wins · {e.losses} losses · {e.ties} ties</div>'
        f"{_ctr(deliveries, e.creative_id)}</figcaption></figure>"
    )


def _creative_card(c: CreativeView) -> str:
    img = f'<img src="{esc(c.thumb_url)}" alt="{esc(c.filename)}" loading="lazy">' if c.thumb_url else ""
    note = esc(c.error) if c.error else {"pending": "waiting to be checked", "valid": "checked"}.get(c.status, "")
    return (
        f'<figure class="c4u-card" data-cid="{int(c.id)}">{img}<figcaption>'
        f'<div class="c4u-name">{esc(c.filename)}</div><div class="c4u-sub">{esc(note)}</div></figcaption></figure>'
    )


def gallery(view: results.ResultsView, creatives: list[CreativeView], deliveries: dict[int, Any]) -> str:
    if view.entries:
        shared = Counter(e.rank for e in view.entries)
        cards = "".join(_entry_card(e, deliveries, i, shared[e.rank]) for i, e in enumerate(view.entries, start=1))
        hint = "Ranked best first. Click two images (or a heatmap cell) to see why one beat the other."
    else:
        cards = "".join(_creative_card(c) for c in creatives)
        hint = "The ranking appears here when the batch is ranked."
    return f'<p class="c4u-sub">{hint}</p><div class="c4u-gallery">{cards or empty("No images.")}</div>'


def _header(summary: results.BatchSummary, view: results.ResultsView) -> str:
    strategy = STRATEGY_LABELS.get(summary.strategy, summary.strategy)
    if summary.strategy == "top_k":
        strategy += f" (k = {summary.top_k})"
    budget = f" · budget {summary.budget_calls} calls" if summary.budget_calls else ""
    links = ""
    if view.entries:
        links = (
            f'<a class="c4u-button" href="/api/v1/batches/{summary.id}/export.csv" download>Download CSV</a>'
            f'<a class="c4u-button" href="/api/v1/batches/{summary.id}/export.json" download>Download JSON</a>'
        )
    return (
        f'<div class="c4u-row"><h2>Results</h2><span class="c4u-spacer"></span>{links}</div>'
        f'<p class="c4u-sub">{summary.n_creatives} images · {esc(strategy)}{budget} · {view.calls_used} model calls'
        f" used · model {esc(view.comparator_version or 'not chosen yet')} · created {when(summary.created_at)}</p>"
    )


def _outcomes(session: Session, user: User, batch_id: int, imported: bool) -> str:
    agreement = outcomes.outcome_agreement(session, batch_id, user=user)
    if not agreement.labelled:
        # Outcomes imported but no clear CTR winner yet: say so, so an import visibly landed.
        return section("Real clicks against the model", "", agreement.summary) if imported else ""
    rows = "".join(
        f"<tr><td>{a.winner_id}</td><td>{a.winner_ctr:.2%}</td><td>{a.loser_id}</td><td>{a.loser_ctr:.2%}</td>"
        f"<td>{'' if a.model_p_winner is None else f'{a.model_p_winner:.2f}'}</td><td>{esc(a.verdict)}</td></tr>"
        for a in agreement.pairs
    )
    table = (
        '<table class="c4u-table"><thead><tr><th>CTR winner</th><th>CTR</th><th>loser</th><th>CTR</th>'
        f"<th>model P(winner)</th><th>model</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return section("Real clicks against the model", table, agreement.summary)


def choices(view: results.ResultsView, creatives: list[CreativeView]) -> list[tuple[str, int]]:
    if view.entries:
        return [(f"#{e.rank} {e.filename}", e.creative_id) for e in view.entries]
    return [(c.filename, c.id) for c in creatives if c.status == "valid"]


def load(batch_id: int | None, request: gr.Request) -> tuple[Any, ...]:
    """Everything on the results panel for one batch: header, gallery, chart, heatmap, outcomes, the choices
    of the pair pickers and of the ranking feedback, and the model versions it can be re-run with."""
    if not batch_id:
        blank = empty("No batch open.")
        none = gr.Dropdown(choices=[], value=None)
        return blank, "", "", "", "", none, none, none, none
    with reading(request) as (_rt, session, user):
        summary = results.batch_summary(session, user, int(batch_id))
        view = results.results(session, user, summary.id)
        creatives = results.creatives(session, user, summary.id)
        deliveries = outcomes.batch_deliveries(session, access.get_batch(session, user, summary.id).id)
        ctr_html = _outcomes(session, user, summary.id, bool(deliveries))
        versions = rerun.version_choices(session, user, summary.id)
    names = {c.id: c.filename for c in creatives}
    picks = choices(view, creatives)
    chart = section("Scores with 90% intervals", charts.score_chart(view.entries), "Overlapping bars share a rank.")
    heat = section("Win matrix", charts.win_matrix(view.creative_ids, names, view.win_matrix))
    leader = [(label, cid) for label, cid in picks if cid != summary.leader_creative_id]
    return (
        _header(summary, view),
        gallery(view, creatives, deliveries),
        chart,
        heat,
        ctr_html,
        gr.Dropdown(choices=picks, value=None),
        gr.Dropdown(choices=picks, value=None),
        gr.Dropdown(choices=leader, value=None),
        gr.Dropdown(choices=versions, value=None),
    )


def outcome_parts(batch_id: int | None, request: gr.Request) -> tuple[Any, Any]:
    """The gallery (CTR on the cards) and the real-clicks section, after an import."""
    parts = load(batch_id, request)
    return parts[1], parts[4]
