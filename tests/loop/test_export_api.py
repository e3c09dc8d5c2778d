"""POST /api/v1/admin/exports: admins export (with filters) through the web host; advertisers are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loop_world import PASSWORD, World, both_orders
from sqlalchemy import select

from app.models import Export

ORIGIN = {"Origin": "http://testserver"}


def _client(app: Any, email: str) -> Any:
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    response = client.post("/login", data={"email": email, "password": PASSWORD}, headers=ORIGIN)
    assert response.status_code == 303, response.text
    return client


def test_admin_exports_through_the_api(runtime: Any) -> None:
    from app.services.outcomes import import_rows
    from app.services.users import create_user
    from app.web.host import create_app

    with runtime.db.transaction() as s:
        admin = create_user(s, "admin@example.com", PASSWORD, role="admin")
        adv = create_user(s, "adv@example.com", PASSWORD)
        world = World(db=runtime.db, storage=runtime.storage, admin_id=admin.id, advertiser_id=adv.id)
        for title in ("Steel bottle", "Desk lamp"):
            batch_id, ids = world.make_batch(s, title, verdicts=both_orders([(0, 1)]))
            rows = [
                {"creative_id": i, "impressions": 5000, "clicks": c} for i, c in zip(ids, (300, 100, 20), strict=True)
            ]
            import_rows(s, admin, batch_id, rows)
    app = create_app()
    with _client(app, "adv@example.com") as advertiser:
        assert advertiser.post("/api/v1/admin/exports", headers=ORIGIN).status_code == 403
    with _client(app, "admin@example.com") as client:
        made = client.post("/api/v1/admin/exports", json={"sources": ["ctr"], "test_fraction": 0.5}, headers=ORIGIN)
        assert made.status_code == 201, made.text
        assert made.json()["detail"] == "export 1: 6 pairs (3 train, 3 test)"
        # Only feedback was asked for and there is none: a clear refusal, nothing written.
        none = client.post("/api/v1/admin/exports", json={"sources": ["feedback"]}, headers=ORIGIN)
        assert none.status_code in (400, 422) and "No labelled pairs" in none.text
        bad = client.post("/api/v1/admin/exports", json={"test_fraction": 1.5}, headers=ORIGIN)
        assert bad.status_code == 422
    with runtime.db.transaction() as s:
        exports = list(s.scalars(select(Export)))
    assert len(exports) == 1 and exports[0].created_by == admin.id
    assert exports[0].path.startswith(str(runtime.settings.export_dir))
    assert (Path(exports[0].path) / "grpo" / "dataset_dict.json").is_file()
