"""Window functions → $setWindowFields (issue 16).

Each window (PARTITION BY and ORDER BY) sorts on keys set first as fields
(``__w<i>_s<j>``, a missing value read as null); RANK and its family read
the row numbers of the peer group's first and last rows, found by a second
$setWindowFields partitioned by the sort keys; RANGE frames bounded by
CURRENT ROW take the value at the current row's last (or first) peer;
RANGE frames with offsets sort on one numeric key (``__w<i>_r``).
"""

import math

import pytest
from django.db import NotSupportedError

from djongo_app.transpiler import compile_sql

from .utils import assert_command, command

BOOK = '"testapp_book"'
PAGES = '"testapp_book"."pages"'
AUTHOR_ID = '"testapp_book"."author_id"'
TITLE = '"testapp_book"."title"'
RATING = '"testapp_book"."rating"'

NULL_IS_NULL = {"$ifNull": ["$pages", None]}
UNBOUNDED, CURRENT = "unbounded", "current"


def aggregate(*stages):
    return {"aggregate": "testapp_book", "pipeline": list(stages)}


def sort_keys(**keys):
    return {"$set": {key: {"$ifNull": [path, None]} for key, path in keys.items()}}


def windows(output, sort, partition=None):
    spec = {}
    if partition is not None:
        spec["partitionBy"] = partition
    spec["sortBy"] = sort
    spec["output"] = output
    return {"$setWindowFields": spec}


def project(**columns):
    return {"$project": {"_id": 0, **columns}}


ROW_NUMBER = {"__w0_rn": {"$documentNumber": {}}}
BY_PAGES = sort_keys(__w0_s0="$pages")
# The peer groups of ORDER BY pages: their first and last row numbers.
PEERS = windows(
    {"__w0_pf": {"$min": "$__w0_rn"}, "__w0_pl": {"$max": "$__w0_rn"}},
    {"__w0_rn": 1},
    {"s0": "$__w0_s0"},
)


def is_null(path):
    return {"$eq": [{"$ifNull": [path, None]}, None]}


def non_null_count(path):
    return {"$sum": {"$cond": [is_null(path), 0, 1]}}


def sql_sum(total, count, key):
    """SUM over the frame: NULL when the frame holds no value."""
    return {"$set": {key: {"$cond": [{"$eq": [f"${count}", 0]}, None, f"${total}"]}}}


def range_key(path, descending=False, sql=""):
    """A RANGE offset's key: the number (negated when descending), NULL as
    the infinity that sorts where SQL puts NULLs, anything else refused."""
    return {
        "$switch": {
            "branches": [
                {
                    "case": {"$isNumber": path},
                    "then": {"$multiply": [-1, path]} if descending else path,
                },
                {"case": is_null(path), "then": math.inf if descending else -math.inf},
            ],
            "default": {
                "$convert": {
                    "input": {
                        "$literal": "<<djongo_app>>A RANGE frame with an offset over a "
                        "non-numeric ORDER BY value is not supported by djongo_app: "
                        f"{sql}<<djongo_app>>"
                    },
                    "to": "double",
                }
            },
        }
    }


RANGE_SQL = (
    f"SELECT SUM({PAGES}) OVER (ORDER BY {PAGES} DESC "
    f'RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) AS "s" FROM {BOOK}'
)

