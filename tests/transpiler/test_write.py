"""INSERT, UPDATE and DELETE → insert, update and delete commands."""

import pytest

from .utils import AGE, ID, assert_command, command

INSERT_AUTHOR = (
    'INSERT INTO "testapp_author" ("name", "email", "age", "active") VALUES (%s, %s, %s, %s)'
)
RETURNING_ID = ' RETURNING "testapp_author"."id"'


@pytest.mark.parametrize(
    ("sql", "params", "documents"),
    [
        pytest.param(
            # Author.objects.create(name="a"): the id comes from a counter.
            INSERT_AUTHOR + RETURNING_ID,
            ("a", None, None, True),
            [{"name": "a", "email": None, "age": None, "active": True}],
            id="one-row-returning",
        ),
        pytest.param(
            # Author.objects.bulk_create([...])
            'INSERT INTO "testapp_author" ("name", "email", "age", "active") '
            "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)" + RETURNING_ID,
            ("a", None, 1, True, "b", "b@example.com", 2, False),
            [
                {"name": "a", "email": None, "age": 1, "active": True},
                {"name": "b", "email": "b@example.com", "age": 2, "active": False},
            ],
            id="many-rows-returning",
        ),
        pytest.param(
            # A bulk_create mixing objects with and without a pk.
            'INSERT INTO "testapp_author" ("id", "name", "email", "age", "active") '
            "VALUES (DEFAULT, %s, %s, %s, %s), (%s, %s, %s, %s, %s)" + RETURNING_ID,
            ("a", None, None, True, 7, "b", None, None, True),
            [
                {"name": "a", "email": None, "age": None, "active": True},
                {"id": 7, "name": "b", "email": None, "age": None, "active": True},
            ],
            id="default-leaves-the-column-out",
        ),
        pytest.param(
            # Counter.objects.create(key="k", value=1): explicit primary key.
            'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, %s)',
            ("k", 1),
            [{"key": "k", "value": 1}],
            id="no-returning",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, NULL)',
            ("k",),
            [{"key": "k", "value": None}],
            id="null-literal",
        ),
    ],
)
def test_insert(sql, params, documents):
    collection = sql.split('"')[1]
    assert_command(command(sql, params), {"insert": collection, "documents": documents})


COUNTERS = 'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, %s), (%s, %s)'


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            # Counter.objects.bulk_create([...], ignore_conflicts=True)
            COUNTERS + " ON CONFLICT DO NOTHING",
            {
                "insert": "testapp_counter",
                "documents": [{"key": "a", "value": 1}, {"key": "b", "value": 2}],
                "ordered": False,
            },
            id="do-nothing",
        ),
        pytest.param(
            # SQLite's spelling of the same.
            COUNTERS.replace("INSERT", "INSERT OR IGNORE"),
            {
                "insert": "testapp_counter",
                "documents": [{"key": "a", "value": 1}, {"key": "b", "value": 2}],
                "ordered": False,
            },
            id="insert-or-ignore",
        ),
        pytest.param(
            # bulk_create(..., update_conflicts=True, unique_fields=["key"],
            # update_fields=["value"]): one upsert per row.
            COUNTERS + ' ON CONFLICT("key") DO UPDATE SET "value" = EXCLUDED."value"',
            {
                "update": "testapp_counter",
                "updates": [
                    {"q": {"key": "a"}, "u": {"$set": {"value": 1}}, "upsert": True},
                    {"q": {"key": "b"}, "u": {"$set": {"value": 2}}, "upsert": True},
                ],
            },
            id="do-update",
        ),
        pytest.param(
            # Columns that are not updated are set only on insert.
            'INSERT INTO "testapp_author" ("name", "email", "age", "active") '
            "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s) "
            'ON CONFLICT("email") DO UPDATE SET "age" = EXCLUDED."age"',
            {
                "update": "testapp_author",
                "updates": [
                    {
                        "q": {"email": 1},
                        "u": {"$set": {"age": 2}, "$setOnInsert": {"name": "a", "active": True}},
                        "upsert": True,
                    },
                    {
                        "q": {"email": 5},
                        "u": {"$set": {"age": 6}, "$setOnInsert": {"name": "b", "active": False}},
                        "upsert": True,
                    },
                ],
            },
            id="do-update-sets-the-rest-on-insert",
        ),
    ],
)
def test_insert_on_conflict(sql, expected):
    params = ("a", 1, "b", 2) if "counter" in sql else ("a", 1, 2, True, "b", 5, 6, False)
    assert_command(command(sql, params), expected)


