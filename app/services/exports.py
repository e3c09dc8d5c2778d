"""Admin export of labelled pairs for training: CTR winners and marketer feedback, with provenance, filtered by
date, advertiser and label source, split train/test by product, written in TRL's vision-language formats.

A pair's label is the creative that won: the higher CTR (the outcome rule, `LabelRule`) or the image a marketer
preferred. Labels of one pair from several sources are merged; pairs whose sources disagree are dropped and
counted. Every pair becomes two ordered examples. The reasoning for SFT/DPO comes from stored verdicts of the
same ordered pair that agreed (chosen) or disagreed (rejected) with the label; when only the other order has
an accepted verdict, its reasoning is mirrored (letters swapped).
"""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, Creative, Export, Feedback, Outcome, User, utcnow
from app.services.errors import Forbidden, InvalidInput
from app.services.outcome_labels import Delivery, LabelRule, derive_pairs
from app.storage import Storage

SOURCES = ("ctr", "feedback")


@dataclass(frozen=True)
class ExportFilters:
    since: date | None = None  # labels from this day on (outcome period end / feedback date)
    until: date | None = None  # up to and including this day
    advertiser_ids: tuple[int, ...] = ()  # batch owners; empty: everyone
    sources: tuple[str, ...] = SOURCES
    test_fraction: float = 0.2  # share of pairs held out, whole products at a time
    seed: int = 0
    min_impressions: int = 1000
    min_relative_diff: float = 0.6
    label_method: str = "paper"

    def __post_init__(self) -> None:
        bad = [s for s in self.sources if s not in SOURCES]
        if bad or not self.sources:
            raise InvalidInput(f"Label sources must be among {', '.join(SOURCES)}.")
        if not 0.0 <= self.test_fraction < 1.0:
            raise InvalidInput("The test fraction must be in [0, 1).")
        if self.since and self.until and self.until < self.since:
            raise InvalidInput("The date range ends before it starts.")

    @property
    def rule(self) -> LabelRule:
        try:
            return LabelRule(self.min_impressions, self.min_relative_diff, method=self.label_method)  # type: ignore[arg-type]
        except ValueError as error:
            raise InvalidInput(str(error)) from error

    def as_json(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
                for k, v in asdict(self).items()}  # fmt: skip


@dataclass
class LabelledPair:
    batch_id: int
    winner_id: int
    loser_id: int
    sources: set[str] = field(default_factory=set)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, int]:
        low, high = sorted((self.winner_id, self.loser_id))
        return (self.batch_id, low, high)


@dataclass(frozen=True)
class ExportResult:
    id: int
    path: str
    counts: dict[str, Any]


def _in_range(day: date | None, filters: ExportFilters) -> bool:
    if day is None:
        return filters.since is None and filters.until is None
    return (filters.since is None or day >= filters.since) and (filters.until is None or day <= filters.until)


def _outcome_day(o: Outcome) -> date:
    return o.period_end or o.period_start or o.imported_at.date()


def _day(moment: datetime) -> date:
    return moment.date()


def ctr_pairs(session: Session, batches: Sequence[Batch], filters: ExportFilters) -> list[LabelledPair]:
    ids = [b.id for b in batches]
    totals: dict[int, dict[int, list[int]]] = defaultdict(dict)
    stmt = select(Outcome, Creative.batch_id).join(Creative, Creative.id == Outcome.creative_id)
    for outcome, batch_id in session.execute(stmt.where(Creative.batch_id.in_(ids))):
        if _in_range(_outcome_day(outcome), filters):
            t = totals[batch_id].setdefault(outcome.creative_id, [0, 0])
            t[0] += outcome.impressions
            t[1] += outcome.clicks
    out = []
    for batch_id, per_creative in totals.items():
        deliveries = {cid: Delivery(*t) for cid, t in per_creative.items()}
        for p in derive_pairs(deliveries, filters.rule):
            details = {"winner_ctr": p.winner_ctr, "loser_ctr": p.loser_ctr, "p_value": p.p_value,
                       "impressions": min(p.winner_impressions, p.loser_impressions)}  # fmt: skip
            out.append(LabelledPair(batch_id, p.winner, p.loser, {"ctr"}, details))
    return out


