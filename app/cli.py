"""`creative4u` command line: up (what `make run` calls), web, worker, migrate, create-user; export, train and
models (app.cli_loop).

The CLI starts workers as subprocesses (`celery -A worker.celery_app`) and never imports `worker` itself.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time

from app.settings import Settings, load_settings_or_exit

FIRST_LOGIN_FILE = "first-login.txt"
LOCAL_ADMIN = "admin@localhost.localdomain"


def _migrate(settings: Settings) -> None:
    from app import migrate

    migrate.upgrade(settings.sqlalchemy_url)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    _migrate(settings)
    print(f"database is at the latest schema: {settings.sqlalchemy_url.split('@')[-1]}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from app.runtime import build_runtime
    from app.security.passwords import random_password
    from app.services.errors import ServiceError
    from app.services.users import create_user

    runtime = build_runtime(load_settings_or_exit())
    password = args.password or os.environ.get("CREATIVE4U_NEW_PASSWORD") or random_password()
    try:
        with runtime.db.transaction() as session:
            user = create_user(session, args.email, password, role=args.role, display_name=args.name or "")
    except ServiceError as error:
        print(f"creative4u: {error}", file=sys.stderr)
        return 1
    print(f"created {user.role} {user.email}")
    if not args.password:
        print(f"password: {password}")
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    """disable-user / enable-user: a disabled account's sessions end at once and it can no longer log in."""
    from app.runtime import build_runtime
    from app.services.users import count_admins, find_user, set_active

    runtime = build_runtime(load_settings_or_exit())
    with runtime.db.transaction() as session:
        user = find_user(session, args.email)
        if user is None:
            print(f"creative4u: no account {args.email}", file=sys.stderr)
            return 1
        if not args.active and user.role == "admin" and user.is_active and count_admins(session) <= 1:
            print("creative4u: refusing to disable the last active admin", file=sys.stderr)
            return 1
        set_active(session, user, args.active)
        email = user.email
    print(f"{'enabled' if args.active else 'disabled'} {email}")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.models import User
    from app.runtime import build_runtime

    runtime = build_runtime(load_settings_or_exit())
    with runtime.db.transaction() as session:
        for user in session.scalars(select(User).order_by(User.id)):
            print(f"{user.email}\t{user.role}\t{'active' if user.is_active else 'disabled'}")
    return 0


def _first_login(settings: Settings) -> tuple[str, str]:
    """The local admin made on the first `up`; its password is kept (mode 600) in the data folder."""
    from app.runtime import build_runtime
    from app.security.passwords import random_password
    from app.services.users import count_admins, create_user, find_user

    path = settings.data_dir / FIRST_LOGIN_FILE
    runtime = build_runtime(settings)
    with runtime.db.transaction() as session:
        if find_user(session, LOCAL_ADMIN) is None and count_admins(session) == 0:
            password = random_password()
            create_user(session, LOCAL_ADMIN, password, role="admin", display_name="Local admin")
            path.write_text(password + "\n")
            path.chmod(0o600)
    if path.exists():
        return LOCAL_ADMIN, path.read_text().strip()
    return "(an admin account)", "(the password you set; `creative4u create-user` adds another)"


