"""EmbeddedModel, EmbeddedField and ArrayField against the server: stored
documents, lookups on dotted paths, validation, migrations, fixtures, forms."""

import datetime
import io
import json
import pickle

from django import forms
from django.core import exceptions, serializers
from django.core.management import call_command
from django.db import DataError, IntegrityError, NotSupportedError, connection, models, transaction
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from django.db.models import Count, F, Max
from django.db.models.functions import Upper
from django.test import TestCase, TransactionTestCase
from django.test.utils import isolate_apps

from djongo_app.fields import ArrayField, EmbeddedField, EmbeddedModel
from djongo_app.passthrough import mongo_call
from djongo_app.testing import CaptureCommands
from tests.testapp.models import Address, Blog, Contributor, Entry, FeaturedEntry, LegacyMeta


def collection():
    connection.ensure_connection()
    return connection.connection.database[Entry._meta.db_table]


def stored(pk):
    """The stored document, read in the test's transaction (if any)."""
    return collection().find_one({"_id": pk}, {"_id": 0}, session=connection.connection.session)


def headlines(queryset):
    return sorted(entry.headline for entry in queryset)


class RoundTripTests(TestCase):
    def test_nested_values_are_stored_as_documents_and_read_as_instances(self):
        entry = Entry.objects.create(
            headline="first",
            blog=Blog(
                name="Tech",
                address=Address(city="Oslo"),
                founded=datetime.date(2001, 2, 3),
                rank=7,
            ),
            contributors=[Contributor(name="Ann"), {"name": "Bob", "email": "bob@example.com"}],
            tags=["db", "python"],
            scores=[3, 1, 2],
        )
        document = stored(entry.pk)
        self.assertEqual(document["blog"]["name"], "Tech")
        self.assertEqual(document["blog"]["address"], {"city": "Oslo", "zip_code": ""})
        self.assertEqual(document["blog"]["founded"], datetime.datetime(2001, 2, 3))
        self.assertEqual(
            document["contributors"],
            [{"name": "Ann", "email": ""}, {"name": "Bob", "email": "bob@example.com"}],
        )
        self.assertEqual(document["tags"], ["db", "python"])

        loaded = Entry.objects.get(pk=entry.pk)
        self.assertIsInstance(loaded.blog, Blog)
        self.assertIsInstance(loaded.blog.address, Address)
        self.assertEqual(loaded.blog.address.city, "Oslo")
        self.assertEqual(loaded.blog.founded, datetime.date(2001, 2, 3))
        self.assertEqual(loaded.blog, entry.blog)
        self.assertEqual([c.name for c in loaded.contributors], ["Ann", "Bob"])
        self.assertIsInstance(loaded.contributors[1], Contributor)
        self.assertEqual(loaded.scores, [3, 1, 2])

    def test_assigned_dicts_become_container_instances(self):
        entry = Entry(headline="x", blog={"name": "B", "address": {"city": "Rome"}})
        self.assertIsInstance(entry.blog, Blog)
        self.assertIsInstance(entry.blog.address, Address)
        self.assertEqual(entry.blog.rank, 0)
        entry.contributors = [{"name": "Cy"}]
        self.assertIsInstance(entry.contributors[0], Contributor)

    def test_missing_keys_read_as_defaults_and_extra_keys_survive_a_save(self):
        # Written by another program: no validator, keys missing and extra.
        mongo_call(
            "default",
            Entry._meta.db_table,
            "insert_one",
            {"_id": 900, "headline": "legacy", "blog": {"name": "Old", "motto": "kept"}},
            bypass_document_validation=True,
        )
        entry = Entry.objects.get(pk=900)
        self.assertEqual(entry.blog.rank, 0)
        self.assertEqual(entry.blog.url, "")
        self.assertIsNone(entry.blog.address)
        entry.blog.rank = 5
        entry.save()
        document = stored(900)
        self.assertEqual(document["blog"]["motto"], "kept")
        self.assertEqual(document["blog"]["rank"], 5)

    def test_a_save_adds_no_keys_a_stored_document_lacked(self):
        """Keys missing from a stored sub-document stay missing on save
        while they hold their default, in arrays of documents too; a value
        set writes its key (trial of main)."""
        collection().insert_one(
            {
                "_id": 901,
                "headline": "legacy",
                "blog": {"name": "Old", "address": {"city": "Oslo"}},
                "contributors": [{"name": "Ann"}],
                "tags": [],
                "scores": [],
                "readers": [],
                "reviewers": [],
            },
            bypass_document_validation=True,
            session=connection.connection.session,
        )
        entry = Entry.objects.get(pk=901)
        entry.headline = "renamed"
        entry.save()
        document = stored(901)
        self.assertEqual(document["headline"], "renamed")
        self.assertEqual(document["blog"], {"name": "Old", "address": {"city": "Oslo"}})
        self.assertEqual(document["contributors"], [{"name": "Ann"}])
        # Lookups see the same documents before and after such a save.
        self.assertEqual(headlines(Entry.objects.filter(blog__rank=0)), [])

        entry.blog.rank = 2
        entry.blog.address.zip_code = "0150"
        entry.contributors[0].email = "ann@example.com"
        entry.save()
        document = stored(901)
        self.assertEqual(
            document["blog"],
            {"name": "Old", "address": {"city": "Oslo", "zip_code": "0150"}, "rank": 2},
        )
        self.assertEqual(document["contributors"], [{"name": "Ann", "email": "ann@example.com"}])
        # A new container is written whole.
        entry.blog = Blog(name="New")
        entry.save()
        self.assertEqual(
            stored(901)["blog"],
            {"name": "New", "url": "", "address": None, "founded": None, "rank": 0},
        )

    def test_djongo_style_abstract_container(self):
        when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        entry = Entry.objects.create(
            headline="old", blog=Blog(name="B"), legacy={"source": "djongo", "imported": when}
        )
        loaded = Entry.objects.get(pk=entry.pk)
        self.assertIsInstance(loaded.legacy, LegacyMeta)
        self.assertEqual(loaded.legacy.source, "djongo")
        self.assertEqual(loaded.legacy.imported, when)
        self.assertEqual(headlines(Entry.objects.filter(legacy__source="djongo")), ["old"])

    def test_container_instances_pickle(self):
        entry = Entry.objects.create(
            headline="p", blog=Blog(name="B"), legacy={"source": "s"}, contributors=[{"name": "A"}]
        )
        loaded = pickle.loads(pickle.dumps(Entry.objects.get(pk=entry.pk)))
        self.assertEqual(loaded.blog, Blog(name="B"))
        self.assertEqual(loaded.legacy.source, "s")
        self.assertEqual(loaded.contributors, [Contributor(name="A")])

    def test_embedded_model_has_no_collection_and_cannot_be_saved(self):
        self.assertTrue(Blog._meta.abstract)
        self.assertNotIn("testapp_blog", connection.introspection.table_names())
        with self.assertRaises(TypeError):
            Blog(name="x").save()
        with self.assertRaises(TypeError):
            Blog(nonsense=1)


class LookupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Entry.objects.create(
            headline="a",
            blog=Blog(name="Tech", address=Address(city="Oslo"), rank=1),
            contributors=[Contributor(name="Ann"), Contributor(name="Bob")],
            tags=["db", "python"],
            scores=[1, 2],
        )
        Entry.objects.create(
            headline="b",
            blog=Blog(name="Food", address=Address(city="Rome"), rank=3),
            contributors=[Contributor(name="Bob")],
            tags=["cooking"],
            scores=[5],
        )
        Entry.objects.create(headline="c", blog=Blog(name="Technology", rank=2))

    def test_embedded_key(self):
        self.assertEqual(headlines(Entry.objects.filter(blog__name="Tech")), ["a"])
        self.assertEqual(headlines(Entry.objects.filter(blog__name__icontains="tech")), ["a", "c"])
        self.assertEqual(headlines(Entry.objects.filter(blog__rank__gte=2)), ["b", "c"])
        self.assertEqual(headlines(Entry.objects.exclude(blog__name="Tech")), ["b", "c"])

    def test_embedded_key_is_a_dotted_mongodb_path(self):
        with CaptureCommands() as commands:
            list(Entry.objects.filter(blog__name="Tech"))
        self.assertEqual(commands.filter(), {"blog.name": "Tech"})

    def test_nested_embedded_key(self):
        self.assertEqual(headlines(Entry.objects.filter(blog__address__city="Rome")), ["b"])
        self.assertEqual(headlines(Entry.objects.filter(blog__address__isnull=True)), ["c"])

    def test_djongo_dict_form_and_instance_form(self):
        self.assertEqual(headlines(Entry.objects.filter(blog={"name": "Food"})), ["b"])
        self.assertEqual(
            headlines(Entry.objects.filter(blog={"name": "Tech", "address": {"city": "Oslo"}})),
            ["a"],
        )
        self.assertEqual(headlines(Entry.objects.filter(blog={"name": "Nope"})), [])
        exact = Blog(name="Technology", rank=2)
        self.assertEqual(headlines(Entry.objects.filter(blog=exact)), ["c"])
        with self.assertRaises(exceptions.FieldError):
            list(Entry.objects.filter(blog={"unknown": 1}))

    def test_array_of_documents(self):
        self.assertEqual(headlines(Entry.objects.filter(contributors__name="Bob")), ["a", "b"])
        self.assertEqual(headlines(Entry.objects.filter(contributors__0__name="Bob")), ["b"])
        self.assertEqual(headlines(Entry.objects.filter(contributors__1__name="Bob")), ["a"])
        self.assertEqual(headlines(Entry.objects.filter(contributors__len=0)), ["c"])

    def test_array_of_primitives(self):
        self.assertEqual(headlines(Entry.objects.filter(tags__contains=["python"])), ["a"])
        self.assertEqual(headlines(Entry.objects.filter(tags__contains=["db", "python"])), ["a"])
        self.assertEqual(headlines(Entry.objects.filter(tags__contains=["db", "cooking"])), [])
        self.assertEqual(
            headlines(Entry.objects.filter(tags__overlap=["cooking", "python"])), ["a", "b"]
        )
        self.assertEqual(headlines(Entry.objects.exclude(tags__overlap=["cooking"])), ["a", "c"])
        self.assertEqual(headlines(Entry.objects.filter(tags__len=2)), ["a"])
        self.assertEqual(headlines(Entry.objects.filter(tags__len__lt=2)), ["b", "c"])
        self.assertEqual(headlines(Entry.objects.filter(tags__0="cooking")), ["b"])
        self.assertEqual(headlines(Entry.objects.filter(scores__contains=[2])), ["a"])
        self.assertEqual(headlines(Entry.objects.filter(scores__0__gt=1)), ["b"])

    def test_ordering_and_values_on_embedded_paths(self):
        self.assertEqual(
            list(Entry.objects.order_by("-blog__rank").values_list("headline", flat=True)),
            ["b", "c", "a"],
        )
        self.assertEqual(
            list(Entry.objects.order_by("blog__name").values_list("blog__name", flat=True)),
            ["Food", "Tech", "Technology"],
        )
        self.assertEqual(
            list(Entry.objects.filter(headline="b").values("blog__address__city")),
            [{"blog__address__city": "Rome"}],
        )

    def test_values_of_a_key_of_an_array_of_documents(self):
        self.assertEqual(
            list(Entry.objects.filter(headline="a").values_list("contributors__name", flat=True)),
            [["Ann", "Bob"]],
        )

    def test_operators_in_input_are_refused(self):
        with self.assertRaises(exceptions.ValidationError):
            list(Entry.objects.filter(contributors__contains=[{"$ne": "x"}]))
        with self.assertRaises(exceptions.ValidationError):
            Entry(headline="x", blog={"name": "ok", "$where": "1"}).full_clean()
        with self.assertRaises(exceptions.FieldError):
            list(Entry.objects.filter(blog={"$gt": ""}))
        # A value that looks like an operator is only ever a value.
        self.assertEqual(list(Entry.objects.filter(blog__name={"$gt": ""})), [])
        with self.assertRaises(exceptions.ValidationError):
            list(Entry.objects.filter(tags="db"))

    def test_update_of_an_embedded_path(self):
        with CaptureCommands() as commands:
            count = Entry.objects.filter(blog__name="Food").update(blog__rank=10)
        self.assertEqual(count, 1)
        (update,) = commands[0]["updates"]
        self.assertEqual(update["u"], {"$set": {"blog.rank": 10}})
        entry = Entry.objects.get(headline="b")
        self.assertEqual(entry.blog.rank, 10)
        self.assertEqual(entry.blog.name, "Food")
        Entry.objects.filter(headline="b").update(blog__address__city="Milan")
        self.assertEqual(Entry.objects.get(headline="b").blog.address.city, "Milan")

    def test_update_of_an_array_element(self):
        Entry.objects.filter(headline="a").update(contributors__1__name="Zed", tags__0="sql")
        entry = Entry.objects.get(headline="a")
        self.assertEqual([c.name for c in entry.contributors], ["Ann", "Zed"])
        self.assertEqual(entry.tags, ["sql", "python"])
        with self.assertRaises(NotSupportedError):
            Entry.objects.update(contributors__name="Z")

    def test_update_of_a_path_of_a_multi_table_parent(self):
        featured = FeaturedEntry.objects.create(headline="f", blog=Blog(name="B"))
        FeaturedEntry.objects.filter(pk=featured.pk).update(blog__name="C", note="n")
        self.assertEqual(Entry.objects.get(pk=featured.pk).blog.name, "C")
        self.assertEqual(FeaturedEntry.objects.get(pk=featured.pk).note, "n")

    def test_values_of_array_elements(self):
        entries = Entry.objects.filter(headline="a")
        self.assertEqual(list(entries.values_list("scores__0", flat=True)), [1])
        self.assertEqual(list(entries.values_list("contributors__1__name", flat=True)), ["Bob"])
        self.assertEqual(
            list(entries.values_list("contributors__0", flat=True)), [Contributor(name="Ann")]
        )
        self.assertEqual(list(entries.annotate(s=F("scores__1")).values_list("s", flat=True)), [2])

    def test_exclude_keeps_documents_without_the_key(self):
        self.assertEqual(headlines(Entry.objects.exclude(blog__address__city="Oslo")), ["b", "c"])
        self.assertEqual(
            headlines(Entry.objects.exclude(blog__address={"city": "Oslo"})), ["b", "c"]
        )
        self.assertEqual(headlines(Entry.objects.exclude(contributors__name="Bob")), ["c"])
        self.assertEqual(headlines(Entry.objects.exclude(contributors__name="Ann")), ["b", "c"])

    def test_querysets_with_path_lookups_pickle(self):
        queryset = Entry.objects.filter(blog__address__city="Oslo", contributors__0__name="Ann")
        self.assertEqual(headlines(pickle.loads(pickle.dumps(queryset))), ["a"])

    def test_index_on_an_embedded_path(self):
        info = collection().index_information()
        self.assertEqual(info["entry_blog_name"]["key"], [("blog.name", 1)])


