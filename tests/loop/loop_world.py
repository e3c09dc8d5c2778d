"""Loop test helpers: a migrated database with users, stored images, batches with verdicts."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

PASSWORD = "correct horse battery"
_shades = itertools.count(1)


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (56, 56)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    """A migrated database with one admin and one advertiser, and storage for images."""

    db: object  # app.db.Database
    storage: object  # app.storage.Storage
    admin_id: int
    advertiser_id: int

    def user(self, session, user_id: int):  # type: ignore[no-untyped-def]
        from app.models import User

        return session.get(User, user_id)

    def make_batch(
        self,
        session,  # type: ignore[no-untyped-def]
        title: str,
        n: int = 3,
        owner_id: int | None = None,
        verdicts: dict[tuple[int, int], float] | None = None,
        comparator_version: str = "fake-v1",
    ) -> tuple[int, list[int]]:
        """A ranked batch of `n` stored images named img0.png...; `verdicts[(i, j)]` is p_first for image i
        shown before image j (indices), written as done comparisons."""
        from app.models import Batch, Comparison, Creative

        batch = Batch(
            owner_id=owner_id or self.advertiser_id, name=title, product_title=title, queries=["red", "sale"],
            strategy="round_robin", status="ranked", comparator_version=comparator_version,
        )  # fmt: skip
        session.add(batch)
        session.flush()
        ids = []
        for i in range(n):
            shade = (next(_shades) * 37) % 256
            data = png_bytes((shade, (i * 60) % 256, 200))
            up_key, sha = self.storage.put("uploads", data, "bin")  # type: ignore[attr-defined]
            key, _ = self.storage.put("images", data, "png")  # type: ignore[attr-defined]
            c = Creative(
                batch_id=batch.id, filename=f"img{i}.png", status="valid", upload_sha256=sha, upload_key=up_key,
                upload_bytes=len(data), sha256=sha, storage_key=key, width=56, height=56, format="PNG",
            )  # fmt: skip
            session.add(c)
            session.flush()
            ids.append(c.id)
        for (i, j), p in (verdicts or {}).items():
            answer = "A" if p > 0.5 else "B"
            session.add(
                Comparison(
                    batch_id=batch.id, first_id=ids[i], second_id=ids[j], comparator_version=comparator_version,
                    status="done", p_first=p, answer=answer, reasoning=f"Q3: A>B\nimage {i} vs {j}",
                    raw_text=f"<think>image {i} vs {j}</think><answer>{answer}</answer>", parse_ok=True,
                )
            )  # fmt: skip
        session.flush()
        return batch.id, ids


def both_orders(winner_first: Sequence[tuple[int, int]], p: float = 0.8) -> dict[tuple[int, int], float]:
    """Verdicts where, for each (w, l), the model prefers w in both orders."""
    out: dict[tuple[int, int], float] = {}
    for w, lo in winner_first:
        out[(w, lo)] = p
        out[(lo, w)] = 1 - p
    return out
