"""DDL for migrations, run directly as MongoDB commands.

``sqlmigrate`` (``collect_sql``) shows the commands as mongosh statements
and runs none (see :mod:`djongo_app.shell`).

Collections are created with their indexes: an AutoField primary key is
kept in ``_id`` (recorded in ``__schema__``; ``KEY_IN_ID: False`` keeps it
under its column name beside an ObjectId ``_id``, as Djongo did), unique
fields, ``db_index`` fields, ``unique_together``, ``Meta.indexes`` and
``UniqueConstraint``. Unique indexes on nullable columns are partial, so
that several NULLs never collide, as in SQL. NOT NULL and CHECK constraints
become the collection's validator (none with ``ENFORCE_SCHEMA: False``).

Field changes rewrite the documents: an added field's default is set where
the key is missing, a removed one is ``$unset``, a renamed one ``$rename``d
with the indexes that name it. A renamed collection takes its ``__schema__``
counter along. An index or unique constraint on ``Lower()``/``Upper()`` of a
path becomes an index on the path with a case-insensitive collation. What
MongoDB cannot enforce raises NotSupportedError: indexes and unique
constraints on other expressions, constraint classes other than
UniqueConstraint and CheckConstraint, subqueries in conditions. Options
that Django's system checks already warn "won't be created"
(``deferrable``, ``include``, ``nulls_distinct``) leave the index out, as on
SQL backends without them.
"""

from django.core.exceptions import FieldError
from django.db import NotSupportedError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import CheckConstraint, OrderBy, UniqueConstraint
from django.db.models.expressions import Col
from django.db.models.functions import Lower, Upper
from django.db.models.sql.query import Query
from pymongo import ASCENDING, DESCENDING, IndexModel

from .counters import SCHEMA_COLLECTION
from .defaults import (
    compile_expression,
    default_entry,
    drop_default,
    record_default,
    set_defaults,
)
from .errors import wrap_pymongo_errors
from .internal_types import COUNTER_TYPES, INTEGER_TYPES
from .keylayout import KEY, drop_key, record_key
from .lookups import COLUMN
from .notnull import drop_not_null, record_not_null
from .ondelete import add_reference, drop_references, reference_of, rename_references
from .shell import RecordingCounters, RecordingDatabase
from .transpiler.expressions import ExpressionCompiler
from .transpiler.layout import KeyLayout, store_keys
from .transpiler.parser import parse
from .transpiler.partial import partial_filter
from .transpiler.scope import single_table
from .transpiler.where import FilterCompiler

# The BSON types a partial unique index covers: all but null.
NON_NULL_TYPES = [
    "double",
    "string",
    "object",
    "array",
    "binData",
    "objectId",
    "bool",
    "date",
    "int",
    "timestamp",
    "long",
    "decimal",
]


# An index on Lower() or Upper() of a path is an index on the path that
# compares strings the way those functions make them compare: without case
# (strength 2 keeps accents apart, as lower() does). MongoDB applies one
# collation to a whole index, and uses it for queries that ask for it; the
# unique constraints it enforces are what UniqueConstraint(Lower(...)) means.
CASE_INSENSITIVE = {"locale": "en", "strength": 2}
CASE_FUNCTIONS = (Lower, Upper)
# Internal types whose stored values are never strings: a collation leaves
# their comparisons as they are.
NON_STRING_TYPES = frozenset(
    {
        *INTEGER_TYPES,
        "FloatField",
        "DecimalField",
        "BooleanField",
        "DateField",
        "DateTimeField",
        "DurationField",
        "BinaryField",
        "ObjectIdField",
        "ObjectIdAutoField",
    }
)


def may_hold_strings(field):
    """Return whether values of ``field`` (an output field) can be strings."""
    if field is None:
        return True
    if field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    return field.get_internal_type() not in NON_STRING_TYPES


POSITIVE_FIELDS = frozenset(
    {"PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"}
)


def stored_fields_of(field):
    """The fields of the container an EmbeddedField or ArrayField holds (as
    the migration recorded them, for a field from a migration), or []."""
    container = getattr(field, "model_container", None)
    if container is None:
        return []
    recorded = getattr(field, "recorded_container_fields", None)
    if recorded is None:
        return [f for f in container._meta.local_fields if f.concrete and f.column]
    fields = []
    for name, definition in recorded:
        bound = definition.clone()
        bound.set_attributes_from_name(name)
        fields.append(bound)
    return fields


class _Parameters:
    """The bind context of a condition compiled for DDL."""

    def __init__(self, params):
        self.params = params

    def run_subquery(self, plan):
        raise NotSupportedError(
            "A subquery in a constraint or index condition is not supported by djongo_app."
        )


