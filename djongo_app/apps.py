from django.apps import AppConfig, apps


class DjongoAppConfig(AppConfig):
    name = "djongo_app"
    verbose_name = "djongo_app (MongoDB)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from .fields import ObjectIdConverter, paths
        from .storage import create_buckets

        # GridFS buckets exist before a transaction first writes to them.
        post_migrate.connect(create_buckets, sender=self, dispatch_uid="djongo_app.storage")

        # <objectid:pk> in URL patterns: 24 hex digits, else a 404.
        register_converter(ObjectIdConverter, "objectid")
        # update(blog__name=...) (Django's update() only takes field names)
        # and two-valued lookups on nested paths.
        paths.install()
        if apps.is_installed("django.contrib.admin"):
            from .admin_integration import defaults

            # Admin widgets for these fields in a plain ModelAdmin.
            defaults.install()
