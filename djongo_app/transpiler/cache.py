"""The plan cache: one compiled plan per distinct SQL text."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from . import parser, planner
from .layout import NO_KEYS, KeyLayout, store_keys
from .plans import Plan


@dataclass
class CacheInfo:
    hits: int
    misses: int
    size: int


class PlanCache:
    """A bounded, thread-safe LRU map of (SQL text, params style, key
    layout) → plan.

    Plans hold no parameter values, so one plan serves every execution of
    the same SQL text against collections of the same key layout.
    """

    def __init__(self, maxsize: int = 2048):
        self.maxsize = maxsize
        self._plans: OrderedDict[tuple[str, bool, KeyLayout], Plan] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, sql: str, *, has_params: bool = True, layout: KeyLayout = NO_KEYS) -> Plan:
        """Return the plan for ``sql``, compiling it on first use.

        A multi-row INSERT whose rows are the same placeholders (Django's
        bulk_create) shares the plan of its first row, whatever the number
        of rows: one cache entry and one parse per shape, not per batch size.
        """
        if sql.startswith("INSERT"):
            repeated = repeated_rows(sql)
            if repeated is not None:
                one_row, count = repeated
                plan = self._get(one_row, has_params, layout).for_rows(count)  # type: ignore[attr-defined]
                if plan is not None:
                    return plan
        return self._get(sql, has_params, layout)

    def _get(self, sql: str, has_params: bool, layout: KeyLayout) -> Plan:
        key = (sql, has_params, layout)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                self.hits += 1
                return plan
        plan = compile_sql(sql, has_params=has_params, layout=layout)
        with self._lock:
            self.misses += 1
            self._plans[key] = plan
            if len(self._plans) > self.maxsize:
                self._plans.popitem(last=False)
        return plan

    def info(self) -> CacheInfo:
        return CacheInfo(self.hits, self.misses, len(self._plans))

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()
            self.hits = self.misses = 0


# One VALUES row of placeholders, DEFAULTs and NULLs: nothing in it a
# repetition could read differently.
_ROW = re.compile(r"\((?:%s|DEFAULT|NULL)(?:, (?:%s|DEFAULT|NULL))*\)")
_VALUES = " VALUES ("


def repeated_rows(sql: str) -> tuple[str, int] | None:
    """Return ``sql`` with its first VALUES row only and the number of rows,
    when it is an INSERT of several rows that are all the same text of
    placeholders and the rest of it has none; otherwise None.

    The parameters of row i then follow those of row i - 1, so a plan of
    the first row runs every row.
    """
    start = sql.find(_VALUES)
    # Outside any quoted name or string: an even number of double quotes
    # before it, and no single quote.
    if start < 0 or sql.count('"', 0, start) % 2 or "'" in sql[:start]:
        return None
    start += len(_VALUES) - 1
    end = sql.find(")", start) + 1
    row = sql[start:end]
    if not _ROW.fullmatch(row):
        return None
    separator = ", " + row
    # The repetitions counted and compared in C; a count that takes in a
    # match past the rows falls back to stepping through them.
    repeats = sql.count(separator, end)
    if sql.startswith(separator * repeats, end):
        position, count = end + len(separator) * repeats, repeats + 1
    else:
        position, count = end, 1
        while sql.startswith(separator, position):
            position += len(separator)
            count += 1
    if count == 1 or "%s" in sql[:start] or "%s" in sql[position:]:
        return None
    return sql[:end] + sql[position:], count


def compile_sql(sql: str, *, has_params: bool = True, layout: KeyLayout = NO_KEYS) -> Plan:
    """Parse ``sql`` and return its plan for collections of ``layout``
    (no caching)."""
    statement, param_count = parser.parse_statement(sql, unescape_percent=has_params)
    compiled = planner.plan(store_keys(statement, layout), sql, layout)
    compiled.param_count = param_count
    return compiled


plan_cache = PlanCache()
