"""Models with every kind of field djongo_app adds, for the REST tests."""

from django.db import models

from djongo_app.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedField,
    EmbeddedModel,
    ObjectIdAutoField,
    ObjectIdField,
)


class Address(EmbeddedModel):
    city = models.CharField(max_length=50)
    zip_code = models.CharField(max_length=10, blank=True, default="")


class Publisher(EmbeddedModel):
    name = models.CharField(max_length=50)
    rank = models.IntegerField(default=0)
    address = EmbeddedField(model_container=Address, null=True, blank=True)
    code = ObjectIdField(null=True, blank=True)


class Author(EmbeddedModel):
    name = models.CharField(max_length=50)
    email = models.EmailField()


class Reviewer(models.Model):
    id = ObjectIdAutoField(primary_key=True)
    name = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Shelf(models.Model):
    # Django's AutoFieldMeta makes a BigAutoField an instance of every
    # AutoField subclass (ObjectIdAutoField too): its keys stay integers.
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"

    def __str__(self):
        return self.name


class Book(models.Model):
    """A document with every kind of field."""

    id = ObjectIdAutoField(primary_key=True)
    title = models.CharField(max_length=100)
    published = models.DateField(null=True, blank=True)
    source = ObjectIdField(null=True, blank=True)
    publisher = EmbeddedField(model_container=Publisher)
    authors = ArrayField(model_container=Author, min_size=1, max_size=3)
    tags = ArrayField(
        base_field=models.CharField(max_length=20), default=list, blank=True, max_size=4
    )
    scores = ArrayField(base_field=models.IntegerField(), default=list, blank=True)
    reviewers = ArrayReferenceField(Reviewer, related_name="books")
    shelf = models.ForeignKey(Shelf, models.SET_NULL, null=True, blank=True)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["title"]

    def __str__(self):
        return self.title


class Review(models.Model):
    """A foreign key to an ObjectId primary key."""

    book = models.ForeignKey(Book, models.CASCADE, related_name="reviews")
    text = models.CharField(max_length=200)

    class Meta:
        required_db_vendor = "mongodb"


class Badge(EmbeddedModel):
    code = models.CharField(max_length=10, unique=True)
    label = models.CharField(max_length=50, blank=True, default="")


class Member(EmbeddedModel):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=50, blank=True, default="")


class Club(models.Model):
    """Unique keys inside an embedded document and an array of documents
    (unique indexes on badge.code and members.email)."""

    name = models.CharField(max_length=50)
    badge = EmbeddedField(model_container=Badge, null=True, blank=True)
    members = ArrayField(model_container=Member, default=list, blank=True)

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["name"]
