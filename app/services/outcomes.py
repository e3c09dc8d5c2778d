"""Real click outcomes: import a batch's impressions and clicks (CSV or rows), derive CTR-labelled pairs, and
say how often the model agreed with the CTR winner.

Import validates every row first and reports every problem (row, column, reason); only a clean file is
written, all at once in the caller's transaction, so nothing is ever half-imported. Re-importing a creative
for the same period and source replaces its figures (an import can be corrected by importing again).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, Creative, Outcome, User
from app.services import access
from app.services.errors import InvalidInput, NotFound
from app.services.outcome_labels import CtrPair, Delivery, LabelRule, derive_pairs
from app.services.results import combine_orders

MAX_ROWS = 10_000
COUNT_COLUMNS = ("impressions", "clicks", "conversions")


@dataclass(frozen=True)
class RowError:
    row: int  # the file's line number (the header is row 1); for rows given as a list, 1 + their index
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


class OutcomeImportError(InvalidInput):
    """The file had problems; nothing was imported. `errors` lists every one."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        shown = "; ".join(str(e) for e in self.errors[:10])
        more = f" (and {len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(f"Nothing was imported: {len(self.errors)} problem(s): {shown}{more}")


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    inserted: int
    replaced: int
    labelled_pairs: int  # CTR-labelled pairs in the batch after the import (default rule)


@dataclass(frozen=True)
class _Row:
    creative_id: int
    impressions: int
    clicks: int
    conversions: int | None
    period_start: date | None
    period_end: date | None


def _creative_lookup(creatives: Iterable[Creative]) -> tuple[dict[str, Creative], dict[str, list[Creative]]]:
    by_id = {str(c.id): c for c in creatives}
    by_name: dict[str, list[Creative]] = {}
    for c in by_id.values():
        by_name.setdefault(c.filename.strip().lower(), []).append(c)
    return by_id, by_name


def _find_creative(
    ref: str, by_id: dict[str, Creative], by_name: dict[str, list[Creative]]
) -> tuple[Creative | None, str]:
    if ref in by_id:
        return by_id[ref], ""
    named = by_name.get(ref.lower(), [])
    if len(named) == 1:
        return named[0], ""
    if len(named) > 1:
        return None, f"{len(named)} images in this batch are named {ref!r}; use the creative id"
    return None, f"no image {ref!r} (id or filename) in this batch"


def _count(value: object, column: str, errors: list[RowError], row: int, required: bool) -> int | None:
    text = "" if value is None else str(value).strip().replace(",", "").replace("_", "")
    if not text:
        if required:
            errors.append(RowError(row, column, "missing"))
        return None
    try:
        number = float(text)
    except ValueError:
        errors.append(RowError(row, column, f"{text[:30]!r} is not a number"))
        return None
    if not number.is_integer():
        errors.append(RowError(row, column, f"{text[:30]!r} is not a whole number"))
        return None
    if number < 0:
        errors.append(RowError(row, column, "must not be negative"))
        return None
    return int(number)


def _date(value: object, column: str, errors: list[RowError], row: int) -> date | None:
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(RowError(row, column, f"{text[:30]!r} is not a date (YYYY-MM-DD)"))
        return None


def _period(raw: Mapping[str, object], errors: list[RowError], row: int) -> tuple[date | None, date | None]:
    """`period_start`/`period_end`, or one `period` column: "2025-01-01" or "2025-01-01/2025-01-31"."""
    period = str(raw.get("period") or "").strip()
    if period:
        start_text, _, end_text = period.partition("/")
        start = _date(start_text, "period", errors, row)
        end = _date(end_text or start_text, "period", errors, row)
    else:
        start = _date(raw.get("period_start"), "period_start", errors, row)
        end = _date(raw.get("period_end"), "period_end", errors, row)
    if start and end and end < start:
        errors.append(RowError(row, "period_end", "ends before it starts"))
    return start, end


def _creative_ref(raw: Mapping[str, object]) -> tuple[str, str]:
    for column in ("creative_id", "creative", "filename"):
        value = raw.get(column)
        if value is not None and str(value).strip():
            return column, str(value).strip()
    return "creative", ""


