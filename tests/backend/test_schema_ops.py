"""Schema operations against the server: collections, indexes, documents,
validators and ``__schema__`` counters after each migration operation, and
ENFORCE_SCHEMA: False reads (issue 5).

Models live in migration states (app label ``schemaops``), so nothing is
added to the project's app registry.
"""

import datetime
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import (
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
    connection,
    migrations,
    models,
)
from django.db.migrations.state import ProjectState
from django.db.models import F, Max, Q
from django.db.models.functions import Lower, Upper
from django.test import TransactionTestCase
from django.test.utils import isolate_apps

from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.management.commands.inspectdb import Command as InspectDbCommand

APP = "schemaops"
MISSING = "<missing>"


def database():
    connection.ensure_connection()
    return connection.connection.database


def collections():
    return set(database().list_collection_names())


def indexes(table):
    """Return ``{name: info}`` of a collection's indexes, without ``_id_``."""
    return {
        name: info for name, info in database()[table].index_information().items() if name != "_id_"
    }


def index_keys(table):
    return sorted(info["key"] for info in indexes(table).values())


def validator(table):
    info = database().command("listCollections", filter={"name": table})["cursor"]["firstBatch"]
    return info[0]["options"].get("validator")


def not_null(table):
    entry = database()[SCHEMA_COLLECTION].find_one({"name": table}) or {}
    return entry.get("not_null")


def required(table):
    rules = validator(table)
    if "$and" in rules:
        rules = rules["$and"][0]
    return rules["$jsonSchema"]["required"]


def counter(table):
    entry = database()[SCHEMA_COLLECTION].find_one({"name": table})
    return None if entry is None else entry["auto"]


def key_record(table):
    """Return the column ``__schema__`` records as kept in ``_id``."""
    entry = database()[SCHEMA_COLLECTION].find_one({"name": table})
    return None if entry is None else entry.get("key", MISSING)


def values(table, *keys):
    """Return each document's values of ``keys`` (MISSING when absent),
    ordered by the primary key (stored in ``_id``)."""
    documents = database()[table].find(sort=[("_id", 1)])
    return [tuple(document.get(key, MISSING) for key in keys) for document in documents]


class SchemaOperationTestCase(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def setUp(self):
        self.collections_before = collections()
        self.counters_before = set(database()[SCHEMA_COLLECTION].distinct("name"))
        self.addCleanup(self.drop_created)

    def drop_created(self):
        for name in collections() - self.collections_before:
            database().drop_collection(name)
        database()[SCHEMA_COLLECTION].delete_many({"name": {"$nin": list(self.counters_before)}})
        connection.connection.counters.forget()

    def migrate(self, state, *operations):
        """Apply ``operations`` to ``state`` (and the database); return the
        new state."""
        migration = migrations.Migration("test", APP)
        migration.operations = list(operations)
        with connection.schema_editor() as editor:
            return migration.apply(state, editor)

    def create_pony(self, *fields, **options):
        """Create ``schemaops_pony`` with a name and ``fields``; return the
        state."""
        return self.migrate(
            ProjectState(),
            migrations.CreateModel(
                "Pony",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("name", models.CharField(max_length=20)),
                    *fields,
                ],
                options=options,
            ),
        )


