from django.db import models


class Memo(models.Model):
    """No explicit primary key: the app's default_auto_field applies."""

    text = models.CharField(max_length=50)

    class Meta:
        required_db_vendor = "mongodb"


class MemoLink(models.Model):
    memo = models.ForeignKey(Memo, models.CASCADE, related_name="links")

    class Meta:
        required_db_vendor = "mongodb"
