"""A primary key kept in ``_id`` (transpiler/layout.py): SQL that names the
key column reads and writes ``_id``; other tables and columns are as
written. DB-free: each row compiles SQL for a layout and compares the
MongoDB command."""

import pytest
from django.db import NotSupportedError

from djongo_app.transpiler import catalog
from djongo_app.transpiler import nodes as n
from djongo_app.transpiler.cache import PlanCache, compile_sql
from djongo_app.transpiler.layout import NO_KEYS, KeyLayout, store_keys
from djongo_app.transpiler.parser import parse

from .utils import Context

# testapp_author and testapp_book keep "id" in _id; testapp_tag is an
# older collection with "id" in a field of its own.
LAYOUT = KeyLayout.of({"testapp_author": "id", "testapp_book": "id"}, legacy=["testapp_tag"])


def command(sql, params=(), layout=LAYOUT):
    return compile_sql(sql, layout=layout).command(Context(params))


CASES = [
    pytest.param(
        'SELECT "testapp_author"."id", "testapp_author"."name" FROM "testapp_author" '
        'WHERE "testapp_author"."id" = %s',
        (7,),
        {
            "find": "testapp_author",
            "filter": {"_id": 7},
            "projection": {"_id": 1, "name": 1},
        },
        id="find-by-key",
    ),
    pytest.param(
        'SELECT "testapp_tag"."id" FROM "testapp_tag" WHERE "testapp_tag"."id" = %s',
        (7,),
        {"find": "testapp_tag", "filter": {"id": 7}, "projection": {"id": 1, "_id": 0}},
        id="legacy-table-unchanged",
    ),
    pytest.param(
        'SELECT "testapp_author"."name" FROM "testapp_author" ORDER BY "testapp_author"."id" DESC',
        (),
        {
            "find": "testapp_author",
            "filter": {},
            "projection": {"name": 1, "_id": 0},
            "sort": {"_id": -1},
        },
        id="sort-by-key",
    ),
    pytest.param(
        'UPDATE "testapp_author" SET "name" = %s WHERE "testapp_author"."id" IN (%s, %s)',
        ("x", 1, 2),
        {
            "update": "testapp_author",
            "updates": [
                {"q": {"_id": {"$in": [1, 2]}}, "u": {"$set": {"name": "x"}}, "multi": True}
            ],
        },
        id="update-where-key",
    ),
    pytest.param(
        'DELETE FROM "testapp_author" WHERE "testapp_author"."id" = %s',
        (3,),
        {"delete": "testapp_author", "deletes": [{"q": {"_id": 3}, "limit": 0}]},
        id="delete-by-key",
    ),
    pytest.param(
        'INSERT INTO "testapp_author" ("id", "name") VALUES (%s, %s)',
        (5, "Ann"),
        {"insert": "testapp_author", "documents": [{"_id": 5, "name": "Ann"}]},
        id="insert-explicit-key",
    ),
    pytest.param(
        'SELECT "testapp_book"."title" FROM "testapp_book" WHERE "testapp_book"."author_id" IN '
        '(SELECT U0."id" FROM "testapp_author" U0 WHERE U0."name" = %s)',
        ("Ann",),
        None,
        id="subquery-key-under-an-alias",
    ),
]


def _strip(command):
    return {k: v for k, v in command.items() if k in {"find", "filter", "projection", "sort"}}


@pytest.mark.parametrize(("sql", "params", "expected"), CASES)
def test_commands(sql, params, expected):
    actual = command(sql, params)
    if expected is None:
        return
    if "find" in expected:
        actual = _strip(actual)
    else:
        actual = {k: v for k, v in actual.items() if k in expected}
    assert actual == expected


def test_key_under_an_alias_in_a_subquery_is_renamed():
    sql = CASES[-1].values[0]
    statement = store_keys(parse(sql), LAYOUT)
    inner = statement.where.query
    assert inner.items[0] == n.SelectItem(n.Column("_id", "U0"), "id")
    # The outer foreign key column is not a key: as written.
    assert statement.where.expr == n.Column("author_id", "testapp_book")


def test_join_on_the_key_looks_up_id():
    sql = (
        'SELECT "testapp_book"."title", "testapp_author"."name" FROM "testapp_book" '
        'INNER JOIN "testapp_author" ON ("testapp_book"."author_id" = "testapp_author"."id")'
    )
    statement = store_keys(parse(sql), LAYOUT)
    assert statement.joins[0].on == n.Comparison(
        "=", n.Column("author_id", "testapp_book"), n.Column("_id", "testapp_author")
    )


