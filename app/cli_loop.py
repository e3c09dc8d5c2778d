"""`creative4u export | train sft|grpo | models list|evaluate|promote|rollback`: the refresh loop from a shell.

Commands that change the registry act as an admin account (`--by EMAIL`; by default the only active admin).
Training runs in this process (the GPU when there is one); each adapter it writes becomes a candidate version.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.settings import load_settings_or_exit


def _friendly(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Service errors (bad input, missing rows, refusals) become one line on stderr and exit status 1."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        from app.services.errors import ServiceError

        try:
            return func(args)
        except ServiceError as error:
            print(f"creative4u: {error}", file=sys.stderr)
            return 1

    return run


def _runtime() -> Any:
    from app.runtime import build_runtime

    return build_runtime(load_settings_or_exit())


def _admin(session: Any, email: str | None) -> Any:
    from app.models import User
    from app.services.errors import NotFound

    if email:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None or not user.is_admin or not user.is_active:
            raise NotFound(f"{email} is not an active admin account.")
        return user
    admins = list(session.scalars(select(User).where(User.role == "admin", User.is_active.is_(True))))
    if len(admins) != 1:
        raise NotFound(f"{len(admins)} active admin accounts; say which one with --by EMAIL.")
    return admins[0]


@_friendly
def cmd_export(args: argparse.Namespace) -> int:
    from app.services.exports import ExportFilters, create_export

    runtime = _runtime()
    filters = ExportFilters(
        since=args.since, until=args.until, advertiser_ids=tuple(args.advertiser or ()),
        sources=tuple(args.source or ("ctr", "feedback")), test_fraction=args.test_fraction, seed=args.seed,
        min_impressions=args.min_impressions, min_relative_diff=args.min_relative_diff, label_method=args.label_method,
    )  # fmt: skip
    with runtime.db.transaction() as session:
        result = create_export(session, _admin(session, args.by), filters)
    pairs = result.counts["pairs"]
    print(f"export {result.id}: {pairs['total']} pairs ({pairs['train']} train, {pairs['test']} test) in {result.path}")
    return 0


@_friendly
def cmd_import_outcomes(args: argparse.Namespace) -> int:
    """Impressions and clicks for one batch from a CSV; all-or-nothing, every bad row reported."""
    from app.services.outcomes import OutcomeImportError, import_csv

    data = Path(args.csv).read_bytes()
    runtime = _runtime()
    try:
        with runtime.db.transaction() as session:
            result = import_csv(session, _admin(session, args.by), args.batch, data, source=args.source)
    except OutcomeImportError as error:
        print(f"creative4u: nothing was imported from {args.csv}:", file=sys.stderr)
        for problem in error.errors:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        f"batch {result.batch_id}: {result.inserted} outcome(s) added, {result.replaced} replaced; "
        f"{result.labelled_pairs} CTR-labelled pair(s)"
    )
    return 0


def _training_run(runtime: Any, stage: str, config: dict[str, Any]) -> int:
    from app.models import Export, TrainingRun

    with runtime.db.transaction() as session:
        dataset = str(Path(config["dataset"]).resolve())
        export_id = session.scalar(select(Export.id).where(Export.path.in_([config["dataset"], dataset])))
        run = TrainingRun(kind=stage, config=config, export_id=export_id, status="running")
        session.add(run)
        session.flush()
        return int(run.id)


@_friendly
def cmd_train(args: argparse.Namespace) -> int:
    from app.models import TrainingRun, utcnow
    from app.services.registry import register_candidate
    from selector.training.cli import STAGES, run_stage
    from selector.training.config import as_dict, from_args

    runtime = _runtime()
    config = as_dict(from_args(STAGES[args.stage], args))
    run_id = _training_run(runtime, args.stage, config)
    try:
        result = run_stage(args)
    except Exception as error:
        with runtime.db.transaction() as session:
            run = session.get(TrainingRun, run_id)
            run.status, run.finished_at, run.log = "failed", utcnow(), traceback.format_exc()[-20000:]
        print(f"creative4u: training failed: {error}", file=sys.stderr)
        return 1
    with runtime.db.transaction() as session:
        run = session.get(TrainingRun, run_id)
        run.status, run.finished_at, run.output_path = "done", utcnow(), result.adapter_dir
        run.log = json.dumps(result.log, default=str)[-20000:]
        version = None
        if args.register:
            name = args.name or f"{args.stage}-run{run_id}"
            version = register_candidate(
                session, name=name, backend="mllm", base_model=result.base_model,
                adapter_path=str(Path(result.adapter_dir).resolve()), training_run_id=run_id,
            )  # fmt: skip
        print(
            f"training run {run_id}: {result.steps} steps, final loss {result.final_loss}, adapter {result.adapter_dir}"
        )
        if version is not None:
            print(
                f"candidate model version {version.id} ({version.name}); next: creative4u models evaluate {version.id}"
            )
    return 0


def _print_versions(session: Any) -> None:
    from app.services.registry import describe, list_versions

    rows = [describe(v) for v in list_versions(session)]
    if not rows:
        print("no model versions registered; workers use the settings comparator")
    for r in rows:
        accuracy = "-" if r["accuracy"] is None else f"{r['accuracy']:.3f}"
        print(f"{r['id']:>4}  {r['status']:<9} {r['name']:<28} {r['backend']:<8} accuracy {accuracy:<6} {r['adapter']}")


@_friendly
def cmd_models(args: argparse.Namespace) -> int:
    from app.services import registry
    from app.services.evaluation import build_comparator, evaluate_version, resolve_dataset, side_by_side

    runtime = _runtime()
    with runtime.db.transaction() as session:
        if args.action == "list":
            _print_versions(session)
            return 0
        admin = _admin(session, args.by)
        if args.action == "evaluate":
            dataset = resolve_dataset(session, args.dataset, args.export_id)
            settings = runtime.settings
            report = evaluate_version(
                session, admin, args.version, dataset, build=lambda row: build_comparator(row, settings)
            )
            print(f"{'metric':<20} {'candidate':>14} {'active':>14}")
            for metric, cand, active in side_by_side(report):
                show = [
                    f"{v:.3f}" if isinstance(v, float) else str(v if v is not None else "-") for v in (cand, active)
                ]
                print(f"{metric:<20} {show[0]:>14} {show[1]:>14}")
        elif args.action == "promote":
            row = registry.promote(session, admin, args.version)
            print(f"{row.name} is now active; new batches use it (running ones keep their version)")
        elif args.action == "rollback":
            row = registry.rollback(session, admin)
            print(f"rolled back: {row.name} is active again")
    return 0


def add_loop_commands(sub: argparse._SubParsersAction) -> None:
    from selector.training.cli import add_stage_parsers

    export = sub.add_parser("export", help="export labelled pairs for training (admin)")
    export.add_argument("--since", type=date.fromisoformat, help="labels from this day (YYYY-MM-DD)")
    export.add_argument("--until", type=date.fromisoformat, help="labels up to this day")
    export.add_argument("--advertiser", type=int, action="append", help="batch owner id (repeat for several)")
    export.add_argument("--source", choices=["ctr", "feedback"], action="append", help="label source (repeatable)")
    export.add_argument("--test-fraction", type=float, default=0.2)
    export.add_argument("--seed", type=int, default=0)
    export.add_argument("--min-impressions", type=int, default=1000)
    export.add_argument("--min-relative-diff", type=float, default=0.6)
    export.add_argument("--label-method", choices=["paper", "ztest", "both"], default="paper")
    export.add_argument("--by", help="admin email (default: the only admin)")
    export.set_defaults(func=cmd_export)

    outcomes = sub.add_parser("import-outcomes", help="import a batch's impressions and clicks from a CSV (admin)")
    outcomes.add_argument("batch", type=int, help="batch id")
    outcomes.add_argument("csv", help="creative_id or filename, impressions, clicks[, conversions, period]")
    outcomes.add_argument("--source", default="csv", help="where the figures come from (re-import replaces)")
    outcomes.add_argument("--by", help="admin email (default: the only admin)")
    outcomes.set_defaults(func=cmd_import_outcomes)

    train = sub.add_parser("train", help="CoT-SFT or GRPO on an export; the adapter becomes a candidate")
    stages = train.add_subparsers(dest="stage", required=True)
    add_stage_parsers(stages)
    for stage in stages.choices.values():
        stage.add_argument("--name", default="", help="model version name (default: <stage>-run<id>)")
        stage.add_argument("--register", action=argparse.BooleanOptionalAction, default=True)
        stage.set_defaults(func=cmd_train)

    models = sub.add_parser("models", help="model versions: list, evaluate, promote, rollback")
    actions = models.add_subparsers(dest="action", required=True)
    actions.add_parser("list").set_defaults(func=cmd_models)
    evaluate = actions.add_parser("evaluate", help="evaluate on held-out pairs beside the active version")
    evaluate.add_argument("version", type=int)
    evaluate.add_argument("--export-id", type=int)
    evaluate.add_argument("--dataset", help="an export folder (instead of --export-id)")
    promote = actions.add_parser("promote", help="make an evaluated version active")
    promote.add_argument("version", type=int)
    rollback = actions.add_parser("rollback", help="re-activate the previously promoted version")
    for parser in (evaluate, promote, rollback):
        parser.add_argument("--by", help="admin email (default: the only admin)")
        parser.set_defaults(func=cmd_models)
