"""The plan cache compiles each SQL text once and binds it per call."""

import pytest
from django.db import NotSupportedError

from djongo_app.transpiler import parser
from djongo_app.transpiler.cache import PlanCache

from .utils import Context

SQL = 'SELECT "testapp_author"."id" FROM "testapp_author" WHERE "testapp_author"."age" > %s'
OTHER_SQL = 'SELECT "testapp_author"."id" FROM "testapp_author" WHERE "testapp_author"."age" < %s'


@pytest.fixture
def parsed(monkeypatch):
    """Record the SQL texts handed to the parser."""
    calls = []
    real_parse = parser.parse_statement

    def counting_parse(sql, **kwargs):
        calls.append(sql)
        return real_parse(sql, **kwargs)

    monkeypatch.setattr(parser, "parse_statement", counting_parse)
    return calls


def test_second_get_does_not_parse(parsed):
    cache = PlanCache()
    first = cache.get(SQL)
    second = cache.get(SQL)
    assert parsed == [SQL]
    assert second is first
    info = cache.info()
    assert (info.hits, info.misses, info.size) == (1, 1, 1)


def test_one_plan_serves_every_params(parsed):
    """Plans hold no parameter values: each call binds its own."""
    cache = PlanCache()
    low = cache.get(SQL).command(Context((1,)))
    high = cache.get(SQL).command(Context((99,)))
    assert low["filter"] == {"age": {"$gt": 1}}
    assert high["filter"] == {"age": {"$gt": 99}}
    assert parsed == [SQL]


def test_distinct_texts_and_param_styles_are_distinct_entries(parsed):
    cache = PlanCache()
    cache.get(SQL)
    cache.get(OTHER_SQL)
    cache.get(SQL, has_params=False)
    cache.get(SQL)
    cache.get(OTHER_SQL)
    cache.get(SQL, has_params=False)
    assert parsed == [SQL, OTHER_SQL, SQL]
    assert cache.info().size == 3


def test_least_recently_used_plan_is_evicted(parsed):
    cache = PlanCache(maxsize=2)
    cache.get(SQL)
    cache.get(OTHER_SQL)
    cache.get(SQL)  # SQL is now the most recently used.
    third = 'SELECT "testapp_author"."id" FROM "testapp_author"'
    cache.get(third)  # Evicts OTHER_SQL.
    cache.get(SQL)
    cache.get(OTHER_SQL)
    assert parsed == [SQL, OTHER_SQL, third, OTHER_SQL]
    assert cache.info().size == 2


def test_clear(parsed):
    cache = PlanCache()
    cache.get(SQL)
    cache.clear()
    cache.get(SQL)
    assert parsed == [SQL, SQL]
    assert (cache.info().hits, cache.info().misses) == (0, 1)


def test_unsupported_sql_is_not_cached(parsed):
    """A statement that fails to compile fails again on the next call."""
    cache = PlanCache()
    bad = 'SELECT "testapp_author"."id" FROM "testapp_author" CROSS JOIN "testapp_tag"'
    for _ in range(2):
        with pytest.raises(NotSupportedError):
            cache.get(bad)
    assert parsed == [bad, bad]
    assert cache.info().size == 0
