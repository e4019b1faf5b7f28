# A reservation keeps the cancellation terms its order was booked under.
import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reservations", "0004_stay_search")]

    operations = [
        migrations.AddField(
            model_name="reservation",
            name="terms_fee_percent",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Booked terms: the share of the total kept when cancelling later.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(100)],
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="terms_free_until",
            field=models.DateTimeField(
                blank=True, help_text="Booked terms: free cancellation until then.", null=True
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="terms_no_refund_from",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "Booked terms: no refund from then (empty: refunded in full whatever the date)."
                ),
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="terms_summary",
            field=models.CharField(blank=True, max_length=300),
        ),
    ]
