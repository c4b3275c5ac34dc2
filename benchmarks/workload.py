"""The operations of the benchmark, each through the ORM and through raw
pymongo doing the same work.

Every operation is a pair of callables taking the repetition's index (so
that consecutive calls ask for different rows): ``orm(i)`` through Django
on the backend this process runs, ``raw(i)`` through pymongo on a copy of
the same data in the layout a pymongo user would choose (integer ``id``
keys, foreign keys as ``<name>_id``, the many-to-many rows in a collection
of their own, the embedded document and the array of referenced ids inside
the entry). The raw side does what a competent pymongo user would write:
one ``find`` per table (``$in`` of the ids the previous step found) rather
than a ``$lookup``, ``count_documents`` for counts.

``setup(i)`` runs untimed before each repetition and ``cleanup()`` after
each batch (the writes are undone, so that every round reads the same
data).
"""

from __future__ import annotations

import contextlib
import datetime
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Avg, Count, F

from .benchapp.models import BACKEND, Author, Blog, Comment, Entry, Note, Reading

AUTHORS = 200
BLOGS = 50
PAGE = 20
BASE_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
BULK_ROWS = 1000
# Entries deleted per repetition of the delete operation (each with two
# many-to-many rows).
DELETED = 5
# The first repetition index of the delete operation run in a transaction.
ATOMIC_DELETES = 500_000


def author_values(i):
    return {"name": f"author{i}", "email": f"author{i}@example.com", "age": 20 + i % 50}


def blog_values(j):
    return {"name": f"blog{j}", "tagline": f"The blog number {j}"}


def entry_values(k):
    return {
        "headline": f"Entry {k} about topic {k % 37}",
        "body": "Lorem ipsum dolor sit amet. " * 8,
        "pub_date": BASE_DATE + datetime.timedelta(minutes=k),
        "rating": k % 10,
        "n_comments": k % 7,
    }


def seo_values(k):
    return {"title": f"seo{k % 100}", "keywords": "mongodb,django"}


def entry_authors(k):
    return [k % AUTHORS, (k * 7 + 3) % AUTHORS]


def entry_editors(k):
    return [(k * 3) % AUTHORS, (k * 11 + 5) % AUTHORS]


def comment_values(i):
    return {
        "entry_id": i % 1000,
        "name": f"reader{i}",
        "body": "A comment of a reader. " * 4,
        "created": BASE_DATE + datetime.timedelta(seconds=i),
        "score": i % 5,
        "approved": i % 2 == 0,
    }


@dataclass
class Operation:
    name: str
    kind: str  # "read" or "write"
    orm: Callable[[int], object]
    raw: Callable[[int], object]
    reps: int = 20
    setup: Callable[[int], object] | None = None
    cleanup: Callable[[], object] | None = None
    # Backends the operation runs on (None: all).
    backends: tuple[str, ...] | None = None
    note: str = ""


@dataclass
class Data:
    """Primary keys of the ORM's rows, by position in the generated data."""

    authors: list = field(default_factory=list)
    blogs: list = field(default_factory=list)
    entries: list = field(default_factory=list)


