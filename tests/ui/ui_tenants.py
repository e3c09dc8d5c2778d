"""UI test helpers: two advertisers and an admin, each with a judged and ranked batch (real rows, real stored
images), and gr.Request objects carrying a real session cookie, as Gradio hands them to event handlers."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image
from starlette.requests import Request

PASSWORD = "correct horse battery"
_shade = itertools.count(1)


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (96, 96)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def gradio_request(token: str | None) -> gr.Request:
    """What Gradio passes a handler: the HTTP request of the event, with the host's session cookie."""
    headers = [(b"cookie", f"c4u_session={token}".encode())] if token else []
    scope = {"type": "http", "method": "POST", "path": "/ui/gradio_api/queue/join", "headers": headers}
    return gr.Request(request=Request(scope))


@dataclass
class Tenant:
    user_id: int
    email: str
    batch_id: int
    draft_id: int
    creative_ids: list[int]
    draft_creative_ids: list[int]
    comparison_ids: list[int]
    marker: str  # unique text in the tenant's titles, filenames and reasoning: searched for in responses
    request: gr.Request


def seed(runtime: Any, email: str, role: str = "advertiser") -> Tenant:
    from app.models import Batch, Comparison, Creative, Ranking, RankingEntry, utcnow
    from app.services import auth
    from app.services.users import create_user

    marker = f"mk{next(_shade)}q{email.split('@')[0]}"
    storage = runtime.storage
    with runtime.db.transaction() as session:
        user = create_user(session, email, PASSWORD, role=role)
        batch = Batch(
            owner_id=user.id, name=f"{marker} batch", product_title=f"{marker} running shoes", queries=[marker],
            strategy="round_robin", top_k=1, status="ranked", progress_done=6, progress_total=6,
            comparator_version="fake-v1", finished_at=utcnow(), current_round=1,
        )  # fmt: skip
        draft = Batch(owner_id=user.id, name=f"{marker} draft", product_title=f"{marker} draft", status="draft")
        session.add_all([batch, draft])
        session.flush()

        def creative(target: Batch, i: int, valid: bool) -> Creative:
            data = png_bytes(((next(_shade) * 37) % 256, i * 60, 200))
            up_key, sha = storage.put("uploads", data, "bin")
            c = Creative(
                batch_id=target.id, filename=f"{marker}-{i}.png", upload_sha256=sha, upload_key=up_key,
                upload_bytes=len(data), status="pending",
            )  # fmt: skip
            if valid:
                c.status, c.sha256, c.width, c.height, c.format = "valid", sha, 96, 96, "PNG"
                c.storage_key, _ = storage.put("images", data, "png")
                c.thumb_key, _ = storage.put("thumbs", data, "jpg")
            session.add(c)
            return c

        creatives = [creative(batch, i, True) for i in range(3)]
        drafts = [creative(draft, i, False) for i in range(2)]
        session.flush()
        comparisons = []
        for a, b in itertools.permutations(creatives, 2):
            p = 0.8 if creatives.index(a) < creatives.index(b) else 0.2
            comp = Comparison(
                batch_id=batch.id, first_id=a.id, second_id=b.id, comparator_version="fake-v1", status="done",
                p_first=p, answer="A" if p > 0.5 else "B", reasoning=f"{marker} reasoning",
                protocol={"3": "A>B", "10": "A" if p > 0.5 else "B"}, raw_text=f"<think>{marker}</think>",
                parse_ok=True, round=1,
            )  # fmt: skip
            session.add(comp)
            comparisons.append(comp)
        ranking = Ranking(batch_id=batch.id, comparator_version="fake-v1", strategy="round_robin", calls_used=6)
        session.add(ranking)
        session.flush()
        for rank, c in enumerate(creatives, start=1):
            session.add(
                RankingEntry(
                    ranking_id=ranking.id, creative_id=c.id, score=1.0 - rank, ci_low=0.5 - rank,
                    ci_high=1.5 - rank, rank=rank, wins=4 - 2 * (rank - 1), losses=2 * (rank - 1), ties=0,
                )
            )  # fmt: skip
        batch.leader_creative_id = creatives[0].id
        token = auth.open_session(session, user, runtime.settings)
        return Tenant(
            user.id, user.email, batch.id, draft.id, [c.id for c in creatives], [c.id for c in drafts],
            [c.id for c in comparisons], marker, gradio_request(token),
        )  # fmt: skip
