"""The plan cache: one compiled plan per distinct SQL text."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from . import parser, planner
from .plans import Plan


@dataclass
class CacheInfo:
    hits: int
    misses: int
    size: int


class PlanCache:
    """A bounded, thread-safe LRU map of (SQL text, params style) → plan.

    Plans hold no parameter values, so one plan serves every execution of
    the same SQL text.
    """

    def __init__(self, maxsize: int = 2048):
        self.maxsize = maxsize
        self._plans: OrderedDict[tuple[str, bool], Plan] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, sql: str, *, has_params: bool = True) -> Plan:
        """Return the plan for ``sql``, compiling it on first use."""
        key = (sql, has_params)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                self.hits += 1
                return plan
        plan = compile_sql(sql, has_params=has_params)
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


def compile_sql(sql: str, *, has_params: bool = True) -> Plan:
    """Parse ``sql`` and return its plan (no caching)."""
    statement, param_count = parser.parse_statement(sql, unescape_percent=has_params)
    compiled = planner.plan(statement, sql)
    compiled.param_count = param_count
    return compiled


plan_cache = PlanCache()
