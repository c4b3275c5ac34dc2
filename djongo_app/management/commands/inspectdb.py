"""``manage.py inspectdb [table ...] [--sample-size N]`` for MongoDB.

For a djongo_app database, models are inferred from a sample of each
collection's documents: the first ``--sample-size`` documents in natural
order, or else the ``INTROSPECTION_SAMPLE_SIZE`` key of the ``DATABASES``
entry (default 100; 0 reads every document). The sample decides:

* the primary key: the integer counter column ``__schema__`` records
  (kept in ``_id`` when ``__schema__`` says so, see djongo_app/keylayout.py),
  or an integer ``id`` key in every document (Djongo's layout; ``_id`` is
  then left to the driver), becomes an ``AutoField`` that takes its next
  values from the counter; otherwise ``_id`` is the key, an
  ``ObjectIdAutoField`` when it holds ObjectIds;
* each other key's field: a nested document becomes an ``EmbeddedField``
  whose ``EmbeddedModel`` container (``<Model><Key>``, to any depth) is
  written before the model; an array of one scalar type an ``ArrayField``
  of that field, an array of documents an ``ArrayField`` of a container;
  values of mixed or unknown types a ``JSONField``; so are documents with
  a key that starts with ``$`` or holds a ``.``, which a dotted path (and
  so a container's field) cannot name, while a ``JSONField`` reads any key;
* ``null=True, blank=True`` for keys missing from or null in some sampled
  document; ``unique=True`` or ``unique_together`` from unique indexes.

Models are ``managed = False`` with their ``db_table``, as Django writes
them. Other databases get Django's own inspectdb.
"""

import re

from django.core.management.base import CommandError
from django.core.management.commands import inspectdb
from django.db import DatabaseError, connections

from djongo_app.introspection import BSON_FIELD_TYPES, DatabaseIntrospection

# Classes the generated module imports from djongo_app.fields.
DJONGO_CLASSES = frozenset(
    {"ArrayField", "EmbeddedField", "EmbeddedModel", "ObjectIdAutoField", "ObjectIdField"}
)
# BSON type of an integer primary key → the auto field counting it.
AUTO_FIELDS = {"int": "AutoField", "long": "BigAutoField"}
# Types that cannot be an ArrayField's base_field.
NOT_SCALAR = frozenset({"object", "array", "null", "mixed"})
# Django's note for a name it prefixed with "field", whatever made the
# name start with "_" (a "$" replaced by "_" included).
DJANGO_UNDERSCORE_NOTE = "Field renamed because it started with '_'."


class Code(str):
    """Source text written as is among a field's arguments."""

    def __repr__(self):
        return str(self)


class Module:
    """The generated module: its classes in dependency order, the names they
    take and the djongo_app.fields classes they use."""

    def __init__(self):
        self.blocks = []
        self.names = set()
        self.imports = set()

    def class_name(self, name):
        """Return ``name``, numbered if another class has it, and take it."""
        unique, number = name, 1
        while unique in self.names:
            number += 1
            unique = f"{name}{number}"
        self.names.add(unique)
        return unique

    def field(self, field_type, params):
        """Return the source of a field, importing its class."""
        if field_type in DJONGO_CLASSES:
            self.imports.add(field_type)
            prefix = ""
        else:
            prefix = "models."
        arguments = ", ".join(f"{name}={value!r}" for name, value in params.items())
        return Code(f"{prefix}{field_type}({arguments})")


