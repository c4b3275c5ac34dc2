"""How a NULL for a NOT NULL column is written (djongo_app/notnull.py):
the update documents and pipelines, without a server. The server's side
is in test_backend.NotNullTests."""

import copy

from django.test import SimpleTestCase

from djongo_app.notnull import refusing_nulls, send_nulls_as_missing

REFUSED = frozenset({"name", "pages"})


class RefusingNullsTests(SimpleTestCase):
    def test_update_documents_and_pipelines(self):
        cases = [
            # Nothing to refuse: the same object back.
            ({"$set": {"name": "a", "age": None}}, {"$set": {"name": "a", "age": None}}),
            # A NULL for a refused column is unset; other NULLs stay.
            (
                {"$set": {"name": None, "age": None}},
                {"$set": {"age": None}, "$unset": {"name": ""}},
            ),
            ({"$set": {"name": None}}, {"$unset": {"name": ""}}),
            (
                {"$set": {"pages": None}, "$unset": {"old": ""}},
                {"$unset": {"old": "", "pages": ""}},
            ),
            # An upsert: a refused NULL is left out of the inserted document.
            (
                {"$set": {"pages": 3}, "$setOnInsert": {"name": None, "age": None}},
                {"$set": {"pages": 3}, "$setOnInsert": {"age": None}},
            ),
            # A pipeline: a refused column's value is removed when NULL.
            (
                [{"$set": {"pages": {"$add": ["$pages", 1]}, "age": {"$literal": None}}}],
                [
                    {
                        "$set": {
                            "pages": {"$ifNull": [{"$add": ["$pages", 1]}, "$$REMOVE"]},
                            "age": {"$literal": None},
                        }
                    }
                ],
            ),
            (
                [{"$set": {"name": {"$literal": None}}}],
                [{"$set": {"name": {"$ifNull": [{"$literal": None}, "$$REMOVE"]}}}],
            ),
            # Stages that set nothing are kept as they are.
            ([{"$unset": ["name"]}], [{"$unset": ["name"]}]),
        ]
        for update, expected in cases:
            with self.subTest(update=update):
                before = copy.deepcopy(update)
                self.assertEqual(refusing_nulls(update, REFUSED), expected)
                self.assertEqual(update, before)

    def test_documents(self):
        documents = [
            {"_id": 1, "name": None, "age": None, "pages": 0},
            {"_id": 2, "name": "b", "pages": None},
            {"_id": 3},
        ]
        send_nulls_as_missing(documents, REFUSED)
        self.assertEqual(
            documents, [{"_id": 1, "age": None, "pages": 0}, {"_id": 2, "name": "b"}, {"_id": 3}]
        )
