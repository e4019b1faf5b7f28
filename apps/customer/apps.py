from django.apps import AppConfig


class CustomerConfig(AppConfig):
    name = "apps.customer"
    label = "customer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.customer import handlers  # noqa: F401  (subscribes the event handlers)
