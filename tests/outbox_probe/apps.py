from django.apps import AppConfig


class OutboxProbeConfig(AppConfig):
    name = "tests.outbox_probe"
    label = "outbox_probe"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tests.outbox_probe import handlers  # noqa: F401  (subscribes the handlers)
