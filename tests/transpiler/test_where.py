"""WHERE clauses → find filters, with SQL's three-valued NULL logic.

Each case is the WHERE clause of ``Author.objects.filter(...)`` as Django
emits it for djongo_app (``SELECT_AUTHORS WHERE ... ORDER BY name``), its
params, and the filter of the find command it must issue. A row whose
column is NULL (or missing) must never match a comparison, and ``NOT``
must not turn "unknown" into "true".
"""

import pytest

from djongo_app.transpiler.cache import compile_sql

from .utils import (
    ACTIVE,
    AGE,
    ID,
    MATCH_NONE,
    NAME,
    ORDER_BY_NAME,
    SELECT_AUTHORS,
    Context,
    assert_command,
    command,
    find_authors,
)

COMPARISONS = [
    pytest.param(f"{NAME} = %s", ("x",), {"name": "x"}, id="eq"),
    pytest.param(f"{AGE} <> %s", (3,), {"age": {"$nin": [3, None]}}, id="ne"),
    pytest.param(f"{AGE} != %s", (3,), {"age": {"$nin": [3, None]}}, id="ne-bang"),
    pytest.param(f"{AGE} < %s", (3,), {"age": {"$lt": 3}}, id="lt"),
    pytest.param(f"{AGE} <= %s", (3,), {"age": {"$lte": 3}}, id="lte"),
    pytest.param(f"{AGE} > %s", (3,), {"age": {"$gt": 3}}, id="gt"),
    pytest.param(f"{AGE} >= %s", (3,), {"age": {"$gte": 3}}, id="gte"),
    pytest.param(f"%s < {AGE}", (3,), {"age": {"$gt": 3}}, id="param-on-the-left"),
    pytest.param(f"%s = {AGE}", (3,), {"age": 3}, id="eq-param-on-the-left"),
    pytest.param(f"{AGE} = 3", (), {"age": 3}, id="integer-literal"),
    pytest.param(f"{AGE} > -3", (), {"age": {"$gt": -3}}, id="negative-literal"),
    pytest.param(f"{NAME} = 'it''s'", (), {"name": "it's"}, id="quoted-quote"),
    pytest.param(f"{NAME} = '50%%'", (), {"name": "50%"}, id="doubled-percent"),
    pytest.param(
        f"{AGE} = ({ID})",
        (),
        {
            "$expr": {
                "$and": [
                    {"$ne": [{"$ifNull": ["$age", None]}, None]},
                    {"$ne": [{"$ifNull": ["$id", None]}, None]},
                    {"$eq": ["$age", "$id"]},
                ]
            }
        },
        id="column-to-column",
    ),
    pytest.param(
        f"{AGE} > ({ID} + %s)",
        (1,),
        {
            "$expr": {
                "$and": [
                    {"$ne": [{"$ifNull": ["$age", None]}, None]},
                    {"$ne": [{"$ifNull": [{"$add": ["$id", {"$literal": 1}]}, None]}, None]},
                    {"$gt": ["$age", {"$add": ["$id", {"$literal": 1}]}]},
                ]
            }
        },
        id="column-to-f-expression",
    ),
]

