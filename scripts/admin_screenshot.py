"""Take the README's screenshot of the admin: the example project's change
form of an entry with nested data (docs/admin-change-form.png).

    .venv/bin/python scripts/admin_screenshot.py [output.png]

Runs the example project on a database of its own (SecantusDB, or
``$MONGODB_URI``), seeds it, and photographs the page in headless Chromium
(Debian's ``chromium`` driven by Playwright, as in tests/admin).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from pymongo import MongoClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from djongo_app.testing import server_uri, terminate  # noqa: E402
from tests.admin.conftest import CHROMIUM_ARGS  # noqa: E402

ENTRY = "Abbey Road turns another year older"


def main(output):
    uri = server_uri()
    name = f"screenshot_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "MONGODB_URI": uri,
        "EXAMPLE_DB_NAME": name,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
    }
    example = REPO / "example_project"

    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=example, env=env, check=True)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    manage("migrate", "--no-input", "--verbosity", "0")
    manage("seed_demo")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=example,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        photograph(f"http://127.0.0.1:{port}", output)
    finally:
        terminate(server)
        with MongoClient(uri) as client:
            client.drop_database(name)


def photograph(base, output):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            device_scale_factor=1,
        )
        page = context.new_page()
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "admin")
        page.click("input[type=submit]")
        page.goto(f"{base}/admin/blog/entry/?q={ENTRY.replace(' ', '+')}")
        page.get_by_role("link", name=ENTRY).click()
        page.wait_for_load_state("load")
        page.click("#toggle-nav-sidebar")
        # The document fields, from the editors to the links.
        top = page.locator(".field-editors").bounding_box()["y"]
        links = page.locator(".field-links").bounding_box()
        bottom = links["y"] + links["height"] + 20
        page.set_viewport_size({"width": 1280, "height": int(bottom) + 40})
        page.screenshot(path=output, clip={"x": 0, "y": top, "width": 1280, "height": bottom - top})
        context.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(REPO / "docs" / "admin-change-form.png"))
