from django.urls import path

from apps.payments.views import PaymentDetailView, PaymentListView

urlpatterns = [
    path("payments/", PaymentListView.as_view(), name="payment-list"),
    path("payments/<int:pk>/", PaymentDetailView.as_view(), name="payment-detail"),
]
