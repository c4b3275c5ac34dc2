"""The example project, end to end, against the test suite's server.

Each ``manage.py`` command runs in a subprocess with ``MONGODB_URI`` pointing
at the server of ``djongo_app.testing`` and a database of its own
(``EXAMPLE_DB_NAME``), dropped at the end. The pages are fetched over HTTP
from ``manage.py runserver``.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from pymongo import MongoClient

from djongo_app.testing import server_uri, terminate

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "example_project"
BLOG_NAMES = ["Beatles Blog", "Cheddar Talk", "Document Stores Weekly"]
DRAFT = "Draft: the lost Get Back sessions"


@pytest.fixture(scope="module")
def example_env():
    uri = server_uri()
    name = f"example_test_{uuid.uuid4().hex[:12]}"
    env = dict(os.environ)
    env.update(
        MONGODB_URI=uri,
        EXAMPLE_DB_NAME=name,
        # pytest-django set this to the suite's settings.
        DJANGO_SETTINGS_MODULE="example_project.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        # Any Python warning in the example project is a failure, as in the suite.
        PYTHONWARNINGS="error",
    )
    yield env
    with MongoClient(uri) as client:
        client.drop_database(name)


def manage(env, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def seeded(example_env):
    outputs = {
        "check": manage(example_env, "check"),
        "migrate": manage(example_env, "migrate", "--no-input"),
        "seed_1": manage(example_env, "seed_demo"),
        "seed_2": manage(example_env, "seed_demo"),
    }
    return outputs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """urllib with cookies; every response is (status, final url, text)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(path)

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        return self._open(path, urlencode(data, doseq=True).encode())

    def csrf_token(self, page: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "no CSRF token in the form"
        return match.group(1)

    def _open(self, path, data=None):
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                return response.status, response.url, response.read().decode()
        except HTTPError as e:
            with e:
                return e.code, e.url, e.read().decode(errors="replace")


@pytest.fixture(scope="module")
def site(seeded, example_env, tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("runserver") / "runserver.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=EXAMPLE,
            env=example_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"runserver exited:\n{log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"runserver did not listen:\n{log_path.read_text()}")
                time.sleep(0.1)
        yield Browser(f"http://127.0.0.1:{port}"), log_path
    finally:
        terminate(server)


def fetch(site, path: str, status: int = 200) -> str:
    browser, log_path = site
    try:
        code, _, text = browser.get(path)
    except URLError as e:
        pytest.fail(f"GET {path}: {e}\n{log_path.read_text()}")
    assert code == status, f"GET {path}: {code}\n{log_path.read_text()[-5000:]}"
    return text


def links(page: str, prefix: str) -> dict[str, str]:
    """Link text → href for the links whose href starts with prefix."""
    found = re.findall(rf'<a href="({re.escape(prefix)}[^"]*)">([^<]+)</a>', page)
    return {html.unescape(text): href for href, text in found}


def test_check_migrate_and_seed_twice(seeded, example_env):
    assert "System check identified no issues" in seeded["check"]
    assert "Applying blog.0001_initial... OK" in seeded["migrate"]
    assert "Created superuser admin" in seeded["seed_1"]
    assert "18 object(s) created" in seeded["seed_1"]
    # The second run is a no-op.
    assert "Created superuser" not in seeded["seed_2"]
    assert "0 object(s) created, 3 blogs, 7 entries, 4 comments" in seeded["seed_2"]
    # Nothing left to migrate or to make migrations for.
    assert "No migrations to apply" in manage(example_env, "migrate", "--no-input")
    assert "No changes detected" in manage(example_env, "makemigrations", "--check", "--dry-run")

    with MongoClient(example_env["MONGODB_URI"]) as client:
        db = client[example_env["EXAMPLE_DB_NAME"]]
        # test_admin may add a blog; the seeded ones are there once each.
        names = [doc["name"] for doc in db.blog_blog.find()]
        assert all(names.count(name) == 1 for name in BLOG_NAMES), names
        assert db.blog_entry.count_documents({}) == 7
        assert db.blog_entry_authors.count_documents({}) == 10
        assert db.auth_user.count_documents({"username": "admin", "is_superuser": True}) == 1


def test_blog_pages(site):
    home = fetch(site, "/")
    blogs = links(home, "/blogs/")
    assert set(BLOG_NAMES) <= blogs.keys()
    # Published entries per blog: the Beatles Blog's draft is not counted.
    assert home.count("(2 entries)") == 3
    assert "Joins without JOIN: $lookup" in home  # latest entries
    assert DRAFT not in home

    beatles = fetch(site, blogs["Beatles Blog"])
    entries = links(beatles, "/entries/")
    assert sorted(entries) == [
        "Abbey Road turns another year older",
        "Ranking every Revolver track",
    ]
    assert "by Ada Lovelace, Grace Hopper" in beatles  # prefetched authors
    assert "Cheddar" not in beatles

    entry = fetch(site, entries["Abbey Road turns another year older"])
    assert "I walked across it barefoot once." in entry
    assert "Peace and love." in entry
    assert ">Beatles Blog</a>" in entry  # select_related blog

    fetch(site, "/blogs/987654/", status=404)


def test_search(site):
    page = fetch(site, "/search/?q=CHEDDAR")
    assert sorted(links(page, "/entries/")) == [
        "Cave-aged cheddar explained",
        "Pairing cheddar with apples",
    ]
    assert links(fetch(site, "/search/?q=draft"), "/entries/") == {}  # unpublished
    assert "No entries match." in fetch(site, "/search/?q=nothing-like-this")


def test_admin(site):
    browser, _ = site
    login = fetch(site, "/admin/login/")
    assert "Django administration" in login
    assert 'name="username"' in login

    status, url, page = browser.post(
        "/admin/login/?next=/admin/",
        {
            "csrfmiddlewaretoken": browser.csrf_token(login),
            "username": "admin",
            "password": "admin",
            "next": "/admin/",
        },
    )
    assert status == 200
    assert url.endswith("/admin/"), page
    assert "Site administration" in page
    assert "Entries" in page

    changelist = fetch(site, "/admin/blog/entry/")
    assert "7 entries" in changelist
    assert DRAFT in changelist
    published = fetch(site, "/admin/blog/entry/?published__exact=1")
    assert "6 entries" in published
    assert DRAFT not in published
    found = fetch(site, "/admin/blog/entry/?q=cheddar")
    assert "2 results" in found
    assert "Cave-aged cheddar explained" in found
    # Two words over three search fields: one LIKE per word and field.
    both = fetch(site, "/admin/blog/entry/?q=cheddar+apples")
    assert "1 result" in both
    assert "Pairing cheddar with apples" in both

    blogs = fetch(site, "/admin/blog/blog/")
    change = re.search(r'href="(/admin/blog/blog/\d+/change/)">Cheddar Talk<', blogs)
    assert change, blogs
    form = fetch(site, change.group(1))
    assert 'value="Pairing cheddar with apples"' in form  # the entries inline

    # Add a blog through the admin form and see it on the site.
    add = fetch(site, "/admin/blog/blog/add/")
    status, url, page = browser.post(
        "/admin/blog/blog/add/",
        {
            "csrfmiddlewaretoken": browser.csrf_token(add),
            "name": "Admin-made Blog",
            "tagline": "Created through the admin.",
            "entries-TOTAL_FORMS": "0",
            "entries-INITIAL_FORMS": "0",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )
    assert status == 200
    assert url.endswith("/admin/blog/blog/"), page
    assert "was added successfully" in page
    assert "Admin-made Blog" in links(fetch(site, "/"), "/blogs/")
