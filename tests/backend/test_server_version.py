"""The minimum server version: declared, true for the plans, and checked
when Django connects."""

from django.db import NotSupportedError, connection, connections
from django.db.models import F
from django.db.models.functions import TruncMonth
from django.test import TestCase

from djongo_app.features import SERVER_OPERATORS
from djongo_app.testing import CaptureCommands
from tests.testapp.models import Author, Book, Document


def operators(value):
    """Yield every key of every document inside a command."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from operators(item)
    elif isinstance(value, list):
        for item in value:
            yield from operators(item)


def version_text(version):
    return ".".join(map(str, version))


class ServerVersionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ann = Author.objects.create(name="ann")
        Book.objects.create(title="t", author=ann, pages=7)

    def test_declared_minimum_covers_the_operators_plans_use(self):
        """Each operator of SERVER_OPERATORS appears in the commands of a
        query that needs it, and the declared minimum is at least the
        release that introduced it (issue 10)."""
        queries = {
            "$bitAnd": lambda: list(Book.objects.annotate(x=F("pages").bitand(3)).values("x")),
            "$bitOr": lambda: list(Book.objects.annotate(x=F("pages").bitor(8)).values("x")),
            "$bitXor": lambda: list(Book.objects.annotate(x=F("pages").bitxor(1)).values("x")),
            "$documents": lambda: connection.cursor().execute("SELECT LOWER(%s)", ["X"]),
            # StringAgg("name", Value(","), order_by="name") (Django 6.0+).
            "$sortArray": lambda: connection.cursor().execute(
                'SELECT STRING_AGG("name", %s, DJ_ORDER_ASC("name")) FROM "testapp_author"', [","]
            ),
            "$dateTrunc": lambda: list(Book.objects.annotate(m=TruncMonth("created")).values("m")),
            "$getField": lambda: list(Document.objects.filter(data__owner__name="ann")),
            "$lookup with localField and pipeline": lambda: list(
                Book.objects.filter(author__name="ann").values("title", "author__name")
            ),
        }
        self.assertEqual(set(queries), set(SERVER_OPERATORS))
        minimum = connection.features.minimum_database_version
        for operator, run in queries.items():
            with self.subTest(operator), CaptureCommands() as commands:
                run()
                found = set(operators(list(commands)))
                if operator.startswith("$lookup"):
                    lookups = [
                        lookup
                        for i in range(len(commands))
                        for lookup in commands.stages("$lookup", i)
                    ]
                    self.assertTrue(
                        any({"localField", "pipeline"} <= set(lookup) for lookup in lookups)
                    )
                else:
                    self.assertIn(operator, found)
                self.assertGreaterEqual(minimum, SERVER_OPERATORS[operator])

    def test_older_server_is_refused_at_connection(self):
        """Connecting to a server older than the minimum raises
        NotSupportedError naming the minimum and the server's version
        (issue 10)."""
        found = version_text(connection.get_database_version())
        default = connections["default"]
        wrapper = type(default)(dict(default.settings_dict), "version-check")
        wrapper.features.minimum_database_version = (99, 0)
        try:
            with self.assertRaisesMessage(
                NotSupportedError,
                f"MongoDB (djongo_app) requires MongoDB 99.0 or later (found {found}): "
                "its plans use $bitAnd (6.3)",
            ):
                wrapper.ensure_connection()
        finally:
            wrapper.close()
        self.assertGreaterEqual(
            connection.get_database_version(), connection.features.minimum_database_version
        )
