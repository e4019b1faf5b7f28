from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "apps.reservations"
    label = "reservations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.reservations import handlers  # noqa: F401  (subscribes the event handlers)
