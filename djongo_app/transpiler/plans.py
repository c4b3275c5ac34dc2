"""Plans: what a parsed statement runs, built once and bound per execution.

A plan's ``command(ctx)`` returns the MongoDB command it will issue for the
parameters in ``ctx`` (a plain dict, as the server would log it); its
``execute(ctx)`` binds the plan once, issues that command and returns a
:class:`Result` holding the bound command, with the server's first batch
already fetched: every server error of the statement itself is raised by
``execute``, inside the cursor's one execution boundary (``Cursor._run``),
and logging never binds (or runs subqueries) a second time. Row builders
turn documents into tuples in the SELECT's column order.
"""

from __future__ import annotations

import copy
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bson import ObjectId, json_util

from . import nodes as n
from .equality import equals
from .expressions import Bound
from .joins import KeysOverflow
from .scope import Context

# Builds a row from a document and the statement's parameters (a SELECT
# may return a parameter as a column, as Django's exists() does).
RowBuilder = Callable[[dict[str, Any], Sequence[Any]], tuple[Any, ...]]
Getter = Callable[[dict[str, Any], Sequence[Any]], Any]


class Executor(Context, Protocol):
    """The execution context a cursor hands to ``Plan.execute``.

    Writes go through ``insert``/``update``/``delete``, which add what a
    transaction's savepoints need (djongo_app/writes.py).
    """

    def collection(self, name: str) -> Any: ...

    def find(self, table: str, command: dict[str, Any]) -> Any:
        """Run the ``find`` ``command`` on ``table``; return the documents
        found, the first batch read (djongo_app/reads.py)."""
        ...

    def aggregate(self, table: str, command: dict[str, Any], paged_joins: bool = False) -> Any:
        """Run the ``aggregate`` ``command`` on ``table`` (on the database
        when ``table`` is empty: a SELECT without FROM); return the
        documents output, the first batch read. ``paged_joins``: see
        :func:`djongo_app.reads.aggregate_cursor`."""
        ...

    @property
    def database(self) -> Any: ...

    @property
    def session(self) -> Any: ...

    def auto_fields(self, table: str) -> tuple[str, ...] | None: ...

    def reserve_ids(self, table: str, column: str, count: int) -> int: ...

    def advance_ids(self, table: str, column: str, value: int) -> None: ...

    def fill_defaults(self, table: str, documents: list[dict[str, Any]]) -> None: ...

    def insert(
        self,
        table: str,
        documents: list[dict[str, Any]],
        conflict: n.OnConflict | None,
        fresh: tuple[str, ...] = (),
    ) -> list[dict[str, Any] | None]: ...

    def update(self, table: str, filter: dict[str, Any], update: Any) -> int: ...

    def delete(self, table: str, filter: dict[str, Any]) -> int: ...


@dataclass
class Result:
    """What one execution returned: rows (the first batch fetched, the
    rest read as the cursor asks), counts, and the command it issued."""

    rows: Iterable[tuple[Any, ...]] = ()
    rowcount: int = -1
    lastrowid: Any = None
    description: Sequence[str] | None = None
    command: dict[str, Any] | None = None
    # Whether rows may hold values read from the server, which the cursor
    # decodes (Decimal128); an INSERT returns the values it wrote.
    read_from_server: bool = True


def first_batch_fetched(rows: Iterable[Any]) -> Iterator[Any]:
    """Return an iterator over ``rows`` whose first item has been read.

    Reading it makes a server cursor fetch its first batch now, so that
    the query runs (and fails) while the statement executes, not at the
    first fetch.
    """
    iterator = iter(rows)
    for first in iterator:
        return itertools.chain((first,), iterator)
    return iter(())


class Plan:
    """Base class of plans: subclasses are dataclasses with a
    ``collection`` and the result's ``columns``.

    ``param_count`` is the number of ``%s`` placeholders of the SQL the
    plan was compiled from (set by ``compile_sql``).
    """

    param_count: int = 0
    # Whether the plan writes (a transaction that wrote cannot start over).
    writes: bool = False

    def command(self, ctx: Context) -> dict[str, Any]:
        raise NotImplementedError

    def execute(self, ctx: Executor) -> Result:
        raise NotImplementedError


