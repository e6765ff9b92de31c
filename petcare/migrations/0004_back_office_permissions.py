# The Admin role sees the activity log, the app's sign-ins and the sign-in
# lock-outs in the Django admin (petcare.roles); ensure_roles is idempotent.

from django.db import migrations

from petcare.roles import ensure_roles


def update_roles(apps, schema_editor):
    ensure_roles(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("petcare", "0003_activity_log"),
        ("api", "0002_apitoken_credentials_hash"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
