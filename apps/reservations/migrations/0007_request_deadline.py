# The hotel's decision deadline: its hours per hotel, each request's deadline, the job's index.
import datetime
from zoneinfo import ZoneInfo

import django.core.validators
from django.db import migrations, models

# The rule of apps/reservations/decision_deadlines.py as it stood when this was written (a
# migration must not change with the code).
_GRACE = datetime.timedelta(hours=2)


def _deadline(requested_at, check_in, time_zone, hours):
    day_start = datetime.datetime.combine(check_in, datetime.time.min, tzinfo=ZoneInfo(time_zone))
    latest = max(day_start, requested_at + _GRACE)
    return min(requested_at + datetime.timedelta(hours=hours), latest).astimezone(datetime.UTC)


def give_open_requests_a_deadline(apps, schema_editor):
    """Requests still open get the hotel's full window from now, as if they had just arrived:
    the hotels never had a deadline, so none is rejected the moment this is deployed.
    Decided reservations keep none (null: the deadline only matters while requested)."""
    Reservation = apps.get_model("reservations", "Reservation")
    now = datetime.datetime.now(datetime.UTC)
    open_requests = Reservation.objects.filter(status="requested").select_related("hotel")
    for reservation in open_requests.iterator(chunk_size=500):
        hotel = reservation.hotel
        reservation.decision_deadline = _deadline(
            now, reservation.check_in, hotel.time_zone, hotel.request_deadline_hours
        )
        reservation.save(update_fields=["decision_deadline"])


class Migration(migrations.Migration):
    dependencies = [("reservations", "0006_hotel_contact")]

    operations = [
        migrations.AddField(
            model_name="hotel",
            name="request_deadline_hours",
            field=models.PositiveSmallIntegerField(
                default=24,
                help_text=(
                    "Hours the hotel has to confirm or reject a reservation request (1 to 168); "
                    "one still open then is rejected automatically and refunded in full. Never "
                    "later than the start of the check-in day. Applies to new requests."
                ),
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(168),
                ],
                verbose_name="decision deadline (hours)",
            ),
        ),
        migrations.AddField(
            model_name="reservation",
            name="decision_deadline",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "A request still open then is rejected automatically (set when requested)."
                ),
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(
                condition=models.Q(("status", "requested")),
                fields=["decision_deadline"],
                name="reservation_open_deadline",
            ),
        ),
        migrations.RunPython(give_open_requests_a_deadline, migrations.RunPython.noop),
    ]
