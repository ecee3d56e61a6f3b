from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_chain_verification")]

    operations = [
        migrations.AddField(
            model_name="chainverification",
            name="verified_position",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="verified up to position"),
        ),
        migrations.AddField(
            model_name="chainverification",
            name="verified_event_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="verified up to entry"),
        ),
        migrations.AddField(
            model_name="chainverification",
            name="verified_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="link hash verified last"),
        ),
    ]