MEMBERSHIP = [
    pytest.param(f"{AGE} IN (%s, %s)", (1, 2), {"age": {"$in": [1, 2]}}, id="in"),
    pytest.param(f"{AGE} IN (%s)", (1,), {"age": {"$in": [1]}}, id="in-one"),
    pytest.param(f"{AGE} IN (%s, %s)", (1, None), {"age": {"$in": [1]}}, id="in-with-null"),
    pytest.param(f"{AGE} NOT IN (%s, %s)", (1, 2), {"age": {"$nin": [1, 2, None]}}, id="not-in"),
    pytest.param(f"{AGE} NOT IN (%s, %s)", (1, None), MATCH_NONE, id="not-in-with-null"),
    pytest.param(
        # Author.objects.exclude(age__in=[1, 2]): NULL ages are kept.
        f"NOT ({AGE} IN (%s, %s) AND {AGE} IS NOT NULL)",
        (1, 2),
        {"$or": [{"age": {"$nin": [1, 2, None]}}, {"age": {"$eq": None}}]},
        id="django-exclude-in",
    ),
    pytest.param(f"{AGE} IS NULL", (), {"age": {"$eq": None}}, id="is-null"),
    pytest.param(f"{AGE} IS NOT NULL", (), {"age": {"$ne": None}}, id="is-not-null"),
    pytest.param(f"NOT ({AGE} IS NULL)", (), {"age": {"$ne": None}}, id="django-exclude-isnull"),
    pytest.param(
        f"{AGE} BETWEEN %s AND %s",
        (1, 5),
        {"$and": [{"age": {"$gte": 1}}, {"age": {"$lte": 5}}]},
        id="between",
    ),
    pytest.param(
        f"{AGE} NOT BETWEEN %s AND %s",
        (1, 5),
        {"$or": [{"age": {"$lt": 1}}, {"age": {"$gt": 5}}]},
        id="not-between",
    ),
    pytest.param(
        f"NOT ({AGE} BETWEEN %s AND %s)",
        (1, 5),
        {"$or": [{"age": {"$lt": 1}}, {"age": {"$gt": 5}}]},
        id="not-paren-between",
    ),
]

BOOLEANS = [
    # conditional_expression_supported_in_where_clause() is False: Django
    # always compares a boolean column with a parameter.
    pytest.param(f"{ACTIVE} = %s", (True,), {"active": True}, id="is-true"),
    pytest.param(f"{ACTIVE} = %s", (False,), {"active": False}, id="is-false"),
    pytest.param(
        f"NOT ({ACTIVE} = %s)", (True,), {"active": {"$nin": [True, None]}}, id="exclude-true"
    ),
    pytest.param(
        f"({ACTIVE} = %s OR {AGE} IS NULL)",
        (False,),
        {"$or": [{"active": False}, {"age": {"$eq": None}}]},
        id="false-or-null",
    ),
    pytest.param(f"{ACTIVE} = true", (), {"active": True}, id="true-literal"),
]

LOGIC = [
    pytest.param(
        f"{NAME} = %s AND {AGE} > %s",
        ("a", 1),
        {"name": "a", "age": {"$gt": 1}},
        id="and-merges-fields",
    ),
    pytest.param(
        f"{AGE} > %s AND {AGE} < %s",
        (1, 9),
        {"$and": [{"age": {"$gt": 1}}, {"age": {"$lt": 9}}]},
        id="and-same-field",
    ),
    pytest.param(
        f"{NAME} = %s OR {AGE} = %s",
        ("a", 1),
        {"$or": [{"name": "a"}, {"age": 1}]},
        id="or",
    ),
    pytest.param(
        f"{NAME} = %s OR {AGE} = %s AND {ACTIVE} = %s",
        ("a", 1, True),
        {"$or": [{"name": "a"}, {"age": 1, "active": True}]},
        id="and-binds-tighter-than-or",
    ),
    pytest.param(
        # Author.objects.filter(Q(name="a") | Q(age=1), active=True)
        f"(({NAME} = %s OR {AGE} = %s) AND {ACTIVE} = %s)",
        ("a", 1, True),
        {
            "$and": [
                {"$or": [{"name": "a"}, {"age": 1}]},
                {"active": True},
            ]
        },
        id="parenthesised-or",
    ),
    pytest.param(
        f"{ACTIVE} = %s AND ({NAME} = %s OR {AGE} = %s)",
        (True, "a", 1),
        {
            "$and": [
                {"active": True},
                {"$or": [{"name": "a"}, {"age": 1}]},
            ]
        },
        id="and-of-parenthesised-or",
    ),
    pytest.param(
        f"NOT {NAME} = %s AND {AGE} = %s",
        ("a", 1),
        {"name": {"$nin": ["a", None]}, "age": 1},
        id="not-binds-tighter-than-and",
    ),
    pytest.param(
        f"(({NAME} = %s AND {AGE} = %s) OR ({NAME} = %s AND {AGE} = %s))",
        ("a", 1, "b", 2),
        {
            "$or": [
                {"name": "a", "age": 1},
                {"name": "b", "age": 2},
            ]
        },
        id="or-of-ands",
    ),
]

