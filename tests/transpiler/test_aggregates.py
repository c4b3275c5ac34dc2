"""Aggregates folded from an array of the group's values: STRING_AGG (with
its ORDER BY keys as DJ_ORDER_ASC/DJ_ORDER_DESC arguments), BIT_AND,
BIT_OR, BIT_XOR; and ANY_VALUE. Django 6.0/6.1 write these; the tables run
on every supported Django."""

import pytest
from django.db import NotSupportedError

from djongo_app.transpiler.cache import compile_sql

from .utils import AGE, NAME, assert_command, command

ACTIVE = '"testapp_author"."active"'
GROUPED = f'SELECT {ACTIVE} AS "active", {{}} AS "x" FROM "testapp_author" GROUP BY {ACTIVE}'
WHOLE = 'SELECT {} AS "x" FROM "testapp_author"'
# A GROUP BY key reads a missing value as NULL.
GROUP_KEY = {"$ifNull": ["$active", None]}


def non_null(values, path="$$this"):
    return {"$filter": {"input": values, "cond": {"$ne": [path, None]}}}


def fold(operator, values):
    return {
        "$reduce": {
            "input": values,
            "initialValue": None,
            "in": {
                "$cond": [
                    {"$eq": ["$$value", None]},
                    "$$this",
                    {operator: ["$$value", "$$this"]},
                ]
            },
        }
    }


def join(values, delimiter="$a0_c0"):
    text = {"$toString": "$$this"}
    return {
        "$reduce": {
            "input": values,
            "initialValue": None,
            "in": {
                "$cond": [
                    {"$eq": ["$$value", None]},
                    text,
                    {"$concat": ["$$value", delimiter, text]},
                ]
            },
        }
    }


def sorted_values(order):
    return {
        "$map": {
            "input": {"$sortArray": {"input": non_null("$a0", "$$this.v"), "sortBy": order}},
            "in": "$$this.v",
        }
    }


def grouped(accumulators, finished):
    return [
        {"$group": {"_id": {"g0": GROUP_KEY}, **accumulators}},
        {"$set": {"a0": finished}},
        {"$project": {"_id": 0, "c0": "$_id.g0", "c1": "$a0"}},
    ]


@pytest.mark.parametrize(
    ("aggregate", "params", "pipeline"),
    [
        pytest.param(
            f"STRING_AGG({NAME}, %s)",
            (";",),
            grouped(
                {"a0": {"$push": "$name"}, "a0_c0": {"$max": {"$literal": ";"}}},
                join(non_null("$a0")),
            ),
            id="string-agg",
        ),
        pytest.param(
            f"STRING_AGG(DISTINCT {NAME}, %s)",
            (",",),
            grouped(
                {"a0": {"$addToSet": "$name"}, "a0_c0": {"$max": {"$literal": ","}}},
                join(non_null("$a0")),
            ),
            id="string-agg-distinct",
        ),
        pytest.param(
            # order_by=[F("age").asc(nulls_last=True), "-name"]
            f"STRING_AGG({NAME}, %s, DJ_ORDER_ASC(CASE WHEN {AGE} IS NULL THEN 1 ELSE 0 END), "
            f"DJ_ORDER_ASC({AGE}), DJ_ORDER_DESC({NAME}))",
            (",",),
            grouped(
                {
                    "a0": {
                        "$push": {
                            "v": "$name",
                            "k0": {
                                "$switch": {
                                    "branches": [
                                        {
                                            "case": {"$eq": [{"$ifNull": ["$age", None]}, None]},
                                            "then": {"$literal": 1},
                                        }
                                    ],
                                    "default": {"$literal": 0},
                                }
                            },
                            "k1": "$age",
                            "k2": "$name",
                        }
                    },
                    "a0_c0": {"$max": {"$literal": ","}},
                },
                join(sorted_values({"k0": 1, "k1": 1, "k2": -1})),
            ),
            id="string-agg-order-by",
        ),
        pytest.param(
            f"BIT_AND({AGE})",
            (),
            grouped({"a0": {"$push": "$age"}}, fold("$bitAnd", non_null("$a0"))),
            id="bit-and",
        ),
        pytest.param(
            f"BIT_OR({AGE})",
            (),
            grouped({"a0": {"$push": "$age"}}, fold("$bitOr", non_null("$a0"))),
            id="bit-or",
        ),
        pytest.param(
            f"BIT_XOR({AGE})",
            (),
            grouped({"a0": {"$push": "$age"}}, fold("$bitXor", non_null("$a0"))),
            id="bit-xor",
        ),
    ],
)
def test_collected_aggregates(aggregate, params, pipeline):
    assert_command(
        command(GROUPED.format(aggregate), params),
        {"aggregate": "testapp_author", "pipeline": pipeline},
    )


def test_any_value_is_the_first_non_null_value():
    assert command(GROUPED.format(f"ANY_VALUE({AGE})"))["pipeline"][:2] == [
        {"$group": {"_id": {"g0": GROUP_KEY}, "a0": {"$push": "$age"}}},
        {"$set": {"a0": {"$arrayElemAt": [non_null("$a0"), 0]}}},
    ]


def test_whole_collection_gives_null_over_no_rows():
    plan = compile_sql(WHOLE.format(f"STRING_AGG({NAME}, %s)"))
    empty_document, _ = plan.empty_result
    assert empty_document == {"a0": None}


@pytest.mark.parametrize(
    "aggregate",
    [
        pytest.param(f"STRING_AGG({NAME})", id="string-agg-without-delimiter"),
        pytest.param(f"BIT_AND({AGE}, %s)", id="bit-and-with-two-arguments"),
        pytest.param(f"STRING_AGG({NAME}, DJ_ORDER_ASC({AGE}))", id="order-key-as-delimiter"),
        pytest.param("BIT_OR()", id="no-arguments"),
    ],
)
def test_wrong_arguments_are_named(aggregate):
    with pytest.raises(NotSupportedError, match=r"with these arguments|without arguments"):
        command(GROUPED.format(aggregate), (",",))
