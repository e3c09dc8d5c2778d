"""Outcome import (per-row errors, all or nothing), CTR label thresholds and the agreement summary."""

from __future__ import annotations

import math

import pytest
from loop_world import World, both_orders
from sqlalchemy import func, select

from app.models import Outcome
from app.services.errors import NotFound
from app.services.outcome_labels import Delivery, LabelRule, derive_pairs, relative_diff, two_proportion_p_value
from app.services.outcomes import OutcomeImportError, import_csv, import_rows, outcome_agreement


def _count_outcomes(world: World) -> int:
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        return s.scalar(select(func.count()).select_from(Outcome)) or 0


def test_csv_import_by_id_and_filename_and_replace(world: World) -> None:
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        batch_id, ids = world.make_batch(s, "Red kettle")
    csv_text = (
        "creative_id,filename,impressions,clicks,conversions,period\n"
        f"{ids[0]},,2000,100,3,2025-01-01/2025-01-31\n"
        ",IMG1.png,1500,30,,2025-01-01/2025-01-31\n"
        ',img2.png,"1,200",12,,\n'
    )
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        result = import_csv(s, world.user(s, world.advertiser_id), batch_id, csv_text)
    assert (result.inserted, result.replaced) == (3, 0)
    # 5% vs 2% vs 1%: every pair differs by more than 60% and all have over 1,000 impressions
    assert result.labelled_pairs == 3
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        row = s.scalar(select(Outcome).where(Outcome.creative_id == ids[0]))
        assert (row.impressions, row.clicks, row.conversions, str(row.period_end)) == (2000, 100, 3, "2025-01-31")
        again = import_csv(s, world.user(s, world.admin_id), batch_id, f"creative_id,impressions,clicks,period\n"
                           f"{ids[0]},2000,50,2025-01-01/2025-01-31\n")  # fmt: skip
    assert (again.inserted, again.replaced) == (0, 1)
    assert _count_outcomes(world) == 3


def test_malformed_rows_are_all_reported_and_nothing_is_imported(world: World) -> None:
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        batch_id, ids = world.make_batch(s, "Blue mug")
        _, other_ids = world.make_batch(s, "Other product")
    csv_text = (
        "creative_id,filename,impressions,clicks,period_start,period_end\n"
        f"{ids[0]},,2000,100,2025-01-01,2025-01-31\n"  # row 2: fine
        f"{ids[1]},,lots,5,,\n"  # row 3: impressions not a number
        f"{ids[2]},,100,200,,\n"  # row 4: clicks > impressions
        f"{other_ids[0]},,100,1,,\n"  # row 5: another batch's creative
        ",nope.png,100,1,,\n"  # row 6: unknown filename
        f"{ids[1]},,100,-1,2025-02-10,2025-02-01\n"  # row 7: negative clicks, period backwards
        f"{ids[0]},,10,1,2025-01-01,2025-01-31\n"  # row 8: duplicate of row 2
        f"{ids[1]},,10,,2025-03-01,2025-03-02\n"  # row 9: clicks missing
        f"{ids[1]},,10.5,1,2025-04-01,2025-04-02\n"  # row 10: not whole
    )
    with pytest.raises(OutcomeImportError) as caught, world.db.transaction() as s:  # type: ignore[attr-defined]
        import_csv(s, world.user(s, world.advertiser_id), batch_id, csv_text)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "impressions"), (4, "clicks"), (5, "creative_id"), (6, "filename"), (7, "clicks"),
        (7, "period_end"), (8, "creative_id"), (9, "clicks"), (10, "impressions"),
    }  # fmt: skip
    reasons = {(e.row, e.column): e.reason for e in caught.value.errors}
    assert "not a number" in reasons[(3, "impressions")]
    assert "more than 100 impressions" in reasons[(4, "clicks")]
    assert "row 2" in reasons[(8, "creative_id")]
    assert "row 3, impressions" in str(caught.value)
    assert _count_outcomes(world) == 0  # the good row 2 was not imported either


def test_missing_columns_and_tenant_isolation(sqlite_world: World) -> None:
    w = sqlite_world
    with w.db.transaction() as s:  # type: ignore[attr-defined]
        batch_id, ids = w.make_batch(s, "Admin's own", owner_id=w.admin_id)
    with pytest.raises(OutcomeImportError) as caught, w.db.transaction() as s:  # type: ignore[attr-defined]
        import_csv(s, w.user(s, w.admin_id), batch_id, "creative_id,clicks\n1,2\n")
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "impressions")]
    with pytest.raises(NotFound), w.db.transaction() as s:  # type: ignore[attr-defined]
        import_rows(s, w.user(s, w.advertiser_id), batch_id, [{"creative_id": ids[0], "impressions": 5, "clicks": 1}])
    assert _count_outcomes(w) == 0


