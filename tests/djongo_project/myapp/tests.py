"""Tests in the style of Djongo's documentation (run with
``python manage.py test myapp``)."""

import io

from bson import ObjectId
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from .models import (
    Article,
    Entry,
    NestedEntry,
    OptionalEntry,
    Post,
    Profile,
    RequiredEntry,
    Writer,
    grid_fs_storage,
)


class TestInsert(TestCase):
    def test_insert(self):
        Entry.objects.create(
            headline="headline",
            blog={"name": "Paul", "content": "How to sing"},
            authors=[{"name": "James", "verified": True}, {"name": "Guest", "verified": False}],
        )
        entry = Entry.objects.get(headline="headline")
        self.assertIsInstance(entry._id, ObjectId)
        stored = Entry.objects.mongo_find_one({"_id": entry._id})
        self.assertEqual(stored["blog"], {"name": "Paul", "content": "How to sing"})
        self.assertEqual(
            stored["authors"],
            [{"name": "James", "verified": True}, {"name": "Guest", "verified": False}],
        )


class TestEmbedded(TestCase):
    def test_create_and_get(self):
        e = Entry.objects.create(
            headline="h1",
            blog={"name": "b1", "content": "t1"},
            authors=[],
        )
        g = Entry.objects.get(headline="h1")
        assert e == g

        e = Entry()
        e.blog = {"name": "b2", "content": "t2"}
        e.headline = "h2"
        e.authors = []
        e.save()
        self.assertEqual(Entry.objects.get(headline="h2").blog["name"], "b2")

    def test_embedded_values_read_as_dicts(self):
        Entry.objects.create(
            headline="h1",
            blog={"name": "b1", "content": "t1"},
            authors=[{"name": "James", "verified": True}],
        )
        entry = Entry.objects.get(headline="h1")
        self.assertEqual(entry.blog["name"], "b1")
        self.assertEqual(entry.blog, {"name": "b1", "content": "t1"})
        self.assertEqual(dict(entry.blog), {"name": "b1", "content": "t1"})
        self.assertIn("name", entry.blog)
        self.assertEqual(entry.authors[0]["name"], "James")
        self.assertEqual(entry.authors, [{"name": "James", "verified": True}])
        entry.blog["content"] = "t2"
        entry.save()
        self.assertEqual(Entry.objects.get(headline="h1").blog["content"], "t2")

    def test_nesting(self):
        e = NestedEntry.objects.create(
            headline="h1",
            blog={"name": "b1", "tagline": {"title": "Tagline Title", "subtitle": "Artist"}},
        )
        g = NestedEntry.objects.get(headline="h1")
        assert e == g
        self.assertEqual(g.blog["tagline"]["subtitle"], "Artist")

    def test_integrity_checks(self):
        # Djongo's page says null=True alone lets None through; Django's
        # Field.validate (which Djongo's field called too) still requires
        # blank=True for an empty value.
        e = OptionalEntry(headline="h1", blog=None)
        with self.assertRaises(ValidationError) as caught:
            e.clean_fields()
        self.assertEqual(caught.exception.message_dict, {"blog": ["This field cannot be blank."]})
        e.save()
        self.assertIsNone(OptionalEntry.objects.get(headline="h1").blog)

        e = RequiredEntry(headline="h1", blog=None)
        with self.assertRaises(ValidationError) as caught:
            e.clean_fields()
        self.assertEqual(caught.exception.message_dict, {"blog": ["This field cannot be null."]})