class BulkAndExpressionTests(TestCase):
    def test_bulk_create_and_bulk_update(self):
        Entry.objects.bulk_create(
            [
                Entry(headline=f"h{i}", blog=Blog(name=f"b{i % 2}", rank=i), tags=[str(i)])
                for i in range(4)
            ]
        )
        entries = list(Entry.objects.all())
        for entry in entries:
            entry.blog.rank += 10
            entry.tags.append("z")
        self.assertEqual(Entry.objects.bulk_update(entries, ["blog", "tags"]), 4)
        self.assertEqual(
            list(Entry.objects.values_list("blog__rank", "tags")),
            [(10, ["0", "z"]), (11, ["1", "z"]), (12, ["2", "z"]), (13, ["3", "z"])],
        )

    def test_aggregates_grouping_and_expressions_on_paths(self):
        for i in range(4):
            Entry.objects.create(headline=f"h{i}", blog=Blog(name=f"b{i % 2}", rank=i))
        self.assertEqual(Entry.objects.aggregate(top=Max("blog__rank")), {"top": 3})
        self.assertEqual(
            list(Entry.objects.values("blog__name").annotate(n=Count("id")).order_by("blog__name")),
            [{"blog__name": "b0", "n": 2}, {"blog__name": "b1", "n": 2}],
        )
        self.assertEqual(
            sorted(set(Entry.objects.annotate(u=Upper("blog__name")).values_list("u", flat=True))),
            ["B0", "B1"],
        )
        Entry.objects.filter(blog__rank__lt=2).update(blog__rank=F("blog__rank") + 10)
        self.assertEqual(list(Entry.objects.values_list("blog__rank", flat=True)), [10, 11, 2, 3])


