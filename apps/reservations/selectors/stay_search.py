"""Search across hotels by stay: the hotels with a room type that fits the guests and is free
every night of ``[check_in, check_out)``, each with its cheapest total for the stay.

Reads only; takes no locks. The same rules as one hotel's availability
(``stay_quotes.hotel_availability``), applied to every hotel at once by the database:

- a room type fits when ``capacity >= guests``;
- it is free when every night of the stay has a ``RoomNight`` with ``rooms_held <
  rooms_total``; a night without a ``RoomNight`` row has no rooms (the quote's
  ``rooms_left=0``), so a stay with such a night is not free;
- a night costs its ``NightlyRate`` when there is one, else the room type's
  ``nightly_rate_krw``; the total is the sum over the stay's nights;
- the stay is checked by ``apps.reservations.stays`` (``check_stay``, ``check_guests``): empty,
  too long (``MAX_STAY_NIGHTS``) or past stays and ``guests < 1`` are the same 400s. "Past" is
  read in each hotel's time zone: a check-in that is yesterday for every hotel searched is the
  400; one that is still today somewhere lists only the hotels where it is not yet past.

One statement (``_search_sql``) gives a page of results and the number of results (a window
``COUNT(*)``): the free nights of the stay are counted per room type that fits (in the city,
if one is named), with the fewest rooms left; the rate overrides of the stay are summed per
room type (the total is ``nightly_rate * (nights - overridden) + overrides``); each hotel's
cheapest room type is picked by ``ROW_NUMBER()``, and only then joined with its hotel (the
hotels join the nights only to filter them by city or time zone). The two range scans read the
``(night, room_type)`` indexes of migration ``reservations.0004``; with a city, PostgreSQL
reads that city's room types' nights through the unique ``(room_type, night)`` index instead.
SQL that PostgreSQL and SQLite both read; table and column names come from the models'
``_meta``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from functools import lru_cache
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, models
from django.utils import timezone

from apps.reservations.dtos import StayOffer
from apps.reservations.models import Hotel, NightlyRate, RoomNight, RoomType
from apps.reservations.stays import check_guests, check_stay


class StayOrdering(StrEnum):
    """How results are sorted; ties go by hotel name, then id."""

    PRICE = "price"
    PRICE_DESC = "-price"
    NAME = "name"
    NAME_DESC = "-name"


#: The date of the earliest and of the latest time zone on Earth (UTC-12, UTC+14): a hotel's
#: local today lies between the two.
_EARLIEST_ZONE = ZoneInfo("Etc/GMT+12")
_LATEST_ZONE = ZoneInfo("Etc/GMT-14")


def _table(model: type[models.Model], *fields: str) -> SimpleNamespace:
    """``model``'s quoted table name (``.table``) and the quoted column of each of ``fields``."""
    quote, meta = connection.ops.quote_name, model._meta
    return SimpleNamespace(
        table=quote(meta.db_table),
        **{field: quote(meta.get_field(field).column) for field in fields},
    )


def stay_search(
    *,
    check_in: date,
    check_out: date,
    guests: int,
    city: str | None = None,
    min_total_krw: int | None = None,
    max_total_krw: int | None = None,
    ordering: StayOrdering | str = StayOrdering.PRICE,
) -> StaySearch:
    """The hotels free for the stay, cheapest fitting room type each, sorted by ``ordering``.

    ``city`` matches exactly, in any case (as the hotel list's filter). ``min_total_krw`` /
    ``max_total_krw`` bound the total for the whole stay: a hotel is listed when one of its
    free room types that fit costs that much, and the cheapest of those is the one shown.

    Raises ``InvalidStay`` (400) for an empty, too long or past stay, or ``guests < 1``.
    Returns a lazy ``StaySearch``: nothing more is read until a page or the count is asked for.
    """
    ordering = StayOrdering(ordering)
    city = city.strip() if city else None
    excluded_zones: tuple[str, ...] = ()
    today = timezone.localdate(timezone=_EARLIEST_ZONE)
    if check_in < check_out and check_in < timezone.localdate(timezone=_LATEST_ZONE):
        # Check-in is past in some time zone: ask the hotels searched where they are.
        today, excluded_zones = _past_in_zones(check_in=check_in, city=city, earliest=today)
    nights = check_stay(check_in=check_in, check_out=check_out, today=today)
    check_guests(guests=guests)
    return StaySearch(
        check_in=check_in,
        check_out=check_out,
        nights=nights,
        guests=guests,
        city=city,
        min_total_krw=min_total_krw,
        max_total_krw=max_total_krw,
        ordering=ordering,
        excluded_zones=excluded_zones,
    )


