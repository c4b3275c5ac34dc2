from django.apps import AppConfig


class ObjectIdAppConfig(AppConfig):
    """An app whose models get ObjectId primary keys by default."""

    name = "tests.objectidapp"
    default_auto_field = "djongo_app.fields.ObjectIdAutoField"
