from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "apps.reservations"
    label = "reservations"
    verbose_name = _("Reservations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.reservations import handlers  # noqa: F401  (subscribes the event handlers)
        from apps.reservations.services import reservations_reject_stale
        from hotel.periodic_jobs import periodic_job

        periodic_job(
            name="reservations.reject_stale_requests",
            every_seconds=settings.RESERVATIONS_STALE_REQUESTS_EVERY_SECONDS,
        )(reservations_reject_stale)
        # The hotels' daily digest: due from HOTEL_DIGEST_HOUR on each hotel's clock, sent once
        # per local day (a run finds what is recorded already), so checking every minute is cheap.
        from apps.reservations.services.hotel_messages import hotel_digests_send

        periodic_job(name="reservations.hotel_digest", every_seconds=60)(hotel_digests_send)
