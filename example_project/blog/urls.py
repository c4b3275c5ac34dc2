from django.urls import path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.blog_list, name="blog_list"),
    path("blogs/<int:pk>/", views.blog_detail, name="blog_detail"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("tags/<str:tag>/", views.tag_detail, name="tag_detail"),
    path("authors/<int:pk>/", views.author_detail, name="author_detail"),
    # djongo_app registers the objectid converter: 24 hex digits, else a 404.
    path("pages/<objectid:pk>/", views.page_detail, name="page_detail"),
    path("search/", views.search, name="search"),
]
