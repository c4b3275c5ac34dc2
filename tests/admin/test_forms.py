"""The form fields and widgets of documents, arrays and array references,
without a browser: what a form renders is parsed into what a browser would
post, posted back and saved, and the stored document compared."""

import datetime
import re

from bson import ObjectId
from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.forms.models import modelform_factory
from django.test import TestCase

from djongo_app.admin_integration.references import (
    FilteredReferencesSelect,
    ReferencesAutocomplete,
    ReferencesRawIdWidget,
)
from djongo_app.admin_integration.widgets import ArrayWidget, EmbeddedWidget
from djongo_app.fields.forms import NestedInputError
from tests.adminapp.models import (
    Address,
    Book,
    Chapter,
    Issue,
    Magazine,
    Note,
    Pamphlet,
    Person,
    Publisher,
    Writer,
)

from .support import admin_form_class, store, stored, submitted


def move_row(data, prefix, source, target):
    """Exchange the inputs of rows ``source`` and ``target`` of the array
    ``prefix``, as the browser's move up/down does (it renumbers them)."""
    names = {}
    for key in list(data):
        for index, other in ((source, target), (target, source)):
            head = f"{prefix}-{index}-"
            if key.startswith(head):
                names[key] = f"{prefix}-{other}-{key[len(head) :]}"
    values = {key: data.pop(key) for key in names}
    for key, new in names.items():
        data.setlist(new, values[key])


def remove_row(data, prefix, index):
    """Drop row ``index`` of the array ``prefix`` and renumber the rows
    after it, as the browser's remove button does."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    for key in [key for key in data if key.startswith(f"{prefix}-{index}-")]:
        del data[key]
    for later in range(index + 1, total):
        head = f"{prefix}-{later}-"
        for key in [key for key in data if key.startswith(head)]:
            data.setlist(f"{prefix}-{later - 1}-{key[len(head) :]}", data.pop(key))
    data[f"{prefix}-TOTAL_FORMS"] = str(total - 1)


def add_row(data, prefix, **values):
    """Append a row added in the browser (it has no ORIGIN input)."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-{index}-ORIGIN"] = ""
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)


