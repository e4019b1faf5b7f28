import django_filters

from apps.reservations.models import Hotel


class HotelFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Hotel
        fields = ("city", "name")
