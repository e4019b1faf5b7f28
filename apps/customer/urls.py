from django.urls import path

from apps.customer.apis import MeApi, SignUpApi, TokenApi

app_name = "customer"

urlpatterns = [
    path("accounts/signup/", SignUpApi.as_view(), name="signup"),
    path("accounts/token/", TokenApi.as_view(), name="token"),
    path("accounts/me/", MeApi.as_view(), name="me"),
]
