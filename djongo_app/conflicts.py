"""Checks that keep a MongoDB transaction alive across an expected error.

A write that violates a unique index or the collection's validator makes
MongoDB abort the whole transaction. Where Django expects to go on after
such an error (inside a savepoint, e.g. ``get_or_create``'s insert, or for
``bulk_create(ignore_conflicts=True)`` in a transaction), djongo_app checks
the write first, in the transaction, and raises ``IntegrityError`` (or
leaves the conflicting rows out) without sending it.

The checks ask the server, so they compare values the way the index does
(collation, numeric types, ``null`` and missing keys, array elements):

1. one aggregation over the new documents (``$documents``; for an update,
   the documents as the update will leave them) with a ``$facet`` branch
   for the validator, for each partial or sparse unique index (the
   documents it covers) and for each unique index (documents of the same
   statement with equal keys), run once per collation;
2. one query on the collection per collation for a stored document
   covered by the index with the same keys (``find`` with ``limit 1``,
   or an aggregation with a branch per document when the conflicting rows
   are to be skipped).

An update is checked only on the indexes whose keys or partial filter
mention a path it sets. Unique constraints enforced per document (an
update that shifts unique values, ``k = k + 1``, can collide with itself
midway) are not simulated: the server still refuses those, and the
transaction is then lost as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId, Regex
from django.db import IntegrityError

from .errors import DOCUMENT_VALIDATION_FAILURE, DUPLICATE_KEY_CODES, SERVER_CODES

# The field that numbers new documents inside the check's aggregation.
MARKER = "__djongo_app_position__"
DUPLICATE = SERVER_CODES[min(DUPLICATE_KEY_CODES)][1]
INVALID = SERVER_CODES[DOCUMENT_VALIDATION_FAILURE][1]


@dataclass(frozen=True)
class UniqueIndex:
    name: str
    keys: tuple[str, ...]
    partial: dict[str, Any] | None = None
    collation: dict[str, Any] | None = None
    sparse: bool = False

    @property
    def selective(self) -> bool:
        """Return True when the index leaves some documents out."""
        return self.partial is not None or self.sparse

    def mentions(self, paths: Iterable[str]) -> bool:
        mentioned = {*self.keys, *filter_paths(self.partial or {})}
        return any(_overlap(a, b) for a in mentioned for b in paths)

    def covers(self, document: dict[str, Any]) -> bool | None:
        """Return whether ``document`` is in the index; None when only the
        server can tell (a partial filter)."""
        if self.partial is not None:
            return None
        if self.sparse:
            return any(get_path(document, key) is not None for key in self.keys)
        return True

    def selection(self) -> list[dict[str, Any]]:
        """Return the stages keeping the documents the index covers."""
        stages = [{"$match": self.partial}] if self.partial is not None else []
        if self.sparse:
            stages.append({"$match": {"$or": [{key: {"$exists": True}} for key in self.keys]}})
        return stages

    def condition(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return the filter of stored documents that hold ``values`` in
        this index (``values`` maps its key paths to values)."""
        keys = {path: _equal(values.get(path)) for path in self.keys}
        return {"$and": [self.partial, keys]} if self.partial is not None else keys


@dataclass(frozen=True)
class Rules:
    """What the server enforces on the writes to one collection."""

    unique: tuple[UniqueIndex, ...] = ()
    # The validator, when it rejects writes (validationAction "error").
    validator: dict[str, Any] | None = None
    # validationLevel "moderate": updates of invalid documents pass.
    moderate: bool = False
    collation: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return not self.unique and self.validator is None


def read_rules(database: Any, name: str) -> Rules:
    """Return the unique indexes and validator of collection ``name``.

    Read outside the transaction: MongoDB refuses listIndexes in one.
    """
    info = next(iter(database.list_collections(filter={"name": name})), None)
    if info is None:
        return Rules()
    options = info.get("options") or {}
    default_collation = options.get("collation")
    unique = []
    for index in database[name].list_indexes():
        keys = tuple(index["key"])
        if not (index.get("unique") or keys == ("_id",)):
            continue
        unique.append(
            UniqueIndex(
                name=index["name"],
                keys=keys,
                partial=index.get("partialFilterExpression"),
                collation=_plain(index.get("collation") or default_collation),
                sparse=bool(index.get("sparse")),
            )
        )
    enforced = (
        options.get("validationLevel", "strict") != "off"
        and options.get("validationAction", "error") == "error"
    )
    return Rules(
        unique=tuple(unique),
        validator=options.get("validator") if enforced else None,
        moderate=options.get("validationLevel") == "moderate",
        collation=_plain(default_collation),
    )


