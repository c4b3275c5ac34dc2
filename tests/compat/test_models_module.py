"""djongo_app.models: Djongo's names, and embedded values read as dicts."""

import datetime

from bson import ObjectId
from django.core.exceptions import ValidationError
from django.db import connection
from django.db import models as django_models
from django.template import Context, Engine
from django.test import SimpleTestCase, TestCase
from django.utils.module_loading import import_string

from djongo_app import fields, managers, models, passthrough, storage
from djongo_app.managers import DjongoManager
from djongo_app.storage import files as storage_files
from djongo_app.storage import views as storage_views
from tests.compatapp.models import Note, Post


class ExportTests(SimpleTestCase):
    def test_all_is_sorted_and_importable(self):
        self.assertEqual(models.__all__, sorted(set(models.__all__)))
        for name in models.__all__:
            with self.subTest(name=name):
                self.assertTrue(hasattr(models, name))

    def test_public_modules_export_what_they_name(self):
        for module in (managers, passthrough, storage, storage_files, storage_views):
            with self.subTest(module=module.__name__):
                self.assertEqual(len(module.__all__), len(set(module.__all__)))
                for name in module.__all__:
                    self.assertTrue(hasattr(module, name), name)

    def test_django_models_are_all_there(self):
        for name in django_models.__all__:
            with self.subTest(name=name):
                self.assertIs(getattr(models, name), getattr(django_models, name))

    def test_djongo_names_and_their_meaning(self):
        table = {
            "ArrayField": fields.ArrayField,
            "ArrayReferenceField": fields.ArrayReferenceField,
            "DjongoManager": DjongoManager,
            "EmbeddedField": fields.EmbeddedField,
            "EmbeddedModel": fields.EmbeddedModel,
            "GenericObjectIdField": fields.ObjectIdField,
            "JSONField": django_models.JSONField,
        }
        for name, expected in table.items():
            with self.subTest(name=name):
                self.assertIs(getattr(models, name), expected)
        # Djongo's ObjectIdField is the auto primary key, not a plain value.
        self.assertTrue(issubclass(models.ObjectIdField, fields.ObjectIdAutoField))
        self.assertIs(models.ObjectIdField().primary_key, True)
        self.assertIs(models.ObjectIdField(primary_key=False).primary_key, False)

    def test_object_id_field_deconstructs_to_an_equivalent_field(self):
        field = Note._meta.get_field("_id")
        _name, path, args, kwargs = field.deconstruct()
        rebuilt = import_string(path)(*args, **kwargs)
        self.assertIsInstance(rebuilt, fields.ObjectIdAutoField)
        self.assertIs(rebuilt.primary_key, True)
        self.assertEqual(rebuilt.db_type(connection), field.db_type(connection))
        self.assertEqual(rebuilt.db_column or "_id", field.column)


class DjongoObjectIdTests(TestCase):
    def test_underscore_id_primary_key(self):
        source = ObjectId()
        note = Note.objects.create(text="hello", source=source)
        self.assertIsInstance(note.pk, ObjectId)
        self.assertEqual(note._id, note.pk)
        fetched = Note.objects.get(pk=str(note.pk))
        self.assertEqual((fetched.text, fetched.source), ("hello", source))
        stored = Note.objects.mongo_find_one({"_id": note.pk})
        self.assertEqual(set(stored), {"_id", "text", "source"})
        self.assertEqual(Note.objects.get(source=str(source)), note)


class MappingProtocolTests(TestCase):
    def setUp(self):
        Post.objects.create(
            headline="h1",
            blog={"name": "b1", "tagline": {"title": "T", "subtitle": "S"}, "rank": 2},
            authors=[{"name": "Ann", "email": "ann@example.com"}, {"name": "Bob"}],
        )
        self.post = Post.objects.get(headline="h1")

    def test_reads_as_a_dict(self):
        blog = self.post.blog
        self.assertEqual(blog["name"], "b1")
        self.assertEqual(blog["tagline"]["subtitle"], "S")
        self.assertIn("name", blog)
        self.assertNotIn("url", blog)
        self.assertEqual(len(blog), 3)
        self.assertEqual(list(blog), ["name", "tagline", "rank"])
        self.assertEqual(blog.keys(), ["name", "tagline", "rank"])
        self.assertEqual(blog.get("rank"), 2)
        self.assertIsNone(blog.get("url"))
        self.assertEqual(blog.get("url", "-"), "-")
        self.assertEqual(dict(blog)["name"], "b1")
        self.assertEqual(dict(blog.items())["rank"], 2)
        with self.assertRaises(KeyError):
            blog["url"]

    def test_equality_with_dicts(self):
        expected = {"name": "b1", "tagline": {"title": "T", "subtitle": "S"}, "rank": 2}
        self.assertEqual(self.post.blog, expected)
        self.assertEqual(expected, self.post.blog)
        self.assertNotEqual(self.post.blog, {**expected, "rank": 3})
        self.assertNotEqual(self.post.blog, {"name": "b1"})
        self.assertEqual(
            self.post.authors,
            [{"name": "Ann", "email": "ann@example.com"}, {"name": "Bob", "email": ""}],
        )

    def test_item_assignment_sets_the_field(self):
        self.post.blog["rank"] = 7
        self.post.blog["tagline"] = {"title": "New"}
        self.assertEqual(self.post.blog.rank, 7)
        # A dict assigned to a nested EmbeddedField becomes its container.
        self.assertEqual(type(self.post.blog.tagline).__name__, "Tagline")
        self.post.save()
        stored = Post.objects.get(pk=self.post.pk).blog
        self.assertEqual(
            stored, {"name": "b1", "tagline": {"title": "New", "subtitle": ""}, "rank": 7}
        )
        with self.assertRaises(KeyError):
            self.post.blog["url"] = "x"
        with self.assertRaisesMessage(TypeError, "cannot be deleted"):
            del self.post.blog["rank"]

    def test_unknown_stored_keys_are_not_items(self):
        result = Post.objects.mongo_update_one({"_id": self.post.pk}, {"$set": {"blog.extra": 1}})
        self.assertEqual(result.modified_count, 1)
        blog = Post.objects.get(pk=self.post.pk).blog
        self.assertNotIn("extra", blog)
        self.assertEqual(len(blog), 3)

    def test_templates_and_truth(self):
        template = Engine().from_string("{{ post.blog.name }}/{{ post.blog.tagline.title }}")
        rendered = template.render(Context({"post": self.post}))
        self.assertEqual(rendered, "b1/T")
        self.assertIs(bool(self.post.blog), True)

    def test_a_container_is_not_a_list(self):
        post = Post(headline="x", authors=self.post.blog)
        with self.assertRaises(ValidationError) as caught:
            post.full_clean()
        self.assertIn("authors", caught.exception.message_dict)


class DatesStayTyped(TestCase):
    def test_values_are_python_values(self):
        when = datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC)
        post = Post.objects.create(headline="d", published=when, blog={"name": "x"})
        post = Post.objects.get(pk=post.pk)
        self.assertEqual(post.published, when)
        self.assertEqual(post.blog, {"name": "x", "tagline": None, "rank": 0})
