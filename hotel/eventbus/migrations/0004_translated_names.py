# Verbose names, help texts and choice labels in English, translated at runtime (no schema change).

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("eventbus", "0003_no_foreign_key_checks"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="delivery",
            options={"verbose_name": "delivery", "verbose_name_plural": "deliveries"},
        ),
        migrations.AlterModelOptions(
            name="storedevent",
            options={"verbose_name": "stored event", "verbose_name_plural": "stored events"},
        ),
        migrations.AlterField(
            model_name="delivery",
            name="aggregate_key",
            field=models.CharField(max_length=120, verbose_name="aggregate key"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="attempts",
            field=models.PositiveIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="available_at",
            field=models.DateTimeField(verbose_name="due at"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="completed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="completed at"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="created_at",
            field=models.DateTimeField(verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="event",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="eventbus.storedevent",
                verbose_name="event",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="handler",
            field=models.CharField(max_length=150, verbose_name="handler"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="lease_token",
            field=models.UUIDField(blank=True, null=True, verbose_name="lease token"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="leased_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="leased until"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="state",
            field=models.CharField(
                choices=[("pending", "Pending"), ("done", "Done"), ("dead", "Dead")],
                default="pending",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="aggregate_id",
            field=models.CharField(max_length=64, verbose_name="aggregate id"),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="aggregate_type",
            field=models.CharField(max_length=50, verbose_name="aggregate type"),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="correlation_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="correlation id"),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="event_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="event id"
            ),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="event_type",
            field=models.CharField(max_length=100, verbose_name="event type"),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="occurred_at",
            field=models.DateTimeField(verbose_name="occurred at"),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="payload",
            field=models.JSONField(verbose_name="payload"),
        ),
        migrations.AlterField(
            model_name="storedevent",
            name="schema_version",
            field=models.PositiveSmallIntegerField(verbose_name="schema version"),
        ),
    ]
