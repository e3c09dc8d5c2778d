"""access / results / feedback services: owner scoping, read models, both-order detail, exports."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from app.services import access, feedback, results
from app.services.errors import InvalidInput, NotFound


def test_owner_scoped_getters_refuse_other_tenants(runtime: Any, tenants: Any, admin: Any, user_of: Any) -> None:
    a, b = tenants
    alice, root = user_of(a.email), user_of(admin.email)
    with runtime.db.session() as s:
        assert access.get_batch(s, alice, a.batch_id).id == a.batch_id
        for getter, ident in [
            (access.get_batch, b.batch_id),
            (access.get_creative, b.creative_ids[0]),
            (access.get_comparison, b.comparison_ids[0]),
            (access.get_feedback, b.feedback_id),
            (access.get_batch, 999_999),
        ]:
            with pytest.raises(NotFound):
                getter(s, alice, ident)
        # Admins see everyone's rows.
        assert access.get_creative(s, root, b.creative_ids[1]).id == b.creative_ids[1]
        assert access.get_feedback(s, root, b.feedback_id).id == b.feedback_id
        assert [x.id for x in access.list_batches(s, alice)] == [a.batch_id]
        assert {x.id for x in access.list_batches(s, root)} == {a.batch_id, b.batch_id, admin.batch_id}


def test_list_batches_search_escapes_wildcards(runtime: Any, tenants: Any, user_of: Any) -> None:
    a, _ = tenants
    alice = user_of(a.email)
    with runtime.db.session() as s:
        assert [x.id for x in results.list_batches(s, alice, search=a.marker.upper())] == [a.batch_id]
        assert results.list_batches(s, alice, search="no such words") == []
        assert results.list_batches(s, alice, search="%") == []
        summary = results.list_batches(s, alice)[0]
        assert summary.n_creatives == 3 and summary.status == "ranked"


def test_results_entries_matrix_and_exports(runtime: Any, tenants: Any, user_of: Any) -> None:
    a, _ = tenants
    alice = user_of(a.email)
    with runtime.db.session() as s:
        view = results.results(s, alice, a.batch_id)
        assert [e.creative_id for e in view.entries] == a.creative_ids
        assert [e.rank for e in view.entries] == [1, 2, 3]
        assert view.entries[0].image_url == f"/media/creatives/{a.creative_ids[0]}/image"
        # Seeded verdicts: lower index wins with 0.8 in both orders.
        assert view.win_matrix[0][1] == pytest.approx(0.8)
        assert view.win_matrix[1][0] == pytest.approx(0.2)
        assert view.win_matrix[0][0] is None
        rows = list(csv.DictReader(io.StringIO(results.export_csv(s, alice, a.batch_id))))
        assert [int(r["creative_id"]) for r in rows] == a.creative_ids
        data = results.export_json(s, alice, a.batch_id)
        assert data["batch"]["id"] == a.batch_id and len(data["comparisons"]) == 6
        prog = results.progress(s, alice, a.batch_id)
        assert prog.fraction == 1.0 and prog.comparisons == {"done": 6}


def test_comparison_detail_has_both_orders(runtime: Any, tenants: Any, user_of: Any) -> None:
    a, _ = tenants
    alice = user_of(a.email)
    with runtime.db.session() as s:
        detail = results.comparison_detail(s, alice, a.comparison_ids[0])
        assert len(detail.orders) == 2
        first, second = detail.orders
        assert (first.first_id, first.second_id) == (second.second_id, second.first_id)
        assert detail.p_a_wins == pytest.approx(0.8)
        assert detail.winner_id == detail.creative_a.id
        assert first.reasoning and first.raw_text and first.protocol == {"10": "A"}


def test_feedback_prefer_other_and_ranking(runtime: Any, tenants: Any, user_of: Any) -> None:
    a, b = tenants
    alice = user_of(a.email)
    with runtime.db.transaction() as s:
        fb = feedback.on_comparison(s, alice, a.comparison_ids[0], "prefer_other", "the other is clearer")
        assert fb.verdict == "disagree"
        assert fb.preferred_creative_id == a.creative_ids[1]  # the model picked creative 0
        rk = feedback.on_ranking(s, alice, a.batch_id, "prefer_other", preferred_creative_id=a.creative_ids[2])
        assert rk.preferred_creative_id == a.creative_ids[2]
        with pytest.raises(InvalidInput):
            feedback.on_comparison(s, alice, a.comparison_ids[0], "maybe")
        with pytest.raises(NotFound):
            feedback.on_comparison(s, alice, b.comparison_ids[0], "agree")
        with pytest.raises(NotFound):
            feedback.on_ranking(s, alice, a.batch_id, "prefer_other", preferred_creative_id=b.creative_ids[0])
        assert len(feedback.list_feedback(s, alice, a.batch_id)) == 3
