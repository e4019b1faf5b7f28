import django_filters
from django.db.models import Q, QuerySet

from apps.reservations.models import Actor, Cancellation, Hotel, Reservation, ReservationStatus


class HotelFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Hotel
        fields = ("city", "name")


def _guest_or_order(prefix: str, term: str) -> Q:
    """Guest name containing ``term``; and the order: its id when ``term`` is a number (exact),
    else its reference (contains)."""
    term = term.strip()
    match = Q(**{f"{prefix}guest_name__icontains": term})
    if term.isdigit():
        return match | Q(**{f"{prefix}order_id": int(term)})
    return match | Q(**{f"{prefix}order_reference__icontains": term})


class ReservationFilter(django_filters.FilterSet):
    """``hotel``, ``status``, ``check_in_after``/``check_in_before`` (and the same for
    ``check_out``), and ``search``: guest name, order reference or order id."""

    hotel = django_filters.NumberFilter(field_name="hotel_id")
    status = django_filters.ChoiceFilter(choices=ReservationStatus.choices)
    check_in = django_filters.DateFromToRangeFilter()
    check_out = django_filters.DateFromToRangeFilter()
    search = django_filters.CharFilter(method="filter_search", label="Guest name or order id")

    class Meta:
        model = Reservation
        fields = ("hotel", "status", "check_in", "check_out", "search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_guest_or_order("", value)) if value.strip() else queryset


class CancellationFilter(django_filters.FilterSet):
    """``hotel``, ``cancelled_by``, ``cancelled_at_after``/``_before`` (dates) and ``search``."""

    hotel = django_filters.NumberFilter(field_name="reservation__hotel_id")
    cancelled_by = django_filters.ChoiceFilter(choices=Actor.choices)
    cancelled_at = django_filters.DateFromToRangeFilter()
    search = django_filters.CharFilter(method="filter_search", label="Guest name or order id")

    class Meta:
        model = Cancellation
        fields = ("hotel", "cancelled_by", "cancelled_at", "search")

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return (
            queryset.filter(_guest_or_order("reservation__", value)) if value.strip() else queryset
        )
