"""A changelist as a project would declare it, rendered without a server."""

from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory

from .models import Entry

site = admin.AdminSite(name="benchadmin")


@admin.register(Entry, site=site)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("headline", "blog", "pub_date", "rating", "n_comments")
    list_select_related = ("blog",)
    list_filter = ("rating",)
    search_fields = ("headline",)
    ordering = ("-pub_date",)
    list_per_page = 20


# A superuser that is never saved: permission checks need no query.
superuser = User(username="admin", is_staff=True, is_superuser=True, is_active=True)
factory = RequestFactory()
model_admin = site._registry[Entry]


def changelist_page(number):
    """Render page ``number`` of the entries' changelist; return its HTML."""
    request = factory.get("/admin/benchapp/entry/", {"p": number})
    request.user = superuser
    response = model_admin.changelist_view(request)
    return response.render().content
