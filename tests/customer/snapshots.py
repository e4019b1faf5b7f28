"""Whole-table snapshots of the customer read model and message log, for equality checks."""

from apps.customer.models import MypageEntry, MypageTimelineEntry, Notification


def mypage_rows() -> tuple[list[dict], list[dict]]:
    """Every entry and timeline row as plain values, without surrogate ids."""
    entries = list(MypageEntry.objects.order_by("order_id").values())
    for row in entries:
        del row["id"]
    timeline = list(
        MypageTimelineEntry.objects.order_by("sequence").values(
            "entry__order_id",
            "event_id",
            "event_type",
            "kind",
            "status",
            "details",
            "notify_kind",
            "occurred_at",
            "sequence",
        )
    )
    return entries, timeline


def notification_rows() -> list[dict]:
    return list(Notification.objects.order_by("id").values())
