"""Djongo's dict form of lookups gives what the path lookups give."""

from django.core.exceptions import FieldError
from django.db.models import Q
from django.test import TestCase

from tests.compatapp.models import Post


class DictLookupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        rows = [
            (
                "beatles",
                {"name": "Beatles", "tagline": {"title": "Fab", "subtitle": "Artist"}},
                ["John", "Paul", "George"],
            ),
            (
                "beat",
                {"name": "Beat Poets", "tagline": {"title": "Howl", "subtitle": "Poet"}},
                ["Allen", "Paul"],
            ),
            (
                "stones",
                {"name": "Stones", "tagline": {"title": "Rolling", "subtitle": "Artist"}},
                ["Mick"],
            ),
            ("none", None, []),
            ("untagged", {"name": "Beatles fans", "tagline": None}, ["Paul", "Ann", "Paul"]),
        ]
        for headline, blog, authors in rows:
            Post.objects.create(
                headline=headline, blog=blog, authors=[{"name": name} for name in authors]
            )

    def assertSame(self, dict_form, path_form):
        """Both filters select the same posts, some but not all of them."""
        expected = set(Post.objects.filter(path_form).values_list("headline", flat=True))
        found = set(Post.objects.filter(**dict_form).values_list("headline", flat=True))
        self.assertEqual(found, expected)
        self.assertTrue(0 < len(found) < Post.objects.count(), found)
        excluded = set(Post.objects.exclude(**dict_form).values_list("headline", flat=True))
        self.assertEqual(
            excluded, set(Post.objects.exclude(path_form).values_list("headline", flat=True))
        )

    def test_pattern_lookups_on_embedded_fields(self):
        cases = [
            ({"blog__startswith": {"name": "Beat"}}, Q(blog__name__startswith="Beat")),
            ({"blog__istartswith": {"name": "beat"}}, Q(blog__name__istartswith="beat")),
            ({"blog__contains": {"name": "tle"}}, Q(blog__name__contains="tle")),
            (
                {"blog__startswith": {"tagline": {"subtitle": "Art"}}},
                Q(blog__tagline__subtitle__startswith="Art"),
            ),
            (
                {"blog__startswith": {"name": "Beat", "tagline.title": "Fa"}},
                Q(blog__name__startswith="Beat", blog__tagline__title__startswith="Fa"),
            ),
            ({"blog__gt": {"name": "Beatles"}}, Q(blog__name__gt="Beatles")),
        ]
        for dict_form, path_form in cases:
            with self.subTest(dict_form=dict_form):
                self.assertSame(dict_form, path_form)

    def test_exact_with_dotted_and_nested_keys(self):
        cases = [
            ({"blog": {"tagline.subtitle": "Artist"}}, Q(blog__tagline__subtitle="Artist")),
            ({"blog": {"tagline": {"subtitle": "Artist"}}}, Q(blog__tagline__subtitle="Artist")),
            (
                {"blog": {"tagline.subtitle": "Artist", "tagline.title": "Fab"}},
                Q(blog__tagline__subtitle="Artist", blog__tagline__title="Fab"),
            ),
        ]
        for dict_form, path_form in cases:
            with self.subTest(dict_form=dict_form):
                self.assertSame(dict_form, path_form)

    def test_arrays_of_documents(self):
        cases = [
            ({"authors": {"name": "Paul"}}, Q(authors__name="Paul")),
            ({"authors": {"1.name": "Paul"}}, Q(authors__1__name="Paul")),
            ({"authors": {"0": {"name": "John"}}}, Q(authors__0__name="John")),
        ]
        for dict_form, path_form in cases:
            with self.subTest(dict_form=dict_form):
                self.assertSame(dict_form, path_form)
        # A list keeps Django's meaning: the whole array.
        self.assertEqual(
            list(
                Post.objects.filter(authors=[{"name": "Mick"}]).values_list("headline", flat=True)
            ),
            ["stones"],
        )

    def test_errors(self):
        cases = [
            ({"blog__startswith": "Beat"}, "needs a non-empty dict"),
            ({"blog__startswith": {}}, "needs a non-empty dict"),
            ({"blog__startswith": {"url": "x"}}, "blog has no key 'url'"),
            ({"authors": {"nick": "x"}}, "authors has no key 'nick'"),
        ]
        for kwargs, message in cases:
            with self.subTest(kwargs=kwargs), self.assertRaisesMessage(FieldError, message):
                list(Post.objects.filter(**kwargs))
