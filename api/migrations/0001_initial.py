# The app's tokens, moved here from the clients app with their rows: the
# model is taken over in Django's state without touching the database, its
# content type (and so its permissions) follows, and then the table is
# renamed to this app's name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    old = ContentType.objects.using(db).filter(app_label="clients", model="apitoken")
    if ContentType.objects.using(db).filter(app_label="api", model="apitoken").exists():
        old.delete()
    else:
        old.update(app_label="api")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="clients", model="apitoken").exists():
        ContentType.objects.using(db).filter(app_label="api", model="apitoken").update(
            app_label="clients"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clients", "0003_api_token"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key_hash", models.CharField(max_length=64, unique=True)),
                        ("created_at", models.DateTimeField()),
                        ("expires_at", models.DateTimeField()),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "clients_apitoken",
                        "indexes": [
                            models.Index(fields=["user", "revoked_at"], name="api_token_user_idx")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("expires_at__gt", models.F("created_at"))),
                                name="api_token_expires_after_creation",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
        migrations.AlterModelTable(name="apitoken", table=None),
    ]
