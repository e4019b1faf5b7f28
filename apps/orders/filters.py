import django_filters

from apps.orders.models import Order, OrderStatus
from hotel.api_inputs import DateFilter, IdFilter


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    check_in_from = DateFilter(field_name="check_in", lookup_expr="gte")
    check_in_to = DateFilter(field_name="check_in", lookup_expr="lte")
    hotel_id = IdFilter()

    class Meta:
        model = Order
        fields = ["status", "hotel_id"]
