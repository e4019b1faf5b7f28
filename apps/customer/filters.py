"""Filters of the guest's mypage and message log (``/api/mypage/?status=confirmed``)."""

import django_filters

from apps.customer.models import (
    MypageEntry,
    MypageStatus,
    Notification,
    NotificationChannel,
    NotificationKind,
)
from hotel.api_inputs import DateFilter, IdFilter


class MypageFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MypageStatus.choices)
    check_in_after = DateFilter(field_name="check_in", lookup_expr="gte")
    check_in_before = DateFilter(field_name="check_in", lookup_expr="lt")

    class Meta:
        model = MypageEntry
        fields = ["status"]


class NotificationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    channel = django_filters.ChoiceFilter(choices=NotificationChannel.choices)
    status = django_filters.ChoiceFilter(choices=Notification.Status.choices)
    order_id = IdFilter()

    class Meta:
        model = Notification
        fields = ["kind", "channel", "status", "order_id"]
