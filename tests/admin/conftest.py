"""Headless Chromium for the browser tests of the admin.

Debian's ``chromium`` (``/usr/bin/chromium``, or ``$CHROMIUM``) driven by
Playwright for Python, never a browser Playwright downloads. The browser is
started once per module with a new empty profile directory; each test gets
a page of its own, and fails on any JavaScript error of its pages.
``scripts/test`` installs both; if either is missing these tests fail (they
are not skipped).
"""

import os
import shutil
import tempfile

import pytest

PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            f"Chromium is not installed ({path}): the admin's browser tests need Debian's "
            "chromium (apt-get install chromium; scripts/test installs it)."
        )
    return path


@pytest.fixture(scope="module")
def browser_context():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright is not installed: the admin's browser tests need it "
            "(pip install -e '.[browser]'; scripts/test installs it)."
        )
    executable = chromium_path()
    # Playwright's sync API keeps an event loop marked as running in this
    # thread, which Django takes for an async context. The ORM calls of the
    # tests are synchronous calls between browser steps, in this thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with (
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="djongo-chromium-") as profile,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        try:
            yield context
        finally:
            context.close()
            if previous is None:
                del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser_context, request, tmp_path):
    """A new page; the test fails on JavaScript errors and failed requests
    (but the browser's own favicon request), and a failing test leaves a
    screenshot (its path is printed)."""
    browser_context.clear_cookies()
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    failed = getattr(request.node, "failed_call", False)
    if failed:
        path = tmp_path / "failure.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"Screenshot of the failing page: {path}")
    page.close()
    if not failed:
        assert errors == [], f"JavaScript errors: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)


@pytest.fixture
def database():
    """The test database, through pymongo."""
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.database
