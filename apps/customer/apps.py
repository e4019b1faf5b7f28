from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerConfig(AppConfig):
    name = "apps.customer"
    label = "customer"
    verbose_name = _("Customer")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.customer import handlers  # noqa: F401  (subscribes the event handlers)
