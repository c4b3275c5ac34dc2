"""Models of the Djongo compatibility tests: DjongoManager, embedded
values read as dicts, and files in GridFS (djongo_app.storage)."""

from djongo_app import models
from djongo_app.storage import GridFSStorage

attachments = GridFSStorage(bucket="attachments")


class Document(models.Model):
    title = models.CharField(max_length=100)
    attachment = models.FileField(upload_to="docs/", storage=attachments, blank=True)
    picture = models.ImageField(upload_to="pictures/", storage=attachments, blank=True)

    def __str__(self):
        return self.title


class Tagline(models.Model):
    title = models.CharField(max_length=100)
    subtitle = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class Blog(models.Model):
    name = models.CharField(max_length=100)
    tagline = models.EmbeddedField(model_container=Tagline, null=True, blank=True)
    rank = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)

    class Meta:
        abstract = True


class Post(models.Model):
    """Integer primary key (Django's AutoField), Djongo's manager."""

    headline = models.CharField(max_length=255)
    blog = models.EmbeddedField(model_container=Blog, null=True, blank=True)
    authors = models.ArrayField(model_container=Author, default=list, blank=True)
    score = models.IntegerField(default=0)
    published = models.DateTimeField(null=True)

    objects = models.DjongoManager()

    class Meta:
        # Not on the suite's SQLite database (djongo_app.E009).
        required_db_vendor = "mongodb"


class Note(models.Model):
    """Djongo's ObjectIdField: the ObjectId primary key ``_id``."""

    _id = models.ObjectIdField()
    text = models.CharField(max_length=100)
    source = models.GenericObjectIdField(null=True, blank=True)

    objects = models.DjongoManager()

    class Meta:
        required_db_vendor = "mongodb"
