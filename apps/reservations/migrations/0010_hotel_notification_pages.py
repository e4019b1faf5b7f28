"""Room on each page for a hotel message marked sent after it is written (hotel/page_fill.py)."""

from django.db import migrations

from hotel.page_fill import pages_filled_to


class Migration(migrations.Migration):
    dependencies = [("reservations", "0009_text_statistics")]

    operations = [pages_filled_to("reservations_hotelnotification", 80)]
