"""Django's JSONField: native storage and key, has_key, contains lookups."""

from django.db import NotSupportedError, connection
from django.db.models import JSONField
from django.db.models.fields.json import KT, KeyTransform
from django.db.models.functions import Cast
from django.test import TestCase

from tests.testapp.models import Author, Document, Review


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

    def test_contained_by_is_named(self):
        with self.assertRaisesMessage(NotSupportedError, "contained_by"):
            list(Document.objects.filter(data__contained_by={"n": 1}))


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


# Keys MongoDB's dotted paths cannot name, and keys that would break out of
# a quoted SQL name if they were ever spliced into SQL text.
HOSTILE_KEYS = {
    'quo"te': 1,
    "back\\slash": 2,
    "dot.ted": 3,
    "$dollar": 4,
    "uni\u2603code": 5,
    "it's": 6,
    '")) OR JSON_HAS_KEY("name") OR (JSON_HAS_KEY("': 7,
}


class JSONKeyTrustTests(TestCase):
    """JSON keys travel as parameters, whatever they hold (issue 10)."""

    @classmethod
    def setUpTestData(cls):
        cls.hostile = Document.objects.create(name="hostile", data=dict(HOSTILE_KEYS))
        Document.objects.create(name="named", data={"name": "x", "y": {"name": 1}})
        Document.objects.create(name="null", data={"j": None})
        Document.objects.create(name="other", data={"j": 1})
        Document.objects.create(name="sql-null", data=None)

    def names(self, queryset):
        return sorted(queryset.values_list("name", flat=True))

    def test_key_injection_returns_nothing(self):
        """The key of issue 10 is a key, not SQL: no document has it (issue 10)."""
        key = 'x")) OR JSON_HAS_KEY("name") OR (JSON_HAS_KEY("y'
        self.assertEqual(self.names(Document.objects.filter(data__has_key=key)), [])
        self.assertEqual(self.names(Document.objects.filter(**{f"data__{key}": "x"})), [])
        self.assertEqual(self.names(Document.objects.filter(**{f"data__{key}__isnull": False})), [])

    def test_keys_with_quotes_dots_dollars_match_themselves(self):
        """Each hostile key is found by exact, has_key, isnull, contains, values
        and order_by, and matches only its own document (issue 10)."""
        for key, value in HOSTILE_KEYS.items():
            with self.subTest(key=key):
                self.assertEqual(
                    self.names(Document.objects.filter(**{f"data__{key}": value})), ["hostile"]
                )
                self.assertEqual(
                    self.names(Document.objects.filter(data__has_key=key)), ["hostile"]
                )
                self.assertEqual(
                    self.names(Document.objects.filter(**{f"data__{key}__isnull": False})),
                    ["hostile"],
                )
                self.assertEqual(
                    self.names(Document.objects.filter(data__contains={key: value})), ["hostile"]
                )
                # values_list("data__<key>") would refuse the key as an alias.
                self.assertEqual(
                    list(
                        Document.objects.filter(name="hostile")
                        .annotate(value=KeyTransform(key, "data"))
                        .values_list("value", flat=True)
                    ),
                    [value],
                )
        ordered = Document.objects.filter(data__has_key="dot.ted").order_by("data__dot.ted")
        self.assertEqual(list(ordered), [self.hostile])

    def test_nul_in_a_key_matches_nothing(self):
        """A NUL cannot be in a stored key; looking for one finds nothing and
        raises nothing (issue 10)."""
        self.assertEqual(self.names(Document.objects.filter(data__has_key="a\x00b")), [])
        self.assertEqual(self.names(Document.objects.filter(**{"data__a\x00b": 1})), [])

    def test_one_plan_per_key_shape(self):
        """The SQL text holds no key: every key of one lookup shares a plan
        (issue 10)."""
        from djongo_app.transpiler import plan_cache

        texts = set()
        for key in ["alpha", "beta", 'gam"ma', "del.ta"]:
            queryset = Document.objects.filter(**{f"data__{key}__gt": 1})
            sql, _params = queryset.query.sql_with_params()
            texts.add(sql)
            self.assertNotIn(key, sql)
            list(queryset)
        self.assertEqual(len(texts), 1)
        misses = plan_cache.info().misses
        list(Document.objects.filter(data__zzz__gt=1))
        self.assertEqual(plan_cache.info().misses, misses)

    def test_none_key_is_json_null_only(self):
        """key=None matches a stored JSON null, not a missing key; exclude()
        leaves the missing key out too, as on SQLite (issue 10)."""
        self.assertEqual(self.names(Document.objects.filter(data__j=None)), ["null"])
        self.assertEqual(self.names(Document.objects.exclude(data__j=None)), ["other"])
        self.assertEqual(
            self.names(Document.objects.filter(data__j__isnull=True)),
            ["hostile", "named", "sql-null"],
        )

    def test_key_path_does_not_look_inside_arrays(self):
        """A key step reads an object's key, as in SQL; MongoDB's dotted
        paths would also look inside arrays (issue 10)."""
        Document.objects.create(name="array", data={"a": [{"b": 1}]})
        Document.objects.create(name="object", data={"a": {"b": 1}})
        self.assertEqual(self.names(Document.objects.filter(data__a__b=1)), ["object"])
        self.assertEqual(self.names(Document.objects.filter(data__a__0__b=1)), ["array"])


class JsonCastTests(TestCase):
    """Cast(..., JSONField()): a value stored as a document passes through;
    text would have to be parsed as JSON, which MongoDB's query language
    cannot do, so it is refused instead of returned as a string."""

    def test_cast_of_a_json_value_is_the_value(self):
        Review.objects.create(stars=1, note={"a": [1, 2]})
        self.assertEqual(
            list(Review.objects.annotate(j=Cast("note", JSONField())).values_list("j", flat=True)),
            [{"a": [1, 2]}],
        )

    def test_cast_of_text_to_json_is_refused(self):
        from django.db import NotSupportedError

        Author.objects.create(name='"quoted"')
        with self.assertRaisesMessage(NotSupportedError, "cannot parse text as JSON"):
            list(Author.objects.annotate(j=Cast("name", JSONField())))