def validate_rows(
    rows: Sequence[Mapping[str, object]], creatives: Sequence[Creative], first_row: int = 1
) -> tuple[list[_Row], list[RowError]]:
    """Every row checked; returns (clean rows, every problem found). Row numbers start at `first_row`."""
    by_id, by_name = _creative_lookup(creatives)
    errors: list[RowError] = []
    clean: list[_Row] = []
    seen: dict[tuple[int, date | None, date | None], int] = {}
    if len(rows) > MAX_ROWS:
        return [], [RowError(first_row + MAX_ROWS, "*", f"more than {MAX_ROWS} rows; split the file")]
    for index, raw in enumerate(rows):
        row = first_row + index
        raw = {str(k).strip().lower(): v for k, v in raw.items() if k is not None}
        n_before = len(errors)
        column, ref = _creative_ref(raw)
        creative = None
        if not ref:
            errors.append(RowError(row, "creative", "missing (give creative_id or filename)"))
        else:
            creative, why = _find_creative(ref, by_id, by_name)
            if creative is None:
                errors.append(RowError(row, column, why))
        impressions = _count(raw.get("impressions"), "impressions", errors, row, required=True)
        clicks = _count(raw.get("clicks"), "clicks", errors, row, required=True)
        conversions = _count(raw.get("conversions"), "conversions", errors, row, required=False)
        if impressions is not None and clicks is not None and clicks > impressions:
            errors.append(RowError(row, "clicks", f"{clicks} clicks is more than {impressions} impressions"))
        if clicks is not None and conversions is not None and conversions > clicks:
            errors.append(RowError(row, "conversions", f"{conversions} conversions is more than {clicks} clicks"))
        start, end = _period(raw, errors, row)
        if creative is not None:
            key = (creative.id, start, end)
            if key in seen:
                errors.append(RowError(row, column, f"same image and period as row {seen[key]}"))
            seen.setdefault(key, row)
        if len(errors) == n_before and creative is not None and impressions is not None and clicks is not None:
            clean.append(_Row(creative.id, impressions, clicks, conversions, start, end))
    return clean, errors


