"""Models as Djongo's documentation writes them (Get Started, Embedded
field, Array field, Array reference field, Other fields, GridFS).

The two import lines are the only changes: ``from djongo import models``
and ``from djongo.storage import GridFSStorage`` became the ones below.
Djongo's pages reuse the names Blog, Author and Entry; where two pages
define different models under one name, the later one is renamed here.
"""

from django import forms
from django.conf import settings

from djongo_app import models
from djongo_app.storage import GridFSStorage


# Get Started
class Blog(models.Model):
    name = models.CharField(max_length=100)
    content = models.TextField()

    class Meta:
        abstract = True


class Author(models.Model):
    name = models.CharField(max_length=100)
    verified = models.BooleanField()

    class Meta:
        abstract = True


class Entry(models.Model):
    _id = models.ObjectIdField()
    headline = models.CharField(max_length=255)
    blog = models.EmbeddedField(model_container=Blog)
    authors = models.ArrayField(model_container=Author)

    objects = models.DjongoManager()


# Embedded field: nesting, and integrity checks (null=True)
class Tagline(models.Model):
    title = models.CharField(max_length=100)
    subtitle = models.CharField(max_length=100)

    class Meta:
        abstract = True


class NestedBlog(models.Model):
    name = models.CharField(max_length=100)
    tagline = models.EmbeddedField(model_container=Tagline)

    class Meta:
        abstract = True


class NestedEntry(models.Model):
    _id = models.ObjectIdField()
    blog = models.EmbeddedField(model_container=NestedBlog)

    headline = models.CharField(max_length=255)
    objects = models.DjongoManager()


class RequiredEntry(models.Model):
    _id = models.ObjectIdField()
    blog = models.EmbeddedField(model_container=Blog, null=False)

    headline = models.CharField(max_length=255)
    objects = models.DjongoManager()


class OptionalEntry(models.Model):
    _id = models.ObjectIdField()
    blog = models.EmbeddedField(model_container=Blog, null=True)

    headline = models.CharField(max_length=255)
    objects = models.DjongoManager()


# Array field, with model forms
class BlogForm(forms.ModelForm):
    class Meta:
        model = Blog
        fields = ("name", "content")


class Contributor(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField()

    class Meta:
        abstract = True


class ContributorForm(forms.ModelForm):
    class Meta:
        model = Contributor
        fields = ("name", "email")


class Post(models.Model):
    blog = models.EmbeddedField(model_container=Blog, model_form_class=BlogForm)

    headline = models.CharField(max_length=255)
    authors = models.ArrayField(model_container=Contributor, model_form_class=ContributorForm)

    objects = models.DjongoManager()


# Array reference field
class Writer(models.Model):
    _id = models.ObjectIdField()
    name = models.CharField(max_length=200)
    email = models.EmailField()

    def __str__(self):
        return self.name


class Article(models.Model):
    _id = models.ObjectIdField()
    headline = models.CharField(max_length=255)
    blog = models.EmbeddedField(model_container=Blog)
    authors = models.ArrayReferenceField(
        to=Writer,
        on_delete=models.CASCADE,
    )

    def __str__(self):
        return self.headline


# GridFS
grid_fs_storage = GridFSStorage(
    collection="myfiles", base_url="".join([settings.BASE_URL, "myfiles/"])
)


class Profile(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField()
    avatar = models.ImageField(upload_to="authors", storage=grid_fs_storage)

    def __str__(self):
        return self.name
