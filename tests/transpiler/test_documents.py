"""The dialect of embedded documents and arrays (djongo_app/fields) → MongoDB.

Each case is SQL as Django emits it for the fields of djongo_app.fields on
``Entry`` (dotted columns, ``ARRAY_*`` functions, ``DJ_TWO_VALUED``), its
params, and the command it must issue. No server is involved.
"""

import pytest

from .utils import MATCH_NONE, assert_command, command

ENTRY = '"testapp_entry"'
SELECT = f'SELECT "testapp_entry"."id" FROM {ENTRY}'
PROJECTION = {"id": 1, "_id": 0}


def find(filter, projection=PROJECTION):
    return {"find": "testapp_entry", "filter": filter, "projection": projection}


FILTERS = [
    pytest.param('"testapp_entry"."blog.name" = %s', ("x",), {"blog.name": "x"}, id="path"),
    pytest.param(
        'DJ_TWO_VALUED("testapp_entry"."blog.address.city" = %s)',
        ("Oslo",),
        {"blog.address.city": "Oslo"},
        id="two-valued-keeps-the-index-friendly-filter",
    ),
    pytest.param(
        'NOT (DJ_TWO_VALUED("testapp_entry"."contributors.name" = %s))',
        ("Bob",),
        {"$nor": [{"contributors.name": "Bob"}]},
        id="two-valued-negation-matches-missing-keys",
    ),
    pytest.param(
        'NOT ("testapp_entry"."contributors.name" = %s)',
        ("Bob",),
        {"contributors.name": {"$nin": ["Bob", None]}},
        id="three-valued-negation-for-comparison",
    ),
    pytest.param(
        'ARRAY_OVERLAP("testapp_entry"."tags", %s)',
        (["a", None, "b"],),
        {"tags": {"$in": ["a", "b"]}},
        id="overlap",
    ),
    pytest.param('ARRAY_OVERLAP("testapp_entry"."tags", %s)', ([],), MATCH_NONE, id="overlap-none"),
    pytest.param(
        'NOT (ARRAY_OVERLAP("testapp_entry"."tags", %s))',
        (["a"],),
        {"$and": [{"tags": {"$ne": None}}, {"tags": {"$nin": ["a"]}}]},
        id="not-overlap",
    ),
    pytest.param(
        'JSON_CONTAINS("testapp_entry"."tags", %s)',
        (["a", "b"],),
        {"$and": [{"tags": {"$type": "array"}}, {"tags": "a"}, {"tags": "b"}]},
        id="contains",
    ),
    pytest.param(
        'ARRAY_LENGTH("testapp_entry"."tags") = %s',
        (2,),
        {
            "$expr": {
                "$and": [
                    {
                        "$ne": [
                            {
                                "$ifNull": [
                                    {
                                        "$cond": [
                                            {"$isArray": "$tags"},
                                            {"$size": "$tags"},
                                            None,
                                        ]
                                    },
                                    None,
                                ]
                            },
                            None,
                        ]
                    },
                    {
                        "$eq": [
                            {"$cond": [{"$isArray": "$tags"}, {"$size": "$tags"}, None]},
                            {"$literal": 2},
                        ]
                    },
                ]
            }
        },
        id="length",
    ),
]


@pytest.mark.parametrize(("where", "params", "expected"), FILTERS)
def test_filters(where, params, expected):
    assert_command(command(f"{SELECT} WHERE {where}", params), find(expected))