def _past_in_zones(
    *, check_in: date, city: str | None, earliest: date
) -> tuple[date, tuple[str, ...]]:
    """For a check-in that is past somewhere on Earth: the "today" to check the stay against,
    and the time zones of the hotels searched where the check-in is already past.

    Past for every hotel searched: "today" is the earliest of their local dates, so
    ``check_stay`` refuses the stay as each hotel's availability would. Past for some: "today"
    is the check-in itself, and the hotels where it is past are left out. No hotel to search:
    the earliest date on Earth.
    """
    hotels = Hotel.objects.all()
    if city:
        hotels = hotels.filter(city__iexact=city)
    zones = set(hotels.values_list("time_zone", flat=True).distinct())
    if not zones:
        return earliest, ()
    past: dict[str, date] = {}
    for zone in zones:
        try:
            local_today = timezone.localdate(timezone=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            local_today = date.max  # no date can be told there: leave its hotels out
        if local_today > check_in:
            past[zone] = local_today
    if len(past) == len(zones):
        return min(past.values()), ()
    return check_in, tuple(sorted(past))


class StaySearch:
    """A stay search's results, read page by page (``page``) or counted (``count``).

    It is what Django's ``Paginator`` takes as an object list (``count()`` and slices), and
    ``hotel.pagination.CountedPageNumberPagination`` reads a page and the count in one query.
    """

    def __init__(
        self,
        *,
        check_in: date,
        check_out: date,
        nights: int,
        guests: int,
        city: str | None,
        min_total_krw: int | None,
        max_total_krw: int | None,
        ordering: StayOrdering,
        excluded_zones: tuple[str, ...],
    ) -> None:
        self.check_in = check_in
        self.check_out = check_out
        self.nights = nights
        self.guests = guests
        self.city = city
        self.min_total_krw = min_total_krw
        self.max_total_krw = max_total_krw
        self.ordering = ordering
        self.excluded_zones = excluded_zones

    def _params(self) -> dict[str, Any]:
        ops = connection.ops
        params: dict[str, Any] = {
            "check_in": ops.adapt_datefield_value(self.check_in),
            "check_out": ops.adapt_datefield_value(self.check_out),
            "nights": self.nights,
            "guests": self.guests,
            "city": self.city,
            "min_total": self.min_total_krw,
            "max_total": self.max_total_krw,
        }
        params.update({f"zone{n}": zone for n, zone in enumerate(self.excluded_zones)})
        return params

    def _sql(self) -> str:
        return _search_sql(
            city=self.city is not None,
            min_total=self.min_total_krw is not None,
            max_total=self.max_total_krw is not None,
            excluded_zones=len(self.excluded_zones),
            ordering=self.ordering,
        )

    def page(self, *, offset: int, limit: int) -> tuple[list[StayOffer], int | None]:
        """Results ``offset`` to ``offset + limit`` and the number of all results; the number
        is None when the page is empty (past the last result): then ask ``count()``."""
        sql = f"{self._sql()} LIMIT %(limit)s OFFSET %(offset)s"
        with connection.cursor() as cursor:
            cursor.execute(sql, {**self._params(), "limit": limit, "offset": offset})
            rows = cursor.fetchall()
        if not rows:
            return [], None
        return [self._offer(row) for row in rows], rows[0][-1]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self._sql()}) counted", self._params())
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[StayOffer]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("StaySearch takes plain slices only")
        if index.stop is None:
            raise TypeError("StaySearch takes bounded slices only")
        start = index.start or 0
        if index.stop <= start:
            return []
        return self.page(offset=start, limit=index.stop - start)[0]

    def _offer(self, row: Sequence[Any]) -> StayOffer:
        (hotel_id, name, city, address, zone, room_type_id, room_type, capacity) = row[:8]
        total, rooms_left = row[8], row[9]
        return StayOffer(
            hotel_id=hotel_id,
            hotel_name=name,
            city=city,
            address=address,
            time_zone=zone,
            room_type_id=room_type_id,
            room_type_name=room_type,
            capacity=capacity,
            check_in=self.check_in,
            check_out=self.check_out,
            guests=self.guests,
            nights=self.nights,
            total_krw=int(total),
            rooms_left=rooms_left,
        )


