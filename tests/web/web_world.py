"""Two tenants' judged batches for the web tests, and the constants they share; importable by a unique name
(every folder's conftest is called `conftest`, so `from conftest import ...` depends on load order)."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass
class Seeded:
    """Ids of one tenant's judged batch."""

    user_id: int
    email: str
    batch_id: int
    creative_ids: list[int]
    comparison_ids: list[int]
    feedback_id: int
    marker: str  # a unique string in the batch's title and filenames, to search responses for leaks
    extra: dict[str, Any] = field(default_factory=dict)


_colors = itertools.count(1)


def seed_tenant(runtime: Any, email: str, role: str = "advertiser", marker: str = "") -> Seeded:
    from app.models import Batch, Comparison, Creative, Feedback, Ranking, RankingEntry, utcnow
    from app.services.users import create_user

    marker = marker or f"mark{next(_colors)}x"
    storage = runtime.storage
    with runtime.db.transaction() as session:
        user = create_user(session, email, PASSWORD, role=role)
        batch = Batch(
            owner_id=user.id, name=f"{marker} batch", product_title=f"{marker} running shoes", queries=["shoes"],
            strategy="round_robin", top_k=1, status="ranked", progress_done=6, progress_total=6,
            comparator_version="fake-v1", finished_at=utcnow(),
        )  # fmt: skip
        session.add(batch)
        session.flush()
        creatives = []
        for i in range(3):
            shade = (next(_colors) * 37) % 256
            data = png_bytes((shade, i * 60, 200))
            up_key, sha = storage.put("uploads", data, "bin")
            key, _ = storage.put("images", data, "png")
            thumb, _ = storage.put("thumbs", png_bytes((shade, i * 60, 100), (16, 12)), "jpg")
            c = Creative(
                batch_id=batch.id, filename=f"{marker}-{i}.png", status="valid", upload_sha256=sha,
                upload_key=up_key, upload_bytes=len(data), sha256=sha, storage_key=key, thumb_key=thumb,
                width=64, height=48, format="PNG",
            )  # fmt: skip
            session.add(c)
            creatives.append(c)
        session.flush()
        comparisons = []
        for a, b in itertools.permutations(creatives, 2):
            # Lower index wins, in both orders.
            p = 0.8 if creatives.index(a) < creatives.index(b) else 0.2
            comp = Comparison(
                batch_id=batch.id, first_id=a.id, second_id=b.id, comparator_version="fake-v1", status="done",
                p_first=p, answer="A" if p > 0.5 else "B", reasoning=f"{marker} reasoning", protocol={"10": "A"},
                raw_text=f"<think>{marker}</think><answer>A</answer>", parse_ok=True,
            )  # fmt: skip
            session.add(comp)
            comparisons.append(comp)
        ranking = Ranking(batch_id=batch.id, comparator_version="fake-v1", strategy="round_robin", calls_used=6)
        session.add(ranking)
        session.flush()
        for rank, c in enumerate(creatives, start=1):
            session.add(
                RankingEntry(
                    ranking_id=ranking.id,
                    creative_id=c.id,
                    score=1.0 - rank,
                    ci_low=0.5 - rank,
                    ci_high=1.5 - rank,
                    rank=rank,
                    wins=4 - 2 * (rank - 1),
                    losses=2 * (rank - 1),
                    ties=0,
                )
            )
        batch.leader_creative_id = creatives[0].id
        session.flush()
        fb = Feedback(
            user_id=user.id, batch_id=batch.id, kind="comparison", comparison_id=comparisons[0].id,
            creative_a_id=creatives[0].id, creative_b_id=creatives[1].id, verdict="agree", comment=f"{marker} note",
        )  # fmt: skip
        session.add(fb)
        session.flush()
        return Seeded(
            user.id, user.email, batch.id, [c.id for c in creatives], [c.id for c in comparisons], fb.id, marker
        )
