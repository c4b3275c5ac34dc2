from django.db import models
from django.urls import reverse

from djongo_app.fields import (
    ArrayField,
    ArrayReferenceField,
    EmbeddedField,
    EmbeddedModel,
    ObjectIdAutoField,
    ObjectIdField,
)
from djongo_app.storage import GridFSStorage

from .forms import LinkForm


class Blog(models.Model):
    name = models.CharField(max_length=100, unique=True)
    tagline = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:blog_detail", args=[self.pk])


class Author(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:author_detail", args=[self.pk])


class Seo(EmbeddedModel):
    """Search-engine metadata, stored as a sub-document of its entry."""

    title = models.CharField(max_length=70, blank=True)
    description = models.CharField(max_length=160, blank=True)

    class Meta:
        verbose_name = "SEO"


class Link(EmbeddedModel):
    """A related link; an entry keeps a list of them in its document."""

    title = models.CharField(max_length=100)
    url = models.URLField()


# Entry images live in the GridFS bucket "images" (images.files and
# images.chunks); djongo_app.storage.urls serves them.
entry_images = GridFSStorage(bucket="images")


class Entry(models.Model):
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="entries")
    headline = models.CharField(max_length=255)
    body_text = models.TextField()
    pub_date = models.DateField()
    authors = models.ManyToManyField(Author, related_name="entries", blank=True)
    rating = models.IntegerField(default=0)
    published = models.BooleanField(default=False)
    # A list of strings in the document: {"tags": ["beatles", "music"]}.
    tags = ArrayField(base_field=models.CharField(max_length=30), default=list, blank=True)
    # A nested document: {"seo": {"title": ..., "description": ...}}.
    seo = EmbeddedField(model_container=Seo, null=True, blank=True, verbose_name="SEO")
    # A list of nested documents: {"links": [{"title": ..., "url": ...}]}.
    links = ArrayField(model_container=Link, default=list, blank=True, model_form_class=LinkForm)
    # Authors' ids kept in the document, without a join collection (unlike
    # ``authors``): {"editors": [1, 3]}. default=list keeps makemigrations
    # from asking for a value for the existing documents.
    editors = ArrayReferenceField(
        Author, related_name="edited_entries", on_delete=models.CASCADE, default=list
    )
    image = models.ImageField(upload_to="entries/", storage=entry_images, blank=True)

    class Meta:
        ordering = ["-pub_date", "headline"]
        verbose_name_plural = "entries"

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("blog:entry_detail", args=[self.pk])


class Comment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author_name = models.CharField(max_length=100)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    approved = models.BooleanField(default=True)

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.author_name} on {self.entry}"


class Page(models.Model):
    """A stand-alone page whose primary key is MongoDB's own ``_id``."""

    id = ObjectIdAutoField(primary_key=True)
    title = models.CharField(max_length=100)
    body = models.TextField()
    # The _id of the page this one translates: a plain ObjectId value, not a
    # foreign key.
    translation_of = ObjectIdField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("blog:page_detail", args=[self.pk])
