"""Helpers of the transpiler tables: compile SQL, render its command.

Nothing here touches a server: a plan's ``command(ctx)`` only reads the
parameters and the rows of the subqueries it runs, both given by
:class:`Context`.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from djongo_app.transpiler.cache import compile_sql

# The filter that matches no document (SQL comparisons with NULL).
MATCH_NONE = {"$expr": {"$literal": False}}

AUTHOR = '"testapp_author"'
ID = '"testapp_author"."id"'
NAME = '"testapp_author"."name"'
EMAIL = '"testapp_author"."email"'
AGE = '"testapp_author"."age"'
ACTIVE = '"testapp_author"."active"'
LOWER_NAME = f"LOWER({NAME})"
# Author.objects.all(): every column, ordered by Meta.ordering.
SELECT_AUTHORS = f"SELECT {ID}, {NAME}, {EMAIL}, {AGE}, {ACTIVE} FROM {AUTHOR}"
ORDER_BY_NAME = f" ORDER BY {NAME} ASC"
AUTHOR_PROJECTION = {"id": 1, "name": 1, "email": 1, "age": 1, "active": 1, "_id": 0}
# The ESCAPE clause of every LIKE lookup (DatabaseWrapper.operators).
ESCAPE = "ESCAPE '\\'"


class Context:
    """The execution context ``Plan.command`` reads.

    ``subquery_rows`` are the rows every subquery returns; the commands of
    the subqueries that ran are kept in ``subqueries``.
    """

    def __init__(self, params: Sequence[Any] = (), subquery_rows: Iterable[tuple] = ()):
        self.params = tuple(params)
        self.subquery_rows = list(subquery_rows)
        self.subqueries: list[dict[str, Any]] = []
        self._ran: set[int] = set()

    def run_subquery(self, plan: Any) -> list[tuple]:
        # Each plan runs once per statement, as in ExecutionContext.
        if id(plan) not in self._ran:
            self._ran.add(id(plan))
            self.subqueries.append(plan.command(self))
        return list(self.subquery_rows)


def command(
    sql: str,
    params: Sequence[Any] = (),
    *,
    subquery_rows: Iterable[tuple] = (),
    has_params: bool = True,
) -> dict[str, Any]:
    """Return the MongoDB command ``sql`` issues for ``params``."""
    plan = compile_sql(sql, has_params=has_params)
    return plan.command(Context(params, subquery_rows))


def find_authors(filter: dict[str, Any], **options: Any) -> dict[str, Any]:
    """Return the find command of ``SELECT_AUTHORS ... ORDER BY name``."""
    return {
        "find": "testapp_author",
        "filter": filter,
        "projection": AUTHOR_PROJECTION,
        "sort": {"name": 1},
        **options,
    }


def sort_orders(value: Any, path: str = "") -> list[tuple[str, list[str]]]:
    """Return the key order of every sort document inside ``value``.

    Dict equality ignores key order, which is the whole meaning of a sort
    document, so the tables compare it separately.
    """
    found: list[tuple[str, list[str]]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in {"sort", "$sort", "sortBy"} and isinstance(item, dict):
                found.append((f"{path}.{key}", list(item)))
            found.extend(sort_orders(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(sort_orders(item, f"{path}[{index}]"))
    return found


def assert_command(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Assert that two commands are equal, sort key order included."""
    assert actual == expected
    assert sort_orders(actual) == sort_orders(expected)