@pytest.mark.parametrize(
    ("a", "b", "rule", "kept"),
    [
        ((1001, 100), (1001, 50), LabelRule(), True),  # 100% apart, both over 1,000
        ((1000, 100), (5000, 50), LabelRule(), False),  # exactly 1,000 is not "over 1,000"
        ((2000, 100), (2000, 65), LabelRule(), False),  # 53.8% apart: under 60%
        ((2000, 100), (2000, 62), LabelRule(), True),  # 61.3% apart
        ((2000, 100), (2000, 62), LabelRule(min_relative_diff=0.7), False),
        ((600, 60), (600, 30), LabelRule(min_impressions=500), True),
        ((2000, 10), (2000, 0), LabelRule(), True),  # a zero CTR against a positive one: infinitely apart
        ((1200, 13), (1200, 6), LabelRule(method="ztest"), False),  # 117% apart but not significant
        ((1200, 13), (1200, 6), LabelRule(method="both"), False),
        ((50000, 1100), (50000, 1000), LabelRule(method="ztest"), True),  # 10% apart, significant
        ((50000, 1100), (50000, 1000), LabelRule(), False),
    ],
)
def test_label_thresholds(a: tuple[int, int], b: tuple[int, int], rule: LabelRule, kept: bool) -> None:
    pairs = derive_pairs({1: Delivery(*a), 2: Delivery(*b)}, rule, kept_only=False)
    assert len(pairs) == 1
    assert pairs[0].kept is kept
    assert pairs[0].winner == (1 if a[1] / a[0] > b[1] / b[0] else 2)


def test_label_statistics() -> None:
    assert relative_diff(0.05, 0.02) == pytest.approx(1.5)
    assert math.isinf(relative_diff(0.01, 0.0)) and relative_diff(0.0, 0.0) == 0.0
    # The textbook pooled z: p1=.1, p2=.08 (n=1000 each), pooled .09 -> z=0.02/sqrt(.09*.91*.002)=1.5627
    z = 0.02 / math.sqrt(0.09 * 0.91 * 0.002)
    expected = math.erfc(z / math.sqrt(2))
    assert two_proportion_p_value(Delivery(1000, 100), Delivery(1000, 80)) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(0.1181, abs=1e-4)
    assert derive_pairs({1: Delivery(2000, 20), 2: Delivery(2000, 20)}, LabelRule(), kept_only=False) == []


def test_outcome_agreement_counts_model_verdicts(world: World) -> None:
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        # model: 0 beats 1 and 2 in both orders; 1 vs 2 disagrees between orders (a tie)
        verdicts = both_orders([(0, 1), (0, 2)]) | {(1, 2): 0.8, (2, 1): 0.8}
        batch_id, ids = world.make_batch(s, "Green tea", n=4, verdicts=verdicts)
        rows = [
            {"creative_id": ids[0], "impressions": 2000, "clicks": 100},  # 5%
            {"creative_id": ids[1], "impressions": 2000, "clicks": 200},  # 10%: beats 0 (model disagrees)
            {"creative_id": ids[2], "impressions": 2000, "clicks": 20},  # 1%: loses to 0 (model agrees)
            {"creative_id": ids[3], "impressions": 2000, "clicks": 2},  # 0.1%: never judged by the model
        ]
        import_rows(s, world.user(s, world.advertiser_id), batch_id, rows)
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        agreement = outcome_agreement(s, batch_id)
        with pytest.raises(NotFound):
            outcome_agreement(s, batch_id, user=world.user(s, world.admin_id) and _stranger(s, world))
    assert agreement.labelled == 6
    assert (agreement.agreed, agreement.disagreed, agreement.ties, agreement.judged) == (1, 1, 1, 3)
    assert agreement.summary == "The model agreed with the CTR winner in 1 of 3 pairs (1 called a tie)."
    verdict_of = {(p.winner_id, p.loser_id): p.verdict for p in agreement.pairs}
    assert verdict_of[(ids[1], ids[0])] == "disagreed"
    assert verdict_of[(ids[0], ids[2])] == "agreed"
    assert verdict_of[(ids[0], ids[3])] == "unjudged"


def _stranger(session, world: World):  # type: ignore[no-untyped-def]
    from app.services.users import create_user

    return create_user(session, "stranger@example.com", "correct horse battery")
