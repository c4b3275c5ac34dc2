"""Django's JSONField: native storage and key, has_key, contains lookups."""

from django.db import NotSupportedError, connection
from django.db.models.fields.json import KT
from django.test import TestCase

from tests.testapp.models import Document


class JSONFieldTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Document.objects.create(
            name="a", data={"owner": {"name": "Ann", "age": 30}, "tags": ["x", "y"], "n": 1}
        )
        Document.objects.create(name="b", data={"owner": {"name": "Bob"}, "tags": ["y"], "n": 5})
        Document.objects.create(name="c", data=[1, 2, 3])
        Document.objects.create(name="d", data="plain")
        Document.objects.create(name="e", data=None)

    def names(self, queryset):
        return sorted(queryset.values_list("name", flat=True))

    def test_values_round_trip_and_are_stored_natively(self):
        self.assertEqual(
            Document.objects.get(name="a").data,
            {"owner": {"name": "Ann", "age": 30}, "tags": ["x", "y"], "n": 1},
        )
        self.assertEqual(Document.objects.get(name="c").data, [1, 2, 3])
        self.assertEqual(Document.objects.get(name="d").data, "plain")
        self.assertIsNone(Document.objects.get(name="e").data)
        stored = connection.connection.database["testapp_document"].find_one(
            {"name": "a"}, session=connection.connection.session
        )
        self.assertEqual(stored["data"]["owner"], {"name": "Ann", "age": 30})

    def test_key_lookups(self):
        self.assertEqual(self.names(Document.objects.filter(data__owner__name="Ann")), ["a"])
        self.assertEqual(self.names(Document.objects.filter(data__n__gt=2)), ["b"])
        self.assertEqual(
            self.names(Document.objects.filter(data__owner__name__icontains="b")), ["b"]
        )
        self.assertEqual(self.names(Document.objects.filter(data__0=1)), ["c"])
        self.assertEqual(self.names(Document.objects.filter(data__n__in=[1, 5])), ["a", "b"])

    def test_has_key_and_key_isnull(self):
        self.assertEqual(self.names(Document.objects.filter(data__has_key="owner")), ["a", "b"])
        self.assertEqual(self.names(Document.objects.filter(data__owner__has_key="age")), ["a"])
        self.assertEqual(
            self.names(Document.objects.filter(data__has_keys=["owner", "n"])), ["a", "b"]
        )
        self.assertEqual(
            self.names(Document.objects.filter(data__has_any_keys=["tags", "nothing"])), ["a", "b"]
        )
        self.assertEqual(
            self.names(Document.objects.filter(data__owner__age__isnull=True)), ["b", "c", "d", "e"]
        )
        self.assertEqual(self.names(Document.objects.filter(data__owner__age__isnull=False)), ["a"])

    def test_contains(self):
        self.assertEqual(self.names(Document.objects.filter(data__contains={"n": 1})), ["a"])
        self.assertEqual(
            self.names(Document.objects.filter(data__contains={"owner": {"name": "Bob"}})), ["b"]
        )
        self.assertEqual(
            self.names(Document.objects.filter(data__contains={"tags": ["y"]})), ["a", "b"]
        )
        self.assertEqual(self.names(Document.objects.filter(data__contains=[2, 3])), ["c"])
        # exclude() on a nullable column keeps the NULL row, as in SQL.
        self.assertEqual(
            self.names(Document.objects.exclude(data__contains={"tags": ["x"]})),
            ["b", "c", "d", "e"],
        )

    def test_values_and_ordering_by_key(self):
        self.assertEqual(
            list(
                Document.objects.filter(data__has_key="n")
                .order_by("-data__n")
                .values_list("data__owner__name", flat=True)
            ),
            ["Bob", "Ann"],
        )
        self.assertEqual(
            list(
                Document.objects.filter(name="a")
                .annotate(who=KT("data__owner__name"))
                .values_list("who", flat=True)
            ),
            ["Ann"],
        )

    def test_update_json_value(self):
        Document.objects.filter(name="d").update(data={"k": [1, {"z": True}]})
        self.assertEqual(Document.objects.get(name="d").data, {"k": [1, {"z": True}]})

    def test_unsupported_keys_and_contained_by_are_named(self):
        with self.assertRaisesMessage(NotSupportedError, "contained_by"):
            list(Document.objects.filter(data__contained_by={"n": 1}))
        with self.assertRaisesMessage(NotSupportedError, "The JSON key 'a.b'"):
            list(Document.objects.filter(**{"data__a.b": 1}))


class JSONFunctionTests(TestCase):
    def test_json_object_and_array(self):
        from django.db.models import F, Value
        from django.db.models.functions import JSONArray, JSONObject, Upper

        Document.objects.create(name="a", data={"n": 1})
        row = Document.objects.annotate(
            obj=JSONObject(name="name", up=Upper("name"), n=Value(2)),
            arr=JSONArray("name", F("data__n"), Value("x")),
        ).values_list("obj", "arr")[0]
        self.assertEqual(row, ({"name": "a", "up": "A", "n": 2}, ["a", 1, "x"]))
