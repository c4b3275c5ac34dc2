"""Differential test: random QuerySets on SQLite and on djongo_app agree.

CI runs a bounded, derandomized number of examples; a longer run:

    DIFFERENTIAL_EXAMPLES=5000 pytest tests/differential

DIFFERENTIAL_SEED=N draws other examples (random instead of derandomized);
DIFFERENTIAL_KNOWN_BUGS=1 also generates the constructs of the known bugs
(strategies.KNOWN_BUGS). The number of examples run is printed in pytest's
terminal summary (conftest.py).
"""

from __future__ import annotations

import json
import os

import pytest
from django.core.exceptions import EmptyResultSet, FieldError
from django.db import DatabaseError, connections
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, reject, seed, settings

from .strategies import Query, queries, window_querysets
from .support import ALIASES, STATS, create_data, normalize, prepare_sqlite, same, sort_key

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "300"))
SEED = os.environ.get("DIFFERENTIAL_SEED")
# A file: record each mismatching example there (JSON lines) instead of
# stopping at the first one and shrinking it.
REPORT = os.environ.get("DIFFERENTIAL_REPORT")


def run(query: Query, alias: str):
    result = query.run(alias)
    if query.many:
        rows = [normalize(row) for row in result]
        return rows if query.ordered else sorted(rows, key=sort_key)
    return normalize(result)


def _settings(test):
    test = settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )(test)
    return test if SEED is None else seed(int(SEED))(test)


@pytest.fixture
def two_databases():
    """The fixed rows in both databases, once for all the examples.

    The examples only read, so they share the rows: the test is
    transactional (flushed at the end), and a statement that fails on
    djongo_app does not abort a MongoDB transaction around the others.
    """
    prepare_sqlite()
    for alias in ALIASES:
        create_data(alias)


def check(query: Query) -> None:
    """Run ``query`` on both databases; raise AssertionError on a difference."""
    STATS["examples"] += 1
    try:
        expected = run(query, "sqlite")
    except (FieldError, EmptyResultSet, TypeError, ValueError, DatabaseError) as e:
        # A QuerySet that Django (or its SQLite backend) cannot run: not a test.
        STATS["rejected"] += 1
        event(f"rejected: {type(e).__name__}")
        if REPORT:
            with open(REPORT, "a") as report:
                report.write(json.dumps({"query": query.code, "rejected": repr(e)}) + "\n")
        reject()
    event("many" if query.many else "scalar")
    try:
        with CaptureQueriesContext(connections["default"]) as captured:
            actual = run(query, "default")
    except Exception as e:
        STATS["mismatches"] += 1
        sql = [q["sql"] for q in captured]
        raise AssertionError(
            f"{query!r}\nsqlite:      {expected!r}\ndjongo_app:  {e!r}\nsql: {sql}"
        ) from e
    STATS["compared"] += 1
    wrap = (lambda rows: ("seq", tuple(rows))) if query.many else (lambda value: value)
    if not same(wrap(actual), wrap(expected)):
        STATS["mismatches"] += 1
        sql = [q["sql"] for q in captured]
        raise AssertionError(
            f"{query!r}\nsqlite:      {expected!r}\ndjongo_app:  {actual!r}\nsql: {sql}"
        )


@pytest.mark.django_db(transaction=True, databases=list(ALIASES))
@_settings
@given(query=queries())
def test_same_results(two_databases, query):
    if not REPORT:
        check(query)
        return
    # Survey mode: record every failing example and go on (the terminal
    # summary gives the count).
    try:
        check(query)
    except AssertionError as e:
        with open(REPORT, "a") as report:
            report.write(json.dumps({"query": query.code, "error": str(e)}) + "\n")


@pytest.mark.django_db(transaction=True, databases=list(ALIASES))
@_settings
@given(query=window_querysets())
def test_same_window_results(two_databases, query):
    """Window functions only (queries() draws them one time in five)."""
    check(query)