class BookFormTests(TestCase):
    """The admin's form of a model with every kind of document field."""

    @classmethod
    def setUpTestData(cls):
        cls.ann = Person.objects.create(name="Ann")
        cls.bob = Person.objects.create(name="Bob")
        cls.cy = Person.objects.create(name="Cy")
        book = Book.objects.create(
            title="Dune",
            publisher=Publisher(
                name="Chilton",
                email="books@chilton.example",
                founded=datetime.date(1904, 3, 1),
                address=Address(street="Chestnut St", city="Philadelphia"),
            ),
            chapters=[Chapter(title="Dune", pages=300), Chapter(title="Muad'Dib", draft=True)],
            notes=[Note(text="First line\nsecond line", labels=["sf", "desert"])],
            keywords=["spice", "sand"],
            printings=[datetime.date(1965, 8, 1), datetime.date(1966, 1, 15)],
            ratings=[5, 4],
        )
        book.authors.set([cls.ann])
        book.editors.set([cls.bob, cls.cy])
        book.reviewers.set([cls.cy, cls.ann])
        cls.book_pk = book.pk

    def book(self):
        return Book.objects.get(pk=self.book_pk)

    def post(self, data, book=None):
        book = book or self.book()
        return admin_form_class(Book, book)(data=data, instance=book)

    def rendered_data(self, book=None):
        book = book or self.book()
        form = admin_form_class(Book, book)(instance=book)
        return submitted(form.as_div())

    def test_fields_get_the_admins_widgets(self):
        form = admin_form_class(Book, self.book())()
        fields = form.fields
        self.assertIsInstance(fields["publisher"].widget, EmbeddedWidget)
        nested = fields["publisher"].widget.form_class.base_fields
        self.assertIsInstance(nested["founded"].widget, admin_widgets.AdminDateWidget)
        self.assertIsInstance(nested["name"].widget, admin_widgets.AdminTextInputWidget)
        self.assertIsInstance(nested["address"].widget, EmbeddedWidget)
        layouts = {name: fields[name].widget.layout for name in ("chapters", "notes", "keywords")}
        self.assertEqual(layouts, {"chapters": "tabular", "notes": "stacked", "keywords": "items"})
        item_widgets = {
            name: type(fields[name].formset_class.form.base_fields["value"].widget)
            for name in ("keywords", "printings", "ratings")
        }
        self.assertEqual(
            item_widgets,
            {
                "keywords": admin_widgets.AdminTextInputWidget,
                "printings": admin_widgets.AdminDateWidget,
                "ratings": admin_widgets.AdminIntegerFieldWidget,
            },
        )
        wrapped = {name: fields[name].widget for name in ("authors", "editors")}
        for widget in wrapped.values():
            self.assertIsInstance(widget, admin_widgets.RelatedFieldWidgetWrapper)
            self.assertIs(widget.can_add_related, True)
        self.assertIsInstance(wrapped["authors"].widget, admin_widgets.FilteredSelectMultiple)
        self.assertIs(wrapped["authors"].widget.is_stacked, False)
        self.assertIsInstance(wrapped["editors"].widget, ReferencesAutocomplete)
        self.assertIsInstance(fields["reviewers"].widget, ReferencesRawIdWidget)
        media = str(form.media)
        self.assertIn("djongo_app/js/documents.js", media)
        self.assertIn("admin/js/admin/DateTimeShortcuts.js", media)

    def test_every_widget_round_trips_its_value(self):
        book = self.book()
        before = stored(Book, book.pk)
        form = self.post(self.rendered_data(book), book)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(form.changed_data, [])
        cleaned = form.cleaned_data
        self.assertEqual(cleaned["publisher"], book.publisher)
        self.assertEqual(cleaned["chapters"], book.chapters)
        self.assertEqual(cleaned["notes"], book.notes)
        self.assertEqual(cleaned["keywords"], ["spice", "sand"])
        self.assertEqual(
            cleaned["printings"], [datetime.date(1965, 8, 1), datetime.date(1966, 1, 15)]
        )
        self.assertEqual(cleaned["ratings"], [5, 4])
        self.assertEqual([p.name for p in cleaned["authors"]], ["Ann"])
        self.assertEqual(sorted(p.name for p in cleaned["editors"]), ["Bob", "Cy"])
        self.assertEqual(sorted(p.name for p in cleaned["reviewers"]), ["Ann", "Cy"])
        form.save()
        self.assertEqual(stored(Book, book.pk), before)

    def test_a_plain_model_form_round_trips_too(self):
        book = self.book()
        form_class = modelform_factory(Book, fields="__all__")
        data = submitted(form_class(instance=book).as_div())
        self.assertEqual(data.getlist("keywords-1-value"), ["sand"])
        form = form_class(data=data, instance=book)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(form.changed_data, [])

    def test_changed_values_are_saved(self):
        data = self.rendered_data()
        data["publisher-address-city"] = "Boston"
        data["chapters-1-draft"] = ""
        del data["chapters-1-draft"]
        add_row(data, "chapters", title="Appendix", pages="12", draft="on")
        add_row(data, "keywords", value="worms")
        add_row(data, "notes-0-labels", value="classic")
        data["ratings-1-value"] = "3"
        data.setlist("authors", [str(self.bob.pk), str(self.ann.pk)])
        data["reviewers"] = str(self.bob.pk)
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(
            sorted(form.changed_data),
            ["authors", "chapters", "keywords", "notes", "publisher", "ratings", "reviewers"],
        )
        form.save()
        document = stored(Book, self.book_pk)
        self.assertEqual(document["publisher"]["address"]["city"], "Boston")
        self.assertEqual(
            document["chapters"],
            [
                {"title": "Dune", "pages": 300, "draft": False},
                {"title": "Muad'Dib", "pages": 1, "draft": False},
                {"title": "Appendix", "pages": 12, "draft": True},
            ],
        )
        self.assertEqual(document["keywords"], ["spice", "sand", "worms"])
        self.assertEqual(document["notes"][0]["labels"], ["sf", "desert", "classic"])
        self.assertEqual(document["ratings"], [5, 3])
        self.assertEqual(sorted(document["authors"]), sorted([self.ann.pk, self.bob.pk]))
        self.assertEqual(document["reviewers"], [self.bob.pk])

    def test_rows_added_in_the_browser_and_left_blank_are_skipped(self):
        data = self.rendered_data()
        add_row(data, "chapters", title="", pages="1")
        add_row(data, "keywords", value="")
        add_row(data, "printings", value="")
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(form.changed_data, [])

    def test_a_stored_row_left_blank_is_an_error(self):
        data = self.rendered_data()
        data["chapters-0-title"] = ""
        data["keywords-1-value"] = ""
        form = self.post(data)
        self.assertIs(form.is_valid(), False)
        self.assertEqual(form.errors["chapters"], ["chapters.0.title: This field is required."])
        self.assertEqual(form.errors["keywords"], ["keywords.1: This field is required."])

    def test_moving_and_removing_rows_keeps_each_elements_unknown_keys(self):
        store(
            Book,
            self.book_pk,
            {
                "$set": {
                    "publisher.motto": "kept",
                    "publisher.address.zone": 7,
                    "chapters.0.legacy_id": ObjectId("0123456789abcdef01234567"),
                    "chapters.1.legacy_id": ObjectId("76543210fedcba9876543210"),
                    "notes.0.source": {"page": 3},
                    "imported_from": "catalog",
                }
            },
        )
        data = self.rendered_data()
        move_row(data, "chapters", 0, 1)
        add_row(data, "chapters", title="Epilogue", pages="2")
        data["publisher-name"] = "Chilton Books"
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        form.save()
        document = stored(Book, self.book_pk)
        self.assertEqual(
            document["chapters"],
            [
                {
                    "title": "Muad'Dib",
                    "pages": 1,
                    "draft": True,
                    "legacy_id": ObjectId("76543210fedcba9876543210"),
                },
                {
                    "title": "Dune",
                    "pages": 300,
                    "draft": False,
                    "legacy_id": ObjectId("0123456789abcdef01234567"),
                },
                {"title": "Epilogue", "pages": 2, "draft": False},
            ],
        )
        self.assertEqual(document["publisher"]["name"], "Chilton Books")
        self.assertEqual(document["publisher"]["motto"], "kept")
        self.assertEqual(document["publisher"]["address"]["zone"], 7)
        self.assertEqual(document["notes"][0]["source"], {"page": 3})
        self.assertEqual(document["imported_from"], "catalog")

        # Removing the first row: the remaining ones keep their own keys.
        data = self.rendered_data()
        remove_row(data, "chapters", 0)
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        form.save()
        chapters = stored(Book, self.book_pk)["chapters"]
        self.assertEqual(
            [chapter.get("legacy_id") for chapter in chapters],
            [
                ObjectId("0123456789abcdef01234567"),
                None,
            ],
        )

    def test_a_forged_origin_copies_no_keys_from_elsewhere(self):
        store(Book, self.book_pk, {"$set": {"chapters.0.legacy_id": 1}})
        data = self.rendered_data()
        data["chapters-1-ORIGIN"] = "99"
        add_row(data, "chapters", title="New", pages="1")
        data["chapters-2-ORIGIN"] = "-1"
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        form.save()
        chapters = stored(Book, self.book_pk)["chapters"]
        self.assertEqual([chapter.get("legacy_id") for chapter in chapters], [1, None, None])

    def test_errors_name_their_position_as_model_validation_does(self):
        data = self.rendered_data()
        data["publisher-address-city"] = ""
        data["chapters-1-pages"] = "-3"
        data["notes-0-labels-1-value"] = ""
        data["keywords-0-value"] = "x" * 25
        data["printings-1-value"] = "someday"
        form = self.post(data)
        self.assertIs(form.is_valid(), False)
        self.assertEqual(
            dict(form.errors),
            {
                "publisher": ["publisher.address.city: This field is required."],
                "chapters": ["chapters.1.pages: Ensure this value is greater than or equal to 0."],
                "notes": ["notes.0.labels.1: This field is required."],
                "keywords": [
                    "keywords.0: Ensure this value has at most 20 characters (it has 25)."
                ],
                "printings": ["printings.1: Enter a valid date."],
            },
        )
        for errors in form.errors.as_data().values():
            for error in errors:
                self.assertIsInstance(error, NestedInputError)
        # The model names positions the same way.
        book = self.book()
        book.publisher.address.city = ""
        with self.assertRaisesMessage(ValidationError, "publisher.address.city: "):
            book.full_clean()

    def test_a_nested_error_is_shown_once_next_to_its_input_with_the_values_kept(self):
        data = self.rendered_data()
        data["publisher-email"] = "not an address"
        data["chapters-1-pages"] = "-3"
        form = self.post(data)
        self.assertIs(form.is_valid(), False)
        # Not in the list above the field...
        self.assertEqual(form["publisher"].errors, [])
        self.assertEqual(form["chapters"].errors, [])
        # ...but in the row of the input, once.
        html = str(form["publisher"])
        self.assertEqual(html.count("Enter a valid email address."), 1)
        self.assertRegex(
            html,
            r'<div class="form-row errors field-email">\s*<ul class="errorlist"[^>]*>'
            r"<li>Enter a valid email address.</li></ul>\s*<div>\s*"
            r'<div class="flex-container">\s*<label[^>]*>Email:</label>'
            r'<input type="email" name="publisher-email" value="not an address"',
        )
        self.assertIn('name="publisher-name" value="Chilton"', html)
        html = str(form["chapters"])
        self.assertEqual(html.count("Ensure this value is greater than or equal to 0."), 1)
        self.assertRegex(
            html,
            r'<td class="field-pages errors"><ul class="errorlist"[^>]*><li>Ensure this value is '
            r'greater than or equal to 0.</li></ul><input type="number" name="chapters-1-pages" '
            r'value="-3"',
        )

    def test_an_optional_document_left_blank_shows_no_errors(self):
        book = self.book()
        book.publisher.address = None
        book.save()
        data = self.rendered_data(book)
        self.assertEqual(data["publisher-address-city"], "")
        data["title"] = ""
        form = self.post(data, book)
        self.assertEqual(list(form.errors), ["title"])
        html = str(form["publisher"])
        self.assertNotIn("errorlist", html)
        self.assertIn('name="publisher-address-city"', html)

    def test_an_optional_document_is_created_kept_and_removed_on_request(self):
        # Not stored, left blank: none is created.
        data = self.rendered_data()
        self.assertEqual(data["flags-DOCUMENT"], "")
        self.assertNotIn("flags-REMOVE", data)
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertIsNone(form.cleaned_data["flags"])
        # Not stored, a box checked: created.
        data["flags-featured"] = "on"
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        form.save()
        self.assertEqual(stored(Book, self.book_pk)["flags"], {"featured": True, "reviews": 0})
        # Stored with default values only (and a key of its own): an
        # unchanged form keeps it as it is.
        store(Book, self.book_pk, {"$set": {"flags": {"featured": False, "reviews": 0, "x": 1}}})
        data = self.rendered_data()
        self.assertEqual(data["flags-DOCUMENT"], "1")
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(form.changed_data, [])
        form.save()
        self.assertEqual(
            stored(Book, self.book_pk)["flags"], {"featured": False, "reviews": 0, "x": 1}
        )
        # Its remove box removes it.
        data["flags-REMOVE"] = "on"
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(form.changed_data, ["flags"])
        form.save()
        self.assertIsNone(stored(Book, self.book_pk)["flags"])

    def test_a_stored_document_left_invalid_shows_its_errors(self):
        data = self.rendered_data()
        data["publisher-address-city"] = ""
        data["publisher-address-street"] = ""
        form = self.post(data)
        self.assertEqual(
            form.errors["publisher"], ["publisher.address.city: This field is required."]
        )
        data["publisher-address-REMOVE"] = "on"
        form = self.post(data)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertIsNone(form.cleaned_data["publisher"].address)

    def test_size_limits_are_checked_and_shown_above_the_rows(self):
        data = self.rendered_data()
        add_row(data, "chapters", title="Three", pages="3")
        add_row(data, "chapters", title="Four", pages="4")
        form = self.post(data)
        self.assertIs(form.is_valid(), False)
        message = "List contains 4 items, it should contain no more than 3."
        self.assertEqual(form.errors["chapters"], [message])
        self.assertEqual(form["chapters"].errors, [message])
        book = self.book()
        book.chapters = [Chapter(title=str(n)) for n in range(4)]
        with self.assertRaisesMessage(ValidationError, message):
            book.full_clean()

    def test_tampered_management_data_is_a_validation_error(self):
        for total in ("lots", "100000"):
            with self.subTest(total=total):
                data = self.rendered_data()
                data["chapters-TOTAL_FORMS"] = total
                form = self.post(data)
                self.assertIs(form.is_valid(), False)
                self.assertEqual(len(form.errors["chapters"]), 1)
                self.assertTrue(form.errors["chapters"][0].startswith("chapters: "))

    def test_the_array_widget_renders_rows_a_template_and_its_limits(self):
        html = str(admin_form_class(Book, self.book())(instance=self.book())["chapters"])
        self.assertIn('data-djongo-array data-prefix="chapters"', html)
        self.assertIn('data-max-rows="3"', html)
        self.assertIn('name="chapters-1-ORIGIN" value="1"', html)
        template = re.search(r"<template data-djongo-template>(.*?)</template>", html, re.S)
        self.assertIn('name="chapters-__prefix__-title"', template.group(1))
        self.assertIn("Add another Chapter", html)
        # A stacked array nests its rows' arrays, each with its own template.
        html = str(admin_form_class(Book, self.book())(instance=self.book())["notes"])
        self.assertIn('data-prefix="notes-0-labels"', html)
        self.assertIn('name="notes-__prefix__-labels-__prefix__-value"', html)
        self.assertIn("<span data-djongo-number>#1</span>", html)


