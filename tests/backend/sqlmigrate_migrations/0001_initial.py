"""The migration tests/backend/test_sqlmigrate.py shows with sqlmigrate."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            name="Memo",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("title", models.CharField(max_length=50)),
                ("body", models.TextField(null=True)),
            ],
            options={"db_table": "sqlmigrate_memo"},
        ),
        migrations.AddField(
            model_name="memo",
            name="rank",
            field=models.IntegerField(db_index=True, default=3),
        ),
        migrations.AlterField(
            model_name="memo",
            name="title",
            field=models.CharField(max_length=80, unique=True),
        ),
        migrations.RemoveField(model_name="memo", name="body"),
    ]