NOT_PUSHED_DOWN = [
    pytest.param(f"NOT ({NAME} = %s)", ("x",), {"name": {"$nin": ["x", None]}}, id="not-eq"),
    pytest.param(f"NOT ({AGE} <> %s)", (3,), {"age": 3}, id="not-ne"),
    pytest.param(f"NOT ({AGE} < %s)", (3,), {"age": {"$gte": 3}}, id="not-lt"),
    pytest.param(f"NOT ({AGE} >= %s)", (3,), {"age": {"$lt": 3}}, id="not-gte"),
    pytest.param(f"NOT ({AGE} IN (%s, %s))", (1, 2), {"age": {"$nin": [1, 2, None]}}, id="not-in"),
    pytest.param(f"NOT ({AGE} IN (%s, %s))", (1, None), MATCH_NONE, id="not-in-null"),
    pytest.param(f"NOT ({AGE} IS NOT NULL)", (), {"age": {"$eq": None}}, id="not-is-not-null"),
    pytest.param(f"NOT NOT ({AGE} = %s)", (1,), {"age": 1}, id="double-not"),
    pytest.param(
        # Author.objects.exclude(name="a", age=1)
        f"NOT ({NAME} = %s AND {AGE} = %s AND {AGE} IS NOT NULL)",
        ("a", 1),
        {
            "$or": [
                {"name": {"$nin": ["a", None]}},
                {"age": {"$nin": [1, None]}},
                {"age": {"$eq": None}},
            ]
        },
        id="de-morgan-and",
    ),
    pytest.param(
        f"NOT ({NAME} = %s OR {AGE} > %s)",
        ("a", 1),
        {"name": {"$nin": ["a", None]}, "age": {"$lte": 1}},
        id="de-morgan-or",
    ),
    pytest.param(
        f"NOT ({AGE} = %s AND NOT ({NAME} = %s))",
        (1, "a"),
        {"$or": [{"age": {"$nin": [1, None]}}, {"name": "a"}]},
        id="nested-not",
    ),
]

NULL_PARAMS = [
    pytest.param(f"{AGE} = %s", (None,), MATCH_NONE, id="eq-null"),
    pytest.param(f"{AGE} <> %s", (None,), MATCH_NONE, id="ne-null"),
    pytest.param(f"{AGE} < %s", (None,), MATCH_NONE, id="lt-null"),
    pytest.param(f"{AGE} >= %s", (None,), MATCH_NONE, id="gte-null"),
    pytest.param(f"NOT ({AGE} = %s)", (None,), MATCH_NONE, id="not-eq-null"),
    pytest.param(f"{AGE} = NULL", (), MATCH_NONE, id="eq-null-literal"),
    pytest.param(f"{AGE} IN (%s, %s)", (None, None), MATCH_NONE, id="in-only-nulls"),
    pytest.param(f"{AGE} BETWEEN %s AND %s", (None, 5), MATCH_NONE, id="between-null"),
    pytest.param(
        # NOT (age >= NULL AND age <= 5) is TRUE exactly when age > 5.
        f"NOT ({AGE} BETWEEN %s AND %s)",
        (None, 5),
        {"age": {"$gt": 5}},
        id="not-between-null",
    ),
    pytest.param(f"{AGE} = %s OR {AGE} = %s", (None, 1), {"age": 1}, id="null-or-x"),
    pytest.param(f"{AGE} = %s AND {NAME} = %s", (None, "a"), MATCH_NONE, id="null-and-x"),
    pytest.param(f"{NAME} LIKE %s ESCAPE '\\'", (None,), MATCH_NONE, id="like-null"),
    pytest.param(f"NOT ({NAME} LIKE %s ESCAPE '\\')", (None,), MATCH_NONE, id="not-like-null"),
    pytest.param(f"{NAME} REGEXP %s", (None,), MATCH_NONE, id="regexp-null"),
]


