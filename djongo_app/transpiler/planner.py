"""Parse tree → plan.

A SELECT over one collection with plain columns becomes a ``find``;
``COUNT(*)`` alone becomes ``count_documents``; everything else (joins,
GROUP BY, aggregates, DISTINCT, computed columns or sort keys, derived
tables) becomes an aggregation pipeline in this order:

1. ``$match`` with the WHERE conjuncts that read only the base table;
2. per JOIN, ``$lookup`` (conjuncts reading only that INNER-joined table go
   inside its pipeline) and ``$unwind``;
3. ``$match`` with the remaining conjuncts;
4. ``$group`` for GROUP BY or aggregates (inside ``$facet`` when there is
   no GROUP BY, so an empty input still gives its one row), then HAVING;
5. ``$project`` of the output columns and sort keys, DISTINCT as a
   ``$group`` on them, then ``$sort``, ``$skip`` and ``$limit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import not_supported
from . import nodes as n
from .catalog import model_columns
from .ddl import DropTable, plan_drop_table
from .expressions import Bound, ExpressionCompiler, literal
from .functions import (
    AGGREGATE_ORDER_KEYS,
    AGGREGATES,
    COLLECTED_AGGREGATES,
    PYTHON_FUNCTIONS,
    is_null,
)
from .joins import equality_pair, equi_joins, reduce_joins
from .layout import NO_KEYS, KeyLayout
from .plans import (
    AggregatePlan,
    ConstantPlan,
    ConstantValue,
    CountPlan,
    DeletePlan,
    ExplainPlan,
    FindPlan,
    Getter,
    InsertPlan,
    KeysFallbackPlan,
    PagedJoinPlan,
    ParamValue,
    Plan,
    UpdatePlan,
    WholeDocumentsPlan,
    columns_row_builder,
    get_path,
    path_row_builder,
)
from .scope import (
    JOIN_PREFIX,
    Correlation,
    Scope,
    Source,
    correlated_subqueries,
    referenced_tables,
    single_table,
)
from .where import FilterCompiler
from .windows import WindowCompiler, window_operands, windows_in

# MongoDB gives every stored document an _id: the one column that is never
# NULL or missing in a document that exists.
DOCUMENT_ID = "_id"

# Aggregates other than COUNT and SUM (which keep SQL's NULL rules by hand)
# → their $group accumulators. All of these ignore NULLs, as SQL does.
ACCUMULATORS = {
    "AVG": "$avg",
    "MIN": "$min",
    "MAX": "$max",
    "STDDEV_POP": "$stdDevPop",
    "STDDEV_SAMP": "$stdDevSamp",
    "VAR_POP": "$stdDevPop",
    "VAR_SAMP": "$stdDevSamp",
}

# Rows of a correlated subquery are looked up into this field.
SUBQUERY_PREFIX = "__subquery__"

# The derived table Django wraps around a query that filters on a window
# function (SQLCompiler.get_qualify_sql): ``SELECT * FROM (...) "qualify"``.
QUALIFY_ALIAS = "qualify"


def plan(statement: n.Statement | DropTable, sql: str, layout: KeyLayout = NO_KEYS) -> Plan:
    """Return the plan that runs ``statement`` (parsed from ``sql``, its
    stored keys already renamed by :func:`.layout.store_keys`)."""
    if isinstance(statement, DropTable):
        return plan_drop_table(statement)
    return Planner(sql, layout).plan(statement)


@dataclass
class Pipeline:
    """A SELECT compiled to stages, before its rows are shaped."""

    collection: str
    stages: list[Bound]
    output_keys: tuple[str, ...]
    names: tuple[str, ...]
    # SELECT *: documents pass through whole, read by their own field names.
    whole_documents: bool = False
    # Output column index → Python function (functions.PYTHON_FUNCTIONS).
    finishers: dict[int, Callable[[Any], Any]] = field(default_factory=dict)
    # Aggregates without GROUP BY at the top level: the accumulators' values
    # over no rows and the stages that follow the $group.
    empty_result: tuple[dict[str, Any], list[Bound]] | None = None


@dataclass(frozen=True)
class JoinKeys:
    """The equality a JOIN's ``$lookup`` matches on, and what may be NULL.

    ``$lookup`` matches a missing or null ``localField`` to every document
    whose ``foreignField`` is missing or null, where SQL's ``NULL = NULL``
    is never true. Whether the local value can be NULL follows from its
    source row: a LEFT-joined row can be missing (then every column of it
    is), and any column but ``_id`` can hold NULL. Only ``_id`` on the
    joined side is never NULL, so only then can the guard go.
    """

    local: str
    foreign: str
    # The row the local column belongs to can be missing (a LEFT join's).
    local_row_may_be_missing: bool
    local_column: str

    @property
    def local_may_be_null(self) -> bool:
        return self.local_row_may_be_missing or self.local_column != DOCUMENT_ID

    @property
    def needs_null_guard(self) -> bool:
        return self.local_may_be_null and self.foreign != DOCUMENT_ID


@dataclass
class _GroupState:
    replacements: dict[n.Expr, str] = field(default_factory=dict)
    group_keys: dict[str, Bound] = field(default_factory=dict)
    accumulators: dict[str, Bound] = field(default_factory=dict)
    finishers: dict[str, Callable[[], Any]] = field(default_factory=dict)
    empty_values: dict[str, Any] = field(default_factory=dict)


class Planner:
    def __init__(self, sql: str, layout: KeyLayout = NO_KEYS):
        self.sql = sql
        self.layout = layout
        # One plan per distinct subquery: an execution runs each plan once
        # (ExecutionContext.run_subquery).
        self._subquery_plans: dict[n.Query, Plan] = {}

    def plan(self, statement: n.Statement) -> Plan:
        if isinstance(statement, n.Explain):
            return ExplainPlan(
                self.plan(statement.statement), statement.verbosity, statement.as_json
            )
        if isinstance(statement, n.Select | n.Compound):
            return self.plan_select(statement)
        if isinstance(statement, n.Insert):
            return self.plan_insert(statement)
        if isinstance(statement, n.Update):
            return self.plan_update(statement)
        return self.plan_delete(statement)

    def subquery_plan(self, query: n.Query) -> Plan:
        plan = self._subquery_plans.get(query)
        if plan is None:
            plan = self._subquery_plans[query] = self.plan_select(query)
        return plan

    def compilers(
        self,
        scope: Scope,
        replacements: dict[n.Expr, str] | None = None,
        lookups: dict[n.Expr, str] | None = None,
    ) -> tuple[ExpressionCompiler, FilterCompiler]:
        expressions = ExpressionCompiler(scope, self.sql, replacements, self.subquery_plan, lookups)
        return expressions, FilterCompiler(expressions)

    # SELECT ---------------------------------------------------------------

    def plan_select(self, select: n.Query, *, reduce: bool = True) -> Plan:
        if isinstance(select, n.Compound):
            pipeline = self.build_compound_pipeline(select)
            return AggregatePlan(
                pipeline.collection, pipeline.stages, pipeline.output_keys, pipeline.names
            )
        names = tuple(_item_name(item) for item in select.items)
        if select.source is None:
            return self.plan_constant_select(select, names)
        if reduce and select.joins:
            # Filtering joins as key lists first (joins.py), with the plan
            # that runs the joins for when a key list is too long.
            reduced = reduce_joins(select)
            if reduced is not None:
                plan: Plan = KeysFallbackPlan(
                    self.plan_select(reduced, reduce=False),
                    self.plan_select(select, reduce=False),
                )
                # A many-to-many filter whose link rows turn out to be one
                # per base row needs no join at all (a find): tried first.
                dropped = reduce_joins(select, repeating=True)
                if dropped is not None and dropped != reduced:
                    plan = KeysFallbackPlan(self.plan_select(dropped, reduce=False), plan)
                return plan
        if isinstance(select.source, n.Table):
            find = self.try_find(select, select.source, names)
            if find is not None:
                return find
            paged = self.try_paged_joins(select, names)
            if paged is not None:
                return paged
        pipeline = self.build_pipeline(select, allow_finishers=True)
        if pipeline.whole_documents:
            # Its columns are whatever fields the documents hold: the rows
            # would have no columns at all, not the documents' values.
            raise not_supported("SELECT * from a derived table (a subquery in FROM)", self.sql)
        return AggregatePlan(
            pipeline.collection,
            pipeline.stages,
            pipeline.output_keys,
            pipeline.names,
            pipeline.finishers,
            pipeline.empty_result,
        )

    def plan_constant_select(self, select: n.Select, names: tuple[str, ...]) -> Plan:
        """SELECT without FROM: constants come back without a round trip;
        anything computed runs as a pipeline over one empty document."""
        simple = all(isinstance(item.expr, n.Param | n.Literal) for item in select.items)
        if simple and select.where is None and not select.group_by and select.having is None:
            expressions, _ = self.compilers(Scope())
            return ConstantPlan([expressions.value(item.expr) for item in select.items], names)
        pipeline = self.build_pipeline(select)
        return AggregatePlan("", pipeline.stages, pipeline.output_keys, names)

    def try_find(self, select: n.Select, table: n.Table, names: tuple[str, ...]) -> Plan | None:
        if select.joins or select.group_by or select.having or select.distinct:
            return None
        if correlated_subqueries(select.where):
            return None
        if len(select.items) == 1 and isinstance(select.items[0].expr, n.Star):
            return self.plan_whole_documents(select, table)
        scope = single_table(table.alias)
        _, filters = self.compilers(scope)
        if _is_count_star(select):
            if select.order_by or select.limit is not None or select.offset:
                return None
            return CountPlan(table.name, filters.compile(select.where), names)
        getters: list[Getter] = []
        paths: list[str] = []
        for item in select.items:
            if isinstance(item.expr, n.Column):
                path = _safe_path(scope, item.expr)
                if path is None:
                    return None
                paths.append(path)
                getters.append(lambda doc, params, path=path: get_path(doc, path))
            elif isinstance(item.expr, n.Literal):
                getters.append(lambda doc, params, value=item.expr.value: value)
            elif isinstance(item.expr, n.Param):
                getters.append(lambda doc, params, index=item.expr.index: params[index])
            else:
                return None
        sort: list[tuple[str, int]] = []
        for order in select.order_by:
            expr = _resolve_order_reference(order.expr, select)
            path = _safe_path(scope, expr) if isinstance(expr, n.Column) else None
            if path is None:
                return None
            sort.append((path, -1 if order.descending else 1))
        return FindPlan(
            collection=table.name,
            filter=filters.compile(select.where),
            projection=None if self.reads_whole(table.name, paths) else _projection(paths),
            row=(len(paths) == len(getters) and columns_row_builder(paths))
            or path_row_builder(getters),
            sort=tuple(sort),
            skip=select.offset,
            limit=select.limit,
            columns=names,
        )

    def reads_whole(self, table: str, paths: list[str]) -> bool:
        """Return whether ``paths`` are every column the models of
        ``table`` store (a SELECT of a whole model row): the documents are
        then read whole, without a projection. A projection costs the
        server work per document (about a fifth of a find by key on the
        test server); a document djongo_app wrote holds those columns and
        nothing else, and the rows read only the selected paths anyway.
        """
        columns = model_columns(table)
        if not columns:
            return False
        path = self.layout.path
        return {path(table, column) for column in columns} <= set(paths)

    def column_sort(self, select: n.Select, scope: Scope) -> list[tuple[str, int]]:
        """Return ORDER BY as (path, direction) when it names only columns."""
        sort: list[tuple[str, int]] = []
        for order in select.order_by:
            path = _safe_path(scope, order.expr) if isinstance(order.expr, n.Column) else None
            if path is None:
                raise not_supported("SELECT * with this ORDER BY", self.sql)
            sort.append((path, -1 if order.descending else 1))
        return sort

    def plan_whole_documents(self, select: n.Select, table: n.Table) -> Plan:
        scope = single_table(table.alias)
        _, filters = self.compilers(scope)
        sort = self.column_sort(select, scope)
        return WholeDocumentsPlan(
            table.name,
            filters.compile(select.where),
            tuple(sort),
            select.offset,
            select.limit,
            stored_key=self.layout.key_of(table.name),
        )

    def try_paged_joins(self, select: n.Select, names: tuple[str, ...]) -> Plan | None:
        """Plan a page of a SELECT whose joins are all to unique keys (what
        ``select_related`` and the admin's changelist send): ``$match``,
        ``$sort``, ``$skip`` and ``$limit`` on the base collection first,
        then one ``$lookup`` per join for the page's documents only.

        Such a join cannot add rows, nor reorder them. An INNER one drops
        a row whose key matches nothing (a dangling or NULL foreign key, a
        joined row that fails its conditions): the page then keeps those
        rows, each marked, and a marked row makes the plan run the general
        pipeline instead (:class:`~.plans.PagedJoinPlan`), so that rows
        after the page take their place as SQL says. Return None when the
        statement is not of this shape.
        """
        source = select.source
        if (
            not isinstance(source, n.Table)
            or not select.joins
            or select.limit is None
            or select.group_by
            or select.having is not None
            or select.distinct
            or _has_aggregate(select)
            or self.window_calls(select)
            or any(
                isinstance(item.expr, n.Star) or _python_function(item.expr)
                for item in select.items
            )
            or correlated_subqueries(
                (
                    select.where,
                    tuple(item.expr for item in select.items),
                    tuple(order.expr for order in select.order_by),
                    tuple(join.on for join in select.joins),
                )
            )
        ):
            return None
        joins = equi_joins(select)
        if joins is None or not all(join.unique for join in joins):
            return None
        base = source.alias
        inner = {j.alias for j in joins if j.join.kind == "INNER"}
        if any(j.owner != base and j.owner not in inner for j in joins):
            # A join hanging off a LEFT join: its row may be missing.
            return None
        if any(referenced_tables(c) - {j.alias} for j in joins for c in j.extra):
            return None
        base_only: list[n.Expr] = []
        pushed: dict[str, list[n.Expr]] = {j.alias: [] for j in joins}
        for conjunct in _conjuncts(select.where):
            tables = {base if t is None else t for t in referenced_tables(conjunct)}
            if tables <= {base}:
                base_only.append(conjunct)
            elif len(tables) == 1 and tables <= inner:
                pushed[next(iter(tables))].append(conjunct)
            else:
                return None
        scope = Scope(
            {
                base: Source(),
                **{j.alias: Source(prefix=f"{JOIN_PREFIX}{j.alias}.") for j in joins},
            },
            default=base,
        )
        base_scope = single_table(base)
        sort: list[tuple[str, int]] = []
        for order in select.order_by:
            expr = _resolve_order_reference(order.expr, select)
            if not (isinstance(expr, n.Column) and expr.table in {None, base}):
                return None
            path = _safe_path(base_scope, expr)
            if path is None:
                return None
            sort.append((path, -1 if order.descending else 1))

        stages: list[Bound] = []
        _, filters = self.compilers(base_scope)
        if base_only:
            stages.append(_match_stage(filters.compile(_and_of(base_only))))
        stages.extend(_window_stages(sort, select.offset, select.limit))
        read = _columns_read(select)
        may_be_missing: set[str] = set()
        for j in joins:
            stages.extend(
                self.join_stages(
                    j.join,
                    scope,
                    pushed[j.alias],
                    may_be_missing,
                    columns=None if read is None else read.get(j.alias, set()),
                    preserve=True,
                )
            )
            may_be_missing.add(j.alias)
        expressions, _ = self.compilers(scope)
        output: dict[str, Bound] = {
            f"c{index}": expressions.value(item.expr) for index, item in enumerate(select.items)
        }
        output_keys = tuple(output)
        markers = {
            f"__found{index}": {"$ne": [{"$type": f"${JOIN_PREFIX}{alias}"}, "missing"]}
            for index, alias in enumerate(sorted(inner))
        }
        project = _project_stage(output)
        stages.append(lambda ctx: {"$project": {**project(ctx)["$project"], **markers}})
        general = self.build_pipeline(select, allow_finishers=True)
        fallback = AggregatePlan(
            general.collection,
            general.stages,
            general.output_keys,
            names,
            general.finishers,
            general.empty_result,
        )
        return PagedJoinPlan(
            source.name, stages, output_keys, names, markers=tuple(markers), fallback=fallback
        )

    def build_query_pipeline(
        self, query: n.Query, correlation: Correlation | None = None
    ) -> Pipeline:
        if isinstance(query, n.Compound):
            if correlation is not None:
                raise not_supported("A correlated compound subquery", self.sql)
            return self.build_compound_pipeline(query)
        return self.build_pipeline(query, correlation)

    def build_compound_pipeline(self, compound: n.Compound) -> Pipeline:
        """Return the pipeline of UNION [ALL], INTERSECT or EXCEPT.

        The first part runs on its collection; the others join it with
        $unionWith. Set semantics come from a $group on the whole row, each
        row remembering which parts it came from.
        """
        parts = [self.build_query_pipeline(part) for part in compound.parts]
        if any(part.whole_documents for part in parts):
            raise not_supported(f"SELECT * in a compound query ({compound.operator})", self.sql)
        width = len(parts[0].output_keys)
        if any(len(part.output_keys) != width for part in parts):
            raise not_supported("A compound query whose parts differ in width", self.sql)
        keys = list(parts[0].output_keys)
        operator = compound.operator
        tagged = operator in {"INTERSECT", "EXCEPT"}
        stages = list(parts[0].stages)
        if tagged:
            stages.append(lambda ctx: {"$set": {"__part": 0}})
        for index, part in enumerate(parts[1:], start=1):
            stages.append(_union_with(part, index if tagged else None))
        row = {key: {"$ifNull": [f"${key}", None]} for key in keys}
        if operator == "UNION":
            stages.append(lambda ctx: {"$group": {"_id": row}})
            stages.append(lambda ctx: {"$replaceWith": "$_id"})
        elif tagged:
            wanted = (
                {"$eq": [{"$size": "$parts"}, len(parts)]}
                if operator == "INTERSECT"
                else {"$eq": ["$parts", [0]]}
            )
            stages.append(lambda ctx: {"$group": {"_id": row, "parts": {"$addToSet": "$__part"}}})
            stages.append(lambda ctx: {"$match": {"$expr": wanted}})
            stages.append(lambda ctx: {"$replaceWith": "$_id"})
        names = parts[0].names
        sort: list[tuple[str, int]] = []
        for order in compound.order_by:
            key = _compound_order_key(order.expr, names, keys)
            if key is None:
                raise not_supported("This ORDER BY of a compound query", self.sql)
            sort.append((key, -1 if order.descending else 1))
        stages.extend(_window_stages(sort, compound.offset, compound.limit))
        return Pipeline(parts[0].collection, stages, tuple(keys), names)

    def build_pipeline(
        self,
        select: n.Select,
        correlation: Correlation | None = None,
        *,
        allow_finishers: bool = False,
    ) -> Pipeline:
        if correlation is None:
            grouped = self.try_grouped_lookup(select)
            if grouped is not None:
                return grouped
        source = select.source
        stages: list[Bound] = []
        if isinstance(source, n.SubqueryTable):
            inner = self.build_query_pipeline(source.query)
            collection = inner.collection
            stages.extend(inner.stages)
            columns = {}
            for name, key in zip(inner.names, inner.output_keys, strict=True):
                columns.setdefault(name, key)
            base = Source() if inner.whole_documents else Source(columns=columns)
            base_alias = source.alias
            if _is_star(select) and source.alias == QUALIFY_ALIAS and not inner.whole_documents:
                # The columns of the query whose window values are filtered.
                star = tuple(
                    n.SelectItem(n.Column(name, source.alias), name) for name in inner.names
                )
                select = replace(select, items=star)
        elif isinstance(source, n.Table):
            collection = source.name
            base = Source()
            base_alias = source.alias
        else:
            # No FROM: one empty document, aggregated at the database level.
            collection = ""
            base = Source()
            base_alias = ""
            stages.append(lambda ctx: {"$documents": [{}]})

        sources = {base_alias: base} if base_alias else {}
        for join in select.joins:
            sources[join.table.alias] = Source(prefix=f"{JOIN_PREFIX}{join.table.alias}.")
        # Unqualified names (raw SQL from extra() or RawSQL) are read from
        # the FROM table; Django itself always qualifies its columns.
        default = base_alias or None
        scope = Scope(sources, default=default, correlation=correlation)
        where_subqueries = correlated_subqueries(select.where)
        other_subqueries = [
            node
            for node in correlated_subqueries(
                (
                    tuple(item.expr for item in select.items),
                    tuple(order.expr for order in select.order_by),
                    select.group_by,
                    select.having,
                )
            )
            if node not in where_subqueries
        ]
        lookups = {
            node: f"{SUBQUERY_PREFIX}{index}"
            for index, node in enumerate(where_subqueries + other_subqueries)
        }

        # WHERE conjuncts: base-only first, then per joined table, then rest.
        conjuncts = _conjuncts(select.where)
        base_only, per_join, rest = [], {j.table.alias: [] for j in select.joins}, []
        inner_aliases = {j.table.alias for j in select.joins if j.kind == "INNER"}
        for conjunct in conjuncts:
            tables = {base_alias if t is None else t for t in referenced_tables(conjunct)}
            if correlated_subqueries(conjunct):
                rest.append(conjunct)
            elif tables <= {base_alias}:
                base_only.append(conjunct)
            elif len(tables) == 1 and tables <= inner_aliases:
                per_join[next(iter(tables))].append(conjunct)
            else:
                rest.append(conjunct)
        _, filters = self.compilers(scope, lookups=lookups)
        if base_only:
            stages.append(_match_stage(filters.compile(_and_of(base_only))))
        # Aliases whose row can be missing: the LEFT-joined tables.
        may_be_missing: set[str] = set()
        read = _columns_read(select)
        for join in select.joins:
            alias = join.table.alias
            stages.extend(
                self.join_stages(
                    join,
                    scope,
                    per_join[alias],
                    may_be_missing,
                    columns=None if read is None else read.get(alias, set()),
                )
            )
            if join.kind == "LEFT":
                may_be_missing.add(alias)
        for node in where_subqueries:
            stages.append(self.subquery_lookup(node, lookups[node], scope))
        if rest:
            stages.append(_match_stage(filters.compile(_and_of(rest))))
        for node in other_subqueries:
            stages.append(self.subquery_lookup(node, lookups[node], scope))

        output_scope = scope
        replacements: dict[n.Expr, str] = {}
        empty_document: dict[str, Any] | None = None
        after_group = 0
        if select.group_by or _has_aggregate(select):
            group = self.group_state(select, scope, lookups)
            group_stages = self.group_stages(group)
            if not select.group_by and not allow_finishers:
                # Nested (a derived table, a $lookup): one row even for no
                # input needs $facet here.
                stages = _facet_stages(stages + group_stages, group.empty_values)
            else:
                stages.extend(group_stages)
                if not select.group_by:
                    # Top level: the plan makes the empty-input row itself.
                    empty_document = dict(group.empty_values)
                    after_group = len(stages)
            replacements = group.replacements
            output_scope = Scope()
            if select.having is not None:
                _, having_filters = self.compilers(output_scope, replacements)
                stages.append(_match_stage(having_filters.compile(select.having)))

        windows = self.window_calls(select)
        if windows:
            operands, _ = self.compilers(output_scope, replacements, lookups)
            window_stages, window_fields = WindowCompiler(operands, self.sql).compile(windows)
            stages.extend(window_stages)
            replacements = {**replacements, **window_fields}
        expressions, _ = self.compilers(output_scope, replacements, lookups)
        if _is_star(select) and not select.joins and not replacements:
            return self.whole_documents_pipeline(select, collection, stages, scope)
        output: dict[str, Bound] = {}
        output_keys = []
        aliases: dict[str, str] = {}
        finishers: dict[int, Callable[[Any], Any]] = {}
        for index, item in enumerate(select.items):
            if isinstance(item.expr, n.Star):
                raise not_supported("SELECT * with joins or aggregates", self.sql)
            key = f"c{index}"
            function = _python_function(item.expr)
            if function is not None and allow_finishers:
                output[key] = expressions.value(item.expr.args[0])  # type: ignore[attr-defined]
                finishers[index] = function
            else:
                output[key] = expressions.value(item.expr)
            output_keys.append(key)
            if item.alias:
                aliases.setdefault(item.alias, key)
        sort_keys: list[tuple[str, int]] = []
        for index, order in enumerate(select.order_by):
            key = self.order_key(order.expr, select, aliases, output, expressions, index)
            if key in {f"c{i}" for i in finishers}:
                raise not_supported(
                    "ORDER BY a function computed in Python (MD5, SHA*...)", self.sql
                )
            sort_keys.append((key, -1 if order.descending else 1))

        stages.append(_project_stage(output))
        if select.distinct:
            distinct_row = {k: {"$ifNull": [f"${k}", None]} for k in output}
            stages.append(lambda ctx: {"$group": {"_id": distinct_row}})
            stages.append(lambda ctx: {"$replaceWith": "$_id"})
        stages.extend(_window_stages(sort_keys, select.offset, select.limit))
        names = tuple(_item_name(item) for item in select.items)
        empty_result = None
        if empty_document is not None:
            empty_result = (empty_document, stages[after_group:])
        return Pipeline(
            collection,
            stages,
            tuple(output_keys),
            names,
            finishers=finishers,
            empty_result=empty_result,
        )

    def window_calls(self, select: n.Select) -> list[n.Window]:
        """Return the window calls of the SELECT list and ORDER BY (SQL
        allows them nowhere else: ExpressionCompiler refuses the others)."""
        used = (tuple(item.expr for item in select.items), tuple(o.expr for o in select.order_by))
        return _unique(windows_in(used))

    def try_grouped_lookup(self, select: n.Select) -> Pipeline | None:
        """Plan ``SELECT base columns, AGG(joined.x) ... FROM base LEFT JOIN
        joined ON base.a = joined.b GROUP BY base columns [ORDER BY group
        columns] LIMIT n`` (what ``annotate(Count("books"))[:n]`` becomes)
        without joining every base document first.

        A LEFT JOIN keeps every base document, so the groups are those of
        the base documents alone: group them, keep the page, then
        ``$lookup`` the joined documents of the page's groups. Each group
        collects its join values with repeats, and every aggregate reads the
        joined values once per repeat, which is what the joined rows would
        have held. Anything else (HAVING, other joins, expressions, ORDER BY
        an aggregate, no LIMIT) returns None: the general plan handles it.
        """
        source = select.source
        if (
            not isinstance(source, n.Table)
            or len(select.joins) != 1
            or select.joins[0].kind != "LEFT"
            or not select.group_by
            or select.having is not None
            or select.distinct
            or select.limit is None
        ):
            return None
        join = select.joins[0]
        base, joined = source.alias, join.table.alias
        pair = equality_pair(join.on, joined)
        if pair is None or pair[0].table != base or "." in pair[1].name:
            return None
        local, foreign = pair
        group_columns = list(select.group_by)
        if not all(isinstance(c, n.Column) and c.table == base for c in group_columns):
            return None
        # Django groups by the primary key alone when it selects the model's
        # other columns (allows_group_by_selected_pks): one grouped column
        # beside other selected base columns is a unique key, so each base
        # document is its own group.
        per_document = len(group_columns) == 1 and any(
            isinstance(item.expr, n.Column)
            and item.expr.table == base
            and item.expr not in group_columns
            for item in select.items
        )
        output_columns = [
            item.expr
            for item in select.items
            if isinstance(item.expr, n.Column) and item.expr.table == base
        ]
        aggregates: list[n.Func] = []
        for item in select.items:
            expr = item.expr
            if isinstance(expr, n.Column) and (expr in group_columns or per_document):
                if expr.table != base:
                    return None
                continue
            if (
                isinstance(expr, n.Func)
                and expr.name in LOOKUP_AGGREGATES
                and len(expr.args) == 1
                and isinstance(expr.args[0], n.Column)
                and expr.args[0].table == joined
            ):
                aggregates.append(expr)
                continue
            return None
        orderable = output_columns if per_document else group_columns
        order_by = [
            (_resolve_order_reference(o.expr, select), o.descending) for o in select.order_by
        ]
        if not all(expr in orderable for expr, _ in order_by):
            return None
        if any(
            referenced_tables(c) - {base} or correlated_subqueries(c)
            for c in _conjuncts(select.where)
        ):
            return None

        scope = Scope({base: Source()}, default=base)
        expressions, filters = self.compilers(scope)
        stages: list[Bound] = []
        if select.where is not None:
            stages.append(_match_stage(filters.compile(select.where)))
        if per_document:
            return self.per_document_lookup(
                select, scope, stages, order_by, join.table.name, local, foreign, aggregates
            )
        group_keys = {f"g{i}": sql_null(expressions.value(c)) for i, c in enumerate(group_columns)}
        local_value = expressions.value(local)

        def group(ctx: Any) -> dict[str, Any]:
            keys = {key: value(ctx) for key, value in group_keys.items()}
            return {"$group": {"_id": keys, LOOKUP_LOCAL: {"$push": local_value(ctx)}}}

        stages.append(group)
        sort_keys = [
            (f"_id.g{group_columns.index(expr)}", -1 if descending else 1)
            for expr, descending in order_by
        ]
        stages.extend(_window_stages(sort_keys, select.offset, select.limit))
        lookup = {
            "$lookup": {
                "from": join.table.name,
                "localField": LOOKUP_LOCAL,
                "foreignField": foreign.name,
                "as": LOOKUP_JOINED,
            }
        }
        stages.append(lambda ctx: lookup)
        columns = _unique(a.args[0].name for a in aggregates)  # type: ignore[attr-defined]
        joined_values = {
            f"{LOOKUP_VALUES}{i}": _joined_values(foreign.name, name)
            for i, name in enumerate(columns)
        }
        stages.append(lambda ctx: {"$addFields": joined_values})
        output: dict[str, Any] = {}
        for index, item in enumerate(select.items):
            expr = item.expr
            if isinstance(expr, n.Column):
                output[f"c{index}"] = f"$_id.g{group_columns.index(expr)}"
            else:
                values = f"${LOOKUP_VALUES}{columns.index(expr.args[0].name)}"  # type: ignore[attr-defined]
                output[f"c{index}"] = _aggregate_of_values(expr, values)
        stages.append(lambda ctx: {"$project": {"_id": 0, **output}})
        return Pipeline(
            source.name,
            stages,
            tuple(output),
            tuple(_item_name(item) for item in select.items),
        )

    def per_document_lookup(
        self,
        select: n.Select,
        scope: Scope,
        stages: list[Bound],
        order_by: list[tuple[n.Expr, bool]],
        joined_table: str,
        local: n.Column,
        foreign: n.Column,
        aggregates: list[n.Func],
    ) -> Pipeline:
        """The grouped-lookup plan when every base document is its own
        group: sort and cut the page of documents, then one ``$lookup``
        whose pipeline computes the aggregates, so that each document of
        the page receives one small document, not its joined rows."""
        expressions, _ = self.compilers(scope)
        sort_keys = [
            (scope.path(expr), -1 if descending else 1)  # type: ignore[arg-type]
            for expr, descending in order_by
        ]
        stages.extend(_window_stages(sort_keys, select.offset, select.limit))
        local_path = scope.path(local)
        group: dict[str, Any] = {"_id": None}
        results: list[Any] = []
        for index, aggregate in enumerate(aggregates):
            group_fields, result = _aggregate_in_lookup(aggregate, index)
            group.update(group_fields)
            results.append(result)
        # Exact SQL equality: $lookup alone would also match a joined array
        # holding the key; a NULL key matches nothing.
        lookup = {
            "$lookup": {
                "from": joined_table,
                "localField": local_path,
                "foreignField": foreign.name,
                "let": {"local": {"$ifNull": [f"${local_path}", None]}},
                "pipeline": [
                    {"$match": {foreign.name: {"$ne": None}}},
                    {"$match": {"$expr": {"$eq": [f"${foreign.name}", "$$local"]}}},
                    {"$group": group},
                ],
                "as": LOOKUP_JOINED,
            }
        }
        stages.append(lambda ctx: lookup)
        output: dict[str, Bound] = {}
        for index, item in enumerate(select.items):
            expr = item.expr
            if isinstance(expr, n.Column):
                output[f"c{index}"] = expressions.value(expr)
            else:
                value = results[aggregates.index(expr)]  # type: ignore[arg-type]
                output[f"c{index}"] = lambda ctx, value=value: value
        stages.append(_project_stage(output))
        return Pipeline(
            select.source.name,  # type: ignore[union-attr]
            stages,
            tuple(output),
            tuple(_item_name(item) for item in select.items),
        )

    def whole_documents_pipeline(
        self, select: n.Select, collection: str, stages: list[Bound], scope: Scope
    ) -> Pipeline:
        """SELECT * inside a derived table: documents pass through whole."""
        sort = self.column_sort(select, scope)
        stages.extend(_window_stages(sort, select.offset, select.limit))
        return Pipeline(collection, stages, (), (), whole_documents=True)

    def order_key(
        self,
        expr: n.Expr,
        select: n.Select,
        aliases: dict[str, str],
        output: dict[str, Bound],
        expressions: ExpressionCompiler,
        index: int,
    ) -> str:
        if isinstance(expr, n.Literal) and isinstance(expr.value, int):
            position = expr.value
            if not 1 <= position <= len(select.items):
                raise not_supported(f"ORDER BY position {position}", self.sql)
            return f"c{position - 1}"
        if isinstance(expr, n.Column) and expr.table is None and expr.name in aliases:
            return aliases[expr.name]
        for position, item in enumerate(select.items):
            if item.expr == expr:
                return f"c{position}"
        key = f"o{index}"
        output[key] = expressions.value(expr)
        return key

    def join_keys(
        self, join: n.Join, scope: Scope, may_be_missing: set[str]
    ) -> tuple[JoinKeys, list[n.Expr]]:
        """Return the equality of ``join`` and its other ON conditions."""
        alias = join.table.alias
        keys: JoinKeys | None = None
        extra: list[n.Expr] = []
        for conjunct in _conjuncts(join.on):
            pair = equality_pair(conjunct, alias) if keys is None else None
            if pair is None:
                extra.append(conjunct)
                continue
            local_column, foreign_column = pair
            local = _safe_path(scope, local_column)
            if local is None:
                raise not_supported("A JOIN condition on an unknown table", self.sql)
            local_table = scope.default if local_column.table is None else local_column.table
            keys = JoinKeys(
                local=local,
                foreign=foreign_column.name,
                local_row_may_be_missing=local_table in may_be_missing,
                local_column=local_column.name,
            )
        if keys is None:
            raise not_supported("A JOIN without an equality between the tables", self.sql)
        return keys, extra

    def join_stages(
        self,
        join: n.Join,
        scope: Scope,
        pushed: list[n.Expr],
        may_be_missing: set[str],
        *,
        columns: set[str] | None = None,
        preserve: bool | None = None,
    ) -> list[Bound]:
        """Return the $lookup and $unwind of ``join``: ``pushed`` conditions
        inside the lookup's pipeline, the joined documents cut to
        ``columns`` (all of them when None); an INNER join drops the rows
        it matches nothing for unless ``preserve`` says otherwise."""
        alias = join.table.alias
        target = f"{JOIN_PREFIX}{alias}"
        keys, extra = self.join_keys(join, scope, may_be_missing)
        local, foreign = keys.local, keys.foreign
        # ON conditions may read earlier tables: they reach the lookup's
        # pipeline as let variables, as a correlated subquery's do.
        outer, _ = self.compilers(scope)
        correlation = Correlation(outer.value)
        inner_scope = Scope({alias: Source()}, default=alias, correlation=correlation)
        pipeline: list[Bound] = []
        conditions = [*extra, *pushed]
        if keys.needs_null_guard:
            conditions.insert(0, n.IsNull(n.Column(foreign, alias), negated=True))
        if conditions:
            _, inner_filters = self.compilers(inner_scope)
            pipeline.append(_match_stage(inner_filters.compile(_and_of(conditions))))
        if columns is not None:
            projection = {"$project": _projection(sorted(columns))}
            pipeline.append(lambda ctx: projection)
        lookup_from = join.table.name
        if preserve is None:
            preserve = join.kind == "LEFT"

        def lookup(ctx: Any) -> dict[str, Any]:
            spec: dict[str, Any] = {
                "from": lookup_from,
                "localField": local,
                "foreignField": foreign,
                "as": target,
            }
            if pipeline:
                spec["pipeline"] = [stage(ctx) for stage in pipeline]
            if correlation.lets:
                spec["let"] = {name: value(ctx) for name, value in correlation.lets.items()}
            return {"$lookup": spec}

        unwind = {"$unwind": {"path": "$" + target, "preserveNullAndEmptyArrays": preserve}}
        return [lookup, lambda ctx: unwind]

    def subquery_lookup(self, node: n.Expr, key: str, scope: Scope) -> Bound:
        """Return the $lookup that runs a correlated subquery per row.

        Outer columns reach the subquery's pipeline as ``let`` variables.
        """
        outer, _ = self.compilers(scope)
        correlation = Correlation(outer.value)
        query = node.query  # type: ignore[attr-defined]
        inner = self.build_query_pipeline(query, correlation)
        lets = correlation.lets
        stages = inner.stages

        def lookup(ctx: Any) -> dict[str, Any]:
            return {
                "$lookup": {
                    "from": inner.collection,
                    "let": {name: value(ctx) for name, value in lets.items()},
                    "pipeline": [stage(ctx) for stage in stages],
                    "as": key,
                }
            }

        return lookup

    def group_state(
        self, select: n.Select, scope: Scope, lookups: dict[n.Expr, str]
    ) -> _GroupState:
        expressions, _ = self.compilers(scope, lookups=lookups)
        state = _GroupState()
        for index, expr in enumerate(select.group_by):
            expr = _resolve_order_reference(expr, select)
            key = f"g{index}"
            state.group_keys[key] = sql_null(expressions.value(expr))
            state.replacements[expr] = f"_id.{key}"
        used: list[n.Expr] = [item.expr for item in select.items]
        used += [_resolve_order_reference(order.expr, select) for order in select.order_by]
        if select.having is not None:
            used.append(select.having)
        aggregates = _unique(a for expr in used for a in _aggregates_in(expr))
        for index, aggregate in enumerate(aggregates):
            self.add_accumulator(state, f"a{index}", aggregate, expressions)
        # Columns outside aggregates and GROUP BY take their group's first
        # value (they are functionally dependent on the grouped key).
        loose = _unique(
            c for expr in used for c in _columns_outside(expr, state.replacements, lookups)
        )
        for index, column in enumerate(loose):
            key = f"f{index}"
            value = expressions.value(column)
            state.accumulators[key] = lambda ctx, value=value: {"$first": value(ctx)}
            state.replacements[column] = key
            state.empty_values[key] = None
        return state

    def add_accumulator(
        self, state: _GroupState, key: str, aggregate: n.Func, expressions: ExpressionCompiler
    ) -> None:
        name = aggregate.name
        state.replacements[aggregate] = key
        if name == "COUNT" and (not aggregate.args or isinstance(aggregate.args[0], n.Star)):
            state.accumulators[key] = lambda ctx: {"$sum": 1}
            state.empty_values[key] = 0
            return
        if name in COLLECTED_AGGREGATES:
            self.add_collected_accumulator(state, key, aggregate, expressions)
            return
        if len(aggregate.args) != 1:
            raise not_supported(f"{name}() with {len(aggregate.args)} arguments", self.sql)
        value = expressions.value(aggregate.args[0])
        if aggregate.distinct and name not in {"COUNT", "SUM", "AVG", "MIN", "MAX"}:
            raise not_supported(f"{name}(DISTINCT ...)", self.sql)
        if aggregate.distinct:
            state.accumulators[key] = lambda ctx: {"$addToSet": value(ctx)}
            state.finishers[key] = _distinct_finisher(name, key)
        elif name == "COUNT":
            state.accumulators[key] = lambda ctx: {"$sum": {"$cond": [is_null(value(ctx)), 0, 1]}}
        elif name == "SUM":
            # $sum of no numbers is 0; SQL's SUM is NULL then.
            count_key = f"{key}_n"
            state.accumulators[key] = lambda ctx: {"$sum": value(ctx)}
            state.accumulators[count_key] = lambda ctx: {
                "$sum": {"$cond": [is_null(value(ctx)), 0, 1]}
            }
            state.finishers[key] = lambda: {
                "$cond": [{"$eq": [f"${count_key}", 0]}, None, f"${key}"]
            }
        else:
            operator = ACCUMULATORS[name]
            state.accumulators[key] = lambda ctx: {operator: value(ctx)}
            if name.startswith("VAR_"):
                # MongoDB has standard deviations; variance is their square.
                state.finishers[key] = lambda: {"$pow": [f"${key}", 2]}
        state.empty_values[key] = 0 if name == "COUNT" else None

    def add_collected_accumulator(
        self, state: _GroupState, key: str, aggregate: n.Func, expressions: ExpressionCompiler
    ) -> None:
        """Collect the values of an aggregate of functions.COLLECTED_AGGREGATES
        with its ORDER BY keys ($push, or $addToSet for DISTINCT); after the
        $group drop the NULLs, sort by the keys ($sortArray) and fold."""
        name = aggregate.name
        constants, fold = COLLECTED_AGGREGATES[name]
        if not aggregate.args:
            raise not_supported(f"{name}() without arguments", self.sql)
        value_arg, *rest = aggregate.args
        keys = [
            (arg.args[0], AGGREGATE_ORDER_KEYS[arg.name])
            for arg in rest
            if isinstance(arg, n.Func) and arg.name in AGGREGATE_ORDER_KEYS and len(arg.args) == 1
        ]
        extra = rest[: len(rest) - len(keys)]
        if len(extra) != constants or any(
            isinstance(arg, n.Func) and arg.name in AGGREGATE_ORDER_KEYS for arg in extra
        ):
            raise not_supported(f"{name}() with these arguments", self.sql)
        value = expressions.value(value_arg)
        key_values = [expressions.value(expr) for expr, _ in keys]
        operator = "$addToSet" if aggregate.distinct else "$push"

        def element(ctx: Any) -> Any:
            if not key_values:
                return value(ctx)
            return {"v": value(ctx), **{f"k{i}": k(ctx) for i, k in enumerate(key_values)}}

        state.accumulators[key] = lambda ctx: {operator: element(ctx)}
        constant_keys = []
        for index, arg in enumerate(extra):
            constant_key = f"{key}_c{index}"
            constant_keys.append(f"${constant_key}")
            constant = expressions.value(arg)
            # $max of a constant is that constant ($first would do as well,
            # but SecantusDB folds a constant $first as the array operator).
            state.accumulators[constant_key] = lambda ctx, c=constant: {"$max": c(ctx)}
        field_path = "$$this.v" if keys else "$$this"
        values: Any = {"$filter": {"input": f"${key}", "cond": {"$ne": [field_path, None]}}}
        if keys:
            order = {f"k{i}": direction for i, (_, direction) in enumerate(keys)}
            values = {"$sortArray": {"input": values, "sortBy": order}}
            values = {"$map": {"input": values, "in": "$$this.v"}}
        state.finishers[key] = lambda: fold(values, *constant_keys)
        state.empty_values[key] = None

    def group_stages(self, state: _GroupState) -> list[Bound]:
        keys, accumulators, finishers = state.group_keys, state.accumulators, state.finishers

        def group(ctx: Any) -> dict[str, Any]:
            spec: dict[str, Any] = {"_id": {k: v(ctx) for k, v in keys.items()} if keys else None}
            spec.update({k: v(ctx) for k, v in accumulators.items()})
            return {"$group": spec}

        stages: list[Bound] = [group]
        if finishers:
            finished = {k: build() for k, build in finishers.items()}
            stages.append(lambda ctx: {"$set": finished})
        return stages

    # INSERT, UPDATE, DELETE -----------------------------------------------

    def plan_insert(self, insert: n.Insert) -> Plan:
        conflict = insert.on_conflict
        if conflict is not None and conflict.update is not None and not conflict.target:
            raise not_supported("ON CONFLICT DO UPDATE without conflict columns", self.sql)
        expressions, _ = self.compilers(Scope())
        rows = []
        computed: dict[tuple[int, int], Bound] = {}
        for row_index, row in enumerate(insert.rows):
            values: list[Callable[[Any], Any] | None] = []
            for column_index, expr in enumerate(row):
                if isinstance(expr, n.Default):
                    values.append(None)
                elif isinstance(expr, n.Param):
                    values.append(ParamValue(expr.index))
                elif isinstance(expr, n.Literal):
                    values.append(ConstantValue(expr.value))
                else:
                    # Computed on the server first (e.g. bulk_create with
                    # Lower("name")); reading columns here is an error.
                    computed[row_index, column_index] = expressions.value(expr)
                    values.append(lambda ctx: None)
            rows.append(values)
        columns = insert.columns
        if not insert.rows[0] and not columns:
            rows = [[]]
        return InsertPlan(
            insert.table,
            columns,
            rows,
            insert.returning,
            computed,
            conflict,
            stored_key=self.layout.key_of(insert.table),
        )

    def plan_update(self, update: n.Update) -> Plan:
        if any(a.column == DOCUMENT_ID for a in update.assignments) and self.layout.key_of(
            update.table
        ):
            # MongoDB never changes a stored document's _id.
            raise not_supported(
                f"UPDATE of the primary key {self.layout.key_of(update.table)!r} (stored in _id)",
                self.sql,
            )
        scope = single_table(update.table)
        expressions, _ = self.compilers(scope)
        constants: dict[str, Callable[[Any], Any]] = {}
        computed: dict[str, Bound] = {}
        for assignment in update.assignments:
            value = assignment.value
            if isinstance(value, n.Param):
                constants[assignment.column] = lambda ctx, i=value.index: ctx.params[i]
            elif isinstance(value, n.Literal):
                constants[assignment.column] = lambda ctx, v=value.value: v
            elif isinstance(value, n.Default):
                # SET column = DEFAULT (save() of a row whose field holds
                # its DatabaseDefault): the default as the server reads it.
                computed[assignment.column] = lambda ctx, t=update.table, c=assignment.column: (
                    ctx.column_default(t, c)
                )
            else:
                computed[assignment.column] = expressions.value(value)

        if computed:
            # An update pipeline keeps SQL's NULL arithmetic (NULL + 1 is
            # NULL) where $inc would fail on a null field.
            def update_document(ctx: Any) -> Any:
                values = {c: literal(v(ctx)) for c, v in constants.items()}
                values.update({c: v(ctx) for c, v in computed.items()})
                return [{"$set": values}]
        else:

            def update_document(ctx: Any) -> Any:
                return {"$set": {c: v(ctx) for c, v in constants.items()}}

        return UpdatePlan(
            update.table, self.write_filter(update.table, update.where), update_document
        )

    def plan_delete(self, delete: n.Delete) -> Plan:
        return DeletePlan(delete.table, self.write_filter(delete.table, delete.where))

    def write_filter(self, table: str, where: n.Expr | None) -> Bound:
        """Return the filter of an UPDATE or DELETE.

        A WHERE with correlated subqueries needs a pipeline: the matching
        ``_id``s are found with an aggregate first, then written by ``_id``.
        """
        if not correlated_subqueries(where):
            _, filters = self.compilers(single_table(table))
            return filters.compile(where)
        select = n.Select(
            items=(n.SelectItem(n.Column("_id", table)),),
            source=n.Table(table, table),
            where=where,
        )
        pipeline = self.build_pipeline(select)
        finder = AggregatePlan(pipeline.collection, pipeline.stages, pipeline.output_keys)

        def by_ids(ctx: Any) -> dict[str, Any]:
            ids = [row[0] for row in ctx.run_subquery(finder)]
            return {"_id": {"$in": ids}}

        return by_ids


# Helpers ------------------------------------------------------------------


def sql_null(value: Bound) -> Bound:
    """Return ``value`` with a missing value read as null.

    In a ``$group`` key a document without the key and one holding null
    would make two groups ({} and {"g0": null}); SQL has one NULL.
    """
    return lambda ctx: {"$ifNull": [value(ctx), None]}


def _window_stages(sort_keys: list[tuple[str, int]], offset: int, limit: int | None) -> list[Bound]:
    """Return the $sort, $skip and $limit stages of ORDER BY/OFFSET/LIMIT."""
    stages: list[Bound] = []
    if sort_keys:
        # A key repeated later (ORDER BY x IS NULL, x DESC, x) adds nothing:
        # the first occurrence decides.
        sort_document: dict[str, int] = {}
        for key, direction in sort_keys:
            sort_document.setdefault(key, direction)
        stages.append(lambda ctx: {"$sort": sort_document})
    if offset:
        stages.append(lambda ctx: {"$skip": offset})
    if limit == 0:
        # LIMIT 0 is no rows; MongoDB reads $limit: 0 as an error.
        stages.append(lambda ctx: {"$match": {"$expr": {"$literal": False}}})
    elif limit is not None:
        stages.append(lambda ctx: {"$limit": limit})
    return stages


def _union_with(part: Pipeline, tag: int | None) -> Bound:
    stages = list(part.stages)
    if tag is not None:
        stages.append(lambda ctx: {"$set": {"__part": tag}})

    def union(ctx: Any) -> dict[str, Any]:
        return {
            "$unionWith": {
                "coll": part.collection,
                "pipeline": [stage(ctx) for stage in stages],
            }
        }

    return union


def _compound_order_key(expr: n.Expr, names: tuple[str, ...], keys: list[str]) -> str | None:
    if isinstance(expr, n.Literal) and isinstance(expr.value, int):
        if 1 <= expr.value <= len(keys):
            return keys[expr.value - 1]
        return None
    if isinstance(expr, n.Column) and expr.name in names:
        return keys[names.index(expr.name)]
    return None


def _python_function(expr: n.Expr) -> Callable[[Any], Any] | None:
    if isinstance(expr, n.Func) and expr.name in PYTHON_FUNCTIONS and len(expr.args) == 1:
        return PYTHON_FUNCTIONS[expr.name]
    return None


def _is_star(select: n.Select) -> bool:
    return len(select.items) == 1 and isinstance(select.items[0].expr, n.Star)


def _item_name(item: n.SelectItem) -> str:
    if item.alias:
        return item.alias
    if isinstance(item.expr, n.Column):
        return item.expr.name
    return "?column?"


def _is_count_star(select: n.Select) -> bool:
    if len(select.items) != 1:
        return False
    expr = select.items[0].expr
    return (
        isinstance(expr, n.Func)
        and expr.name == "COUNT"
        and not expr.distinct
        and len(expr.args) == 1
        and isinstance(expr.args[0], n.Star)
    )


def _safe_path(scope: Scope, column: n.Column) -> str | None:
    try:
        return scope.path(column)
    except KeyError:
        return None


def _resolve_order_reference(expr: n.Expr, select: n.Select) -> n.Expr:
    """Return the select item an ORDER/GROUP BY position or alias names."""
    if (
        isinstance(expr, n.Literal)
        and isinstance(expr.value, int)
        and not isinstance(expr.value, bool)
        and 1 <= expr.value <= len(select.items)
    ):
        return select.items[expr.value - 1].expr
    if isinstance(expr, n.Column) and expr.table is None:
        for item in select.items:
            if item.alias == expr.name:
                return item.expr
    return expr


def _columns_read(select: n.Select) -> dict[str | None, set[str]] | None:
    """Return the columns of each alias that ``select`` reads anywhere
    (subqueries included), or None when it reads whole rows (``*``)."""
    if any(isinstance(item.expr, n.Star) for item in select.items):
        return None
    found: dict[str | None, set[str]] = {}
    stack: list[Any] = [select]
    while stack:
        node = stack.pop()
        if isinstance(node, n.Column):
            found.setdefault(node.table, set()).add(node.name)
        elif isinstance(node, tuple):
            stack.extend(node)
        elif isinstance(node, n.Node):
            stack.extend(getattr(node, name) for name in getattr(node, "__dataclass_fields__", ()))
    return found


def _projection(paths: list[str]) -> dict[str, int]:
    projection: dict[str, int] = {}
    # A find projection cannot select an array element ("tags.0" projects
    # nothing): read the array and let the row getter index it.
    paths = [_before_index(path) for path in paths]
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(p + ".") for p in projection):
            projection[path] = 1
    if not projection:
        # Nothing to read (SELECT 1 ... for exists()): fetch the smallest
        # possible document rather than all of it.
        return {"_id": 1}
    if "_id" not in projection:
        projection["_id"] = 0
    return projection


def _before_index(path: str) -> str:
    parts = path.split(".")
    for position, part in enumerate(parts[1:], start=1):
        if part.isdigit():
            return ".".join(parts[:position])
    return path


def _conjuncts(expr: n.Expr | None) -> list[n.Expr]:
    if expr is None:
        return []
    if isinstance(expr, n.And):
        return list(expr.items)
    return [expr]


def _and_of(items: list[n.Expr]) -> n.Expr:
    return items[0] if len(items) == 1 else n.And(tuple(items))


def _match_stage(compiled: Bound) -> Bound:
    return lambda ctx: {"$match": compiled(ctx)}


def _project_stage(output: dict[str, Bound]) -> Bound:
    def project(ctx: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"_id": 0}
        spec.update({key: value(ctx) for key, value in output.items()})
        return {"$project": spec}

    return project


def _facet_stages(stages: list[Bound], empty: dict[str, Any]) -> list[Bound]:
    """Run ``stages`` in a $facet so that an empty result gives one row
    of ``empty`` values, as SQL's aggregates without GROUP BY do."""
    empty_document = {k: literal(v) for k, v in empty.items()}

    def facet(ctx: Any) -> dict[str, Any]:
        return {"$facet": {"rows": [stage(ctx) for stage in stages]}}

    replace = {
        "$replaceWith": {
            "$cond": [
                {"$eq": [{"$size": "$rows"}, 0]},
                empty_document,
                {"$first": "$rows"},
            ]
        }
    }
    return [facet, lambda ctx: replace]


def _distinct_finisher(name: str, key: str) -> Callable[[], Any]:
    values = {"$filter": {"input": f"${key}", "cond": {"$ne": ["$$this", None]}}}
    build = {
        "COUNT": lambda: {"$size": values},
        "SUM": lambda: {"$cond": [{"$eq": [{"$size": values}, 0]}, None, {"$sum": values}]},
        "AVG": lambda: {"$avg": values},
        "MIN": lambda: {"$min": values},
        "MAX": lambda: {"$max": values},
    }
    return build[name]


# The grouped-lookup plan (Planner.try_grouped_lookup): the group's join
# values, its joined documents, and per aggregated column its values.
LOOKUP_LOCAL = "__local"
LOOKUP_JOINED = "__joined"
LOOKUP_VALUES = "__values"
LOOKUP_AGGREGATES = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX"})


def _joined_values(foreign: str, column: str) -> dict[str, Any]:
    """The values of ``column`` the joined rows of a group would hold: for
    each non-null join value of the group (repeats included), those of the
    joined documents whose ``foreign`` equals it."""
    join_values = {
        "$filter": {
            "input": {"$ifNull": [f"${LOOKUP_LOCAL}", []]},
            "as": "local",
            "cond": {"$ne": [{"$ifNull": ["$$local", None]}, None]},
        }
    }
    matching = {
        "$filter": {
            "input": f"${LOOKUP_JOINED}",
            "as": "row",
            "cond": {"$eq": [f"$$row.{foreign}", "$$this"]},
        }
    }
    values = {
        "$map": {"input": matching, "as": "row", "in": {"$ifNull": [f"$$row.{column}", None]}}
    }
    return {
        "$reduce": {
            "input": join_values,
            "initialValue": [],
            "in": {"$concatArrays": ["$$value", values]},
        }
    }


def _aggregate_in_lookup(aggregate: n.Func, index: int) -> tuple[dict[str, Any], Any]:
    """Return the $group fields that compute ``aggregate`` over a lookup's
    joined rows, and the expression reading its SQL value from the lookup's
    result (an array of that one group, empty when no row joined)."""
    column = f"${aggregate.args[0].name}"  # type: ignore[attr-defined]
    key = f"a{index}"

    def first(name: str) -> dict[str, Any]:
        # The field of the one result document; null when there is none.
        return {"$getField": {"field": name, "input": {"$first": f"${LOOKUP_JOINED}"}}}

    if aggregate.distinct:
        values = {"$ifNull": [first(key), []]}
        return {key: {"$addToSet": column}}, _aggregate_of_values(aggregate, values)
    present = {"$cond": [{"$eq": [{"$ifNull": [column, None]}, None]}, 0, 1]}
    name = aggregate.name
    if name == "COUNT":
        return {key: {"$sum": present}}, {"$ifNull": [first(key), 0]}
    if name == "SUM":
        count = f"n{index}"
        value = {"$cond": [{"$gt": [{"$ifNull": [first(count), 0]}, 0]}, first(key), None]}
        return {key: {"$sum": column}, count: {"$sum": present}}, value
    operator = {"AVG": "$avg", "MIN": "$min", "MAX": "$max"}[name]
    return {key: {operator: column}}, {"$ifNull": [first(key), None]}


def _aggregate_of_values(aggregate: n.Func, values: Any) -> dict[str, Any]:
    """An SQL aggregate over a list of values (NULLs ignored; SUM, AVG, MIN
    and MAX of no value are NULL, COUNT is 0)."""
    present: Any = {"$filter": {"input": values, "cond": {"$ne": ["$$this", None]}}}
    if aggregate.distinct:
        present = {"$setUnion": [present]}
    count = {"$size": present}
    name = aggregate.name
    if name == "COUNT":
        return count
    if name == "SUM":
        return {"$cond": [{"$eq": [count, 0]}, None, {"$sum": present}]}
    operator = {"AVG": "$avg", "MIN": "$min", "MAX": "$max"}[name]
    return {operator: present}


def _has_aggregate(select: n.Select) -> bool:
    exprs: list[n.Expr] = [item.expr for item in select.items]
    exprs += [order.expr for order in select.order_by]
    if select.having is not None:
        exprs.append(select.having)
    return any(True for expr in exprs for _ in _aggregates_in(expr))


def _children(node: Any) -> Iterator[Any]:
    for name in getattr(node, "__dataclass_fields__", ()):
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from value
        else:
            yield value


def _aggregates_in(expr: Any) -> Iterator[n.Func]:
    if isinstance(expr, n.Window):
        # SUM(x) OVER (...) is no GROUP BY aggregate; its operands may be.
        for operand in window_operands(expr):
            yield from _aggregates_in(operand)
        return
    if isinstance(expr, n.Func) and expr.name in AGGREGATES:
        yield expr
        return
    if isinstance(expr, n.Select | n.Exists | n.ScalarSubquery | n.InSubquery):
        if isinstance(expr, n.InSubquery):
            yield from _aggregates_in(expr.expr)
        return
    if isinstance(expr, n.Node):
        for child in _children(expr):
            yield from _aggregates_in(child)


def _columns_outside(
    expr: Any, replaced: dict[n.Expr, str], lookups: dict[n.Expr, str]
) -> Iterator[n.Expr]:
    """Yield the columns (and correlated subqueries) outside aggregates."""
    if expr in replaced or (isinstance(expr, n.Func) and expr.name in AGGREGATES):
        return
    if isinstance(expr, n.Window):
        for operand in window_operands(expr):
            yield from _columns_outside(operand, replaced, lookups)
        return
    if isinstance(expr, n.Column) or expr in lookups:
        yield expr
        return
    if isinstance(expr, n.Select | n.Exists | n.ScalarSubquery):
        return
    if isinstance(expr, n.Node):
        for child in _children(expr):
            yield from _columns_outside(child, replaced, lookups)


def _unique(items: Any) -> list[Any]:
    seen: dict[Any, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


__all__ = ["JoinKeys", "Pipeline", "Planner", "plan"]
