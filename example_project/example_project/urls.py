from blog.api import router
from django.contrib import admin
from django.urls import include, path
from rest_framework.schemas import get_schema_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include((router.urls, "api"))),
    path(
        "api/schema/",
        get_schema_view(title="djongo_app example", version="1"),
        name="api-schema",
    ),
    path("api-auth/", include("rest_framework.urls")),
    # Files of GridFSStorage (the entries' images): /files/<alias>/<bucket>/<name>.
    path("files/", include("djongo_app.storage.urls")),
    path("", include("blog.urls")),
]
