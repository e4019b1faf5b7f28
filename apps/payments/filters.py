"""Filters of the guest's payment history (``/api/payments/?status=refunded``)."""

import django_filters

from apps.payments.models import Payment, PaymentMethod
from hotel.api_inputs import IdFilter, IsoDateTimeFilter


class PaymentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices)
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    order_id = IdFilter()
    approved_after = IsoDateTimeFilter(field_name="approved_at", lookup_expr="gte")
    approved_before = IsoDateTimeFilter(field_name="approved_at", lookup_expr="lt")

    class Meta:
        model = Payment
        fields = ["status", "method", "order_id"]