class Workload:
    def __init__(self, raw_db, rows):
        self.raw = raw_db
        self.rows = rows
        self.data = Data()
        self.seo_is_json = BACKEND == "sqlite"

    # Data ------------------------------------------------------------------

    def seo(self, k):
        values = seo_values(k)
        if self.seo_is_json:
            return values
        from .benchapp.models import Seo

        return Seo(**values)

    def populate(self):
        """Create the same data through the ORM and in the raw database."""
        authors = Author.objects.bulk_create(Author(**author_values(i)) for i in range(AUTHORS))
        blogs = Blog.objects.bulk_create(
            Blog(owner=authors[j], **blog_values(j)) for j in range(BLOGS)
        )
        self.data.authors = [a.pk for a in authors]
        self.data.blogs = [b.pk for b in blogs]
        self.add_entries(0, self.rows)
        self.populate_raw()

    def add_entries(self, start, stop, *, links=True):
        """Create entries ``start``..``stop`` through the ORM (in batches)."""
        authors, blogs = self.data.authors, self.data.blogs
        for low in range(start, stop, 1000):
            high = min(low + 1000, stop)
            objs = []
            for k in range(low, high):
                entry = Entry(blog_id=blogs[k % BLOGS], seo=self.seo(k), **entry_values(k))
                entry.editors = [authors[a] for a in entry_editors(k)]
                objs.append(entry)
            created = Entry.objects.bulk_create(objs)
            self.data.entries.extend(e.pk for e in created)
            if links:
                Through = Entry.authors.through
                Through.objects.bulk_create(
                    Through(entry_id=e.pk, author_id=authors[a])
                    for k, e in zip(range(low, high), created, strict=True)
                    for a in entry_authors(k)
                )

    def populate_raw(self):
        db = self.raw
        for name in db.list_collection_names():
            db.drop_collection(name)
        db.authors.create_index("name")
        db.blogs.create_index("name")
        db.blogs.create_index("owner_id")
        db.entries.create_index("blog_id")
        db.entries.create_index("pub_date")
        db.entry_authors.create_index("entry_id")
        db.entry_authors.create_index("author_id")
        db.authors.insert_many({"_id": i + 1, **author_values(i)} for i in range(AUTHORS))
        db.blogs.insert_many(
            {"_id": j + 1, "owner_id": j + 1, **blog_values(j)} for j in range(BLOGS)
        )
        db.entries.insert_many(
            {
                "_id": k + 1,
                "blog_id": k % BLOGS + 1,
                **entry_values(k),
                "seo": seo_values(k),
                "editor_ids": [a + 1 for a in entry_editors(k)],
            }
            for k in range(self.rows)
        )
        db.entry_authors.insert_many(
            {"entry_id": k + 1, "author_id": a + 1}
            for k in range(self.rows)
            for a in entry_authors(k)
        )

    # Operations ------------------------------------------------------------

    def operations(self) -> list[Operation]:
        raw = self.raw
        data = self.data
        rows = self.rows
        state: dict = {}

        def page(cursor):
            return list(cursor.sort("pub_date", -1).limit(PAGE))

        @contextlib.contextmanager
        def raw_transaction():
            with raw.client.start_session() as session, session.start_transaction():
                yield session

        # create() ----------------------------------------------------------
        def create_orm(i):
            Author.objects.create(**{**author_values(i), "name": f"new{i}"})

        def create_raw(i):
            # An id the application already knows: no counter.
            raw.authors.insert_one({"_id": 100_000 + i, **author_values(i), "name": f"new{i}"})

        def create_cleanup():
            Author.objects.filter(name__startswith="new").delete()
            raw.authors.delete_many({"_id": {"$gte": 100_000}})

        def note_orm(i):
            Note.objects.create(title=f"note{i}", body="A note.", created=BASE_DATE)

        def note_raw(i):
            raw.notes.insert_one({"title": f"note{i}", "body": "A note.", "created": BASE_DATE})

        def note_cleanup():
            Note.objects.all().delete()
            raw.notes.delete_many({})

        # bulk_create ---------------------------------------------------------
        def bulk_setup(i):
            state["comments"] = [Comment(**comment_values(j)) for j in range(BULK_ROWS)]
            state["documents"] = [comment_values(j) for j in range(BULK_ROWS)]

        def bulk_orm(i):
            Comment.objects.bulk_create(state["comments"])

        def bulk_raw(i):
            raw.comments.insert_many(
                [
                    {"_id": i * BULK_ROWS + j + 1, **values}
                    for j, values in enumerate(state["documents"])
                ]
            )

        def bulk_cleanup():
            Comment.objects.all().delete()
            raw.comments.delete_many({})

        def bulk_object_id_setup(i):
            state["readings"] = [Reading(**comment_values(j)) for j in range(BULK_ROWS)]
            state["documents"] = [comment_values(j) for j in range(BULK_ROWS)]

        def bulk_object_id_orm(i):
            Reading.objects.bulk_create(state["readings"])

        def bulk_object_id_raw(i):
            raw.readings.insert_many([dict(values) for values in state["documents"]])

        def bulk_object_id_cleanup():
            Reading.objects.all().delete()
            raw.readings.delete_many({})

        # The same writes all or nothing: what each side's user writes for
        # that. Django's bulk_create() and delete() already run in atomic(),
        # a real transaction on djongo_app and SQLite but a no-op on
        # django-mongodb-backend, whose users call its own atomic() instead.
        def bulk_atomic_orm(i):
            with atomic_block():
                Reading.objects.bulk_create(state["readings"])

        def bulk_atomic_raw(i):
            documents = [dict(values) for values in state["documents"]]
            with raw_transaction() as session:
                raw.readings.insert_many(documents, session=session)

        # Reads ---------------------------------------------------------------
        def get_orm(i):
            Entry.objects.get(pk=data.entries[i * 37 % rows])

        def get_raw(i):
            raw.entries.find_one({"_id": i * 37 % rows + 1})

        def gte_orm(i):
            list(Entry.objects.filter(rating__gte=i % 10).order_by("-pub_date")[:PAGE])

        def gte_raw(i):
            page(raw.entries.find({"rating": {"$gte": i % 10}}))

        def count_orm(i):
            Entry.objects.filter(headline__icontains=f"TOPIC {i % 37}").count()

        def count_raw(i):
            pattern = re.escape(f"TOPIC {i % 37}")
            raw.entries.count_documents({"headline": {"$regex": pattern, "$options": "i"}})

        def select_related_orm(i):
            query = Entry.objects.select_related("blog__owner").filter(rating__gte=i % 10)
            for entry in query.order_by("-pub_date")[:PAGE]:
                entry.blog.owner.name  # noqa: B018

        def select_related_raw(i):
            entries = page(raw.entries.find({"rating": {"$gte": i % 10}}))
            blogs = list(raw.blogs.find({"_id": {"$in": list({e["blog_id"] for e in entries})}}))
            owners = {b["owner_id"] for b in blogs}
            list(raw.authors.find({"_id": {"$in": list(owners)}}))

        def join_filter_orm(i):
            list(Entry.objects.filter(blog__name=f"blog{i % BLOGS}").order_by("-pub_date")[:PAGE])

        def join_filter_raw(i):
            ids = [b["_id"] for b in raw.blogs.find({"name": f"blog{i % BLOGS}"}, {"_id": 1})]
            page(raw.entries.find({"blog_id": {"$in": ids}}))

        def annotate_orm(i):
            list(
                Entry.objects.values("rating")
                .annotate(n=Count("id"), average=Avg("n_comments"))
                .order_by("rating")
            )

        def annotate_raw(i):
            list(
                raw.entries.aggregate(
                    [
                        {
                            "$group": {
                                "_id": "$rating",
                                "n": {"$sum": 1},
                                "average": {"$avg": "$n_comments"},
                            }
                        },
                        {"$sort": {"_id": 1}},
                    ]
                )
            )

        def m2m_orm(i):
            list(
                Entry.objects.filter(authors__name=f"author{i % AUTHORS}").order_by("-pub_date")[
                    :PAGE
                ]
            )

        def m2m_raw(i):
            authors = [a["_id"] for a in raw.authors.find({"name": f"author{i % AUTHORS}"})]
            links = raw.entry_authors.find({"author_id": {"$in": authors}}, {"entry_id": 1})
            page(raw.entries.find({"_id": {"$in": [link["entry_id"] for link in links]}}))

        def embedded_orm(i):
            list(Entry.objects.filter(seo__title=f"seo{i % 100}").order_by("-pub_date")[:PAGE])

        def embedded_raw(i):
            page(raw.entries.find({"seo.title": f"seo{i % 100}"}))

        def prefetch_m2m_orm(i):
            query = Entry.objects.filter(rating=i % 10).prefetch_related("authors")
            for entry in query.order_by("-pub_date")[:PAGE]:
                list(entry.authors.all())

        def prefetch_m2m_raw(i):
            entries = page(raw.entries.find({"rating": i % 10}))
            links = list(raw.entry_authors.find({"entry_id": {"$in": [e["_id"] for e in entries]}}))
            list(raw.authors.find({"_id": {"$in": list({link["author_id"] for link in links})}}))

        def prefetch_array_orm(i):
            query = Entry.objects.filter(rating=i % 10).prefetch_related("editors")
            for entry in query.order_by("-pub_date")[:PAGE]:
                list(entry.editors.all())

        def prefetch_array_raw(i):
            entries = page(raw.entries.find({"rating": i % 10}))
            ids = {a for e in entries for a in e["editor_ids"]}
            list(raw.authors.find({"_id": {"$in": list(ids)}}))

        # Writes --------------------------------------------------------------
        def update_orm(i):
            Entry.objects.filter(rating=i % 10).update(n_comments=F("n_comments") + 1)

        def update_raw(i):
            raw.entries.update_many({"rating": i % 10}, {"$inc": {"n_comments": 1}})

        def delete_setup(i):
            prefix = f"tmp{i}-"
            created = Entry.objects.bulk_create(
                Entry(
                    blog_id=data.blogs[0],
                    seo=self.seo(k),
                    **{**entry_values(k), "headline": f"{prefix}{k}"},
                )
                for k in range(DELETED)
            )
            Through = Entry.authors.through
            Through.objects.bulk_create(
                Through(entry_id=e.pk, author_id=data.authors[a]) for e in created for a in (0, 1)
            )
            base = 1_000_000 + i * DELETED
            raw.entries.insert_many(
                {"_id": base + k, "blog_id": 1, **entry_values(k), "headline": f"{prefix}{k}"}
                for k in range(DELETED)
            )
            raw.entry_authors.insert_many(
                {"entry_id": base + k, "author_id": a} for k in range(DELETED) for a in (1, 2)
            )

        def delete_orm(i):
            Entry.objects.filter(headline__startswith=f"tmp{i}-").delete()

        def delete_raw(i):
            pattern = "^" + re.escape(f"tmp{i}-")
            found = raw.entries.find({"headline": {"$regex": pattern}}, {"_id": 1})
            ids = [e["_id"] for e in found]
            raw.entry_authors.delete_many({"entry_id": {"$in": ids}})
            raw.entries.delete_many({"_id": {"$in": ids}})

        # Rows of their own (the profile runs the ORM side alone, leaving
        # the raw side's rows of the same indexes in place).
        def delete_atomic_setup(i):
            delete_setup(ATOMIC_DELETES + i)

        def delete_atomic_orm(i):
            with atomic_block():
                Entry.objects.filter(headline__startswith=f"tmp{ATOMIC_DELETES + i}-").delete()

        def delete_atomic_raw(i):
            pattern = "^" + re.escape(f"tmp{ATOMIC_DELETES + i}-")
            with raw_transaction() as session:
                found = raw.entries.find(
                    {"headline": {"$regex": pattern}}, {"_id": 1}, session=session
                )
                ids = [e["_id"] for e in found]
                raw.entry_authors.delete_many({"entry_id": {"$in": ids}}, session=session)
                raw.entries.delete_many({"_id": {"$in": ids}}, session=session)

        # The admin ---------------------------------------------------------
        from .benchapp.admin import changelist_page

        # Pages 1 to 5, or as many as the entries fill (a page past the
        # last one redirects).
        pages = max(1, min(5, rows // PAGE))

        def admin_raw(i):
            # The filtered and the full count (show_full_result_count).
            raw.entries.count_documents({})
            raw.entries.count_documents({})
            list(raw.entries.distinct("rating"))
            entries = page(raw.entries.find({}).skip(PAGE * (i % pages)))
            list(raw.blogs.find({"_id": {"$in": list({e["blog_id"] for e in entries})}}))

        def admin_orm(i):
            changelist_page(i % pages + 1)

        return [
            Operation(
                "create() one row (integer id)",
                "write",
                create_orm,
                create_raw,
                reps=30,
                cleanup=create_cleanup,
            ),
            Operation(
                "create() one row (ObjectId pk)",
                "write",
                note_orm,
                note_raw,
                reps=30,
                cleanup=note_cleanup,
                backends=("djongo_app", "dmb"),
            ),
            Operation(
                "bulk_create 1,000 rows (integer id)",
                "write",
                bulk_orm,
                bulk_raw,
                reps=2,
                setup=bulk_setup,
                cleanup=bulk_cleanup,
            ),
            Operation(
                "bulk_create 1,000 rows (ObjectId pk)",
                "write",
                bulk_object_id_orm,
                bulk_object_id_raw,
                reps=2,
                setup=bulk_object_id_setup,
                cleanup=bulk_object_id_cleanup,
                backends=("djongo_app", "dmb"),
            ),
            Operation("get(pk=)", "read", get_orm, get_raw, reps=50),
            Operation("filter(gte).order_by()[:20]", "read", gte_orm, gte_raw),
            Operation("icontains + count()", "read", count_orm, count_raw),
            Operation(
                "select_related two joins [:20]", "read", select_related_orm, select_related_raw
            ),
            Operation("filter across a join [:20]", "read", join_filter_orm, join_filter_raw),
            Operation("values().annotate(Count, Avg)", "read", annotate_orm, annotate_raw, reps=10),
            Operation("filter across an M2M [:20]", "read", m2m_orm, m2m_raw, reps=10),
            Operation(
                "embedded-path filter [:20]",
                "read",
                embedded_orm,
                embedded_raw,
                note="a JSONField key on SQLite",
            ),
            Operation("prefetch_related M2M [:20]", "read", prefetch_m2m_orm, prefetch_m2m_raw),
            Operation(
                "prefetch_related ArrayReferenceField [:20]",
                "read",
                prefetch_array_orm,
                prefetch_array_raw,
                backends=("djongo_app",),
            ),
            Operation("admin changelist page", "read", admin_orm, admin_raw, reps=10),
            Operation("update(F() + 1) filtered", "write", update_orm, update_raw),
            Operation(
                "delete() filtered, M2M cascade",
                "write",
                delete_orm,
                delete_raw,
                reps=10,
                setup=delete_setup,
            ),
            Operation(
                "bulk_create 1,000 rows in a transaction (ObjectId pk)",
                "write",
                bulk_atomic_orm,
                bulk_atomic_raw,
                setup=bulk_object_id_setup,
                cleanup=bulk_object_id_cleanup,
                backends=("djongo_app", "dmb"),
            ),
            Operation(
                "delete() with its cascade in a transaction",
                "write",
                delete_atomic_orm,
                delete_atomic_raw,
                reps=10,
                setup=delete_atomic_setup,
            ),
        ]


def atomic_block():
    """Return the block that makes writes all or nothing on this process's
    backend: Django's atomic(), or django-mongodb-backend's own atomic()
    (Django's is a no-op there)."""
    if BACKEND == "dmb":
        from django_mongodb_backend import transaction as mongodb_transaction

        return mongodb_transaction.atomic()
    return transaction.atomic()


def shuffled(items, seed):
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def backend_version():
    return connection.vendor