def _plain(collation: Any) -> dict[str, Any] | None:
    if not collation:
        return None
    # The server reports every collation option; the locale "simple" is
    # binary comparison, as no collation at all.
    collation = dict(collation)
    return None if collation.get("locale") == "simple" else collation


class Checker:
    """Check one write on one collection in the running transaction."""

    def __init__(self, database: Any, name: str, rules: Rules, session: Any):
        self.database = database
        self.collection = database[name]
        self.name = name
        self.rules = rules
        self.session = session

    # Inserts ---------------------------------------------------------------

    def check_insert(
        self,
        documents: Sequence[dict[str, Any]],
        skip: bool = False,
        exclude_ids: list[Any] | None = None,
        validate: bool = True,
        fresh: tuple[str, ...] = (),
    ) -> set[int]:
        """Raise IntegrityError if inserting ``documents`` would fail on a
        unique index or the validator.

        With ``skip``, return the positions of the documents that conflict
        on a unique index (with a stored document or an earlier document
        of the statement) instead; a validator failure still raises.
        Documents without an ``_id`` get one first, as the driver would.
        Stored documents ``exclude_ids`` are not compared with: the rows
        among ``documents`` that replace them (an upsert's updates). With
        ``validate`` False the validator is not asked (a write that
        bypasses it). Indexes on a ``fresh`` column (one whose values a
        counter just handed out) cannot conflict and are not asked.
        """
        if not documents or self.rules.empty:
            return set()
        validator = self.rules.validator if validate else None
        indexes = [
            index
            for index in self.rules.unique
            if (index.keys != ("_id",) or any("_id" in d for d in documents))
            and not set(index.keys) & set(fresh)
        ]
        covered, groups = self._facets(indexes, documents, validator)
        pairs: dict[int, list[tuple[UniqueIndex, dict[str, Any]]]] = {}
        for number, index in enumerate(indexes):
            for position in covered[number]:
                values = {key: get_path(documents[position], key) for key in index.keys}
                pairs.setdefault(position, []).append((index, values))
        exclude = {"_id": {"$nin": exclude_ids}} if exclude_ids else None
        existing = self._existing(pairs, skip, exclude)
        if not skip:
            if groups:
                index, _ = next(iter(groups.values()))[0]
                raise IntegrityError(self._duplicate(index, "within the statement"))
            return set()
        return _skipped(len(documents), existing, groups)

    # Updates ---------------------------------------------------------------

    def check_update(
        self, ids: list[Any], pipeline: list[dict[str, Any]], paths: set[str] | None
    ) -> None:
        """Raise IntegrityError if the update ``pipeline`` (setting
        ``paths``, None for any) of the documents ``ids`` would fail on a
        unique index or the validator."""
        indexes = [
            index
            for index in self.rules.unique
            if index.keys != ("_id",) and (paths is None or index.mentions(paths))
        ]
        validator = self.rules.validator
        if validator is not None and paths is not None:
            mentioned = validator_paths(validator)
            if mentioned is not None and not any(_overlap(a, b) for a in mentioned for b in paths):
                validator = None
        if not indexes and validator is None:
            return
        source = [{"$match": {"_id": {"$in": ids}}}, *pipeline]
        by_collation = _by_collation(indexes, self.rules.collation, validator is not None)
        conditions: dict[int, list[Any]] = {}
        for collation, members in by_collation.items():
            facets: dict[str, list[dict[str, Any]]] = {}
            if collation == self.rules.collation and validator is not None:
                facets["invalid"] = [{"$match": {"$nor": [validator]}}, {"$project": {"_id": 1}}]
            for number, index in members:
                keys = {f"k{i}": f"${key}" for i, key in enumerate(index.keys)}
                selection = index.selection()
                facets[f"c{number}"] = [*selection, {"$project": {"_id": 1, **keys}}]
                facets[f"g{number}"] = [*selection, *_duplicate_groups(index, "_id")]
            (result,) = self.database[self.name].aggregate(
                [*source, {"$facet": facets}], session=self.session, **_with(collation)
            )
            invalid = [row["_id"] for row in result.get("invalid", [])]
            if invalid and self._valid_before(invalid, validator):
                raise IntegrityError(f"djongo_app: {INVALID}: Document failed validation.")
            for number, index in members:
                if result[f"g{number}"]:
                    raise IntegrityError(self._duplicate(index, "among the updated rows"))
                for row in result[f"c{number}"]:
                    values = {key: row.get(f"k{i}") for i, key in enumerate(index.keys)}
                    conditions.setdefault(0, []).append((index, values))
        self._existing(conditions, skip=False, exclude={"_id": {"$nin": ids}})

    def _valid_before(self, ids: list[Any], validator: dict[str, Any] | None) -> bool:
        """Return whether one of the documents ``ids`` passes the validator
        now (under validationLevel "moderate" only those are checked)."""
        if not self.rules.moderate:
            return True
        valid = {"$and": [{"_id": {"$in": ids}}, validator]}
        return self.collection.find_one(valid, {"_id": 1}, session=self.session) is not None

    # Shared ----------------------------------------------------------------

    def _facets(
        self,
        indexes: list[UniqueIndex],
        documents: Sequence[dict[str, Any]],
        validator: dict[str, Any] | None,
    ) -> tuple[dict[int, list[int]], dict[tuple[int, int], list[tuple[UniqueIndex, int]]]]:
        """Return, for new ``documents``, the positions each index covers
        and the groups of documents with equal keys in one index.

        Raise IntegrityError when a document fails the validator.
        """
        covered: dict[int, list[int]] = {}
        groups: dict[tuple[int, int], list[tuple[UniqueIndex, int]]] = {}
        asks: dict[str | None, dict[str, list[dict[str, Any]]]] = {}
        for number, index in enumerate(indexes):
            known = [index.covers(d) for d in documents]
            if None not in known:
                covered[number] = [p for p, inside in enumerate(known) if inside]
            facets = asks.setdefault(_collation_key(index.collation), {})
            if None in known:
                facets[f"c{number}"] = [
                    *index.selection(),
                    {"$project": {"_id": 0, "p": f"${MARKER}"}},
                ]
            if len(documents) > 1:
                facets[f"g{number}"] = [*index.selection(), *_duplicate_groups(index, MARKER)]
        if validator is not None:
            asks.setdefault(_collation_key(self.rules.collation), {})["invalid"] = [
                {"$unset": MARKER},
                {"$match": {"$nor": [validator]}},
                {"$limit": 1},
                {"$project": {"_id": 1}},
            ]
        marked = None
        for key, facets in asks.items():
            if not facets:
                continue
            if marked is None:
                for document in documents:
                    document.setdefault("_id", ObjectId())
                marked = [
                    {**document, MARKER: position} for position, document in enumerate(documents)
                ]
            pipeline = [{"$documents": marked}, {"$facet": facets}]
            (result,) = self.database.aggregate(
                pipeline, session=self.session, **_with(_collation_of(key))
            )
            if result.get("invalid"):
                raise IntegrityError(f"djongo_app: {INVALID}: Document failed validation.")
            for number, index in enumerate(indexes):
                if f"c{number}" in result:
                    covered[number] = sorted(row["p"] for row in result[f"c{number}"])
                for group in result.get(f"g{number}", []):
                    groups[number, len(groups)] = [(index, p) for p in sorted(group["ids"])]
        return covered, groups

    def _existing(
        self,
        pairs: dict[int, list[tuple[UniqueIndex, dict[str, Any]]]],
        skip: bool,
        exclude: dict[str, Any] | None = None,
    ) -> set[int]:
        """Return the positions whose keys (``pairs``: position → the
        indexes and the values it has in them) a stored document holds
        (with ``skip``); otherwise raise IntegrityError on the first."""
        found: set[int] = set()
        by_collation: dict[str | None, dict[int, list[tuple[UniqueIndex, dict[str, Any]]]]] = {}
        for position, keys in pairs.items():
            for index, values in keys:
                group = by_collation.setdefault(_collation_key(index.collation), {})
                group.setdefault(position, []).append((index, values))
        for key, group in by_collation.items():
            query = _any_of([pair for keys in group.values() for pair in keys])
            if exclude is not None:
                query = {"$and": [query, exclude]}
            options = _with(_collation_of(key))
            if not skip:
                hit = self.collection.find_one(query, {"_id": 1}, session=self.session, **options)
                if hit is not None:
                    index = _index_of(group, hit, self.collection, self.session, options)
                    raise IntegrityError(self._duplicate(index, "with a stored row"))
                continue
            facets = {
                f"d{position}": [
                    {"$match": _any_of(keys)},
                    {"$limit": 1},
                    {"$project": {"_id": 1}},
                ]
                for position, keys in group.items()
            }
            (result,) = self.collection.aggregate(
                [{"$match": query}, {"$facet": facets}], session=self.session, **options
            )
            found.update(position for position in group if result[f"d{position}"])
        return found

    def _duplicate(self, index: UniqueIndex, where: str) -> str:
        return (
            f"djongo_app: {DUPLICATE}: the write would repeat a key of the unique index "
            f"{index.name!r} on {self.name!r} ({', '.join(index.keys)}) {where}; "
            "checked before the write, so the transaction goes on."
        )


