"""The guest's own payment history: ``/api/payments/`` and ``/api/payments/{id}/``."""

from django.http import Http404
from rest_framework import generics

from apps.payments import selectors
from apps.payments.filters import PaymentFilter
from apps.payments.models import Payment
from apps.payments.serializers import PaymentOutputSerializer


class PaymentListView(generics.ListAPIView):
    """Own payments, newest first; paginated; filter by ``status``, ``method``, ``order_id``."""

    name = "Your payments"
    serializer_class = PaymentOutputSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        return selectors.payment_list(guest_id=self.request.user.pk)


class PaymentDetailView(generics.RetrieveAPIView):
    """One own payment with its refunds; another guest's payment is a 404."""

    name = "Your payment"
    serializer_class = PaymentOutputSerializer
    queryset = Payment.objects.none()  # for the schema; the object comes from the selector

    def get_object(self) -> Payment:
        payment = selectors.payment_get(payment_id=self.kwargs["pk"], guest_id=self.request.user.pk)
        if payment is None:
            raise Http404
        return payment
