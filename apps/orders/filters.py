import django_filters

from apps.orders.models import Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    check_in_from = django_filters.DateFilter(field_name="check_in", lookup_expr="gte")
    check_in_to = django_filters.DateFilter(field_name="check_in", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "hotel_id"]