class DatabaseSchemaEditor(BaseDatabaseSchemaEditor):
    """Schema changes as collection and index commands, not SQL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tables whose key layout this editor changed: table → the column
        # kept in _id, or None (what collect_sql must follow by itself).
        self._recorded_keys = {}

    @property
    def database(self):
        """The database the DDL runs on; with ``collect_sql`` (sqlmigrate) a
        stand-in that records each command as mongosh text instead."""
        self.connection.ensure_connection()
        database = self.connection.connection.database
        if self.collect_sql:
            return RecordingDatabase(database, self.collected_sql)
        return database

    @property
    def counters(self):
        self.connection.ensure_connection()
        counters = self.connection.connection.counters
        if self.collect_sql:
            return RecordingCounters(counters, self.database)
        return counters

    def quote_value(self, value):
        return repr(value)

    def _changed(self, table):
        """Tell the connection that DDL (outside any transaction) is about
        to change ``table``: its cached indexes are stale, and a running
        transaction that wrote to it refuses the change."""
        self.connection.ensure_connection()
        self.connection.connection.schema_changed(table)

    def prepare_default(self, value):
        return self.quote_value(value)

    # Key layout ------------------------------------------------------------

    @property
    def key_layouts(self):
        self.connection.ensure_connection()
        return self.connection.connection.key_layouts

    def _stored_key(self, table):
        """Return the column ``table`` keeps in ``_id`` (keylayout.py), or None."""
        if table in self._recorded_keys:
            return self._recorded_keys[table]
        return self.key_layouts.layout.key_of(table)

    def _key_changed(self, table, key):
        """Follow a change of ``table``'s layout: in this editor (whose
        ``collect_sql`` changes reach no server) and in the connection's."""
        self._recorded_keys[table] = key
        if not self.collect_sql:
            self.key_layouts.created(table, key)

    def _path(self, model, column):
        """Return the document field that holds ``column`` of ``model``."""
        return "_id" if column == self._stored_key(model._meta.db_table) else column

    def _new_key(self, model, exists):
        """Return the column a collection created for ``model`` keeps in
        ``_id``: its counter-filled primary key, unless the collection
        already holds documents written with the key in its own field."""
        table = model._meta.db_table
        pk = model._meta.pk
        if (
            not self.key_layouts.key_in_id
            or pk is None
            or pk.column in (None, "_id")
            or pk.get_internal_type() not in COUNTER_TYPES
        ):
            return None
        if exists:
            # Asked of the server, not of the layout read earlier: documents
            # may have been written since (a restore, another program).
            database = self.connection.connection.database
            entry = database[SCHEMA_COLLECTION].find_one({"name": table}, {KEY: 1}) or {}
            if KEY not in entry and database[table].find_one({}, {"_id": 1}) is not None:
                return None
        return pk.column

    # Models ------------------------------------------------------------------

    def create_model(self, model):
        fields = model._meta.local_concrete_fields
        references = self._references_of(model, fields)
        table = model._meta.db_table
        self._changed(table)
        with wrap_pymongo_errors():
            exists = bool(self.database.list_collection_names(filter={"name": table}))
            key = self._new_key(model, exists)
            self._key_changed(table, key)
            options = {} if exists else self._validator_options(model)
            if not exists:
                self.database.create_collection(table, **options)
            indexes = self._model_index_models(model)
            if indexes:
                self.database[table].create_indexes(indexes)
            auto = [
                f.column
                for f in model._meta.local_concrete_fields
                if getattr(f, "db_returning", False)
                and f.get_internal_type() in COUNTER_TYPES
                and f.column != "_id"
            ]
            if auto:
                self.counters.register(table, auto, key=key)
            if options:
                # After the counters: their entry starts with $setOnInsert.
                self._record_not_null(model)
            self._record_references(references)
            entries = [default_entry(model, f, self.connection) for f in fields]
            if any(entries):
                set_defaults(self.schema_collection, table, [e for e in entries if e])
                self._defaults_changed(table)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.create_model(field.remote_field.through)

    def delete_model(self, model):
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
        table = model._meta.db_table
        self._changed(table)
        with wrap_pymongo_errors():
            self.database.drop_collection(table)
            self.counters.drop(table)
            self._recorded_keys.pop(table, None)
            if not self.collect_sql:
                self.key_layouts.dropped(table)
                self.connection.connection.entries_changed(table)
            if self._references_of(model, model._meta.local_concrete_fields):
                drop_references(self.schema_collection, table)

    def alter_db_table(self, model, old_db_table, new_db_table):
        if old_db_table == new_db_table:
            return
        self._changed(old_db_table)
        self._changed(new_db_table)
        with wrap_pymongo_errors():
            self.database[old_db_table].rename(new_db_table)
            self.counters.rename(old_db_table, new_db_table)
            if old_db_table in self._recorded_keys:
                self._recorded_keys[new_db_table] = self._recorded_keys.pop(old_db_table)
            if not self.collect_sql:
                self.key_layouts.renamed(old_db_table, new_db_table)
                self.connection.connection.entries_changed(old_db_table)
                self.connection.connection.entries_changed(new_db_table)
            if self._references_of(model, model._meta.local_concrete_fields):
                rename_references(self.schema_collection, old_db_table, new_db_table)

    def alter_db_table_comment(self, model, old_db_table_comment, new_db_table_comment):
        pass

    def alter_db_tablespace(self, model, old_db_tablespace, new_db_tablespace):
        pass

    # Fields ------------------------------------------------------------------

    def add_field(self, model, field):
        if field.many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.create_model(field.remote_field.through)
            return
        if field.column is None:
            return
        references = self._references_of(model, [field])
        table = model._meta.db_table
        self._changed(table)
        with wrap_pymongo_errors():
            self._record_references(references)
            entry = self._record_default(model, field)
            # Existing documents take the db_default (evaluated by the
            # server), as a SQL column added with a DEFAULT fills its rows.
            update = self._default_update(model, field, entry)
            if update is None:
                default = self.effective_default(field)
                if default is not None or not field.null:
                    update = {"$set": {field.column: default}}
            if update is not None:
                self.database[table].update_many({field.column: {"$exists": False}}, update)
            self._update_validator(model, add=[field])
            indexes = self._field_index_models(model, field)
            if indexes:
                self.database[table].create_indexes(indexes)

    def remove_field(self, model, field):
        if field.many_to_many:
            if field.remote_field.through._meta.auto_created:
                self.delete_model(field.remote_field.through)
            return
        if field.column is None:
            return
        table = model._meta.db_table
        self._changed(table)
        with wrap_pymongo_errors():
            if self._references_of(model, [field]):
                drop_references(self.schema_collection, table, field.column)
            if field.has_db_default():
                drop_default(self.schema_collection, table, field.column)
                self._defaults_changed(table)
            self._update_validator(model, remove=[field])
            if field.column == self._stored_key(table):
                # _id stays (MongoDB keeps it); it no longer is this column.
                drop_key(self.schema_collection, table)
                self._key_changed(table, None)
                return
            self._drop_indexes_on(table, [field.column])
            self.database[table].update_many(
                {field.column: {"$exists": True}}, {"$unset": {field.column: ""}}
            )

    def alter_field(self, model, old_field, new_field, strict=False):
        if old_field.many_to_many and new_field.many_to_many:
            old_through = old_field.remote_field.through
            new_through = new_field.remote_field.through
            if old_through._meta.auto_created and new_through._meta.auto_created:
                # The through collection's name and its two FK columns.
                self._alter_many_to_many(model, old_field, new_field, strict)
            return
        if old_field.column is None or new_field.column is None:
            return
        references = self._references_of(model, [new_field])
        table = model._meta.db_table
        self._changed(table)
        collection = self.database[table]
        with wrap_pymongo_errors():
            if self._references_of(model, [old_field]):
                drop_references(self.schema_collection, table, old_field.column)
            self._record_references(references)
            if old_field.has_db_default() and old_field.column != new_field.column:
                drop_default(self.schema_collection, table, old_field.column)
            entry = self._record_default(model, new_field, replace=old_field.has_db_default())
            # The field's own indexes (unique, db_index) are found by their
            # key, as Django's SQL backends find constraints by column: a
            # name derived from an earlier table name still matches.
            existing = self._field_indexes(model, old_field.column)
            self._update_validator(model, remove=[old_field])
            if old_field.column != new_field.column:
                self._rename_column(model, old_field.column, new_field.column, existing)
                existing = {}
            # After a rename: the key kept in _id has a new column name.
            wanted = self._field_index_models(model, new_field)
            kept = set()
            for name, info in existing.items():
                match = next((i for i in wanted if _same_index(info, i.document)), None)
                if match is None:
                    collection.drop_index(name)
                else:
                    kept.add(id(match))
            created = [index for index in wanted if id(index) not in kept]
            if created:
                collection.create_indexes(created)
            if old_field.null and not new_field.null:
                update = self._default_update(model, new_field, entry)
                if update is None:
                    default = self.effective_default(new_field)
                    if default is not None:
                        update = {"$set": {new_field.column: default}}
                if update is not None:
                    collection.update_many({new_field.column: None}, update)
            self._update_validator(model, remove=[old_field], add=[new_field])

    @property
    def schema_collection(self):
        """The ``__schema__`` collection (recorded with ``collect_sql``)."""
        return self.database[SCHEMA_COLLECTION]

    def _references_of(self, model, fields):
        """Return the database-level on_delete rules of ``fields`` as
        (referenced table, Reference) pairs (see :mod:`.ondelete`)."""
        pairs = []
        for field in fields:
            reference = reference_of(model, field, self.connection)
            if reference is not None:
                pairs.append((field.remote_field.model._meta.db_table, reference))
        return pairs

    def _record_references(self, pairs):
        for referenced, reference in pairs:
            add_reference(self.schema_collection, referenced, reference)
        if pairs:
            self.connection.connection.references.forget()

    def _record_default(self, model, field, replace=False):
        """Record the ``db_default`` of ``field`` in its collection's
        ``__schema__`` entry (see :mod:`.defaults`), forgetting an earlier
        one when ``replace``; return the entry recorded, or None."""
        entry = default_entry(model, field, self.connection)
        if entry is None and not replace:
            return None
        table = model._meta.db_table
        record_default(self.schema_collection, table, entry, field.column)
        self._defaults_changed(table)
        return entry

    def _defaults_changed(self, table):
        if not self.collect_sql:
            self.connection.connection.entries_changed(table)

    def _default_update(self, model, field, entry):
        """Return the update that gives a document ``field``'s recorded
        default ``entry``, or None without one. An unsupported expression
        raises NotSupportedError when documents would need its value."""
        if entry is None:
            return None
        column = field.column
        if "value" in entry:
            return {"$set": {column: entry["value"]}}
        if "sql" in entry:
            table = model._meta.db_table
            expression = compile_expression(table, entry["sql"], entry["params"])
            return [{"$set": {column: expression}}]
        stored = self.connection.connection.database[model._meta.db_table]
        if not self.collect_sql and stored.find_one({}, {"_id": 1}) is not None:
            raise NotSupportedError(entry["unsupported"])
        return None

    # NOT NULL ------------------------------------------------------------------

    @property
    def enforce_schema(self):
        return self.connection.settings_dict.get("ENFORCE_SCHEMA", True)

    def _required_columns(self, model, add=(), remove=()):
        """Return the columns that may not be NULL or missing."""
        removed = {field.column for field in remove}
        fields = [f for f in model._meta.local_concrete_fields if f.column not in removed]
        fields += list(add)
        # The key kept in _id is never missing.
        key = self._stored_key(model._meta.db_table)
        return sorted(
            {
                field.column
                for field in fields
                if field.column
                and field.column != key
                and not field.null
                and "." not in field.column
                and not field.has_db_default()
            }
        )

    def _validator_options(self, model, add=(), remove=(), without=()):
        """Return create_collection/collMod options enforcing NOT NULL and
        the model's CheckConstraints (except the ``without`` ones).

        A $jsonSchema validator makes a NULL or missing required column an
        IntegrityError, as SQL's NOT NULL does; each CHECK becomes a filter
        that rejects the documents where its condition is FALSE (NULL
        passes, as in SQL). "moderate" leaves documents that were already
        invalid (an adopted database) updatable.
        """
        if not self.enforce_schema:
            return {}
        columns = self._required_columns(model, add, remove)
        removed = {field.column for field in remove}
        fields = [f for f in model._meta.local_concrete_fields if f.column not in removed]
        # The key is required; a null value is sent as a missing key
        # (notnull.py): a property per column costs the test server as much
        # as storing the document. A null _id cannot be sent as a missing
        # one (the driver would make an ObjectId): the server refuses it.
        properties = {}
        if "_id" in columns and not self._key_is_made(model):
            properties["_id"] = {"not": {"bsonType": "null"}}
        for field in [*fields, *add]:
            if field.get_internal_type() in POSITIVE_FIELDS and field.column:
                # The CHECK ("column" >= 0) of Django's positive fields.
                properties.setdefault(field.column, {})["minimum"] = 0
        schema = {"bsonType": "object", "required": columns}
        if properties:
            schema["properties"] = properties
        checks = [
            {"$nor": [self._condition_filter(model, constraint.condition, polarity=False)]}
            for constraint in model._meta.constraints
            if isinstance(constraint, CheckConstraint) and constraint.name not in without
        ]
        validator = (
            {"$and": [{"$jsonSchema": schema}, *checks]} if checks else {"$jsonSchema": schema}
        )
        return {"validator": validator, "validationLevel": "moderate"}

    def _update_validator(self, model, add=(), remove=(), without=()):
        options = self._validator_options(model, add, remove, without)
        if options:
            self.database.command("collMod", model._meta.db_table, **options)
            self._record_not_null(model, add, remove)

    @staticmethod
    def _key_is_made(model):
        """Return whether ``model``'s primary key, when it is ``_id``, is
        made for the row (an ObjectIdAutoField: Django never sends None)."""
        pk = model._meta.pk
        return pk is not None and pk.column == "_id" and getattr(pk, "db_returning", False)

    def _null_refusing_columns(self, model, add=(), remove=()):
        """Return the required columns whose null value is sent as a
        missing key: all but JSONFields, which hold JSON null as null, and
        ``_id`` (refused by the validator itself)."""
        removed = {field.column for field in remove}
        fields = [f for f in model._meta.local_concrete_fields if f.column not in removed]
        kept_null = {f.column for f in [*fields, *add] if f.get_internal_type() == "JSONField"}
        kept_null.add("_id")
        return [c for c in self._required_columns(model, add, remove) if c not in kept_null]

    def _record_not_null(self, model, add=(), remove=()):
        """Record in ``__schema__`` the columns that refuse a null
        (notnull.py); this connection reads the record again."""
        table = model._meta.db_table
        columns = self._null_refusing_columns(model, add, remove)
        if columns:
            record_not_null(self.schema_collection, table, columns)
        else:
            drop_not_null(self.schema_collection, table)
        if not self.collect_sql:
            self.connection.connection.entries_changed(table)

    def _condition_filter(self, model, condition, polarity=True):
        """Return the MongoDB filter of the rows where ``condition`` (a Q)
        is ``polarity``, compiled by the transpiler as a WHERE clause."""
        query = Query(model=model, alias_cols=False)
        where = query.build_where(condition)
        compiler = query.get_compiler(connection=self.connection)
        sql, params = where.as_sql(compiler, self.connection)
        table = model._meta.db_table
        statement = f"SELECT 1 FROM {self.quote_name(table)} WHERE {sql}"
        key = self._stored_key(table)
        layout = KeyLayout.of({table: key} if key else {}, legacy=() if key else [table])
        select = store_keys(parse(statement), layout)
        filters = FilterCompiler(ExpressionCompiler(single_table(table), statement))
        return filters.compile(select.where, polarity)(_Parameters(tuple(params)))

    # Indexes and constraints -----------------------------------------------

    def add_index(self, model, index):
        self._changed(model._meta.db_table)
        created = self._index_model(model, index)
        if created is not None:
            with wrap_pymongo_errors():
                self.database[model._meta.db_table].create_indexes([created])

    def remove_index(self, model, index):
        self._changed(model._meta.db_table)
        if index.include:
            return
        with wrap_pymongo_errors():
            self.database[model._meta.db_table].drop_index(index.name)

    def add_constraint(self, model, constraint):
        self._changed(model._meta.db_table)
        if isinstance(constraint, CheckConstraint):
            with wrap_pymongo_errors():
                self._update_validator(model)
            return
        index = self._constraint_index_model(model, constraint)
        if index is not None:
            with wrap_pymongo_errors():
                self.database[model._meta.db_table].create_indexes([index])

    def remove_constraint(self, model, constraint):
        self._changed(model._meta.db_table)
        if isinstance(constraint, CheckConstraint):
            with wrap_pymongo_errors():
                self._update_validator(model, without=[constraint.name])
            return
        if isinstance(constraint, UniqueConstraint) and not _skipped(constraint):
            with wrap_pymongo_errors():
                self.database[model._meta.db_table].drop_index(constraint.name)

    def alter_unique_together(self, model, old_unique_together, new_unique_together):
        self._alter_together(model, old_unique_together, new_unique_together, unique=True)

    def alter_index_together(self, model, old_index_together, new_index_together):
        self._alter_together(model, old_index_together, new_index_together, unique=False)

    def _alter_together(self, model, old_together, new_together, unique):
        old = {tuple(fields) for fields in old_together}
        new = {tuple(fields) for fields in new_together}
        self._changed(model._meta.db_table)
        collection = self.database[model._meta.db_table]
        with wrap_pymongo_errors():
            for fields in old - new:
                columns = [self._path(model, model._meta.get_field(name).column) for name in fields]
                for name in self._derived_indexes(model, columns, unique):
                    collection.drop_index(name)
            created = [self._together_index(model, fields, unique=unique) for fields in new - old]
            if created:
                collection.create_indexes(created)

    # IndexModel builders ---------------------------------------------------

    def _model_index_models(self, model):
        indexes = []
        for field in model._meta.local_concrete_fields:
            indexes.extend(self._field_index_models(model, field))
        for fields in model._meta.unique_together:
            indexes.append(self._together_index(model, fields, unique=True))
        for index in model._meta.indexes:
            created = self._index_model(model, index)
            if created is not None:
                indexes.append(created)
        for constraint in model._meta.constraints:
            if isinstance(constraint, CheckConstraint):
                continue  # enforced by the collection's validator
            index = self._constraint_index_model(model, constraint)
            if index is not None:
                indexes.append(index)
        return indexes

    def _field_index_models(self, model, field):
        table = model._meta.db_table
        if field.column is None or field.column in ("_id", self._stored_key(table)):
            return []
        nested = self._nested_index_models(table, field.column, field)
        if field.primary_key or field.unique:
            name = self._create_index_name(table, [field.column], suffix="_uniq")
            return [
                self._unique_index(
                    [(field.column, ASCENDING)], name, [field.column] if field.null else []
                ),
                *nested,
            ]
        if field.db_index:
            name = self._create_index_name(table, [field.column], suffix="_idx")
            return [IndexModel([(field.column, ASCENDING)], name=name), *nested]
        return nested

    def _nested_index_models(self, table, path, field):
        """The indexes that ``db_index``/``unique`` fields of an embedded
        container ask for, on their dotted paths (any depth; in an array of
        documents, a multikey index). A unique key is unique among the
        documents that have it: the index is partial, as for nullable
        columns, since documents without the sub-document share its null."""
        indexes = []
        for nested in stored_fields_of(field):
            nested_path = f"{path}.{nested.column}"
            name_part = nested_path.replace(".", "_")
            if nested.unique:
                name = self._create_index_name(table, [name_part], suffix="_uniq")
                keys = [(nested_path, ASCENDING)]
                indexes.append(self._unique_index(keys, name, [nested_path]))
            elif nested.db_index:
                name = self._create_index_name(table, [name_part], suffix="_idx")
                indexes.append(IndexModel([(nested_path, ASCENDING)], name=name))
            indexes.extend(self._nested_index_models(table, nested_path, nested))
        return indexes

    def _together_name(self, model, field_names, suffix):
        columns = [model._meta.get_field(name).column for name in field_names]
        return self._create_index_name(model._meta.db_table, columns, suffix=suffix)

    def _together_index(self, model, field_names, unique):
        fields = [model._meta.get_field(name) for name in field_names]
        keys = [(self._path(model, field.column), ASCENDING) for field in fields]
        name = self._together_name(model, field_names, "_uniq" if unique else "_idx")
        if unique:
            return self._unique_index(keys, name, [f.column for f in fields if f.null])
        return IndexModel(keys, name=name)

    def _index_keys(self, model, index):
        """Return the keys of a ``Meta.indexes`` entry and its collation."""
        if index.expressions:
            return self._expression_keys(model, index, index.expressions)
        keys = []
        for field_name, order in index.fields_orders:
            column = self._path(model, model._meta.get_field(field_name).column)
            keys.append((column, DESCENDING if order == "DESC" else ASCENDING))
        return keys, None

    def _expression_keys(self, model, owner, expressions):
        """Return the index keys of ``expressions`` (of the index or
        constraint ``owner``) and the collation the index needs: None, or
        case-insensitive when a key is a Lower()/Upper() of a path.

        One collation covers the whole index, so a Lower()/Upper() key beside
        a key that may hold strings (whose case would be folded too) raises
        NotSupportedError.
        """
        parts = [self._expression_key(model, owner, expression) for expression in expressions]
        keys = [(column, direction) for column, direction, _, _ in parts]
        if not any(folded for _, _, folded, _ in parts):
            return keys, None
        mixed = [column for column, _, folded, strings in parts if strings and not folded]
        if mixed:
            raise NotSupportedError(
                f"The index {owner.name!r} on Lower()/Upper() beside the text column(s) "
                f"{', '.join(mixed)} is not supported by djongo_app: MongoDB gives the whole "
                "index one case-insensitive collation, which would ignore their case too."
            )
        return keys, CASE_INSENSITIVE

    def _expression_key(self, model, owner, expression):
        """Return ``(path, direction, folded, may hold strings)`` for an
        expression that is a document path (``F("blog__name")``) or the
        Lower()/Upper() of one (``folded``), optionally ``.desc()``."""
        direction = ASCENDING
        if isinstance(expression, OrderBy):
            direction = DESCENDING if expression.descending else ASCENDING
            expression = expression.expression
        query = Query(model=model, alias_cols=False)
        resolved = expression.resolve_expression(query)
        folded = isinstance(resolved, CASE_FUNCTIONS)
        target = resolved.get_source_expressions()[0] if folded else resolved
        compiler = query.get_compiler(connection=self.connection)
        sql, _params = compiler.compile(target)
        match = COLUMN.match(sql)
        if match is None:
            shown, _params = compiler.compile(resolved)
            raise NotSupportedError(
                f"The index {owner.name!r} on the expression {shown} is not supported by "
                "djongo_app: only fields, paths into documents (F('blog__name')) and "
                "their Lower() or Upper() can be indexed."
            )
        try:
            output_field = target.output_field
        except FieldError:
            output_field = None
        column = self._path(model, match["column"])
        return column, direction, folded, may_hold_strings(output_field)

    def _check_collated_condition(self, model, owner, condition):
        """Refuse a condition on text columns for a case-insensitive index:
        whether MongoDB applies the index's collation to it is not
        something to rely on."""
        where = Query(model=model, alias_cols=False).build_where(condition)
        texts = sorted({field.column for field in _columns_of(where) if may_hold_strings(field)})
        if texts:
            raise NotSupportedError(
                f"The case-insensitive index {owner.name!r} with a condition on the text "
                f"column(s) {', '.join(texts)} is not supported by djongo_app."
            )

    def _index_model(self, model, index):
        """Return the IndexModel of a ``Meta.indexes`` entry, or None for
        one with ``include`` (non-key columns), which Django's system check
        models.W040 says won't be created."""
        if index.include:
            return None
        if not index.name:
            index.set_name_with_model(model)
        keys, collation = self._index_keys(model, index)
        options = {}
        if collation is not None:
            options["collation"] = collation
        if index.condition is not None:
            if collation is not None:
                self._check_collated_condition(model, index, index.condition)
            options["partialFilterExpression"] = self._partial_filter(model, index)
        return IndexModel(keys, name=index.name, **options)

    def _partial_filter(self, model, owner):
        """Return the partialFilterExpression of an index's or a unique
        constraint's condition; NotSupportedError for one MongoDB refuses."""
        condition = self._condition_filter(model, owner.condition)
        what = f"the index {owner.name!r} ({owner.condition!r})"
        return partial_filter(condition, what, NON_NULL_TYPES)

    def _constraint_index_model(self, model, constraint):
        if not isinstance(constraint, UniqueConstraint):
            raise NotSupportedError(
                f"{type(constraint).__name__} {constraint.name!r} cannot be enforced "
                "by MongoDB and is not supported by djongo_app."
            )
        if _skipped(constraint):
            return None
        collation = None
        if constraint.expressions:
            keys, collation = self._expression_keys(model, constraint, constraint.expressions)
            # A path into a document may be missing: NULLs stay distinct.
            nullable = [column for column, _ in keys]
        else:
            fields = [model._meta.get_field(name) for name in constraint.fields]
            keys = [(self._path(model, field.column), ASCENDING) for field in fields]
            nullable = [field.column for field in fields if field.null]
        condition = None
        if constraint.condition is not None:
            if collation is not None:
                self._check_collated_condition(model, constraint, constraint.condition)
            condition = self._partial_filter(model, constraint)
        return self._unique_index(keys, constraint.name, nullable, condition, collation)

    def _unique_index(self, keys, name, nullable_columns, condition=None, collation=None):
        options = {"collation": collation} if collation is not None else {}
        if not nullable_columns and condition is None:
            return IndexModel(keys, name=name, unique=True, **options)
        # SQL lets NULLs repeat in a unique column: index only the
        # documents whose nullable columns all hold a value (and that meet
        # the constraint's condition).
        partial = {column: {"$type": NON_NULL_TYPES} for column in nullable_columns}
        if condition:
            partial = {"$and": [partial, condition]} if partial else condition
        return IndexModel(keys, name=name, unique=True, partialFilterExpression=partial, **options)

    def _meta_index_names(self, model):
        """Return the names ``Meta.indexes`` and ``Meta.constraints`` give."""
        return {index.name for index in model._meta.indexes} | {
            constraint.name for constraint in model._meta.constraints
        }

    def _derived_indexes(self, model, columns, unique):
        """Return the names of the existing indexes on exactly ``columns``
        (ascending) with that uniqueness, other than the named indexes and
        constraints of ``Meta``: those of fields and ``*_together``."""
        keys = [(column, ASCENDING) for column in columns]
        named = self._meta_index_names(model)
        information = self.database[model._meta.db_table].index_information()
        return [
            name
            for name, info in information.items()
            if name != "_id_"
            and name not in named
            and info["key"] == keys
            and bool(info.get("unique")) == unique
        ]

    def _field_indexes(self, model, column):
        """Return ``{name: info}`` of the field indexes on ``column`` (and on
        the paths of its embedded documents)."""
        named = self._meta_index_names(model)
        information = self.database[model._meta.db_table].index_information()

        def on_field(keys):
            if len(keys) != 1 or keys[0][1] != ASCENDING:
                return False
            return keys[0][0] == column or keys[0][0].startswith(column + ".")

        return {
            name: info
            for name, info in information.items()
            if name != "_id_" and name not in named and on_field(info["key"])
        }

    def _rename_column(self, model, old, new, own_indexes):
        """Rename the key ``old`` to ``new`` in every document.

        The indexes that name ``old`` in their keys or partial filter are
        dropped first; all but the field's ``own_indexes`` (which the caller
        recreates from the new field) come back on ``new`` with their
        options. Indexes of fields and ``*_together`` get the name derived
        from the new columns; ``Meta``'s named ones keep theirs. A counter
        column keeps its counter.
        """
        table = model._meta.db_table
        if old == self._stored_key(table):
            # The values stay in _id; only the column's name changes.
            record_key(self.schema_collection, table, new)
            self._key_changed(table, new)
            if old in (self.counters.auto_fields(table) or ()):
                self.counters.rename_column(table, old, new)
            return
        collection = self.database[table]
        named = self._meta_index_names(model)
        recreated = []
        for name, info in collection.index_information().items():
            keys = [key for key, _ in info["key"]]
            partial = info.get("partialFilterExpression")
            if name == "_id_" or not (
                any(_is_path_in(key, old) for key in keys) or _mentions(partial, old)
            ):
                continue
            collection.drop_index(name)
            if name in own_indexes:
                continue
            renamed = [(_renamed_path(key, old, new), order) for key, order in info["key"]]
            options = {k: v for k, v in info.items() if k not in {"key", "v", "ns"}}
            if partial is not None:
                options["partialFilterExpression"] = _renamed_filter(partial, old, new)
            options["name"] = name
            if name not in named:
                suffix = "_uniq" if info.get("unique") else "_idx"
                options["name"] = self._create_index_name(
                    table, [key for key, _ in renamed], suffix=suffix
                )
            recreated.append(IndexModel(renamed, **options))
        collection.update_many({old: {"$exists": True}}, {"$rename": {old: new}})
        if recreated:
            collection.create_indexes(recreated)
        if old in (self.counters.auto_fields(table) or ()):
            self.counters.rename_column(table, old, new)

    def _drop_indexes_on(self, table, columns):
        collection = self.database[table]
        for name, info in collection.index_information().items():
            if name == "_id_":
                continue
            indexed = [key for key, _ in info["key"]]
            if set(indexed) & set(columns):
                collection.drop_index(name)


