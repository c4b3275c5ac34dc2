from django.db import models
from django.db.models.functions import Lower

from djongo_app.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedField,
    EmbeddedModel,
    ObjectIdAutoField,
    ObjectIdField,
)


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True, null=True, blank=True)
    age = models.IntegerField(null=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    label = models.CharField(max_length=50, unique=True)


class Nickname(models.Model):
    """A case-insensitive unique constraint (an index with a collation)."""

    name = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="nickname_name_ci")]


class Book(models.Model):
    title = models.CharField(max_length=200, db_index=True)
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    editor = models.ForeignKey(Author, models.SET_NULL, null=True, related_name="edited")
    pages = models.IntegerField(default=0)
    rating = models.FloatField(null=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    published = models.DateField(null=True)
    created = models.DateTimeField(null=True)
    tags = models.ManyToManyField(Tag, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-pages"], name="book_pages_desc")]
        constraints = [
            models.UniqueConstraint(fields=["title", "author"], name="book_title_author")
        ]


class Review(models.Model):
    """The end of a chain of nullable foreign keys (Author → Book → Review),
    with a JSON note whose keys hold quotes, dots and dollars."""

    book = models.ForeignKey(Book, models.SET_NULL, null=True, related_name="reviews")
    stars = models.IntegerField(null=True)
    note = models.JSONField(null=True)


class Counter(models.Model):
    key = models.CharField(max_length=20, primary_key=True)
    value = models.IntegerField(null=True)


class Everything(models.Model):
    """One column of each common type, for round trips."""

    big = models.BigIntegerField(null=True)
    small = models.SmallIntegerField(null=True)
    text = models.TextField(null=True)
    flag = models.BooleanField(null=True)
    amount = models.DecimalField(max_digits=10, decimal_places=3, null=True)
    ratio = models.FloatField(null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    uid = models.UUIDField(null=True)
    blob = models.BinaryField(null=True)
    slug = models.SlugField(null=True)


class Document(models.Model):
    """A JSONField, stored as native BSON."""

    name = models.CharField(max_length=20)
    data = models.JSONField(null=True)


class Product(models.Model):
    """Check constraints, a conditional unique constraint, a partial index."""

    sku = models.CharField(max_length=20)
    active = models.BooleanField(default=True)
    price = models.IntegerField(null=True)
    discounted = models.IntegerField(null=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=models.F("discounted")), name="discount_below_price"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_not_negative"),
            models.UniqueConstraint(
                fields=["sku"], condition=models.Q(active=True), name="unique_active_sku"
            ),
        ]
        indexes = [
            models.Index(fields=["price"], condition=models.Q(price__gt=100), name="expensive")
        ]


class Note(models.Model):
    """A model whose primary key is MongoDB's own ObjectId."""

    id = ObjectIdAutoField(primary_key=True)
    text = models.CharField(max_length=50)
    source = ObjectIdField(null=True, blank=True)

    class Meta:
        # Not on the SQLite database of tests/differential.
        required_db_vendor = "mongodb"


class NoteComment(models.Model):
    note = models.ForeignKey(Note, models.CASCADE, related_name="comments")
    body = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"


class Address(EmbeddedModel):
    city = models.CharField(max_length=50)
    zip_code = models.CharField(max_length=10, blank=True, default="")


class Blog(EmbeddedModel):
    name = models.CharField(max_length=20)
    url = models.CharField(max_length=200, blank=True, default="")
    address = EmbeddedField(model_container=Address, null=True, blank=True)
    founded = models.DateField(null=True, blank=True)
    rank = models.IntegerField(default=0)


class Contributor(EmbeddedModel):
    name = models.CharField(max_length=50)
    email = models.EmailField(blank=True, default="")


class LegacyMeta(models.Model):
    """A container written the Djongo way: an abstract model."""

    source = models.CharField(max_length=30)
    imported = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Reader(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Entry(models.Model):
    """A document with embedded documents, arrays and references."""

    headline = models.CharField(max_length=100)
    blog = EmbeddedField(model_container=Blog)
    contributors = ArrayField(model_container=Contributor, default=list, blank=True, max_size=5)
    tags = ArrayField(
        base_field=models.CharField(max_length=20), default=list, blank=True, max_size=4
    )
    scores = ArrayField(base_field=models.IntegerField(), default=list, blank=True)
    legacy = EmbeddedField(model_container=LegacyMeta, null=True, blank=True)
    readers = ArrayReferenceField(Reader, related_name="entries")
    reviewers = ArrayReferenceField(
        Reader, on_delete=models.PROTECT, related_name="reviewed_entries"
    )

    class Meta:
        required_db_vendor = "mongodb"
        ordering = ["headline"]
        indexes = [models.Index(models.F("blog__name"), name="entry_blog_name")]

    def __str__(self):
        return self.headline


class FeaturedEntry(Entry):
    """A multi-table child: its embedded fields live in the parent's collection."""

    note = models.CharField(max_length=50, default="")

    class Meta:
        required_db_vendor = "mongodb"