def update(collection, q, u):
    return {"update": collection, "updates": [{"q": q, "u": u, "multi": True}]}


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(
            # Author.objects.filter(age__lt=3).update(name="z", active=False)
            f'UPDATE "testapp_author" SET "name" = %s, "active" = %s WHERE {AGE} < %s',
            ("z", False, 3),
            update("testapp_author", {"age": {"$lt": 3}}, {"$set": {"name": "z", "active": False}}),
            id="constants",
        ),
        pytest.param(
            # Author(id=3, name="q").save() on an existing row.
            'UPDATE "testapp_author" SET "name" = %s, "email" = NULL, "age" = NULL, '
            f'"active" = %s WHERE {ID} = %s',
            ("q", True, 3),
            update(
                "testapp_author",
                {"id": 3},
                {"$set": {"name": "q", "email": None, "age": None, "active": True}},
            ),
            id="save-with-null-literals",
        ),
        pytest.param(
            'UPDATE "testapp_author" SET "active" = %s',
            (False,),
            update("testapp_author", {}, {"$set": {"active": False}}),
            id="no-where",
        ),
        pytest.param(
            # Counter.objects.filter(key="k").update(value=F("value") + 1):
            # a pipeline keeps NULL + 1 = NULL where $inc would fail.
            'UPDATE "testapp_counter" SET "value" = ("testapp_counter"."value" + %s) '
            'WHERE "testapp_counter"."key" = %s',
            (1, "k"),
            update(
                "testapp_counter",
                {"key": "k"},
                [{"$set": {"value": {"$add": ["$value", {"$literal": 1}]}}}],
            ),
            id="column-arithmetic-pipeline",
        ),
        pytest.param(
            'UPDATE "testapp_counter" SET "key" = %s, '
            '"value" = ("testapp_counter"."value" * %s) WHERE "testapp_counter"."key" = %s',
            ("k2", 2, "k"),
            update(
                "testapp_counter",
                {"key": "k"},
                [
                    {
                        "$set": {
                            "key": {"$literal": "k2"},
                            "value": {"$multiply": ["$value", {"$literal": 2}]},
                        }
                    }
                ],
            ),
            id="constants-in-a-pipeline-are-literals",
        ),
        pytest.param(
            'UPDATE "testapp_counter" SET "value" = NULL WHERE "testapp_counter"."value" > %s',
            (5,),
            update("testapp_counter", {"value": {"$gt": 5}}, {"$set": {"value": None}}),
            id="set-null",
        ),
        pytest.param(
            # Author.objects.filter(books__pages=1).update(active=False)
            f'UPDATE "testapp_author" SET "active" = %s WHERE {ID} IN '
            '(SELECT U0."id" FROM "testapp_author" U0 INNER JOIN "testapp_book" U1 '
            'ON (U0."id" = U1."author_id") WHERE U1."pages" = %s)',
            (False, 1),
            update("testapp_author", {"id": {"$in": [4, 5]}}, {"$set": {"active": False}}),
            id="where-in-subquery",
        ),
    ],
)
def test_update(sql, params, expected):
    assert_command(command(sql, params, subquery_rows=[(4,), (5,)]), expected)


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(
            'DELETE FROM "testapp_counter" WHERE "testapp_counter"."key" IN (%s, %s)',
            ("a", "b"),
            {
                "delete": "testapp_counter",
                "deletes": [{"q": {"key": {"$in": ["a", "b"]}}, "limit": 0}],
            },
            id="in",
        ),
        pytest.param(
            'DELETE FROM "testapp_counter"',
            (),
            {"delete": "testapp_counter", "deletes": [{"q": {}, "limit": 0}]},
            id="all",
        ),
        pytest.param(
            f'DELETE FROM "testapp_author" WHERE NOT ({AGE} = %s)',
            (3,),
            {
                "delete": "testapp_author",
                "deletes": [{"q": {"age": {"$nin": [3, None]}}, "limit": 0}],
            },
            id="not-keeps-nulls",
        ),
        pytest.param(
            f'DELETE FROM "testapp_author" WHERE {AGE} = %s',
            (None,),
            {
                "delete": "testapp_author",
                "deletes": [{"q": {"$expr": {"$literal": False}}, "limit": 0}],
            },
            id="null-param-deletes-nothing",
        ),
    ],
)
def test_delete(sql, params, expected):
    assert_command(command(sql, params), expected)
