"""URLs serving the files of GridFSStorage instances without a base_url::

    path("files/", include("djongo_app.storage.urls"))

A file's URL is ``files/<database alias>/<bucket>/<name>``, as
``GridFSStorage.url()`` writes it.
"""

from django.urls import path

from . import URL_NAMESPACE
from .views import serve_bucket

app_name = URL_NAMESPACE
urlpatterns = [
    path("<str:using>/<str:bucket>/<path:name>", serve_bucket, name="file"),
]
