from django.urls import path

from apps.payments.views import PaymentDetailApi, PaymentListApi

urlpatterns = [
    path("payments/", PaymentListApi.as_view(), name="payment-list"),
    path("payments/<int:pk>/", PaymentDetailApi.as_view(), name="payment-detail"),
]
