from django.apps import AppConfig


class CustomerConfig(AppConfig):
    name = "apps.customer"
    label = "customer"
    default_auto_field = "django.db.models.BigAutoField"
