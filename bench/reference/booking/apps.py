from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "bench.reference.booking"
    label = "reference_booking"
