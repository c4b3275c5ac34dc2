"""Models of the admin tests: documents at every depth, arrays of documents
and of values, array references, integer and ObjectId keys."""

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
    street = models.CharField(max_length=100, blank=True, default="")
    city = models.CharField(max_length=50)


class Publisher(EmbeddedModel):
    name = models.CharField(max_length=50)
    email = models.EmailField(blank=True, default="")
    founded = models.DateField(null=True, blank=True)
    address = EmbeddedField(model_container=Address, null=True, blank=True)


class Chapter(EmbeddedModel):
    title = models.CharField(max_length=100)
    pages = models.PositiveIntegerField(default=1)
    draft = models.BooleanField(default=False)


class Note(EmbeddedModel):
    """Wide (long text, a nested array): its array is stacked."""

    text = models.TextField()
    labels = ArrayField(base_field=models.CharField(max_length=20), default=list, blank=True)


class Issue(EmbeddedModel):
    number = models.PositiveIntegerField()
    published = models.DateField(null=True, blank=True)


class Flags(EmbeddedModel):
    """Every field has a default: a stored document may equal a blank form."""

    featured = models.BooleanField(default=False)
    reviews = models.PositiveIntegerField(default=0)


class Person(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Writer(models.Model):
    id = ObjectIdAutoField(primary_key=True)
    name = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=100)
    publisher = EmbeddedField(model_container=Publisher)
    chapters = ArrayField(model_container=Chapter, default=list, blank=True, max_size=3)
    notes = ArrayField(model_container=Note, default=list, blank=True)
    keywords = ArrayField(base_field=models.CharField(max_length=20), default=list, blank=True)
    printings = ArrayField(base_field=models.DateField(), default=list, blank=True)
    ratings = ArrayField(base_field=models.IntegerField(), default=list, blank=True)
    authors = ArrayReferenceField(Person, related_name="books")
    editors = ArrayReferenceField(Person, related_name="edited_books")
    reviewers = ArrayReferenceField(Person, related_name="reviewed_books")
    flags = EmbeddedField(model_container=Flags, null=True, blank=True)

    class Meta:
        required_db_vendor = "mongodb"

    def __str__(self):
        return self.title


class Magazine(models.Model):
    """An ObjectId-keyed model with documents and references."""

    id = ObjectIdAutoField(primary_key=True)
    name = models.CharField(max_length=100)
    publisher = EmbeddedField(model_container=Publisher)
    issues = ArrayField(model_container=Issue, default=list, blank=True, min_size=1)
    topics = ArrayField(base_field=models.CharField(max_length=20), default=list, blank=True)
    writers = ArrayReferenceField(Writer, related_name="magazines")
    staff = ArrayReferenceField(Person, related_name="magazines")
    sister = ObjectIdField(null=True, blank=True)

    class Meta:
        required_db_vendor = "mongodb"

    def __str__(self):
        return self.name


class Article(models.Model):
    magazine = models.ForeignKey(Magazine, models.CASCADE, related_name="articles")
    title = models.CharField(max_length=100)
    sections = ArrayField(model_container=Chapter, default=list, blank=True)

    class Meta:
        required_db_vendor = "mongodb"

    def __str__(self):
        return self.title


class Pamphlet(models.Model):
    """Registered with a plain admin.ModelAdmin."""

    title = models.CharField(max_length=100)
    publisher = EmbeddedField(model_container=Publisher, null=True, blank=True)
    chapters = ArrayField(model_container=Chapter, default=list, blank=True)
    printings = ArrayField(base_field=models.DateField(), default=list, blank=True)
    authors = ArrayReferenceField(Person, related_name="pamphlets")

    class Meta:
        required_db_vendor = "mongodb"

    def __str__(self):
        return self.title
