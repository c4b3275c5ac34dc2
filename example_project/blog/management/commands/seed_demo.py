"""Create the demo blogs, authors, entries, comments and pages, and an admin
user.

Running it again changes nothing: every object is looked up by a natural
key first and created only when absent. Entries seeded before migration
0002 get their tags, SEO data, links and editors filled in once; the first
entry gets a cover image (stored in GridFS) if it has none.
"""

import io
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
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


class Command(BaseCommand):
    help = "Create demo data and an admin/admin superuser; safe to run more than once."

    def handle(self, *args, **options):
        created = 0
        blogs = {}
        for name, tagline in BLOGS:
            blogs[name], new = Blog.objects.get_or_create(name=name, defaults={"tagline": tagline})
            created += new
        authors = {}
        for name, email in AUTHORS:
            authors[email], new = Author.objects.get_or_create(email=email, defaults={"name": name})
            created += new
        entries = {}
        for blog, headline, body, pub_date, rating, published, emails in ENTRIES:
            document = DOCUMENTS[headline]
            entry, new = Entry.objects.get_or_create(
                blog=blogs[blog],
                headline=headline,
                defaults={
                    "body_text": body,
                    "pub_date": pub_date,
                    "rating": rating,
                    "published": published,
                    "tags": document["tags"],
                    "seo": document["seo"],
                    "links": document["links"],
                },
            )
            editors = [authors[email] for email in document["editors"]]
            if new:
                entry.authors.set([authors[email] for email in emails])
                entry.editors.set(editors)
            elif not entry.tags:
                # Seeded before migration 0002 added the document fields.
                entry.tags = document["tags"]
                entry.seo = document["seo"]
                entry.links = document["links"]
                entry.editors = editors
                entry.save(update_fields=["tags", "seo", "links", "editors"])
            entries[headline] = entry
            created += new
        cover = entries[ENTRIES[0][1]]
        if not cover.image:
            cover.image.save("abbey-road.png", ContentFile(cover_png()), save=True)
            created += 1
        for headline, author_name, body in COMMENTS:
            _, new = Comment.objects.get_or_create(
                entry=entries[headline], author_name=author_name, body=body
            )
            created += new
        pages = {}
        for title, body, original in PAGES:
            pages[title], new = Page.objects.get_or_create(
                title=title,
                defaults={
                    "body": body,
                    "translation_of": pages[original].pk if original else None,
                },
            )
            created += new

        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", "admin")
            self.stdout.write("Created superuser admin (password: admin).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {created} object(s) created, "
                f"{Blog.objects.count()} blogs, {Entry.objects.count()} entries, "
                f"{Comment.objects.count()} comments, {Page.objects.count()} pages."
            )
        )
