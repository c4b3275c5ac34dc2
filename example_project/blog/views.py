from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from .models import Blog, Entry


def blog_list(request):
    blogs = Blog.objects.annotate(
        entry_count=Count("entries", filter=Q(entries__published=True))
    ).order_by("name")
    latest = Entry.objects.filter(published=True).select_related("blog")[:5]
    return render(request, "blog/blog_list.html", {"blogs": blogs, "latest": latest})


def blog_detail(request, pk):
    blog = get_object_or_404(Blog, pk=pk)
    entries = blog.entries.filter(published=True).prefetch_related("authors")
    return render(request, "blog/blog_detail.html", {"blog": blog, "entries": entries})


def entry_detail(request, pk):
    entry = get_object_or_404(
        Entry.objects.select_related("blog").prefetch_related("authors"),
        pk=pk,
        published=True,
    )
    comments = entry.comments.filter(approved=True)
    return render(request, "blog/entry_detail.html", {"entry": entry, "comments": comments})


def search(request):
    query = request.GET.get("q", "").strip()
    results = Entry.objects.none()
    if query:
        results = (
            Entry.objects.filter(published=True)
            .filter(Q(headline__icontains=query) | Q(body_text__icontains=query))
            .select_related("blog")
        )
    return render(request, "blog/search.html", {"query": query, "results": results})
