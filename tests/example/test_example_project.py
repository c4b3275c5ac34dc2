"""The example project, end to end, against the test suite's server.

Each ``manage.py`` command runs in a subprocess with ``MONGODB_URI`` pointing
at the server of ``djongo_app.testing`` and a database of its own
(``EXAMPLE_DB_NAME``), dropped at the end. The pages are fetched over HTTP
from ``manage.py runserver``.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from bson import ObjectId
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


def fetch(site, path: str, status: int = 200, browser: Browser | None = None) -> str:
    browser, log_path = browser or site[0], site[1]
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


def orm(env, code: str):
    """Run code in ``manage.py shell`` (the example's models and ORM) and
    return the JSON it prints."""
    return json.loads(manage(env, "shell", "--verbosity", "0", "--command", code))


class FormData(HTMLParser):
    """What a browser submits for the form with the given id: every input
    (checked boxes only), the selected options and the textareas, nothing
    inside a <template>."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: str | None = None
        self.textarea: str | None = None
        self.template_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if tag == "template":
            # An array's empty row: not submitted.
            self.template_depth += 1
        if not self.inside or self.template_depth:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            checkable = attrs.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(attrs.get("value", "on" if checkable else ""))
        elif tag == "select":
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select].append(attrs["value"])
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "template":
            self.template_depth -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and not self.template_depth:
            self.data[self.textarea][-1] += data


def form_data(page: str, form_id: str) -> dict[str, list[str]]:
    parser = FormData(form_id)
    parser.feed(page)
    assert parser.data, f"no form {form_id!r} on the page"
    return parser.data


def log_in(browser: Browser):
    _, _, login = browser.get("/admin/login/")
    return login, browser.post(
        "/admin/login/?next=/admin/",
        {
            "csrfmiddlewaretoken": browser.csrf_token(login),
            "username": "admin",
            "password": "admin",
            "next": "/admin/",
        },
    )


@pytest.fixture(scope="module")
def admin_browser(site):
    """A browser of its own, logged in to the admin as the superuser."""
    browser = Browser(site[0].base)
    _, (status, url, page) = log_in(browser)
    assert (status, url.endswith("/admin/")) == (200, True), page
    return browser


def test_check_migrate_and_seed_twice(seeded, example_env):
    assert "System check identified no issues" in seeded["check"]
    assert "Applying blog.0001_initial... OK" in seeded["migrate"]
    assert "Applying blog.0002_entry_document_fields_page... OK" in seeded["migrate"]
    assert "Applying blog.0003_entry_image... OK" in seeded["migrate"]
    assert "Created superuser admin" in seeded["seed_1"]
    # 20 objects and the first entry's image.
    assert "21 object(s) created" in seeded["seed_1"]
    assert "3 blogs, 7 entries, 4 comments, 2 pages" in seeded["seed_1"]
    # The second run is a no-op.
    assert "Created superuser" not in seeded["seed_2"]
    assert "Demo data not seeded" in seeded["seed_2"]
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
        # The document fields are stored in the entry's own document.
        # The migrations created the collections: an AutoField key is _id.
        authors = {doc["email"]: doc["_id"] for doc in db.blog_author.find()}
        entry = db.blog_entry.find_one({"headline": "Cave-aged cheddar explained"})
        assert isinstance(entry["_id"], int)
        assert "id" not in entry
        assert entry["tags"] == ["cheese", "food"]
        assert entry["seo"] == {"title": "Why cheddar is aged in caves", "description": ""}
        assert entry["links"] == [
            {"title": "Wookey Hole caves", "url": "https://www.wookey.co.uk/"}
        ]
        assert entry["editors"] == [authors["ada@example.com"]]
        assert db.blog_entry.find_one({"headline": DRAFT})["seo"] is None
        # Pages have ObjectIds as _id and no counter-made id.
        page = db.blog_page.find_one({"title": "À propos de cette démo"})
        original = db.blog_page.find_one({"title": "About this demo"})
        assert page["translation_of"] == original["_id"]
        assert isinstance(original["_id"], ObjectId)
        assert "id" not in original
        ringo = db.blog_comment.find_one({"author_name": "Ringo"})

        # What a user edits stays as they left it when the example starts
        # again: a changed headline does not bring the seeded entry back, a
        # removed comment or emptied tags are not restored (trial of main).
        db.blog_entry.update_one(
            {"_id": entry["_id"]}, {"$set": {"headline": "Edited", "tags": [], "seo": None}}
        )
        db.blog_comment.delete_one({"author_name": "Ringo"})
        again = manage(example_env, "seed_demo")
        assert "Demo data not seeded: the database already holds blogs" in again
        assert "(7 entries)" in again
        assert db.blog_entry.count_documents({}) == 7
        assert db.blog_entry.count_documents({"headline": "Cave-aged cheddar explained"}) == 0
        edited = db.blog_entry.find_one({"_id": entry["_id"]})
        assert (edited["headline"], edited["tags"], edited["seo"]) == ("Edited", [], None)
        assert db.blog_comment.count_documents({"author_name": "Ringo"}) == 0
        db.blog_entry.update_one({"_id": entry["_id"]}, {"$set": entry})
        db.blog_comment.insert_one(ringo)


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
    login, (status, url, page) = log_in(browser)
    assert "Django administration" in login
    assert 'name="username"' in login
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