class TestQueries(TestCase):
    @classmethod
    def setUpTestData(cls):
        NestedEntry.objects.create(
            headline="beatles",
            blog={"name": "Beatles", "tagline": {"title": "Fab", "subtitle": "Artist"}},
        )
        NestedEntry.objects.create(
            headline="poets",
            blog={"name": "Beat Poets", "tagline": {"title": "Howl", "subtitle": "Poet"}},
        )
        Post.objects.create(
            headline="p1",
            blog={"name": "b", "content": "c"},
            authors=[{"name": "John", "email": "j@x.org"}, {"name": "Paul", "email": "p@x.org"}],
        )
        Post.objects.create(
            headline="p2",
            blog={"name": "b", "content": "c"},
            authors=[{"name": "Paul", "email": "p@x.org"}],
        )

    def headlines(self, queryset):
        return sorted(queryset.values_list("headline", flat=True))

    def test_embedded_documents(self):
        entries = NestedEntry.objects.filter(blog={"name": "Beatles"})
        self.assertEqual(self.headlines(entries), ["beatles"])
        entries = NestedEntry.objects.filter(blog={"tagline": {"subtitle": "Artist"}})
        self.assertEqual(self.headlines(entries), ["beatles"])
        entries = NestedEntry.objects.filter(blog={"tagline.subtitle": "Artist"})
        self.assertEqual(self.headlines(entries), ["beatles"])
        entries = NestedEntry.objects.filter(blog__startswith={"name": "Beat"})
        self.assertEqual(self.headlines(entries), ["beatles", "poets"])
        entries = NestedEntry.objects.filter(blog__startswith={"tagline": {"subtitle": "Art"}})
        self.assertEqual(self.headlines(entries), ["beatles"])

    def test_nested_paths(self):
        NestedEntry.objects.filter(headline="poets").update(blog__name="Poets")
        self.assertEqual(NestedEntry.objects.get(headline="poets").blog["name"], "Poets")
        entries = NestedEntry.objects.exclude(blog__tagline__subtitle="Artist")
        self.assertEqual(self.headlines(entries), ["poets"])

    def test_arrays_of_documents(self):
        entries = Post.objects.filter(authors={"name": "Paul"})
        self.assertEqual(self.headlines(entries), ["p1", "p2"])
        entries = Post.objects.filter(authors={"1.name": "Paul"})
        self.assertEqual(self.headlines(entries), ["p1"])

    def test_array_field_assignment(self):
        entry = Post()
        entry.authors = [
            {"name": "John", "email": "john@mail.com"},
            {"name": "Paul", "email": "paul@mail.com"},
        ]
        entry.headline = "assigned"
        entry.save()
        self.assertEqual(Post.objects.get(headline="assigned").authors[1]["email"], "paul@mail.com")


class TestDjongoManager(TestCase):
    def test_mongo_commands(self):
        Entry.objects.create(headline="path", blog={"name": "b", "content": "c"}, authors=[])
        index = [
            i
            for i in Entry.objects.mongo_aggregate(
                [
                    {"$match": {"headline": "path"}},
                ]
            )
        ]
        self.assertEqual(len(index), 1)
        self.assertEqual(index[0]["blog"]["name"], "b")

        Entry.objects.mongo_insert_one({"headline": "inserted", "blog": {"name": "x"}})
        entry = Entry.objects.get(headline="inserted")
        self.assertEqual(entry.blog["name"], "x")
        # ENFORCE_SCHEMA False: a missing key reads as the field's default.
        self.assertEqual(entry.blog["content"], "")
        self.assertEqual(Entry.objects.mongo_count_documents({}), 2)


class TestArrayReference(TestCase):
    def test_references(self):
        paul = Writer.objects.create(name="Paul", email="paul@mail.com")
        john = Writer.objects.create(name="John", email="john@mail.com")
        article = Article.objects.create(headline="h", blog={"name": "b", "content": "c"})
        article.authors.add(paul, john)
        self.assertEqual(Article.objects.get().authors.ids, [paul.pk, john.pk])
        self.assertEqual({w.name for w in Article.objects.get().authors.all()}, {"Paul", "John"})
        self.assertEqual(list(Article.objects.filter(authors=paul)), [article])
        john.delete()
        self.assertEqual(Article.objects.get().authors.ids, [paul.pk])


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "green").save(buffer, "PNG")
    return buffer.getvalue()


class TestGridFS(TestCase):
    def test_image_field_in_gridfs(self):
        author = Profile.objects.create(
            name="Lisa Stoner",
            email="lisa.stoner@nomail.local",
            avatar=SimpleUploadedFile("lisa.png", png(), content_type="image/png"),
        )
        author = Profile.objects.get(id=author.id)
        self.assertEqual(author.avatar.name, "authors/lisa.png")
        self.assertEqual(author.avatar.url, "http://mysite.local/myfiles/authors/lisa.png")
        self.assertEqual(author.avatar.read(), png())
        self.assertEqual((author.avatar.width, author.avatar.height), (2, 2))
        self.assertEqual(grid_fs_storage.listdir("authors"), ([], ["lisa.png"]))
        self.assertIs(grid_fs_storage.exists("authors/lisa.png"), True)
