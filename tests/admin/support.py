"""Helpers of the admin tests: what a browser would post for a rendered form,
the admin's form of a model, and the stored documents."""

from html.parser import HTMLParser

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory

from djongo_app.passthrough import mongo_call


class SubmittedData(HTMLParser):
    """The data a browser submits for a form's HTML: inputs (checked boxes
    only), selected options and text areas; nothing inside a <template>
    (an array's empty row) and no buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data = QueryDict(mutable=True)
        self.template_depth = 0
        self.select = None
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self.template_depth += 1
        if self.template_depth or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.appendlist(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.data.appendlist(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.option = attrs.get("value")
            if self.option is not None:
                self.data.appendlist(self.select, self.option)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            # A browser drops the newline right after <textarea>.
            self.data.appendlist(name, text.removeprefix("\n"))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and not self.template_depth:
            self.textarea[1] += data


def submitted(html):
    """What a browser posts for ``html`` (a QueryDict, mutable)."""
    parser = SubmittedData()
    parser.feed(str(html))
    parser.close()
    return parser.data


def superuser():
    user, _ = get_user_model().objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def admin_request(path="/admin/", data=None):
    factory = RequestFactory()
    request = factory.post(path, data or {}) if data is not None else factory.get(path)
    request.user = superuser()
    return request


def model_admin(model, site=admin.site):
    return site._registry[model]


def admin_form_class(model, obj=None, site=admin.site):
    """The form class the model's registered ModelAdmin uses."""
    return model_admin(model, site).get_form(admin_request(), obj)


def collection(model):
    connection.ensure_connection()
    return connection.connection.database[model._meta.db_table]


def key_path(model):
    """The document field holding ``model``'s primary key: ``_id`` for an
    integer auto key of a collection the migrations created, else its column."""
    connection.ensure_connection()
    layout = connection.connection.key_layouts.layout
    return layout.path(model._meta.db_table, model._meta.pk.column)


def stored(model, pk):
    """The stored document of ``pk``, read in the test's transaction (if any)."""
    return collection(model).find_one({key_path(model): pk}, session=connection.connection.session)


def store(model, pk, update):
    """Apply a raw MongoDB ``update`` to the document of ``pk``."""
    mongo_call("default", model._meta.db_table, "update_one", {key_path(model): pk}, update)
