"""djongo_app.E009: djongo_app's fields on a model that a database other
than MongoDB would migrate (trial of main: migrate on SQLite created tables
without their columns)."""

from django.core import checks
from django.db import models
from django.test import SimpleTestCase, override_settings
from django.test.utils import isolate_apps

from djongo_app.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedField,
    EmbeddedModel,
    ObjectIdAutoField,
    ObjectIdField,
)
from tests.testapp.models import Reader


class OnlyDefault:
    """A router that keeps every model off the "sqlite" database."""

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


class Point(EmbeddedModel):
    x = models.IntegerField()


@isolate_apps("tests.testapp")
class VendorCheckTests(SimpleTestCase):
    databases = {"default", "sqlite"}
    FIELDS = ["id", "source", "point", "tags", "points", "readers"]

    def model(self, **meta):
        attrs = {
            "__module__": __name__,
            "id": ObjectIdAutoField(primary_key=True),
            "source": ObjectIdField(null=True),
            "point": EmbeddedField(model_container=Point, null=True),
            "tags": ArrayField(base_field=models.CharField(max_length=10), default=list),
            "points": ArrayField(model_container=Point, default=list),
            "readers": ArrayReferenceField(Reader, related_name="+"),
            "Meta": type("Meta", (), {"app_label": "testapp", **meta}),
        }
        return type("Shape", (models.Model,), attrs)

    def e009(self, model, databases):
        return [e for e in model.check(databases=databases) if e.id == "djongo_app.E009"]

    def test_each_field_on_a_non_mongodb_database(self):
        errors = self.e009(self.model(), ["default", "sqlite"])
        self.assertEqual([error.obj.name for error in errors], self.FIELDS)
        first = errors[0]
        self.assertIsInstance(first, checks.Error)
        self.assertEqual(
            first.msg,
            "ObjectIdAutoField testapp.Shape.id needs a djongo_app (MongoDB) database, but "
            "database 'sqlite' (django.db.backends.sqlite3) would migrate testapp.Shape: its "
            "table would have no column for this field.",
        )
        self.assertEqual(
            first.hint,
            "Route testapp.Shape to a djongo_app database (a database router's "
            "allow_migrate()), or set Meta.required_db_vendor = 'mongodb'.",
        )

    def test_mongodb_databases_only(self):
        model = self.model()
        self.assertEqual(self.e009(model, ["default"]), [])
        # Checks run without databases (manage.py check) ask none.
        self.assertEqual(self.e009(model, None), [])

    def test_required_db_vendor(self):
        self.assertEqual(
            self.e009(self.model(required_db_vendor="mongodb"), ["default", "sqlite"]), []
        )

    def test_unmanaged_models_are_not_migrated(self):
        self.assertEqual(self.e009(self.model(managed=False), ["default", "sqlite"]), [])

    @override_settings(DATABASE_ROUTERS=[f"{__name__}.OnlyDefault"])
    def test_a_router_that_keeps_the_model_off(self):
        self.assertEqual(self.e009(self.model(), ["default", "sqlite"]), [])