def _any_of(pairs: list[tuple[UniqueIndex, dict[str, Any]]]) -> dict[str, Any]:
    """Return the filter of stored documents holding the keys of one of
    ``pairs`` (an index and the values of its keys).

    The keys of one single-key index are asked with one ``$in``, and one
    condition as it is, so that the planner uses the index.
    """
    by_index: dict[str, tuple[UniqueIndex, list[dict[str, Any]]]] = {}
    for index, values in pairs:
        by_index.setdefault(index.name, (index, []))[1].append(values)
    conditions = []
    for index, rows in by_index.values():
        (key,) = index.keys if len(index.keys) == 1 else (None,)
        if key is None or len(rows) == 1 or any(_is_pattern(row.get(key)) for row in rows):
            conditions.extend(index.condition(row) for row in rows)
            continue
        members: list[Any] = []
        for row in rows:
            value = row.get(key)
            members.extend(value if isinstance(value, list) and value else [value])
        condition = {key: {"$in": members}}
        conditions.append(
            condition if index.partial is None else {"$and": [index.partial, condition]}
        )
    return conditions[0] if len(conditions) == 1 else {"$or": conditions}


def _is_pattern(value: Any) -> bool:
    # In $in a regular expression matches as a pattern, not as a value.
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, (re.Pattern, Regex)) for v in values)