class MagazineFormTests(TestCase):
    """An ObjectId-keyed model: raw ids of ObjectId-keyed objects, the
    vertical filter selector, a minimum number of rows."""

    def test_round_trip_and_minimum_rows(self):
        ann = Person.objects.create(name="Ann")
        wendy = Writer.objects.create(name="Wendy")
        walt = Writer.objects.create(name="Walt")
        form_class = admin_form_class(Magazine)
        blank = form_class()
        html = str(blank["issues"])
        # min_size=1: one row to fill in.
        self.assertIn('name="issues-TOTAL_FORMS" value="1"', html)
        self.assertIn('data-min-rows="1"', html)
        self.assertIsInstance(blank.fields["writers"].widget, ReferencesRawIdWidget)
        self.assertIs(blank.fields["staff"].widget.widget.is_stacked, True)

        data = submitted(blank.as_div())
        data.update(
            {
                "name": "Analog",
                "publisher-name": "Dell",
                "issues-0-number": "7",
                "writers": f"{wendy.pk},{walt.pk}",
                "sister": "0123456789abcdef01234567",
            }
        )
        data.setlist("staff", [str(ann.pk)])
        form = form_class(data=data)
        self.assertIs(form.is_valid(), True, form.errors)
        magazine = form.save()
        document = stored(Magazine, magazine.pk)
        self.assertEqual(document["issues"], [{"number": 7, "published": None}])
        self.assertEqual(document["writers"], [wendy.pk, walt.pk])
        self.assertEqual(document["staff"], [ann.pk])
        self.assertEqual(document["sister"], ObjectId("0123456789abcdef01234567"))

        magazine = Magazine.objects.get(pk=magazine.pk)
        rendered = form_class(instance=magazine)
        self.assertIn(f'value="{wendy.pk},{walt.pk}"', str(rendered["writers"]))
        again = form_class(data=submitted(rendered.as_div()), instance=magazine)
        self.assertIs(again.is_valid(), True, again.errors)
        self.assertEqual(again.changed_data, [])

        # An empty list is blank (allowed: blank=True), as for the model;
        # the browser keeps the minimum of rows.
        data = submitted(rendered.as_div())
        remove_row(data, "issues", 0)
        form = form_class(data=data, instance=magazine)
        self.assertIs(form.is_valid(), True, form.errors)
        self.assertEqual(form.cleaned_data["issues"], [])
        magazine.issues = []
        magazine.full_clean()
        data = submitted(rendered.as_div())
        add_row(data, "issues", number="")
        data["issues-0-number"] = ""
        form = form_class(data=data, instance=magazine)
        self.assertIs(form.is_valid(), False)
        self.assertEqual(form.errors["issues"], ["issues.0.number: This field is required."])

    def test_bad_raw_ids_are_a_validation_error(self):
        data = submitted(admin_form_class(Magazine)().as_div())
        data.update({"name": "M", "publisher-name": "P", "issues-0-number": "1"})
        data["writers"] = "not-an-id"
        form = admin_form_class(Magazine)(data=data)
        self.assertIs(form.is_valid(), False)
        self.assertIn("writers", form.errors)


