"""LIKE, ILIKE and REGEXP lookups → $regex filters.

Django escapes ``%``, ``_`` and ``\\`` in the user's value with a
backslash and appends ``ESCAPE '\\'`` (DatabaseWrapper.operators). The
regex must be anchored exactly where the pattern has no leading or
trailing ``%``, so that startswith stays an index-friendly ``^prefix``.
"""

import pytest
from bson.regex import Regex
from django.db import NotSupportedError

from djongo_app.transpiler.like import like_to_regex

from .utils import (
    AGE,
    ESCAPE,
    ID,
    LOWER_NAME,
    MATCH_NONE,
    NAME,
    ORDER_BY_NAME,
    SELECT_AUTHORS,
    assert_command,
    command,
    find_authors,
)

LIKE = f"{NAME} LIKE %s {ESCAPE}"
ILIKE = f"{NAME} ILIKE %s {ESCAPE}"


def regex(pattern, options="s"):
    return {"name": {"$regex": pattern, "$options": options}}


@pytest.mark.parametrize(
    ("where", "params", "expected"),
    [
        pytest.param(LIKE, ("%ab%",), regex("ab"), id="contains"),
        pytest.param(ILIKE, ("%ab%",), regex("ab", "si"), id="icontains"),
        pytest.param(LIKE, ("ab%",), regex("^ab"), id="startswith-prefix-regex"),
        pytest.param(ILIKE, ("ab%",), regex("^ab", "si"), id="istartswith"),
        pytest.param(LIKE, ("%ab",), regex("ab$"), id="endswith"),
        pytest.param(ILIKE, ("%ab",), regex("ab$", "si"), id="iendswith"),
        pytest.param(ILIKE, ("ab",), regex("^ab$", "si"), id="iexact-anchored-both-ends"),
        pytest.param(
            # name__contains="a%b_c": the user's % and _ are escaped.
            LIKE,
            ("%a\\%b\\_c%",),
            regex("a%b_c"),
            id="escaped-percent-and-underscore",
        ),
        pytest.param(LIKE, ("\\_%",), regex("^_"), id="escaped-underscore-prefix"),
        pytest.param(LIKE, ("%50\\%",), regex("50%$"), id="escaped-percent-suffix"),
        pytest.param(LIKE, ("a\\\\b",), regex("^a\\\\b$"), id="escaped-backslash"),
        pytest.param(LIKE, ("a_",), regex("^a.$"), id="underscore-wildcard"),
        pytest.param(LIKE, ("a%b",), regex("^a.*b$"), id="inner-percent"),
        pytest.param(LIKE, ("%_%",), regex("."), id="any-one-character"),
        pytest.param(LIKE, ("%",), regex(""), id="percent-only"),
        pytest.param(LIKE, ("",), regex("^$"), id="empty-pattern"),
        pytest.param(
            ILIKE, ("a.b*(c)",), regex("^a\\.b\\*\\(c\\)$", "si"), id="regex-metacharacters"
        ),
        pytest.param(LIKE, ("$where%",), regex("^\\$where"), id="dollar-is-literal"),
        pytest.param(f"{NAME} LIKE 'ab%%' {ESCAPE}", (), regex("^ab"), id="literal-pattern"),
        pytest.param(
            f"NOT ({LIKE})",
            ("ab%",),
            {"name": {"$not": Regex("^ab", "s"), "$ne": None}},
            id="not-like-keeps-null-out",
        ),
        pytest.param(
            f"NOT ({ILIKE})",
            ("%ab%",),
            {"name": {"$not": Regex("ab", "si"), "$ne": None}},
            id="not-ilike",
        ),
        pytest.param(
            f"{NAME} NOT LIKE %s {ESCAPE}",
            ("ab%",),
            {"name": {"$not": Regex("^ab", "s"), "$ne": None}},
            id="not-like-operator",
        ),
        pytest.param(f"{NAME} REGEXP %s", ("^a.b$",), regex("^a.b$", ""), id="regexp"),
        pytest.param(f"{NAME} IREGEXP %s", ("^a",), regex("^a", "i"), id="iregexp"),
        pytest.param(
            f"NOT ({NAME} REGEXP %s)",
            ("^a",),
            {"name": {"$not": Regex("^a", ""), "$ne": None}},
            id="not-regexp",
        ),
        pytest.param(
            f"NOT ({NAME} IREGEXP %s)",
            ("^a",),
            {"name": {"$not": Regex("^a", "i"), "$ne": None}},
            id="not-iregexp",
        ),
        pytest.param(LIKE, (None,), MATCH_NONE, id="null-pattern"),
    ],
)
def test_pattern_filter(where, params, expected):
    sql = f"{SELECT_AUTHORS} WHERE {where}{ORDER_BY_NAME}"
    assert_command(command(sql, params), find_authors(expected))


def test_values_list_contains_percent():
    """Author.objects.filter(name__contains="50%").values_list("name", flat=True)"""
    sql = (
        f'SELECT {NAME} AS "name" FROM "testapp_author" WHERE {NAME} LIKE %s {ESCAPE} '
        "ORDER BY 1 ASC"
    )
    assert_command(
        command(sql, ("%50\\%%",)),
        {
            "find": "testapp_author",
            "filter": {"name": {"$regex": "50%", "$options": "s"}},
            "projection": {"name": 1, "_id": 0},
            "sort": {"name": 1},
        },
    )


def _not_null(expr):
    return {"$ne": [{"$ifNull": [expr, None]}, None]}