class FieldOperationTests(SchemaOperationTestCase):
    def test_add_field_fills_existing_documents_with_its_default(self):
        state = self.create_pony()
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a")
        Pony.objects.create(name="b")
        state = self.migrate(
            state,
            migrations.AddField("Pony", "rank", models.IntegerField(default=5)),
            migrations.AddField("Pony", "note", models.CharField(max_length=5, null=True)),
            migrations.AddField(
                "Pony", "code", models.CharField(max_length=5, null=True, unique=True)
            ),
            migrations.AddField("Pony", "weight", models.IntegerField(null=True, db_index=True)),
        )
        # A nullable field without a default adds no key, as SQL adds NULLs.
        self.assertEqual(
            values("schemaops_pony", "name", "rank", "note"),
            [("a", 5, MISSING), ("b", 5, MISSING)],
        )
        # The key lives in _id: the validator does not require an "id".
        self.assertEqual(required("schemaops_pony"), ["name", "rank"])
        code = [info for info in indexes("schemaops_pony").values() if info["key"] == [("code", 1)]]
        self.assertIs(code[0]["unique"], True)
        self.assertIn("partialFilterExpression", code[0])
        self.assertIn([("weight", 1)], index_keys("schemaops_pony"))
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="c", code=None)
        Pony.objects.create(name="d", code=None)
        self.assertEqual(Pony.objects.filter(rank=5).count(), 4)

    def test_remove_field_unsets_the_key_and_drops_its_indexes(self):
        state = self.create_pony(
            ("code", models.CharField(max_length=5, db_index=True)),
            ("rank", models.IntegerField(default=0)),
        )
        state.apps.get_model(APP, "Pony").objects.create(name="a", code="x", rank=1)
        self.assertIn([("code", 1)], index_keys("schemaops_pony"))
        self.migrate(state, migrations.RemoveField("Pony", "code"))
        self.assertEqual(values("schemaops_pony", "name", "code", "rank"), [("a", MISSING, 1)])
        # Only MongoDB's own _id index is left: the key needs no other.
        self.assertEqual(index_keys("schemaops_pony"), [])
        self.assertEqual(required("schemaops_pony"), ["name", "rank"])

    def test_rename_field_renames_the_key_indexes_and_required_column(self):
        state = self.create_pony(
            ("weight", models.IntegerField(null=True)),
            unique_together={("name", "weight")},
            indexes=[
                models.Index(fields=["name"], name="pony_heavy_name", condition=Q(weight__gt=1))
            ],
        )
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", weight=2)
        Pony.objects.create(name="b")
        state = self.migrate(
            state,
            migrations.RenameField("Pony", "name", "title"),
            migrations.RenameField("Pony", "weight", "mass"),
        )
        self.assertEqual(
            values("schemaops_pony", "title", "mass", "name", "weight"),
            [("a", 2, MISSING, MISSING), ("b", None, MISSING, MISSING)],
        )
        self.assertEqual(required("schemaops_pony"), ["title"])
        info = indexes("schemaops_pony")
        # A named index keeps its name; its condition follows the rename.
        self.assertEqual(info["pony_heavy_name"]["key"], [("title", 1)])
        self.assertEqual(info["pony_heavy_name"]["partialFilterExpression"], {"mass": {"$gt": 1}})
        together = [i for i in info.values() if i["key"] == [("title", 1), ("mass", 1)]]
        self.assertIs(together[0]["unique"], True)
        self.assertEqual(
            index_keys("schemaops_pony"), [[("title", 1)], [("title", 1), ("mass", 1)]]
        )
        Pony = state.apps.get_model(APP, "Pony")
        with self.assertRaises(IntegrityError):
            Pony.objects.create(title="a", mass=2)

    def test_alter_field_null_to_not_null_fills_the_default(self):
        state = self.create_pony(("rating", models.IntegerField(null=True)))
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", rating=4)
        Pony.objects.create(name="b")
        database()["schemaops_pony"].insert_one({"_id": 3, "name": "c"})
        self.assertEqual(required("schemaops_pony"), ["name"])
        state = self.migrate(
            state, migrations.AlterField("Pony", "rating", models.IntegerField(default=0))
        )
        self.assertEqual(values("schemaops_pony", "_id", "rating"), [(1, 4), (2, 0), (3, 0)])
        self.assertEqual(required("schemaops_pony"), ["name", "rating"])
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            state.apps.get_model(APP, "Pony").objects.create(name="d", rating=None)
        self.migrate(state, migrations.AlterField("Pony", "rating", models.IntegerField(null=True)))
        self.assertEqual(required("schemaops_pony"), ["name"])

    def test_not_null_record_follows_the_fields(self):
        """The columns whose NULL is written as a missing key (notnull.py)
        follow AddField, AlterField and RemoveField; a JSONField holds JSON
        null, and loses that when it becomes another type."""
        state = self.create_pony(("data", models.JSONField()))
        self.assertEqual(not_null("schemaops_pony"), ["name"])
        state = self.migrate(
            state, migrations.AddField("Pony", "rank", models.IntegerField(default=1))
        )
        self.assertEqual(not_null("schemaops_pony"), ["name", "rank"])
        state = self.migrate(state, migrations.AlterField("Pony", "data", models.TextField()))
        self.assertEqual(not_null("schemaops_pony"), ["data", "name", "rank"])
        Pony = state.apps.get_model(APP, "Pony")
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Pony.objects.create(name="a", data=None)
        state = self.migrate(state, migrations.RemoveField("Pony", "rank"))
        state = self.migrate(
            state, migrations.AlterField("Pony", "data", models.TextField(null=True))
        )
        self.assertEqual(not_null("schemaops_pony"), ["name"])
        state.apps.get_model(APP, "Pony").objects.create(name="b", data=None)
        self.assertEqual(values("schemaops_pony", "name", "data"), [("b", None)])

    def test_a_null_key_stored_in_id_is_refused(self):
        """A primary key the application gives, stored in _id: its NULL
        cannot be sent as a missing key (the driver would make an ObjectId),
        so the validator refuses it."""
        state = self.migrate(
            ProjectState(),
            migrations.CreateModel(
                "Code",
                [
                    ("code", models.IntegerField(primary_key=True, db_column="_id")),
                    ("name", models.CharField(max_length=20)),
                ],
            ),
        )
        Code = state.apps.get_model(APP, "Code")
        self.assertEqual(not_null("schemaops_code"), ["name"])
        with self.assertRaisesMessage(IntegrityError, "NOT NULL"):
            Code.objects.create(code=None, name="a")
        Code.objects.create(code=7, name="b")
        self.assertEqual(values("schemaops_code", "_id", "name"), [(7, "b")])

    def test_alter_field_adds_and_removes_unique_and_db_index(self):
        state = self.create_pony(("code", models.CharField(max_length=5)))
        self.assertNotIn([("code", 1)], index_keys("schemaops_pony"))

        def code_index():
            found = [i for i in indexes("schemaops_pony").values() if i["key"] == [("code", 1)]]
            return [bool(i.get("unique")) for i in found]

        state = self.migrate(
            state,
            migrations.AlterField("Pony", "code", models.CharField(max_length=5, unique=True)),
        )
        self.assertEqual(code_index(), [True])
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", code="x")
        with self.assertRaises(IntegrityError):
            Pony.objects.create(name="b", code="x")
        state = self.migrate(
            state,
            migrations.AlterField("Pony", "code", models.CharField(max_length=5, db_index=True)),
        )
        self.assertEqual(code_index(), [False])
        state.apps.get_model(APP, "Pony").objects.create(name="b", code="x")
        self.migrate(state, migrations.AlterField("Pony", "code", models.CharField(max_length=5)))
        self.assertEqual(code_index(), [])

    def test_alter_field_to_unique_over_duplicates_is_integrity_error(self):
        state = self.create_pony(("code", models.CharField(max_length=5)))
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", code="x")
        Pony.objects.create(name="b", code="x")
        with self.assertRaises(IntegrityError):
            self.migrate(
                state,
                migrations.AlterField("Pony", "code", models.CharField(max_length=5, unique=True)),
            )

    def test_unique_field_made_nullable_allows_several_nulls(self):
        """A unique index becomes partial when its field becomes nullable,
        and whole again when it stops being (issue 5)."""
        state = self.create_pony(("code", models.CharField(max_length=5, unique=True)))

        def code_index():
            return next(i for i in indexes("schemaops_pony").values() if i["key"] == [("code", 1)])

        self.assertNotIn("partialFilterExpression", code_index())
        state = self.migrate(
            state,
            migrations.AlterField(
                "Pony", "code", models.CharField(max_length=5, unique=True, null=True)
            ),
        )
        self.assertIn("partialFilterExpression", code_index())
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", code=None)
        Pony.objects.create(name="b", code=None)
        Pony.objects.filter(name="a").update(code="a")
        Pony.objects.filter(name="b").update(code="b")
        self.migrate(
            state,
            migrations.AlterField("Pony", "code", models.CharField(max_length=5, unique=True)),
        )
        self.assertNotIn("partialFilterExpression", code_index())
        self.assertIs(code_index()["unique"], True)


