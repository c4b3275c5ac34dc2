"""The example's REST API (``/api/``): Django REST framework viewsets over
the blog's models, with djongo_app's serializer for the document fields
(``seo`` nests, ``links`` is a list of nested documents, ``tags`` a list of
strings, ``editors`` a list of author ids) and filters by paths into the
documents (``/api/entries/?seo__title__icontains=django``,
``?links__url__icontains=mongodb``, ``?tags=music``)."""

from rest_framework import permissions, routers, serializers, viewsets

from djongo_app.rest_framework import ModelSerializer

from .models import Author, Blog, Entry, Page


class BlogSerializer(ModelSerializer):
    class Meta:
        model = Blog
        fields = ["id", "url", "name", "tagline"]
        extra_kwargs = {"url": {"view_name": "api:blog-detail"}}


class AuthorSerializer(ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "url", "name", "email"]
        extra_kwargs = {"url": {"view_name": "api:author-detail"}}


class EntrySerializer(ModelSerializer):
    blog_name = serializers.CharField(source="blog.name", read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "url",
            "blog",
            "blog_name",
            "headline",
            "body_text",
            "pub_date",
            "published",
            "rating",
            "authors",
            "tags",
            "seo",
            "links",
            "editors",
        ]
        extra_kwargs = {"url": {"view_name": "api:entry-detail"}}


class PageSerializer(ModelSerializer):
    class Meta:
        model = Page
        fields = ["id", "url", "title", "body", "translation_of"]
        extra_kwargs = {"url": {"view_name": "api:page-detail"}}


class ReadOrStaffWrite(permissions.BasePermission):
    """Anyone reads; staff users (the admin's) write."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_staff
        )


class DocumentViewSet(viewsets.ModelViewSet):
    # Filtering and ordering come from settings.REST_FRAMEWORK.
    permission_classes = [ReadOrStaffWrite]


class BlogViewSet(DocumentViewSet):
    queryset = Blog.objects.all()
    serializer_class = BlogSerializer
    filterset_fields = ["name"]
    ordering_fields = ["name"]


class AuthorViewSet(DocumentViewSet):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer
    filterset_fields = ["name", "email"]
    ordering_fields = ["name"]


class EntryViewSet(DocumentViewSet):
    serializer_class = EntrySerializer
    filterset_fields = {
        "blog": ["exact"],
        "blog__name": ["exact"],
        "published": ["exact"],
        "rating": ["exact", "gte"],
        "tags": ["exact"],
        "seo__title": ["exact", "icontains"],
        "links__url": ["exact", "icontains"],
        "editors": ["exact"],
        "authors": ["exact"],
    }
    ordering_fields = ["pub_date", "rating", "headline"]

    def get_queryset(self):
        entries = Entry.objects.select_related("blog").prefetch_related("authors", "editors")
        # Drafts are for the staff, as on the site.
        if not self.request.user.is_staff:
            entries = entries.filter(published=True)
        return entries


class PageViewSet(DocumentViewSet):
    queryset = Page.objects.all()
    serializer_class = PageSerializer
    # The primary key is an ObjectId: 24 hex digits, anything else a 404.
    lookup_value_regex = "[0-9a-fA-F]{24}"
    filterset_fields = ["title", "translation_of"]


router = routers.DefaultRouter()
router.register("blogs", BlogViewSet)
router.register("authors", AuthorViewSet)
router.register("entries", EntryViewSet, basename="entry")
router.register("pages", PageViewSet)
