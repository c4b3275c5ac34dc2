from django.contrib import admin

from djongo_app import admin_integration

from .models import Author, Blog, Comment, Entry, Page


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["headline", "pub_date", "rating", "published"]
    extra = 0
    show_change_link = True


class CommentInline(admin.StackedInline):
    model = Comment
    fields = ["author_name", "body", "approved"]
    extra = 0


@admin.register(Blog)
class BlogAdmin(admin.ModelAdmin):
    list_display = ["name", "tagline"]
    search_fields = ["name", "tagline"]
    inlines = [EntryInline]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "email"]
    search_fields = ["name", "email"]


@admin.register(Entry)
class EntryAdmin(admin_integration.ModelAdmin):
    """djongo_app's ModelAdmin: the document fields get their admin widgets
    (a nested form for seo, rows for links and tags, the filter selector
    for editors) and the list options follow paths into documents
    (``seo__title``, ``links__title``)."""

    # Five columns: with the admin's navigation and the filters beside it,
    # the list fits a 1280-pixel window (dates are in the date hierarchy,
    # ratings in the form).
    list_display = ["headline", "blog", "published", "seo__title", "tag_list"]
    list_filter = ["published", "blog", "pub_date", "links__title"]
    list_select_related = ["blog"]
    search_fields = ["headline", "body_text", "blog__name", "seo__title", "links__title"]
    date_hierarchy = "pub_date"
    filter_horizontal = ["authors"]
    fieldsets = [
        (None, {"fields": ["blog", "headline", "body_text", "pub_date", "rating", "published"]}),
        # Uploaded into GridFS (djongo_app.storage.GridFSStorage).
        ("Image", {"fields": ["image"]}),
        ("People", {"fields": ["authors", "editors"]}),
        ("Document fields", {"fields": ["tags", "seo", "links"]}),
    ]
    inlines = [CommentInline]

    @admin.display(description="tags")
    def tag_list(self, obj):
        return ", ".join(obj.tags)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "entry", "created", "approved"]
    list_filter = ["approved"]
    search_fields = ["author_name", "body"]


@admin.register(Page)
class PageAdmin(admin_integration.ModelAdmin):
    """A page keyed by MongoDB's ObjectId: searching for its 24 hex digits
    (or those of the page it translates) finds it."""

    list_display = ["title", "id", "translation_of"]
    search_fields = ["title", "body", "id", "translation_of"]
