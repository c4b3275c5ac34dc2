"""Shared by the differential tests: the fixed data, the SQLite reference
set-up and the comparison of results.

The same rows (explicit primary keys) go into the "default" (djongo_app)
and "sqlite" databases. SQLite is the reference, with one correction:
its LIKE ignores case, which makes ``contains``/``startswith``/``endswith``
case-insensitive there (a documented Django caveat). The SQLite connection
is switched to ``PRAGMA case_sensitive_like = ON`` and its ``i`` lookups
compare ``UPPER(column) LIKE UPPER(pattern)``, as Django does on PostgreSQL.
"""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from collections import Counter

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.test import TransactionTestCase

from tests.testapp.models import Author, Book, Everything, Review, Tag

ALIASES = ("default", "sqlite")
UTC = datetime.UTC

# Counts shown by conftest.py's terminal summary.
STATS: Counter = Counter()

AUTHORS = [
    # id, name, email, age, active
    (1, "Alice", "alice@example.com", 30, True),
    (2, "bob", None, None, True),
    (3, "Carol", "carol@Example.com", 45, False),
    (4, "alice", "ALICE2@example.com", 30, True),
    (5, "Dave_100%", "dave%@x.org", 25, False),
    (6, "Eve", None, 50, True),  # no books
    (7, "Alice", "alice3@example.com", None, False),
    (8, "Frank", "frank_f@x.org", 0, True),  # no books, edits some
]

TAGS = [(1, "python"), (2, "Web"), (3, "db"), (4, "sql"), (5, "food"), (6, "unused")]


def _dt(*args):
    return datetime.datetime(*args, tzinfo=UTC)


BOOKS = [
    # id, title, author, editor, pages, rating, price, published, created, tags
    (1, "Django Unchained", 1, None, 300, 4.5, "19.99", datetime.date(2020, 1, 15),
     _dt(2020, 1, 15, 10, 0), [1, 2]),
    (2, "MongoDB Basics", 1, 3, 150, 3.0, "9.50", datetime.date(2019, 6, 1),
     _dt(2019, 6, 1, 8, 30, 15), [3]),
    (3, "100% Pure_SQL", 2, None, 0, None, None, None, None, []),
    (4, "the art of sql", 3, 8, 450, 4.5, "39.00", datetime.date(2021, 12, 31),
     _dt(2021, 12, 31, 23, 59, 59), [3, 4]),
    (5, "THE ART OF SQL", 4, 8, 450, 2.5, "39.00", datetime.date(2018, 3, 3),
     _dt(2018, 3, 3, 0, 0, 0, 250000), [4]),
    (6, "Cooking_with_%", 5, 1, 120, 5.0, "15.25", datetime.date(2022, 7, 4),
     _dt(2022, 7, 4, 12, 0), [5]),
    (7, "Python Tricks", 3, None, 200, 4.0, "25.00", datetime.date(2020, 1, 15),
     _dt(2020, 1, 15, 10, 0), [1]),
    (8, "a_b%c", 5, 2, 75, 1.5, "0.99", None, _dt(2023, 1, 1), []),
    (9, "Zebra", 7, None, 300, None, "19.99", datetime.date(2023, 5, 5),
     _dt(2023, 5, 5, 5, 5, 5), [1, 3, 4]),
    (10, "", 2, 6, 10, 0.0, "0.00", datetime.date(2000, 1, 1), None, [2]),
    (11, "python tricks", 1, 1, 200, 4.0, "25.00", datetime.date(2020, 1, 16),
     _dt(2020, 1, 16, 0, 0), [1, 2, 5]),
]  # fmt: skip


# JSON keys a MongoDB dotted path cannot name, and keys that would break out
# of SQL text if they were ever spliced into it. No '"': SQLite before 3.45
# cannot find such a key (tests/backend/test_json.py checks those).
NOTE_KEYS = ("back\\slash", "dot.ted", "$dollar", "it's")

REVIEWS = [
    # id, book (NULL: an orphan), stars, note. Authors 6 and 8 have no
    # books, books 2, 3, 5, 8-10 no reviews: chained LEFT JOINs find none.
    (1, 1, 5, {'back\\slash': 1, "dot.ted": "a", "$dollar": 10, "it's": 3,
               "nested": {"k.e.y": 2, "arr": [1, 2]}}),
    (2, 1, 3, {'back\\slash': 2, "dot.ted": "b", "nested": {"k.e.y": 3}}),
    (3, 4, None, {"$dollar": 20, "nested": {"arr": [3]}}),
    (4, None, 1, None),
    # JSON null under "j" (values() and DISTINCT read it as SQL NULL, see
    # test_regressions.py).
    (5, None, None, {"j": None, "it's": 1}),
    (6, 7, 4, {}),
    (7, 11, 2, {'back\\slash': 1, "nested": {}}),
    (8, 6, None, {"dot.ted": "a", "$dollar": 5}),
]  # fmt: skip