def test_tag_pages(site):
    home = fetch(site, "/")
    tags = links(home, "/tags/")
    # Published entries only: the draft's tags are not counted.
    assert sorted(tags) == [
        "aggregation",
        "beatles",
        "cheese",
        "django",
        "food",
        "lists",
        "london",
        "mongodb",
        "music",
    ]
    assert '<a href="/tags/beatles/">beatles</a> <span class="meta">(2)</span>' in home

    beatles = fetch(site, tags["beatles"])
    assert sorted(links(beatles, "/entries/")) == [
        "Abbey Road turns another year older",
        "Ranking every Revolver track",
    ]
    assert DRAFT not in beatles
    # One tag across blogs.
    assert sorted(links(fetch(site, "/tags/lists/"), "/entries/")) == [
        "Pairing cheddar with apples",
        "Ranking every Revolver track",
    ]
    # A tag is a whole element, not a substring of one.
    nothing = fetch(site, "/tags/mongo/")
    assert links(nothing, "/entries/") == {}
    assert "No published entries have this tag." in nothing


def test_entry_document_fields(site):
    entries = links(fetch(site, "/"), "/entries/")
    page = fetch(site, entries["Django models on MongoDB"])
    # seo: an embedded document.
    assert "<title>Django models on MongoDB with djongo_app · djongo_app example</title>" in page
    assert (
        '<meta name="description" content="The ORM, the admin and forms on a document database.">'
        in page
    )
    assert '<dd class="seo-title">Django models on MongoDB with djongo_app</dd>' in page
    # tags: an array of strings, each linking to its tag page.
    assert sorted(links(page, "/tags/")) == ["django", "mongodb"]
    # links: an array of embedded documents, in order.
    assert re.findall(r'<a href="(https://[^"]+)" rel="nofollow">([^<]+)</a>', page) == [
        ("https://docs.djangoproject.com/", "Django documentation"),
        ("https://www.mongodb.com/docs/manual/", "MongoDB manual"),
    ]
    # editors: an array of references, prefetched.
    editors = links(page, "/authors/")
    assert list(editors) == ["Ada Lovelace", "Linus Pauling"]
    # Related entries share a tag (tags__overlap).
    related = page.split('<ul class="related">')[1].split("</ul>")[0]
    assert list(links(related, "/entries/")) == ["Joins without JOIN: $lookup"]

    # An entry without SEO data, links or editors.
    plain = fetch(site, entries["Pairing cheddar with apples"])
    assert 'class="seo"' not in plain
    assert "Edited by" not in plain
    assert "<h3>Links</h3>" not in plain


def test_author_page(site):
    entries = links(fetch(site, "/"), "/entries/")
    grace = links(fetch(site, entries["Joins without JOIN: $lookup"]), "/authors/")["Grace Hopper"]
    page = fetch(site, grace)
    written, edited = (
        page.split(f'<ul class="{name}">')[1].split("</ul>")[0] for name in ("written", "edited")
    )
    # The ManyToManyField's reverse, then the ArrayReferenceField's; the
    # draft (written by her) is not published.
    assert sorted(links(written, "/entries/")) == [
        "Django models on MongoDB",
        "Ranking every Revolver track",
    ]
    assert sorted(links(edited, "/entries/")) == [
        "Abbey Road turns another year older",
        "Joins without JOIN: $lookup",
    ]
    fetch(site, "/authors/987654/", status=404)


