"""Text lookups (contains, startswith, regex...) on values stored as other
types: numbers, dates, datetimes, times, ObjectIds, at the top level, in
embedded documents and in arrays, read as the text SQLite holds for them."""

import datetime
import decimal
import uuid

from django.db import NotSupportedError
from django.db.models import OuterRef, Q, Subquery
from django.test import TestCase

from djongo_app.testing import CaptureCommands
from tests.adminapp.models import Issue, Magazine, Publisher
from tests.testapp.models import Author, Blog, Book, Entry, Everything, Note, NoteComment, Reader

TEXT_LOOKUPS = [
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
]


class TopLevelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first = Everything.objects.create(
            big=123456,
            small=-12,
            day=datetime.date(2024, 5, 1),
            moment=datetime.datetime(2024, 5, 1, 12, 30, 0, 123000, tzinfo=datetime.UTC),
            clock=datetime.time(12, 30),
            uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
            text="first",
        )
        cls.second = Everything.objects.create(
            big=7,
            small=45,
            day=datetime.date(2019, 12, 31),
            moment=datetime.datetime(2019, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
            clock=datetime.time(8, 5, 9, 250000),
            text="second",
        )
        Everything.objects.create(text="empty")

    def texts(self, *conditions, **lookup):
        queryset = Everything.objects.filter(*conditions, **lookup)
        return sorted(queryset.values_list("text", flat=True))

    def excluded(self, **lookup):
        return sorted(Everything.objects.exclude(**lookup).values_list("text", flat=True))

    def test_integers_read_as_their_digits(self):
        """big__contains="345" finds 123456, as SQLite and PostgreSQL do (issue 10)."""
        cases = {
            "big__contains": ("345", ["first"]),
            "big__icontains": ("7", ["second"]),
            "big__startswith": ("123", ["first"]),
            "big__endswith": ("56", ["first"]),
            "big__iexact": ("7", ["second"]),
            "big__regex": ("^[0-9]{6}$", ["first"]),
            "small__startswith": ("-", ["first"]),
            "small__istartswith": ("-1", ["first"]),
            "small__iendswith": ("5", ["second"]),
            "small__iregex": ("^4", ["second"]),
        }
        for lookup, (value, expected) in cases.items():
            with self.subTest(lookup=lookup):
                self.assertEqual(self.texts(**{lookup: value}), expected)

    def test_negation(self):
        """exclude() on a nullable column adds Django's IS NULL branch, as
        on SQLite; on a column that is never NULL it is the plain NOT."""
        self.assertEqual(self.excluded(big__contains="345"), ["empty", "second"])
        self.assertEqual(self.excluded(day__startswith="2019"), ["empty", "first"])
        author = Author.objects.create(name="A")
        Book.objects.create(title="x", pages=120, author=author)
        Book.objects.create(title="y", pages=7, author=author)
        books = Book.objects.order_by("title")
        titles = books.exclude(pages__startswith="12").values_list("title", flat=True)
        self.assertEqual(list(titles), ["y"])
        titles = books.filter(~Q(pages__regex="^7$")).values_list("title", flat=True)
        self.assertEqual(list(titles), ["x"])

    def test_dates_read_as_iso_dates(self):
        self.assertEqual(self.texts(day__startswith="2024-05"), ["first"])
        self.assertEqual(self.texts(day__iexact="2019-12-31"), ["second"])
        self.assertEqual(self.texts(day__contains="-12-"), ["second"])
        self.assertEqual(self.texts(day__regex=r"^\d{4}-\d{2}-\d{2}$"), ["first", "second"])
        # No time part: a date is not read as a midnight datetime.
        self.assertEqual(self.texts(day__contains="00:00"), [])

    def test_datetimes_read_as_sqlite_stores_them(self):
        """The stored UTC value as str() writes it: a space between date and
        time, the fraction only when there is one."""
        self.assertEqual(self.texts(moment__startswith="2024-05-01 12:30:00.123000"), ["first"])
        self.assertEqual(self.texts(moment__iexact="2019-12-31 23:59:59"), ["second"])
        self.assertEqual(self.texts(moment__endswith=":59"), ["second"])
        self.assertEqual(self.texts(moment__contains="T"), [])
        self.assertEqual(self.texts(moment__regex=r"\.\d{6}$"), ["first"])

    def test_times_read_without_a_zero_fraction(self):
        self.assertEqual(self.texts(clock__iexact="12:30:00"), ["first"])
        self.assertEqual(self.texts(clock__endswith=":00"), ["first"])
        self.assertEqual(self.texts(clock__endswith=".250000"), ["second"])
        self.assertEqual(self.texts(clock__startswith="08:05:09"), ["second"])

    def test_uuids_read_as_stored_hex(self):
        """As on SQLite: 32 hex digits, and Django drops the dashes of the value."""
        self.assertEqual(self.texts(uid__icontains="5678-1234"), ["first"])
        self.assertEqual(self.texts(uid__startswith="12345678123"), ["first"])

    def test_runs_as_an_expression_on_the_text(self):
        """The query language's $regex never matches a number: the filter
        is an $expr on the value's text."""
        with CaptureCommands() as commands:
            self.texts(big__startswith="123")
        condition = commands.filter()
        self.assertIn("$expr", condition)
        self.assertIn("$regexMatch", str(condition))
        self.assertIn("'to': 'string'", str(condition))

    def test_types_without_one_text_form_raise(self):
        """Booleans, decimals, floats, durations and bytes have no text form
        that SQLite, PostgreSQL and Python agree on: NotSupportedError
        naming the lookup and the field type."""
        cases = {
            "flag__iexact": ("1", "iexact", "BooleanField"),
            "amount__contains": ("1.5", "contains", "DecimalField"),
            "ratio__startswith": ("2", "startswith", "FloatField"),
            "span__icontains": ("1", "icontains", "DurationField"),
            "blob__regex": ("a", "regex", "BinaryField"),
        }
        for lookup, (value, name, field_type) in cases.items():
            with self.subTest(lookup=lookup):
                message = f"The {name} lookup on a {field_type} is not supported by djongo_app"
                with self.assertRaisesMessage(NotSupportedError, message):
                    list(Everything.objects.filter(**{lookup: value}))


class NestedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann, cls.bob = Reader.objects.create(name="Ann"), Reader.objects.create(name="Bob")
        Entry.objects.create(headline="a", blog=Blog(name="x", rank=12), scores=[12, 3])
        Entry.objects.create(headline="b", blog=Blog(name="y", rank=7), scores=[45])
        Entry.objects.create(headline="c", blog=Blog(name="z", rank=0)).readers.set([cls.bob])
        Magazine.objects.create(
            name="m1",
            publisher=Publisher(name="p"),
            issues=[Issue(number=12), Issue(number=7, published=datetime.date(2024, 5, 1))],
        )
        Magazine.objects.create(name="m2", publisher=Publisher(name="p"), issues=[Issue(number=3)])

    def headlines(self, **lookup):
        return sorted(Entry.objects.filter(**lookup).values_list("headline", flat=True))

    def magazines(self, **lookup):
        return sorted(Magazine.objects.filter(**lookup).values_list("name", flat=True))

    def test_integer_in_an_embedded_document(self):
        self.assertEqual(self.headlines(blog__rank__contains="2"), ["a"])
        self.assertEqual(self.headlines(blog__rank__iexact="0"), ["c"])
        # A path lookup is never NULL: exclude() keeps the rest.
        self.assertEqual(
            sorted(
                Entry.objects.exclude(blog__rank__contains="2").values_list("headline", flat=True)
            ),
            ["b", "c"],
        )

    def test_any_element_of_an_array_of_documents(self):
        """issues__number__icontains="2" matches a magazine with issue 12 (issue 12)."""
        self.assertEqual(self.magazines(issues__number__icontains="2"), ["m1"])
        self.assertEqual(self.magazines(issues__number__regex="^(3|7)$"), ["m1", "m2"])
        self.assertEqual(self.magazines(issues__published__startswith="2024-05"), ["m1"])
        self.assertEqual(
            sorted(
                Magazine.objects.exclude(issues__number__contains="2").values_list(
                    "name", flat=True
                )
            ),
            ["m2"],
        )

    def test_one_element_by_index(self):
        self.assertEqual(self.magazines(issues__1__number__iexact="7"), ["m1"])
        self.assertEqual(self.magazines(issues__0__number__iexact="7"), [])
        self.assertEqual(self.headlines(scores__1__startswith="3"), ["a"])

    def test_any_element_of_an_array_of_values(self):
        self.assertEqual(self.headlines(scores__icontains="2"), ["a"])
        self.assertEqual(self.headlines(scores__endswith="5"), ["b"])
        self.assertEqual(self.headlines(scores__regex="^[0-9]$"), ["a"])
        self.assertEqual(self.headlines(tags__icontains="x"), [])

    def test_any_reference_of_an_array_reference_field(self):
        self.assertEqual(self.headlines(readers__iexact=str(self.bob.pk)), ["c"])
        self.assertEqual(self.headlines(readers__iexact=str(self.ann.pk)), [])


class RelatedTests(TestCase):
    def test_text_lookup_on_the_key_of_a_related_object(self):
        """note__pk__startswith reads the foreign key's ObjectId as hex, and
        author__id__contains an integer key as digits; Django itself has no
        text lookups on the foreign key (note__startswith is a FieldError)."""
        note = Note.objects.create(text="n")
        NoteComment.objects.create(note=note, body="hi")
        found = NoteComment.objects.filter(note__pk__startswith=str(note.pk)[:10])
        self.assertEqual(list(found.values_list("body", flat=True)), ["hi"])
        author = Author.objects.create(name="A", age=41)
        Book.objects.create(title="T", author=author, price=decimal.Decimal("1.50"))
        self.assertEqual(
            list(
                Book.objects.filter(author__id__iexact=str(author.pk)).values_list(
                    "title", flat=True
                )
            ),
            ["T"],
        )
        # Across a join, on the joined collection's own column.
        self.assertEqual(
            list(Book.objects.filter(author__age__endswith="1").values_list("title", flat=True)),
            ["T"],
        )


class SubqueryPatternTests(TestCase):
    """A text lookup whose right-hand side is an uncorrelated subquery: the
    subquery runs first and its value is the pattern, with SQL's meaning
    (a LIKE pattern's own wildcards count)."""

    @classmethod
    def setUpTestData(cls):
        cls.ada = Author.objects.create(name="Ada", age=36)
        cls.grace = Author.objects.create(name="Grace", age=85)
        Author.objects.create(name="a%", age=1)

    def youngest(self):
        return Subquery(Author.objects.order_by("age").values("name")[:1])

    def test_iexact_regex_and_iregex_match_the_subquery_value(self):
        oldest = Subquery(Author.objects.order_by("-age").values("name")[:1])
        for lookup, expected in [
            ("iexact", ["Grace"]),
            ("regex", ["Grace"]),
            ("iregex", ["Grace"]),
        ]:
            with self.subTest(lookup=lookup):
                names = Author.objects.filter(**{f"name__{lookup}": oldest}).values_list(
                    "name", flat=True
                )
                self.assertEqual(sorted(names), expected)

    def test_a_like_wildcard_in_the_subquery_value_is_a_wildcard(self):
        # "a%" as an ILIKE pattern matches every name starting with a or A.
        names = Author.objects.filter(name__iexact=self.youngest()).values_list("name", flat=True)
        self.assertEqual(sorted(names), ["Ada", "a%"])

    def test_empty_subquery_matches_nothing(self):
        # (No parameter in the subquery: Django's IExact rewrites the first
        # parameter of its right-hand side, whatever it is.)
        empty = Subquery(Author.objects.filter(name__isnull=True).values("name")[:1])
        self.assertFalse(Author.objects.filter(name__iexact=empty).exists())
        self.assertFalse(Author.objects.exclude(name__regex=empty).exists())

    def test_correlated_pattern_is_refused(self):
        same = Subquery(Author.objects.filter(pk=OuterRef("pk")).values("name")[:1])
        with self.assertRaisesMessage(NotSupportedError, "A LIKE pattern computed from columns"):
            list(Author.objects.filter(name__iexact=same))