EVERYTHING = [
    {
        "id": 1,
        "big": 2**53 + 1,
        "small": -3,
        "text": "Hello",
        "flag": True,
        "amount": decimal.Decimal("1.500"),
        "ratio": 0.1,
        "day": datetime.date(2024, 1, 1),
        "moment": _dt(2024, 1, 1, 6, 0),
        "clock": datetime.time(10, 30, 15),
        "span": datetime.timedelta(days=1, hours=2),
        "uid": uuid.UUID(int=1),
        "blob": b"\x00\x01",
        "slug": "hello-world",
    },
    {
        "id": 2,
        "big": -5,
        "small": 7,
        "text": "hello",
        "flag": False,
        "amount": decimal.Decimal("-2.250"),
        "ratio": -1.5,
        "day": datetime.date(2024, 6, 30),
        "moment": _dt(2024, 6, 30, 23, 59, 59, 123000),
        "clock": datetime.time(23, 59, 59, 500000),
        "span": datetime.timedelta(minutes=-30),
        "uid": uuid.UUID("12345678123456781234567812345678"),
        "blob": b"",
        "slug": "a_b",
    },
    {"id": 3},  # all NULL
    {
        "id": 4,
        "big": 0,
        "small": 0,
        "text": "",
        "amount": decimal.Decimal("0.000"),
        "ratio": 0.0,
        "day": datetime.date(2000, 2, 29),
        "moment": _dt(2000, 2, 29, 12, 0),
        "clock": datetime.time(0, 0),
        "span": datetime.timedelta(0),
        "slug": "x%y",
    },
    {
        "id": 5,
        "big": 2**62,
        "small": 32767,
        "text": "100%",
        "flag": True,
        "amount": decimal.Decimal("999.999"),
        "ratio": 1e10,
        "day": datetime.date(1999, 12, 31),
        "moment": _dt(1999, 12, 31, 23, 0),
        "clock": datetime.time(12, 0),
        "span": datetime.timedelta(days=365),
        "uid": uuid.UUID(int=2**128 - 1),
    },
    {
        "id": 6,
        "big": 7,
        "small": 7,
        "text": "Hello",
        "flag": False,
        "amount": decimal.Decimal("3.333"),
        "ratio": 2.5,
        "day": datetime.date(2024, 1, 1),
        "moment": _dt(2024, 1, 1, 6, 0),
        "clock": datetime.time(10, 30, 15),
        "span": datetime.timedelta(hours=26),
        "uid": uuid.UUID(int=2),
        "slug": "hello-world",
    },
]


def create_data(alias: str) -> None:
    """Create the fixed rows in the database ``alias``."""
    Author.objects.using(alias).bulk_create(
        Author(id=i, name=n, email=e, age=a, active=act) for i, n, e, a, act in AUTHORS
    )
    Tag.objects.using(alias).bulk_create(Tag(id=i, label=label) for i, label in TAGS)
    Book.objects.using(alias).bulk_create(
        Book(
            id=i,
            title=title,
            author_id=author,
            editor_id=editor,
            pages=pages,
            rating=rating,
            price=None if price is None else decimal.Decimal(price),
            published=published,
            created=created,
        )
        for i, title, author, editor, pages, rating, price, published, created, _ in BOOKS
    )
    Everything.objects.using(alias).bulk_create(Everything(**row) for row in EVERYTHING)
    through = Book.tags.through
    rows = [(book[0], tag) for book in BOOKS for tag in book[9]]
    through.objects.using(alias).bulk_create(
        through(id=n, book_id=b, tag_id=t) for n, (b, t) in enumerate(rows, start=1)
    )
    Review.objects.using(alias).bulk_create(
        Review(id=i, book_id=book, stars=stars, note=note) for i, book, stars, note in REVIEWS
    )
    if connections[alias].vendor == "mongodb":
        drop_null_keys(alias)


