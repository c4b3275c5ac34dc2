"""The serializer fields djongo_app.rest_framework builds, and serializers
used directly (without views)."""

import datetime

from bson import ObjectId
from django.db import models
from django.test import SimpleTestCase, TestCase
from django.test.utils import isolate_apps
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField
from rest_framework.validators import UniqueValidator

import djongo_app.rest_framework
import djongo_app.rest_framework.filters
from djongo_app import rest_framework as rest
from djongo_app.fields import EmbeddedField, EmbeddedModel
from tests.restapp.models import Address, Book, Publisher
from tests.restapp.serializers import BookSerializer, ReviewSerializer
from tests.testapp.models import Blog, Entry, LegacyMeta


class PublicApiTests(SimpleTestCase):
    def test_exported_names(self):
        self.assertEqual(
            sorted(djongo_app.rest_framework.__all__),
            [
                "EmbeddedListSerializer",
                "EmbeddedSerializer",
                "HyperlinkedModelSerializer",
                "JSONField",
                "ModelSerializer",
                "NestedUniqueValidator",
                "ObjectIdField",
            ],
        )
        self.assertEqual(
            sorted(djongo_app.rest_framework.filters.__all__),
            ["DjangoFilterBackend", "ElementFilterMixin", "FilterSet", "ObjectIdFilter"],
        )
        for module in (djongo_app.rest_framework, djongo_app.rest_framework.filters):
            for name in module.__all__:
                self.assertIs(hasattr(module, name), True, name)


class FieldMappingTests(SimpleTestCase):
    def test_every_field_kind(self):
        fields = BookSerializer().fields
        self.assertIsInstance(fields["id"], rest.ObjectIdField)
        self.assertIs(fields["id"].read_only, True)
        self.assertIsInstance(fields["source"], rest.ObjectIdField)
        self.assertIs(fields["source"].allow_null, True)

        publisher = fields["publisher"]
        self.assertIsInstance(publisher, rest.EmbeddedSerializer)
        self.assertIs(publisher.Meta.model, Publisher)
        self.assertEqual(type(publisher).__name__, "PublisherSerializer")
        self.assertEqual(list(publisher.fields), ["name", "rank", "address", "code"])
        address = publisher.fields["address"]
        self.assertIsInstance(address, rest.EmbeddedSerializer)
        self.assertIs(address.Meta.model, Address)
        self.assertEqual((address.allow_null, address.required), (True, False))
        self.assertIsInstance(publisher.fields["code"], rest.ObjectIdField)

        authors = fields["authors"]
        self.assertIsInstance(authors, rest.EmbeddedListSerializer)
        self.assertEqual((authors.min_length, authors.max_length), (1, 3))
        self.assertIs(authors.allow_empty, False)
        self.assertIsInstance(authors.child.fields["email"], serializers.EmailField)

        tags = fields["tags"]
        self.assertIsInstance(tags, serializers.ListField)
        self.assertIsInstance(tags.child, serializers.CharField)
        self.assertEqual((tags.child.max_length, tags.max_length), (20, 4))
        self.assertIsInstance(fields["scores"].child, serializers.IntegerField)

        reviewers = fields["reviewers"]
        self.assertIsInstance(reviewers, ManyRelatedField)
        self.assertIsInstance(reviewers.child_relation, PrimaryKeyRelatedField)
        self.assertIsInstance(reviewers.child_relation.pk_field, rest.ObjectIdField)
        self.assertIs(reviewers.required, False)

        self.assertIsInstance(fields["data"], rest.JSONField)
        # An integer key needs no pk_field; an ObjectId key does.
        self.assertIsNone(fields["shelf"].pk_field)
        self.assertIsInstance(ReviewSerializer().fields["book"].pk_field, rest.ObjectIdField)

    def test_nested_serializers_use_the_mapping_of_their_serializer(self):
        class Upper(serializers.CharField):
            def to_internal_value(self, data):
                return super().to_internal_value(data).upper()

        class UpperBookSerializer(rest.ModelSerializer):
            serializer_field_mapping = {
                **rest.ModelSerializer.serializer_field_mapping,
                models.CharField: Upper,
            }

            class Meta:
                model = Book
                fields = ["title", "publisher", "authors"]

        fields = UpperBookSerializer().fields
        self.assertIsInstance(fields["publisher"].fields["address"].fields["city"], Upper)
        self.assertIsInstance(fields["authors"].child.fields["name"], Upper)
        # Another serializer class keeps its own nested classes.
        self.assertNotIsInstance(
            BookSerializer().fields["publisher"].fields["address"].fields["city"], Upper
        )

    @isolate_apps("tests.restapp")
    def test_unique_key_in_a_container(self):
        """A nested unique key gets a NestedUniqueValidator (which asks the
        model's collection at the key's path), not DRF's UniqueValidator,
        which would query the container, which has no collection; also
        once Field.unique (a cached_property) was read, as migrate reads it
        (issue 13)."""

        class Badge(EmbeddedModel):
            code = models.CharField(max_length=10, unique=True)

            class Meta:
                app_label = "restapp"

        class Holder(models.Model):
            badge = EmbeddedField(model_container=Badge)

            class Meta:
                app_label = "restapp"

        class HolderSerializer(rest.ModelSerializer):
            class Meta:
                model = Holder
                fields = ["badge"]

        self.assertIs(Badge._meta.get_field("code").unique, True)
        code = HolderSerializer().fields["badge"].fields["code"]
        self.assertEqual(
            [v for v in code.validators if isinstance(v, UniqueValidator)],
            [],
        )
        self.assertEqual(
            [v for v in code.validators if isinstance(v, rest.NestedUniqueValidator)],
            [rest.NestedUniqueValidator(Badge._meta.get_field("code"))],
        )


