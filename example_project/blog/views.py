from collections import Counter

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from .models import Author, Blog, Entry, Page


def blog_list(request):
    blogs = Blog.objects.annotate(
        entry_count=Count("entries", filter=Q(entries__published=True))
    ).order_by("name")
    latest = Entry.objects.filter(published=True).select_related("blog")[:5]
    # tags__len: only the entries whose array has elements.
    tag_lists = Entry.objects.filter(published=True, tags__len__gt=0).values_list("tags", flat=True)
    tags = sorted(Counter(tag for tags in tag_lists for tag in tags).items())
    return render(
        request,
        "blog/blog_list.html",
        {"blogs": blogs, "latest": latest, "tags": tags, "pages": Page.objects.all()},
    )


def blog_detail(request, pk):
    blog = get_object_or_404(Blog, pk=pk)
    entries = blog.entries.filter(published=True).prefetch_related("authors")
    return render(request, "blog/blog_detail.html", {"blog": blog, "entries": entries})


def entry_detail(request, pk):
    entry = get_object_or_404(
        # "editors" is an ArrayReferenceField: one $in query for the ids the
        # entry's document holds.
        Entry.objects.select_related("blog").prefetch_related("authors", "editors"),
        pk=pk,
        published=True,
    )
    comments = entry.comments.filter(approved=True)
    # tags__overlap: entries sharing at least one tag.
    related = (
        Entry.objects.filter(published=True, tags__overlap=entry.tags).exclude(pk=entry.pk)
        if entry.tags
        else Entry.objects.none()
    )
    return render(
        request,
        "blog/entry_detail.html",
        {"entry": entry, "comments": comments, "related": related},
    )


def tag_detail(request, tag):
    # tags__contains: the entries whose tags array holds the tag.
    entries = Entry.objects.filter(published=True, tags__contains=[tag]).select_related("blog")
    return render(request, "blog/tag_detail.html", {"tag": tag, "entries": entries})


def author_detail(request, pk):
    author = get_object_or_404(Author, pk=pk)
    # Both sides of a relation: "entries" is the ManyToManyField's reverse,
    # "edited_entries" the ArrayReferenceField's.
    written = author.entries.filter(published=True)
    edited = author.edited_entries.filter(published=True)
    return render(
        request,
        "blog/author_detail.html",
        {"author": author, "written": written, "edited": edited},
    )


def page_detail(request, pk):
    page = get_object_or_404(Page, pk=pk)
    original = None
    if page.translation_of is not None:
        original = Page.objects.filter(pk=page.translation_of).first()
    translations = Page.objects.filter(translation_of=page.pk)
    return render(
        request,
        "blog/page_detail.html",
        {"page": page, "original": original, "translations": translations},
    )


def search(request):
    query = request.GET.get("q", "").strip()
    results = Entry.objects.none()
    if query:
        results = (
            Entry.objects.filter(published=True)
            .filter(
                Q(headline__icontains=query)
                | Q(body_text__icontains=query)
                # Paths into the embedded document and into every element
                # of the array of documents.
                | Q(seo__description__icontains=query)
                | Q(links__title__icontains=query)
            )
            .select_related("blog")
        )
    return render(request, "blog/search.html", {"query": query, "results": results})
