"""SELECT statements → find, count and aggregate commands.

A SELECT of plain columns from one collection is a ``find``; ``COUNT(*)``
alone is a ``count``; joins and GROUP BY are aggregation pipelines whose
base-table ``$match`` comes before any ``$lookup``.
"""

import pytest

from djongo_app.transpiler import compile_sql
from djongo_app.transpiler.joins import KEY_LIMIT

from .utils import (
    AGE,
    AUTHOR_PROJECTION,
    ID,
    NAME,
    ORDER_BY_NAME,
    SELECT_AUTHORS,
    Context,
    assert_command,
    command,
)


def find(filter=None, projection=AUTHOR_PROJECTION, **options):
    return {"find": "testapp_author", "filter": filter or {}, "projection": projection, **options}


def as_number(path):
    """A CAST to an integer reads numbers out of strings first."""
    return {"$cond": [{"$isNumber": path}, path, {"$toDouble": path}]}


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(SELECT_AUTHORS, (), find(), id="all-unordered"),
        pytest.param(SELECT_AUTHORS + ORDER_BY_NAME, (), find(sort={"name": 1}), id="ordered"),
        pytest.param(
            f"{SELECT_AUTHORS} ORDER BY {AGE} DESC, {NAME} ASC, {ID} ASC",
            (),
            find(sort={"age": -1, "name": 1, "id": 1}),
            id="order-by-three-keys",
        ),
        pytest.param(
            f"{SELECT_AUTHORS} ORDER BY {NAME} DESC, {AGE} ASC",
            (),
            find(sort={"name": -1, "age": 1}),
            id="order-by-desc-then-asc",
        ),
        pytest.param(
            f'{SELECT_AUTHORS} ORDER BY {NAME} ASC, "testapp_author"."id"',
            (),
            find(sort={"name": 1, "id": 1}),
            id="order-by-default-direction",
        ),
        pytest.param(
            # Author.objects.all()[5:15]
            f"{SELECT_AUTHORS}{ORDER_BY_NAME} LIMIT 10 OFFSET 5",
            (),
            find(sort={"name": 1}, skip=5, limit=10),
            id="limit-offset",
        ),
        pytest.param(
            # Author.objects.get(...) fetches at most MAX_GET_RESULTS + 1.
            f"{SELECT_AUTHORS} WHERE {NAME} = %s LIMIT 21",
            ("a",),
            find({"name": "a"}, limit=21),
            id="get",
        ),
        pytest.param(
            f"{SELECT_AUTHORS} OFFSET 5",
            (),
            find(skip=5),
            id="offset-only",
        ),
        pytest.param(
            # values_list("name", flat=True): ORDER BY a select position.
            f'SELECT {NAME} AS "name" FROM "testapp_author" ORDER BY 1 ASC',
            (),
            find(projection={"name": 1, "_id": 0}, sort={"name": 1}),
            id="order-by-position",
        ),
        pytest.param(
            f'SELECT {ID} AS "id", {NAME} AS "name" FROM "testapp_author" ORDER BY "name" DESC',
            (),
            find(projection={"id": 1, "name": 1, "_id": 0}, sort={"name": -1}),
            id="order-by-alias",
        ),
    ],
)
def test_find(sql, params, expected):
    assert_command(command(sql, params), expected)


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(
            # Author.objects.filter(age__gt=1).count()
            f'SELECT COUNT(*) AS "__count" FROM "testapp_author" WHERE {AGE} > %s',
            (1,),
            {"count": "testapp_author", "query": {"age": {"$gt": 1}}},
            id="count-filtered",
        ),
        pytest.param(
            'SELECT COUNT(*) AS "__count" FROM "testapp_author"',
            (),
            {"count": "testapp_author", "query": {}},
            id="count-all",
        ),
        pytest.param(
            f'SELECT 1 AS "a" FROM "testapp_author" WHERE {AGE} = %s LIMIT 1',
            (1,),
            find({"age": 1}, projection={"_id": 1}, limit=1),
            id="exists-literal",
        ),
        pytest.param(
            # Author.objects.filter(age=1).exists() in Django 5.2: the
            # constant is a parameter; the plan should still be a find
            # that reads nothing but _id.
            f'SELECT %s AS "a" FROM "testapp_author" WHERE {AGE} = %s LIMIT 1',
            (1, 1),
            find({"age": 1}, projection={"_id": 1}, limit=1),
            id="exists-django",
        ),
    ],
)
def test_count_and_exists(sql, params, expected):
    assert_command(command(sql, params), expected)