@pytest.mark.parametrize(
    ("where", "params", "match"),
    [
        pytest.param(
            f"{LOWER_NAME} LIKE %s {ESCAPE}",
            ("$name%",),
            {"regex": {"$literal": "^\\$name"}, "options": "s"},
            id="like",
        ),
        pytest.param(
            # The user's regex must not be read as the field path $name.
            f"{LOWER_NAME} REGEXP %s",
            ("$name",),
            {"regex": {"$literal": "$name"}, "options": ""},
            id="regexp-param-is-literal",
        ),
    ],
)
def test_pattern_on_expression(where, params, match):
    """A pattern on a computed value is a $regexMatch inside $expr."""
    lower = {"$cond": [{"$eq": [{"$ifNull": ["$name", None]}, None]}, None, {"$toLower": "$name"}]}
    sql = f'SELECT {ID} FROM "testapp_author" WHERE {where}'
    assert_command(
        command(sql, params),
        {
            "find": "testapp_author",
            "filter": {
                "$expr": {
                    "$and": [
                        _not_null(lower),
                        {"$regexMatch": {"input": {"$toString": lower}, **match}},
                    ]
                }
            },
            "projection": {"id": 1, "_id": 0},
        },
    )


@pytest.mark.parametrize(
    ("pattern", "escape", "expected"),
    [
        pytest.param("abc", None, "^abc$", id="exact"),
        pytest.param("%%abc%%", None, "abc", id="repeated-percents"),
        pytest.param("a!%b", "!", "^a%b$", id="other-escape-character"),
        pytest.param("a!!b", "!", "^a!b$", id="escaped-escape-character"),
        pytest.param("a\\%b", None, "^a\\\\.*b$", id="backslash-without-escape"),
        pytest.param("a\nb", None, "^a\\\nb$", id="newline"),
    ],
)
def test_like_to_regex(pattern, escape, expected):
    assert like_to_regex(pattern, escape) == expected


def _any(value, each, level=0):
    """where._any_along: any element of an array, or the value itself."""
    ref = f"$$v{level}"
    return {
        "$let": {
            "vars": {f"v{level}": value},
            "in": {
                "$anyElementTrue": [
                    {
                        "$map": {
                            "input": {"$cond": [{"$isArray": ref}, ref, [ref]]},
                            "as": f"e{level}",
                            "in": each(f"$$e{level}", level + 1),
                        }
                    }
                ]
            },
        }
    }


def _matches(text, regex, options):
    test = {"$regexMatch": {"input": text, "regex": {"$literal": regex}, "options": options}}
    is_null = {"$eq": [{"$ifNull": ["$$value", None]}, None]}

    def one(item, level):
        return {"$let": {"vars": {"value": item}, "in": {"$cond": [is_null, False, test]}}}

    return one


TO_STRING = {"$convert": {"input": "$$value", "to": "string"}}


@pytest.mark.parametrize(
    ("where", "params", "expected"),
    [
        pytest.param(
            f"CAST({AGE} AS TEXT) LIKE %s {ESCAPE}",
            ("4%",),
            {"$expr": _any("$age", _matches(TO_STRING, "^4", "s"))},
            id="integer-as-text",
        ),
        pytest.param(
            f"CAST({AGE} AS TEXT) IREGEXP %s",
            ("^4",),
            {"$expr": _any("$age", _matches(TO_STRING, "^4", "i"))},
            id="integer-regex",
        ),
        pytest.param(
            # A document or array on the way: any element's key.
            'CAST("testapp_author"."issues.number" AS TEXT) ILIKE %s ' + ESCAPE,
            ("%2%",),
            {
                "$expr": _any(
                    "$issues",
                    lambda item, level: _any(
                        f"{item}.number", _matches(TO_STRING, "2", "si"), level
                    ),
                )
            },
            id="path-through-arrays",
        ),
        pytest.param(
            f"NOT (CAST({AGE} AS TEXT) LIKE %s {ESCAPE})",
            ("4%",),
            {
                "$expr": {
                    "$and": [
                        _any(
                            "$age",
                            lambda item, level: {"$ne": [{"$ifNull": [item, None]}, None]},
                        ),
                        {"$not": [_any("$age", _matches(TO_STRING, "^4", "s"))]},
                    ]
                }
            },
            id="not-like-keeps-null-out",
        ),
        pytest.param(f"CAST({AGE} AS TEXT) LIKE %s {ESCAPE}", (None,), MATCH_NONE, id="null"),
    ],
)
def test_text_form_of_a_path(where, params, expected):
    """A text lookup on a value stored as another type (lookup_cast) is a
    $regexMatch on its text, in any element of the arrays on its path."""
    assert_command(command(f"{SELECT_AUTHORS} WHERE {where}", params)["filter"], expected)


def test_text_forms_of_dates_and_times():
    """DJ_TEXT(kind, c): the text SQLite holds for a date, datetime or time."""
    sql = f"{SELECT_AUTHORS} WHERE DJ_TEXT('date', {AGE}) LIKE %s {ESCAPE}"
    date_text = {"$dateToString": {"date": "$$value", "format": "%Y-%m-%d"}}
    null_guarded = {"$cond": [{"$eq": [{"$ifNull": ["$$value", None]}, None]}, None, date_text]}
    expected = {"$expr": _any("$age", _matches(null_guarded, "^2024", "s"))}
    assert_command(command(sql, ("2024%",))["filter"], expected)


def test_unknown_text_form_is_not_supported():
    sql = f"{SELECT_AUTHORS} WHERE DJ_TEXT('money', {AGE}) LIKE %s {ESCAPE}"
    with pytest.raises(NotSupportedError, match=r"DJ_TEXT\(\) with these arguments"):
        command(sql, ("1%",))
