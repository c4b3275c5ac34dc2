"""The SQL → MongoDB transpiler: parse → tree → plan → execute.

Nothing here touches a server: plans run against the context a cursor
gives them, which makes every stage testable without a database.
"""

from .cache import PlanCache, compile_sql, plan_cache
from .parser import parse
from .plans import Plan, Result

__all__ = ["Plan", "PlanCache", "Result", "compile_sql", "parse", "plan_cache"]