_ORDER_BY = {
    StayOrdering.PRICE: "total_krw, hotel_name, hotel_id",
    StayOrdering.PRICE_DESC: "total_krw DESC, hotel_name, hotel_id",
    StayOrdering.NAME: "hotel_name, hotel_id",
    StayOrdering.NAME_DESC: "hotel_name DESC, hotel_id DESC",
}


@lru_cache(maxsize=64)
def _search_sql(
    *, city: bool, min_total: bool, max_total: bool, excluded_zones: int, ordering: StayOrdering
) -> str:
    """The search statement for this combination of filters (a page needs LIMIT and OFFSET).

    One text per combination, so that PostgreSQL prepares each once (``DB_PREPARED_STATEMENTS``)
    and plans each for the filters it has.
    """
    night = _table(RoomNight, "room_type", "night", "rooms_total", "rooms_held")
    rate = _table(NightlyRate, "room_type", "night", "rate_krw")
    room_type = _table(RoomType, "id", "hotel", "name", "capacity", "nightly_rate_krw")
    hotel = _table(Hotel, "id", "name", "city", "address", "time_zone")
    total = (
        f"CAST(room_type.{room_type.nightly_rate_krw} AS BIGINT)"
        " * (%(nights)s - COALESCE(overrides.nights, 0)) + COALESCE(overrides.rates_krw, 0)"
    )
    rooms = [f"room_type.{room_type.capacity} >= %(guests)s"]
    if city:
        rooms.append(f"UPPER(hotel.{hotel.city}) = UPPER(%(city)s)")
    if excluded_zones:
        zones = ", ".join(f"%(zone{n})s" for n in range(excluded_zones))
        rooms.append(f"hotel.{hotel.time_zone} NOT IN ({zones})")
    # The hotels are read for the nights only when they filter them (city, time zones).
    hotels = (
        f"JOIN {hotel.table} hotel ON hotel.{hotel.id} = room_type.{room_type.hotel}"
        if city or excluded_zones
        else ""
    )
    prices = []
    if min_total:
        prices.append(f"{total} >= %(min_total)s")
    if max_total:
        prices.append(f"{total} <= %(max_total)s")
    price_filter = f"WHERE {' AND '.join(prices)}" if prices else ""
    return f"""
WITH free AS (
    SELECT night.{night.room_type} AS room_type_id,
           MIN(night.{night.rooms_total} - night.{night.rooms_held}) AS rooms_left
    FROM {night.table} night
    JOIN {room_type.table} room_type ON room_type.{room_type.id} = night.{night.room_type}
    {hotels}
    WHERE night.{night.night} >= %(check_in)s AND night.{night.night} < %(check_out)s
      AND night.{night.rooms_held} < night.{night.rooms_total} AND {" AND ".join(rooms)}
    GROUP BY night.{night.room_type}
    -- Free every night. A stay has no more nights than that, so ">=" means "=", and the
    -- planner estimates it far closer to the truth than "=" (which led it to nested loops).
    HAVING COUNT(*) >= %(nights)s
), overrides AS (
    SELECT rate.{rate.room_type} AS room_type_id, SUM(rate.{rate.rate_krw}) AS rates_krw,
           COUNT(*) AS nights
    FROM {rate.table} rate
    WHERE rate.{rate.night} >= %(check_in)s AND rate.{rate.night} < %(check_out)s
    GROUP BY rate.{rate.room_type}
), offers AS (
    SELECT room_type.{room_type.hotel} AS hotel_id, room_type.{room_type.id} AS room_type_id,
           room_type.{room_type.name} AS room_type_name,
           room_type.{room_type.capacity} AS capacity, free.rooms_left, {total} AS total_krw
    FROM free
    JOIN {room_type.table} room_type ON room_type.{room_type.id} = free.room_type_id
    LEFT JOIN overrides ON overrides.room_type_id = free.room_type_id
    {price_filter}
), ranked AS (
    SELECT offers.*,
           ROW_NUMBER() OVER (PARTITION BY hotel_id ORDER BY total_krw, room_type_id) AS cheapest
    FROM offers
)
SELECT hotel.{hotel.id} AS hotel_id, hotel.{hotel.name} AS hotel_name, hotel.{hotel.city},
       hotel.{hotel.address}, hotel.{hotel.time_zone}, room_type_id, room_type_name, capacity,
       total_krw, rooms_left, COUNT(*) OVER () AS results
FROM ranked
JOIN {hotel.table} hotel ON hotel.{hotel.id} = ranked.hotel_id
WHERE cheapest = 1
ORDER BY {_ORDER_BY[ordering]}"""
