"""The page: tabs for a new batch, the followed batch (progress, results, comparison, feedback), history and
admin, and the wiring of their events to the handlers. Session state (draft, followed batch, picks) lives on
the server in gr.State; the handlers re-check every id against the logged-in user anyway."""

from __future__ import annotations

from typing import Any

import gradio as gr

from app.ui import admin, clicks, history, modelversions, newbatch, pairs, progress, rerun, resultsview
from app.ui.context import reading
from app.ui.render import empty, esc
from app.ui.styles import CSS

LOGOUT = '<form method="post" action="/logout"><button type="submit">Log out</button></form>'


def header(request: gr.Request) -> tuple[str, Any]:
    """The top bar (who is logged in, log out) and the Admin tab, shown to admins only."""
    with reading(request) as (_rt, _session, user):
        email, role, is_admin = user.email, user.role, user.is_admin
    html = (
        '<div class="c4u-topbar"><h1>Creative4U Studio</h1><span class="c4u-sub">Pick the ad creative shoppers '
        f'will click</span><span class="c4u-spacer"></span><span>{esc(email)} '
        f'<span class="c4u-badge c4u-grey">{esc(role)}</span></span>{LOGOUT}</div>'
    )
    return html, gr.Tab(visible=is_admin)


RESULT_PARTS = 9  # what resultsview.load returns


def follow(batch_id: int | None, request: gr.Request) -> tuple[Any, ...]:
    """Start following a batch: its progress, the timer on while it runs, the cancel button, its results so far,
    a closed comparison panel, and no import or re-run message left from another batch or run."""
    html, status = progress.render_progress(batch_id, request)
    running = bool(status) and status not in progress.FINAL_STATUSES
    closed: tuple[Any, ...] = ("", None, "", [], "", "")
    return (html, gr.Timer(active=running), status, gr.Button(visible=running),
            *resultsview.load(batch_id, request), *closed)  # fmt: skip


def follow_rerun(batch_id: int | None, request: gr.Request) -> tuple[Any, ...]:
    """Follow a batch just re-run, keeping the re-run's message (the last of follow's outputs)."""
    return follow(batch_id, request)[:-1]


def tick(batch_id: int | None, last_status: str, request: gr.Request) -> tuple[Any, ...]:
    """Timer tick: the progress card; the results are reloaded only when the status moved (done in this event,
    not on a state change, so no update can be missed)."""
    html, timer, status = progress.tick(batch_id, last_status, request)
    moved = status != last_status
    results = resultsview.load(batch_id, request) if moved else tuple(gr.update() for _ in range(RESULT_PARTS))
    return html, timer, status, gr.Button(visible=status in progress.RUNNING), *results


def _new_batch_tab(draft: gr.State, current: gr.State, tabs: gr.Tabs) -> Any:
    """The form; returns the start event, which the caller chains to follow the batch."""
    with gr.Row():
        with gr.Column(scale=3):
            files = gr.File(
                label="Creatives: drop many images, or a zip of them",
                file_count="multiple",
                type="filepath",
                elem_id="c4u-files",
            )
            report = gr.HTML(elem_id="c4u-report")
        with gr.Column(scale=2):
            title = gr.Textbox(label="Product title", max_length=500, elem_id="c4u-title")
            queries = gr.Textbox(
                label="High-frequency search queries",
                lines=6,
                placeholder="One per line, or paste a search-terms report (the first column is used).",
                elem_id="c4u-queries",
            )
            strategy = gr.Radio(
                newbatch.STRATEGIES, value="knockout", label="What do you need?", elem_id="c4u-strategy"
            )
            top_k = gr.Slider(1, 20, value=3, step=1, label="k: how many of the best", visible=False)
            budget = gr.Number(
                label="Budget: at most this many model calls (0: what the strategy needs)",
                precision=0,
                value=None,
                minimum=0,
                elem_id="c4u-budget",
            )
            cost = gr.HTML(empty("Add at least two images to see what the batch will cost."), elem_id="c4u-cost")
            with gr.Row():
                upload_btn = gr.Button("Upload and check files", elem_id="c4u-upload")
                start_btn = gr.Button("Start ranking", variant="primary", elem_id="c4u-start")

    strategy.change(lambda s: gr.Slider(visible=s == "top_k"), strategy, top_k, queue=False)
    cost_inputs = [files, strategy, top_k, budget, draft]
    for trigger in (files.change, strategy.change, top_k.release, budget.change):
        trigger(newbatch.estimate, cost_inputs, cost, show_progress="hidden")
    upload_btn.click(
        newbatch.upload, [files, title, queries, strategy, top_k, budget, draft], [draft, report, files, cost]
    )
    return start_btn.click(
        newbatch.start, [draft, title, queries, strategy, top_k, budget], [current, draft, report]
    ).success(lambda: gr.Tabs(selected="batch"), None, tabs)