class ModelOperationTests(SchemaOperationTestCase):
    def create_pony_and_riders(self):
        state = self.migrate(
            ProjectState(),
            migrations.CreateModel(
                "Rider",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("name", models.CharField(max_length=20)),
                ],
            ),
        )
        return self.migrate(
            state,
            migrations.CreateModel(
                "Pony",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("name", models.CharField(max_length=20)),
                    ("riders", models.ManyToManyField("Rider")),
                ],
            ),
        )

    def test_rename_model_moves_collection_counter_and_m2m(self):
        state = self.create_pony_and_riders()
        Pony = state.apps.get_model(APP, "Pony")
        Rider = state.apps.get_model(APP, "Rider")
        ann = Rider.objects.create(name="Ann")
        Pony.objects.create(name="a").riders.add(ann)
        Pony.objects.create(name="b")
        self.assertEqual(counter("schemaops_pony")["seq"], 2)
        self.assertEqual(counter("schemaops_pony_riders")["seq"], 1)

        state = self.migrate(state, migrations.RenameModel("Pony", "Horse"))

        tables = collections()
        self.assertLessEqual({"schemaops_horse", "schemaops_horse_riders"}, tables)
        self.assertEqual(tables & {"schemaops_pony", "schemaops_pony_riders"}, set())
        self.assertIsNone(counter("schemaops_pony"))
        self.assertIsNone(counter("schemaops_pony_riders"))
        self.assertEqual(counter("schemaops_horse"), {"field_names": ["id"], "seq": 2})
        self.assertEqual(counter("schemaops_horse_riders"), {"field_names": ["id"], "seq": 1})
        # The renamed tables keep their key in _id, and say so.
        self.assertEqual(key_record("schemaops_horse"), "id")
        self.assertEqual(key_record("schemaops_horse_riders"), "id")
        self.assertEqual(
            values("schemaops_horse", "_id", "name", "id"), [(1, "a", MISSING), (2, "b", MISSING)]
        )
        self.assertEqual(
            values("schemaops_horse_riders", "horse_id", "rider_id", "pony_id"),
            [(1, ann.pk, MISSING)],
        )
        self.assertEqual(
            index_keys("schemaops_horse_riders"),
            [[("horse_id", 1)], [("horse_id", 1), ("rider_id", 1)], [("rider_id", 1)]],
        )
        Horse = state.apps.get_model(APP, "Horse")
        self.assertEqual(Horse.objects.create(name="c").pk, 3)
        self.assertEqual(
            list(Horse.objects.filter(riders__name="Ann").values_list("name", flat=True)), ["a"]
        )
        with self.assertRaises(IntegrityError):
            Horse.riders.through.objects.create(horse_id=1, rider_id=ann.pk)

    def test_alter_model_table_moves_the_counter(self):
        state = self.create_pony()
        state.apps.get_model(APP, "Pony").objects.create(name="a")
        state = self.migrate(state, migrations.AlterModelTable("Pony", "stable"))
        self.assertIn("stable", collections())
        self.assertNotIn("schemaops_pony", collections())
        self.assertEqual(counter("stable")["seq"], 1)
        self.assertIsNone(counter("schemaops_pony"))
        self.assertEqual(state.apps.get_model(APP, "Pony").objects.create(name="b").pk, 2)

    def test_m2m_field_creates_and_drops_the_through_collection(self):
        state = self.create_pony_and_riders()
        state = self.migrate(
            state, migrations.AddField("Pony", "grooms", models.ManyToManyField("Rider"))
        )
        self.assertIn("schemaops_pony_grooms", collections())
        self.assertEqual(counter("schemaops_pony_grooms"), {"field_names": ["id"], "seq": 0})
        self.assertIn([("pony_id", 1), ("rider_id", 1)], index_keys("schemaops_pony_grooms"))
        state = self.migrate(state, migrations.RemoveField("Pony", "grooms"))
        self.assertNotIn("schemaops_pony_grooms", collections())
        self.assertIsNone(counter("schemaops_pony_grooms"))
        self.migrate(state, migrations.DeleteModel("Pony"))
        self.assertEqual(collections() & {"schemaops_pony", "schemaops_pony_riders"}, set())
        self.assertIsNone(counter("schemaops_pony_riders"))