def _columns_of(expression):
    """Yield the fields of the columns an expression or WHERE tree reads."""
    if isinstance(expression, Col):
        yield expression.target
        return
    children = getattr(expression, "children", None)
    for child in children if children is not None else expression.get_source_expressions():
        if child is not None and hasattr(child, "get_source_expressions"):
            yield from _columns_of(child)


def _skipped(constraint):
    """Return whether a UniqueConstraint uses an option MongoDB lacks
    (``deferrable``, ``include``, ``nulls_distinct``): Django's system checks
    (models.W038, W039, W047) warn that it won't be created, as on SQL
    backends without the feature."""
    return (
        constraint.deferrable is not None
        or bool(constraint.include)
        or constraint.nulls_distinct is not None
    )


def _same_index(info, document):
    """Return whether an existing index (``index_information()``) is the
    index an IndexModel ``document`` describes, but for its name."""
    return (
        info["key"] == list(document["key"].items())
        and bool(info.get("unique")) == bool(document.get("unique"))
        and info.get("partialFilterExpression") == document.get("partialFilterExpression")
    )


def _is_path_in(path, column):
    """Return whether the key ``path`` is ``column`` or a path into it."""
    return path == column or path.startswith(column + ".")


def _renamed_path(path, old, new):
    return new + path[len(old) :] if _is_path_in(path, old) else path


def _mentions(value, column):
    """Return whether a filter names ``column`` (as a key or a $path)."""
    if isinstance(value, dict):
        return any(
            _is_path_in(key, column) or _mentions(item, column) for key, item in value.items()
        )
    if isinstance(value, list):
        return any(_mentions(item, column) for item in value)
    return isinstance(value, str) and _is_path_in(value, "$" + column)


def _renamed_filter(value, old, new):
    """Return a filter with ``old`` renamed ``new`` in keys and $paths."""
    if isinstance(value, dict):
        return {
            _renamed_path(key, old, new): _renamed_filter(item, old, new)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed_filter(item, old, new) for item in value]
    if isinstance(value, str):
        return _renamed_path(value, "$" + old, "$" + new)
    return value


__all__ = ["DatabaseSchemaEditor"]