class ValidationTests(TestCase):
    def test_full_clean_names_the_nested_path(self):
        entry = Entry(
            headline="x",
            blog=Blog(name="n" * 30, address=Address(city="")),
            contributors=[Contributor(name="ok"), Contributor(name="bad", email="nope")],
        )
        with self.assertRaises(exceptions.ValidationError) as raised:
            entry.full_clean()
        messages = raised.exception.message_dict
        blog = " ".join(messages["blog"])
        self.assertIn("blog.name: Ensure this value has at most 20 characters", blog)
        self.assertIn("blog.address.city: This field cannot be blank.", blog)
        self.assertIn(
            "contributors.1.email: Enter a valid email address.",
            " ".join(messages["contributors"]),
        )

    def test_array_size_and_item_validation(self):
        entry = Entry(headline="x", blog=Blog(name="ok"), tags=["a", "b", "c", "d", "e"])
        with self.assertRaises(exceptions.ValidationError) as raised:
            entry.full_clean()
        self.assertIn("List contains 5 items", raised.exception.message_dict["tags"][0])
        entry.tags = ["x" * 25]
        with self.assertRaises(exceptions.ValidationError) as raised:
            entry.full_clean()
        self.assertIn("tags.0: Ensure this value", raised.exception.message_dict["tags"][0])

    def test_paths_are_named_once(self):
        entry = Entry(
            headline="h",
            blog=Blog(name="b"),
            contributors=[{"name": "a", "email": "bad"}],
        )
        with self.assertRaises(exceptions.ValidationError) as raised:
            entry.full_clean()
        self.assertEqual(
            raised.exception.message_dict["contributors"],
            ["contributors.0.email: Enter a valid email address."],
        )
        with self.assertRaises(exceptions.ValidationError) as raised:
            Entry(blog={"name": "x", "address": {"cty": "a"}})
        self.assertEqual(
            raised.exception.messages, ["blog.address.cty: Address has no field “cty”."]
        )
        with self.assertRaises(exceptions.ValidationError) as raised:
            Entry(blog=Blog(name="b"), contributors=[{"name": "a", "bogus": 1}])
        self.assertEqual(
            raised.exception.messages, ["contributors.0.bogus: Contributor has no field “bogus”."]
        )

    def test_bad_types_are_validation_errors(self):
        with self.assertRaises(exceptions.ValidationError):
            Entry._meta.get_field("blog").clean("not a document", None)
        with self.assertRaises(exceptions.ValidationError) as raised:
            Entry._meta.get_field("scores").clean(["1", "x"], None)
        self.assertIn("scores.1", raised.exception.messages[0])
        entry = Entry(headline="ok", blog=Blog(name="fine"))
        entry.full_clean()