class DropTableTests(SchemaOperationTestCase):
    def test_sql_delete_table_drops_the_collection_and_its_counter(self):
        """editor.execute(editor.sql_delete_table % ...), the DROP TABLE ...
        CASCADE that Django's and third-party test suites run, drops the
        collection and its __schema__ counter (issue 10)."""
        state = self.create_pony()
        state.apps.get_model(APP, "Pony").objects.create(name="a")
        self.assertEqual(counter("schemaops_pony")["seq"], 1)
        with connection.schema_editor() as editor:
            editor.execute(editor.sql_delete_table % {"table": editor.quote_name("schemaops_pony")})
        self.assertNotIn("schemaops_pony", collections())
        self.assertIsNone(counter("schemaops_pony"))
        # Created again, the table counts from 1.
        state = self.create_pony()
        self.assertEqual(state.apps.get_model(APP, "Pony").objects.create(name="b").pk, 1)

    def test_drop_table_of_a_missing_collection(self):
        """DROP TABLE of a missing collection is a ProgrammingError, and a
        no-op with IF EXISTS (issue 10)."""
        with connection.cursor() as cursor:
            with self.assertRaisesMessage(
                ProgrammingError, "DROP TABLE: the collection 'schemaops_none' does not exist"
            ):
                cursor.execute('DROP TABLE "schemaops_none"')
            cursor.execute('DROP TABLE IF EXISTS "schemaops_none" RESTRICT')
        self.assertNotIn("schemaops_none", collections())


