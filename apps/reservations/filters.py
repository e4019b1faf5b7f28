import django_filters
from django.db.models import Q, QuerySet

from apps.reservations.models import Actor, Cancellation, Hotel, Reservation, ReservationStatus
from hotel.api_inputs import DateFromToRangeFilter, IdFilter, ascii_id


class HotelFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Hotel
        fields = ("city", "name")


def _guest_or_order(prefix: str, term: str) -> Q:
    """Guest name containing ``term``; and the order: its id when ``term`` is one (exact),
    else its reference (contains). An id is ASCII digits in the id range: "²" is a digit to
    ``isdigit()`` but no number to ``int()``, and 5,000 digits are past ``int()``'s limit."""
    term = term.strip()
    match = Q(**{f"{prefix}guest_name__icontains": term})
    order_id = ascii_id(term)
    if order_id is not None:
        return match | Q(**{f"{prefix}order_id": order_id})
    return match | Q(**{f"{prefix}order_reference__icontains": term})


class ReservationFilter(django_filters.FilterSet):
    """``hotel``, ``status``, ``check_in_after``/``check_in_before`` (and the same for
    ``check_out``), and ``search``: guest name, order reference or order id."""

    hotel = IdFilter(field_name="hotel_id")
    status = django_filters.ChoiceFilter(choices=ReservationStatus.choices)
    check_in = DateFromToRangeFilter()
    check_out = DateFromToRangeFilter()
    search = django_filters.CharFilter(method="filter_search", label="Guest name or order id")

    class Meta:
        model = Reservation
        fields = ("hotel", "status", "check_in", "check_out", "search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_guest_or_order("", value)) if value.strip() else queryset


class CancellationFilter(django_filters.FilterSet):
    """``hotel``, ``cancelled_by``, ``cancelled_at_after``/``_before`` (dates) and ``search``."""

    hotel = IdFilter(field_name="reservation__hotel_id")
    cancelled_by = django_filters.ChoiceFilter(choices=Actor.choices)
    cancelled_at = DateFromToRangeFilter()
    search = django_filters.CharFilter(method="filter_search", label="Guest name or order id")

    class Meta:
        model = Cancellation
        fields = ("hotel", "cancelled_by", "cancelled_at", "search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return (
            queryset.filter(_guest_or_order("reservation__", value)) if value.strip() else queryset
        )