def feedback_pairs(session: Session, batches: Sequence[Batch], filters: ExportFilters) -> list[LabelledPair]:
    """Comparison feedback that names a preferred image, and ranking feedback that names another winner."""
    stmt = select(Feedback).where(
        Feedback.batch_id.in_([b.id for b in batches]), Feedback.preferred_creative_id.is_not(None)
    )
    out = []
    for f in session.scalars(stmt.order_by(Feedback.id)):
        if not _in_range(_day(f.created_at), filters) or f.creative_a_id is None or f.creative_b_id is None:
            continue
        winner = f.preferred_creative_id
        loser = f.creative_b_id if winner == f.creative_a_id else f.creative_a_id
        if winner is None or loser == winner:
            continue
        details = {"feedback_id": f.id, "feedback_verdict": f.verdict}
        out.append(LabelledPair(f.batch_id, winner, loser, {"feedback"}, details))
    return out


def merge(pairs: Sequence[LabelledPair]) -> tuple[list[LabelledPair], int]:
    """One label per unordered pair; (merged pairs, number dropped because their labels disagree)."""
    by_key: dict[tuple[int, int, int], LabelledPair] = {}
    conflicted: set[tuple[int, int, int]] = set()
    for p in pairs:
        seen = by_key.get(p.key)
        if seen is None:
            by_key[p.key] = LabelledPair(p.batch_id, p.winner_id, p.loser_id, set(p.sources), dict(p.details))
        elif seen.winner_id != p.winner_id:
            conflicted.add(p.key)
        else:
            seen.sources |= p.sources
            seen.details.update(p.details)
    return [p for k, p in sorted(by_key.items()) if k not in conflicted], len(conflicted)


def product_key(batch: Batch) -> str:
    return " ".join(batch.product_title.lower().split())


def split_by_product(groups: dict[str, int], test_fraction: float, seed: int) -> set[str]:
    """Products held out: whole products, in a seeded hash order, until `test_fraction` of the pairs.
    With two or more products, both sides get at least one (when test_fraction > 0)."""
    if test_fraction <= 0 or not groups:
        return set()
    order = sorted(groups, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).hexdigest())
    total, held, test = sum(groups.values()), 0, set()
    for key in order:
        if held >= test_fraction * total:
            break
        test.add(key)
        held += groups[key]
    if len(test) == len(groups) and len(groups) > 1:
        test.discard(order[len(test) - 1])
    return test


def _verdicts(session: Session, batch_ids: Sequence[int]) -> dict[tuple[int, int], list[Comparison]]:
    """Judged comparisons with readable reasoning, by ordered pair (the batch's own version first)."""
    current = dict(session.execute(select(Batch.id, Batch.comparator_version).where(Batch.id.in_(batch_ids))).all())
    stmt = select(Comparison).where(
        Comparison.batch_id.in_(batch_ids), Comparison.status == "done", Comparison.answer.is_not(None)
    )
    out: dict[tuple[int, int], list[Comparison]] = defaultdict(list)
    for c in session.scalars(stmt.order_by(Comparison.id)):
        if (c.reasoning or "").strip():
            out[(c.first_id, c.second_id)].append(c)
    for rows in out.values():
        rows.sort(key=lambda c: c.comparator_version != current.get(c.batch_id))
    return out


def _texts(verdicts: list[Comparison], label: str) -> tuple[str | None, str | None, str]:
    # Only a cleanly parsed verdict teaches the output format; any wrong one will do as a rejected example.
    chosen = next((c for c in verdicts if c.answer == label and c.parse_ok), None)
    rejected = next((c for c in verdicts if c.answer != label), None)
    return (
        chosen.reasoning if chosen else None,
        rejected.reasoning if rejected else None,
        chosen.comparator_version if chosen else "",
    )


def ordered_examples(
    pair: LabelledPair,
    batch: Batch,
    creatives: dict[int, Creative],
    verdicts: dict[tuple[int, int], list[Comparison]],
) -> list[Any]:
    from selector.training.formats import OrderedExample, mirror_reasoning
    from selector.types import Brief

    language: Literal["en", "zh"] = "zh" if batch.language == "zh" else "en"
    brief = Brief(batch.product_title, tuple(str(q) for q in batch.queries or ()), language)
    w, lo = pair.winner_id, pair.loser_id
    orders = {"forward": (w, lo, "A"), "backward": (lo, w, "B")}
    texts = {name: _texts(verdicts.get((a, b), []), label) for name, (a, b, label) in orders.items()}
    out = []
    for name, (a, b, label) in orders.items():
        chosen, rejected, version = texts[name]
        chosen_from = "verdict" if chosen else ""
        mirror = texts["backward" if name == "forward" else "forward"]
        if chosen is None and mirror[0]:
            chosen, chosen_from, version = mirror_reasoning(mirror[0]), "mirror", mirror[2]
        provenance = {
            "batch_id": batch.id, "advertiser_id": batch.owner_id, "first_creative_id": a, "second_creative_id": b,
            "winner_ctr": pair.details.get("winner_ctr"), "loser_ctr": pair.details.get("loser_ctr"),
            "feedback_id": pair.details.get("feedback_id"), "chosen_from": chosen_from, "chosen_version": version,
        }  # fmt: skip
        out.append(
            OrderedExample(
                pair_id=f"b{batch.id}-{min(w, lo)}-{max(w, lo)}", order=name, brief=brief,  # type: ignore[arg-type]
                first_image=creatives[a].sha256, second_image=creatives[b].sha256, label=label,  # type: ignore[arg-type]
                source="+".join(sorted(pair.sources)), chosen=chosen, rejected=rejected, provenance=provenance,
            )
        )  # fmt: skip
    return out