def _redact(url: str) -> str:
    """Hide credentials in a URL before printing it."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def _beat_schedule(settings: Settings) -> str:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return str((settings.data_dir / "celerybeat-schedule").resolve())


def _worker_command(queues: str, pool: str, concurrency: int, name: str, beat_schedule: str | None = None) -> list[str]:
    command = [
        sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker",
        "-Q", queues, "--pool", pool, "--concurrency", str(concurrency),
        "--hostname", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    if beat_schedule:
        # Embedded beat sends the reconciler; exactly one per deployment (`up` runs one worker, so it is here).
        command += ["-B", "-s", beat_schedule]
    return command


def cmd_beat(args: argparse.Namespace) -> int:
    """The scheduler that sends the reconciler every reconcile_seconds: run exactly one per deployment."""
    settings = load_settings_or_exit()
    if not settings.redis_url:
        print("creative4u: beat needs CREATIVE4U_REDIS_URL (or use `creative4u up`)", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "beat",
               "-s", _beat_schedule(settings), "--loglevel", "INFO"]  # fmt: skip
    os.execv(sys.executable, command)  # noqa: S606 - replace this process with beat


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings_or_exit()
    redis = None
    if not settings.redis_url:
        from app.embedded_redis import EmbeddedRedis

        redis = EmbeddedRedis(settings.data_dir / "redis")
        os.environ["CREATIVE4U_REDIS_URL"] = redis.start()
        print(f"embedded Redis at {redis.url} (workers need CREATIVE4U_REDIS_URL={redis.url})")
    try:
        uvicorn.run("app.web.host:create_app", factory=True, host=settings.host, port=settings.port, log_level="info")
    finally:
        if redis is not None:
            redis.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    if not settings.redis_url:
        print("creative4u: a worker needs CREATIVE4U_REDIS_URL (or use `creative4u up`)", file=sys.stderr)
        return 2
    schedule = _beat_schedule(settings) if args.beat else None
    command = _worker_command(args.queues, args.pool, args.concurrency, args.name, schedule)
    os.execv(sys.executable, command)  # noqa: S606 - replace this process with the worker


def cmd_up(args: argparse.Namespace) -> int:
    """Everything on one machine: migrate, embedded Redis if none is configured, web and one worker."""
    settings = load_settings_or_exit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _migrate(settings)
    email, password = _first_login(settings)
    env = dict(os.environ)
    redis = None
    if not settings.redis_url:
        from app.embedded_redis import EmbeddedRedis

        redis = EmbeddedRedis(settings.data_dir / "redis")
        env["CREATIVE4U_REDIS_URL"] = redis.start()
    children = [
        subprocess.Popen([sys.executable, "-m", "app.cli", "web"], env=env),
        subprocess.Popen(_worker_command("cpu,gpu", "prefork", 1, "worker", _beat_schedule(settings)), env=env),
    ]
    print(
        f"\n  Creative4U Studio is running at http://{settings.host}:{settings.port}/\n"
        f"  first login: {email}  password: {password}\n"
        f"  comparator: {'MLLM ' + settings.model if settings.model else 'CPU features (no model configured)'}\n"
        f"  queue: {'embedded Redis at ' + env['CREATIVE4U_REDIS_URL'] if redis else _redact(settings.redis_url)}\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis is not None:
            redis.stop()
    return 0 if stopping else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="creative4u", description="Creative4U Studio")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run web + worker (+ embedded Redis) on this machine").set_defaults(func=cmd_up)
    sub.add_parser("web", help="run the web host").set_defaults(func=cmd_web)
    worker = sub.add_parser("worker", help="run a Celery worker (one per GPU)")
    worker.add_argument("--queues", default="cpu,gpu")
    worker.add_argument("--pool", default="prefork", choices=["prefork", "solo"])
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--name", default="worker")
    worker.add_argument("--beat", action="store_true", help="also send the reconciler (one per deployment)")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("beat", help="send the reconciler periodically (one per deployment)").set_defaults(func=cmd_beat)
    sub.add_parser("migrate", help="upgrade the database to the latest schema").set_defaults(func=cmd_migrate)
    create = sub.add_parser("create-user", help="add an account")
    create.add_argument("email")
    create.add_argument("--role", default="advertiser", choices=["advertiser", "admin"])
    create.add_argument("--name", default="")
    create.add_argument("--password", help="default: CREATIVE4U_NEW_PASSWORD or a random one, printed")
    create.set_defaults(func=cmd_create_user)
    sub.add_parser("list-users", help="list accounts with role and state").set_defaults(func=cmd_list_users)
    for name, active in (("disable-user", False), ("enable-user", True)):
        toggle = sub.add_parser(name, help=f"{name.split('-')[0]} an account (sessions end at once)")
        toggle.add_argument("email")
        toggle.set_defaults(func=cmd_set_active, active=active)
    from app.cli_loop import add_loop_commands  # export, train, models: the refresh loop

    add_loop_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