class Command(inspectdb.Command):
    help = (
        "Introspects the database tables in the given database and outputs a Django model "
        "module. On MongoDB, fields are inferred from a sample of each collection's documents."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--sample-size",
            type=int,
            default=None,
            help=(
                "MongoDB: documents to read per collection (0: all). Defaults to the "
                "database's INTROSPECTION_SAMPLE_SIZE, else 100."
            ),
        )

    def handle_inspection(self, options):
        connection = connections[options["database"]]
        if not isinstance(connection.introspection, DatabaseIntrospection):
            yield from super().handle_inspection(options)
            return
        sample_size = options.get("sample_size")
        if sample_size is not None and sample_size < 0:
            raise CommandError("--sample-size must be 0 (all documents) or more.")
        if sample_size is None:
            sample_size = connection.introspection.sample_size
        yield from self.inspect_documents(connection, options, sample_size)

    def inspect_documents(self, connection, options, sample_size):
        introspection = connection.introspection
        table_name_filter = options.get("table_name_filter")
        types = {"t", "v"} if options["include_views"] else {"t"}
        module = Module()
        with connection.cursor() as cursor:
            table_info = {
                info.name: info
                for info in introspection.get_table_list(cursor)
                if info.type in types
            }
            tables = [
                name
                for name in options["table"] or sorted(table_info)
                if not callable(table_name_filter) or table_name_filter(name)
            ]
            model_names = {
                name: module.class_name(self.normalize_table_name(name)) for name in tables
            }
            for table_name in tables:
                try:
                    shape = introspection.get_document_shape(table_name, sample_size)
                    constraints = introspection.get_constraints(cursor, table_name)
                    counted = introspection.get_sequences(cursor, table_name)
                except DatabaseError as e:
                    module.blocks.append(
                        [f"# Unable to inspect table '{table_name}'", f"# The error was: {e}"]
                    )
                    continue
                info = table_info.get(table_name)
                module.blocks.append(
                    self.model_lines(
                        module,
                        model_names[table_name],
                        table_name,
                        shape,
                        constraints,
                        [sequence["column"] for sequence in counted],
                        is_view=info is not None and info.type == "v",
                    )
                )
        yield from self.header(sample_size)
        yield f"from {self.db_module} import models"
        if module.imports:
            yield f"from djongo_app.fields import {', '.join(sorted(module.imports))}"
        for block in module.blocks:
            yield ""
            yield ""
            yield from block

    def header(self, sample_size):
        sampled = f"the first {sample_size}" if sample_size else "all the"
        return [
            "# This is an auto-generated Django model module.",
            f"# Fields are inferred from {sampled} documents of each collection:",
            "# keys that are rare or of varying types may be missing or guessed.",
            "# You'll have to do the following manually to clean this up:",
            "#   * Rearrange models' order",
            "#   * Turn integer keys that hold other documents' ids into ForeignKeys",
            (
                "#   * Remove `managed = False` lines if you wish to allow "
                "Django to create, modify, and delete the table"
            ),
            "# Feel free to rename the models, but don't rename db_table values or field names.",
        ]

    # Models ------------------------------------------------------------------

    def model_lines(self, module, model_name, table_name, shape, constraints, counted, is_view):
        lines = [f"class {model_name}(models.Model):"]
        if not shape.count:
            lines.append("    # No documents to sample: only the primary key is known.")
        pk_column, pk_type, pk_params, pk_notes = self.primary_key(shape, counted)
        lines.append(self.field_line(module, "id", pk_type, pk_params, pk_notes))
        # Indexes with a collation (Lower()/Upper() constraints) compare
        # other values than the stored ones: not unique=True/unique_together.
        collated = {
            name: c for name, c in constraints.items() if (c["options"] or {}).get("collation")
        }
        constraints = {name: c for name, c in constraints.items() if name not in collated}
        unique_columns = {
            c["columns"][0]
            for c in constraints.values()
            if c["unique"] and not c["primary_key"] and len(c["columns"]) == 1
        }
        column_to_field_name = {pk_column: "id"}
        for column, key in shape.keys.items():
            # In Djongo's layout _id is the driver's ObjectId, not a field.
            if column in (pk_column, "_id"):
                continue
            name, params, notes = self.normalize_col_name(
                column, list(column_to_field_name.values()), False
            )
            column_to_field_name[column] = name
            field_type, field_params, field_notes = self.key_field(module, model_name, column, key)
            params.update(field_params)
            if column in unique_columns:
                params["unique"] = True
            if shape.nullable(column):
                params.update(null=True, blank=True)
            lines.append(self.field_line(module, name, field_type, params, notes + field_notes))
        represented = {
            name: c
            for name, c in constraints.items()
            if all(column in column_to_field_name for column in c["columns"])
        }
        lines.extend(
            self.get_meta(table_name, represented, column_to_field_name, is_view, False, None)
        )
        for name in sorted(constraints.keys() - represented.keys()):
            if constraints[name]["unique"] and not constraints[name]["primary_key"]:
                lines.append(f"        # Unique index {name!r} is on keys without a field.")
        for name, c in sorted(collated.items()):
            if c["unique"]:
                lines.append(
                    f"        # Unique index {name!r} on {', '.join(c['columns'])} ignores case "
                    "(a collation): declare it as UniqueConstraint(Lower(...), ...)."
                )
        return lines

    def primary_key(self, shape, counted):
        """Return the pk's column, field type, params and notes.

        An integer counter column (from ``__schema__``, or an integer ``id``
        in every sampled document) is an auto field; otherwise ``_id``.
        """
        candidate = counted[0] if counted else "id"
        key = shape.keys.get(candidate)
        if counted and key is None:
            return candidate, "AutoField", {"primary_key": True}, []
        if key is not None and key.type_code in AUTO_FIELDS and not shape.nullable(candidate):
            params = {"primary_key": True}
            if candidate != "id":
                params["db_column"] = candidate
            return candidate, AUTO_FIELDS[key.type_code], params, []
        key = shape.keys.get("_id")
        if key is None or key.type_code == "objectId":
            return "_id", "ObjectIdAutoField", {"primary_key": True}, []
        field_type, params, notes = self.scalar_field(key.type_code, key)
        return "_id", field_type, {**params, "primary_key": True, "db_column": "_id"}, notes

    # Fields ------------------------------------------------------------------

    def key_field(self, module, owner, column, key):
        """Return the field type, params and notes of the values under a key;
        containers of nested documents are added to ``module`` first."""
        kind = key.type_code
        if kind == "object" and key.fields.keys:
            unnamable = unnamable_keys(key.fields)
            if unnamable:
                return "JSONField", {}, [unnamable_note(unnamable)]
            container = self.container(module, owner + camel_case(column), key.fields)
            return "EmbeddedField", {"model_container": Code(container)}, []
        if kind != "array":
            return self.scalar_field(kind, key)
        items = key.items
        item_kind = items.type_code if items is not None else "null"
        if item_kind == "object" and items.fields.keys and not items.has_null:
            unnamable = unnamable_keys(items.fields)
            if unnamable:
                return "JSONField", {}, [unnamable_note(unnamable)]
            container = self.container(module, owner + camel_case(column), items.fields)
            return "ArrayField", {"model_container": Code(container)}, []
        if item_kind not in NOT_SCALAR:
            base_type, base_params, notes = self.scalar_field(item_kind, items)
            if items.has_null:
                base_params.update(null=True, blank=True)
            return "ArrayField", {"base_field": module.field(base_type, base_params)}, notes
        if item_kind == "null":
            return "JSONField", {}, ["Only empty arrays in the sample: element type unknown."]
        kinds = ", ".join(sorted(set(items.types) - {"null"}))
        return "JSONField", {}, [f"Array elements: {kinds}."]

    def scalar_field(self, kind, key):
        """Return the field type, params and notes of one BSON type."""
        params = {}
        notes = []
        if kind == "decimal":
            params["max_digits"] = max(key.whole_digits + key.places, 1)
            params["decimal_places"] = key.places
        elif kind == "null":
            notes.append("Only nulls in the sample: the type is a guess.")
        elif kind == "mixed":
            kinds = ", ".join(sorted(set(key.types) - {"null"}))
            notes.append(f"Values of several types ({kinds}).")
        return BSON_FIELD_TYPES[kind], params, notes

    def container(self, module, name, shape):
        """Add the EmbeddedModel of ``shape``'s documents to ``module`` and
        return its class name."""
        name = module.class_name(name)
        module.imports.add("EmbeddedModel")
        lines = [f"class {name}(EmbeddedModel):"]
        used = []
        for column, key in shape.keys.items():
            field_name, params, notes = self.normalize_col_name(column, used, False)
            used.append(field_name)
            field_type, field_params, field_notes = self.key_field(module, name, column, key)
            params.update(field_params)
            if shape.nullable(column):
                params.update(null=True, blank=True)
            lines.append(
                self.field_line(module, field_name, field_type, params, notes + field_notes)
            )
        module.blocks.append(lines)
        return name

    def normalize_col_name(self, col_name, used_column_names, is_relation):
        name, params, notes = super().normalize_col_name(col_name, used_column_names, is_relation)
        if not col_name.startswith("_") and DJANGO_UNDERSCORE_NOTE in notes:
            # The "_" came from a character Django replaced ("$gt" → "_gt").
            notes = [
                f"Field renamed because it started with {col_name[0]!r}."
                if note == DJANGO_UNDERSCORE_NOTE
                else note
                for note in notes
            ]
        return name, params, notes

    def field_line(self, module, name, field_type, params, notes):
        line = f"    {name} = {module.field(field_type, params)}"
        if notes:
            line += "  # " + " ".join(notes)
        return line


def unnamable_keys(shape):
    """Return the keys of ``shape`` a dotted path cannot name: those that
    start with ``$`` or hold a ``.``."""
    return [key for key in shape.keys if key.startswith("$") or "." in key]


def unnamable_note(keys):
    shown = ", ".join(repr(key) for key in keys[:3]) + (", ..." if len(keys) > 3 else "")
    return (
        f"Sub-documents with keys a path cannot name ({shown}: a leading '$' or a '.'): "
        "a JSONField, not an EmbeddedField."
    )


def camel_case(key):
    """Return ``key`` as a CamelCase class name part ("home_address" →
    "HomeAddress", "geoPoint" → "GeoPoint")."""
    parts = re.split(r"[^a-zA-Z0-9]+", key)
    return "".join(part[:1].upper() + part[1:] for part in parts) or "Key"