def parse_csv(data: str | bytes) -> list[dict[str, object]]:
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise OutcomeImportError([RowError(1, "*", "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
    reader = csv.DictReader(io.StringIO(text))
    headers = {(h or "").strip().lower() for h in reader.fieldnames or []}
    missing = [c for c in ("impressions", "clicks") if c not in headers]
    if not headers & {"creative_id", "creative", "filename"}:
        missing.insert(0, "creative_id or filename")
    if missing:
        raise OutcomeImportError([RowError(1, c, "column missing from the header") for c in missing])
    return [dict(r) for r in reader]


def import_rows(
    session: Session,
    user: User,
    batch_id: int,
    rows: Sequence[Mapping[str, object]],
    source: str = "api",
    first_row: int = 1,
) -> ImportResult:
    """Import outcome rows for one batch (the batch's owner or an admin). Raises OutcomeImportError listing
    every problem, having written nothing; the caller commits."""
    batch = access.get_batch(session, user, batch_id)
    creatives = list(session.scalars(select(Creative).where(Creative.batch_id == batch.id)))
    clean, errors = validate_rows(rows, creatives, first_row=first_row)
    if errors:
        raise OutcomeImportError(errors)
    if not clean:
        raise OutcomeImportError([RowError(first_row, "*", "no rows to import")])
    source = (source or "api").strip()[:60]
    existing = {
        (o.creative_id, o.period_start, o.period_end): o
        for o in session.scalars(
            select(Outcome).where(Outcome.creative_id.in_([c.id for c in creatives]), Outcome.source == source)
        )
    }
    inserted = replaced = 0
    for r in clean:
        old = existing.get((r.creative_id, r.period_start, r.period_end))
        if old is not None:
            old.impressions, old.clicks, old.conversions = r.impressions, r.clicks, r.conversions
            old.imported_by = user.id
            replaced += 1
            continue
        session.add(
            Outcome(
                creative_id=r.creative_id, impressions=r.impressions, clicks=r.clicks, conversions=r.conversions,
                period_start=r.period_start, period_end=r.period_end, source=source, imported_by=user.id,
            )
        )  # fmt: skip
        inserted += 1
    session.flush()
    return ImportResult(batch.id, inserted, replaced, len(batch_ctr_pairs(session, batch.id)))


def import_csv(session: Session, user: User, batch_id: int, data: str | bytes, source: str = "csv") -> ImportResult:
    """A CSV with a header: creative_id or filename, impressions, clicks[, conversions][, period_start,
    period_end | period]. Row numbers in errors are the file's line numbers."""
    return import_rows(session, user, batch_id, parse_csv(data), source=source, first_row=2)


def batch_deliveries(session: Session, batch_id: int) -> dict[int, Delivery]:
    """Impressions and clicks per creative of the batch, summed over periods and sources."""
    totals: dict[int, list[int]] = {}
    stmt = select(Outcome).join(Creative, Creative.id == Outcome.creative_id).where(Creative.batch_id == batch_id)
    for o in session.scalars(stmt):
        t = totals.setdefault(o.creative_id, [0, 0])
        t[0] += o.impressions
        t[1] += o.clicks
    return {cid: Delivery(imp, clk) for cid, (imp, clk) in totals.items()}


def batch_ctr_pairs(
    session: Session, batch_id: int, rule: LabelRule | None = None, kept_only: bool = True
) -> list[CtrPair]:
    return derive_pairs(batch_deliveries(session, batch_id), rule or LabelRule(), kept_only=kept_only)


@dataclass(frozen=True)
class PairAgreement:
    winner_id: int
    loser_id: int
    winner_ctr: float
    loser_ctr: float
    model_p_winner: float | None  # both orders combined; None when the model has not judged the pair
    verdict: str  # "agreed", "disagreed", "tie" or "unjudged"


@dataclass(frozen=True)
class OutcomeAgreement:
    batch_id: int
    comparator_version: str
    labelled: int  # CTR-labelled pairs
    judged: int  # of those, pairs the model judged (a tie counts as judged)
    agreed: int
    disagreed: int
    ties: int
    pairs: list[PairAgreement]

    @property
    def rate(self) -> float | None:
        return self.agreed / self.judged if self.judged else None

    @property
    def summary(self) -> str:
        if not self.labelled:
            return "No pair in this batch has enough impressions and a clear CTR winner yet."
        if not self.judged:
            return f"{self.labelled} CTR-labelled pair(s), none judged by the model yet."
        tie = f" ({self.ties} called a tie)" if self.ties else ""
        return f"The model agreed with the CTR winner in {self.agreed} of {self.judged} pairs{tie}."


def outcome_agreement(
    session: Session, batch_id: int, rule: LabelRule | None = None, user: User | None = None
) -> OutcomeAgreement:
    """The batch's CTR-labelled pairs next to the model's verdicts (both orders, the batch's comparator).
    With `user`, the batch must be theirs (or they are an admin)."""
    batch = access.get_batch(session, user, batch_id) if user is not None else session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    rows = session.scalars(
        select(Comparison).where(
            Comparison.batch_id == batch.id, Comparison.comparator_version == batch.comparator_version
        )
    )
    by_key = {(c.first_id, c.second_id): c for c in rows}
    out: list[PairAgreement] = []
    for pair in batch_ctr_pairs(session, batch.id, rule):
        p = combine_orders(by_key.get((pair.winner, pair.loser)), by_key.get((pair.loser, pair.winner)))
        verdict = "unjudged" if p is None else "tie" if p == 0.5 else "agreed" if p > 0.5 else "disagreed"
        out.append(PairAgreement(pair.winner, pair.loser, pair.winner_ctr, pair.loser_ctr, p, verdict))
    count = {v: sum(1 for a in out if a.verdict == v) for v in ("agreed", "disagreed", "tie", "unjudged")}
    return OutcomeAgreement(
        batch_id=batch.id, comparator_version=batch.comparator_version, labelled=len(out),
        judged=len(out) - count["unjudged"], agreed=count["agreed"], disagreed=count["disagreed"],
        ties=count["tie"], pairs=out,
    )  # fmt: skip