def build_ui() -> gr.Blocks:
    # delete_cache: uploads the person never submitted leave Gradio's cache within the hour (submitted ones
    # are deleted at once by newbatch.upload).
    with gr.Blocks(title="Creative4U Studio", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.HTML(f"<style>{CSS}</style>", padding=False)
        top = gr.HTML()
        draft = gr.State(None)
        current = gr.State(None)
        picked = gr.State([])
        comparison = gr.State(None)
        status = gr.State("")
        timer = gr.Timer(1.0, active=False)

        with gr.Tabs(selected="new") as tabs:
            with gr.Tab("New batch", id="new"):
                started = _new_batch_tab(draft, current, tabs)

            with gr.Tab("Batch", id="batch"):
                progress_html = gr.HTML(empty("Start a batch, or open one from History."), elem_id="c4u-progress")
                cancel_btn = gr.Button(
                    "Cancel this batch", size="sm", variant="stop", visible=False, elem_id="c4u-cancel"
                )
                header_html = gr.HTML(elem_id="c4u-results-header")
                gallery_html = gr.HTML(js_on_load=resultsview.CLICK_JS, elem_id="c4u-gallery")
                with gr.Row():
                    pick_a = gr.Dropdown(label="Image A", choices=[], elem_id="c4u-pick-a")
                    pick_b = gr.Dropdown(label="Image B", choices=[], elem_id="c4u-pick-b")
                    compare_btn = gr.Button("Compare these two", elem_id="c4u-compare", scale=0, min_width=200)
                pair_html = gr.HTML(elem_id="c4u-pair")
                with gr.Accordion("Your feedback on the comparison above", open=True):
                    pair_verdict = gr.Radio(pairs.VERDICTS, label="The model's pick", elem_id="c4u-pair-verdict")
                    pair_comment = gr.Textbox(label="Comment (optional)", lines=2, elem_id="c4u-pair-comment")
                    pair_send = gr.Button("Send feedback", elem_id="c4u-pair-send")
                    pair_msg = gr.HTML(elem_id="c4u-pair-msg")
                with gr.Row():
                    chart_html = gr.HTML(elem_id="c4u-chart", min_width=420)
                    heat_html = gr.HTML(js_on_load=resultsview.CLICK_JS, elem_id="c4u-heatmap", min_width=420)
                outcomes_html = gr.HTML(elem_id="c4u-outcomes")
                with gr.Accordion("Your feedback on the ranking", open=False):
                    rank_verdict = gr.Radio(pairs.VERDICTS, label="The model's winner", elem_id="c4u-rank-verdict")
                    rank_prefer = gr.Dropdown(label="The image you would pick instead", choices=[])
                    rank_comment = gr.Textbox(label="Comment (optional)", lines=2)
                    rank_send = gr.Button("Send feedback on the ranking", elem_id="c4u-rank-send")
                    rank_msg = gr.HTML()
                with gr.Accordion("Import click outcomes", open=False, elem_id="c4u-import"):
                    gr.HTML(
                        '<p class="c4u-sub">A CSV with a header: <code>creative_id</code> or <code>filename</code>, '
                        "<code>impressions</code>, <code>clicks</code>, optionally <code>conversions</code> and "
                        "<code>period</code> (YYYY-MM-DD, or <code>period_start</code> and <code>period_end</code>). "
                        "Every row is checked first: a file with any problem imports nothing.</p>"
                    )
                    outcomes_file = gr.File(
                        label="Outcomes CSV", file_types=[".csv"], type="filepath", elem_id="c4u-outcomes-file"
                    )
                    import_btn = gr.Button("Import click outcomes", elem_id="c4u-import-btn")
                    import_msg = gr.HTML(elem_id="c4u-import-msg")
                with gr.Accordion("Re-run with another model version", open=False, elem_id="c4u-rerun-box"):
                    with gr.Row():
                        rerun_pick = gr.Dropdown(label="Model version", choices=[], elem_id="c4u-rerun-version")
                        rerun_btn = gr.Button("Re-run with this version", scale=0, min_width=220, elem_id="c4u-rerun")
                    rerun_msg = gr.HTML(elem_id="c4u-rerun-msg")

            with gr.Tab("History", id="history") as history_tab:
                search = gr.Textbox(label="Search by name, product or status", elem_id="c4u-search")
                history_html = gr.HTML(js_on_load=history.OPEN_JS, elem_id="c4u-history")

            with gr.Tab("Admin", id="admin", visible=False) as admin_tab:
                with gr.Accordion("Users", open=True):
                    users_html = gr.HTML()
                    with gr.Row():
                        new_email = gr.Textbox(label="Email")
                        new_password = gr.Textbox(label="Password", type="password")
                        new_role = gr.Radio(["advertiser", "admin"], value="advertiser", label="Role")
                        create_btn = gr.Button("Create user")
                    with gr.Row():
                        target = gr.Textbox(label="Email to disable or enable")
                        disable_btn = gr.Button("Disable")
                        enable_btn = gr.Button("Enable")
                    admin_msg = gr.HTML()
                with gr.Accordion("Queue health", open=True):
                    queue_html = gr.HTML()
                    with gr.Row():
                        queue_refresh = gr.Button("Refresh")
                        canary_queue = gr.Radio(["cpu", "gpu"], value="cpu", label="Canary queue")
                        canary_btn = gr.Button("Run canary")
                    canary_msg = gr.HTML()
                with gr.Accordion("Model versions", open=True):
                    models_html = gr.HTML()
                    with gr.Row():
                        mv_version = gr.Dropdown(label="Model version", choices=[], elem_id="c4u-mv-version")
                        mv_export = gr.Dropdown(label="Evaluate on the held-out pairs of", choices=[])
                    with gr.Row():
                        evaluate_btn = gr.Button("Evaluate", elem_id="c4u-mv-evaluate")
                        promote_btn = gr.Button("Promote to active", variant="primary", elem_id="c4u-mv-promote")
                        rollback_btn = gr.Button("Roll back to the previous version", elem_id="c4u-mv-rollback")
                    mv_msg = gr.HTML(elem_id="c4u-mv-msg")
                with gr.Accordion("Training data export", open=False):
                    with gr.Row():
                        test_fraction = gr.Slider(0.0, 0.5, value=0.2, step=0.05, label="Held-out test share")
                        export_btn = gr.Button("Export labelled pairs")
                    export_msg = gr.HTML()

        results_outputs = [
            header_html, gallery_html, chart_html, heat_html, outcomes_html, pick_a, pick_b, rank_prefer, rerun_pick,
        ]  # fmt: skip
        demo.load(header, None, [top, admin_tab])
        follow_outputs = [
            progress_html, timer, status, cancel_btn, *results_outputs, pair_html, comparison, pair_msg, picked,
            import_msg, rerun_msg,
        ]  # fmt: skip
        started.then(follow, current, follow_outputs)
        timer.tick(tick, [current, status], [progress_html, timer, status, cancel_btn, *results_outputs],
                   show_progress="hidden")  # fmt: skip
        cancel_btn.click(progress.cancel, current, [progress_html, timer, status]).then(follow, current, follow_outputs)

        click_outputs = [picked, pick_a, pick_b, pair_html, comparison]

        # "multiple": a second card clicked while the first click is still being handled must not be dropped.
        gallery_html.click(pairs.on_click, [current, picked], click_outputs, trigger_mode="multiple")
        heat_html.click(pairs.on_click, [current, picked], click_outputs, trigger_mode="multiple")
        compare_btn.click(pairs.open_pair, [current, pick_a, pick_b], [pair_html, comparison])
        pair_send.click(pairs.comparison_feedback, [comparison, pair_verdict, pair_comment], pair_msg)
        rank_send.click(pairs.ranking_feedback, [current, rank_verdict, rank_prefer, rank_comment], rank_msg)

        import_btn.click(clicks.import_outcomes, [current, outcomes_file], [import_msg, outcomes_file]).success(
            resultsview.outcome_parts, current, [gallery_html, outcomes_html]
        )
        # A re-run is followed like a new batch: progress card, timer, Cancel button.
        rerun_btn.click(rerun.rerun, [current, rerun_pick], rerun_msg).success(
            follow_rerun, current, follow_outputs[:-1]
        )

        history_tab.select(history.history, search, history_html)
        search.submit(history.history, search, history_html)
        history_html.click(history.open_batch, None, [current, tabs]).success(follow, current, follow_outputs)

        admin_tab.select(admin.users_panel, None, users_html).then(admin.queue_panel, None, queue_html).then(
            admin.models_panel, None, models_html
        ).then(modelversions.pickers, [mv_version, mv_export], [mv_version, mv_export])
        create_btn.click(admin.create_user, [new_email, new_password, new_role], [admin_msg, users_html]).success(
            lambda: ("", ""), None, [new_email, new_password], queue=False
        )
        disable_btn.click(admin.disable, [target], [admin_msg, users_html])
        enable_btn.click(admin.enable, [target], [admin_msg, users_html])
        queue_refresh.click(admin.queue_panel, None, queue_html)
        canary_btn.click(admin.canary, canary_queue, canary_msg)
        export_btn.click(admin.export_dataset, test_fraction, export_msg).then(
            modelversions.pickers, [mv_version, mv_export], [mv_version, mv_export]
        )
        for button, handler, inputs in (
            (evaluate_btn, modelversions.evaluate, [mv_version, mv_export]),
            (promote_btn, modelversions.promote, [mv_version]),
            (rollback_btn, modelversions.rollback, []),
        ):
            button.click(handler, inputs, mv_msg).then(admin.models_panel, None, models_html).then(
                modelversions.pickers, [mv_version, mv_export], [mv_version, mv_export]
            )
    return demo