class PlainModelAdminTests(TestCase):
    """admin.site.register(Pamphlet): the admin's widgets without our
    ModelAdmin."""

    def test_plain_model_admin_gets_the_admin_widgets(self):
        self.assertIs(type(admin.site._registry[Pamphlet]), admin.ModelAdmin)
        form_class = admin_form_class(Pamphlet)
        fields = form_class.base_fields
        nested = fields["publisher"].widget.form_class.base_fields
        self.assertIsInstance(nested["founded"].widget, admin_widgets.AdminDateWidget)
        item = fields["printings"].formset_class.form.base_fields["value"]
        self.assertIsInstance(item.widget, admin_widgets.AdminDateWidget)
        self.assertIsInstance(fields["authors"].widget, FilteredReferencesSelect)

        ann = Person.objects.create(name="Ann")
        data = submitted(form_class().as_div())
        data.update({"title": "Leaflet", "publisher-name": "Self"})
        add_row(data, "chapters", title="Only", pages="4")
        add_row(data, "printings", value="2024-02-29")
        data.setlist("authors", [str(ann.pk)])
        form = form_class(data=data)
        self.assertIs(form.is_valid(), True, form.errors)
        pamphlet = form.save()
        document = stored(Pamphlet, pamphlet.pk)
        self.assertEqual(document["chapters"], [{"title": "Only", "pages": 4, "draft": False}])
        self.assertEqual(document["printings"], [datetime.datetime(2024, 2, 29)])
        self.assertEqual(document["authors"], [ann.pk])


