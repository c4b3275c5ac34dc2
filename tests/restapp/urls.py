from django.urls import include, path
from rest_framework.routers import DefaultRouter
from rest_framework.schemas import get_schema_view

from . import views

router = DefaultRouter()
router.register("books", views.BookViewSet)
router.register("linked-books", views.HyperlinkedBookViewSet, basename="linked-book")
router.register("reviewers", views.ReviewerViewSet)
router.register("reviews", views.ReviewViewSet)
router.register("clubs", views.ClubViewSet)

urlpatterns = [
    path("api/", include(router.urls)),
    path("schema/", get_schema_view(title="Books", version="1.0"), name="schema"),
]