BOOK = '"testapp_book"'
BOOK_COLUMNS = f'{BOOK}."id", {BOOK}."title"'
INNER_JOIN_AUTHOR = f'INNER JOIN "testapp_author" ON ({BOOK}."author_id" = {ID})'
LEFT_JOIN_EDITOR = f'LEFT OUTER JOIN "testapp_author" ON ({BOOK}."editor_id" = {ID})'
JOINED = "__join__testapp_author"


# $lookup would match a NULL (or missing) local value to joined documents
# whose "id" is NULL or missing; only a joined _id is never NULL (issue 10).
ID_GUARD = {"id": {"$ne": None}}


# The author columns these statements read: the lookup fetches only them.
AUTHOR_READ = {"$project": {"id": 1, "name": 1, "_id": 0}}


def lookup(local, match=None):
    """The $lookup of the author; ``match`` adds to its NULL guard."""
    spec = {"from": "testapp_author", "localField": local, "foreignField": "id", "as": JOINED}
    spec["pipeline"] = [{"$match": {**ID_GUARD, **(match or {})}}, AUTHOR_READ]
    return {"$lookup": spec}


def unwind(preserve):
    return {"$unwind": {"path": "$" + JOINED, "preserveNullAndEmptyArrays": preserve}}


BOOK_OUTPUT = {"$project": {"_id": 0, "c0": "$id", "c1": "$title"}}


@pytest.mark.parametrize(
    ("sql", "params", "pipeline"),
    [
        pytest.param(
            # Book.objects.select_related("author").filter(author__name="x",
            # pages__gt=10): the books whose author_id is among the keys of
            # the matching authors, then the join for the author's columns.
            f"SELECT {BOOK_COLUMNS}, {NAME} FROM {BOOK} {INNER_JOIN_AUTHOR} "
            f'WHERE ({NAME} = %s AND {BOOK}."pages" > %s)',
            ("x", 10),
            [
                {"$match": {"author_id": {"$in": [7]}, "pages": {"$gt": 10}}},
                lookup("author_id", {"name": "x"}),
                unwind(False),
                {"$project": {"_id": 0, "c0": "$id", "c1": "$title", "c2": f"${JOINED}.name"}},
            ],
            id="inner-join-match-first",
        ),
        pytest.param(
            f"SELECT {BOOK_COLUMNS} FROM {BOOK} {INNER_JOIN_AUTHOR} "
            f'WHERE ({NAME} = %s OR {BOOK}."pages" = %s)',
            ("x", 1),
            [
                lookup("author_id"),
                unwind(False),
                {"$match": {"$or": [{f"{JOINED}.name": "x"}, {"pages": 1}]}},
                BOOK_OUTPUT,
            ],
            id="inner-join-or-across-tables",
        ),
        pytest.param(
            # Book.objects.select_related("editor").filter(pages__gt=1)
            f"SELECT {BOOK_COLUMNS}, {ID}, {NAME} FROM {BOOK} {LEFT_JOIN_EDITOR} "
            f'WHERE {BOOK}."pages" > %s',
            (1,),
            [
                {"$match": {"pages": {"$gt": 1}}},
                lookup("editor_id"),
                unwind(True),
                {
                    "$project": {
                        "_id": 0,
                        "c0": "$id",
                        "c1": "$title",
                        "c2": f"${JOINED}.id",
                        "c3": f"${JOINED}.name",
                    }
                },
            ],
            id="left-join-select-related",
        ),
        pytest.param(
            # A condition on the outer-joined side filters after $unwind:
            # inside the $lookup it would keep the book with a null editor.
            f"SELECT {BOOK_COLUMNS} FROM {BOOK} {LEFT_JOIN_EDITOR} "
            f'WHERE ({BOOK}."pages" > %s AND {NAME} = %s)',
            (1, "x"),
            [
                {"$match": {"pages": {"$gt": 1}}},
                lookup("editor_id"),
                unwind(True),
                {"$match": {f"{JOINED}.name": "x"}},
                BOOK_OUTPUT,
            ],
            id="left-join-condition-after-unwind",
        ),
        pytest.param(
            # Book.objects.filter(Q(editor__name="x") | Q(pages=1))
            f"SELECT {BOOK_COLUMNS} FROM {BOOK} {LEFT_JOIN_EDITOR} "
            f'WHERE ({NAME} = %s OR {BOOK}."pages" = %s)',
            ("x", 1),
            [
                lookup("editor_id"),
                unwind(True),
                {"$match": {"$or": [{f"{JOINED}.name": "x"}, {"pages": 1}]}},
                BOOK_OUTPUT,
            ],
            id="left-join-or",
        ),
        pytest.param(
            f"SELECT {BOOK_COLUMNS} FROM {BOOK} {LEFT_JOIN_EDITOR} WHERE {NAME} IS NULL",
            (),
            [
                lookup("editor_id"),
                unwind(True),
                {"$match": {f"{JOINED}.name": {"$eq": None}}},
                BOOK_OUTPUT,
            ],
            id="left-join-is-null",
        ),
        pytest.param(
            f"SELECT {BOOK_COLUMNS} FROM {BOOK} {INNER_JOIN_AUTHOR} "
            f'WHERE {BOOK}."pages" > %s ORDER BY {NAME} DESC, {BOOK}."id" ASC LIMIT 5 OFFSET 10',
            (1,),
            [
                {"$match": {"pages": {"$gt": 1}}},
                lookup("author_id"),
                unwind(False),
                {"$project": {"_id": 0, "c0": "$id", "c1": "$title", "o0": f"${JOINED}.name"}},
                {"$sort": {"o0": -1, "c0": 1}},
                {"$skip": 10},
                {"$limit": 5},
            ],
            id="join-order-skip-limit",
        ),
    ],
)
def test_join(sql, params, pipeline):
    assert_command(
        command(sql, params, subquery_rows=[(7,)]),
        {"aggregate": "testapp_book", "pipeline": pipeline},
    )


