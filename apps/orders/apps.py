from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"
    verbose_name = _("Orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.orders import handlers  # noqa: F401  (subscribes the event handlers)
        from apps.orders.services import orders_reconcile
        from hotel.periodic_jobs import periodic_job

        periodic_job(name="orders.reconcile_payments", every_seconds=60)(orders_reconcile)