CASES = [
    pytest.param(
        # Book.objects.annotate(rn=Window(RowNumber(), partition_by="author",
        # order_by=F("pages").desc())).values("id", "rn")
        f'SELECT "testapp_book"."id", ROW_NUMBER() OVER (PARTITION BY {AUTHOR_ID} '
        f'ORDER BY {PAGES} DESC) AS "rn" FROM {BOOK}',
        (),
        aggregate(
            BY_PAGES,
            windows(ROW_NUMBER, {"__w0_s0": -1}, {"p0": {"$ifNull": ["$author_id", None]}}),
            project(c0="$id", c1="$__w0_rn"),
        ),
        id="row-number-partitioned-descending",
    ),
    pytest.param(
        # No ORDER BY: any order is SQL's, and $documentNumber needs one.
        f'SELECT ROW_NUMBER() OVER () AS "rn" FROM {BOOK}',
        (),
        aggregate(windows(ROW_NUMBER, {"_id": 1}), project(c0="$__w0_rn")),
        id="row-number-without-order",
    ),
    pytest.param(
        f'SELECT RANK() OVER (ORDER BY {PAGES}) AS "r" FROM {BOOK}',
        (),
        aggregate(BY_PAGES, windows(ROW_NUMBER, {"__w0_s0": 1}), PEERS, project(c0="$__w0_pf")),
        id="rank-is-first-peer-row-number",
    ),
    pytest.param(
        # Two sort keys, one descending ($rank takes one key only).
        f'SELECT DENSE_RANK() OVER (ORDER BY {PAGES} DESC, {TITLE}) AS "r" FROM {BOOK}',
        (),
        aggregate(
            sort_keys(__w0_s0="$pages", __w0_s1="$title"),
            windows(ROW_NUMBER, {"__w0_s0": -1, "__w0_s1": 1}),
            windows(
                {"__w0_pf": {"$min": "$__w0_rn"}, "__w0_pl": {"$max": "$__w0_rn"}},
                {"__w0_rn": 1},
                {"s0": "$__w0_s0", "s1": "$__w0_s1"},
            ),
            windows(
                {
                    "__w0_o1": {
                        "$sum": {"$cond": [{"$eq": ["$__w0_rn", "$__w0_pf"]}, 1, 0]},
                        "window": {"documents": [UNBOUNDED, CURRENT]},
                    }
                },
                {"__w0_rn": 1},
            ),
            project(c0="$__w0_o1"),
        ),
        id="dense-rank-two-keys",
    ),
    pytest.param(
        f'SELECT PERCENT_RANK() OVER (ORDER BY {PAGES}) AS "p", '
        f'CUME_DIST() OVER (ORDER BY {PAGES}) AS "c" FROM {BOOK}',
        (),
        aggregate(
            BY_PAGES,
            windows({**ROW_NUMBER, "__w0_n": {"$count": {}}}, {"__w0_s0": 1}),
            PEERS,
            {
                "$set": {
                    "__w0_o1": {
                        "$cond": [
                            {"$lte": ["$__w0_n", 1]},
                            0.0,
                            {
                                "$divide": [
                                    {"$subtract": ["$__w0_pf", 1]},
                                    {"$subtract": ["$__w0_n", 1]},
                                ]
                            },
                        ]
                    },
                    "__w0_o2": {"$divide": ["$__w0_pl", "$__w0_n"]},
                }
            },
            project(c0="$__w0_o1", c1="$__w0_o2"),
        ),
        id="percent-rank-and-cume-dist-share-one-window",
    ),
    pytest.param(
        f'SELECT LAG({TITLE}, %s, %s) OVER (ORDER BY {PAGES}) AS "l", '
        f'LEAD({TITLE}) OVER (ORDER BY {PAGES}) AS "n" FROM {BOOK}',
        (2, "none"),
        aggregate(
            BY_PAGES,
            windows(
                {
                    "__w0_o1": {
                        "$shift": {"output": "$title", "by": -2, "default": {"$literal": "none"}}
                    },
                    "__w0_o2": {
                        "$shift": {"output": "$title", "by": 1, "default": {"$literal": None}}
                    },
                },
                {"__w0_s0": 1},
            ),
            project(c0="$__w0_o1", c1="$__w0_o2"),
        ),
        id="lag-lead-with-parameters",
    ),
    pytest.param(
        # The default frame with ORDER BY ends at the last peer: MongoDB's
        # running sum at the row, read at the peer group's last row.
        f'SELECT SUM({PAGES}) OVER (ORDER BY {PAGES}) AS "s" FROM {BOOK}',
        (),
        aggregate(
            BY_PAGES,
            windows(
                {
                    "__w0_o1": {"$sum": "$pages", "window": {"documents": [UNBOUNDED, CURRENT]}},
                    "__w0_o3": {
                        "$sum": {"$cond": [is_null("$pages"), 0, 1]},
                        "window": {"documents": [UNBOUNDED, CURRENT]},
                    },
                    **ROW_NUMBER,
                },
                {"__w0_s0": 1},
            ),
            windows(
                {
                    "__w0_pf": {"$min": "$__w0_rn"},
                    "__w0_pl": {"$max": "$__w0_rn"},
                    "__w0_o2": {"$last": "$__w0_o1"},
                    "__w0_o4": {"$last": "$__w0_o3"},
                },
                {"__w0_rn": 1},
                {"s0": "$__w0_s0"},
            ),
            sql_sum("__w0_o2", "__w0_o4", "__w0_o5"),
            project(c0="$__w0_o5"),
        ),
        id="sum-default-frame-includes-peers",
    ),
    pytest.param(
        f"SELECT AVG({RATING}) OVER (PARTITION BY {AUTHOR_ID} ORDER BY {PAGES} "
        f'ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS "a" FROM {BOOK}',
        (),
        aggregate(
            BY_PAGES,
            windows(
                {"__w0_o1": {"$avg": "$rating", "window": {"documents": [-2, 1]}}},
                {"__w0_s0": 1},
                {"p0": {"$ifNull": ["$author_id", None]}},
            ),
            project(c0="$__w0_o1"),
        ),
        id="rows-frame-with-offsets",
    ),
    pytest.param(
        f'SELECT COUNT(*) OVER (PARTITION BY {AUTHOR_ID}) AS "n" FROM {BOOK}',
        (),
        aggregate(
            windows(
                {"__w0_o1": {"$sum": 1}},
                {"_id": 1},
                {"p0": {"$ifNull": ["$author_id", None]}},
            ),
            project(c0="$__w0_o1"),
        ),
        id="count-star-whole-partition",
    ),
    pytest.param(
        f"SELECT MAX({RATING}) OVER (ORDER BY {PAGES} RANGE BETWEEN CURRENT ROW AND "
        f'CURRENT ROW) AS "m" FROM {BOOK}',
        (),
        aggregate(
            BY_PAGES,
            windows(ROW_NUMBER, {"__w0_s0": 1}),
            windows(
                {
                    "__w0_pf": {"$min": "$__w0_rn"},
                    "__w0_pl": {"$max": "$__w0_rn"},
                    "__w0_o1": {"$max": "$rating"},
                },
                {"__w0_rn": 1},
                {"s0": "$__w0_s0"},
            ),
            project(c0="$__w0_o1"),
        ),
        id="range-current-row-is-the-peer-group",
    ),
    pytest.param(
        RANGE_SQL,
        (),
        aggregate(
            {"$set": {"__w0_r": range_key("$pages", descending=True, sql=RANGE_SQL)}},
            windows(
                {
                    "__w0_o1": {"$sum": "$pages", "window": {"range": [-10, 0]}},
                    "__w0_o2": {
                        "$sum": {"$cond": [is_null("$pages"), 0, 1]},
                        "window": {"range": [-10, 0]},
                    },
                },
                {"__w0_r": 1},
            ),
            sql_sum("__w0_o1", "__w0_o2", "__w0_o3"),
            project(c0="$__w0_o3"),
        ),
        id="range-offsets-descending",
    ),
    pytest.param(
        f"SELECT NTH_VALUE({TITLE}, %s) OVER (ORDER BY {PAGES} ROWS BETWEEN UNBOUNDED "
        f'PRECEDING AND UNBOUNDED FOLLOWING) AS "t" FROM {BOOK}',
        (2,),
        aggregate(
            BY_PAGES,
            windows(
                {"__w0_o1": {"$firstN": {"input": {"$ifNull": ["$title", None]}, "n": 2}}},
                {"__w0_s0": 1},
            ),
            {
                "$set": {
                    "__w0_o2": {
                        "$cond": [
                            {"$gte": [{"$size": {"$ifNull": ["$__w0_o1", []]}}, 2]},
                            {"$arrayElemAt": [{"$ifNull": ["$__w0_o1", []]}, 1]},
                            None,
                        ]
                    }
                }
            },
            project(c0="$__w0_o2"),
        ),
        id="nth-value-whole-frame",
    ),
    pytest.param(
        # EXCLUDE: the frame's rows as records, filtered, in row order.
        f"SELECT COUNT(*) OVER (ORDER BY {PAGES} ROWS BETWEEN 1 PRECEDING AND "
        f'1 FOLLOWING EXCLUDE TIES) AS "n" FROM {BOOK}',
        (),
        aggregate(
            BY_PAGES,
            windows(ROW_NUMBER, {"__w0_s0": 1}),
            PEERS,
            windows(
                {
                    "__w0_o1": {
                        "$push": {"r": "$__w0_rn", "p": "$__w0_pf", "v": None},
                        "window": {"documents": [-1, 1]},
                    }
                },
                {"__w0_rn": 1},
            ),
            {
                "$set": {
                    "__w0_o2": {
                        "$size": {
                            "$map": {
                                "input": {
                                    "$sortArray": {
                                        "input": {
                                            "$filter": {
                                                "input": "$__w0_o1",
                                                "cond": {
                                                    "$or": [
                                                        {"$ne": ["$$this.p", "$__w0_pf"]},
                                                        {"$eq": ["$$this.r", "$__w0_rn"]},
                                                    ]
                                                },
                                            }
                                        },
                                        "sortBy": {"r": 1},
                                    }
                                },
                                "in": "$$this.v",
                            }
                        }
                    }
                }
            },
            project(c0="$__w0_o2"),
        ),
        id="frame-exclude-ties",
    ),
    pytest.param(
        # Book.objects.annotate(rn=Window(RowNumber(), order_by="pages"))
        # .filter(rn__lte=2).values("title"): Django's QUALIFY emulation.
        f'SELECT "title" FROM ( SELECT * FROM ( SELECT {TITLE} AS "title", ROW_NUMBER() '
        f'OVER (ORDER BY {PAGES}) AS "qual0" FROM {BOOK} ) "qualify" WHERE "qual0" <= %s ) '
        '"qualify_mask"',
        (2,),
        aggregate(
            BY_PAGES,
            windows(ROW_NUMBER, {"__w0_s0": 1}),
            project(c0="$title", c1="$__w0_rn"),
            {"$match": {"c1": {"$lte": 2}}},
            project(c0="$c0", c1="$c1"),
            project(c0="$c0"),
        ),
        id="filter-on-a-window-through-qualify",
    ),
    pytest.param(
        # exclude() and order_by() on the annotation: ORDER BY position.
        f'SELECT * FROM ( SELECT {TITLE} AS "col1", RANK() OVER (ORDER BY {PAGES}) AS "r" '
        f'FROM {BOOK} ORDER BY 2 DESC ) "qualify" WHERE NOT ("r" = %s) ORDER BY 2 DESC',
        (1,),
        aggregate(
            BY_PAGES,
            windows(ROW_NUMBER, {"__w0_s0": 1}),
            PEERS,
            project(c0="$title", c1="$__w0_pf"),
            {"$sort": {"c1": -1}},
            # NOT (r = 1): neither 1 nor NULL.
            {"$match": {"c1": {"$nin": [1, None]}}},
            project(c0="$c0", c1="$c1"),
            {"$sort": {"c1": -1}},
        ),
        id="exclude-on-a-window-through-qualify",
    ),
    pytest.param(
        # A window over grouped rows reads the group's values.
        f'SELECT {AUTHOR_ID}, SUM({PAGES}) AS "p", RANK() OVER (ORDER BY SUM({PAGES}) DESC) '
        f'AS "r" FROM {BOOK} GROUP BY {AUTHOR_ID}',
        (),
        aggregate(
            {
                "$group": {
                    "_id": {"g0": {"$ifNull": ["$author_id", None]}},
                    "a0": {"$sum": "$pages"},
                    "a0_n": {"$sum": {"$cond": [is_null("$pages"), 0, 1]}},
                }
            },
            {"$set": {"a0": {"$cond": [{"$eq": ["$a0_n", 0]}, None, "$a0"]}}},
            sort_keys(__w0_s0="$a0"),
            windows(ROW_NUMBER, {"__w0_s0": -1}),
            PEERS,
            project(c0="$_id.g0", c1="$a0", c2="$__w0_pf"),
        ),
        id="window-over-group-by",
    ),
]