AUTHOR_KEYS = {
    "find": "testapp_author",
    "filter": {"name": "x"},
    "projection": {"id": 1, "_id": 0},
    "limit": KEY_LIMIT + 1,
}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            # Book.objects.filter(author__name="x", pages__gt=10): the join
            # to a unique key only filters, so it becomes the keys of the
            # matching authors and the books are one find on author_id.
            f"SELECT {BOOK_COLUMNS} FROM {BOOK} {INNER_JOIN_AUTHOR} "
            f'WHERE ({NAME} = %s AND {BOOK}."pages" > %s) ORDER BY {BOOK}."id" DESC LIMIT 20',
            {
                "find": "testapp_book",
                "filter": {"author_id": {"$in": [7, 9]}, "pages": {"$gt": 10}},
                "projection": {"id": 1, "title": 1, "_id": 0},
                "sort": {"id": -1},
                "limit": 20,
            },
            id="filter-only-join-is-a-find",
        ),
        pytest.param(
            # Book.objects.filter(author__name="x", pages__gt=10).count()
            f'SELECT COUNT(*) AS "__count" FROM {BOOK} {INNER_JOIN_AUTHOR} '
            f'WHERE ({NAME} = %s AND {BOOK}."pages" > %s)',
            {
                "count": "testapp_book",
                "query": {"author_id": {"$in": [7, 9]}, "pages": {"$gt": 10}},
            },
            id="filter-only-join-count",
        ),
    ],
)
def test_filter_only_join(sql, expected):
    """A join to a unique key that only filters runs as the joined keys
    first and an $in on the base collection (issue 14)."""
    context = Context(("x", 10), [(7,), (9,), (None,)])
    plan = compile_sql(sql)
    assert_command(plan.command(context), expected)
    assert context.subqueries == [AUTHOR_KEYS]


def test_too_many_join_keys_run_the_join():
    """Past KEY_LIMIT keys the statement runs with its join (issue 14)."""
    sql = (
        f"SELECT {BOOK_COLUMNS} FROM {BOOK} {INNER_JOIN_AUTHOR} "
        f'WHERE ({NAME} = %s AND {BOOK}."pages" > %s)'
    )
    rows = [(i,) for i in range(KEY_LIMIT + 1)]
    assert_command(
        command(sql, ("x", 10), subquery_rows=rows),
        {
            "aggregate": "testapp_book",
            "pipeline": [
                {"$match": {"pages": {"$gt": 10}}},
                lookup("author_id", {"name": "x"}),
                unwind(False),
                BOOK_OUTPUT,
            ],
        },
    )