def test_output_names_stay_the_columns():
    """A selected key keeps its column name: a derived table's columns
    and Django's cursor description see ``id``."""
    statement = store_keys(
        parse(
            'SELECT "testapp_author"."id", "testapp_author"."name" AS "id" '
            'FROM "testapp_author" ORDER BY "id"'
        ),
        LAYOUT,
    )
    assert statement.items[0] == n.SelectItem(n.Column("_id", "testapp_author"), "id")
    # ORDER BY "id" names the output alias first, as the planner reads it.
    assert statement.order_by[0].expr == n.Column("id")


def test_derived_select_star_exposes_the_key():
    statement = store_keys(
        parse('SELECT "sub"."id" FROM (SELECT * FROM "testapp_author") "sub"'), LAYOUT
    )
    assert statement.items[0].expr == n.Column("_id", "sub")


def test_insert_returning_and_conflict_columns():
    statement = store_keys(
        parse(
            'INSERT INTO "testapp_author" ("id", "name") VALUES (%s, %s) '
            'ON CONFLICT("id") DO UPDATE SET "name" = EXCLUDED."name" RETURNING "id"'
        ),
        LAYOUT,
    )
    assert statement.columns == ("_id", "name")
    assert statement.returning == ("_id",)
    assert statement.on_conflict.target == ("_id",)
    assert statement.on_conflict.update == ("name",)


def test_insert_plan_fills_the_key_from_the_counter_under_its_column_name():
    plan = compile_sql(
        'INSERT INTO "testapp_author" ("name") VALUES (%s) RETURNING "testapp_author"."id"',
        layout=LAYOUT,
    )
    assert plan.stored_key == "id"
    assert plan.returning == ("_id",)
    assert plan.counter_column("_id") == "id"


def test_update_of_the_key_is_not_supported():
    with pytest.raises(NotSupportedError, match=r"UPDATE of the primary key 'id'.*UPDATE"):
        compile_sql('UPDATE "testapp_author" SET "id" = %s', layout=LAYOUT)


def test_new_table_follows_the_default():
    """A table the layout does not know yet (not created) follows
    ``default``; a known one its record."""
    layout = KeyLayout.of({}, legacy=["old"], default=lambda table: "pk")
    assert layout.key_of("fresh") == "pk"
    assert layout.key_of("old") is None
    assert layout.path("fresh", "pk") == "_id"
    assert layout.path("fresh", "name") == "name"


def test_plans_are_cached_per_layout():
    cache = PlanCache()
    sql = 'SELECT "testapp_author"."id" FROM "testapp_author"'
    with_key = cache.get(sql, has_params=False, layout=LAYOUT)
    without = cache.get(sql, has_params=False, layout=NO_KEYS)
    assert with_key.command(Context())["projection"] == {"_id": 1}
    assert without.command(Context())["projection"] == {"id": 1, "_id": 0}
    # Equal layouts (another connection's copy) share the plan.
    copy = KeyLayout.of(dict(LAYOUT.keys), legacy=LAYOUT.legacy)
    assert cache.get(sql, has_params=False, layout=copy) is with_key


class _Columns:
    def unique_columns(self, table):
        return frozenset()

    def columns(self, table):
        return frozenset({"id", "name", "email"}) if table == "testapp_author" else None


def test_a_select_of_every_column_reads_whole_documents():
    """Every column of the table's models: no projection (the key read
    from _id counts as its column); fewer: a projection."""
    installed = catalog._catalog
    catalog.install(_Columns())
    try:
        every = command(
            'SELECT "testapp_author"."id", "testapp_author"."name", "testapp_author"."email" '
            'FROM "testapp_author" WHERE "testapp_author"."id" = %s',
            (1,),
        )
        fewer = command(
            'SELECT "testapp_author"."id", "testapp_author"."name" FROM "testapp_author" '
            'WHERE "testapp_author"."id" = %s',
            (1,),
        )
        unknown = command('SELECT "testapp_tag"."id" FROM "testapp_tag"')
    finally:
        catalog.install(installed)
    assert "projection" not in every
    assert every["filter"] == {"_id": 1}
    assert fewer["projection"] == {"_id": 1, "name": 1}
    assert unknown["projection"] == {"id": 1, "_id": 0}


def test_layouts_with_other_defaults_do_not_share_plans():
    """Two databases, one with KEY_IN_ID False: a table neither has yet
    is planned for each one's default."""
    cache = PlanCache()
    sql = 'INSERT INTO "fresh" ("name") VALUES (%s) RETURNING "fresh"."id"'
    in_id = cache.get(sql, layout=KeyLayout.of({}, default=lambda table: "id"))
    own_field = cache.get(sql, layout=NO_KEYS)
    assert (in_id.stored_key, own_field.stored_key) == ("id", None)
