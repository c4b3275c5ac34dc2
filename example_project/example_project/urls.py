from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Files of GridFSStorage (the entries' images): /files/<alias>/<bucket>/<name>.
    path("files/", include("djongo_app.storage.urls")),
    path("", include("blog.urls")),
]
