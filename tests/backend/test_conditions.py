"""Conditions annotated and then filtered on: a lookup, EXISTS, a Q or a
conditional RawSQL stands bare in WHERE (``filter(x=False)`` as ``NOT``);
a boolean value (a column, CASE) is compared explicitly (``= True``)."""

from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, F, OuterRef, Q, When
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThan
from django.test import TestCase

from tests.testapp.models import Author, Book


class AnnotatedConditionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann", age=30, active=True)
        cls.bob = Author.objects.create(name="Bob", age=None, active=False)
        cls.cy = Author.objects.create(name="Cy", age=50, active=True)
        Book.objects.create(title="t", author=cls.cy)

    def assert_rows(self, queryset, expected, *, compared):
        self.assertSequenceEqual(queryset, expected)
        self.assertIs(" = True" in str(queryset.query), compared)

    def test_conditions_stand_bare(self):
        cases = {
            "q": Q(name="Ann"),
            "lookup": GreaterThan(F("age"), 40),
            "exists": Exists(Book.objects.filter(author=OuterRef("pk"))),
            "wrapped": ExpressionWrapper(Q(name="Ann"), output_field=BooleanField()),
            "raw": RawSQL('"testapp_author"."age" > %s', (40,), BooleanField()),
        }
        expected = {
            "q": ([self.ann], [self.bob, self.cy]),
            # NULL > 40 is NULL: Bob is on neither side, as in SQL.
            "lookup": ([self.cy], [self.ann]),
            "exists": ([self.cy], [self.ann, self.bob]),
            "wrapped": ([self.ann], [self.bob, self.cy]),
            "raw": ([self.cy], [self.ann]),
        }
        for name, condition in cases.items():
            with self.subTest(name):
                queryset = Author.objects.annotate(c=condition)
                true, false = expected[name]
                self.assert_rows(queryset.filter(c=True), true, compared=False)
                self.assert_rows(queryset.filter(c=False), false, compared=False)

    def test_values_are_compared(self):
        self.assert_rows(
            Author.objects.annotate(c=F("active")).filter(c=True),
            [self.ann, self.cy],
            compared=True,
        )
        case = Case(When(age__gt=40, then=True), default=False, output_field=BooleanField())
        self.assert_rows(Author.objects.annotate(c=case).filter(c=True), [self.cy], compared=True)