def test_search_document_fields(site):
    # seo__description__icontains and links__title__icontains.
    assert list(links(fetch(site, "/search/?q=ZEBRA"), "/entries/")) == [
        "Abbey Road turns another year older"
    ]
    assert list(links(fetch(site, "/search/?q=reference"), "/entries/")) == [
        "Joins without JOIN: $lookup"
    ]


def test_pages_with_objectid_keys(site):
    pages = links(fetch(site, "/"), "/pages/")
    assert sorted(pages) == ["About this demo", "À propos de cette démo"]
    assert all(re.fullmatch(r"/pages/[0-9a-f]{24}/", href) for href in pages.values())
    about = fetch(site, pages["About this demo"])
    assert links(about, "/pages/") == {"À propos de cette démo": pages["À propos de cette démo"]}
    translation = fetch(site, pages["À propos de cette démo"])
    assert "Translation of" in translation
    assert links(translation, "/pages/") == {"About this demo": pages["About this demo"]}
    fetch(site, "/pages/not-an-objectid/", status=404)
    fetch(site, f"/pages/{ObjectId()}/", status=404)


def test_array_reference_deletion(seeded, example_env):
    """Deleting an author removes its id from the editors arrays."""
    result = orm(
        example_env,
        """
import json
from blog.models import Author, Entry
entry = Entry.objects.get(headline="Pairing cheddar with apples")
temp = Author.objects.create(name="Temp Editor", email="temp@example.com")
entry.editors.add(temp)
before = list(Entry.objects.get(pk=entry.pk).editors.values_list("name", flat=True))
reverse = list(temp.edited_entries.values_list("headline", flat=True))
temp.delete()
print(json.dumps({
    "before": before,
    "reverse": reverse,
    "after": Entry.objects.get(pk=entry.pk).editors.ids,
}))
""",
    )
    assert result == {
        "before": ["Temp Editor"],
        "reverse": ["Pairing cheddar with apples"],
        "after": [],
    }


