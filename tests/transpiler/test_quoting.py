"""What may be written into SQL text, and how the parser reads it back.

User input travels as parameters; names are spliced only through
transpiler/quoting.py, and the parser refuses text it would have to guess
at (issue 10).
"""

import pytest
from django.db import NotSupportedError, ProgrammingError, connection

from djongo_app.transpiler import compile_sql, parse
from djongo_app.transpiler import nodes as n
from djongo_app.transpiler.jsonpath import parse_json_path
from djongo_app.transpiler.quoting import quote_identifier, quote_string, unquote_identifier

from .utils import command

NAMES = ["plain", 'a"b', '"', "dot.ted", "$dollar", "it's", 'x")) OR 1=1 OR (("y', "\u2603"]


@pytest.mark.parametrize("name", NAMES)
def test_quoted_names_read_back_as_themselves(name):
    """A quoted name is one column, whatever it holds (issue 10)."""
    select = parse(f'SELECT {quote_identifier(name)} FROM "t"')
    assert select.items[0].expr == n.Column(name)
    assert unquote_identifier(quote_identifier(name)) == name


@pytest.mark.parametrize("name", ["", "back\\slash", "nul\x00"])
def test_unwritable_names_are_refused(name):
    """Names the lexer could cut two ways are refused, not guessed (issue 10)."""
    with pytest.raises(NotSupportedError):
        quote_identifier(name)


@pytest.mark.parametrize("value", ["year", "it's", "", "Europe/Paris"])
def test_string_constants_read_back_as_themselves(value):
    select = parse(f"SELECT {quote_string(value)}")
    assert select.items[0].expr == n.Literal(value)


def test_quote_name_quotes_anything_but_one_quoted_name():
    """Django's quote-once rule holds only for a well-formed quoted name
    (issue 10)."""
    ops = connection.ops
    assert ops.quote_name('"already"') == '"already"'
    assert ops.quote_name("a") == '"a"'
    assert ops.quote_name('"a" OR "b"') == '"""a"" OR ""b"""'
    with pytest.raises(NotSupportedError):
        ops.quote_name("a\\b")


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param('SELECT 1 FROM "t" WHERE "a" = \'x', id="unterminated-string"),
        pytest.param('SELECT 1 FROM "t" WHERE "a" = "x', id="unterminated-name"),
        pytest.param(
            'SELECT 1 FROM "t" WHERE "a" LIKE %s ESCAPE \'\\\' AND "b" = \'y\'',
            id="backslash-before-quote",
        ),
        pytest.param('SELECT 1 FROM "t" WHERE "a" = %(name)s', id="named-placeholder"),
    ],
)
def test_parser_refuses_tokens_it_does_not_know(sql):
    """An unknown or ambiguous token is an error, never a keyword (issue 10)."""
    with pytest.raises(NotSupportedError):
        parse(sql)


def test_explain_verbosity_is_checked():
    with pytest.raises(ValueError, match="verbosity"):
        connection.ops.explain_query_prefix(verbosity="x' OR '1")
    assert connection.ops.explain_query_prefix(verbosity="executionStats") == (
        "EXPLAIN 'executionStats'"
    )


def test_time_zone_and_unit_are_constants():
    """Extract/Trunc units and time zone names are quoted constants (issue 10)."""
    sql, _ = connection.ops.datetime_extract_sql("ye'ar", '"t"."d"', (), "Europe/Paris")
    assert sql == "DJ_EXTRACT('ye''ar', \"t\".\"d\", 'Europe/Paris')"
    assert parse(f"SELECT {sql}").items[0].expr.args[0] == n.Literal("ye'ar")
    with pytest.raises(NotSupportedError, match="DJ_EXTRACT"):
        compile_sql(f'SELECT {sql} FROM "t"')


JSON_PATHS = [
    ('$."a"', ("a",)),
    ('$."a"."b"[0]', ("a", "b", 0)),
    ('$."q\\"uote"', ('q"uote',)),
    ('$."back\\\\slash"', ("back\\slash",)),
    ('$."dot.ted"."$dollar"', ("dot.ted", "$dollar")),
    ('$."nul\\u0000"', ("nul\x00",)),
    ('$."0"', ("0",)),
    ("$[-1]", (-1,)),
]


@pytest.mark.parametrize(("path", "steps"), JSON_PATHS)
def test_json_paths(path, steps):
    assert parse_json_path(path) == steps


@pytest.mark.parametrize("path", ["", "a", "$.a", '$."a', "$[x]", '$."a"junk', 42])
def test_malformed_json_paths(path):
    with pytest.raises(ProgrammingError):
        parse_json_path(path)


def test_json_key_is_a_parameter_read_with_get_field():
    """The key reaches MongoDB as a $literal field name of $getField, never
    as a dotted path (issue 10)."""
    sql = (
        'SELECT "testapp_document"."id" FROM "testapp_document" '
        'WHERE JSON_KEY("testapp_document"."data", %s) = %s'
    )
    filter = command(sql, ['$."a.b"."$gt"', 1])["filter"]
    assert list(filter) == ["$expr"]
    text = repr(filter)
    assert "{'$literal': 'a.b'}" in text
    assert "{'$literal': '$gt'}" in text
    assert "'$data.a" not in text
