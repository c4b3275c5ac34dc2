from django.apps import AppConfig


class DjongoAppConfig(AppConfig):
    name = "djongo_app"
    verbose_name = "djongo_app (MongoDB)"
    default_auto_field = "django.db.models.BigAutoField"
