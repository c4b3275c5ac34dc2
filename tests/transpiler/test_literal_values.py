"""A user's value is data, never a query operator or a field path.

In a query filter an equality with a document is ``{"$eq": value}``
(scalars are compared as ``{"a": value}``), so a dict such as
``{"$gt": ""}`` cannot become an operator; in an aggregation expression a
parameter is wrapped in ``$literal``, so a string such as ``"$name"``
cannot be read as a field path.
"""

import pytest

from .utils import AGE, ID, NAME, assert_command, command

OPERATOR = {"$gt": ""}
WHERE = "$where"
FIELD_PATH = "$name"


def find_ids(filter):
    return {"find": "testapp_author", "filter": filter, "projection": {"id": 1, "_id": 0}}


def expr_eq(lhs, rhs):
    """Return ``lhs = rhs`` as $expr: not TRUE when a non-constant is null."""
    guards = [
        {"$ne": [{"$ifNull": [side, None]}, None]}
        for side in (lhs, rhs)
        if not (isinstance(side, dict) and "$literal" in side)
    ]
    return {"$expr": {"$and": [*guards, {"$eq": [lhs, rhs]}]}}


SELECT_IDS = f'SELECT {ID} FROM "testapp_author" WHERE '


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(
            SELECT_IDS + f"{NAME} = %s",
            (OPERATOR,),
            find_ids({"name": {"$eq": OPERATOR}}),
            id="operator-dict-in-eq",
        ),
        pytest.param(
            SELECT_IDS + f"{NAME} = %s",
            (WHERE,),
            find_ids({"name": WHERE}),
            id="where-string-in-eq",
        ),
        pytest.param(
            SELECT_IDS + f"NOT ({NAME} = %s)",
            (OPERATOR,),
            find_ids({"name": {"$nin": [OPERATOR, None]}}),
            id="operator-dict-in-ne",
        ),
        pytest.param(
            SELECT_IDS + f"{NAME} IN (%s, %s)",
            (OPERATOR, WHERE),
            find_ids({"name": {"$in": [OPERATOR, WHERE]}}),
            id="in-list",
        ),
        pytest.param(
            SELECT_IDS + f"{NAME} LIKE %s ESCAPE '\\'",
            ("%$where%",),
            find_ids({"name": {"$regex": "\\$where", "$options": "s"}}),
            id="like",
        ),
        pytest.param(
            SELECT_IDS + f"{AGE} = ({ID} + %s)",
            (FIELD_PATH,),
            find_ids(expr_eq("$age", {"$add": ["$id", {"$literal": FIELD_PATH}]})),
            id="field-path-in-expression",
        ),
        pytest.param(
            SELECT_IDS + f"LOWER({NAME}) = %s",
            (OPERATOR,),
            find_ids(
                expr_eq(
                    {
                        "$cond": [
                            {"$eq": [{"$ifNull": ["$name", None]}, None]},
                            None,
                            {"$toLower": "$name"},
                        ]
                    },
                    {"$literal": OPERATOR},
                )
            ),
            id="operator-dict-in-expression",
        ),
        pytest.param(
            f'SELECT %s AS "x", {ID} FROM "testapp_author"',
            (FIELD_PATH,),
            # The selected parameter never reaches the server: the find's row
            # builder returns it as it was given.
            {"find": "testapp_author", "filter": {}, "projection": {"id": 1, "_id": 0}},
            id="selected-param",
        ),
        pytest.param(
            'INSERT INTO "testapp_author" ("name", "email", "age", "active") '
            'VALUES (%s, %s, %s, %s) RETURNING "testapp_author"."id"',
            (OPERATOR, WHERE, None, True),
            {
                "insert": "testapp_author",
                "documents": [{"name": OPERATOR, "email": WHERE, "age": None, "active": True}],
            },
            id="insert",
        ),
        pytest.param(
            f'UPDATE "testapp_author" SET "name" = %s WHERE {ID} = %s',
            (FIELD_PATH, 1),
            {
                "update": "testapp_author",
                "updates": [{"q": {"id": 1}, "u": {"$set": {"name": FIELD_PATH}}, "multi": True}],
            },
            id="update-set",
        ),
        pytest.param(
            f'UPDATE "testapp_author" SET "name" = %s, "age" = ({AGE} - %s) WHERE {ID} = %s',
            (OPERATOR, FIELD_PATH, 1),
            {
                "update": "testapp_author",
                "updates": [
                    {
                        "q": {"id": 1},
                        "u": [
                            {
                                "$set": {
                                    "name": {"$literal": OPERATOR},
                                    "age": {"$subtract": ["$age", {"$literal": FIELD_PATH}]},
                                }
                            }
                        ],
                        "multi": True,
                    }
                ],
            },
            id="update-pipeline",
        ),
    ],
)
def test_user_value_stays_literal(sql, params, expected):
    assert_command(command(sql, params), expected)
