from django.db import migrations

from petcare.roles import ensure_roles


def create_roles(apps, schema_editor):
    # The roles as this release knew them; later models' permissions come with
    # later migrations (0004_back_office_permissions).
    ensure_roles(apps, using=schema_editor.connection.alias, only_existing=True)


class Migration(migrations.Migration):
    dependencies = [
        ("petcare", "0001_initial"),
        ("clients", "0002_initial"),
        ("scheduling", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