class IndexAndConstraintOperationTests(SchemaOperationTestCase):
    def create(self):
        return self.create_pony(
            ("rank", models.IntegerField(default=0)),
            ("active", models.BooleanField(default=True)),
            ("code", models.CharField(max_length=5, null=True)),
        )

    def test_add_and_remove_indexes(self):
        state = self.create()
        added = [
            models.Index(fields=["name"], name="pony_name"),
            models.Index(fields=["-rank"], name="pony_rank_desc"),
            models.Index(fields=["name", "-rank"], name="pony_name_rank"),
            models.Index(fields=["rank"], condition=Q(rank__gt=10), name="pony_high_rank"),
        ]
        state = self.migrate(state, *(migrations.AddIndex("Pony", index) for index in added))
        info = indexes("schemaops_pony")
        self.assertEqual(info["pony_name"]["key"], [("name", 1)])
        self.assertEqual(info["pony_rank_desc"]["key"], [("rank", -1)])
        self.assertEqual(info["pony_name_rank"]["key"], [("name", 1), ("rank", -1)])
        self.assertEqual(info["pony_high_rank"]["key"], [("rank", 1)])
        self.assertEqual(info["pony_high_rank"]["partialFilterExpression"], {"rank": {"$gt": 10}})
        self.assertNotIn("partialFilterExpression", info["pony_name"])
        self.migrate(state, *(migrations.RemoveIndex("Pony", index.name) for index in added))
        self.assertEqual(index_keys("schemaops_pony"), [])

    def test_lower_and_upper_are_case_insensitive_indexes(self):
        """UniqueConstraint(Lower(...)) and Index(Upper(...)) become indexes
        on the path with a case-insensitive collation: the constraint is
        enforced without regard to case, and supports_expression_indexes
        is true to it (issue 10)."""
        state = self.create()
        state = self.migrate(
            state,
            migrations.AddConstraint(
                "Pony",
                models.UniqueConstraint(Lower("name"), F("rank"), name="pony_lower_uniq"),
            ),
            migrations.AddIndex(
                "Pony",
                models.Index(Upper("code").desc(), condition=Q(rank__gt=0), name="pony_upper_code"),
            ),
        )
        info = indexes("schemaops_pony")
        self.assertEqual(info["pony_lower_uniq"]["key"], [("name", 1), ("rank", 1)])
        self.assertIs(info["pony_lower_uniq"]["unique"], True)
        self.assertEqual(info["pony_lower_uniq"]["collation"]["strength"], 2)
        self.assertEqual(info["pony_upper_code"]["key"], [("code", -1)])
        self.assertEqual(info["pony_upper_code"]["collation"]["strength"], 2)
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="Ann", rank=1)
        Pony.objects.create(name="ann", rank=2)
        with self.assertRaises(IntegrityError):
            Pony.objects.create(name="ANN", rank=1)
        self.assertEqual(Pony.objects.count(), 2)
        # inspectdb does not read it as unique=True.
        with connection.cursor() as cursor:
            introspected = connection.introspection.get_constraints(cursor, "schemaops_pony")
        self.assertEqual(introspected["pony_lower_uniq"]["options"]["collation"]["strength"], 2)
        output = StringIO()
        call_command(InspectDbCommand(), "schemaops_pony", stdout=output)
        self.assertIn(
            "# Unique index 'pony_lower_uniq' on name, rank ignores case", output.getvalue()
        )
        self.assertNotIn("unique", output.getvalue().replace("Unique index", ""))
        self.migrate(
            state,
            migrations.RemoveConstraint("Pony", "pony_lower_uniq"),
            migrations.RemoveIndex("Pony", "pony_upper_code"),
        )
        self.assertEqual(index_keys("schemaops_pony"), [])

    def test_other_expression_indexes_are_not_supported(self):
        """Indexes on other expressions, and Lower()/Upper() beside a text
        column the collation would fold too, raise NotSupportedError
        (issue 10)."""
        state = self.create()
        refused = [
            (
                migrations.AddIndex("Pony", models.Index(F("rank") * 2, name="pony_double")),
                "only fields, paths into documents",
            ),
            (
                migrations.AddConstraint(
                    "Pony",
                    models.UniqueConstraint(Lower("name"), F("code"), name="pony_mixed"),
                ),
                "beside the text column(s) code",
            ),
            (
                migrations.AddIndex(
                    "Pony",
                    models.Index(Lower("name"), condition=Q(code="a"), name="pony_lower_code"),
                ),
                "with a condition on the text column(s) code",
            ),
        ]
        for operation, message in refused:
            with self.subTest(operation), self.assertRaisesMessage(NotSupportedError, message):
                self.migrate(state, operation)
        self.assertEqual(index_keys("schemaops_pony"), [])

    def test_conditions_partial_indexes_cannot_hold(self):
        """A condition MongoDB refuses in a partialFilterExpression (JSON key
        lookups run as $expr; LIKE as $regex; negations as $ne/$not)
        raises NotSupportedError naming it before the index is created
        (SecantusDB would accept the $expr that MongoDB refuses)."""
        state = self.create_pony(
            ("rank", models.IntegerField(default=0)), ("data", models.JSONField(null=True))
        )
        refused = [
            models.Index(fields=["rank"], condition=Q(data__kind="x"), name="pony_kind"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(data__kind="x"), name="pony_kind_name"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(data__a__b__gt=1), name="pony_deep_name"
            ),
            models.Index(fields=["rank"], condition=Q(name__startswith="a"), name="pony_a"),
            models.Index(fields=["rank"], condition=~Q(rank=1), name="pony_not_one"),
            models.Index(fields=["rank"], condition=Q(rank__gt=F("id")), name="pony_gt_id"),
        ]
        for owner in refused:
            operation = (
                migrations.AddIndex("Pony", owner)
                if isinstance(owner, models.Index)
                else migrations.AddConstraint("Pony", owner)
            )
            message = f"The condition of the index {owner.name!r} ({owner.condition!r}) is not "
            with self.subTest(owner.name), self.assertRaisesMessage(NotSupportedError, message):
                self.migrate(state, operation)
        self.assertEqual(index_keys("schemaops_pony"), [])

    def test_isnull_false_condition_is_a_type_filter(self):
        """isnull=False ($ne: null, which partial indexes refuse) is a $type
        of every non-null type: documents whose code is null or missing are
        not in the unique index."""
        state = self.create()
        constraint = models.UniqueConstraint(
            fields=["rank"], condition=Q(code__isnull=False), name="pony_coded_rank"
        )
        state = self.migrate(state, migrations.AddConstraint("Pony", constraint))
        partial = indexes("schemaops_pony")["pony_coded_rank"]["partialFilterExpression"]
        self.assertEqual(list(partial), ["code"])
        self.assertNotIn("null", partial["code"]["$type"])
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", rank=1)
        Pony.objects.create(name="b", rank=1)
        Pony.objects.create(name="c", rank=1, code="x")
        with self.assertRaises(IntegrityError):
            Pony.objects.create(name="d", rank=1, code="y")

    def test_add_and_remove_unique_constraints(self):
        state = self.create()
        constraints = [
            models.UniqueConstraint(fields=["name", "rank"], name="pony_name_rank_uniq"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(active=True), name="pony_active_name"
            ),
            models.UniqueConstraint(fields=["code"], name="pony_code_uniq"),
        ]
        state = self.migrate(
            state, *(migrations.AddConstraint("Pony", constraint) for constraint in constraints)
        )
        info = indexes("schemaops_pony")
        self.assertEqual(info["pony_name_rank_uniq"]["key"], [("name", 1), ("rank", 1)])
        self.assertNotIn("partialFilterExpression", info["pony_name_rank_uniq"])
        self.assertEqual(info["pony_active_name"]["partialFilterExpression"], {"active": True})
        # A nullable column: NULLs stay distinct, as in SQL.
        self.assertIn("code", info["pony_code_uniq"]["partialFilterExpression"])
        self.assertIs(all(i["unique"] for i in info.values()), True)

        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", rank=1, active=False)
        Pony.objects.create(name="a", rank=2, active=False)
        Pony.objects.create(name="a", rank=3, active=True)
        with self.assertRaises(IntegrityError):
            Pony.objects.create(name="a", rank=4, active=True)
        with self.assertRaises(IntegrityError):
            Pony.objects.create(name="a", rank=1, active=False)
        Pony.objects.create(name="b", code=None)
        Pony.objects.create(name="c", code=None)

        self.migrate(
            state,
            *(migrations.RemoveConstraint("Pony", constraint.name) for constraint in constraints),
        )
        self.assertEqual(index_keys("schemaops_pony"), [])
        Pony.objects.create(name="a", rank=1, active=True)

    def test_unique_constraint_on_a_path_expression(self):
        state = self.create()
        state = self.migrate(
            state,
            migrations.AddConstraint(
                "Pony", models.UniqueConstraint(F("code"), name="pony_code_expression")
            ),
        )
        info = indexes("schemaops_pony")["pony_code_expression"]
        self.assertEqual((info["key"], info["unique"]), ([("code", 1)], True))
        # A path may be missing: NULLs stay distinct.
        self.assertIn("code", info["partialFilterExpression"])

    def test_options_django_warns_about_create_no_index(self):
        """deferrable, include and nulls_distinct get Django's system-check
        warnings ("won't be created"); no index is made (issue 5)."""
        state = self.create()
        skipped = [
            models.UniqueConstraint(
                fields=["name"], name="pony_deferred", deferrable=models.Deferrable.DEFERRED
            ),
            models.UniqueConstraint(fields=["name"], name="pony_include", include=["rank"]),
            models.UniqueConstraint(fields=["code"], name="pony_nulls", nulls_distinct=False),
        ]
        state = self.migrate(
            state,
            *(migrations.AddConstraint("Pony", constraint) for constraint in skipped),
            migrations.AddIndex(
                "Pony", models.Index(fields=["name"], name="pony_covering", include=["rank"])
            ),
        )
        self.assertEqual(index_keys("schemaops_pony"), [])
        self.migrate(
            state,
            *(migrations.RemoveConstraint("Pony", constraint.name) for constraint in skipped),
            migrations.RemoveIndex("Pony", "pony_covering"),
        )

    def test_add_and_remove_check_constraint(self):
        state = self.create()
        state = self.migrate(
            state,
            migrations.AddConstraint(
                "Pony", models.CheckConstraint(condition=Q(rank__gte=0), name="pony_rank_gte_0")
            ),
        )
        Pony = state.apps.get_model(APP, "Pony")
        with self.assertRaisesMessage(IntegrityError, "CHECK constraint"):
            Pony.objects.create(name="a", rank=-1)
        state = self.migrate(state, migrations.RemoveConstraint("Pony", "pony_rank_gte_0"))
        Pony.objects.create(name="a", rank=-1)
        self.assertEqual(required("schemaops_pony"), ["active", "name", "rank"])

    def test_alter_unique_together(self):
        state = self.create()
        state = self.migrate(
            state, migrations.AlterUniqueTogether("Pony", {("name", "rank"), ("name", "code")})
        )
        together = {
            tuple(info["key"]): "partialFilterExpression" in info
            for info in indexes("schemaops_pony").values()
            if info.get("unique") and len(info["key"]) == 2
        }
        self.assertEqual(
            together,
            {(("name", 1), ("rank", 1)): False, (("name", 1), ("code", 1)): True},
        )
        Pony = state.apps.get_model(APP, "Pony")
        Pony.objects.create(name="a", rank=1)
        with self.assertRaises(IntegrityError):
            Pony.objects.create(name="a", rank=1)
        state = self.migrate(state, migrations.AlterUniqueTogether("Pony", {("name", "rank")}))
        self.assertNotIn([("name", 1), ("code", 1)], index_keys("schemaops_pony"))
        self.migrate(state, migrations.AlterUniqueTogether("Pony", set()))
        self.assertEqual(index_keys("schemaops_pony"), [])