class MigrationTests(TestCase):
    def changes(self, before, after):
        def state(field):
            project = ProjectState()
            project.add_model(
                ModelState(
                    "testapp",
                    "Post",
                    [("id", models.AutoField(primary_key=True)), ("blog", field)],
                )
            )
            return project

        detector = MigrationAutodetector(state(before), state(after))
        return detector._detect_changes()

    def test_makemigrations_notices_a_change_inside_the_container(self):
        recorded = EmbeddedField(
            model_container=Blog,
            model_container_fields=[("name", models.CharField(max_length=20))],
        )
        changes = self.changes(recorded, EmbeddedField(model_container=Blog))
        operations = changes["testapp"][0].operations
        self.assertEqual([type(op).__name__ for op in operations], ["AlterField"])
        # The migration file records the container's fields and imports.
        source, imports = MigrationWriter.serialize(operations[0].field)
        self.assertIn("model_container_fields", source)
        self.assertIn("('rank', models.IntegerField(default=0))", source)
        self.assertIn("import tests.testapp.models", imports)

    def test_no_change_when_the_container_is_unchanged(self):
        current = EmbeddedField(model_container=Blog)
        _name, _path, args, kwargs = current.deconstruct()
        self.assertEqual(self.changes(EmbeddedField(*args, **kwargs), current), {})
        array = ArrayField(model_container=Contributor)
        _name, _path, args, kwargs = array.deconstruct()
        self.assertEqual(ArrayField(*args, **kwargs).deconstruct()[3], kwargs)

    def test_system_check_rejects_a_concrete_container(self):
        field = EmbeddedField(model_container=Entry)
        field.set_attributes_from_name("bad")
        self.assertEqual([e.id for e in field.check()], ["djongo_app.E002"])


