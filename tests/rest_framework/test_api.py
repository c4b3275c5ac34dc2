"""djongo_app.rest_framework through DRF's APIClient against the server:
every field kind, nested writes and partial updates, error shapes, bad
input, filtering by paths into documents and the OpenAPI schema."""

import datetime
import warnings

from bson import ObjectId
from django.db import IntegrityError, connection
from django.test import override_settings
from rest_framework.test import APITestCase

from djongo_app.passthrough import mongo_call
from djongo_app.testing import CaptureCommands
from tests.restapp.models import (
    Address,
    Author,
    Badge,
    Book,
    Club,
    Publisher,
    Review,
    Reviewer,
    Shelf,
)


def stored(book_id):
    """The book's document as the server holds it."""
    connection.ensure_connection()
    return connection.connection.database[Book._meta.db_table].find_one(
        {"_id": ObjectId(book_id)}, session=connection.connection.session
    )


def set_stored(book_id, changes):
    """Change the stored document directly (as another application would)."""
    mongo_call(
        "default", Book._meta.db_table, "update_one", {"_id": ObjectId(book_id)}, {"$set": changes}
    )


BOOK = {
    "title": "Documents",
    "published": "2024-05-01",
    "publisher": {
        "name": "Tech Press",
        "rank": 3,
        "address": {"city": "Oslo", "zip_code": "0150"},
        "code": "65f0c0ffee0000000000abcd",
    },
    "authors": [
        {"name": "Ada", "email": "ada@example.com"},
        {"name": "Grace", "email": "grace@example.com"},
    ],
    "tags": ["db", "python"],
    "scores": [5, 3],
    "data": {"owner": {"name": "Ann"}, "price": "$5", "list": [1, {"a": 2}]},
}


