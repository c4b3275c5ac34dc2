"""Create the demo blogs, authors, entries, comments and pages (the first
entry with a cover image stored in GridFS), and an admin user.

It seeds an empty database only: once any blog, author, entry, comment or
page exists, it changes nothing, so what a user edited, added or deleted
through the site, the admin or the API stays as they left it (a restart of
``scripts/example`` runs it again). Seeding by natural keys would not do:
an entry whose headline was edited would come back as a second entry.
"""

import io
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from blog.models import Author, Blog, Comment, Entry, Link, Page, Seo

BLOGS = [
    ("Beatles Blog", "All the latest Beatles news."),
    ("Cheddar Talk", "Cheese, mostly cheddar."),
    ("Document Stores Weekly", "Notes on MongoDB, Django and everything in between."),
]

AUTHORS = [
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Linus Pauling", "linus@example.com"),
    ("Joy Buolamwini", "joy@example.com"),
]

# (blog, headline, body, pub_date, rating, published, authors' e-mails)
ENTRIES = [
    (
        "Beatles Blog",
        "Abbey Road turns another year older",
        "The crossing is still there, and so are the tourists stopping the traffic.",
        date(2024, 9, 26),
        5,
        True,
        ["ada@example.com"],
    ),
    (
        "Beatles Blog",
        "Ranking every Revolver track",
        "Taxman first, obviously. Tomorrow Never Knows last, because it ends the album.",
        date(2024, 8, 5),
        4,
        True,
        ["ada@example.com", "grace@example.com"],
    ),
    (
        "Beatles Blog",
        "Draft: the lost Get Back sessions",
        "Unfinished notes; not published yet.",
        date(2024, 10, 1),
        0,
        False,
        ["grace@example.com"],
    ),
    (
        "Cheddar Talk",
        "Cave-aged cheddar explained",
        "Why a cave? Steady temperature, high humidity and a little patience.",
        date(2024, 6, 12),
        4,
        True,
        ["linus@example.com"],
    ),
    (
        "Cheddar Talk",
        "Pairing cheddar with apples",
        "A sharp cheddar and a tart apple: the oldest ploughman's trick in the book.",
        date(2024, 7, 3),
        3,
        True,
        ["linus@example.com", "joy@example.com"],
    ),
    (
        "Document Stores Weekly",
        "Django models on MongoDB",
        "djongo_app translates the SQL of Django's ORM into MongoDB queries, so the "
        "admin, forms and generic views work unchanged.",
        date(2024, 11, 2),
        5,
        True,
        ["grace@example.com", "joy@example.com"],
    ),
    (
        "Document Stores Weekly",
        "Joins without JOIN: $lookup",
        "select_related becomes an aggregation pipeline with a $lookup stage per join.",
        date(2024, 11, 20),
        4,
        True,
        ["ada@example.com"],
    ),
]

# The document fields of each entry: tags (an array of strings), seo (an
# embedded document), links (an array of embedded documents) and editors
# (an array of the authors' ids, given here by e-mail).
DOCUMENTS = {
    "Abbey Road turns another year older": {
        "tags": ["beatles", "music", "london"],
        "seo": Seo(title="Abbey Road at 55", description="The zebra crossing, year after year."),
        "links": [
            Link(title="Abbey Road Studios", url="https://www.abbeyroad.com/"),
            Link(title="The crossing webcam", url="https://www.abbeyroad.com/crossing"),
        ],
        "editors": ["grace@example.com"],
    },
    "Ranking every Revolver track": {
        "tags": ["beatles", "music", "lists"],
        "seo": Seo(title="Every Revolver track, ranked"),
        "links": [],
        "editors": ["joy@example.com"],
    },
    "Draft: the lost Get Back sessions": {
        "tags": ["beatles", "music"],
        "seo": None,
        "links": [],
        "editors": [],
    },
    "Cave-aged cheddar explained": {
        "tags": ["cheese", "food"],
        "seo": Seo(title="Why cheddar is aged in caves"),
        "links": [Link(title="Wookey Hole caves", url="https://www.wookey.co.uk/")],
        "editors": ["ada@example.com"],
    },
    "Pairing cheddar with apples": {
        "tags": ["cheese", "food", "lists"],
        "seo": None,
        "links": [],
        "editors": [],
    },
    "Django models on MongoDB": {
        "tags": ["django", "mongodb"],
        "seo": Seo(
            title="Django models on MongoDB with djongo_app",
            description="The ORM, the admin and forms on a document database.",
        ),
        "links": [
            Link(title="Django documentation", url="https://docs.djangoproject.com/"),
            Link(title="MongoDB manual", url="https://www.mongodb.com/docs/manual/"),
        ],
        "editors": ["ada@example.com", "linus@example.com"],
    },
    "Joins without JOIN: $lookup": {
        "tags": ["mongodb", "aggregation"],
        "seo": Seo(title="select_related as $lookup"),
        "links": [
            Link(
                title="$lookup reference",
                url="https://www.mongodb.com/docs/manual/reference/operator/aggregation/lookup/",
            )
        ],
        "editors": ["grace@example.com"],
    },
}

