"""One scored open-link response per client: earlier races may have stored two; the later ones
become suspected duplicates (left out of the scores, as the check meant), then the constraint
keeps it so."""

from django.db import migrations, models
from django.db.models import Count, Min


def flag_raced_duplicates(apps, schema_editor):
    Response = apps.get_model("surveys", "Response")
    scored = Response.objects.filter(is_open=True, suspected_duplicate=False).exclude(client_hash="")
    groups = (
        scored.values("campaign_id", "client_hash")
        .annotate(n=Count("id"), first=Min("id"))
        .filter(n__gt=1)
        .order_by()
    )
    for group in groups.iterator():
        scored.filter(campaign_id=group["campaign_id"], client_hash=group["client_hash"]).exclude(
            id=group["first"]
        ).update(suspected_duplicate=True)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0015_event_sentences_to_messages"),
        ("customers", "0005_language_names_translated"),
        ("surveys", "0011_bilingual_questionnaire_names"),
    ]

    operations = [
        migrations.RunPython(flag_raced_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_open", True), ("suspected_duplicate", False), models.Q(("client_hash", ""), _negated=True)),
                fields=("campaign", "client_hash"),
                name="response_open_client_scored_once",
            ),
        ),
    ]