def test_admin_entry_document_fields(site, admin_browser, example_env):
    changelist = fetch(site, "/admin/blog/entry/", browser=admin_browser)
    assert "django, mongodb" in changelist  # the tag_list column
    change = re.search(rf'href="(/admin/blog/entry/\d+/change/)">{re.escape(DRAFT)}<', changelist)
    assert change, changelist
    url = change.group(1)
    page = fetch(site, url, browser=admin_browser)
    data = form_data(page, "entry_form")
    # One input per tag, a nested form, rows of links and the filter selector.
    assert data["tags-TOTAL_FORMS"] == ["2"]
    assert data["tags-0-value"] + data["tags-1-value"] == ["beatles", "music"]
    assert data["seo-title"] == data["seo-description"] == [""]
    assert data["links-TOTAL_FORMS"] == ["0"]  # no links yet, no blank row
    assert 'name="links-__prefix__-url"' in page  # the template of a new row
    assert "Add another Link" in page
    assert re.search(r'<select name="editors"[^>]*multiple class="selectfilter"', page)
    assert data["editors"] == []

    authors = orm(
        example_env,
        "import json; from blog.models import Author; "
        "print(json.dumps({a.name: a.pk for a in Author.objects.all()}))",
    )
    data.update(
        {
            # Rows added in the browser: a third tag, a first link.
            "tags-TOTAL_FORMS": ["3"],
            "tags-2-value": ["sessions"],
            "links-TOTAL_FORMS": ["1"],
            "seo-title": ["Get Back, the lost tapes"],
            "seo-description": ["Notes from January 1969."],
            "links-0-title": ["Get Back (film)"],
            "links-0-url": ["https://www.thebeatles.com/getback"],
            "editors": [str(authors["Ada Lovelace"]), str(authors["Joy Buolamwini"])],
            "_continue": ["Save and continue editing"],
        }
    )
    status, final_url, saved = admin_browser.post(url, data)
    assert status == 200
    assert final_url.endswith(url), saved
    assert "was changed successfully" in saved

    stored = orm(
        example_env,
        f"""
import json
from blog.models import Entry
entry = Entry.objects.prefetch_related("editors").get(headline={DRAFT!r})
print(json.dumps({{
    "tags": entry.tags,
    "seo": [entry.seo.title, entry.seo.description],
    "links": [[link.title, link.url] for link in entry.links],
    "editors": [author.name for author in entry.editors.all()],
    "by_seo": Entry.objects.filter(seo__title__icontains="lost tapes").count(),
    "by_link": Entry.objects.filter(links__0__url__contains="thebeatles").count(),
    "by_tag": Entry.objects.filter(tags__contains=["sessions"], tags__len=3).count(),
}}))
""",
    )
    assert stored == {
        "tags": ["beatles", "music", "sessions"],
        "seo": ["Get Back, the lost tapes", "Notes from January 1969."],
        "links": [["Get Back (film)", "https://www.thebeatles.com/getback"]],
        "editors": ["Ada Lovelace", "Joy Buolamwini"],
        "by_seo": 1,
        "by_link": 1,
        "by_tag": 1,
    }
    # The change form shows the saved values: one row per element.
    again = form_data(saved, "entry_form")
    assert again["links-TOTAL_FORMS"] == ["1"]
    assert again["links-0-title"] == ["Get Back (film)"]
    assert again["seo-title"] == ["Get Back, the lost tapes"]

    # Removing the row, as its remove button does.
    again = {key: value for key, value in again.items() if not key.startswith("links-0-")}
    again.update({"links-TOTAL_FORMS": ["0"], "_continue": ["Save and continue editing"]})
    status, _, saved = admin_browser.post(url, again)
    assert "was changed successfully" in saved
    assert (
        orm(
            example_env,
            "import json; from blog.models import Entry; "
            f"print(json.dumps(len(Entry.objects.get(headline={DRAFT!r}).links)))",
        )
        == 0
    )