# (entry headline, commenter, text)
COMMENTS = [
    ("Abbey Road turns another year older", "Paul", "I walked across it barefoot once."),
    ("Abbey Road turns another year older", "Ringo", "Peace and love."),
    ("Pairing cheddar with apples", "Wallace", "Have you tried it with crackers, Gromit?"),
    ("Django models on MongoDB", "Django Reinhardt", "Two fingers are enough to write queries."),
]


# (title, body, title of the page it translates)
PAGES = [
    (
        "About this demo",
        "A blog run by Django on MongoDB through djongo_app. Pages like this one have "
        "MongoDB's own ObjectId as their primary key.",
        None,
    ),
    (
        "À propos de cette démo",
        "Un blog Django sur MongoDB grâce à djongo_app.",
        "About this demo",
    ),
]


def cover_png() -> bytes:
    """A small striped picture, drawn here so the demo needs no image file."""
    image = Image.new("RGB", (480, 160), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    for index, color in enumerate(["#1d3557", "#e63946", "#f1c453", "#2a9d8f"]):
        draw.rectangle([40 + index * 110, 40, 120 + index * 110, 120], fill=color)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# Any object of these means the database is in use: nothing is seeded.
DEMO_MODELS = (Blog, Author, Entry, Comment, Page)


class Command(BaseCommand):
    help = (
        "Create demo data and an admin/admin superuser in an empty database; "
        "a database that holds blog data is left as it is."
    )

    def handle(self, *args, **options):
        held = [model for model in DEMO_MODELS if model.objects.exists()]
        if held:
            names = ", ".join(str(model._meta.verbose_name_plural) for model in held)
            self.stdout.write(
                f"Demo data not seeded: the database already holds {names} "
                f"({Entry.objects.count()} entries); seed_demo only fills an empty one."
            )
            return
        created = self.seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {created} object(s) created, "
                f"{Blog.objects.count()} blogs, {Entry.objects.count()} entries, "
                f"{Comment.objects.count()} comments, {Page.objects.count()} pages."
            )
        )

    @transaction.atomic
    def seed(self):
        """Create the demo objects (in one transaction where the server has
        them, so that a failed seed leaves the database empty); return how
        many."""
        blogs = {name: Blog.objects.create(name=name, tagline=tagline) for name, tagline in BLOGS}
        authors = {email: Author.objects.create(name=name, email=email) for name, email in AUTHORS}
        entries = {}
        for blog, headline, body, pub_date, rating, published, emails in ENTRIES:
            document = DOCUMENTS[headline]
            entry = Entry.objects.create(
                blog=blogs[blog],
                headline=headline,
                body_text=body,
                pub_date=pub_date,
                rating=rating,
                published=published,
                tags=document["tags"],
                seo=document["seo"],
                links=document["links"],
            )
            entry.authors.set([authors[email] for email in emails])
            entry.editors.set([authors[email] for email in document["editors"]])
            entries[headline] = entry
        entries[ENTRIES[0][1]].image.save("abbey-road.png", ContentFile(cover_png()), save=True)
        for headline, author_name, body in COMMENTS:
            Comment.objects.create(entry=entries[headline], author_name=author_name, body=body)
        pages = {}
        for title, body, original in PAGES:
            pages[title] = Page.objects.create(
                title=title,
                body=body,
                translation_of=pages[original].pk if original else None,
            )

        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", "admin")
            self.stdout.write("Created superuser admin (password: admin).")
        # The objects above and the first entry's image.
        return len(blogs) + len(authors) + len(entries) + len(COMMENTS) + len(pages) + 1
