"""ObjectIdField and ObjectIdAutoField against the server."""

from bson import ObjectId
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test import TestCase
from django.test.utils import isolate_apps
from rest_framework.exceptions import ValidationError as DRFValidationError

import djongo_app.fields
from djongo_app.counters import SCHEMA_COLLECTION
from djongo_app.fields import ObjectIdAutoField, ObjectIdField
from djongo_app.rest_framework.fields import ObjectIdField as SerializerField
from tests.testapp.models import Note, NoteComment


class ObjectIdTests(TestCase):
    def test_primary_key_is_mongodb_id(self):
        note = Note.objects.create(text="a")
        self.assertIsInstance(note.pk, ObjectId)
        stored = connection.connection.database["testapp_note"].find_one(
            {"_id": note.pk}, session=connection.connection.session
        )
        self.assertEqual(stored["text"], "a")
        self.assertNotIn("id", stored)
        # No counter and no key layout: the ObjectId is made by the driver.
        entry = connection.connection.database[SCHEMA_COLLECTION].find_one(
            {"name": "testapp_note"}, {"_id": 0}
        )
        self.assertEqual(entry, {"name": "testapp_note", "not_null": ["text"]})

    def test_lookups_by_object_id_and_string(self):
        first, second = Note.objects.create(text="a"), Note.objects.create(text="b")
        self.assertEqual(Note.objects.get(pk=str(first.pk)).text, "a")
        self.assertEqual(Note.objects.get(pk=second.pk).text, "b")
        self.assertEqual(
            sorted(
                Note.objects.filter(pk__in=[str(first.pk), second.pk]).values_list(
                    "text", flat=True
                )
            ),
            ["a", "b"],
        )
        Note.objects.filter(pk=first.pk).update(source=second.pk)
        self.assertEqual(Note.objects.get(source=str(second.pk)).pk, first.pk)

    def test_foreign_key_to_object_id(self):
        note = Note.objects.create(text="a")
        comment = NoteComment.objects.create(note=note, body="hi")
        self.assertEqual(NoteComment.objects.get(pk=comment.pk).note_id, note.pk)
        self.assertEqual(list(note.comments.values_list("body", flat=True)), ["hi"])
        self.assertEqual(
            list(NoteComment.objects.filter(note__text="a").values_list("body", flat=True)), ["hi"]
        )
        note.delete()
        self.assertEqual(NoteComment.objects.count(), 0)

    def test_bulk_create_sets_object_ids(self):
        notes = Note.objects.bulk_create([Note(text="x"), Note(text="y")])
        self.assertTrue(all(isinstance(n.pk, ObjectId) for n in notes))
        self.assertEqual(sorted(Note.objects.values_list("text", flat=True)), ["x", "y"])

    def test_invalid_object_id_is_a_validation_error(self):
        with self.assertRaisesMessage(ValidationError, "is not a valid ObjectId"):
            Note.objects.get(pk="not-an-object-id")
        note = Note(text="a", source="zzz")
        with self.assertRaises(ValidationError) as caught:
            note.full_clean()
        self.assertIn("source", caught.exception.message_dict)

    def test_one_wording_for_an_invalid_object_id(self):
        """The model fields, the form field and DRF's field say the same
        about an invalid ObjectId (trial of main)."""
        expected = "“12” is not a valid ObjectId."
        field = Note._meta.get_field("source")
        with self.assertRaisesMessage(ValidationError, expected):
            field.clean("12", None)
        with self.assertRaisesMessage(ValidationError, expected):
            Note._meta.pk.to_python("12")
        with self.assertRaises(ValidationError) as caught:
            field.formfield().clean("12")
        self.assertEqual(caught.exception.messages, [expected])
        with self.assertRaises(DRFValidationError) as caught:
            SerializerField().run_validation("12")
        self.assertEqual(caught.exception.detail, [expected])

    def test_form_field_and_url_converter(self):
        from django.urls.converters import get_converters

        form_field = Note._meta.get_field("source").formfield()
        value = ObjectId()
        self.assertEqual(form_field.clean(str(value)), value)
        with self.assertRaises(ValidationError):
            form_field.clean("12")
        converter = get_converters()["objectid"]
        self.assertEqual(converter.to_python(str(value)), value)
        self.assertNotRegex("xyz", f"^{converter.regex}$")

    def test_auto_field_is_usable_as_default_auto_field(self):
        from django.db.models import AutoField

        self.assertTrue(issubclass(ObjectIdAutoField, AutoField))
        _, path, _, kwargs = Note._meta.get_field("id").deconstruct()
        self.assertEqual(
            (path, kwargs),
            ("djongo_app.fields.ObjectIdAutoField", {"primary_key": True, "serialize": False}),
        )
        self.assertEqual(ObjectIdField().deconstruct()[1], "djongo_app.fields.ObjectIdField")

    def test_public_api(self):
        self.assertEqual(
            sorted(djongo_app.fields.__all__),
            [
                "ArrayField",
                "ArrayReferenceField",
                "EmbeddedField",
                "EmbeddedModel",
                "ObjectIdAutoField",
                "ObjectIdConverter",
                "ObjectIdField",
            ],
        )
        for name in djongo_app.fields.__all__:
            self.assertTrue(hasattr(djongo_app.fields, name))