def _index_of(group, hit, collection, session, options) -> UniqueIndex:
    """Return the index of the first key ``hit`` holds (for the
    message)."""
    for keys in group.values():
        for index, values in keys:
            query = {"$and": [{"_id": hit["_id"]}, index.condition(values)]}
            if collection.find_one(query, {"_id": 1}, session=session, **options):
                return index
    return next(iter(group.values()))[0][0]


def _skipped(
    count: int, existing: set[int], groups: dict[Any, list[tuple[UniqueIndex, int]]]
) -> set[int]:
    """Return the positions an INSERT ... ON CONFLICT DO NOTHING leaves
    out: those conflicting with a stored row, and those repeating the keys
    of an earlier row of the statement that is inserted."""
    group_of: dict[int, list[Any]] = {}
    for group, members in groups.items():
        for _, position in members:
            group_of.setdefault(position, []).append(group)
    taken: set[Any] = set()
    skipped: set[int] = set()
    for position in range(count):
        mine = group_of.get(position, [])
        if position in existing or any(group in taken for group in mine):
            skipped.add(position)
            continue
        taken.update(mine)
    return skipped


def _duplicate_groups(index: UniqueIndex, identity: str) -> list[dict[str, Any]]:
    """Stages grouping documents by the keys of ``index`` (a missing key
    is null, as in the index) and keeping groups of two or more."""
    key = {f"k{i}": {"$ifNull": [f"${path}", None]} for i, path in enumerate(index.keys)}
    return [
        {"$group": {"_id": key, "ids": {"$push": f"${identity}"}}},
        {"$match": {"ids.1": {"$exists": True}}},
    ]


