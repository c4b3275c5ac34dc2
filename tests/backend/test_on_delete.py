"""Django 6.1's database-level on_delete rules (DB_CASCADE, DB_SET_NULL,
DB_SET_DEFAULT): recorded by the schema editor in ``__schema__`` and run by
every DELETE on the referenced collection (djongo_app/ondelete.py)."""

from unittest import skipUnless

from django.db import NotSupportedError, connection, models, transaction
from django.db.models.functions import Now
from django.test import TransactionTestCase
from django.test.utils import isolate_apps

from djongo_app import compat
from djongo_app.counters import SCHEMA_COLLECTION

ON_DELETE = compat.DATABASE_ON_DELETE


def schema_entry(table):
    connection.ensure_connection()
    return connection.connection.database[SCHEMA_COLLECTION].find_one({"name": table}) or {}


@skipUnless(ON_DELETE, "DB_CASCADE and friends are from Django 6.1")
@isolate_apps("tests.testapp")
class DatabaseOnDeleteTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def setUp(self):
        class Parent(models.Model):
            code = models.CharField(max_length=10, unique=True, null=True)

            class Meta:
                app_label = "testapp"

        class Child(models.Model):
            parent = models.ForeignKey(Parent, models.DB_CASCADE)

            class Meta:
                app_label = "testapp"

        class GrandChild(models.Model):
            child = models.ForeignKey(Child, models.DB_CASCADE)

            class Meta:
                app_label = "testapp"

        class Orphan(models.Model):
            parent = models.ForeignKey(Parent, models.DB_SET_NULL, null=True)
            by_code = models.ForeignKey(
                Parent, models.DB_CASCADE, to_field="code", null=True, related_name="+"
            )

            class Meta:
                app_label = "testapp"

        class Defaulted(models.Model):
            parent = models.ForeignKey(Parent, models.DB_SET_DEFAULT, db_default=1)

            class Meta:
                app_label = "testapp"

        self.models = [Parent, Child, GrandChild, Orphan, Defaulted]
        self.Parent, self.Child, self.GrandChild, self.Orphan, self.Defaulted = self.models
        self.assertEqual([e.id for m in self.models for e in m.check(databases=["default"])], [])
        with connection.schema_editor() as editor:
            for model in self.models:
                editor.create_model(model)
        self.addCleanup(self.drop)

    def drop(self):
        with connection.schema_editor() as editor:
            for model in reversed(self.models):
                editor.delete_model(model)

    def test_cascade_runs_in_the_delete_statement(self):
        """The children and their children go with the parent, in the one
        DELETE statement Django sends."""
        keep, gone = self.Parent.objects.create(pk=1), self.Parent.objects.create(pk=2)
        kept_child = self.Child.objects.create(parent=keep)
        child = self.Child.objects.create(parent=gone)
        self.GrandChild.objects.create(child=child)
        self.GrandChild.objects.create(child=kept_child)
        with self.assertNumQueries(1):
            self.assertEqual(gone.delete(), (1, {"testapp.Parent": 1}))
        self.assertEqual(list(self.Child.objects.values_list("pk", flat=True)), [kept_child.pk])
        self.assertEqual(
            list(self.GrandChild.objects.values_list("child", flat=True)), [kept_child.pk]
        )

    def test_set_null_and_set_default(self):
        default = self.Parent.objects.create(pk=1)
        gone = self.Parent.objects.create(pk=2)
        orphan = self.Orphan.objects.create(parent=gone)
        defaulted = self.Defaulted.objects.create(parent=gone)
        gone.delete()
        orphan.refresh_from_db()
        defaulted.refresh_from_db()
        self.assertIsNone(orphan.parent_id)
        self.assertEqual(defaulted.parent, default)

    def test_raw_delete_runs_the_rules(self):
        """A DELETE written by hand runs them too, as a SQL database's
        foreign keys would."""
        parent = self.Parent.objects.create()
        self.Child.objects.create(parent=parent)
        with connection.cursor() as cursor:
            cursor.execute('DELETE FROM "testapp_parent" WHERE "id" = %s', [parent.pk])
        self.assertIs(self.Child.objects.exists(), False)

    def test_null_referenced_value_matches_no_child(self):
        """Deleting a parent whose referenced column is NULL leaves the
        children with a NULL foreign key alone."""
        nameless = self.Parent.objects.create(code=None)
        coded = self.Parent.objects.create(code="c")
        loose = self.Orphan.objects.create(by_code=None)
        tied = self.Orphan.objects.create(by_code=coded)
        nameless.delete()
        self.assertEqual(
            sorted(self.Orphan.objects.values_list("pk", flat=True)), [loose.pk, tied.pk]
        )
        coded.delete()
        self.assertEqual(list(self.Orphan.objects.values_list("pk", flat=True)), [loose.pk])

    def test_rolled_back_with_the_transaction(self):
        parent = self.Parent.objects.create()
        parent_pk = parent.pk
        self.Child.objects.create(parent=parent)
        self.Orphan.objects.create(parent=parent)
        with self.assertRaisesMessage(RuntimeError, "undo"), transaction.atomic():
            parent.delete()
            self.assertIs(self.Child.objects.exists(), False)
            self.assertIs(self.Orphan.objects.filter(parent__isnull=True).exists(), True)
            raise RuntimeError("undo")
        self.assertEqual(self.Child.objects.get().parent_id, parent_pk)
        self.assertEqual(self.Orphan.objects.get().parent_id, parent_pk)

    def test_rolled_back_to_a_savepoint(self):
        parent = self.Parent.objects.create()
        parent_pk = parent.pk
        self.Child.objects.create(parent=parent)
        with transaction.atomic():
            with self.assertRaisesMessage(RuntimeError, "undo"), transaction.atomic():
                parent.delete()
                raise RuntimeError("undo")
            self.assertEqual(self.Child.objects.get().parent_id, parent_pk)

    def test_recorded_in_schema_and_forgotten_with_the_field(self):
        self.assertEqual(
            sorted(
                (ref["table"], ref["column"], ref["to"], ref["on_delete"], ref["default"])
                for ref in schema_entry("testapp_parent")["referenced_by"]
            ),
            [
                ("testapp_child", "parent_id", "id", "CASCADE", None),
                ("testapp_defaulted", "parent_id", "id", "SET DEFAULT", 1),
                ("testapp_orphan", "by_code_id", "code", "CASCADE", None),
                ("testapp_orphan", "parent_id", "id", "SET NULL", None),
            ],
        )
        parent = self.Parent.objects.create()
        self.Child.objects.create(parent=parent)
        with connection.schema_editor() as editor:
            editor.remove_field(self.Child, self.Child._meta.get_field("parent"))
        self.assertNotIn(
            "testapp_child",
            [ref["table"] for ref in schema_entry("testapp_parent")["referenced_by"]],
        )
        parent.delete()
        self.assertEqual(self.Child.objects.count(), 1)

    def test_renamed_child_table_keeps_its_rule(self):
        with connection.schema_editor() as editor:
            editor.alter_db_table(self.Child, "testapp_child", "testapp_kid")
        self.Child._meta.db_table = "testapp_kid"
        parent = self.Parent.objects.create()
        self.Child.objects.create(parent=parent)
        parent.delete()
        self.assertIs(self.Child.objects.exists(), False)

    def test_dropped_child_table_forgets_its_rule(self):
        with connection.schema_editor() as editor:
            editor.delete_model(self.GrandChild)
        self.models.remove(self.GrandChild)
        self.assertEqual(schema_entry("testapp_child").get("referenced_by"), [])

    def test_expression_default_refused(self):
        class NowDefaulted(models.Model):
            parent = models.ForeignKey(self.Parent, models.DB_SET_DEFAULT, db_default=Now())

            class Meta:
                app_label = "testapp"

        with (
            self.assertRaisesMessage(NotSupportedError, "NowDefaulted.parent"),
            connection.schema_editor() as editor,
        ):
            editor.create_model(NowDefaulted)
        self.assertNotIn("testapp_nowdefaulted", connection.introspection.table_names())


@skipUnless(ON_DELETE, "DB_CASCADE and friends are from Django 6.1")
class SqlmigrateOnDeleteTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_collect_sql_records_the_rule(self):
        """sqlmigrate shows the __schema__ update that records a rule."""

        @isolate_apps("tests.testapp")
        def statements():
            class Home(models.Model):
                class Meta:
                    app_label = "testapp"

            class Post(models.Model):
                home = models.ForeignKey(Home, models.DB_CASCADE)

                class Meta:
                    app_label = "testapp"

            with connection.schema_editor(collect_sql=True) as editor:
                editor.create_model(Home)
                editor.create_model(Post)
            return editor.collected_sql

        text = "\n".join(statements())
        self.assertIn(
            f'db.{SCHEMA_COLLECTION}.updateOne({{name: "testapp_home"}}, {{$push: '
            '{referenced_by: {table: "testapp_post", column: "home_id", to: "id", '
            'on_delete: "CASCADE", default: null}}}, {upsert: true});',
            text,
        )
        self.assertNotIn("testapp_post", connection.introspection.table_names())
