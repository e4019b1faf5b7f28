"""The tables every booking writes, in the container's default setup (the sandbox provider).

The storage tests that keep these tables lean (no covered index, a slower ANALYZE pace) read
this one list, so a table a booking starts writing is added once.
"""

WRITTEN_BY_EVERY_BOOKING = frozenset(
    {
        "orders_order",
        "orders_bookingrequest",
        "payments_payment",
        "payments_sandboxcharge",
        "eventbus_event",
        "eventbus_delivery",
        "reservations_reservation",
        "reservations_reservationstatuschange",
        "reservations_hotelnotification",
        "customer_mypageentry",
        "customer_mypagetimelineentry",
        "customer_notification",
    }
)
