from django.contrib import admin

from djongo_app import admin_integration

from .models import Article, Book, Magazine, Pamphlet, Person, Writer


@admin.register(Person)
class PersonAdmin(admin_integration.ModelAdmin):
    search_fields = ["name"]


@admin.register(Writer)
class WriterAdmin(admin_integration.ModelAdmin):
    search_fields = ["name", "id"]


@admin.register(Book)
class BookAdmin(admin_integration.ModelAdmin):
    list_display = [
        "title",
        "publisher__name",
        "publisher__address__city",
        "publisher__founded",
        "chapters__title",
    ]
    list_filter = ["publisher__name", "publisher__founded", "chapters__draft"]
    search_fields = ["title", "publisher__name", "chapters__title"]
    ordering = ["publisher__name", "title"]
    readonly_fields = ["publisher__email"]
    autocomplete_fields = ["editors"]
    raw_id_fields = ["reviewers"]


class ArticleInline(admin_integration.StackedInline):
    model = Article
    extra = 0


@admin.register(Magazine)
class MagazineAdmin(admin_integration.ModelAdmin):
    list_display = ["name", "id", "publisher__name", "issues__number"]
    search_fields = ["name", "id", "sister", "publisher__name", "issues__number"]
    list_filter = ["issues__number"]
    raw_id_fields = ["writers"]
    filter_vertical = ["staff"]
    inlines = [ArticleInline]


@admin.register(Article)
class ArticleAdmin(admin_integration.ModelAdmin):
    list_display = ["title", "magazine"]
    raw_id_fields = ["magazine"]


admin.site.register(Pamphlet)
