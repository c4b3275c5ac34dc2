from django.urls import path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.blog_list, name="blog_list"),
    path("blogs/<int:pk>/", views.blog_detail, name="blog_detail"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("search/", views.search, name="search"),
]
