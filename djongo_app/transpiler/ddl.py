"""DROP TABLE: the one DDL statement the cursor runs.

Migrations change collections through the schema editor (schema.py), not
through SQL. Django's own tests and many third-party test suites still run
``editor.execute(editor.sql_delete_table % {"table": ...})``, that is
``DROP TABLE "t" CASCADE``; it drops the collection and its ``__schema__``
counter. ``CASCADE`` and ``RESTRICT`` mean the same here (no foreign key
constraints depend on a collection); without ``IF EXISTS`` a missing
collection is a ProgrammingError, as on SQL databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db import ProgrammingError

from . import nodes as n
from .plans import Executor, Plan, Result
from .scope import Context

if TYPE_CHECKING:
    from .parser import Parser


@dataclass(frozen=True)
class DropTable(n.Node):
    table: str
    if_exists: bool = False


def parse_drop_table(parser: Parser) -> DropTable:
    """``DROP TABLE [IF EXISTS] name [CASCADE | RESTRICT]``."""
    parser.expect_keyword("DROP")
    parser.expect_keyword("TABLE")
    if_exists = parser.accept_keyword("IF EXISTS") is not None
    table = parser.parse_name()
    parser.accept_keyword("CASCADE", "RESTRICT")
    return DropTable(table, if_exists)


class DropExecutor(Executor, Protocol):
    def drop_ids(self, table: str) -> None: ...


@dataclass
class DropTablePlan(Plan):
    collection: str
    if_exists: bool = False

    def command(self, ctx: Context) -> dict[str, Any]:
        return {"drop": self.collection}

    def execute(self, ctx: Executor) -> Result:
        # DDL runs outside any transaction, as the schema editor's does.
        database = ctx.database
        if not self.if_exists and not database.list_collection_names(
            filter={"name": self.collection}
        ):
            raise ProgrammingError(
                f"djongo_app: DROP TABLE: the collection {self.collection!r} does not exist."
            )
        database.drop_collection(self.collection)
        drop_ids: DropExecutor = ctx  # type: ignore[assignment]
        drop_ids.drop_ids(self.collection)
        return Result()


def plan_drop_table(statement: DropTable) -> Plan:
    return DropTablePlan(statement.table, statement.if_exists)