class SerializerTests(TestCase):
    def test_djongo_style_container_and_dates(self):
        """An abstract models.Model as container (Djongo's way) and nested
        dates, through a serializer used directly."""

        class EntrySerializer(rest.ModelSerializer):
            class Meta:
                model = Entry
                fields = ["headline", "blog", "legacy", "readers"]

        serializer = EntrySerializer(
            data={
                "headline": "Hi",
                "blog": {"name": "Tech", "founded": "2001-02-03"},
                "legacy": {"source": "djongo", "imported": "2020-01-01T10:00:00Z"},
            }
        )
        self.assertIs(serializer.is_valid(), True, serializer.errors)
        entry = serializer.save()
        entry = Entry.objects.get(pk=entry.pk)
        self.assertEqual(entry.blog, Blog(name="Tech", founded=datetime.date(2001, 2, 3)))
        self.assertEqual(entry.legacy.source, "djongo")
        self.assertIsInstance(entry.legacy, LegacyMeta)
        self.assertEqual(
            EntrySerializer(entry).data["legacy"],
            {"source": "djongo", "imported": "2020-01-01T10:00:00Z"},
        )

    def test_declared_nested_serializer_with_validate(self):
        class StrictPublisher(rest.EmbeddedSerializer):
            class Meta:
                model = Publisher

            def validate(self, attrs):
                if attrs.get("rank", 0) > 10:
                    raise serializers.ValidationError({"rank": "At most 10."})
                return attrs

        class StrictBookSerializer(rest.ModelSerializer):
            publisher = StrictPublisher()

            class Meta:
                model = Book
                fields = ["title", "publisher", "authors"]

        authors = [{"name": "A", "email": "a@example.com"}]
        bad = StrictBookSerializer(
            data={"title": "T", "publisher": {"name": "P", "rank": 11}, "authors": authors}
        )
        self.assertIs(bad.is_valid(), False)
        self.assertEqual(bad.errors, {"publisher": {"rank": ["At most 10."]}})
        good = StrictBookSerializer(
            data={"title": "T", "publisher": {"name": "P", "rank": 2}, "authors": authors}
        )
        self.assertIs(good.is_valid(), True, good.errors)
        # The validated value is the container instance.
        self.assertEqual(
            good.validated_data["publisher"], Publisher(name="P", rank=2, address=None, code=None)
        )
        book = good.save()
        self.assertIsInstance(book.pk, ObjectId)
        self.assertEqual(Book.objects.get(pk=book.pk).publisher.rank, 2)
