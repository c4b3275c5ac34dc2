from djongo_app import rest_framework as rest

from .models import Book, Club, Review, Reviewer


class BookSerializer(rest.ModelSerializer):
    class Meta:
        model = Book
        fields = "__all__"


class HyperlinkedBookSerializer(rest.HyperlinkedModelSerializer):
    class Meta:
        model = Book
        fields = ["url", "title", "publisher", "reviewers"]


class ReviewerSerializer(rest.ModelSerializer):
    class Meta:
        model = Reviewer
        fields = "__all__"


class ReviewSerializer(rest.ModelSerializer):
    class Meta:
        model = Review
        fields = "__all__"


class ClubSerializer(rest.ModelSerializer):
    class Meta:
        model = Club
        fields = "__all__"