@isolate_apps("tests.testapp")
class UnenforcedSchemaReadTests(SchemaOperationTestCase):
    """With ENFORCE_SCHEMA: False a NOT NULL field's default stands in for
    a key the document lacks (issue 5)."""

    def setUp(self):
        super().setUp()
        patcher = mock.patch.dict(connection.settings_dict, {"ENFORCE_SCHEMA": False})
        patcher.start()
        self.addCleanup(patcher.stop)

        class Loose(models.Model):
            name = models.CharField(max_length=20)
            level = models.IntegerField(default=3)
            enabled = models.BooleanField(default=True)
            tags = models.JSONField(default=list)
            since = models.DateTimeField(default=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC))
            note = models.CharField(max_length=10, null=True, default="n")

            class Meta:
                app_label = "testapp"
                db_table = "schemaops_loose"

        self.Loose = Loose
        with connection.schema_editor() as editor:
            editor.create_model(Loose)
        database()["schemaops_loose"].insert_many(
            [{"_id": 1, "name": "bare"}, {"_id": 2, "name": "full", "level": 7, "note": None}]
        )

    def test_missing_keys_read_as_defaults(self):
        self.assertEqual(validator("schemaops_loose"), None)
        bare, full = self.Loose.objects.order_by("id")
        self.assertEqual((bare.pk, full.pk), (1, 2))
        self.assertEqual(
            (bare.level, bare.enabled, bare.tags, bare.since),
            (3, True, [], datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)),
        )
        self.assertEqual(full.level, 7)
        # Nullable fields keep their NULLs.
        self.assertEqual((bare.note, full.note), (None, None))
        self.assertEqual(
            list(self.Loose.objects.order_by("id").values_list("level", flat=True)), [3, 7]
        )
        # Lookups still see what is stored.
        self.assertEqual(self.Loose.objects.filter(level=3).count(), 0)

    def test_aggregates_are_not_defaulted(self):
        self.assertIsNone(self.Loose.objects.filter(name="none").aggregate(m=Max("level"))["m"])

    def test_enforced_schema_reads_what_is_stored(self):
        with mock.patch.dict(connection.settings_dict, {"ENFORCE_SCHEMA": True}):
            bare = self.Loose.objects.get(name="bare")
        self.assertIsNone(bare.level)