def _by_collation(indexes, default, with_default):
    groups: dict[Any, list[tuple[int, UniqueIndex]]] = {}
    if with_default:
        groups[default and json.dumps(default, sort_keys=True)] = []
    for number, index in enumerate(indexes):
        groups.setdefault(_collation_key(index.collation), []).append((number, index))
    return {_collation_of(key): members for key, members in groups.items()}


def _collation_key(collation: dict[str, Any] | None) -> str | None:
    return json.dumps(collation, sort_keys=True) if collation else None


def _collation_of(key: str | None) -> dict[str, Any] | None:
    return json.loads(key) if key else None


def _with(collation: dict[str, Any] | None) -> dict[str, Any]:
    return {"collation": collation} if collation else {}


def _equal(value: Any) -> dict[str, Any]:
    """Return the condition of a stored key equal to ``value`` in an index:
    for an array, any of its elements (a multikey index holds each)."""
    if isinstance(value, list) and value:
        return {"$in": value}
    return {"$eq": value}


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def filter_paths(query: Any) -> set[str]:
    """Return the field paths a query document names."""
    paths: set[str] = set()
    if isinstance(query, dict):
        for key, value in query.items():
            if key.startswith("$"):
                paths |= filter_paths(value)
            else:
                paths.add(key)
    elif isinstance(query, list):
        for item in query:
            paths |= filter_paths(item)
    return paths


def validator_paths(validator: Any) -> set[str] | None:
    """Return the field paths a validator reads, or None when it may read
    any (``$expr``, ``$where``, a ``$jsonSchema`` with
    ``additionalProperties``, patterns or dependencies)."""
    paths: set[str] = set()
    if isinstance(validator, dict):
        for key, value in validator.items():
            if key in {"$expr", "$where"}:
                return None
            if key == "$jsonSchema":
                inner = _schema_paths(value, "")
            elif key.startswith("$"):
                inner = validator_paths(value)
            else:
                inner = {key}
            if inner is None:
                return None
            paths |= inner
    elif isinstance(validator, list):
        for item in validator:
            inner = validator_paths(item)
            if inner is None:
                return None
            paths |= inner
    return paths


# $jsonSchema keywords that constrain keys not named in "properties".
OPEN_SCHEMA_KEYWORDS = frozenset(
    {"additionalProperties", "patternProperties", "dependencies", "minProperties", "maxProperties"}
)
# Keywords whose subschemas apply to the same level.
COMBINING_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "not"})


def _schema_paths(schema: Any, prefix: str) -> set[str] | None:
    if not isinstance(schema, dict):
        return set()
    if OPEN_SCHEMA_KEYWORDS & set(schema):
        return None
    paths = {prefix + name for name in schema.get("required", ())}
    for name, subschema in (schema.get("properties") or {}).items():
        paths.add(prefix + name)
        inner = _schema_paths(subschema, f"{prefix}{name}.")
        if inner is None:
            return None
        paths |= inner
    for keyword in COMBINING_KEYWORDS & set(schema):
        parts = schema[keyword]
        for part in parts if isinstance(parts, list) else [parts]:
            inner = _schema_paths(part, prefix)
            if inner is None:
                return None
            paths |= inner
    return paths


def get_path(document: Any, path: str, missing: Any = None) -> Any:
    """Return the value at a dotted ``path``: ``missing`` when there is
    none; the list of the values of an array's elements, as an index reads
    them."""
    value = document
    for part in path.split("."):
        if isinstance(value, list):
            values = [get_path(item, part) for item in value if isinstance(item, Mapping)]
            value = [v for v in values if v is not None] or None
        elif isinstance(value, Mapping):
            if part not in value:
                return missing
            value = value[part]
        else:
            return missing
    return value


__all__ = ["Checker", "Rules", "UniqueIndex", "filter_paths", "read_rules"]
