"""The results page's own actions for the batch's owner: importing click outcomes from a CSV (rows land, CTR and
the agreement line refresh; a bad file writes nothing and names every problem row) and re-running the batch
with another model version (queued under that version, followed and cancellable like a new run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from sqlalchemy import func, select
from ui_tenants import Tenant, seed

from app.models import Batch, ModelVersion, Outcome, Ranking
from app.services import registry
from app.ui import clicks, layout, progress, rerun, resultsview


@pytest.fixture
def alice(runtime: Any) -> Tenant:
    return seed(runtime, "alice@example.com")


def _csv(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_bytes(text.encode())
    return str(path)


def _outcomes(runtime: Any) -> list[tuple[int, int, int, str]]:
    with runtime.db.session() as s:
        rows = s.execute(select(Outcome.creative_id, Outcome.impressions, Outcome.clicks, Outcome.source))
        return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def refusal(call: Any) -> str:
    with pytest.raises(gr.Error) as info:
        call()
    return str(info.value.message)


def test_csv_import_lands_rows_and_refreshes_ctr_and_agreement(runtime: Any, alice: Tenant, tmp_path: Path) -> None:
    names = [f"{alice.marker}-{i}.png" for i in range(3)]
    # By filename, with conversions and a period: CTR 6% > 3% > 1%, the order the seeded verdicts rank them.
    text = "filename,impressions,clicks,conversions,period\n" + "".join(
        f"{n},5000,{k},{k // 10},2026-11-01\n" for n, k in zip(names, (300, 150, 50), strict=True)
    )
    assert "Real clicks" not in resultsview.load(alice.batch_id, alice.request)[4]  # nothing imported yet

    message, picker = clicks.import_outcomes(alice.batch_id, _csv(tmp_path, "ok.csv", text), alice.request)
    assert "Imported 3 row(s) (3 new)" in message and "3 pair(s) now have a clear CTR winner" in message
    assert "agreed with the CTR winner in 3 of 3 pairs" in message
    assert picker.value is None  # the picker is cleared for the next file
    ids = alice.creative_ids
    assert _outcomes(runtime) == [(ids[0], 5000, 300, "csv"), (ids[1], 5000, 150, "csv"), (ids[2], 5000, 50, "csv")]

    gallery, real_clicks = resultsview.outcome_parts(alice.batch_id, alice.request)
    assert "CTR 6.00%" in gallery and "CTR 1.00%" in gallery and "(5,000 impressions)" in gallery
    assert "agreed with the CTR winner in 3 of 3 pairs" in real_clicks and "<table" in real_clicks

    # The same file again replaces the figures rather than adding rows (an import can be corrected).
    fixed = text.replace(",50,5,", ",40,4,")
    message, _ = clicks.import_outcomes(alice.batch_id, _csv(tmp_path, "fixed.csv", fixed), alice.request)
    assert "Imported 3 row(s) (0 new, 3 replaced)" in message
    assert (ids[2], 5000, 40, "csv") in _outcomes(runtime) and len(_outcomes(runtime)) == 3


def test_too_few_impressions_lands_and_says_no_pair_is_labelled(runtime: Any, alice: Tenant, tmp_path: Path) -> None:
    text = "creative_id,impressions,clicks\n" + "".join(f"{c},100,5\n" for c in alice.creative_ids)
    message, _ = clicks.import_outcomes(alice.batch_id, _csv(tmp_path, "few.csv", text), alice.request)
    assert "Imported 3 row(s)" in message and "0 pair(s) now have a clear CTR winner" in message
    assert len(_outcomes(runtime)) == 3
    # The results say why there is no comparison with the model yet, rather than showing nothing.
    assert "enough impressions and a clear CTR winner" in resultsview.outcome_parts(alice.batch_id, alice.request)[1]


def test_bad_csv_writes_nothing_and_names_every_problem_row(runtime: Any, alice: Tenant, tmp_path: Path) -> None:
    good = f"{alice.creative_ids[0]},5000,300\n"
    bad = (
        "creative_id,impressions,clicks\n"
        + good  # row 2 is fine, but is not imported either
        + "999999,5000,10\n"  # row 3: not an image of this batch
        + f"{alice.creative_ids[1]},100,500\n"  # row 4: more clicks than impressions
        + f"{alice.creative_ids[2]},lots,5\n"  # row 5: not a number
        + f"{alice.creative_ids[0]},5000,-1\n"  # row 6: negative, and the same image as row 2
    )
    message, picker = clicks.import_outcomes(alice.batch_id, _csv(tmp_path, "bad.csv", bad), alice.request)
    assert _outcomes(runtime) == []  # all or nothing
    assert picker.value is None
    assert "Nothing was imported" in message and 'data-problems="' in message
    items = message.split("<li>")[1:]
    assert len(items) == 5 and not any(item.startswith("<b>row 2</b>") for item in items)
    for row, column in ((3, "creative_id"), (4, "clicks"), (5, "impressions"), (6, "clicks"), (6, "creative_id")):
        assert any(f"row {row}</b>, <code>{column}" in item for item in items), (row, column, message)
    assert "more than 100 impressions" in message and "&#x27;lots&#x27; is not a number" in message
    assert "same image and period as row 2" in message

    missing = _csv(tmp_path, "header.csv", "filename,clicks\nx.png,3\n")
    message, _ = clicks.import_outcomes(alice.batch_id, missing, alice.request)
    assert "row 1</b>, <code>impressions</code>: column missing from the header" in message
    latin = _csv(tmp_path, "latin.csv", "")
    Path(latin).write_bytes("filename,impressions,clicks\ncafé.png,10,1\n".encode("latin-1"))
    assert "not UTF-8" in clicks.import_outcomes(alice.batch_id, latin, alice.request)[0]
    assert _outcomes(runtime) == []

    assert "Choose a CSV file" in refusal(lambda: clicks.import_outcomes(alice.batch_id, None, alice.request))
    assert "Open a batch first" in refusal(lambda: clicks.import_outcomes(None, missing, alice.request))
    big = tmp_path / "big.csv"
    big.write_bytes(b"creative_id,impressions,clicks\n" + b"1,1,1\n" * (clicks.MAX_CSV_BYTES // 6 + 1))
    assert "split it into smaller files" in refusal(
        lambda: clicks.import_outcomes(alice.batch_id, str(big), alice.request)
    )
    assert _outcomes(runtime) == []


def _version(runtime: Any, name: str, status: str = "candidate") -> int:
    with runtime.db.transaction() as session:
        row = registry.register_candidate(session, name=name, backend="fake")
        row.status = status
        return row.id


def test_rerun_with_another_version_is_followed_and_cancellable(runtime: Any, alice: Tenant) -> None:
    candidate, retired = _version(runtime, "fake-two"), _version(runtime, "fake-old", status="retired")
    offered = resultsview.load(alice.batch_id, alice.request)[8]
    assert [value for _label, value in offered.choices] == [candidate]  # retired versions are not offered
    assert "fake-two (candidate)" in offered.choices[0][0]

    assert "No such model version" in refusal(lambda: rerun.rerun(alice.batch_id, retired, alice.request))
    assert "Choose a model version" in refusal(lambda: rerun.rerun(alice.batch_id, None, alice.request))
    assert "Re-running" in rerun.rerun(alice.batch_id, str(candidate), alice.request)  # dropdown values may be text

    with runtime.db.session() as s:
        batch = s.get(Batch, alice.batch_id)
        assert batch is not None and batch.status == "planned" and batch.model_version_id == candidate
        # The earlier ranking is kept beside the new run.
        assert s.scalar(select(func.count()).select_from(Ranking).where(Ranking.batch_id == batch.id)) == 1
    # Followed as a new run: progress card, the timer on, the Cancel button shown.
    html, timer, status, cancel, *_rest, import_msg, rerun_msg = layout.follow(alice.batch_id, alice.request)
    assert status == "planned" and timer.active is True and cancel.visible is True and "Queued" in html
    assert import_msg == rerun_msg == ""  # no message left from another batch or run
    # After the re-run event the same, but the re-run's own message is left in place.
    again = layout.follow_rerun(alice.batch_id, alice.request)
    assert len(again) == len(layout.follow(alice.batch_id, alice.request)) - 1
    assert again[0] == html and again[2] == "planned" and again[-1] == ""  # the import message is cleared
    assert "Wait until the batch has finished" in refusal(lambda: rerun.rerun(alice.batch_id, candidate, alice.request))

    _html, timer, status = progress.cancel(alice.batch_id, alice.request)
    assert status == "cancelled" and timer.active is False
    with runtime.db.session() as s:
        assert s.scalar(select(Batch.status).where(Batch.id == alice.batch_id)) == "cancelled"
        assert s.scalar(select(ModelVersion.status).where(ModelVersion.id == candidate)) == "candidate"
