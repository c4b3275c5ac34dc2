from django.apps import AppConfig


class DjongoAppConfig(AppConfig):
    name = "djongo_app"
    verbose_name = "djongo_app (MongoDB)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from .fields import ObjectIdConverter, paths

        # <objectid:pk> in URL patterns: 24 hex digits, else a 404.
        register_converter(ObjectIdConverter, "objectid")
        # update(blog__name=...) (Django's update() only takes field names)
        # and two-valued lookups on nested paths.
        paths.install()
