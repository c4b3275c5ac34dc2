from django.apps import AppConfig


class MyappAppConfig(AppConfig):
    name = "myapp"
    default_auto_field = "django.db.models.AutoField"
