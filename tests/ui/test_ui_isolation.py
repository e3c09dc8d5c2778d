"""Every UI event handler, called as advertiser Alice with Bob's batch, draft, creative and comparison ids:
refused with the same message as for an id that does not exist, nothing of Bob's in the answer, nothing of
Bob's changed (outcomes imported, batches re-run included). The same calls with Alice's own ids succeed, so a
refusal is the ownership check at work. Admin handlers (model versions included) are refused to advertisers;
no session at all is refused everywhere."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from sqlalchemy import func, select
from ui_tenants import Tenant, gradio_request, png_bytes, seed

from app.models import Batch, Creative, Feedback, ModelVersion, Outcome, User
from app.ui import admin, clicks, history, layout, modelversions, newbatch, pairs, progress, rerun, resultsview
from app.ui.context import ADMINS_ONLY, SESSION_ENDED

MISSING = 987_654


# Fixtures here rather than in a conftest.py: other test folders import their conftest by that bare name.
@pytest.fixture
def alice(runtime: Any) -> Tenant:
    return seed(runtime, "alice@example.com")


@pytest.fixture
def bob(runtime: Any) -> Tenant:
    return seed(runtime, "bob@example.com")


@pytest.fixture
def root(runtime: Any) -> Tenant:
    return seed(runtime, "root@example.com", role="admin")


def evt(**data: Any) -> gr.EventData:
    return gr.EventData(None, data)


def text_of(value: Any) -> str:
    """Everything a handler returned, as text: HTML strings, component updates, lists, ids."""
    if isinstance(value, tuple | list):
        return " ".join(text_of(v) for v in value)
    if isinstance(value, gr.components.Component | gr.blocks.BlockContext):
        return repr(value.__dict__)
    return repr(value)


def refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(gr.Error) as info:
        call()
    return str(info.value.message)


def outcomes_csv(folder: Path, t: Tenant, clicks_of: tuple[str, ...] = ("300", "150", "50")) -> str:
    """A clean outcomes file for tenant t's ranked batch (by creative id), or with the given clicks column."""
    path = folder / f"outcomes-{t.batch_id}-{'-'.join(clicks_of)}.csv"
    rows = "".join(f"{cid},5000,{k}\n" for cid, k in zip(t.creative_ids, clicks_of, strict=True))
    path.write_text("creative_id,impressions,clicks\n" + rows)
    return str(path)


def events(
    me: Tenant, other: Tenant, files: list[str], folder: Path, version_id: int
) -> dict[str, Callable[[Tenant], Any]]:
    """Each UI event, parametrized by whose ids it uses: `t` is the tenant whose ids are sent, `me` the caller."""
    r = me.request
    return {
        "estimate": lambda t: newbatch.estimate(None, "knockout", 1, None, t.draft_id, r),
        "upload": lambda t: newbatch.upload(list(files), "title", "q", "knockout", 1, None, t.draft_id, r),
        "start": lambda t: newbatch.start(t.draft_id, "", "", "round_robin", 1, None, r),
        "progress": lambda t: progress.render_progress(t.batch_id, r),
        "tick": lambda t: progress.tick(t.batch_id, "comparing", r),
        "follow": lambda t: layout.follow(t.batch_id, r),
        "tick_with_results": lambda t: layout.tick(t.batch_id, "comparing", r),
        "results": lambda t: resultsview.load(t.batch_id, r),
        "open_pair": lambda t: pairs.open_pair(me.batch_id, t.creative_ids[0], t.creative_ids[1], r),
        "open_pair_other_batch": lambda t: pairs.open_pair(t.batch_id, t.creative_ids[0], t.creative_ids[1], r),
        "open_pair_mixed": lambda t: pairs.open_pair(me.batch_id, me.creative_ids[0], t.creative_ids[1], r),
        "click_card": lambda t: pairs.on_click(t.batch_id, [], evt(creative=t.creative_ids[0]), r),
        "click_second_card": lambda t: pairs.on_click(
            me.batch_id, [me.creative_ids[0]], evt(creative=t.creative_ids[1]), r
        ),
        "click_heatmap": lambda t: pairs.on_click(t.batch_id, [], evt(a=t.creative_ids[0], b=t.creative_ids[1]), r),
        "comparison_feedback": lambda t: pairs.comparison_feedback(t.comparison_ids[0], "agree", "x", r),
        "ranking_feedback": lambda t: pairs.ranking_feedback(t.batch_id, "agree", None, "x", r),
        "ranking_prefer_other": lambda t: pairs.ranking_feedback(
            me.batch_id, "prefer_other", t.creative_ids[1], "x", r
        ),
        "open_history_row": lambda t: history.open_batch(evt(batch=t.batch_id), r),
        "open_history_id": lambda t: history.open_by_id(t.batch_id, r),
        "cancel": lambda t: progress.cancel(t.batch_id, r),
        "import_outcomes": lambda t: clicks.import_outcomes(t.batch_id, outcomes_csv(folder, t), r),
        # A file full of problems: still the batch is refused first, so no row-by-row answer leaks anything.
        "import_bad_outcomes": lambda t: clicks.import_outcomes(t.batch_id, outcomes_csv(folder, t, ("x",) * 3), r),
        "outcome_parts": lambda t: resultsview.outcome_parts(t.batch_id, r),
        "rerun": lambda t: rerun.rerun(t.batch_id, version_id, r),
    }


