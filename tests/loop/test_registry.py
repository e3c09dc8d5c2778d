"""Model registry: candidates, evaluation on held-out pairs side by side with the active version, promotion by
an admin only after an evaluation, rollback through promotion history."""

from __future__ import annotations

from pathlib import Path

import pytest
from loop_world import World, both_orders

from app.models import ModelVersion
from app.services import registry
from app.services.errors import Conflict, Forbidden, InvalidInput
from app.services.evaluation import evaluate_version, held_out_pairs, side_by_side
from app.services.exports import ExportFilters, create_export
from app.services.outcomes import import_rows
from selector.fake import FakeComparator


@pytest.fixture
def dataset(world: World, tmp_path: Path) -> str:
    """An export with two products, one held out (three creatives, CTR 6% > 3% > 1%)."""
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        admin = world.user(s, world.admin_id)
        for title in ("Steel bottle", "Desk lamp"):
            batch_id, ids = world.make_batch(s, title, verdicts=both_orders([(0, 1), (0, 2), (1, 2)]))
            rows = [
                {"creative_id": i, "impressions": 5000, "clicks": c} for i, c in zip(ids, (300, 150, 50), strict=True)
            ]
            import_rows(s, admin, batch_id, rows)
        export = create_export(s, admin, ExportFilters(test_fraction=0.5), storage=world.storage, out_dir=tmp_path)  # type: ignore[arg-type]
    assert export.counts["pairs"]["test"] == 3
    return export.path


def _oracle(dataset: str, name: str, biased: bool = False) -> FakeComparator:
    """Ranks creatives by their held-out wins (or, `biased`, always prefers the first-shown image)."""
    wins: dict[str, int] = {}
    for h in held_out_pairs(dataset):
        wins[h.winner.key] = wins.get(h.winner.key, 0) + 1
        wins.setdefault(h.loser.key, 0)

    def script(first: str, second: str) -> float:
        if biased:
            return 0.8
        return 0.9 if wins.get(first, 0) > wins.get(second, 0) else 0.1

    return FakeComparator(name=name, script=script)


def test_evaluate_promote_rollback(world: World, dataset: str) -> None:
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        admin, adv = world.user(s, world.admin_id), world.user(s, world.advertiser_id)
        old = registry.register_candidate(s, name="fake-old", backend="fake")
        new = registry.register_candidate(s, name="fake-new", backend="fake")
        ids = old.id, new.id
        with pytest.raises(Conflict, match="already registered"):
            registry.register_candidate(s, name="fake-new", backend="fake")
        with pytest.raises(InvalidInput):
            registry.register_candidate(s, name="x", backend="mllm")  # no base model
        # Never active without an evaluation, and never by an advertiser.
        with pytest.raises(Conflict, match="no evaluation"):
            registry.promote(s, admin, old.id)
        assert old.status == "candidate" and registry.active_version(s) is None

    with world.db.transaction() as s:  # type: ignore[attr-defined]
        admin = world.user(s, world.admin_id)
        # A position-biased model: every pair is a tie across the two orders.
        biased = evaluate_version(s, admin, ids[0], dataset, build=lambda row: _oracle(dataset, row.name, biased=True))
        assert biased["active"] is None and biased["pairs"] == 3
        assert biased["candidate"]["accuracy"] == 0.0 and biased["candidate"]["ties"] == 3
        assert biased["candidate"]["order_agreement"] == 0.0 and biased["candidate"]["parse_rate"] == 1.0
        assert 0 < biased["candidate"]["calls_per_ranking"] <= 3 * 2
        registry.promote(s, admin, ids[0])
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        admin, adv = world.user(s, world.admin_id), world.user(s, world.advertiser_id)
        with pytest.raises(Forbidden):
            registry.promote(s, adv, ids[1])
        with pytest.raises(Forbidden):
            evaluate_version(s, adv, ids[1], dataset)
        with pytest.raises(Conflict, match="no evaluation"):
            registry.promote(s, admin, ids[1])
        # The candidate is compared with the active version on the same pairs.
        report = evaluate_version(
            s, admin, ids[1], dataset, build=lambda row: _oracle(dataset, row.name, row.id == ids[0])
        )
        assert report["active_version_id"] == ids[0]
        table = {metric: (cand, act) for metric, cand, act in side_by_side(report)}
        assert table["order_agreement"] == (1.0, 0.0) and table["accuracy"] == (1.0, 0.0)
        registry.promote(s, admin, ids[1])
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        statuses = {v.name: v.status for v in registry.list_versions(s)}
        assert statuses == {"fake-old": "retired", "fake-new": "active"}
        back = registry.rollback(s, world.user(s, world.admin_id))
        assert back.id == ids[0]
    with world.db.transaction() as s:  # type: ignore[attr-defined]
        assert {v.name: v.status for v in registry.list_versions(s)} == {"fake-old": "active", "fake-new": "retired"}
        with pytest.raises(Conflict, match="nothing to roll back to"):
            registry.rollback(s, world.user(s, world.admin_id))
        assert s.get(ModelVersion, ids[1]).evaluation["candidate"]["order_agreement"] == 1.0  # type: ignore[union-attr]
