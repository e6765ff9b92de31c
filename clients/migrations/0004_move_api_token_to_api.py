# The app's tokens moved to the api app (api.0001_initial takes the table
# over); here only Django's record of the model goes: no table is touched.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_api_token"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
