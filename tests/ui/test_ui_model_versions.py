"""The admin tab's model versions for an admin: evaluate a version on an export's held-out pairs (side by side
with the active one, stored), promote it (refused, on the panel, without an evaluation), roll back. The export
is made from outcomes imported through the results page, as an admin would in the UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from sqlalchemy import select
from ui_tenants import Tenant, seed

from app.models import ModelVersion
from app.services import registry
from app.ui import admin, clicks, modelversions


@pytest.fixture
def alice(runtime: Any) -> Tenant:
    return seed(runtime, "alice@example.com")


@pytest.fixture
def bob(runtime: Any) -> Tenant:
    return seed(runtime, "bob@example.com")


@pytest.fixture
def root(runtime: Any) -> Tenant:
    return seed(runtime, "root@example.com", role="admin")


def refusal(call: Any) -> str:
    with pytest.raises(gr.Error) as info:
        call()
    return str(info.value.message)


def _statuses(runtime: Any) -> dict[int, tuple[str, bool]]:
    with runtime.db.session() as s:
        rows = s.execute(select(ModelVersion.id, ModelVersion.status, ModelVersion.evaluation))
        return {id_: (status, bool(evaluation)) for id_, status, evaluation in rows}


def _export(root: Tenant, tenants: list[Tenant], folder: Path) -> int:
    """CTR outcomes (6% > 3% > 1%) for both tenants' products, imported by each owner on the results page,
    then exported by the admin with half the products held out."""
    for t in tenants:
        path = folder / f"{t.marker}.csv"
        rows = "".join(f"{c},5000,{k}\n" for c, k in zip(t.creative_ids, (300, 150, 50), strict=True))
        path.write_text("creative_id,impressions,clicks\n" + rows)
        assert "Imported 3 row(s)" in clicks.import_outcomes(t.batch_id, str(path), t.request)[0]
    assert "labelled pairs" in admin.export_dataset(0.5, root.request)
    _versions, exports = modelversions.pickers(None, None, root.request)
    (label, export_id), *_ = exports.choices
    assert f"Export {export_id}:" in label and "0 held out" not in label
    return int(export_id)


def test_evaluate_promote_and_roll_back(runtime: Any, root: Tenant, alice: Tenant, bob: Tenant, tmp_path: Path) -> None:
    with runtime.db.transaction() as s:
        first, second = (registry.register_candidate(s, name=n, backend="fake").id for n in ("fake-1st", "fake-2nd"))
    r = root.request

    # Never promoted without an evaluation: the refusal stays on the panel; nothing changes.
    refused = modelversions.promote(first, r)
    assert "c4u-notice-error" in refused and "Not promoted" in refused and "no evaluation yet" in refused
    nothing = modelversions.rollback(r)
    assert "c4u-notice-error" in nothing and "nothing to roll back" in nothing
    assert _statuses(runtime) == {first: ("candidate", False), second: ("candidate", False)}
    assert "Choose a model version" in refusal(lambda: modelversions.promote(None, r))
    assert "No model version 987654" in refusal(lambda: modelversions.promote(987_654, r))

    export_id = _export(root, [alice, bob], tmp_path)
    assert "No export 987654" in refusal(lambda: modelversions.evaluate(first, 987_654, r))
    assert "Choose an export" in refusal(lambda: modelversions.evaluate(first, None, r))

    # No active version yet: the table has the candidate's figures only.
    report = modelversions.evaluate(str(first), str(export_id), r)
    assert "Evaluated fake-1st" in report and "no version is active yet" in report
    for metric in ("accuracy", "order_agreement", "parse_rate", "calls_per_ranking", "comparator_version"):
        assert f"<td>{metric}</td>" in report
    assert "<td>parse_rate</td><td>1.000</td><td>—</td>" in report
    assert _statuses(runtime)[first] == ("candidate", True)  # stored with the version
    versions, _exports = modelversions.pickers(first, export_id, r)
    assert versions.value == first and any("fake-1st (candidate, evaluated)" in lab for lab, _ in versions.choices)

    assert "fake-1st is now the active version" in modelversions.promote(first, r)
    again = modelversions.promote(first, r)
    assert "Not promoted" in again and "already the active version" in again

    # The second is measured beside the active first one, on the same pairs.
    beside = modelversions.evaluate(second, export_id, r)
    assert f"beside active version {first}" in beside and "<td>parse_rate</td><td>1.000</td><td>1.000</td>" in beside
    assert "fake-2nd is now the active version" in modelversions.promote(second, r)
    assert _statuses(runtime) == {first: ("retired", True), second: ("active", True)}
    table = admin.models_panel(r)
    assert "fake-2nd" in table and "retired" in table and "not evaluated" not in table
    assert table.count("held-out pairs") == 2 and "parse_rate" not in table  # a summary, not the raw record

    assert "fake-1st is the active version again" in modelversions.rollback(r)
    assert _statuses(runtime) == {first: ("active", True), second: ("retired", True)}
    last = modelversions.rollback(r)
    assert "Not rolled back" in last and "nothing to roll back to" in last
    assert _statuses(runtime) == {first: ("active", True), second: ("retired", True)}