class FixtureTests(TestCase):
    def test_dumpdata_loaddata_round_trip(self):
        Entry.objects.create(
            headline="fx",
            blog=Blog(name="B", address=Address(city="Oslo"), founded=datetime.date(2020, 1, 1)),
            contributors=[Contributor(name="Ann")],
            tags=["t"],
        )
        out = io.StringIO()
        call_command("dumpdata", "testapp.entry", stdout=out)
        data = json.loads(out.getvalue())
        # JSON text, as Django's structured fields (postgres ArrayField) write it.
        blog = json.loads(data[0]["fields"]["blog"])
        self.assertEqual(blog["address"], {"city": "Oslo", "zip_code": ""})
        self.assertEqual(blog["founded"], "2020-01-01")
        Entry.objects.all().delete()
        for obj in serializers.deserialize("json", out.getvalue()):
            obj.save()
        loaded = Entry.objects.get(headline="fx")
        self.assertEqual(loaded.blog.address.city, "Oslo")
        self.assertEqual(loaded.blog.founded, datetime.date(2020, 1, 1))
        self.assertEqual(loaded.contributors, [Contributor(name="Ann")])
        self.assertEqual(loaded.tags, ["t"])

    def test_xml_serializer_round_trip(self):
        Entry.objects.create(
            headline="xml", blog=Blog(name="B", address=Address(city="Oslo")), tags=["t"]
        )
        text = serializers.serialize("xml", Entry.objects.all())
        Entry.objects.all().delete()
        for obj in serializers.deserialize("xml", text):
            obj.save()
        loaded = Entry.objects.get(headline="xml")
        self.assertEqual(loaded.blog.address, Address(city="Oslo"))
        self.assertEqual(loaded.tags, ["t"])


class EntryForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = ["headline", "blog", "contributors", "tags", "readers"]


