# An order keeps the cancellation terms it was booked under, and its hotel's time zone.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_lean_indexes")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="hotel_time_zone",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="order",
            name="terms_fee_percent",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="terms_free_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="terms_no_refund_from",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="order",
            name="terms_summary",
            field=models.CharField(blank=True, max_length=300),
        ),
    ]