M2M_SQL = (
    'SELECT "e"."id" FROM "e" '
    'INNER JOIN "e_authors" ON ("e"."id" = "e_authors"."entry_id") '
    'INNER JOIN "testapp_author" ON ("e_authors"."author_id" = "testapp_author"."id") '
    'WHERE "testapp_author"."name" = %s'
)
# The key queries of a many-to-many filter: the matching authors' keys,
# then the entries' keys of the through rows of those authors.
M2M_KEY_QUERIES = [
    {
        "find": "testapp_author",
        "filter": {"name": "x"},
        "projection": {"id": 1, "_id": 0},
        "limit": KEY_LIMIT + 1,
    },
    {
        "find": "e_authors",
        "filter": {"author_id": {"$in": [3]}},
        "projection": {"entry_id": 1, "_id": 0},
        "limit": KEY_LIMIT + 1,
    },
]


def test_many_to_many_filter_with_distinct_keys_is_a_find():
    """Entry.objects.filter(authors__name="x") where no entry key repeats
    among the through rows: each entry matches one through row, so the
    joins go and the entries are one find. Each key query runs once
    (issue 14)."""
    context = Context(("x",), [(3,)])
    assert compile_sql(M2M_SQL).command(context) == {
        "find": "e",
        "filter": {"id": {"$in": [3]}},
        "projection": {"id": 1, "_id": 0},
    }
    assert context.subqueries == M2M_KEY_QUERIES


def test_many_to_many_filter_with_repeated_keys_keeps_its_join():
    """The same where an entry key repeats (an entry matching twice is two
    rows): the through table's join stays, after an $in of the entries
    that can match."""
    context = Context(("x",), [(3,), (3,)])
    pipeline = compile_sql(M2M_SQL).command(context)["pipeline"]
    # The author join only filters: its keys go into the through lookup.
    assert pipeline == [
        {"$match": {"id": {"$in": [3, 3]}}},
        {
            "$lookup": {
                "from": "e_authors",
                "localField": "id",
                "foreignField": "entry_id",
                "as": "__join__e_authors",
                "pipeline": [
                    {"$match": {"entry_id": {"$ne": None}, "author_id": {"$in": [3, 3]}}},
                    {"$project": {"author_id": 1, "entry_id": 1, "_id": 0}},
                ],
            }
        },
        {"$unwind": {"path": "$__join__e_authors", "preserveNullAndEmptyArrays": False}},
        {"$project": {"_id": 0, "c0": "$id"}},
    ]
    # The plan without the join ran the key queries first; the plan with
    # it reads the same ones, which run once per statement.
    assert [query["find"] for query in context.subqueries] == ["testapp_author", "e_authors"]


def count_not_null(path):
    return {"$sum": {"$cond": [{"$eq": [{"$ifNull": [path, None]}, None]}, 0, 1]}}


# SUM is NULL, not 0, over a group without a non-NULL value.
SUM_AGE = {"$sum": "$age"}
SUM_AGE_COUNT = count_not_null("$age")
SUM_AGE_NULL = {"$set": {"a1": {"$cond": [{"$eq": ["$a1_n", 0]}, None, "$a1"]}}}


