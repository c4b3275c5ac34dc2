"""What the planner may assume about tables: which columns are unique keys.

A join to a unique key (a foreign key to a primary key) cannot change the
number of rows of the table it is joined to, which lets the planner cut a
page before the join, or replace a join that only filters by an ``$in`` of
the matching keys. The transpiler itself knows only that ``_id`` is unique;
the backend installs a :class:`Catalog` that reads the models' declarations
(djongo_app/catalog.py).
"""

from __future__ import annotations

from typing import Protocol

# MongoDB's own key, unique in every collection.
DOCUMENT_ID = "_id"


class Catalog(Protocol):
    def unique_columns(self, table: str) -> frozenset[str]:
        """Return the columns of ``table`` that are unique on their own."""
        ...

    def columns(self, table: str) -> frozenset[str] | None:
        """Return every column the models of ``table`` store, or None when
        no model describes it."""
        ...


class NoCatalog:
    """Nothing known beyond ``_id``."""

    def unique_columns(self, table: str) -> frozenset[str]:
        return frozenset()

    def columns(self, table: str) -> frozenset[str] | None:
        return None


_catalog: Catalog = NoCatalog()


def install(catalog: Catalog) -> None:
    """Make ``catalog`` the planner's source of unique keys."""
    global _catalog
    _catalog = catalog


def is_unique(table: str, column: str) -> bool:
    """Return whether no two documents of ``table`` share a ``column`` value."""
    return column == DOCUMENT_ID or column in _catalog.unique_columns(table)


def model_columns(table: str) -> frozenset[str] | None:
    """Return every column the models of ``table`` store (None: unknown)."""
    return _catalog.columns(table)