@override_settings(ROOT_URLCONF="tests.restapp.urls")
class ApiTestCase(APITestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Reviewer.objects.create(name="Ann")
        cls.bob = Reviewer.objects.create(name="Bob")
        cls.shelf = Shelf.objects.create(name="Top")
        cls.book = Book.objects.create(
            title="Existing",
            publisher=Publisher(
                name="Old Press", rank=1, address=Address(city="Bergen", zip_code="5003")
            ),
            authors=[Author(name="Linus", email="linus@example.com")],
            tags=["go"],
            scores=[1],
            shelf=cls.shelf,
        )
        cls.book.reviewers.add(cls.ann)

    def url(self, book=None):
        return "/api/books/" if book is None else f"/api/books/{book}/"

    def create(self, **changes):
        response = self.client.post(self.url(), {**BOOK, **changes}, format="json")
        self.assertEqual(response.status_code, 201, response.data)
        return response.data


class CrudTests(ApiTestCase):
    def test_list_and_retrieve(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        expected = {
            "id": str(self.book.pk),
            "title": "Existing",
            "published": None,
            "source": None,
            "publisher": {
                "name": "Old Press",
                "rank": 1,
                "address": {"city": "Bergen", "zip_code": "5003"},
                "code": None,
            },
            "authors": [{"name": "Linus", "email": "linus@example.com"}],
            "tags": ["go"],
            "scores": [1],
            "reviewers": [str(self.ann.pk)],
            "data": None,
            "shelf": self.shelf.pk,
        }
        self.assertEqual(response.json(), [expected])
        detail = self.client.get(self.url(self.book.pk))
        self.assertEqual(detail.status_code, 200)
        self.assertEqual(detail.json(), expected)

    def test_create_stores_one_document(self):
        data = self.create(reviewers=[str(self.ann.pk), str(self.bob.pk)])
        document = stored(data["id"])
        self.assertEqual(
            {key: document[key] for key in ("publisher", "authors", "tags", "scores", "data")},
            {
                "publisher": {
                    "name": "Tech Press",
                    "rank": 3,
                    "address": {"city": "Oslo", "zip_code": "0150"},
                    "code": ObjectId("65f0c0ffee0000000000abcd"),
                },
                "authors": BOOK["authors"],
                "tags": ["db", "python"],
                "scores": [5, 3],
                "data": BOOK["data"],
            },
        )
        self.assertEqual(document["reviewers"], [self.ann.pk, self.bob.pk])
        self.assertEqual(document["published"], datetime.datetime(2024, 5, 1))
        self.assertEqual(data["publisher"], BOOK["publisher"])
        self.assertEqual(sorted(data["reviewers"]), sorted([str(self.ann.pk), str(self.bob.pk)]))

    def test_create_fills_defaults(self):
        response = self.client.post(
            self.url(),
            {"title": "Short", "publisher": {"name": "P"}, "authors": [BOOK["authors"][0]]},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.data)
        document = stored(response.data["id"])
        self.assertEqual(
            document["publisher"], {"name": "P", "rank": 0, "address": None, "code": None}
        )
        self.assertEqual((document["tags"], document["reviewers"]), ([], []))

    def test_update_replaces_the_document(self):
        # A key the container has no field for, written by another application.
        set_stored(self.book.pk, {"publisher.legacy_id": 7})
        response = self.client.put(
            self.url(self.book.pk),
            {
                "title": "Replaced",
                "publisher": {"name": "New Press"},
                "authors": [{"name": "Ada", "email": "ada@example.com"}],
                "reviewers": [str(self.bob.pk)],
            },
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.data)
        document = stored(self.book.pk)
        # The sub-document is replaced: its fields not given get their
        # defaults; the key it has no field for is kept.
        self.assertEqual(
            document["publisher"],
            {"name": "New Press", "rank": 0, "address": None, "code": None, "legacy_id": 7},
        )
        self.assertEqual(document["authors"], [{"name": "Ada", "email": "ada@example.com"}])
        self.assertEqual(document["reviewers"], [self.bob.pk])
        # A field left out of a PUT keeps its value, as DRF does it.
        self.assertEqual(document["tags"], ["go"])

    def test_delete(self):
        response = self.client.delete(self.url(self.book.pk))
        self.assertEqual(response.status_code, 204)
        self.assertIsNone(stored(self.book.pk))
        self.assertEqual(self.client.get(self.url(self.book.pk)).status_code, 404)

    def test_multipart_form_with_nested_fields(self):
        """What the browsable API's HTML form posts: dotted keys for the
        embedded document, indexed keys for the array of documents."""
        response = self.client.post(
            self.url(),
            {
                "title": "From a form",
                "publisher.name": "Form Press",
                "publisher.rank": "2",
                "authors[0]name": "Ada",
                "authors[0]email": "ada@example.com",
                "tags": ["a", "b"],
                "reviewers": [str(self.bob.pk)],
            },
            format="multipart",
        )
        self.assertEqual(response.status_code, 201, response.data)
        document = stored(response.data["id"])
        self.assertEqual(
            (document["publisher"]["name"], document["publisher"]["rank"]), ("Form Press", 2)
        )
        self.assertEqual(document["authors"], [{"name": "Ada", "email": "ada@example.com"}])
        self.assertEqual(document["tags"], ["a", "b"])
        self.assertEqual(document["reviewers"], [self.bob.pk])


class PartialUpdateTests(ApiTestCase):
    def patch(self, data):
        return self.client.patch(self.url(self.book.pk), data, format="json")

    def test_nested_key_keeps_the_others(self):
        set_stored(self.book.pk, {"publisher.legacy_id": 7})
        response = self.patch({"publisher": {"name": "New"}})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(
            stored(self.book.pk)["publisher"],
            {
                "name": "New",
                "rank": 1,
                "address": {"city": "Bergen", "zip_code": "5003"},
                "code": None,
                "legacy_id": 7,
            },
        )
        self.assertEqual(response.data["publisher"]["address"]["city"], "Bergen")
        # The other fields are untouched.
        self.assertEqual(
            stored(self.book.pk)["authors"], [{"name": "Linus", "email": "linus@example.com"}]
        )

    def test_deeper_key(self):
        response = self.patch({"publisher": {"address": {"zip_code": "5004"}}})
        self.assertEqual(response.status_code, 200, response.data)
        document = stored(self.book.pk)["publisher"]
        self.assertEqual(document["address"], {"city": "Bergen", "zip_code": "5004"})
        self.assertEqual((document["name"], document["rank"]), ("Old Press", 1))

    def test_a_document_that_was_null_is_validated_whole(self):
        Book.objects.filter(pk=self.book.pk).update(publisher__address=None)
        response = self.patch({"publisher": {"address": {"zip_code": "1"}}})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"publisher": {"address": {"city": ["This field is required."]}}}
        )
        response = self.patch({"publisher": {"address": {"city": "Oslo"}}})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(
            stored(self.book.pk)["publisher"]["address"], {"city": "Oslo", "zip_code": ""}
        )

    def test_an_array_is_replaced_and_its_elements_validated_whole(self):
        response = self.patch({"authors": [{"name": "Solo"}]})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"authors": {"0": {"email": ["This field is required."]}}}
        )
        response = self.patch({"authors": [{"name": "Solo", "email": "solo@example.com"}]})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(
            stored(self.book.pk)["authors"], [{"name": "Solo", "email": "solo@example.com"}]
        )
        response = self.patch({"tags": ["x"], "reviewers": []})
        self.assertEqual(response.status_code, 200, response.data)
        document = stored(self.book.pk)
        self.assertEqual((document["tags"], document["reviewers"]), (["x"], []))

    def test_a_field_left_out_is_untouched(self):
        response = self.patch({"title": "Renamed"})
        self.assertEqual(response.status_code, 200, response.data)
        document = stored(self.book.pk)
        self.assertEqual(document["title"], "Renamed")
        self.assertEqual(document["publisher"]["address"], {"city": "Bergen", "zip_code": "5003"})
        self.assertEqual(document["reviewers"], [self.ann.pk])

    def test_null_clears_a_nullable_document(self):
        response = self.patch({"publisher": {"address": None}})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertIsNone(stored(self.book.pk)["publisher"]["address"])
        response = self.patch({"publisher": None})
        self.assertEqual(response.json(), {"publisher": ["This field may not be null."]})