def drop_null_keys(alias: str) -> None:
    """Remove the key of every other NULL value (even ids) from the stored
    documents: a missing key must read as the same NULL as a stored null,
    as after AddField(null=True) or in an adopted database."""
    mongo = connections[alias].connection
    for model in (Author, Book, Everything, Review):
        collection = mongo.database[model._meta.db_table]
        for field in model._meta.concrete_fields:
            if field.null:
                collection.update_many(
                    {field.column: None, "id": {"$mod": [2, 0]}},
                    {"$unset": {field.column: ""}},
                    session=mongo.session,
                )


# --- the SQLite reference ---------------------------------------------------

_CASE_INSENSITIVE = {"iexact", "icontains", "istartswith", "iendswith"}


def _upper_lookup_cast(lookup_type, internal_type=None):
    return "UPPER(%s)" if lookup_type in _CASE_INSENSITIVE else "%s"


def _case_sensitive_like(sender, connection, **kwargs):
    if connection.alias == "sqlite":
        connection.connection.execute("PRAGMA case_sensitive_like = ON")


def prepare_sqlite() -> None:
    """Give the "sqlite" connection case-sensitive LIKE and UPPER() i-lookups."""
    connection = connections["sqlite"]
    operators = dict(connection.operators)
    for lookup in _CASE_INSENSITIVE:
        operators[lookup] = "LIKE UPPER(%s) ESCAPE '\\'"
    connection.operators = operators
    connection.ops.lookup_cast = _upper_lookup_cast
    connection_created.connect(_case_sensitive_like, dispatch_uid="differential-sqlite-like")
    connection.ensure_connection()
    _case_sensitive_like(None, connection)


class TwoDatabasesTestCase(TransactionTestCase):
    """The fixed data in both databases, created again for each test method.

    A TransactionTestCase: a statement that fails on djongo_app must not
    abort a surrounding MongoDB transaction for the next examples.
    """

    databases = set(ALIASES)

    def setUp(self):
        super().setUp()
        prepare_sqlite()
        for alias in ALIASES:
            create_data(alias)


# --- results ------------------------------------------------------------------


def normalize(value):
    """Return ``value`` as nested tuples of tagged scalars (see :func:`same`)."""
    if isinstance(value, Model):
        attrs = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        # Rows of select_related(): "author", "editor" (None for no row).
        attrs.update(value._state.fields_cache)
        return ("model", type(value).__name__, normalize(attrs))
    if isinstance(value, dict):
        return ("dict", tuple(("pair", k, normalize(v)) for k, v in sorted(value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(normalize(v) for v in value))
    if value is None:
        return ("none",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float | decimal.Decimal):
        return ("num", type(value).__name__, value)
    if isinstance(value, datetime.datetime):
        return ("datetime", value)
    if isinstance(value, datetime.date):
        return ("date", value)
    if isinstance(value, datetime.time):
        return ("time", value)
    if isinstance(value, datetime.timedelta):
        return ("duration", value)
    if isinstance(value, uuid.UUID):
        return ("uuid", value)
    if isinstance(value, bytes | bytearray | memoryview):
        return ("bytes", bytes(value))
    if isinstance(value, str):
        return ("str", value)
    return ("other", type(value).__name__, repr(value))


def sort_key(norm):
    """An order-independent key of a normalized value (numbers rounded)."""
    kind = norm[0]
    if kind == "num":
        return ("num", round(float(norm[2]), 6))
    if kind in ("seq", "dict"):
        return (kind, tuple(sort_key(v) for v in norm[1]))
    if kind in ("pair", "model"):
        return (kind, norm[1], sort_key(norm[2]))
    return norm


def same(a, b) -> bool:
    """Compare normalized values; numbers float vs Decimal with a tolerance.

    An int where the other side has a float or Decimal is a mismatch (a
    column of an IntegerField must come back as int). Decimals are compared
    to 0.005: SQLite rounds an average of decimals to the field's decimal
    places, MongoDB's Decimal128 does not.
    """
    if a[0] != b[0]:
        return False
    kind = a[0]
    if kind == "num":
        x, y = a[2], b[2]
        if isinstance(x, decimal.Decimal) or isinstance(y, decimal.Decimal):
            return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=0.005)
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
    if kind in ("seq", "dict"):
        return len(a[1]) == len(b[1]) and all(same(x, y) for x, y in zip(a[1], b[1], strict=True))
    if kind in ("pair", "model"):
        return a[1] == b[1] and same(a[2], b[2])
    return a == b
