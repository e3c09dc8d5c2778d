"""The whole advertiser journey in a real browser: Debian's chromium driven by Playwright against the real host
(uvicorn subprocess) and a real Celery worker subprocess (the default CPU features comparator) on Redis with
this test's own key prefix.

Log in, drop four images, a zip and a file that is not an image, see the per-file report and the cost, start,
watch the progress, wait for the ranking, open a comparison by clicking two creatives, give feedback, download
the CSV. Screenshots go to docs/screenshots/ for the README.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from creatives import write_batch
from sqlalchemy import select

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EMAIL, PASSWORD = "marketer@example.com", "correct horse battery"
ADMIN = "admin@example.com"
# A pasted search-terms report: the first column is the query, the header row is skipped.
REPORT = "\n".join(
    ["Search term\tImpressions\tCTR", "running shoes\t48210\t3.1%", "lightweight sneakers\t20511\t2.4%",
     "shoes sale\t9120\t4.0%"]
)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A product process in its own session, so stopping it also ends its children (Celery's pool)."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture
def stack(runtime: Any, app_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """The host and one worker as separate processes on this test's database, media folder and Redis prefix."""
    from app.services.users import create_user

    with runtime.db.transaction() as session:
        create_user(session, EMAIL, PASSWORD, role="advertiser")
        create_user(session, ADMIN, PASSWORD, role="admin")
    port = _free_port()
    env = {**os.environ, **app_env, "CREATIVE4U_PORT": str(port)}
    web = Process([sys.executable, "-m", "app.cli", "web"], env, tmp_path / "web.log")
    worker = Process(
        [
            sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", "cpu,gpu",
            "--pool", "prefork", "--concurrency", "1", "--hostname", f"browser{port}@test", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        env,
        tmp_path / "worker.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert web.proc.poll() is None, web.text()
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, web.text()
            time.sleep(0.3)
        while " ready." not in worker.log.read_text(errors="replace"):
            assert worker.proc.poll() is None and time.monotonic() < deadline, worker.text()
            time.sleep(0.3)
        yield base, {"web": web, "worker": worker}
    finally:
        web.stop()
        worker.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browsers` (or apt-get install chromium) installs it")
    from playwright.sync_api import expect, sync_playwright

    # The machine is shared: give every UI expectation room, not Playwright's 5 s default.
    expect.set_options(timeout=30_000)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page: Any, name: str, locator: Any = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    if locator is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        locator.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a picture, not a blank page


def _login(page: Any, base: str, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/ui")
    expect(page).to_have_url(f"{base}/login?next=/ui")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".c4u-topbar")).to_contain_text(email, timeout=60_000)


def test_marketer_journey(stack: tuple[str, dict[str, Any]], browser: Any, runtime: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from app.models import Batch, Feedback

    base, procs = stack
    files = [str(p) for p in write_batch(tmp_path / "creatives")]
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # Log in through the host's own page; /ui without a session sends us there.
        _login(page, base, EMAIL)
        expect(page.get_by_role("tab", name="Admin")).to_have_count(0)  # advertisers get no admin tab

        # New batch: files, brief, strategy; the report names the rejected file and keeps the rest.
        page.locator("#c4u-files input[type=file]").set_input_files(files)
        page.get_by_label("Product title").fill("Men's lightweight running shoes")
        page.get_by_label("High-frequency search queries").fill(REPORT)
        page.get_by_label("Full ranking (every pair)").check()
        expect(page.locator("#c4u-cost")).to_contain_text("model calls", timeout=30_000)
        page.click("#c4u-upload")
        report = page.locator("#c4u-report")
        expect(report).to_contain_text("Accepted 5 file(s)", timeout=60_000)
        expect(report).to_contain_text("notes.png: not a JPEG, PNG, WebP or GIF image")
        expect(page.locator("#c4u-cost")).to_contain_text("20 model calls")  # 5 images, every pair, both orders
        _shot(page, "new-batch")

        # Start: the Batch tab follows it live (timer-driven, no reload).
        page.click("#c4u-start")
        card = page.locator("#c4u-progress .c4u-progress-card")
        expect(card).to_be_visible(timeout=60_000)
        running = page.locator("#c4u-progress [data-status=comparing], #c4u-progress [data-status=validating]")
        with contextlib.suppress(AssertionError):  # a fast worker may finish before we look
            expect(running).to_be_visible(timeout=30_000)
            _shot(page, "progress", page.locator("#c4u-progress"))
        expect(page.locator("#c4u-progress [data-status=ranked]")).to_be_visible(timeout=240_000)
        if not (SHOTS / "progress.png").exists():
            _shot(page, "progress", page.locator("#c4u-progress"))
        expect(page.locator("#c4u-progress")).to_contain_text("20 of 20 model calls done")

        # Results: five ranked cards, chart, heatmap; every image comes from the host's /media route.
        cards = page.locator("#c4u-gallery .c4u-card")
        expect(cards).to_have_count(5, timeout=60_000)
        expect(page.locator("#c4u-gallery .c4u-card").first).to_contain_text("rank 1")
        expect(page.locator("#c4u-gallery .c4u-rank").first).to_have_text("#1")
        expect(page.locator("#c4u-gallery .c4u-card").first.locator(".c4u-best")).to_have_text("Model pick")
        expect(page.locator("#c4u-chart svg")).to_be_visible()
        expect(page.locator("#c4u-heatmap .c4u-cell").first).to_be_visible()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#c4u-gallery img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        sources = page.eval_on_selector_all("[id^=c4u] img", "imgs => imgs.map(i => i.getAttribute('src'))")
        assert len(sources) >= 6 and all(s.startswith("/media/creatives/") for s in sources), sources
        _shot(page, "results")

        # Open a comparison by clicking two creatives: both images, verdicts in both orders, protocol, reasoning.
        cards.nth(0).click()
        cards.nth(1).click()
        pair = page.locator("#c4u-pair")
        expect(pair.locator(".c4u-verdict")).to_be_visible(timeout=60_000)
        expect(pair.locator(".c4u-pair-card img")).to_have_count(2)
        expect(pair.locator(".c4u-order h4")).to_have_text(["A shown first", "B shown first"])
        expect(pair.locator(".c4u-protocol tbody tr")).to_have_count(10)
        expect(pair.locator(".c4u-reasoning pre").first).not_to_be_empty()

        # Feedback on that comparison.
        page.get_by_label("Agree with the model").check()
        page.locator("#c4u-pair-comment textarea").fill("The sale badge is what shoppers click.")
        page.click("#c4u-pair-send")
        expect(page.locator("#c4u-pair-msg")).to_contain_text("saved on this comparison", timeout=60_000)
        pair.scroll_into_view_if_needed()
        _shot(page, "comparison", page.locator("#c4u-pair"))

        # The CSV download is the host's export route, with the ranked filenames.
        href = page.get_attribute("#c4u-results-header a[href$='export.csv']", "href")
        csv = page.request.get(f"{base}{href}")
        assert csv.status == 200 and "summer-sale.png" in csv.text()
    finally:
        page.close()

    with runtime.db.session() as session:
        batch = session.scalars(select(Batch)).one()
        assert batch.status == "ranked" and batch.strategy == "round_robin"
        assert batch.queries == ["running shoes", "lightweight sneakers", "shoes sale"]
        saved = session.scalars(select(Feedback)).one()
        assert saved.verdict == "agree" and saved.comment.startswith("The sale badge")
    assert errors == [], errors
    assert procs["web"].proc.poll() is None, procs["web"].text()


def test_admin_pages(stack: tuple[str, dict[str, Any]], browser: Any, runtime: Any) -> None:
    """An admin sees the Admin tab: creates and disables an account, reads queue health, runs a canary that the
    real worker answers, and lists model versions."""
    from playwright.sync_api import expect

    from app.models import User

    base, _procs = stack
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    try:
        _login(page, base, ADMIN)
        page.get_by_role("tab", name="Admin").click()
        expect(page.get_by_text(EMAIL)).to_be_visible(timeout=60_000)
        page.get_by_label("Email", exact=True).fill("newcomer@example.com")
        page.get_by_label("Password", exact=True).fill("a long enough password")
        page.get_by_role("button", name="Create user").click()
        expect(page.get_by_text("Created newcomer@example.com (advertiser).")).to_be_visible(timeout=60_000)
        page.get_by_label("Email to disable or enable").fill(EMAIL)
        page.get_by_role("button", name="Disable").click()
        expect(page.get_by_text(f"{EMAIL} is now disabled.")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("cpu: 0 waiting")).to_be_visible()
        page.get_by_role("button", name="Run canary").click()
        expect(page.get_by_text("A worker on the cpu queue answered")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("No registered model versions")).to_be_visible()
        _shot(page, "admin")
    finally:
        page.close()
    with runtime.db.session() as session:
        assert session.scalar(select(User.is_active).where(User.email == EMAIL)) is False
        assert session.scalar(select(User.role).where(User.email == "newcomer@example.com")) == "advertiser"