@pytest.mark.parametrize(
    ("sql", "params", "pipeline"),
    [
        pytest.param(
            # Author.objects.values("active").annotate(n=Count("id"), s=Sum("age"))
            f'SELECT "testapp_author"."active" AS "active", COUNT({ID}) AS "n", '
            f'SUM({AGE}) AS "s" FROM "testapp_author" GROUP BY "testapp_author"."active"',
            (),
            [
                {
                    "$group": {
                        "_id": {"g0": {"$ifNull": ["$active", None]}},
                        "a0": count_not_null("$id"),
                        "a1": SUM_AGE,
                        "a1_n": SUM_AGE_COUNT,
                    }
                },
                SUM_AGE_NULL,
                {"$project": {"_id": 0, "c0": "$_id.g0", "c1": "$a0", "c2": "$a1"}},
            ],
            id="group-by-count-sum",
        ),
        pytest.param(
            f'SELECT "testapp_author"."active" AS "active", COUNT({ID}) AS "n" '
            f'FROM "testapp_author" WHERE {AGE} > %s GROUP BY "testapp_author"."active" '
            f"HAVING COUNT({ID}) > %s",
            (18, 1),
            [
                {"$match": {"age": {"$gt": 18}}},
                {
                    "$group": {
                        "_id": {"g0": {"$ifNull": ["$active", None]}},
                        "a0": count_not_null("$id"),
                    }
                },
                {
                    "$match": {
                        "$expr": {
                            "$and": [
                                {"$ne": [{"$ifNull": ["$a0", None]}, None]},
                                {"$gt": ["$a0", {"$literal": 1}]},
                            ]
                        }
                    }
                },
                {"$project": {"_id": 0, "c0": "$_id.g0", "c1": "$a0"}},
            ],
            id="where-group-by-having",
        ),
        pytest.param(
            'SELECT "testapp_author"."active" AS "active", COUNT(*) AS "n" '
            'FROM "testapp_author" GROUP BY "testapp_author"."active" ORDER BY "n" DESC',
            (),
            [
                {"$group": {"_id": {"g0": {"$ifNull": ["$active", None]}}, "a0": {"$sum": 1}}},
                {"$project": {"_id": 0, "c0": "$_id.g0", "c1": "$a0"}},
                {"$sort": {"c1": -1}},
            ],
            id="group-by-order-by-aggregate-alias",
        ),
        pytest.param(
            # Author.objects.annotate(n=Count("books")): the LEFT JOIN keeps
            # authors without books, COUNT of the joined id gives them 0.
            f'SELECT {ID}, {NAME}, COUNT("testapp_book"."id") AS "n" FROM "testapp_author" '
            f'LEFT OUTER JOIN "testapp_book" ON ({ID} = "testapp_book"."author_id") '
            f"GROUP BY {ID}, {NAME}{ORDER_BY_NAME}",
            (),
            [
                {
                    "$lookup": {
                        "from": "testapp_book",
                        "localField": "id",
                        "foreignField": "author_id",
                        "as": "__join__testapp_book",
                        "pipeline": [
                            {"$match": {"author_id": {"$ne": None}}},
                            # Only the columns the statement reads.
                            {"$project": {"author_id": 1, "id": 1, "_id": 0}},
                        ],
                    }
                },
                {
                    "$unwind": {
                        "path": "$__join__testapp_book",
                        "preserveNullAndEmptyArrays": True,
                    }
                },
                {
                    "$group": {
                        "_id": {
                            "g0": {"$ifNull": ["$id", None]},
                            "g1": {"$ifNull": ["$name", None]},
                        },
                        "a0": count_not_null("$__join__testapp_book.id"),
                    }
                },
                {"$project": {"_id": 0, "c0": "$_id.g0", "c1": "$_id.g1", "c2": "$a0"}},
                {"$sort": {"c1": 1}},
            ],
            id="annotate-count-of-relation",
        ),
        pytest.param(
            # Author.objects.aggregate(n=Count("id"), s=Sum("age")): the plan
            # itself makes the one row an empty collection gives (see
            # test_scalar_aggregate_row_over_no_input).
            f'SELECT COUNT({ID}) AS "n", SUM({AGE}) AS "s" FROM "testapp_author"',
            (),
            [
                {
                    "$group": {
                        "_id": None,
                        "a0": count_not_null("$id"),
                        "a1": SUM_AGE,
                        "a1_n": SUM_AGE_COUNT,
                    }
                },
                SUM_AGE_NULL,
                {"$project": {"_id": 0, "c0": "$a0", "c1": "$a1"}},
            ],
            id="aggregate-without-group-by",
        ),
        pytest.param(
            'SELECT DISTINCT "testapp_author"."active" AS "active" FROM "testapp_author"',
            (),
            [
                {"$project": {"_id": 0, "c0": "$active"}},
                {"$group": {"_id": {"c0": {"$ifNull": ["$c0", None]}}}},
                {"$replaceWith": "$_id"},
            ],
            id="distinct",
        ),
    ],
)
def test_group_by(sql, params, pipeline):
    assert_command(command(sql, params), {"aggregate": "testapp_author", "pipeline": pipeline})