@pytest.mark.parametrize(("sql", "params", "expected"), CASES)
def test_window_pipelines(sql, params, expected):
    assert_command(command(sql, params), expected)


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        pytest.param(
            f"SELECT SUM({PAGES}) OVER (ORDER BY {PAGES}, {TITLE} RANGE BETWEEN 1 PRECEDING "
            f'AND CURRENT ROW) AS "s" FROM {BOOK}',
            "A RANGE frame with an offset and several ORDER BY keys",
            id="range-offset-two-keys",
        ),
        pytest.param(
            f'SELECT COUNT(DISTINCT {PAGES}) OVER () AS "s" FROM {BOOK}',
            "COUNT(DISTINCT ...) OVER (...)",
            id="distinct-aggregate",
        ),
        pytest.param(
            f'SELECT MEDIAN({PAGES}) OVER () AS "s" FROM {BOOK}',
            "The window function MEDIAN()",
            id="unknown-function",
        ),
        pytest.param(
            f"SELECT {TITLE} FROM {BOOK} WHERE ROW_NUMBER() OVER () = 1",
            "The window function ROW_NUMBER() in WHERE",
            id="window-in-where",
        ),
        pytest.param(
            f'SELECT LAG({TITLE}, {PAGES}) OVER (ORDER BY {PAGES}) AS "l" FROM {BOOK}',
            "LAG() with an expression as argument 2",
            id="lag-offset-from-a-column",
        ),
        pytest.param(
            f"SELECT {AUTHOR_ID}, COUNT(*) FROM {BOOK} GROUP BY {AUTHOR_ID} "
            f"HAVING RANK() OVER (ORDER BY {AUTHOR_ID}) = 1",
            "The window function RANK() in WHERE, GROUP BY, HAVING",
            id="window-in-having",
        ),
        pytest.param(
            # Derived tables other than Django's "qualify" keep their rule.
            f'SELECT * FROM (SELECT {TITLE} AS "t" FROM {BOOK}) "sub"',
            "SELECT * from a derived table",
            id="select-star-from-another-derived-table",
        ),
    ],
)
def test_unsupported_window_sql(sql, construct):
    with pytest.raises(NotSupportedError) as caught:
        command(sql)
    assert construct in str(caught.value)
    assert sql[:40] in str(caught.value)


def test_frame_bounds_parse():
    plan = compile_sql(
        f'SELECT MIN({PAGES}) OVER (ORDER BY {PAGES} ROWS 3 PRECEDING) AS "m" FROM {BOOK}'
    )
    stages = plan.command(None)["pipeline"]
    assert stages[1]["$setWindowFields"]["output"]["__w0_o1"]["window"] == {
        "documents": [-3, CURRENT]
    }
