# Tokens are bound to their login's credentials (password, sign-in email,
# auth epoch), as sessions are. Tokens issued before this migration get the
# hash of their login's credentials as they are now, so no app is signed out
# by the upgrade; a token the old code had already revoked stays revoked.

from django.db import migrations, models
from django.utils.crypto import salted_hmac


def bind_existing_tokens(apps, schema_editor):
    # The formula of api.tokens.credentials_hash at the time of this migration.
    ApiToken = apps.get_model("api", "ApiToken")
    db = schema_editor.connection.alias
    tokens = ApiToken.objects.using(db).select_related("user").filter(credentials_hash="")
    for token in tokens.iterator(chunk_size=1000):
        user = token.user
        token.credentials_hash = salted_hmac(
            "petcare.api.tokens.credentials_hash",
            f"{user.password}:{user.email}:{user.auth_epoch}",
            algorithm="sha256",
        ).hexdigest()
        token.save(update_fields=["credentials_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("petcare", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="credentials_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(bind_existing_tokens, migrations.RunPython.noop),
    ]