class EmbeddedWidgetTests(TestCase):
    def test_a_document_of_unchecked_boxes_is_still_submitted(self):
        class Flags(forms.Form):
            active = forms.BooleanField(required=False)

        widget = EmbeddedWidget(Flags)
        html = widget.render("flags", {"active": True})
        data = submitted(html)
        self.assertEqual(data.getlist("flags-active"), ["on"])
        del data["flags-active"]
        self.assertIs(widget.value_omitted_from_data(data, {}, "flags"), False)
        self.assertIs(widget.value_from_datadict(data, {}, "flags").is_valid(), True)

    def test_issue_rows_render_with_the_admins_date_widget(self):
        form = admin_form_class(Magazine)(initial={"issues": [Issue(number=3)]})
        html = str(form["issues"])
        self.assertIn('class="vDateField"', html)
        self.assertIsInstance(form.fields["issues"].widget, ArrayWidget)


class WithoutTheAppTests(TestCase):
    def test_widgets_render_when_djongo_app_is_not_installed(self):
        from django.apps import apps
        from django.forms.renderers import DjangoTemplates
        from django.test import override_settings

        installed = [app.name for app in apps.get_app_configs() if app.name != "djongo_app"]
        with override_settings(INSTALLED_APPS=installed):
            renderer = DjangoTemplates()
            form = modelform_factory(Book, fields=["title", "publisher", "chapters"])(
                renderer=renderer
            )
            html = form.as_div()
        self.assertIn('name="publisher-name"', html)
        self.assertIn('data-djongo-array data-prefix="chapters"', html)


class PublicApiTests(TestCase):
    def test_form_fields_module_exports_what_it_names(self):
        from djongo_app.fields import forms as document_forms

        self.assertEqual(document_forms.__all__, sorted(set(document_forms.__all__)))
        for name in document_forms.__all__:
            self.assertTrue(hasattr(document_forms, name), name)
