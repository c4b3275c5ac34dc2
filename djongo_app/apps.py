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
            from django.core import checks

            from .admin_integration import defaults
            from .admin_integration.checks import check_plain_model_admins

            # Admin widgets for these fields in a plain ModelAdmin.
            defaults.install()
            # Paths into documents in a plain ModelAdmin: say what to use.
            checks.register(check_plain_model_admins, checks.Tags.admin)
