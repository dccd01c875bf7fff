"""Browser test fixtures: the real app on loopback, driven by Debian's Chromium.

Reuse them from any browser test under ``tests/browser/`` (they are fixtures of this
directory):

- ``site`` (session scope): a migrated SQLite store in a temporary directory, loaded through
  the real ingest path with ``tests/browser/dataset.py`` (``site.data`` holds the USCCs and
  names it planted), and the real app (``create_app``) served by uvicorn on a free
  127.0.0.1 port in a background thread. ``site.url("/path")`` gives absolute URLs;
  ``site.factory`` is a session factory on the same store, to add what a test needs (staff
  users, applications...) inside ``store.db.unit_of_work(site.factory)`` before browsing.
  The server is shared by every test of the session: add data under keys of your own.
- ``browser`` (session scope): Playwright's Chromium, always Debian's ``/usr/bin/chromium``
  (never a browser Playwright downloads; never run ``playwright install``).
- ``page`` (per test): a fresh context (own cookies, downloads accepted) and page. Any
  JavaScript dialog (``alert``...) fails the test: markup injected into a page would show up
  here. ``page.dialogs`` lists them.

Without chromium or the playwright package the tests skip; under CI=true they fail instead.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from entcredit.settings import Settings
from entcredit.store.db import make_engine, make_session_factory
from entcredit.store.migrate import upgrade
from entcredit.web.app import create_app
from tests.browser.dataset import Dataset, load_dataset
from tests.conftest import IN_CI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
TIMEOUT_MS = 15_000


def _require_browser() -> None:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (scripts/setup --dev installs it)")
    if not CHROMIUM.is_file():
        missing.append(f"Debian's chromium at {CHROMIUM} (scripts/test installs it)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if IN_CI:
            pytest.fail(f"{message}; under CI=true they must run")
        pytest.skip(message)


@dataclass(frozen=True)
class Site:
    base_url: str
    settings: Settings
    factory: sessionmaker[Session]
    data: Dataset

    def url(self, path: str) -> str:
        return self.base_url + path


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    # Bound here and handed to uvicorn: no window in which another process takes the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start on loopback")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _require_browser()
    where = tmp_path_factory.mktemp("browser-site")
    settings = Settings(
        env="test",
        data_dir=where,
        database_url=f"sqlite:///{where / 'entcredit.db'}",
        secret_key="b" * 40,
        pii_hash_key="q" * 40,
        # The limits stay in the path, with budgets one browser session cannot exhaust.
        ratelimit_pages="1000/minute",
        ratelimit_heavy="200/minute",
    )
    engine = make_engine(settings)
    upgrade(engine)
    factory = make_session_factory(engine)
    data = load_dataset(settings, factory, where)
    server, thread, base_url = _serve(create_app(settings))
    try:
        yield Site(base_url, settings, factory, data)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


@pytest.fixture(scope="session")
def browser(site: Site) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.dialogs = dialogs  # type: ignore[attr-defined]
    try:
        yield tab
    finally:
        context.close()
    assert not dialogs, f"a JavaScript dialog opened: {dialogs}"
