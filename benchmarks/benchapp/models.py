"""The workload's models, shaped for the backend this process runs.

The same tables and columns on every backend; what differs is how each
one spells an embedded document (djongo_app's ``EmbeddedField``,
django-mongodb-backend's ``EmbeddedModelField``, a ``JSONField`` on
SQLite), an array of ids (``Entry.editors``: djongo_app's
``ArrayReferenceField``, which ``prefetch_related`` resolves; an
``ArrayField`` of ObjectIds; a ``JSONField`` list) and the primary key of
``Note`` and ``Reading`` (an ObjectId where the backend has one).
"""

from django.conf import settings
from django.db import models

BACKEND = settings.BENCH_BACKEND

if BACKEND == "djongo_app":
    from djongo_app.fields import (
        ArrayReferenceField,
        EmbeddedField,
        EmbeddedModel,
        ObjectIdAutoField,
    )

    class Seo(EmbeddedModel):
        title = models.CharField(max_length=100)
        keywords = models.CharField(max_length=200, blank=True)

    def seo_field():
        return EmbeddedField(model_container=Seo, null=True, blank=True)

    def object_id_pk():
        return ObjectIdAutoField(primary_key=True)

    def editors_field():
        return ArrayReferenceField("Author", related_name="edited")

elif BACKEND == "dmb":
    from django_mongodb_backend.fields import (
        ArrayField,
        EmbeddedModelField,
        ObjectIdAutoField,
        ObjectIdField,
    )
    from django_mongodb_backend.models import EmbeddedModel

    class Seo(EmbeddedModel):
        title = models.CharField(max_length=100)
        keywords = models.CharField(max_length=200, blank=True)

    def seo_field():
        return EmbeddedModelField(Seo, null=True, blank=True)

    def object_id_pk():
        return ObjectIdAutoField(primary_key=True)

    def editors_field():
        return ArrayField(ObjectIdField(), default=list)

else:

    def seo_field():
        return models.JSONField(null=True, blank=True)

    def object_id_pk():
        return models.AutoField(primary_key=True)

    def editors_field():
        return models.JSONField(default=list)


class Author(models.Model):
    name = models.CharField(max_length=50, db_index=True)
    email = models.CharField(max_length=100)
    age = models.IntegerField()

    def __str__(self):
        return self.name


class Blog(models.Model):
    name = models.CharField(max_length=50, db_index=True)
    tagline = models.CharField(max_length=200)
    owner = models.ForeignKey(Author, models.CASCADE, related_name="blogs")

    def __str__(self):
        return self.name


class Entry(models.Model):
    blog = models.ForeignKey(Blog, models.CASCADE)
    headline = models.CharField(max_length=200)
    body = models.TextField()
    pub_date = models.DateTimeField(db_index=True)
    rating = models.IntegerField()
    n_comments = models.IntegerField(default=0)
    seo = seo_field()
    authors = models.ManyToManyField(Author, related_name="entries")
    # The same array of author ids everywhere; only djongo_app resolves it
    # as references (prefetch_related("editors")).
    editors = editors_field()

    class Meta:
        verbose_name_plural = "entries"

    def __str__(self):
        return self.headline


class Note(models.Model):
    """create() with the backend's ObjectId primary key."""

    id = object_id_pk()
    title = models.CharField(max_length=100)
    body = models.TextField()
    created = models.DateTimeField()


class Comment(models.Model):
    """The rows of bulk_create."""

    entry_id = models.IntegerField()
    name = models.CharField(max_length=50)
    body = models.TextField()
    created = models.DateTimeField()
    score = models.IntegerField()
    approved = models.BooleanField(default=False)


class Reading(models.Model):
    """The rows of bulk_create with the backend's ObjectId primary key."""

    id = object_id_pk()
    entry_id = models.IntegerField()
    name = models.CharField(max_length=50)
    body = models.TextField()
    created = models.DateTimeField()
    score = models.IntegerField()
    approved = models.BooleanField(default=False)
