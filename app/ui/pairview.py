"""One pair's comparison: both images side by side, the verdict and confidence in both orders, the protocol
table (answers of the second order flipped back to A/B) and the full reasoning of each call."""

from __future__ import annotations

from app.services.results import CreativeView, OrderView, PairDetail
from app.ui.render import empty, esc, full_image

try:  # The MLLM engineer's protocol is the source of the question texts.
    from selector.protocol import PROTOCOL

    QUESTIONS: list[tuple[int, str]] = [(q.number, q.en) for q in PROTOCOL]
except ImportError:  # pragma: no cover - only while selector.protocol is missing
    QUESTIONS = [
        (1, "Are the two images the same?"),
        (2, "Are they so similar that no judgement is possible?"),
        (3, "Hit rate on the queries"),
        (4, "Hit rate on the title"),
        (5, "Text in image"),
        (6, "Models and props"),
        (7, "Layout"),
        (8, "Product subject"),
        (9, "Background design"),
        (10, "Which image is the user more likely to click?"),
    ]

FLIP = {"A>B": "A<B", "A<B": "A>B", "A": "B", "B": "A"}
ANSWER_CLASS = {"A>B": "win", "A": "win", "A<B": "lose", "B": "lose", "A=B": "even"}


def flip(answer: str | None) -> str | None:
    """An answer given with B shown first, said from A's side."""
    if answer is None:
        return None
    return FLIP.get(answer, answer)


def _answer_cell(answer: str | None) -> str:
    if not answer:
        return '<td class="c4u-muted">—</td>'
    return f'<td class="c4u-ans {ANSWER_CLASS.get(answer, "")}">{esc(answer)}</td>'


def _protocol_value(order: OrderView | None, number: int) -> str | None:
    if order is None or not order.protocol:
        return None
    value = order.protocol.get(str(number), order.protocol.get(number))  # type: ignore[call-overload]
    return None if value is None else str(value).strip().upper()


def protocol_table(forward: OrderView | None, backward: OrderView | None) -> str:
    rows = []
    for number, text in QUESTIONS:
        a_first = _protocol_value(forward, number)
        b_first = flip(_protocol_value(backward, number))
        rows.append(
            f'<tr><td class="c4u-qn">{number}</td><td>{esc(text)}</td>'
            f"{_answer_cell(a_first)}{_answer_cell(b_first)}</tr>"
        )
    return (
        '<table class="c4u-protocol"><thead><tr><th>#</th><th>Question</th><th>A shown first</th>'
        "<th>B shown first</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        '<p class="c4u-sub">Both columns read from A\'s side: A&gt;B means A does better. '
        "The second call's answers are flipped back.</p>"
    )


def _order_summary(order: OrderView | None, a_first: bool) -> str:
    title = "A shown first" if a_first else "B shown first"
    if order is None:
        return f'<div class="c4u-order"><h4>{title}</h4>{empty("Not asked.")}</div>'
    if order.status != "done" or order.p_first is None:
        return f'<div class="c4u-order"><h4>{title}</h4>{empty(f"Status: {order.status}.")}</div>'
    p_a = order.p_first if a_first else 1.0 - order.p_first
    said = order.answer if a_first else flip(order.answer)
    pick = "A" if p_a > 0.5 else ("B" if p_a < 0.5 else "neither")
    parsed = "" if order.parse_ok else '<span class="c4u-badge c4u-grey">answer read from probabilities</span>'
    return (
        f'<div class="c4u-order"><h4>{title}</h4><div class="c4u-big">Picks {pick}</div>'
        f'<div class="c4u-meter"><span style="width:{p_a * 100:.0f}%"></span></div>'
        f'<div class="c4u-sub">P(A wins) = {p_a:.2f} · written answer: {esc(said or "none")} {parsed}</div></div>'
    )


def _card(label: str, creative: CreativeView, winner: bool) -> str:
    crown = '<span class="c4u-badge c4u-green">Model pick</span>' if winner else ""
    size = f"{creative.width}×{creative.height}" if creative.width else ""
    return (
        f'<figure class="c4u-pair-card{" c4u-winner" if winner else ""}">'
        f"<figcaption><b>{label}</b> {esc(creative.filename)} {crown}</figcaption>"
        f"{full_image(creative.id, creative.filename)}"
        f'<div class="c4u-sub">{esc(size)}</div></figure>'
    )


def _reasoning(order: OrderView | None, title: str, first: CreativeView, second: CreativeView) -> str:
    if order is None or not (order.reasoning or order.raw_text):
        return ""
    text = order.reasoning or order.raw_text or ""
    # The model's own text names images by position; say which file each letter was in that call.
    legend = f"In this text, A is {esc(first.filename)} and B is {esc(second.filename)}."
    return f'<div class="c4u-reasoning"><h4>{title}</h4><p class="c4u-sub">{legend}</p><pre>{esc(text)}</pre></div>'


def pair_detail(detail: PairDetail, outcome: str = "") -> str:
    """`outcome`: HTML shown under the verdict (real CTRs, where imported)."""
    a, b = detail.creative_a, detail.creative_b
    forward = next((o for o in detail.orders if o.first_id == a.id), None)
    backward = next((o for o in detail.orders if o.first_id == b.id), None)
    if detail.p_a_wins is None:
        verdict = "Not judged yet."
    elif detail.winner_id is None:
        verdict = "A tie: the two orders disagree, or the model could not separate the images."
    else:
        name = a.filename if detail.winner_id == a.id else b.filename
        letter = "A" if detail.winner_id == a.id else "B"
        confidence = max(detail.p_a_wins, 1 - detail.p_a_wins)
        verdict = f"Image {letter} ({esc(name)}) is more likely to be clicked · confidence {confidence:.0%}"
    return (
        f'<div class="c4u-pair">{_card("A", a, detail.winner_id == a.id)}'
        f"{_card('B', b, detail.winner_id == b.id)}</div>"
        f'<div class="c4u-verdict">{verdict}</div>{outcome}'
        f'<div class="c4u-orders">{_order_summary(forward, True)}{_order_summary(backward, False)}</div>'
        f"<h4>Creative Evaluation Protocol</h4>{protocol_table(forward, backward)}"
        f"<h4>Reasoning</h4>{_reasoning(forward, 'A shown first', a, b)}{_reasoning(backward, 'B shown first', b, a)}"
    )
