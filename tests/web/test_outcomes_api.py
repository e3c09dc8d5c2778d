"""Importing real impressions and clicks through the API: a clean file lands and is scored against the model's
verdicts; a file with bad rows is refused with every problem and writes nothing; another tenant's batch is
refused like a missing one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from web_world import ORIGIN, Seeded

from app.models import Outcome


def _outcome_rows(runtime: Any) -> int:
    with runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Outcome)) or 0)


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    lines = ["creative_id,impressions,clicks"] + [",".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _post(client: Any, batch_id: int, data: bytes) -> Any:
    files = {"file": ("outcomes.csv", data, "text/csv")}
    return client.post(f"/api/v1/batches/{batch_id}/outcomes", files=files, headers=ORIGIN)


def test_clean_csv_is_imported_and_agreement_is_reported(
    tenants: tuple[Seeded, Seeded], client_factory: Any, runtime: Any
) -> None:
    alice, _ = tenants
    c0, c1, c2 = alice.creative_ids
    client = client_factory(alice.email)
    # c0 has far the best CTR; the seeded verdicts also prefer lower indexes, so the model agrees.
    response = _post(client, alice.batch_id, _csv([(c0, 5000, 400), (c1, 5000, 100), (c2, 5000, 20)]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["inserted"] == 3 and body["replaced"] == 0 and body["labelled_pairs"] >= 2
    agreement = client.get(f"/api/v1/batches/{alice.batch_id}/outcomes").json()
    assert agreement["labelled"] == body["labelled_pairs"]
    assert agreement["agreed"] == agreement["judged"] == agreement["labelled"]
    assert f"agreed with the CTR winner in {agreement['agreed']} of {agreement['judged']}" in agreement["summary"]
    assert all(p["verdict"] == "agreed" and p["model_p_winner"] > 0.5 for p in agreement["pairs"])
    # The same file again replaces the figures instead of doubling them.
    again = _post(client, alice.batch_id, _csv([(c0, 6000, 480), (c1, 5000, 100), (c2, 5000, 20)])).json()
    assert again["inserted"] == 0 and again["replaced"] == 3
    assert _outcome_rows(runtime) == 3


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    tenants: tuple[Seeded, Seeded], client_factory: Any, runtime: Any
) -> None:
    alice, bob = tenants
    c0, c1, _ = alice.creative_ids
    client = client_factory(alice.email)
    bad = _csv([(c0, 1000, 50), (c1, 100, 500), (bob.creative_ids[0], 1000, 1), ("x", "many", 3)])
    response = _post(client, alice.batch_id, bad)
    assert response.status_code == 400
    body = response.json()
    assert "Nothing was imported" in body["detail"]
    rows = {e["row"] for e in body["errors"]}
    assert {3, 4, 5} <= rows and 2 not in rows  # the file's line numbers, header = 1
    assert bob.marker not in response.text
    assert _outcome_rows(runtime) == 0
    not_csv = _post(client, alice.batch_id, "creative_id,impressions,clicks\n1,2,\xff\n".encode("latin-1"))
    assert not_csv.status_code == 400 and "UTF-8" in not_csv.json()["detail"]
    no_header = _post(client, alice.batch_id, b"a,b\n1,2\n")
    assert no_header.status_code == 400 and {e["column"] for e in no_header.json()["errors"]} >= {"impressions"}
    assert _outcome_rows(runtime) == 0


def test_another_tenants_batch_is_refused(tenants: tuple[Seeded, Seeded], client_factory: Any, runtime: Any) -> None:
    alice, bob = tenants
    client = client_factory(alice.email)
    response = _post(client, bob.batch_id, _csv([(bob.creative_ids[0], 5000, 400)]))
    assert response.status_code == 404 and bob.marker not in response.text
    assert client.get(f"/api/v1/batches/{bob.batch_id}/outcomes").status_code == 404
    assert _outcome_rows(runtime) == 0
