"""SQL outside the dialect fails loudly, with django.db.NotSupportedError.

The message names the construct and quotes the statement:
``"<construct> is not supported by djongo_app: <sql>"``. No other exception
type may escape the transpiler, whether it fails while compiling or while
binding the parameters.
"""

import contextlib

import pytest
from django.db import NotSupportedError

from .utils import command

SUFFIX = " is not supported by djongo_app: "
AUTHORS = 'SELECT "testapp_author"."id" FROM "testapp_author"'
WHERE_AGE = ' WHERE "testapp_author"."age" = %s'


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        # Compound queries the dialect does not produce.
        pytest.param(
            f'{AUTHORS} UNION SELECT "testapp_book"."id" FROM "testapp_book" '
            'INTERSECT SELECT "testapp_tag"."id" FROM "testapp_tag"',
            "Mixing UNION and INTERSECT",
            id="mixed-compound",
        ),
        pytest.param(
            f'{AUTHORS} UNION SELECT "testapp_book"."id", "testapp_book"."title" '
            'FROM "testapp_book"',
            "A compound query whose parts differ in width",
            id="compound-width",
        ),
        # Row locks (QuerySet.select_for_update()).
        pytest.param(f"{AUTHORS} FOR UPDATE NOWAIT", "FOR UPDATE", id="for-update-nowait"),
        pytest.param(
            f"{AUTHORS} LIMIT 1 FOR UPDATE SKIP LOCKED", "FOR UPDATE", id="for-update-skip-locked"
        ),
        pytest.param(f'{AUTHORS} FOR UPDATE OF "testapp_author"', "FOR UPDATE", id="for-update-of"),
        # Joins other than INNER and LEFT OUTER on an equality.
        pytest.param(f'{AUTHORS} CROSS JOIN "testapp_book"', "CROSS JOIN", id="cross-join"),
        pytest.param(
            'SELECT "testapp_author"."id" FROM "testapp_author", "testapp_book"',
            "comma join",
            id="comma-join",
        ),
        pytest.param(
            f'{AUTHORS} RIGHT OUTER JOIN "testapp_book" '
            'ON ("testapp_author"."id" = "testapp_book"."author_id")',
            "RIGHT OUTER JOIN",
            id="right-join",
        ),
        pytest.param(
            f'{AUTHORS} FULL OUTER JOIN "testapp_book" '
            'ON ("testapp_author"."id" = "testapp_book"."author_id")',
            "FULL OUTER JOIN",
            id="full-join",
        ),
        pytest.param(f'{AUTHORS} NATURAL JOIN "testapp_book"', "NATURAL JOIN", id="natural-join"),
        pytest.param(
            f'{AUTHORS} INNER JOIN "testapp_book" '
            'ON ("testapp_author"."id" > "testapp_book"."author_id")',
            "JOIN without an equality",
            id="join-on-inequality",
        ),
        # Functions and expressions.
        pytest.param(
            'SELECT FOOBAR("testapp_author"."name") AS "x" FROM "testapp_author"',
            "FOOBAR()",
            id="unknown-function-selected",
        ),
        pytest.param(
            f'{AUTHORS} WHERE FOOBAR("testapp_author"."name") = %s',
            "FOOBAR()",
            id="unknown-function-in-where",
        ),
        pytest.param(
            f'{AUTHORS} ORDER BY FOOBAR("testapp_author"."name") ASC',
            "FOOBAR()",
            id="unknown-function-in-order-by",
        ),
        pytest.param(
            'UPDATE "testapp_author" SET "name" = FOOBAR("testapp_author"."name")',
            "FOOBAR()",
            id="unknown-function-in-update",
        ),
        pytest.param(
            'SELECT MEDIAN("testapp_author"."age") AS "m" FROM "testapp_author"',
            "MEDIAN()",
            id="unknown-aggregate",
        ),
        pytest.param(
            # GROUPS frames (no Django expression writes them).
            'SELECT ROW_NUMBER() OVER (ORDER BY "testapp_author"."age" GROUPS 1 PRECEDING) '
            'AS "r" FROM "testapp_author"',
            "A window clause",
            id="window-groups-frame",
        ),
        pytest.param(
            f'{AUTHORS} WHERE CASE "testapp_author"."age" WHEN 1 THEN 2 END = %s',
            "simple CASE",
            id="simple-case",
        ),
        pytest.param(
            'SELECT CAST("testapp_author"."age" AS wibble) AS "x" FROM "testapp_author"',
            "CAST to WIBBLE",
            id="cast-to-unknown-type",
        ),
        pytest.param(
            f'{AUTHORS} WHERE ("testapp_author"."age", "testapp_author"."id") = (%s, %s)',
            "row value",
            id="row-value",
        ),
        pytest.param(
            f'{AUTHORS} ORDER BY "testapp_author"."age" ASC NULLS FIRST',
            "NULLS FIRST",
            id="nulls-first",
        ),
        pytest.param(
            'SELECT * FROM "testapp_author" INNER JOIN "testapp_book" '
            'ON ("testapp_author"."id" = "testapp_book"."author_id")',
            "SELECT *",
            id="select-star-join",
        ),
        pytest.param(
            'SELECT "testapp_author".* FROM "testapp_author"', "SELECT table.*", id="table-star"
        ),
        pytest.param(f"{AUTHORS} ORDER BY 5", "ORDER BY position 5", id="order-by-bad-position"),
        # Statements and statement parts.
        pytest.param("hello world", "HELLO", id="garbage"),
        pytest.param('SELEC "testapp_author"."id" FROM "testapp_author"', "SELEC", id="typo"),
        pytest.param("", "empty statement", id="empty"),
        pytest.param(";", "empty statement", id="semicolon-only"),
        # DROP TABLE is the one DDL statement (transpiler/ddl.py).
        pytest.param('DROP INDEX "testapp_author_idx"', "Expected TABLE", id="drop-index"),
        pytest.param('CREATE TABLE "t" ("id" integer)', "CREATE", id="create-table"),
        pytest.param(
            'WITH "c" AS (SELECT 1) SELECT "c"."x" FROM "c"', "WITH", id="common-table-expression"
        ),
        pytest.param(
            f'{AUTHORS}{WHERE_AGE}; DROP TABLE "testapp_author"', "DROP TABLE", id="two-statements"
        ),
        pytest.param(f"{AUTHORS}{WHERE_AGE})", ")", id="unbalanced-parenthesis"),
        pytest.param(
            f'{AUTHORS} WHERE "testapp_author"."age" = %(age)s',
            "placeholder",
            id="pyformat-placeholder",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, %s) '
            'ON CONFLICT("key") DO UPDATE SET "value" = ("testapp_counter"."value" + 1)',
            "ON CONFLICT DO UPDATE with a value other than EXCLUDED",
            id="on-conflict-update-expression",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, %s) '
            'ON CONFLICT("key") DO UPDATE SET "value" = EXCLUDED."key"',
            "ON CONFLICT DO UPDATE with a value other than EXCLUDED",
            id="on-conflict-update-other-column",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, %s) '
            'ON CONFLICT DO UPDATE SET "value" = EXCLUDED."value"',
            "ON CONFLICT DO UPDATE without conflict columns",
            id="on-conflict-update-without-target",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key") SELECT "testapp_author"."name" '
            'FROM "testapp_author"',
            "SELECT",
            id="insert-select",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key", "value") VALUES (%s, ("t"."x" + 1))',
            'A reference to "t"."x" from this place',
            id="insert-reads-column",
        ),
        pytest.param(
            'INSERT INTO "testapp_counter" ("key") VALUES (%s, %s)',
            "wrong width",
            id="insert-row-width",
        ),
        pytest.param(
            'UPDATE "testapp_author" SET "name" = %s FROM "testapp_book"',
            "FROM",
            id="update-from",
        ),
        pytest.param(
            'DELETE FROM "testapp_author" USING "testapp_book"', "USING", id="delete-using"
        ),
        # Literals the lexer reads as numbers but Python's int() does not.
        pytest.param(f"{AUTHORS} LIMIT 1.5", "1.5", id="fractional-limit"),
        pytest.param(f"{AUTHORS} LIMIT 10 OFFSET 1e3", "1e3", id="exponent-offset"),
        pytest.param(f'{AUTHORS} WHERE "testapp_author"."age" = 0x1F', "0x1F", id="hex-literal"),
    ],
)
def test_not_supported(sql, construct):
    with pytest.raises(NotSupportedError) as caught:
        command(sql, (1, 2))
    message = str(caught.value)
    assert SUFFIX in message
    named, quoted = message.split(SUFFIX, 1)
    assert construct in named
    assert quoted == " ".join(sql.split())


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        pytest.param(f"{AUTHORS} WHERE", (), id="where-without-condition"),
        pytest.param(f'{AUTHORS} WHERE ("testapp_author"."age" = %s', (1,), id="unclosed"),
        pytest.param(f'{AUTHORS} WHERE "testapp_author"."age" IN ()', (), id="empty-in"),
        pytest.param(f'{AUTHORS} WHERE "testapp_author"."age" = \'open', (), id="open-string"),
        pytest.param(f'{AUTHORS} WHERE "testapp_author"."age" NOT %s', (1,), id="stray-not"),
        pytest.param(f"{AUTHORS} LIMIT %s", (1,), id="limit-param"),
        pytest.param(f'{AUTHORS} WHERE "testapp_author"."name" LIKE 1', (), id="numeric-pattern"),
        pytest.param(
            f'{AUTHORS} WHERE "testapp_author"."name" LIKE %s ESCAPE \'\\\'',
            (1,),
            id="numeric-pattern-param",
        ),
        pytest.param(
            f'{AUTHORS} WHERE NOT ("testapp_author"."name" REGEXP %s)',
            (1,),
            id="numeric-regexp-param",
        ),
    ],
)
def test_only_not_supported_escapes(sql, params):
    """Malformed SQL or params give a command or NotSupportedError."""
    with contextlib.suppress(NotSupportedError):
        command(sql, params)