def _missing(t: Tenant) -> Tenant:
    ids = [MISSING, MISSING + 1, MISSING + 2]
    return dataclasses.replace(
        t, batch_id=MISSING, draft_id=MISSING + 5, creative_ids=ids, comparison_ids=ids, draft_creative_ids=ids
    )


def _snapshot(runtime: Any, tenant: Tenant) -> tuple[Any, ...]:
    with runtime.db.session() as s:
        owned = Batch.owner_id == tenant.user_id
        batches = tuple(s.execute(select(Batch.id, Batch.status, Batch.strategy).where(owned)))
        creatives = s.scalar(
            select(func.count()).select_from(Creative).join(Batch, Batch.id == Creative.batch_id).where(owned)
        )
        feedback = s.scalar(select(func.count()).select_from(Feedback))
        outcomes = s.scalar(select(func.count()).select_from(Outcome))
        reruns = tuple(s.scalars(select(Batch.model_version_id).where(owned)))
        return batches, creatives, feedback, outcomes, reruns


@pytest.fixture
def version_id(runtime: Any) -> int:
    """A candidate model version anyone may re-run a batch with."""
    from app.services import registry

    with runtime.db.transaction() as session:
        return registry.register_candidate(session, name="fake-candidate", backend="fake").id


@pytest.fixture
def upload_file(tmp_path: Path) -> list[str]:
    path = tmp_path / "fresh.png"
    path.write_bytes(png_bytes((12, 200, 34)))
    return [str(path)]


def test_every_ui_event_refuses_another_tenants_ids(
    runtime: Any, alice: Tenant, bob: Tenant, upload_file: list[str], tmp_path: Path, version_id: int
) -> None:
    before = _snapshot(runtime, bob)
    for name, call in events(alice, bob, upload_file, tmp_path, version_id).items():
        message = refusal(lambda call=call: call(bob))  # type: ignore[misc]
        assert bob.marker not in message, name
        # The same answer as for ids that do not exist: nothing tells Alice that Bob's ids are real.
        assert message == refusal(lambda call=call: call(_missing(bob))), name  # type: ignore[misc]
    assert _snapshot(runtime, bob) == before


def test_the_same_events_work_on_own_ids(
    runtime: Any, alice: Tenant, bob: Tenant, upload_file: list[str], tmp_path: Path, version_id: int
) -> None:
    """The control: with her own ids Alice gets her data (so the refusals above are the ownership checks)."""
    calls = events(alice, bob, upload_file, tmp_path, version_id)
    own = ("progress", "follow", "tick_with_results", "results", "open_pair", "click_heatmap")
    own += ("comparison_feedback", "ranking_feedback", "cancel")
    for name in own:
        out = text_of(calls[name](alice))
        assert alice.marker in out or "saved" in out, name
        assert bob.marker not in out, name
    assert "<b>2</b> images" in calls["estimate"](alice)  # her draft's two uploads
    batch_id, report, _files, _cost = calls["upload"](alice)
    assert batch_id == alice.draft_id and "fresh.png" in report
    assert not Path(upload_file[0]).exists() or not newbatch._in_upload_cache(upload_file[0])
    started, _draft, _msg = calls["start"](alice)
    assert started == alice.draft_id
    assert "problem(s) in the file" in calls["import_bad_outcomes"](alice)[0]
    assert "Imported 3 row(s)" in calls["import_outcomes"](alice)[0]
    assert "CTR 6.00%" in calls["outcome_parts"](alice)[0]
    # Her batch is finished (ranked; the cancel above found nothing running), so it can be re-run.
    assert "Re-running" in calls["rerun"](alice)
    with runtime.db.session() as s:
        assert s.scalar(select(Batch.model_version_id).where(Batch.id == alice.batch_id)) == version_id
        assert s.scalar(select(Batch.model_version_id).where(Batch.id == bob.batch_id)) is None


