"""Migrations record djongo_app's fields by their public path, and a user's
subclass by its own."""

import pytest
from django.db import models
from django.db.migrations.writer import MigrationWriter

from djongo_app.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedField,
    ObjectIdAutoField,
    ObjectIdField,
)
from tests.testapp.models import Blog, Reader


class MyArrayField(ArrayField):
    pass


class MyEmbeddedField(EmbeddedField):
    pass


class MyObjectIdField(ObjectIdField):
    pass


class MyObjectIdAutoField(ObjectIdAutoField):
    pass


class MyArrayReferenceField(ArrayReferenceField):
    pass


FIELDS = [
    (ArrayField, MyArrayField, {"base_field": models.IntegerField()}),
    (EmbeddedField, MyEmbeddedField, {"model_container": Blog}),
    (ObjectIdField, MyObjectIdField, {}),
    (ObjectIdAutoField, MyObjectIdAutoField, {"primary_key": True}),
    (ArrayReferenceField, MyArrayReferenceField, {"to": Reader}),
]


@pytest.mark.parametrize(
    ("ours", "subclass", "kwargs"), FIELDS, ids=[ours.__name__ for ours, _, _ in FIELDS]
)
def test_paths(ours, subclass, kwargs):
    """djongo_app's classes deconstruct to djongo_app.fields.<Name>; a
    subclass to its own module, so that its migrations rebuild it
    (issue 10)."""
    _name, path, _args, _kwargs = ours(**kwargs).deconstruct()
    assert path == f"djongo_app.fields.{ours.__name__}"
    _name, path, args, field_kwargs = subclass(**kwargs).deconstruct()
    assert path == f"tests.backend.test_deconstruct.{subclass.__name__}"
    written, imports = MigrationWriter.serialize(subclass(**kwargs))
    assert written.startswith(f"tests.backend.test_deconstruct.{subclass.__name__}(")
    assert "import tests.backend.test_deconstruct" in imports
    assert type(subclass(*args, **field_kwargs).clone()) is subclass


def test_djongo_names_record_the_public_class():
    """djongo_app.models's Djongo names are recorded by the djongo_app.fields
    class they derive from (issue 10)."""
    from djongo_app import models as djongo_models

    _name, path, _args, kwargs = djongo_models.ObjectIdField().deconstruct()
    assert path == "djongo_app.fields.ObjectIdAutoField"
    assert kwargs["primary_key"] is True