class FormTests(TestCase):
    def test_model_form_renders_nested_inputs(self):
        entry = Entry(
            headline="h",
            blog=Blog(name="Tech", address=Address(city="Oslo")),
            contributors=[Contributor(name="Ann")],
            tags=["a", "b"],
        )
        html = str(EntryForm(instance=entry))
        self.assertIn('name="blog-name" value="Tech"', html)
        self.assertIn('name="blog-address-city" value="Oslo"', html)
        self.assertIn('name="contributors-TOTAL_FORMS" value="1"', html)
        self.assertIn('name="contributors-0-name" value="Ann"', html)
        self.assertIn('name="tags-1-value" value="b"', html)

    def post_data(self, **overrides):
        data = {
            "headline": "posted",
            "blog-name": "Tech",
            "blog-url": "",
            "blog-rank": "4",
            "blog-founded": "",
            "blog-address-city": "Oslo",
            "blog-address-zip_code": "",
            "contributors-TOTAL_FORMS": "2",
            "contributors-INITIAL_FORMS": "0",
            "contributors-MIN_NUM_FORMS": "0",
            "contributors-MAX_NUM_FORMS": "5",
            "contributors-0-name": "Ann",
            "contributors-0-email": "",
            "contributors-1-name": "",
            "contributors-1-email": "",
            "tags-TOTAL_FORMS": "2",
            "tags-INITIAL_FORMS": "0",
            "tags-0-value": "x",
            "tags-1-value": "y",
        }
        data.update(overrides)
        return data

    def test_model_form_saves_nested_values(self):
        form = EntryForm(data=self.post_data())
        self.assertTrue(form.is_valid(), form.errors)
        entry = form.save()
        document = stored(entry.pk)
        self.assertEqual(document["blog"]["name"], "Tech")
        self.assertEqual(document["blog"]["rank"], 4)
        self.assertEqual(document["blog"]["address"]["city"], "Oslo")
        self.assertEqual(document["contributors"], [{"name": "Ann", "email": ""}])
        self.assertEqual(document["tags"], ["x", "y"])

    def test_unchanged_nested_values_are_not_reported_as_changed(self):
        entry = Entry(
            headline="posted",
            blog=Blog(name="Tech", rank=4, address=Address(city="Oslo")),
            contributors=[Contributor(name="Ann")],
            tags=["x", "y"],
        )
        form = EntryForm(data=self.post_data(), instance=entry)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.changed_data, [])
        form = EntryForm(data=self.post_data(**{"blog-address-city": "Rome"}), instance=entry)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.changed_data, ["blog"])
        # No hidden "initial-" inputs: changes are compared by value.
        self.assertNotIn("initial-", str(EntryForm(instance=entry)))

    def test_model_form_keeps_unknown_keys_of_the_stored_document(self):
        entry = Entry.objects.create(headline="k", blog=Blog(name="Tech"))
        mongo_call(
            "default",
            Entry._meta.db_table,
            "update_one",
            {"_id": entry.pk},
            {"$set": {"blog.motto": "kept"}},
        )
        entry = Entry.objects.get(pk=entry.pk)
        form = EntryForm(data=self.post_data(**{"blog-name": "Renamed"}), instance=entry)
        self.assertTrue(form.is_valid(), form.errors)
        form.save()
        document = stored(entry.pk)
        self.assertEqual(document["blog"]["name"], "Renamed")
        self.assertEqual(document["blog"]["motto"], "kept")

    def test_model_form_reports_nested_errors(self):
        form = EntryForm(data=self.post_data(**{"blog-name": "", "contributors-0-email": "bad"}))
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["blog"], ["blog.name: This field is required."])
        self.assertEqual(
            form.errors["contributors"], ["contributors.0.email: Enter a valid email address."]
        )
        # The re-rendered form shows the nested error next to its input.
        self.assertIn("This field is required.", str(form["blog"]))


def index_keys(table):
    information = connection.connection.database[table].index_information()
    return [tuple(info["key"]) for info in information.values()]


class UpdateThroughNullTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_update_of_a_path_under_a_null_sub_document(self):
        """update(blog__address__city=...) on a document whose address is
        null is a DataError naming the path and the null sub-document
        (trial of main)."""
        Entry.objects.create(headline="with", blog=Blog(name="B", address=Address(city="Oslo")))
        Entry.objects.create(headline="without", blog=Blog(name="B"))
        with self.assertRaisesMessage(
            DataError,
            "djongo_app: cannot set blog.address.city: the sub-document blog.address is null "
            "(or not a document) on a matched document, and MongoDB creates no key inside "
            "null. Assign the whole sub-document, or leave those documents out "
            "(filter(blog__address__isnull=False)). The server said: ",
        ):
            Entry.objects.filter(headline="without").update(blog__address__city="Rome")
        self.assertIsNone(Entry.objects.get(headline="without").blog.address)
        # The way out the message names.
        count = Entry.objects.filter(blog__address__isnull=False).update(blog__address__city="Rome")
        self.assertEqual(count, 1)
        self.assertEqual(Entry.objects.get(headline="with").blog.address.city, "Rome")

    def test_update_of_an_array_element_path_under_null(self):
        """The same for a key of an array element that is null."""
        Entry.objects.create(headline="x", blog=Blog(name="B"))
        collection().update_one({"headline": "x"}, {"$set": {"contributors": [None]}})
        with self.assertRaisesMessage(
            DataError, "cannot set contributors.0.name: the sub-document contributors.0 is null"
        ):
            Entry.objects.update(contributors__0__name="Ann")


class NestedIndexTests(TransactionTestCase):
    available_apps = ["tests.testapp"]

    def test_db_index_and_unique_inside_containers(self):
        with isolate_apps("tests.testapp"):

            class Badge(EmbeddedModel):
                code = models.CharField(max_length=10, unique=True)
                label = models.CharField(max_length=10, db_index=True)

            class Card(EmbeddedModel):
                badge = EmbeddedField(model_container=Badge, null=True)

            class Holder(models.Model):
                card = EmbeddedField(model_container=Card, null=True)
                badges = ArrayField(model_container=Badge, default=list)

                class Meta:
                    app_label = "testapp"
                    db_table = "nested_index_holder"

            with connection.schema_editor() as editor:
                editor.create_model(Holder)
            self.addCleanup(connection.connection.database.drop_collection, "nested_index_holder")
            database = connection.connection.database
            info = database["nested_index_holder"].index_information()
            keys = {tuple(i["key"]): i for i in info.values()}
            self.assertIn((("card.badge.label", 1),), keys)
            self.assertIn((("badges.label", 1),), keys)
            unique = keys[(("card.badge.code", 1),)]
            self.assertTrue(unique["unique"])
            # Documents without the sub-document do not collide.
            Holder.objects.create()
            Holder.objects.create()
            Holder.objects.create(card=Card(badge=Badge(code="a", label="x")))
            with self.assertRaises(IntegrityError), transaction.atomic():
                Holder.objects.create(card=Card(badge=Badge(code="a", label="y")))

            # AlterField from a migration that recorded the container without
            # the index drops it; back again creates it.
            old = Holder._meta.get_field("badges")
            recorded = ArrayField(
                model_container=Badge,
                default=list,
                model_container_fields=[
                    ("code", models.CharField(max_length=10, unique=True)),
                    ("label", models.CharField(max_length=10)),
                ],
            )
            recorded.set_attributes_from_name("badges")
            recorded.model = Holder
            with connection.schema_editor() as editor:
                editor.alter_field(Holder, old, recorded)
            keys = [
                tuple(i["key"])
                for i in database["nested_index_holder"].index_information().values()
            ]
            self.assertNotIn((("badges.label", 1),), keys)
            self.assertIn((("badges.code", 1),), keys)
            with connection.schema_editor() as editor:
                editor.alter_field(Holder, recorded, old)
            keys = [
                tuple(i["key"])
                for i in database["nested_index_holder"].index_information().values()
            ]
            self.assertIn((("badges.label", 1),), keys)