def test_history_lists_only_own_batches(alice: Tenant, bob: Tenant) -> None:
    mine = history.history("", alice.request)
    assert alice.marker in mine and bob.marker not in mine
    assert bob.marker not in history.history(bob.marker, alice.request)
    assert "No batches match" in history.history(bob.marker, alice.request)


def test_results_and_pairs_only_link_own_images(alice: Tenant, bob: Tenant) -> None:
    out = text_of(resultsview.load(alice.batch_id, alice.request))
    out += text_of(pairs.open_pair(alice.batch_id, alice.creative_ids[0], alice.creative_ids[2], alice.request))
    for cid in bob.creative_ids:
        assert f"/media/creatives/{cid}/" not in out
    assert f"/media/creatives/{alice.creative_ids[0]}/image" in out
    assert "gradio_api/file" not in out  # never an image from Gradio's cache


# Called with (request, a tenant, a model version id).
ADMIN_EVENTS: dict[str, Callable[[gr.Request, Tenant, int], Any]] = {
    "users": lambda r, t, v: admin.users_panel(r),
    "create_user": lambda r, t, v: admin.create_user("mallory@example.com", "long enough password", "admin", r),
    "disable": lambda r, t, v: admin.disable(t.email, r),
    "enable": lambda r, t, v: admin.enable(t.email, r),
    "queue": lambda r, t, v: admin.queue_panel(r),
    "canary": lambda r, t, v: admin.canary("cpu", r),
    "models": lambda r, t, v: admin.models_panel(r),
    "export": lambda r, t, v: admin.export_dataset(0.2, r),
    "version_pickers": lambda r, t, v: modelversions.pickers(v, None, r),
    "evaluate": lambda r, t, v: modelversions.evaluate(v, 1, r),
    "promote": lambda r, t, v: modelversions.promote(v, r),
    "rollback": lambda r, t, v: modelversions.rollback(r),
}


def test_admin_events_refused_to_advertisers(runtime: Any, alice: Tenant, bob: Tenant, version_id: int) -> None:
    for name, call in ADMIN_EVENTS.items():
        message = refusal(lambda call=call: call(alice.request, bob, version_id))  # type: ignore[misc]
        assert message == ADMINS_ONLY, name
    with runtime.db.session() as s:
        assert s.scalar(select(User).where(User.email == "mallory@example.com")) is None
        assert s.scalar(select(User.is_active).where(User.id == bob.user_id)) is True
        version = s.get(ModelVersion, version_id)
        assert version is not None and version.status == "candidate" and version.evaluation is None
    _html, tab = layout.header(alice.request)
    assert tab.visible is False


def test_admin_events_work_for_admins(runtime: Any, root: Tenant, bob: Tenant) -> None:
    assert bob.email in admin.users_panel(root.request)
    message, table = admin.create_user("carol@example.com", "long enough password", "advertiser", root.request)
    assert "Created carol@example.com" in message and "carol@example.com" in table
    message, _ = admin.disable(bob.email, root.request)
    assert "disabled" in message
    # Disabling ends Bob's sessions at once: his next UI event is refused.
    assert refusal(lambda: progress.render_progress(bob.batch_id, bob.request)) == SESSION_ENDED
    assert "No registered model versions" in admin.models_panel(root.request) or "<table" in admin.models_panel(
        root.request
    )
    assert "waiting" in admin.queue_panel(root.request)
    # No outcomes or feedback yet: the export says so rather than writing an empty dataset.
    assert "No labelled pairs" in refusal(lambda: admin.export_dataset(0.2, root.request))
    _html, tab = layout.header(root.request)
    assert tab.visible is True


@pytest.mark.parametrize("token", [None, "not-a-session"])
def test_no_session_is_refused_everywhere(
    alice: Tenant, bob: Tenant, upload_file: list[str], tmp_path: Path, version_id: int, token: str | None
) -> None:
    anonymous = dataclasses.replace(alice, request=gradio_request(token))
    for name, call in events(anonymous, bob, upload_file, tmp_path, version_id).items():
        assert refusal(lambda call=call: call(alice)) == SESSION_ENDED, name  # type: ignore[misc]
    for name, admin_call in ADMIN_EVENTS.items():
        message = refusal(lambda c=admin_call: c(anonymous.request, alice, version_id))  # type: ignore[misc]
        assert message == SESSION_ENDED, name
    with contextlib.suppress(gr.Error):
        history.history("", anonymous.request)
        raise AssertionError("history answered without a session")