def multipart(fields: dict[str, list[str]], files: dict[str, tuple[str, str, bytes]]):
    """Return (content type, body) of a multipart/form-data submission."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, values in fields.items():
        for value in values:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    for name, (filename, content_type, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def fetch_bytes(browser: Browser, path: str, headers=None):
    request = Request(browser.base + path, headers=headers or {})
    with browser.opener.open(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def test_entry_image_in_gridfs(site, admin_browser, example_env):
    # The seeded cover image is on the entry's page, served from GridFS.
    entries = links(fetch(site, "/"), "/entries/")
    page = fetch(site, entries["Abbey Road turns another year older"])
    image = re.search(r'<img src="(/files/default/images/entries/abbey-road\.png)"', page)
    assert image, page
    status, headers, body = fetch_bytes(site[0], image.group(1))
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert body.startswith(b"\x89PNG")
    status, headers, part = fetch_bytes(site[0], image.group(1), {"Range": "bytes=0-7"})
    assert (status, headers["Content-Range"], part) == (206, f"bytes 0-7/{len(body)}", body[:8])

    # The admin uploads one for the draft entry.
    changelist = fetch(site, "/admin/blog/entry/", browser=admin_browser)
    change = re.search(rf'href="(/admin/blog/entry/\d+/change/)">{re.escape(DRAFT)}<', changelist)
    form = fetch(site, change.group(1), browser=admin_browser)
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file" name="image"' in form
    data = form_data(form, "entry_form")
    data["_continue"] = ["Save and continue editing"]
    content_type, payload = multipart(data, {"image": ("draft.png", "image/png", body)})
    request = Request(
        admin_browser.base + change.group(1), data=payload, headers={"Content-Type": content_type}
    )
    with admin_browser.opener.open(request, timeout=60) as response:
        saved = response.read().decode()
    assert "was changed successfully" in saved
    assert 'href="/files/default/images/entries/draft.png"' in saved
    with MongoClient(example_env["MONGODB_URI"]) as client:
        db = client[example_env["EXAMPLE_DB_NAME"]]
        stored = db["images.files"].find_one({"filename": "entries/draft.png"})
        assert stored["length"] == len(body)
        assert stored["metadata"] == {"contentType": "image/png"}
        entry = db.blog_entry.find_one({"headline": DRAFT})
        assert entry["image"] == "entries/draft.png"


def test_admin_page_with_objectid_key(site, admin_browser):
    changelist = fetch(site, "/admin/blog/page/", browser=admin_browser)
    change = re.search(
        r'href="(/admin/blog/page/[0-9a-f]{24}/change/)">About this demo<', changelist
    )
    assert change, changelist
    form = fetch(site, change.group(1), browser=admin_browser)
    assert 'value="About this demo"' in form
    # Searching for the ObjectId finds the page, and the page that
    # translates it (translation_of holds the same ObjectId).
    object_id = change.group(1).split("/")[-3]
    found = fetch(site, f"/admin/blog/page/?q={object_id}", browser=admin_browser)
    titles = re.findall(r"href=\"/admin/blog/page/[0-9a-f]{24}/change/[^\"]*\">([^<]+)<", found)
    assert sorted(titles) == ["About this demo", "À propos de cette démo"], titles


def test_admin_entry_list_fits_1280_pixels(site, tmp_path):
    """In a 1280-pixel window the entry list shows every column without a
    scroll bar, and the SEO field is labelled "SEO" (trial of main)."""
    from playwright.sync_api import sync_playwright

    from tests.admin.conftest import CHROMIUM_ARGS, chromium_path

    base = site[0].base
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            page = context.new_page()
            page.goto(base + "/admin/login/?next=/admin/blog/entry/")
            page.fill("#id_username", "admin")
            page.fill("#id_password", "admin")
            page.click("input[type=submit]")
            page.wait_for_url("**/admin/blog/entry/")
            results = page.locator("#changelist-form .results")
            widths = results.evaluate("node => [node.scrollWidth, node.clientWidth]")
            headers = page.locator("#result_list thead th").all_inner_texts()
            page.goto(base + "/admin/blog/entry/1/change/")
            # Django 6.x labels a widget rendered as a fieldset with a legend.
            label = page.locator(".field-seo legend, .field-seo label").first.inner_text()
        finally:
            context.close()
    assert widths[0] <= widths[1], f"the list scrolls: {widths}"
    assert [h.strip().upper() for h in headers if h.strip()] == [
        "HEADLINE",
        "BLOG",
        "PUBLISHED",
        "SEO TITLE",
        "TAGS",
    ]
    assert label.strip() == "SEO:"


def test_admin_entry_changelist_follows_document_paths(site, admin_browser):
    changelist = fetch(site, "/admin/blog/entry/", browser=admin_browser)
    assert "column-seo__title" in changelist
    assert "Abbey Road at 55" in changelist  # an entry's seo.title
    assert "By links title" in changelist
    found = fetch(site, "/admin/blog/entry/?q=webcam", browser=admin_browser)
    assert "Abbey Road turns another year older" in found
    assert "Pairing cheddar" not in found


def test_home_admin_and_api_answer(site):
    """The pages a newcomer opens first, the API among them (issue 13)."""
    home = fetch(site, "/")
    assert '<a href="/api/">REST API</a>' in home
    assert "Django administration" in fetch(site, "/admin/login/")
    root = json.loads(fetch(site, "/api/"))
    base = site[0].base
    assert root == {
        name: f"{base}/api/{name}/" for name in ("blogs", "authors", "entries", "pages")
    }


def test_rest_api(site):
    # An anonymous visitor (the site's browser may have logged in).
    anonymous = Browser(site[0].base)

    def get(path, status=200):
        return fetch(site, path, status=status, browser=anonymous)

    entries = json.loads(get("/api/entries/?seo__title__icontains=django"))
    assert entries["count"] == 1
    (summary,) = entries["results"]
    # A nested detail: the embedded document and the array of documents.
    entry = json.loads(get(f"/api/entries/{summary['id']}/"))
    assert entry["headline"] == "Django models on MongoDB"
    assert entry["seo"] == {
        "title": "Django models on MongoDB with djongo_app",
        "description": "The ORM, the admin and forms on a document database.",
    }
    assert entry["links"] == [
        {"title": "Django documentation", "url": "https://docs.djangoproject.com/"},
        {"title": "MongoDB manual", "url": "https://www.mongodb.com/docs/manual/"},
    ]
    assert entry["tags"] == ["django", "mongodb"]
    assert len(entry["editors"]) == 2
    # Drafts are not listed to anonymous users; pagination counts.
    published = json.loads(get("/api/entries/"))
    assert published["count"] == 6
    assert len(published["results"]) == 5
    assert published["next"].endswith("/api/entries/?page=2")
    tagged = json.loads(get("/api/entries/?tags=beatles&ordering=headline"))
    assert [e["headline"] for e in tagged["results"]] == [
        "Abbey Road turns another year older",
        "Ranking every Revolver track",
    ]
    # Any element of the array of documents.
    links = json.loads(get("/api/entries/?links__url__icontains=aggregation&ordering=headline"))
    assert [e["headline"] for e in links["results"]] == ["Joins without JOIN: $lookup"]
    links = json.loads(get("/api/entries/?links__url__icontains=mongodb.com&ordering=headline"))
    assert [e["headline"] for e in links["results"]] == [
        "Django models on MongoDB",
        "Joins without JOIN: $lookup",
    ]
    assert "not a filter" in get("/api/entries/?seo__title[$ne]=x", status=400)
    # Anonymous users read; writing needs a staff user.
    get("/api/entries/?format=api")

    pages = json.loads(get("/api/pages/"))["results"]
    about = next(page for page in pages if page["title"] == "About this demo")
    assert re.fullmatch(r"[0-9a-f]{24}", about["id"])
    assert json.loads(get(f"/api/pages/{about['id']}/"))["title"] == "About this demo"
    translation = json.loads(get(f"/api/pages/?translation_of={about['id']}"))
    assert [page["title"] for page in translation["results"]] == ["À propos de cette démo"]
    get("/api/pages/not-an-objectid/", status=404)
    get(f"/api/pages/{ObjectId()}/", status=404)

    schema = json.loads(get("/api/schema/?format=openapi-json"))
    entry_schema = schema["components"]["schemas"]["Entry"]["properties"]
    assert entry_schema["seo"]["type"] == "object"
    assert entry_schema["links"]["items"]["properties"]["url"]["format"] == "uri"


def test_rest_api_writes(site, example_env):
    """A staff user creates and patches an entry through the API."""
    browser = Browser(site[0].base)
    _, (status, _, _) = log_in(browser)
    assert status == 200
    token = next(c.value for c in browser.cookies if c.name == "csrftoken")
    blog = json.loads(fetch(site, "/api/blogs/?name=Cheddar+Talk", browser=browser))
    blog_id = blog["results"][0]["id"]
    body = {
        "blog": blog_id,
        "headline": "Written through the API",
        "body_text": "Posted as JSON.",
        "pub_date": "2025-01-02",
        "published": True,
        "tags": ["api"],
        "seo": {"title": "API", "description": "Posted"},
        "links": [{"title": "DRF", "url": "https://www.django-rest-framework.org/"}],
    }
    created = api_send(browser, "POST", "/api/entries/", body, token)
    assert created[0] == 201, created
    entry_id = created[1]["id"]
    patched = api_send(
        browser, "PATCH", f"/api/entries/{entry_id}/", {"seo": {"title": "Patched"}}, token
    )
    assert patched[0] == 200, patched
    assert patched[1]["seo"] == {"title": "Patched", "description": "Posted"}
    stored = orm(
        example_env,
        "import json; from blog.models import Entry; "
        f"e = Entry.objects.get(pk={entry_id}); "
        "print(json.dumps([e.seo.title, e.seo.description, e.links[0].url]))",
    )
    assert stored == ["Patched", "Posted", "https://www.django-rest-framework.org/"]
    assert api_send(browser, "DELETE", f"/api/entries/{entry_id}/", None, token)[0] == 204
    # Anonymous users cannot write.
    assert api_send(Browser(site[0].base), "POST", "/api/entries/", body, "")[0] == 403


def api_send(browser, method, path, body, csrf_token):
    from urllib.request import Request

    request = Request(
        browser.base + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": csrf_token,
            "Referer": browser.base + "/",
        },
    )
    try:
        with browser.opener.open(request, timeout=60) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except HTTPError as e:
        with e:
            return e.code, e.read().decode(errors="replace")
