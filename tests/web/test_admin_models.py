"""The model registry through the admin API: evaluate a version on an export's held-out pairs (side by side with
the active version), promote it, roll back. Admins only; never promoted without an evaluation."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from web_world import ORIGIN

from app.models import ModelVersion

BASE = "/api/v1/admin/model-versions"


def _register(runtime: Any, *names: str) -> list[int]:
    from app.services import registry

    with runtime.db.transaction() as session:
        return [registry.register_candidate(session, name=name, backend="fake").id for name in names]


def _statuses(runtime: Any) -> dict[int, tuple[str, bool]]:
    """id -> (status, evaluated) of every version."""
    with runtime.db.session() as session:
        rows = session.execute(select(ModelVersion.id, ModelVersion.status, ModelVersion.evaluation))
        return {id_: (status, bool(evaluation)) for id_, status, evaluation in rows}


def _export(runtime: Any, admin: Any, tenants: Any, root: Any) -> int:
    """CTR outcomes for both tenants' judged batches (two products, 6% > 3% > 1%), exported through the API
    with half the products held out."""
    from app.models import User
    from app.services.outcomes import import_rows

    with runtime.db.transaction() as session:
        user = session.get(User, admin.user_id)
        for seeded in tenants:
            clicks = zip(seeded.creative_ids, (300, 150, 50), strict=True)
            rows = [{"creative_id": c, "impressions": 5000, "clicks": k} for c, k in clicks]
            import_rows(session, user, seeded.batch_id, rows)
    made = root.post("/api/v1/admin/exports", json={"sources": ["ctr"], "test_fraction": 0.5}, headers=ORIGIN)
    assert made.status_code == 201, made.text
    found = re.match(r"export (\d+): \d+ pairs \(\d+ train, ([1-9]\d*) test\)", made.json()["detail"])
    assert found, made.text
    return int(found.group(1))


def test_promotion_needs_an_evaluation_an_admin_and_a_known_version(
    runtime: Any, client_factory: Any, tenants: Any, admin: Any
) -> None:
    (version,) = _register(runtime, "fake-candidate")
    before = _statuses(runtime)
    root, alice = client_factory(admin.email), client_factory(tenants[0].email)

    refused = root.post(f"{BASE}/{version}/promote", headers=ORIGIN)
    assert refused.status_code == 409 and "no evaluation" in refused.json()["detail"]
    nothing = root.post(f"{BASE}/rollback", headers=ORIGIN)
    assert nothing.status_code == 409 and "nothing to roll back" in nothing.json()["detail"]

    for path in (f"{BASE}/{version + 100}/promote", f"{BASE}/{version + 100}/evaluate"):
        missing = root.post(path, json={"export_id": 1}, headers=ORIGIN)
        assert missing.status_code == 404 and f"No model version {version + 100}" in missing.json()["detail"]
    no_export = root.post(f"{BASE}/{version}/evaluate", json={"export_id": 999}, headers=ORIGIN)
    assert no_export.status_code == 404 and "No export 999" in no_export.json()["detail"]
    assert root.post(f"{BASE}/{2**31}/promote", headers=ORIGIN).status_code == 422
    assert root.post(f"{BASE}/{version}/evaluate", json={}, headers=ORIGIN).status_code == 422

    for path, body in ((f"{BASE}/{version}/evaluate", {"export_id": 1}), (f"{BASE}/{version}/promote", None)):
        response = alice.post(path, json=body, headers=ORIGIN)
        assert response.status_code == 403 and response.json()["detail"] == "Only admins can do this."
    assert alice.post(f"{BASE}/rollback", headers=ORIGIN).status_code == 403
    assert _statuses(runtime) == before == {version: ("candidate", False)}


def test_evaluate_promote_and_roll_back(runtime: Any, client_factory: Any, tenants: Any, admin: Any) -> None:
    first, second = _register(runtime, "fake-first", "fake-second")
    root, alice = client_factory(admin.email), client_factory(tenants[0].email)
    export_id = _export(runtime, admin, tenants, root)

    # No version is active yet: the side-by-side has no active column.
    evaluated = root.post(f"{BASE}/{first}/evaluate", json={"export_id": export_id}, headers=ORIGIN)
    assert evaluated.status_code == 200, evaluated.text
    report = evaluated.json()
    assert report["version"]["id"] == first and report["version"]["status"] == "candidate"
    assert report["active_version_id"] is None and report["active"] is None and report["pairs"] > 0
    metrics = {row["metric"]: row for row in report["side_by_side"]}
    assert 0.0 <= metrics["accuracy"]["candidate"] <= 1.0 and metrics["accuracy"]["active"] is None
    assert metrics["pairs"]["candidate"] == report["pairs"] and metrics["parse_rate"]["candidate"] == 1.0
    assert metrics["comparator_version"]["candidate"] == report["candidate"]["comparator_version"]
    assert _statuses(runtime) == {first: ("candidate", True), second: ("candidate", False)}  # stored

    promoted = root.post(f"{BASE}/{first}/promote", headers=ORIGIN)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "active" and promoted.json()["promoted_at"]
    again = root.post(f"{BASE}/{first}/promote", headers=ORIGIN)
    assert again.status_code == 409 and "already the active version" in again.json()["detail"]

    # The second is measured beside the active first one, on the same pairs.
    beside = root.post(f"{BASE}/{second}/evaluate", json={"export_id": export_id}, headers=ORIGIN).json()
    assert beside["active_version_id"] == first and beside["active"] is not None
    assert beside["active"]["pairs"] == beside["candidate"]["pairs"] == beside["pairs"]
    active_column = {row["metric"]: row["active"] for row in beside["side_by_side"]}
    assert active_column["comparator_version"] == report["candidate"]["comparator_version"]
    assert active_column["accuracy"] == report["candidate"]["accuracy"]  # the same model on the same pairs

    assert alice.post(f"{BASE}/{second}/promote", headers=ORIGIN).status_code == 403
    assert _statuses(runtime) == {first: ("active", True), second: ("candidate", True)}
    assert root.post(f"{BASE}/{second}/promote", headers=ORIGIN).json()["status"] == "active"
    assert _statuses(runtime) == {first: ("retired", True), second: ("active", True)}

    assert alice.post(f"{BASE}/rollback", headers=ORIGIN).status_code == 403
    rolled = root.post(f"{BASE}/rollback", headers=ORIGIN)
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["id"] == first and rolled.json()["status"] == "active"
    assert _statuses(runtime) == {first: ("active", True), second: ("retired", True)}
    listed = {v["id"]: v["status"] for v in root.get(BASE).json()}
    assert listed == {first: "active", second: "retired"}
    # The first version ever promoted has nothing before it.
    last = root.post(f"{BASE}/rollback", headers=ORIGIN)
    assert last.status_code == 409 and "nothing to roll back to" in last.json()["detail"]
    assert _statuses(runtime) == {first: ("active", True), second: ("retired", True)}
