from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class EventBusConfig(AppConfig):
    name = "hotel.eventbus"
    label = "eventbus"
    verbose_name = _("Event bus (outbox)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotel.eventbus.maintenance import purge_done
        from hotel.periodic_jobs import periodic_job

        periodic_job(name="outbox.purge", every_seconds=settings.OUTBOX["PURGE_EVERY_SECONDS"])(
            purge_done
        )