def operator_uses(value, operator):
    """Yield the argument of every ``operator`` key inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == operator:
                yield item
            yield from operator_uses(item, operator)
    elif isinstance(value, list):
        for item in value:
            yield from operator_uses(item, operator)


def test_contains_reads_operator_keys_as_keys():
    """A key such as "$ne" in a contains value is a key read by $getField,
    never a query operator (issue 10)."""
    filter = command(
        f'{SELECT} WHERE JSON_CONTAINS("testapp_entry"."contributors", %s)', ([{"$ne": 1}],)
    )["filter"]
    assert list(filter) == ["$expr"]
    assert {"$literal": "$ne"} in list(operator_uses(filter, "field"))
    # Every $ne left is the aggregation operator on two expressions.
    assert all(isinstance(arguments, list) for arguments in operator_uses(filter, "$ne"))


def test_array_element_paths_project_the_array():
    sql = f'SELECT "testapp_entry"."scores.0", "testapp_entry"."contributors.1.name" FROM {ENTRY}'
    assert command(sql)["projection"] == {"contributors": 1, "scores": 1, "_id": 0}


def test_array_element_paths_in_expressions():
    sql = f'SELECT UPPER("testapp_entry"."tags.0") AS "u" FROM {ENTRY}'
    element = {
        "$let": {
            "vars": {"value": "$tags"},
            "in": {
                "$cond": [
                    {"$isArray": "$$value"},
                    {"$arrayElemAt": ["$$value", 0]},
                    "$$value.0",
                ]
            },
        }
    }
    (project,) = [stage["$project"] for stage in command(sql)["pipeline"] if "$project" in stage]
    # UPPER(x) is NULL-propagating: $cond [x is null, null, $toUpper x].
    assert project["c0"]["$cond"][2] == {"$toUpper": element}


def test_update_of_a_path_and_array_append():
    sql = (
        f'UPDATE {ENTRY} SET "blog.rank" = %s, '
        '"readers" = ARRAY_APPEND("testapp_entry"."readers", %s) '
        'WHERE "testapp_entry"."id" = %s'
    )
    update = command(sql, (5, 7, 1))
    assert update["update"] == "testapp_entry"
    (statement,) = update["updates"]
    assert statement["q"] == {"id": 1}
    stage = statement["u"][0]["$set"]
    assert stage["blog.rank"] == {"$literal": 5}
    items = {"$ifNull": ["$readers", []]}
    assert stage["readers"] == {
        "$cond": [
            {"$in": [{"$literal": 7}, items]},
            items,
            {"$concatArrays": [items, [{"$literal": 7}]]},
        ]
    }


GROUPED = (
    'SELECT "testapp_author"."id", "testapp_author"."name", COUNT("testapp_book"."id") AS "n" '
    'FROM "testapp_author" LEFT OUTER JOIN "testapp_book" '
    'ON ("testapp_author"."id" = "testapp_book"."author_id") '
    'GROUP BY "testapp_author"."id", "testapp_author"."name" '
    'ORDER BY "testapp_author"."id" DESC LIMIT 20'
)


def test_grouped_lookup_plan():
    pipeline = command(GROUPED)["pipeline"]
    assert [next(iter(stage)) for stage in pipeline] == [
        "$group",
        "$sort",
        "$limit",
        "$lookup",
        "$addFields",
        "$project",
    ]
    assert pipeline[0]["$group"]["__local"] == {"$push": "$id"}
    assert pipeline[1] == {"$sort": {"_id.g0": -1}}
    assert pipeline[3]["$lookup"] == {
        "from": "testapp_book",
        "localField": "__local",
        "foreignField": "author_id",
        "as": "__joined",
    }


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(GROUPED.replace(" LIMIT 20", ""), id="no-limit"),
        pytest.param(GROUPED.replace("LEFT OUTER", "INNER"), id="inner-join"),
        pytest.param(
            GROUPED.replace(" ORDER BY", ' HAVING COUNT("testapp_book"."id") > 1 ORDER BY'),
            id="having",
        ),
        pytest.param(
            GROUPED.replace('ORDER BY "testapp_author"."id"', 'ORDER BY "n"'),
            id="order-by-aggregate",
        ),
    ],
)
def test_other_shapes_keep_the_general_plan(variant):
    stages = [next(iter(stage)) for stage in command(variant)["pipeline"]]
    assert stages[0] == "$lookup"
    assert "$unwind" in stages
