"""What a stay costs and whether rooms are free: one room type's quote, a hotel's availability.

Each quote carries the cancellation terms the stay would be booked under now (the room type's
policy, else its hotel's, else free: ``apps/reservations/cancellation_terms.py``). Reads only;
takes no locks. The booking path prices its stay with ``stay_quote_build`` too, from the rows
``stay_hold`` locked (``apps/reservations/services/inventory.py``), policy included.
"""

from collections.abc import Iterable
from datetime import date

from apps.reservations.cancellation_terms import (
    CancellationRule,
    cancellation_rule_of,
    cancellation_terms_build,
)
from apps.reservations.dtos import NightPrice, RoomTypeAvailability, RoomTypeSummary, StayQuote
from apps.reservations.models import NightlyRate, RoomNight
from apps.reservations.selectors.cancellation_quotes import (
    cancellation_policies_of_hotel,
    cancellation_policy_for,
)
from apps.reservations.selectors.catalogue import hotel_get, room_type_get, room_type_summary_of
from apps.reservations.stays import check_guests, check_stay, stay_nights


def stay_quote_build(
    *,
    room_type: RoomTypeSummary,
    check_in: date,
    check_out: date,
    guests: int,
    inventory: dict[date, int],
    overrides: dict[date, int],
    cancellation_rule: CancellationRule | None = None,
) -> StayQuote:
    """The stay's quote from its nights' inventory and rate overrides; with the
    ``cancellation_rule`` that applies to the room type, its cancellation terms too."""
    night_prices = tuple(
        NightPrice(
            night=night,
            rate_krw=overrides.get(night, room_type.nightly_rate_krw),
            rooms_left=inventory.get(night, 0),
        )
        for night in stay_nights(check_in=check_in, check_out=check_out)
    )
    rooms_left = min(price.rooms_left for price in night_prices)
    total_krw = sum(price.rate_krw for price in night_prices)
    return StayQuote(
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.room_type_id,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        nights=len(night_prices),
        night_prices=night_prices,
        total_krw=total_krw,
        rooms_left=rooms_left,
        available=rooms_left >= 1 and guests <= room_type.capacity,
        cancellation_terms=None
        if cancellation_rule is None
        else cancellation_terms_build(
            rule=cancellation_rule,
            time_zone=room_type.hotel_time_zone,
            check_in=check_in,
            total_krw=total_krw,
        ),
    )


def _stay_inventory(
    *, room_type_ids: Iterable[int], check_in: date, check_out: date
) -> tuple[dict[int, dict[date, int]], dict[int, dict[date, int]]]:
    """Rooms left and rate overrides per room type and night (two queries for any count)."""
    room_type_ids = list(room_type_ids)
    inventory: dict[int, dict[date, int]] = {pk: {} for pk in room_type_ids}
    overrides: dict[int, dict[date, int]] = {pk: {} for pk in room_type_ids}
    stay = {"room_type_id__in": room_type_ids, "night__gte": check_in, "night__lt": check_out}
    for room_type_id, night, total, held in RoomNight.objects.filter(**stay).values_list(
        "room_type_id", "night", "rooms_total", "rooms_held"
    ):
        inventory[room_type_id][night] = max(total - held, 0)
    for room_type_id, night, rate in NightlyRate.objects.filter(**stay).values_list(
        "room_type_id", "night", "rate_krw"
    ):
        overrides[room_type_id][night] = rate
    return inventory, overrides


def stay_quote(*, room_type_id: int, check_in: date, check_out: date, guests: int) -> StayQuote:
    """Price and availability of one room for the stay, night by night; refuses invalid stays.

    Raises ``RoomTypeNotFound`` (404), ``InvalidStay`` (400, bad dates or guests < 1) or a
    ``too_many_guests`` ``ReservationsError`` (400). A sold-out stay is not an error here: the
    quote says ``available=False``. Carries the cancellation terms. Reads only; takes no locks.
    """
    room_type = room_type_get(room_type_id=room_type_id)
    check_stay(check_in=check_in, check_out=check_out, today=room_type.hotel.local_today())
    check_guests(guests=guests, capacity=room_type.capacity)
    inventory, overrides = _stay_inventory(
        room_type_ids=[room_type.pk], check_in=check_in, check_out=check_out
    )
    return stay_quote_build(
        room_type=room_type_summary_of(room_type),
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        inventory=inventory[room_type.pk],
        overrides=overrides[room_type.pk],
        cancellation_rule=cancellation_rule_of(cancellation_policy_for(room_type=room_type)),
    )


def hotel_availability(
    *, hotel_id: int, check_in: date, check_out: date, guests: int
) -> list[RoomTypeAvailability]:
    """Every room type of the hotel with its quote for the stay, cancellation terms included.

    Room types too small for ``guests`` are listed too, with ``fits_guests=False`` and
    ``available=False``, so the guest sees why.
    """
    hotel = hotel_get(hotel_id=hotel_id)
    check_stay(check_in=check_in, check_out=check_out, today=hotel.local_today())
    check_guests(guests=guests)
    room_types = list(hotel.room_types.order_by("nightly_rate_krw", "id"))
    inventory, overrides = _stay_inventory(
        room_type_ids=[room_type.pk for room_type in room_types],
        check_in=check_in,
        check_out=check_out,
    )
    policies = cancellation_policies_of_hotel(hotel_id=hotel.pk)
    return [
        RoomTypeAvailability(
            room_type_id=room_type.pk,
            name=room_type.name,
            description=room_type.description,
            capacity=room_type.capacity,
            fits_guests=guests <= room_type.capacity,
            quote=stay_quote_build(
                room_type=room_type_summary_of(room_type),
                check_in=check_in,
                check_out=check_out,
                guests=guests,
                inventory=inventory[room_type.pk],
                overrides=overrides[room_type.pk],
                cancellation_rule=cancellation_rule_of(
                    policies.get(room_type.pk) or policies.get(None)
                ),
            ),
        )
        for room_type in room_types
    ]
