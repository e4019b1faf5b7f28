"""Reading back what the hotel side published and recorded."""

from apps.reservations.models import Reservation
from hotel.eventbus import Event
from hotel.eventbus.models import StoredEvent


def published(event_class: type[Event]) -> list[Event]:
    """Every stored event of this type, as its dataclass, in publication order."""
    return [
        event_class.from_payload(stored.payload, version=stored.schema_version)
        for stored in StoredEvent.objects.filter(event_type=event_class.event_type).order_by("id")
    ]


def reservation_event_types() -> list[str]:
    return list(
        StoredEvent.objects.filter(event_type__startswith="reservations.")
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def history(reservation: Reservation) -> list[tuple[str, str, str, str]]:
    """(from, to, actor, note) of each status change, oldest first."""
    return list(
        reservation.status_changes.order_by("id").values_list(
            "from_status", "to_status", "actor", "note"
        )
    )