class DefaultAutoFieldTests(TestCase):
    def test_app_default_auto_field(self):
        from tests.objectidapp.models import Memo, MemoLink

        self.assertIsInstance(Memo._meta.pk, ObjectIdAutoField)
        memo = Memo.objects.create(text="hi")
        self.assertIsInstance(memo.pk, ObjectId)
        document = connection.connection.database[Memo._meta.db_table].find_one(
            {"text": "hi"}, session=connection.connection.session
        )
        self.assertEqual(document["_id"], memo.pk)
        self.assertNotIn("id", document)
        link = MemoLink.objects.create(memo=memo)
        self.assertIsInstance(link.pk, ObjectId)
        self.assertEqual(Memo.objects.get(pk=str(memo.pk)).links.get(), link)

    @isolate_apps("tests.testapp")
    def test_default_auto_field_setting(self):
        with self.settings(DEFAULT_AUTO_FIELD="djongo_app.fields.ObjectIdAutoField"):

            class Scratch(models.Model):
                class Meta:
                    app_label = "testapp"

        self.assertIsInstance(Scratch._meta.pk, ObjectIdAutoField)
        self.assertEqual(Scratch._meta.pk.column, "_id")


class ObjectIdTextLookupTests(TestCase):
    """Text lookups read an ObjectId as its 24 hex digits (issue 10)."""

    @classmethod
    def setUpTestData(cls):
        cls.first = Note.objects.create(text="a")
        cls.second = Note.objects.create(text="b", source=cls.first.pk)
        cls.hex = str(cls.first.pk)

    def texts(self, **lookup):
        return sorted(Note.objects.filter(**lookup).values_list("text", flat=True))

    def test_text_lookups_on_the_primary_key(self):
        """pk__startswith and its kin match the hex string (issue 10)."""
        hex = self.hex
        cases = {
            "startswith": hex[:6],
            "istartswith": hex.upper(),
            "contains": hex[10:20],
            "icontains": hex[10:20].upper(),
            "endswith": hex[-8:],
            "iendswith": hex[-8:].upper(),
            "iexact": hex.upper(),
            "regex": f"^{hex[:4]}.*{hex[-4:]}$",
            "iregex": f"^{hex.upper()}$",
        }
        for lookup, value in cases.items():
            with self.subTest(lookup=lookup):
                self.assertIn("a", self.texts(**{f"pk__{lookup}": value}))
                self.assertNotIn("a", self.texts(**{f"pk__{lookup}": "zz" + value}))

    def test_text_lookups_on_an_object_id_field(self):
        self.assertEqual(self.texts(source__startswith=self.hex[:12]), ["b"])
        self.assertEqual(self.texts(source__iendswith=self.hex[-9:].upper()), ["b"])

    def test_any_string_is_a_valid_pattern(self):
        """Text that is no ObjectId finds nothing and raises nothing (issue 10)."""
        for value in ["", "not hex", "%", "_", "'\"\\"]:
            with self.subTest(value=value):
                self.assertEqual(self.texts(pk__icontains=value + "!"), [])
        self.assertEqual(len(self.texts(pk__icontains="")), 2)

    def test_admin_search_over_the_primary_key(self):
        """The admin's search (icontains, and =pk as a CAST) finds a note
        by part of its id (issue 10)."""
        from django.contrib.admin import ModelAdmin, site
        from django.test import RequestFactory

        class NoteAdmin(ModelAdmin):
            search_fields = ["pk", "=id"]

        admin = NoteAdmin(Note, site)
        request = RequestFactory().get("/")
        # The last hex digits are ObjectId's counter: the two notes differ there.
        for term in [self.hex[-7:], self.hex, "no-such-id"]:
            with self.subTest(term=term):
                queryset, _ = admin.get_search_results(request, Note.objects.all(), term)
                expected = [] if term == "no-such-id" else ["a"]
                self.assertEqual(sorted(queryset.values_list("text", flat=True)), expected)