def create_export(
    session: Session,
    user: User,
    filters: ExportFilters | None = None,
    *,
    storage: Storage | None = None,
    out_dir: Path | None = None,
) -> ExportResult:
    """Collect, split and write labelled pairs (admins only); records an Export row. The caller commits."""
    if not user.is_admin:
        raise Forbidden("Only admins can export training data.")
    filters = filters or ExportFilters()
    if storage is None or out_dir is None:
        from app.runtime import get_runtime

        runtime = get_runtime()
        storage = storage or runtime.storage
        out_dir = out_dir or runtime.settings.export_dir
    stmt = select(Batch)
    if filters.advertiser_ids:
        stmt = stmt.where(Batch.owner_id.in_(filters.advertiser_ids))
    batches = {b.id: b for b in session.scalars(stmt.order_by(Batch.id))}
    found: list[LabelledPair] = []
    if "ctr" in filters.sources:
        found += ctr_pairs(session, list(batches.values()), filters)
    if "feedback" in filters.sources:
        found += feedback_pairs(session, list(batches.values()), filters)
    pairs, conflicts = merge(found)
    used = sorted({p.batch_id for p in pairs})
    creatives = {c.id: c for c in session.scalars(select(Creative).where(Creative.batch_id.in_(used)))}
    pairs = [p for p in pairs if creatives[p.winner_id].storage_key and creatives[p.loser_id].storage_key]
    if not pairs:
        raise InvalidInput(
            f"No labelled pairs match these filters ({conflicts} dropped as conflicting); nothing exported."
        )
    groups: dict[str, int] = defaultdict(int)
    for p in pairs:
        groups[product_key(batches[p.batch_id])] += 1
    held_out = split_by_product(groups, filters.test_fraction, filters.seed)
    verdicts = _verdicts(session, used)
    splits: dict[str, list[Any]] = {"train": [], "test": []}
    split_pairs: dict[str, list[LabelledPair]] = {"train": [], "test": []}
    for p in pairs:
        batch = batches[p.batch_id]
        split = "test" if product_key(batch) in held_out else "train"
        splits[split] += ordered_examples(p, batch, creatives, verdicts)
        split_pairs[split].append(p)
    images: dict[str, tuple[bytes, str]] = {}
    for cid in {i for p in pairs for i in (p.winner_id, p.loser_id)}:
        c = creatives[cid]
        images[str(c.sha256)] = (storage.get(str(c.storage_key)), str(c.storage_key).rsplit(".", 1)[-1])
    export = Export(created_by=user.id, filters=filters.as_json(), status="writing")
    session.add(export)
    session.flush()
    root = Path(out_dir) / f"export-{export.id:04d}"
    if root.exists():  # left by another database (ids restart): never mix two exports in one folder
        root = root.with_name(f"{root.name}-{utcnow():%Y%m%dT%H%M%S%f}")
    by_source: dict[str, int] = defaultdict(int)
    for p in pairs:
        by_source["+".join(sorted(p.sources))] += 1
    info = {
        "export_id": export.id,
        "filters": filters.as_json(),
        "pairs": {"total": len(pairs), "train": len(split_pairs["train"]), "test": len(split_pairs["test"]),
                  "by_source": dict(by_source), "conflicts": conflicts},
        "products": {s: len({product_key(batches[p.batch_id]) for p in ps}) for s, ps in split_pairs.items()},
        "batches": len(used),
        "advertisers": len({batches[b].owner_id for b in used}),
        "images": len(images),
    }  # fmt: skip
    from selector.training.dataset_writer import write_export

    try:
        manifest = write_export(root, splits, images, info)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)  # the row rolls back with the caller's transaction; so does the folder
        raise
    export.path, export.counts, export.status = str(root), {k: v for k, v in manifest.items() if k != "filters"}, "done"
    session.flush()
    return ExportResult(export.id, str(root), export.counts)