@pytest.mark.parametrize(
    ("where", "params", "expected"),
    COMPARISONS + MEMBERSHIP + BOOLEANS + LOGIC + NOT_PUSHED_DOWN + NULL_PARAMS,
)
def test_where(where, params, expected):
    sql = f"{SELECT_AUTHORS} WHERE {where}{ORDER_BY_NAME}"
    assert_command(command(sql, params), find_authors(expected))


BOOK_AUTHORS = (
    f'SELECT {ID} AS "id" FROM "testapp_author" WHERE {ID} IN '
    '(SELECT U0."author_id" AS "author_id" FROM "testapp_book" U0 WHERE U0."pages" = %s)'
)
SUBQUERY_COMMAND = {
    "find": "testapp_book",
    "filter": {"pages": 100},
    "projection": {"author_id": 1, "_id": 0},
}


@pytest.mark.parametrize(
    ("sql", "rows", "expected"),
    [
        pytest.param(BOOK_AUTHORS, [(1,), (2,)], {"id": {"$in": [1, 2]}}, id="in"),
        pytest.param(BOOK_AUTHORS, [(1,), (None,)], {"id": {"$in": [1]}}, id="in-null-row"),
        pytest.param(BOOK_AUTHORS, [], MATCH_NONE, id="in-no-rows"),
        pytest.param(
            BOOK_AUTHORS.replace(" IN ", " NOT IN "),
            [(1,), (2,)],
            {"id": {"$nin": [1, 2, None]}},
            id="not-in",
        ),
        pytest.param(
            BOOK_AUTHORS.replace(" IN ", " NOT IN "), [(1,), (None,)], MATCH_NONE, id="not-in-null"
        ),
    ],
)
def test_uncorrelated_in_subquery(sql, rows, expected):
    """The subquery runs first; its values are inlined as constants."""
    ctx = Context((100,), rows)
    actual = compile_sql(sql).command(ctx)
    assert actual == {
        "find": "testapp_author",
        "filter": expected,
        "projection": {"id": 1, "_id": 0},
    }
    assert ctx.subqueries == [SUBQUERY_COMMAND]


# Author.objects.filter(Exists(Book.objects.filter(pages=1))).values("id")
EXISTS = (
    f'SELECT {ID} AS "id" FROM "testapp_author" WHERE EXISTS(SELECT %s AS "a" '
    'FROM "testapp_book" U0 WHERE U0."pages" = %s LIMIT 1) = %s' + ORDER_BY_NAME
)


@pytest.mark.parametrize(
    ("sql", "params", "rows", "expected"),
    [
        pytest.param(EXISTS, (1, 1, True), [(1,)], {}, id="exists-true-rows"),
        pytest.param(EXISTS, (1, 1, True), [], MATCH_NONE, id="exists-true-no-rows"),
        pytest.param(EXISTS, (1, 1, False), [(1,)], MATCH_NONE, id="exists-false-rows"),
        pytest.param(
            f'SELECT {ID} AS "id" FROM "testapp_author" WHERE NOT EXISTS '
            f'(SELECT 1 AS "a" FROM "testapp_book" U0 LIMIT 1){ORDER_BY_NAME}',
            (),
            [],
            {},
            id="not-exists-no-rows",
        ),
    ],
)
def test_uncorrelated_exists(sql, params, rows, expected):
    """EXISTS(...) = %s, Django's explicit boolean form, folds to a constant."""
    assert_command(
        command(sql, params, subquery_rows=rows),
        {
            "find": "testapp_author",
            "filter": expected,
            "projection": {"id": 1, "_id": 0},
            "sort": {"name": 1},
        },
    )
