from rest_framework import viewsets
from rest_framework.schemas.openapi import AutoSchema

from djongo_app.rest_framework.filters import DjangoFilterBackend

from .models import Book, Club, Review, Reviewer
from .serializers import (
    BookSerializer,
    ClubSerializer,
    HyperlinkedBookSerializer,
    ReviewerSerializer,
    ReviewSerializer,
)


class BookViewSet(viewsets.ModelViewSet):
    queryset = Book.objects.prefetch_related("reviewers")
    serializer_class = BookSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = {
        "title": ["exact"],
        "publisher__name": ["exact", "icontains"],
        "publisher__address__city": ["exact"],
        "publisher__rank": ["exact", "gte"],
        "publisher__code": ["exact"],
        "authors__email": ["exact"],
        "authors__0__name": ["exact"],
        "tags": ["exact"],
        "scores": ["exact"],
        "reviewers": ["exact"],
        "source": ["exact"],
        "shelf__name": ["exact"],
    }


class HyperlinkedBookViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Book.objects.all()
    serializer_class = HyperlinkedBookSerializer
    schema = AutoSchema(operation_id_base="LinkedBook")


class ReviewerViewSet(viewsets.ModelViewSet):
    queryset = Reviewer.objects.all()
    serializer_class = ReviewerSerializer


class ReviewViewSet(viewsets.ModelViewSet):
    queryset = Review.objects.all()
    serializer_class = ReviewSerializer


class ClubViewSet(viewsets.ModelViewSet):
    queryset = Club.objects.all()
    serializer_class = ClubSerializer
