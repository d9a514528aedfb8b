"""An idempotency key is an organisation's for one council (the council of the token it came with):
the council is added to each key, filled in from its token, and made part of the unique constraint."""

import django.db.models.deletion
from django.db import migrations, models


def council_from_token(apps, schema_editor) -> None:
    IdempotencyKey = apps.get_model("api", "IdempotencyKey")
    ApiToken = apps.get_model("api", "ApiToken")
    for token_id, council_id in ApiToken.objects.values_list("pk", "council_id"):
        IdempotencyKey.objects.filter(token_id=token_id).update(council_id=council_id)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="idempotencykey",
            name="council",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.RunPython(council_from_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="idempotencykey",
            name="council",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
            ),
        ),
        migrations.RemoveConstraint(model_name="idempotencykey", name="api_idempotency_key_once"),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(
                fields=("organisation", "council", "key"), name="api_idempotency_key_once_per_council"
            ),
        ),
    ]
