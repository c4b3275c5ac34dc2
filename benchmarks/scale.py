"""The scale side: the same pages at 1,000 and at 100,000 entries.

The ORM's collections are grown with entries like the workload's (the
indexes are the ones the models declare: ``Entry.pub_date`` and
``Blog.name`` with ``db_index=True``, and the foreign key's), and raw
pymongo reads those same collections, so that both sides find the same
documents through the same indexes.
"""

from __future__ import annotations

from django.db.models import Count

from .benchapp.models import Blog, Entry
from .workload import BLOGS, PAGE, Operation


class ScaleWorkload:
    def __init__(self, workload, client, backend):
        self.workload = workload
        self.db = client[f"bench_{backend}"]
        # The key the ORM's documents are found by: both backends keep an
        # integer primary key in _id.
        self.id = "_id"

    def grow(self, rows):
        current = len(self.workload.data.entries)
        self.workload.add_entries(current, rows, links=False)

    def operations(self):
        entries, blogs, key = self.db.benchapp_entry, self.db.benchapp_blog, self.id

        def page(cursor):
            return list(cursor.sort("pub_date", -1).limit(PAGE))

        def filtered_orm(i):
            list(Entry.objects.filter(rating__gte=5).order_by("-pub_date")[:PAGE])

        def filtered_raw(i):
            page(entries.find({"rating": {"$gte": 5}}))

        def related_orm(i):
            query = Entry.objects.filter(rating__gte=5).select_related("blog")
            for entry in query.order_by("-pub_date")[:PAGE]:
                entry.blog.name  # noqa: B018

        def related_raw(i):
            found = page(entries.find({"rating": {"$gte": 5}}))
            list(blogs.find({key: {"$in": list({e["blog_id"] for e in found})}}))

        def join_orm(i):
            name = f"blog{i % BLOGS}"
            list(Entry.objects.filter(blog__name=name).order_by("-pub_date")[:PAGE])

        def join_raw(i):
            ids = [b[key] for b in blogs.find({"name": f"blog{i % BLOGS}"}, {key: 1})]
            page(entries.find({"blog_id": {"$in": ids}}))

        def count_orm(i):
            list(Blog.objects.annotate(n=Count("entry")).order_by("name")[:PAGE])

        def count_raw(i):
            found = list(blogs.find().sort("name", 1).limit(PAGE))
            ids = [b[key] for b in found]
            list(
                entries.aggregate(
                    [
                        {"$match": {"blog_id": {"$in": ids}}},
                        {"$group": {"_id": "$blog_id", "n": {"$sum": 1}}},
                    ]
                )
            )

        operations = [
            Operation(
                "filter(rating__gte).order_by(-pub_date)[:20]", "read", filtered_orm, filtered_raw
            ),
            Operation("the same with select_related(blog)", "read", related_orm, related_raw),
            Operation("filter(blog__name=) (indexed) [:20]", "read", join_orm, join_raw),
            Operation("Blog annotate(Count(entry))[:20]", "read", count_orm, count_raw),
        ]
        return {op.name: op for op in operations}
