"""The orders context's published interface: what other contexts may call.

Nothing, today. Orders is the context that calls the others (reservations to hold the stay,
payments to charge, customer for the guest's profile); the others hear about an order only
through the events in ``apps/orders/events.py``. A function belongs here on the day another
context needs it, under the same name as the service or selector it exposes.
"""

__all__: list[str] = []