def project(expression):
    return {
        "aggregate": "testapp_author",
        "pipeline": [{"$project": {"_id": 0, "c0": expression}}],
    }


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(
            # Cast("age", TextField()): the type is DatabaseWrapper.data_types'.
            f'SELECT CAST({AGE} AS string) AS "x" FROM "testapp_author"',
            (),
            project({"$convert": {"input": "$age", "to": "string"}}),
            id="cast-string",
        ),
        pytest.param(
            f'SELECT CAST({NAME} AS int) AS "x" FROM "testapp_author"',
            (),
            project({"$convert": {"input": {"$trunc": as_number("$name")}, "to": "long"}}),
            id="cast-int",
        ),
        pytest.param(
            f'SELECT CAST({AGE} AS long) AS "x" FROM "testapp_author"',
            (),
            project({"$convert": {"input": {"$trunc": as_number("$age")}, "to": "long"}}),
            id="cast-long",
        ),
        pytest.param(
            f'SELECT CAST({AGE} AS double) AS "x" FROM "testapp_author"',
            (),
            project({"$convert": {"input": "$age", "to": "double"}}),
            id="cast-double",
        ),
        pytest.param(
            f'SELECT CAST({NAME} AS date) AS "x" FROM "testapp_author"',
            (),
            project({"$convert": {"input": "$name", "to": "date"}}),
            id="cast-date",
        ),
        pytest.param(
            # Coalesce("age", 0)
            f'SELECT COALESCE({AGE}, %s) AS "u" FROM "testapp_author"',
            (0,),
            project({"$ifNull": ["$age", {"$literal": 0}]}),
            id="coalesce",
        ),
        pytest.param(
            f'SELECT ({AGE} * %s) AS "x" FROM "testapp_author"',
            (2,),
            project({"$multiply": ["$age", {"$literal": 2}]}),
            id="arithmetic",
        ),
    ],
)
def test_computed_column(sql, params, expected):
    assert_command(command(sql, params), expected)


def test_for_update_reads_like_a_plain_select():
    """FOR UPDATE takes no lock (write conflicts protect updates instead)."""
    plain = 'SELECT "testapp_author"."id" FROM "testapp_author" WHERE "testapp_author"."age" = %s'
    assert_command(command(plain + " FOR UPDATE", (3,)), command(plain, (3,)))


def test_scalar_aggregate_row_over_no_input():
    """Top level: the accumulators' empty values go through the stages after
    the $group; nested (a derived table), a $facet gives the row instead."""
    plan = compile_sql(f'SELECT COUNT({ID}) AS "n", SUM({AGE}) AS "s" FROM "testapp_author"')
    empty_document, after_group = plan.empty_result
    assert empty_document == {"a0": 0, "a1": None}
    assert [stage(Context((), ())) for stage in after_group] == [
        {"$project": {"_id": 0, "c0": "$a0", "c1": "$a1"}}
    ]
    nested = command(
        f'SELECT SUM("c") FROM (SELECT COUNT({ID}) AS "c" FROM "testapp_author") subquery'
    )
    assert [next(iter(stage)) for stage in nested["pipeline"]] == [
        "$facet",
        "$replaceWith",
        "$project",
        "$group",
        "$set",
        "$project",
    ]


def lookup_guards(sql):
    """The NULL guard of each $lookup of ``sql``: its first $match, or None."""
    guards = []
    for stage in command(sql)["pipeline"]:
        if "$lookup" in stage:
            pipeline = stage["$lookup"].get("pipeline", [])
            guards.append(pipeline[0].get("$match") if pipeline else None)
    return guards


@pytest.mark.parametrize(
    ("joins", "guards"),
    [
        pytest.param(
            # Author → Book → Review: the book row may be missing, so its
            # "id" may be too, whatever the column is called.
            'LEFT OUTER JOIN "b" ON ("a"."id" = "b"."author_id") '
            'LEFT OUTER JOIN "r" ON ("b"."id" = "r"."book_id")',
            [{"author_id": {"$ne": None}}, {"book_id": {"$ne": None}}],
            id="chained-left-joins",
        ),
        pytest.param(
            # The joined side's _id is never NULL: nothing to guard.
            'INNER JOIN "b" ON ("a"."b_id" = "b"."_id")',
            [None],
            id="joined-object-id",
        ),
        pytest.param(
            # A base _id is never NULL, a LEFT-joined row's _id may be missing.
            'LEFT OUTER JOIN "b" ON ("a"."_id" = "b"."a_id") '
            'LEFT OUTER JOIN "c" ON ("b"."_id" = "c"."b_id")',
            [None, {"b_id": {"$ne": None}}],
            id="object-ids-of-present-and-missing-rows",
        ),
        pytest.param(
            'INNER JOIN "b" ON ("a"."editor_id" = "b"."id")',
            [{"id": {"$ne": None}}],
            id="nullable-local-to-id",
        ),
    ],
)
def test_join_null_guards_follow_the_source_rows(joins, guards):
    """$lookup matches a missing or null local value to joined documents
    whose key is missing or null; each join's guard follows from whether its
    local row can be missing and its joined key be NULL (issue 10)."""
    assert lookup_guards(f'SELECT "a"."x" FROM "a" {joins}') == guards