class ErrorShapeTests(ApiTestCase):
    BAD = {
        "publisher": {"name": "", "address": {"zip_code": "x" * 11}},
        "authors": [
            {"name": "Ada", "email": "ada@example.com"},
            {"name": "Grace", "email": "not-an-email"},
        ],
        "tags": ["ok", "x" * 21],
    }

    def test_errors_keyed_by_nested_path(self):
        response = self.client.post(self.url(), {**BOOK, **self.BAD}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {
                "publisher": {
                    "name": ["This field may not be blank."],
                    "address": {
                        "city": ["This field is required."],
                        "zip_code": ["Ensure this field has no more than 10 characters."],
                    },
                },
                "authors": {"1": {"email": ["Enter a valid email address."]}},
                "tags": {"1": ["Ensure this field has no more than 20 characters."]},
            },
        )

    @override_settings(REST_FRAMEWORK={"LIST_SERIALIZER_ERRORS_AS_DICT": False})
    def test_errors_of_array_elements_as_a_list(self):
        """DRF's list shape for many=True, when the project chose it."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            response = self.client.post(self.url(), {**BOOK, **self.BAD}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["authors"], [{}, {"email": ["Enter a valid email address."]}]
        )
        # DRF announces the removal of this shape; nothing else warns.
        self.assertEqual({type(w.message).__name__ for w in caught}, {"RemovedInDRF320Warning"})

    def test_array_sizes(self):
        cases = [
            ({"authors": []}, {"authors": ["This list may not be empty."]}),
            (
                {"authors": BOOK["authors"] * 2},
                {"authors": ["Ensure this field has no more than 3 elements."]},
            ),
            (
                {"tags": ["a", "b", "c", "d", "e"]},
                {"tags": ["Ensure this field has no more than 4 elements."]},
            ),
            ({"authors": "Ada"}, {"authors": ['Expected a list of items but got type "str".']}),
            (
                {"authors": {"0": BOOK["authors"][0]}},
                {"authors": ['Expected a list of items but got type "dict".']},
            ),
            (
                {"authors": [["Ada"]]},
                {
                    "authors": {
                        "0": {
                            "non_field_errors": [
                                "Invalid data. Expected a dictionary, but got list."
                            ]
                        }
                    }
                },
            ),
        ]
        for changes, errors in cases:
            with self.subTest(changes=changes):
                response = self.client.post(self.url(), {**BOOK, **changes}, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json(), errors)


class BadInputTests(ApiTestCase):
    """Nothing a client sends becomes a query or update operator."""

    def post_errors(self, **changes):
        response = self.client.post(self.url(), {**BOOK, **changes}, format="json")
        self.assertEqual(response.status_code, 400, response.data)
        return response.json()

    def test_a_document_where_a_string_goes(self):
        self.assertEqual(self.post_errors(title={"$gt": ""}), {"title": ["Not a valid string."]})
        self.assertEqual(
            self.post_errors(publisher={"name": {"$ne": None}}),
            {"publisher": {"name": ["Not a valid string."]}},
        )
        self.assertEqual(
            self.post_errors(tags=[{"$in": ["a"]}]), {"tags": {"0": ["Not a valid string."]}}
        )

    def test_operator_and_dotted_keys_in_documents(self):
        message = "A document key may not start with “$” or contain “.”."
        self.assertEqual(
            self.post_errors(publisher={"name": "P", "$set": {"title": "pwned"}}),
            {"publisher": {"$set": [message]}},
        )
        self.assertEqual(
            self.post_errors(publisher={"name": "P", "address.city": "Oslo"}),
            {"publisher": {"address.city": [message]}},
        )
        self.assertEqual(
            self.post_errors(authors=[{"name": "A", "email": "a@example.com", "$where": "1"}]),
            {"authors": {"0": {"$where": [message]}}},
        )
        response = self.client.patch(
            self.url(self.book.pk), {"publisher": {"$unset": {"name": ""}}}, format="json"
        )
        self.assertEqual(response.json(), {"publisher": {"$unset": [message]}})
        self.assertEqual(stored(self.book.pk)["publisher"]["name"], "Old Press")

    def test_operator_and_dotted_keys_in_json(self):
        self.assertEqual(
            self.post_errors(data={"owner": {"$gt": ""}}),
            {"data": ["The key “$gt” (at data.owner) may not start with “$” or contain “.”."]},
        )
        self.assertEqual(
            self.post_errors(data={"list": [{"a.b": 1}]}),
            {"data": ["The key “a.b” (at data.list.0) may not start with “$” or contain “.”."]},
        )
        # "$" in a value is plain data.
        data = self.create(data={"price": "$5", "query": '{"$ne": 1}'})
        self.assertEqual(stored(data["id"])["data"], {"price": "$5", "query": '{"$ne": 1}'})

    def test_invalid_object_ids_in_the_body(self):
        self.assertEqual(
            self.post_errors(source="not-an-id"),
            {"source": ["“not-an-id” is not a valid ObjectId."]},
        )
        self.assertEqual(
            self.post_errors(source={"$oid": "65f0c0ffee0000000000abcd"}),
            {"source": ["“{'$oid': '65f0c0ffee0000000000abcd'}” is not a valid ObjectId."]},
        )
        self.assertEqual(
            self.post_errors(reviewers=["zzz"]), {"reviewers": ["“zzz” is not a valid ObjectId."]}
        )
        missing = str(ObjectId())
        self.assertEqual(
            self.post_errors(reviewers=[missing]),
            {"reviewers": [f'Invalid pk "{missing}" - object does not exist.']},
        )
        self.assertEqual(
            self.post_errors(publisher={"name": "P", "code": "12"}),
            {"publisher": {"code": ["“12” is not a valid ObjectId."]}},
        )

    def test_invalid_object_id_in_the_url_is_a_404(self):
        for url in (self.url("not-an-objectid"), self.url(ObjectId()), self.url("$ne")):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(self.client.patch(url, {}, format="json").status_code, 404)
                self.assertEqual(self.client.delete(url).status_code, 404)

    def test_foreign_key_to_an_object_id(self):
        response = self.client.post(
            "/api/reviews/", {"book": str(self.book.pk), "text": "Good"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(response.json()["book"], str(self.book.pk))
        self.assertEqual(Review.objects.get().book, self.book)
        response = self.client.post("/api/reviews/", {"book": "nope", "text": "x"}, format="json")
        self.assertEqual(response.json(), {"book": ["“nope” is not a valid ObjectId."]})


class FilterTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other = Book.objects.create(
            title="Other",
            source=ObjectId("65f0c0ffee0000000000beef"),
            publisher=Publisher(
                name="Tech Press",
                rank=5,
                address=Address(city="Oslo"),
                code=ObjectId("65f0c0ffee0000000000abcd"),
            ),
            authors=[
                Author(name="Ada", email="ada@example.com"),
                Author(name="Grace", email="grace@example.com"),
            ],
            tags=["db", "python"],
            scores=[5, 7],
        )
        cls.other.reviewers.add(cls.bob)

    def titles(self, query, status=200):
        response = self.client.get(self.url() + query)
        self.assertEqual(response.status_code, status, response.data)
        return [book["title"] for book in response.json()]

    def test_paths_into_documents(self):
        cases = {
            "?publisher__name=Tech+Press": ["Other"],
            "?publisher__name__icontains=press": ["Existing", "Other"],
            "?publisher__address__city=Bergen": ["Existing"],
            "?publisher__rank__gte=2": ["Other"],
            "?publisher__code=65f0c0ffee0000000000abcd": ["Other"],
            # Any element of an array of documents, or the first one.
            "?authors__email=grace@example.com": ["Other"],
            "?authors__0__name=Linus": ["Existing"],
            "?authors__0__name=Grace": [],
            # Arrays of values and of references hold the value.
            "?tags=db": ["Other"],
            "?tags=d": [],
            "?scores=7": ["Other"],
            f"?reviewers={self.ann.pk}": ["Existing"],
            "?source=65f0c0ffee0000000000beef": ["Other"],
            # A relation, as django-filter does it.
            "?shelf__name=Top": ["Existing"],
            "?publisher__name=Tech+Press&tags=python": ["Other"],
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                self.assertEqual(self.titles(query), expected)

    def test_the_filter_runs_on_the_server(self):
        with CaptureCommands() as commands:
            self.titles("?publisher__address__city=Oslo&tags=db")
        self.assertEqual(
            commands.filter(),
            {
                "$and": [
                    {"$and": [{"tags": {"$type": "array"}}, {"tags": "db"}]},
                    {"publisher.address.city": "Oslo"},
                ]
            },
        )

    def test_invalid_values_are_a_400(self):
        response = self.client.get(self.url() + "?scores=abc&source=xyz&publisher__rank__gte=z")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {
                "scores": ["Enter a number."],
                "source": ["“xyz” is not a valid ObjectId."],
                "publisher__rank__gte": ["Enter a number."],
            },
        )
        response = self.client.get(self.url() + f"?reviewers={ObjectId()}")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()), ["reviewers"])

    def test_operator_syntax_is_refused(self):
        for query in (
            "?publisher__name[$ne]=x",
            "?publisher__name[ne]=x",
            "?$where=1",
            "?tags[$in]=db",
            "?title=x&publisher.name[$regex]=.*&$or=1",
        ):
            with self.subTest(query=query):
                response = self.client.get(self.url() + query)
                self.assertEqual(response.status_code, 400)
                for name in response.json():
                    self.assertIn(name, query)
                    self.assertTrue("$" in name or "[" in name, name)

    def test_a_value_is_data(self):
        # An operator written as a value is compared as a string.
        self.assertEqual(self.titles('?publisher__name={"$ne":""}'), [])
        with CaptureCommands() as commands:
            self.assertEqual(self.titles("?unknown=1&title=Other"), ["Other"])
        self.assertEqual(commands.filter(), {"title": "Other"})

    def test_unknown_parameters_are_ignored(self):
        self.assertEqual(
            self.titles("?unknown=1&publisher__nope=2&format=json"), ["Existing", "Other"]
        )


class HyperlinkedTests(ApiTestCase):
    def test_references_as_urls(self):
        response = self.client.get("/api/linked-books/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            [
                {
                    "url": f"http://testserver/api/books/{self.book.pk}/",
                    "title": "Existing",
                    "publisher": {
                        "name": "Old Press",
                        "rank": 1,
                        "address": {"city": "Bergen", "zip_code": "5003"},
                        "code": None,
                    },
                    "reviewers": [f"http://testserver/api/reviewers/{self.ann.pk}/"],
                }
            ],
        )


class BrowsableApiTests(ApiTestCase):
    def test_list_and_detail_pages(self):
        page = self.client.get(self.url(), HTTP_ACCEPT="text/html")
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        # The filter form of django-filter, with the paths as fields.
        self.assertIn('name="publisher__address__city"', html)
        self.assertIn("Publisher address city", html)
        self.client.force_login(self._superuser())
        detail = self.client.get(self.url(self.book.pk), HTTP_ACCEPT="text/html").content.decode()
        # The HTML form nests the embedded documents.
        self.assertIn('name="publisher.name"', detail)
        self.assertIn('name="publisher.address.city"', detail)
        self.assertIn("Old Press", detail)

    def _superuser(self):
        from django.contrib.auth.models import User

        return User.objects.create_superuser("root", "root@example.com", "pw")


class SchemaTests(ApiTestCase):
    def test_openapi_describes_documents_and_arrays(self):
        response = self.client.get("/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        self.assertEqual(response.status_code, 200)
        book = response.json()["components"]["schemas"]["Book"]
        properties = book["properties"]
        self.assertEqual(
            properties["id"], {"type": "string", "readOnly": True, "pattern": "^[0-9a-fA-F]{24}\\z"}
        )
        publisher = properties["publisher"]
        self.assertEqual(publisher["type"], "object")
        self.assertEqual(publisher["required"], ["name"])
        self.assertEqual(publisher["properties"]["address"]["type"], "object")
        self.assertEqual(
            publisher["properties"]["address"]["properties"]["zip_code"],
            {"type": "string", "maxLength": 10},
        )
        self.assertEqual(properties["authors"]["type"], "array")
        self.assertEqual(
            properties["authors"]["items"]["properties"]["email"],
            {"type": "string", "format": "email", "maxLength": 254},
        )
        self.assertEqual(
            properties["tags"], {"type": "array", "items": {"type": "string"}, "maxItems": 4}
        )
        self.assertEqual(properties["reviewers"], {"type": "array", "items": {"type": "string"}})
        self.assertIn("authors", book["required"])
        # The filters are query parameters.
        operation = response.json()["paths"]["/api/books/"]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        self.assertEqual(
            parameters["publisher__address__city"],
            {
                "name": "publisher__address__city",
                "required": False,
                "in": "query",
                "description": "Publisher address city",
                "schema": {"type": "string"},
            },
        )
        self.assertEqual(parameters["scores"]["schema"], {"type": "number"})
        self.assertEqual(parameters["source"]["schema"]["pattern"], "^[0-9a-fA-F]{24}$")
        self.assertEqual(
            parameters["publisher__rank__gte"]["description"],
            "Publisher rank is greater than or equal to",
        )
        yaml = self.client.get("/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
        self.assertEqual(yaml.status_code, 200)
        self.assertIn(b"publisher:", yaml.content)


@override_settings(ROOT_URLCONF="tests.restapp.urls")
class NestedUniqueTests(APITestCase):
    """unique=True inside an embedded document or an array of documents: a
    duplicate is a 400 keyed by its nested path, not the unique index's
    IntegrityError as a 500 (issue 13)."""

    url = "/api/clubs/"
    CLUB = {
        "name": "Chess",
        "badge": {"code": "CH", "label": "Chess"},
        "members": [{"email": "ann@example.com"}, {"email": "bob@example.com"}],
    }

    def setUp(self):
        response = self.client.post(self.url, self.CLUB, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.first = response.json()["id"]

    def post(self, **changes):
        return self.client.post(self.url, {**self.CLUB, "name": "Go", **changes}, format="json")

    def test_duplicate_in_an_embedded_document(self):
        response = self.post(members=[])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"badge": {"code": ["Club with this code already exists."]}}
        )
        self.assertEqual(Club.objects.count(), 1)

    def test_duplicate_in_an_array_of_documents(self):
        members = [{"email": "cy@example.com"}, {"email": "bob@example.com"}]
        response = self.post(badge={"code": "GO"}, members=members)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {"members": {"1": {"email": ["Club with this email already exists."]}}},
        )

    def test_new_values_and_nulls_are_accepted(self):
        response = self.post(badge={"code": "GO"}, members=[{"email": "cy@example.com"}])
        self.assertEqual(response.status_code, 201, response.content)
        # No badge at all: NULL never clashes (the index is partial).
        self.assertEqual(self.post(badge=None, members=[]).status_code, 201)
        self.assertEqual(self.post(badge=None, members=[]).status_code, 201)

    def test_update_keeps_its_own_values(self):
        """PUT and PATCH leave the instance itself out of the check."""
        detail = f"{self.url}{self.first}/"
        response = self.client.put(detail, {**self.CLUB, "name": "Chess club"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        response = self.client.patch(detail, {"badge": {"code": "CH"}}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        other = self.post(badge={"code": "GO"}, members=[]).json()["id"]
        response = self.client.patch(
            f"{self.url}{other}/", {"badge": {"code": "CH"}}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"badge": {"code": ["Club with this code already exists."]}}
        )
        response = self.client.patch(
            f"{self.url}{other}/", {"members": [{"email": "ann@example.com"}]}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Club.objects.get(pk=other).badge.code, "GO")

    def test_patch_of_a_null_document_is_checked_too(self):
        """A PATCH that writes a document where none is stored validates it
        whole; its unique keys are still checked."""
        other = self.post(badge=None, members=[]).json()["id"]
        response = self.client.patch(
            f"{self.url}{other}/", {"badge": {"code": "CH"}}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(), {"badge": {"code": ["Club with this code already exists."]}}
        )

    def test_the_index_is_what_the_validator_stands_for(self):
        """Without the validator the duplicate reaches the unique index."""
        with self.assertRaises(IntegrityError):
            Club.objects.create(name="Go", badge=Badge(code="CH"))
