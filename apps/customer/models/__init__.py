"""The customer context's models, one module per sub-domain:

- ``accounts``: the guest profile next to Django's auth user;
- ``mypage``: the read model of the guest's bookings, built only from events;
- ``notifications``: the log of the messages sent to guests.
"""

from apps.customer.models.accounts import GuestProfile, Language
from apps.customer.models.mypage import MypageEntry, MypageStatus, MypageTimelineEntry
from apps.customer.models.notifications import Notification, NotificationChannel, NotificationKind

__all__ = [
    "GuestProfile",
    "Language",
    "MypageEntry",
    "MypageStatus",
    "MypageTimelineEntry",
    "Notification",
    "NotificationChannel",
    "NotificationKind",
]
