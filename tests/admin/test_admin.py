"""The admin's pages for models with documents, arrays, array references
and ObjectId keys, through Django's test client (no browser): changelists
with document paths, search, filters, actions, change, history, delete,
popups, autocomplete, and the system checks."""

import datetime
import html
import json
import re
from unittest import mock

from bson import ObjectId
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.test import TestCase
from django.urls import reverse

from djongo_app import admin_integration
from djongo_app.admin_integration.paths import document_path
from tests.adminapp.models import (
    Address,
    Article,
    Book,
    Chapter,
    Issue,
    Magazine,
    Pamphlet,
    Person,
    Publisher,
    Writer,
)

from .support import stored, submitted, superuser


def rows(page):
    """The changelist's rows: the text of each cell, per row."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    if body is None:
        return []
    result = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        result.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells[1:]])
    return result


class AdminTestCase(TestCase):
    def setUp(self):
        self.client.force_login(superuser())

    def page(self, url, **params):
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200, response.content[:2000])
        return response.content.decode()


class BookChangelistTests(AdminTestCase):
    url = "/admin/adminapp/book/"

    @classmethod
    def setUpTestData(cls):
        Book.objects.create(
            title="Dune",
            publisher=Publisher(
                name="Chilton", founded=datetime.date(1904, 3, 1), address=Address(city="Phila")
            ),
            chapters=[Chapter(title="Arrakis"), Chapter(title="Muad'Dib", draft=True)],
        )
        Book.objects.create(
            title="Solaris",
            publisher=Publisher(name="Walker", address=Address(city="New York")),
            chapters=[Chapter(title="The Arrival")],
        )
        Book.objects.create(title="Ubik", publisher=Publisher(name="Doubleday"))

    def test_document_paths_are_columns_sorted_by_their_path(self):
        page = self.page(self.url)
        self.assertIn('<th scope="col" class="sortable column-publisher__name', page)
        self.assertIn("Publisher name", page)
        self.assertIn("Publisher address city", page)
        # ordering = ["publisher__name", "title"]
        self.assertEqual(
            rows(page),
            [
                ["Dune", "Chilton", "Phila", "March 1, 1904", "Arrakis, Muad'Dib"],
                ["Ubik", "Doubleday", "-", "-", "-"],
                ["Solaris", "Walker", "New York", "-", "The Arrival"],
            ],
        )
        # Sorted by the third column (publisher__address__city), descending.
        page = self.page(self.url, o="-3")
        self.assertEqual([row[0] for row in rows(page)], ["Dune", "Solaris", "Ubik"])

    def test_filters_on_document_paths(self):
        page = self.page(self.url)
        self.assertIn("By publisher name", page)
        self.assertIn("By chapters draft", page)
        self.assertIn('href="?publisher__name=Walker"', page)
        page = self.page(self.url, publisher__name="Walker")
        self.assertEqual([row[0] for row in rows(page)], ["Solaris"])
        page = self.page(self.url, chapters__draft="True")
        self.assertEqual([row[0] for row in rows(page)], ["Dune"])
        page = self.page(self.url, publisher__founded__isnull="True")
        self.assertEqual([row[0] for row in rows(page)], ["Ubik", "Solaris"])

    def test_search_by_nested_values(self):
        for term, expected in [
            ("chil", ["Dune"]),
            ("arriv", ["Solaris"]),
            ("Muad", ["Dune"]),
            ("double ubik", ["Ubik"]),
            ("nothing-like-this", []),
        ]:
            with self.subTest(term=term):
                page = self.page(self.url, q=term)
                self.assertEqual([row[0] for row in rows(page)], expected)

    def test_pagination_and_the_delete_action(self):
        with mock.patch.object(admin.site._registry[Book], "list_per_page", 2):
            page = self.page(self.url, p="2")
        self.assertEqual([row[0] for row in rows(page)], ["Solaris"])
        pks = [
            str(pk)
            for pk in Book.objects.filter(title__in=["Dune", "Ubik"]).values_list("pk", flat=True)
        ]
        response = self.client.post(
            self.url, {"action": "delete_selected", "_selected_action": pks}
        )
        self.assertContains(response, "Are you sure you want to delete the selected books?")
        response = self.client.post(
            self.url, {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(Book.objects.values_list("title", flat=True)), ["Solaris"])

    def test_a_path_in_readonly_fields_shows_the_value(self):
        book = Book.objects.get(title="Dune")
        Book.objects.filter(pk=book.pk).update(publisher__email="books@chilton.example")
        page = self.page(f"{self.url}{book.pk}/change/")
        self.assertRegex(
            page,
            r'<label>Publisher email:</label>\s*<div class="readonly">books@chilton.example</div>',
        )

    def test_the_change_form_saves_through_the_client(self):
        book = Book.objects.get(title="Solaris")
        url = f"{self.url}{book.pk}/change/"
        data = submitted(re.search(r'<form .*?id="book_form".*?</form>', self.page(url), re.S)[0])
        data["publisher-address-city"] = "Kraków"
        data["chapters-0-title"] = "Arrival"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        document = stored(Book, book.pk)
        self.assertEqual(document["publisher"]["address"]["city"], "Kraków")
        self.assertEqual(document["chapters"][0]["title"], "Arrival")
        entry = LogEntry.objects.get(object_id=str(book.pk))
        self.assertEqual(entry.get_change_message(), "Changed Publisher and Chapters.")


class AutocompleteTests(AdminTestCase):
    def test_the_references_autocomplete_searches_the_referenced_admin(self):
        ann = Person.objects.create(name="Ann")
        Person.objects.create(name="Bob")
        url = reverse("admin:adminapp_book_references_autocomplete")
        params = {"app_label": "adminapp", "model_name": "book", "field_name": "editors"}
        response = self.client.get(url, {**params, "term": "an"})
        self.assertEqual(
            json.loads(response.content),
            {"results": [{"id": str(ann.pk), "text": "Ann"}], "pagination": {"more": False}},
        )
        response = self.client.get(url, {**params, "field_name": "title", "term": "an"})
        self.assertEqual(response.status_code, 403)
        self.client.logout()
        response = self.client.get(url, {**params, "term": "an"})
        self.assertEqual(response.status_code, 302)

    def test_the_change_form_renders_selected_references(self):
        ann = Person.objects.create(name="Ann")
        bob = Person.objects.create(name="Bob")
        book = Book.objects.create(title="T", publisher=Publisher(name="P"))
        book.editors.set([bob])
        book.reviewers.set([ann, bob])
        page = self.page(f"/admin/adminapp/book/{book.pk}/change/")
        self.assertIn(
            f'data-ajax--url="{reverse("admin:adminapp_book_references_autocomplete")}"', page
        )
        self.assertRegex(page, rf'<option value="{bob.pk}" selected>Bob</option>')
        self.assertIn(f'name="reviewers" value="{ann.pk},{bob.pk}"', page)
        self.assertIn('class="vManyToManyRawIdAdminField"', page)
        # The add-related (+) link of the filter selector and autocomplete.
        self.assertIn('id="add_id_authors"', page)
        # (Django 6.1 appends &_source_model=adminapp.book.)
        self.assertIn('href="/admin/adminapp/person/add/?_to_field=id&amp;_popup=1', page)


class ObjectIdAdminTests(AdminTestCase):
    """A model whose primary key is an ObjectId, through every admin page."""

    url = "/admin/adminapp/magazine/"

    @classmethod
    def setUpTestData(cls):
        cls.sister = ObjectId()
        cls.magazine = Magazine.objects.create(
            name="Analog",
            publisher=Publisher(name="Dell"),
            issues=[Issue(number=12), Issue(number=7)],
            sister=cls.sister,
        )
        Magazine.objects.create(name="Galaxy", publisher=Publisher(name="World"))

    def test_changelist_links_and_search_by_objectid(self):
        page = self.page(self.url)
        self.assertIn(f'href="{self.url}{self.magazine.pk}/change/"', page)
        self.assertIn("12, 7", page)
        for term, expected in [
            (str(self.magazine.pk), ["Analog"]),
            (str(self.magazine.pk).upper(), ["Analog"]),
            (str(self.sister), ["Analog"]),
            (str(ObjectId()), []),
            ("dell", ["Analog"]),
            ("wor", ["Galaxy"]),
        ]:
            with self.subTest(term=term):
                page = self.page(self.url, q=term)
                self.assertEqual([row[0] for row in rows(page)], expected)
        page = self.page(self.url, issues__number="7")
        self.assertEqual([row[0] for row in rows(page)], ["Analog"])

    def test_change_history_and_delete(self):
        pk = self.magazine.pk
        change = f"{self.url}{pk}/change/"
        page = self.page(change)
        data = submitted(re.search(r'<form .*?id="magazine_form".*?</form>', page, re.S)[0])
        data["name"] = "Analog Science Fiction"
        response = self.client.post(change, data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        self.assertEqual(stored(Magazine, pk)["name"], "Analog Science Fiction")
        page = self.page(f"{self.url}{pk}/history/")
        self.assertIn("Changed Name.", page)
        page = self.page(f"{self.url}{pk}/delete/")
        self.assertIn("Are you sure you want to delete the magazine", page)
        response = self.client.post(f"{self.url}{pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(stored(Magazine, pk))

    def test_an_id_that_is_not_an_objectid_is_not_found(self):
        for bad in ("not-an-id", str(ObjectId())):
            with self.subTest(bad=bad):
                response = self.client.get(f"{self.url}{bad}/change/", follow=True)
                self.assertContains(response, "exist. Perhaps it was deleted?")

    def test_inline_and_raw_id_of_a_foreign_key_to_an_objectid(self):
        Article.objects.create(magazine=self.magazine, title="Editorial")
        page = self.page(f"{self.url}{self.magazine.pk}/change/")
        self.assertIn('name="articles-0-title" value="Editorial"', page)
        article = Article.objects.get()
        page = self.page(f"/admin/adminapp/article/{article.pk}/change/")
        self.assertIn(f'name="magazine" value="{self.magazine.pk}"', page)
        self.assertIn(f'href="{self.url}{self.magazine.pk}/change/">Analog</a>', page)

    def test_popups(self):
        wendy = Writer.objects.create(name="Wendy")
        # The raw-id lookup of writers: rows hand the ObjectId to the opener.
        page = self.page("/admin/adminapp/writer/", _popup="1")
        self.assertIn(f'data-popup-opener="{wendy.pk}"', page)
        # The add-related (+) popup answers with the new object's ObjectId.
        response = self.client.post(
            "/admin/adminapp/writer/add/?_to_field=id&_popup=1",
            {"name": "Walt", "_popup": "1", "_to_field": "id"},
        )
        walt = Writer.objects.get(name="Walt")
        match = re.search(r'data-popup-response="([^"]+)"', response.content.decode())
        data = json.loads(match.group(1).replace("&quot;", '"'))
        self.assertEqual(data, {"value": str(walt.pk), "obj": "Walt"})


class PlainModelAdminTests(AdminTestCase):
    def test_add_page_of_a_plain_model_admin(self):
        page = self.page("/admin/adminapp/pamphlet/add/")
        self.assertIn('class="djongo-embedded"', page)
        self.assertIn('class="vDateField"', page)
        self.assertIn("djongo_app/js/documents.js", page)
        form = re.search(r'<form .*?id="pamphlet_form".*?</form>', page, re.S)[0]
        data = submitted(form)
        data.update({"title": "Leaflet", "publisher-name": "Self"})
        response = self.client.post("/admin/adminapp/pamphlet/add/", data)
        self.assertEqual(response.status_code, 302, response.content[:3000])
        pamphlet = Pamphlet.objects.get()
        self.assertEqual(pamphlet.publisher.name, "Self")


class PathTests(TestCase):
    def test_values_at_document_paths(self):
        book = Book(
            title="T",
            publisher=Publisher(name="P", address=Address(city="Oslo")),
            chapters=[Chapter(title="One"), Chapter(title="Two", draft=True)],
        )
        for path, value in [
            ("publisher__address__city", "Oslo"),
            ("chapters__title", ["One", "Two"]),
            ("chapters__1__title", "Two"),
            ("chapters__5__title", None),
            ("chapters__draft", [False, True]),
        ]:
            with self.subTest(path=path):
                self.assertEqual(document_path(Book, path).value(book), value)
        book.publisher.address = None
        self.assertIsNone(document_path(Book, "publisher__address__city").value(book))
        self.assertIsNone(document_path(Book, "title"))
        self.assertIsNone(document_path(Book, "authors__name"))
        with self.assertRaisesMessage(FieldDoesNotExist, "Book.chapters has no field named 'x'"):
            document_path(Book, "chapters__x")

    def test_public_api(self):
        self.assertEqual(
            sorted(admin_integration.__all__),
            [
                "DocumentAdminMixin",
                "DocumentFieldsMixin",
                "ModelAdmin",
                "StackedInline",
                "TabularInline",
            ],
        )
        for name in admin_integration.__all__:
            self.assertTrue(hasattr(admin_integration, name))
        self.assertTrue(issubclass(admin_integration.ModelAdmin, admin.ModelAdmin))


class CheckTests(TestCase):
    def check(self, **options):
        admin_class = type("CheckedAdmin", (admin_integration.ModelAdmin,), options)
        return admin_class(Book, admin.AdminSite()).check()

    def test_valid_document_paths_pass(self):
        errors = self.check(
            list_display=["title", "publisher__address__city", "chapters__0__title"],
            list_filter=["publisher__name", ("chapters__draft", admin.BooleanFieldListFilter)],
            readonly_fields=["publisher__email"],
            ordering=["-publisher__name", "chapters__title"],
            search_fields=["=publisher__name", "chapters__title__iexact"],
        )
        self.assertEqual(errors, [])

    def test_a_misspelt_path_is_reported_where_django_reports_a_missing_field(self):
        cases = [
            ({"list_display": ["publisher__nmae"]}, "admin.E108", "list_display[0]"),
            ({"list_filter": ["publisher__address__town"]}, "admin.E116", "list_filter[0]"),
            ({"readonly_fields": ["chapters__name"]}, "admin.E035", "readonly_fields[0]"),
            ({"ordering": ["-publisher__founder"]}, "admin.E033", "ordering[0]"),
            ({"search_fields": ["title", "keywords__x"]}, "djongo_app.E101", "search_fields[1]"),
        ]
        for options, error_id, label in cases:
            with self.subTest(options=options):
                errors = self.check(**options)
                self.assertEqual([error.id for error in errors], [error_id])
                self.assertIn(f"The value of '{label}' refers to", errors[0].msg)
                self.assertIn("has no field named", errors[0].msg)

    def test_array_references_in_relation_options(self):
        errors = self.check(
            raw_id_fields=["reviewers"],
            filter_vertical=["authors"],
            autocomplete_fields=["editors"],
        )
        # The referenced model is not registered on this new site.
        self.assertEqual([error.id for error in errors], ["admin.E039"])
        site = admin.AdminSite()
        site.register(Person)
        admin_class = type(
            "A", (admin_integration.ModelAdmin,), {"autocomplete_fields": ["editors"]}
        )
        self.assertEqual([e.id for e in admin_class(Book, site).check()], ["admin.E040"])

    def test_the_test_admin_site_passes_its_checks(self):
        errors = [error for error in checks.run_checks(tags=["admin"]) if error.is_serious()]
        self.assertEqual(errors, [])

    def test_a_plain_model_admin_does_not_follow_document_paths(self):
        plain = type("Plain", (admin.ModelAdmin,), {"list_display": ["publisher__name"]})
        errors = plain(Book, admin.AdminSite()).check()
        self.assertEqual([error.id for error in errors], ["admin.E108"])

    def test_a_plain_model_admin_naming_document_paths_is_told_what_to_use(self):
        """djongo_app.E102 names each option of a plain ModelAdmin (or
        inline) that Django's admin cannot follow into a document, and
        hints at djongo_app's ModelAdmin (issue 12)."""
        site = admin.AdminSite(name="plain_paths")
        self.addCleanup(site._registry.clear)
        plain_inline = type(
            "PlainArticleInline",
            (admin.TabularInline,),
            {"model": Article, "readonly_fields": ["sections__title"]},
        )
        site.register(
            Book,
            type(
                "PlainBookAdmin",
                (admin.ModelAdmin,),
                {
                    "list_display": ["title", "publisher__name", "chapters__0__title"],
                    "list_display_links": ["publisher__name"],
                    "list_filter": [("chapters__draft", admin.BooleanFieldListFilter)],
                    "readonly_fields": ["publisher__adress"],
                    "date_hierarchy": "publisher__founded",
                    # Django hands these to the ORM, which follows the paths.
                    "search_fields": ["publisher__name"],
                    "ordering": ["publisher__name"],
                },
            ),
        )
        site.register(
            Magazine, type("PlainMagazineAdmin", (admin.ModelAdmin,), {"inlines": [plain_inline]})
        )
        site.register(Pamphlet, admin_integration.ModelAdmin)
        errors = [e for e in checks.run_checks(tags=["admin"]) if e.id == "djongo_app.E102"]
        labels = [(error.obj.__name__, error.msg.split("'")[1]) for error in errors]
        self.assertEqual(
            labels,
            [
                ("PlainBookAdmin", "list_display[1]"),
                ("PlainBookAdmin", "list_display[2]"),
                ("PlainBookAdmin", "list_display_links[0]"),
                ("PlainBookAdmin", "list_filter[0]"),
                ("PlainBookAdmin", "readonly_fields[0]"),
                ("PlainBookAdmin", "date_hierarchy"),
                ("PlainArticleInline", "readonly_fields[0]"),
            ],
        )
        self.assertIn("refers to 'publisher__name', a path into the document field", errors[0].msg)
        self.assertIn("(Django reports it as admin.E108)", errors[0].msg)
        self.assertIn("Use djongo_app.admin_integration.ModelAdmin", errors[0].hint)
        # Django's own error is there too; djongo_app's ModelAdmin has neither.
        django_errors = {e.id for e in site._registry[Book].check()}
        self.assertIn("admin.E108", django_errors)
        site.unregister(Book)
        site.register(
            Book,
            type(
                "DocumentBookAdmin",
                (admin_integration.ModelAdmin,),
                {"list_display": ["publisher__name"]},
            ),
        )
        errors = [e for e in checks.run_checks(tags=["admin"]) if e.id == "djongo_app.E102"]
        self.assertEqual([error.obj.__name__ for error in errors], ["PlainArticleInline"])

    def test_search_and_ordering_by_document_paths_work_in_a_plain_model_admin(self):
        Book.objects.create(title="B", publisher=Publisher(name="Zed"))
        Book.objects.create(title="A", publisher=Publisher(name="Ace"))
        plain = type(
            "Plain",
            (admin.ModelAdmin,),
            {"search_fields": ["publisher__name"], "ordering": ["publisher__name"]},
        )(Book, admin.AdminSite())
        request = mock.Mock()
        queryset, _ = plain.get_search_results(request, plain.get_queryset(request), "ze")
        self.assertEqual([book.title for book in queryset], ["B"])
        ordered = plain.get_queryset(request).order_by(*plain.get_ordering(request))
        self.assertEqual([book.title for book in ordered], ["A", "B"])