def get_path(document: Any, path: str) -> Any:
    """Return the value at a dotted ``path`` of ``document`` or None."""
    if "." not in path:
        return document.get(path) if isinstance(document, dict) else None
    value = document
    parts = path.split(".")
    for position, part in enumerate(parts):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        elif isinstance(value, list):
            # A key of an array of documents: the key of every element, as
            # MongoDB's "$array.key" reads it.
            rest = ".".join(parts[position:])
            documents = [item for item in value if isinstance(item, dict)]
            return [get_path(item, rest) for item in documents] if documents else None
        else:
            return None
    return value


def key_reader(keys: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """Return a function reading the top-level ``keys`` of a document as
    a tuple, None for a missing key; it runs in C unless a key is missing."""
    keys = tuple(keys)
    if len(keys) == 1:
        (key,) = keys
        return lambda document: (document.get(key),)
    if not keys:
        return lambda document: ()
    read_all = operator.itemgetter(*keys)

    def read(document: dict[str, Any]) -> tuple[Any, ...]:
        try:
            return read_all(document)  # type: ignore[no-any-return]
        except KeyError:
            return tuple(map(document.get, keys))

    return read


class ColumnsReader:
    """The row builder of SELECT columns that are all top-level fields: a
    :func:`key_reader` of them (FindPlan maps ``read`` over the documents,
    without the parameters)."""

    __slots__ = ("read",)

    def __init__(self, paths: Sequence[str]):
        self.read = key_reader(paths)

    def __call__(self, document: dict[str, Any], params: Sequence[Any]) -> tuple[Any, ...]:
        return self.read(document)


def columns_row_builder(paths: Sequence[str]) -> RowBuilder | None:
    """Return a :class:`ColumnsReader` of ``paths``, or None when one of
    them is a path into a document."""
    if any("." in path for path in paths):
        return None
    return ColumnsReader(paths)


def path_row_builder(getters: Sequence[Getter]) -> RowBuilder:
    def build(document: dict[str, Any], params: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(get(document, params) for get in getters)

    return build


def find_command(
    collection: str,
    filter: dict[str, Any],
    projection: dict[str, int] | None,
    sort: tuple[tuple[str, int], ...],
    skip: int,
    limit: int | None,
) -> dict[str, Any]:
    """Return a find command as the server would log it."""
    command: dict[str, Any] = {"find": collection, "filter": filter}
    if projection is not None:
        command["projection"] = projection
    if sort:
        command["sort"] = dict(sort)
    if skip:
        command["skip"] = skip
    if limit is not None:
        command["limit"] = limit
    return command


@dataclass
class FindPlan(Plan):
    collection: str
    filter: Bound
    projection: dict[str, int] | None
    row: RowBuilder
    sort: tuple[tuple[str, int], ...] = ()
    skip: int = 0
    limit: int | None = None
    columns: tuple[str, ...] = ()

    def command(self, ctx: Context) -> dict[str, Any]:
        return find_command(
            self.collection, self.filter(ctx), self.projection, self.sort, self.skip, self.limit
        )

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        if self.limit == 0:
            return Result(rows=[], description=self.columns, command=command)
        cursor = ctx.find(self.collection, command)
        row = self.row
        if isinstance(row, ColumnsReader):
            rows = first_batch_fetched(map(row.read, cursor))
        else:
            rows = first_batch_fetched(map(row, cursor, itertools.repeat(ctx.params)))
        return Result(rows=rows, description=self.columns, command=command)


@dataclass
class KeysFallbackPlan(Plan):
    """A plan whose joins were reduced to key lists (joins.py), and the
    plan of the same statement with its joins, run when a key list would
    pass KEY_LIMIT."""

    plan: Plan
    fallback: Plan

    @property
    def collection(self) -> str:
        return self.plan.collection  # type: ignore[attr-defined, no-any-return]

    def command(self, ctx: Context) -> dict[str, Any]:
        try:
            return self.plan.command(ctx)
        except KeysOverflow:
            return self.fallback.command(ctx)

    def execute(self, ctx: Executor) -> Result:
        try:
            return self.plan.execute(ctx)
        except KeysOverflow:
            return self.fallback.execute(ctx)


@dataclass
class WholeDocumentsPlan(Plan):
    """``SELECT * FROM t ...``: every field of the matching documents.

    The columns are the fields seen, in order of first appearance; a
    document lacking one gives NULL there.
    """

    collection: str
    filter: Bound
    sort: tuple[tuple[str, int], ...] = ()
    skip: int = 0
    limit: int | None = None
    # The column stored in _id (transpiler/layout.py), named so in the rows.
    stored_key: str | None = None

    def command(self, ctx: Context) -> dict[str, Any]:
        return find_command(
            self.collection, self.filter(ctx), None, self.sort, self.skip, self.limit
        )

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        if self.limit == 0:
            return Result(rows=[], description=(), command=command)
        documents = list(
            ctx.collection(self.collection).find(
                command["filter"],
                sort=list(self.sort) or None,
                skip=self.skip,
                limit=self.limit or 0,
                session=ctx.session,
            )
        )
        columns: dict[str, None] = {}
        # With no match, name the columns after any one document, as SQL
        # names a table's columns whatever the WHERE.
        sample = documents or [
            ctx.collection(self.collection).find_one({}, session=ctx.session) or {}
        ]
        for document in sample:
            columns.update(dict.fromkeys(document))
        fields = tuple(columns)
        rows = [tuple(document.get(name) for name in fields) for document in documents]
        names = fields
        if self.stored_key is not None:
            names = tuple(self.stored_key if f == "_id" else f for f in fields)
        return Result(rows=rows, description=names, command=command)


@dataclass
class CountPlan(Plan):
    """``SELECT COUNT(*) FROM t WHERE ...``: one row with the count."""

    collection: str
    filter: Bound
    columns: tuple[str, ...] = ()

    def command(self, ctx: Context) -> dict[str, Any]:
        return {"count": self.collection, "query": self.filter(ctx)}

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        count = ctx.collection(self.collection).count_documents(
            command["query"], session=ctx.session
        )
        return Result(rows=[(count,)], description=self.columns, command=command)


@dataclass
class AggregatePlan(Plan):
    collection: str
    stages: list[Bound]
    output_keys: tuple[str, ...]
    columns: tuple[str, ...] = ()
    # Output column index → Python function applied as rows are read.
    finishers: dict[int, Callable[[Any], Any]] = field(default_factory=dict)
    # SQL aggregates without GROUP BY give one row even over no input: the
    # accumulators' empty values and the stages after the $group.
    empty_result: tuple[dict[str, Any], list[Bound]] | None = None

    def pipeline(self, ctx: Context) -> list[dict[str, Any]]:
        return [stage(ctx) for stage in self.stages]

    def command(self, ctx: Context) -> dict[str, Any]:
        return {"aggregate": self.collection or 1, "pipeline": self.pipeline(ctx)}

    def reader(self) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        """Return the :func:`key_reader` of ``output_keys``, made once
        (again if they are replaced)."""
        kept = self.__dict__.get("_kept_reader")
        if kept is None or kept[0] is not self.output_keys:
            kept = self.__dict__["_kept_reader"] = (self.output_keys, key_reader(self.output_keys))
        return kept[1]

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        cursor = ctx.aggregate(self.collection, command)
        if self.empty_result is not None:
            documents = list(cursor)
            if not documents:
                documents = self._empty_input_row(ctx)
            cursor = iter(documents)
        rows: Iterator[tuple[Any, ...]] = map(self.reader(), cursor)
        if self.finishers:
            rows = map(self._finish, rows)
        return Result(rows=first_batch_fetched(rows), description=self.columns, command=command)

    def _empty_input_row(self, ctx: Executor) -> list[dict[str, Any]]:
        assert self.empty_result is not None
        empty_document, after_group = self.empty_result
        pipeline = [{"$documents": [empty_document]}, *(stage(ctx) for stage in after_group)]
        return list(ctx.database.aggregate(pipeline, session=ctx.session))

    def _finish(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for index, function in self.finishers.items():
            if values[index] is not None:
                values[index] = function(values[index])
        return tuple(values)


@dataclass
class PagedJoinPlan(AggregatePlan):
    """A page cut before its joins (Planner.try_paged_joins).

    Each document carries, under ``markers``, whether each INNER join found
    its row; if one did not, the rows after the page would have taken its
    place, so the statement runs as ``fallback`` (the general pipeline).
    """

    markers: tuple[str, ...] = ()
    fallback: Plan | None = None

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        documents = list(ctx.aggregate(self.collection, command, paged_joins=True))
        if self.markers and self.fallback is not None:
            for document in documents:
                if not all(document.get(marker) for marker in self.markers):
                    return self.fallback.execute(ctx)
        rows = list(map(self.reader(), documents))
        return Result(rows=rows, description=self.columns, command=command)


@dataclass
class ConstantPlan(Plan):
    """A SELECT without FROM: one row of constants and parameters."""

    values: list[Bound]
    columns: tuple[str, ...] = ()
    collection: str = ""

    def command(self, ctx: Context) -> dict[str, Any]:
        return {"values": [value(ctx)["$literal"] for value in self.values]}

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        return Result(rows=[tuple(command["values"])], description=self.columns, command=command)


class ParamValue:
    """An INSERT value that is the statement's parameter ``index``."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __call__(self, ctx: Context) -> Any:
        return ctx.params[self.index]


class ConstantValue:
    """An INSERT value written in the SQL (a literal)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __call__(self, ctx: Context) -> Any:
        return self.value


@dataclass
class InsertPlan(Plan):
    """Insert documents, giving auto-increment columns their next ids.

    Columns named in RETURNING that the statement gives no value are
    treated as auto-increment columns even when ``__schema__`` has no entry
    for the table yet; the entry is then created on first use.

    A plan of one VALUES row serves any number of rows of the same
    placeholders (what ``bulk_create`` sends): :meth:`for_rows` returns it
    bound to that count, and its documents are built by a row builder
    compiled once, without per-row planning.
    """

    collection: str
    columns: tuple[str, ...]
    rows: list[list[Callable[[Context], Any] | None]]
    returning: tuple[str, ...] = ()
    # (row, column) → aggregation expression of a value computed by the
    # server before the insert.
    computed: dict[tuple[int, int], Bound] = field(default_factory=dict)
    conflict: n.OnConflict | None = None
    writes = True
    # The column stored in _id (transpiler/layout.py): its counter fills
    # _id, under the column's name in __schema__.
    stored_key: str | None = None
    # How many times the VALUES rows repeat, each time with the next
    # ``param_count`` parameters (set by for_rows).
    repeat: int = 1

    def __post_init__(self) -> None:
        self._build = _compile_row_builder(self.columns, self.rows, self.computed)

    def for_rows(self, count: int) -> InsertPlan | None:
        """Return this plan for ``count`` repetitions of its rows, or None
        when its documents need more than parameters (computed values)."""
        if self._build is None:
            return None
        plan = copy.copy(self)
        plan.repeat = count
        plan.param_count = self.param_count * count
        return plan

    def documents(
        self, ctx: Context, computed: dict[tuple[int, int], Any] | None = None
    ) -> list[dict[str, Any]]:
        if self._build is not None:
            return self._build(ctx.params, self.repeat)
        computed = computed or {}
        documents = []
        for row_index, row in enumerate(self.rows):
            document: dict[str, Any] = {}
            for column_index, (column, value) in enumerate(zip(self.columns, row, strict=True)):
                if (row_index, column_index) in computed:
                    set_path(document, column, computed[row_index, column_index])
                elif value is not None:
                    set_path(document, column, value(ctx))
            documents.append(document)
        return documents

    def command(self, ctx: Context) -> dict[str, Any]:
        expressions = {cell: value(ctx) for cell, value in self.computed.items()}
        return self.command_of(self.documents(ctx, expressions))

    def command_of(self, documents: list[dict[str, Any]]) -> dict[str, Any]:
        """Return the command that writes ``documents``: an insert
        (unordered for ON CONFLICT DO NOTHING), or an update of upserts
        for ON CONFLICT DO UPDATE."""
        conflict = self.conflict
        if conflict is None:
            return {"insert": self.collection, "documents": documents}
        if conflict.update is None:
            return {"insert": self.collection, "documents": documents, "ordered": False}
        updates = []
        for document in documents:
            query, change = upsert_request(document, conflict)
            updates.append({"q": query, "u": change, "upsert": True})
        return {"update": self.collection, "updates": updates}

    def computed_values(self, ctx: Executor) -> dict[tuple[int, int], Any]:
        """Evaluate the computed cells in one aggregate over one document."""
        if not self.computed:
            return {}
        cells = list(self.computed)
        document = {f"v{i}": self.computed[cell](ctx) for i, cell in enumerate(cells)}
        pipeline = [{"$documents": [{}]}, {"$project": {"_id": 0, **document}}]
        result = next(iter(ctx.database.aggregate(pipeline, session=ctx.session)), {})
        return {cell: result.get(f"v{i}") for i, cell in enumerate(cells)}

    def execute(self, ctx: Executor) -> Result:
        documents = self.documents(ctx, self.computed_values(ctx))
        # Columns left out or written as DEFAULT take their db_default
        # (djongo_app/defaults.py) before counters fill what still lacks.
        ctx.fill_defaults(self.collection, documents)
        lastrowid = None
        # Columns every row takes from a counter: their values are new.
        fresh = []
        for column in self.auto_columns(ctx, documents):
            lastrowid, every_row = self._assign_ids(ctx, documents, column)
            if every_row:
                fresh.append(column)
        stored = (
            ctx.insert(self.collection, documents, self.conflict, tuple(fresh)) if documents else []
        )
        # A row left out by ON CONFLICT DO NOTHING returns nothing; one
        # that updated a stored row returns that row's values.
        kept = stored if self.conflict is None else [row for row in stored if row is not None]
        rows: list[tuple[Any, ...]] = []
        if len(self.returning) == 1:
            get = _getter(self.returning[0])
            rows = [(get(d),) for d in kept]
        elif self.returning:
            getters = [_getter(column) for column in self.returning]
            rows = [tuple(get(d) for get in getters) for d in kept]
        return Result(
            rows=rows,
            rowcount=len(kept),
            lastrowid=lastrowid,
            description=self.returning,
            command=self.command_of(documents),
            # Rows an upsert updated were read back from the server.
            read_from_server=self.conflict is not None and self.conflict.update is not None,
        )

    def auto_columns(self, ctx: Executor, documents: list[dict[str, Any]]) -> tuple[str, ...]:
        """Return the columns whose missing values come from counters."""
        registered = ctx.auto_fields(self.collection)
        key = self.stored_key
        if registered is not None:
            if key is None:
                return registered
            return tuple("_id" if column == key else column for column in registered)
        # No __schema__ entry yet: RETURNING columns left without a value
        # are the auto-increment ones; reserving creates the entry. An
        # ObjectId _id is made by the driver, never by a counter.
        return tuple(
            c
            for c in self.returning
            if (c != "_id" or key is not None) and any(get_path(d, c) is None for d in documents)
        )

    def counter_column(self, column: str) -> str:
        """Return the name ``__schema__`` keeps ``column``'s counter under."""
        return self.stored_key if column == "_id" and self.stored_key else column

    def _assign_ids(
        self, ctx: Executor, documents: list[dict[str, Any]], column: str
    ) -> tuple[Any, bool]:
        """Give ``column`` its next counter values where documents lack it;
        return the last document's value and whether every document took
        one from the counter."""
        get = _getter(column)
        values = list(map(get, documents))
        missing = [d for d, value in zip(documents, values, strict=True) if value is None]
        explicit = [value for value in values if value is not None]
        if explicit:
            highest = max(explicit)
            if isinstance(highest, int):
                ctx.advance_ids(self.collection, self.counter_column(column), highest)
        if not missing:
            return (explicit[-1] if explicit else None), False
        first = ctx.reserve_ids(self.collection, self.counter_column(column), len(missing))
        if "." in column:
            for offset, document in enumerate(missing, start=first):
                set_path(document, column, offset)
        else:
            for offset, document in enumerate(missing, start=first):
                document[column] = offset
        return get(documents[-1]), not explicit


def _getter(path: str) -> Callable[[dict[str, Any]], Any]:
    """Return a function reading ``path`` of a document (None if missing)."""
    if "." in path:
        return lambda document: get_path(document, path)
    return operator.methodcaller("get", path)


def _compile_row_builder(
    columns: tuple[str, ...],
    rows: list[list[Callable[[Context], Any] | None]],
    computed: dict[tuple[int, int], Bound],
) -> Callable[[Sequence[Any], int], list[dict[str, Any]]] | None:
    """Return a function (params, repeat) → documents for rows whose values
    are parameters, literals and DEFAULTs (a DEFAULT leaves its key out),
    repeated ``repeat`` times with the parameters that follow; None for
    anything else (computed values, nested column paths).

    One row of parameters alone, in column order (what ``bulk_create``
    sends), becomes ``dict(zip(columns, params))`` per document: no
    per-value work.
    """
    if computed or any("." in column for column in columns):
        return None
    # Per row: (column, index of its parameter in the row or None, constant).
    templates: list[list[tuple[str, int | None, Any]]] = []
    for row in rows:
        cells: list[tuple[str, int | None, Any]] = []
        width = 0
        for column, value in zip(columns, row, strict=True):
            if isinstance(value, ParamValue):
                cells.append((column, width, None))
                width += 1
            elif isinstance(value, ConstantValue):
                cells.append((column, None, value.value))
            elif value is not None:
                return None
        templates.append(cells)
    if len(templates) == 1 and len(templates[0]) == len(columns):
        (cells,) = templates
        if all(index is not None for _, index, _ in cells):

            def build_plain(values: Sequence[Any], repeat: int) -> list[dict[str, Any]]:
                # zip() stops at the last column: each document takes the
                # next len(columns) parameters.
                items = iter(values)
                return [dict(zip(columns, items, strict=False)) for _ in range(repeat)]

            return build_plain

    def build(values: Sequence[Any], repeat: int) -> list[dict[str, Any]]:
        items = iter(values)
        documents = []
        for _ in range(repeat):
            for cells in templates:
                document = {}
                for column, index, constant in cells:
                    document[column] = constant if index is None else next(items)
                documents.append(document)
        return documents

    return build


def and_equal(values: dict[str, Any]) -> dict[str, Any]:
    """Return the filter of documents whose columns equal ``values``."""
    query: dict[str, Any] = {}
    for column, value in values.items():
        query.update(equals(column, value))
    return query


def upsert_request(
    document: dict[str, Any], conflict: n.OnConflict
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the filter and update of one row of ``INSERT ... ON CONFLICT
    (target) DO UPDATE SET ...`` as an upsert.

    The filter finds the stored row with the row's target values; a row
    with a NULL among them never conflicts (NULLs are distinct in SQL's
    unique constraints), so its filter is its own new ``_id``.
    """
    values = {column: document.get(column) for column in conflict.target}
    if any(value is None for value in values.values()):
        document.setdefault("_id", ObjectId())
        values = {"_id": document["_id"]}
    query = and_equal(values)
    updated = {
        column: document[column]
        for column in conflict.update or ()
        if column in document and column not in values
    }
    change: dict[str, Any] = {"$set": updated} if updated else {}
    others = {k: v for k, v in document.items() if k not in updated and k not in values}
    if others:
        change["$setOnInsert"] = others
    return query, change or {"$setOnInsert": values}


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted ``path`` in ``document``, creating nested dicts."""
    *parents, last = path.split(".")
    for part in parents:
        document = document.setdefault(part, {})
    document[last] = value


@dataclass
class UpdatePlan(Plan):
    collection: str
    filter: Bound
    update: Bound
    writes = True

    def command(self, ctx: Context) -> dict[str, Any]:
        return {
            "update": self.collection,
            "updates": [{"q": self.filter(ctx), "u": self.update(ctx), "multi": True}],
        }

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        (update,) = command["updates"]
        matched = ctx.update(self.collection, update["q"], update["u"])
        return Result(rowcount=matched, command=command)


@dataclass
class DeletePlan(Plan):
    collection: str
    filter: Bound
    writes = True

    def command(self, ctx: Context) -> dict[str, Any]:
        return {"delete": self.collection, "deletes": [{"q": self.filter(ctx), "limit": 0}]}

    def execute(self, ctx: Executor) -> Result:
        command = self.command(ctx)
        (delete,) = command["deletes"]
        deleted = ctx.delete(self.collection, delete["q"])
        return Result(rowcount=deleted, command=command)


@dataclass
class ExplainPlan(Plan):
    """Run MongoDB's ``explain`` on the command another plan would issue.

    The one result row holds the server's answer: a dict when JSON was
    asked for, otherwise the same as indented JSON text.
    """

    plan: Plan
    verbosity: str = "queryPlanner"
    as_json: bool = False

    def explained_command(self, ctx: Context) -> dict[str, Any]:
        command = self.plan.command(ctx)
        if "aggregate" in command:
            command["cursor"] = {}
        if "values" in command:
            raise TypeError("a SELECT without FROM has no MongoDB command to explain")
        return command

    def command(self, ctx: Context) -> dict[str, Any]:
        return {"explain": self.explained_command(ctx), "verbosity": self.verbosity}

    def execute(self, ctx: Executor) -> Result:
        command = self.explained_command(ctx)
        logged = {"explain": command, "verbosity": self.verbosity}
        collection = ctx.collection(self.plan.collection)
        # MongoDB refuses explain inside a transaction; the plan it reports
        # does not depend on uncommitted data.
        answer = collection.database.command("explain", command, verbosity=self.verbosity)
        answer = {k: v for k, v in answer.items() if not k.startswith("$") and k != "operationTime"}
        if self.as_json:
            row: Any = json.loads(json_util.dumps(answer))
        else:
            row = json.dumps(json.loads(json_util.dumps(answer)), indent=2)
        return Result(rows=[(row,)], description=("explain",), command=logged)
