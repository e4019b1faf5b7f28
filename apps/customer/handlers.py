"""Reactions to the other contexts' events: the mypage projection and the guest's messages.

Two handler names, so a slow or failing message provider never holds the mypage back. Both
take batches: a worker's round hands each name all its claimed deliveries in one call.

- ``customer.mypage`` (in the worker's transaction) folds all eight booking events into the
  mypage read model. One name for all of them: the outbox hands it one order's events in
  publication order.
- ``customer.notify`` (``in_transaction=False``: it calls a messaging provider) sends the
  message a change means for the guest, once per (event, channel). It subscribes only to the
  five event types that may mean a message (``MESSAGE_EVENT_TYPES``): a PaymentApproved,
  ReservationRequested or OrderCancelled never does, and gets no delivery.

The notifier reads what the projection decided for the event (its timeline row), so it needs
the event applied first. What holds: a message event's ``customer.mypage`` delivery is
published before its ``customer.notify`` one (a lower id), and in a round a worker runs
the in-transaction ``customer.mypage`` batch (and commits it) before the outside-transaction
``customer.notify`` batch. So when both deliveries are claimed in one round, or the projection
is ahead, the notifier finds the event projected.

What no longer holds since the notifier skips three types: its queue for an order no longer
lines up with the projection's. Deliveries are handed out one per (handler, order) at a time,
so while the projection still has earlier events of the order to fold (say a PaymentApproved
and a ReservationRequested, whenever events queue up faster than the worker drains them), the
notifier's next delivery can already be a later message event: even one worker then reaches it
first. The notifier does not wait for that: it applies the event itself, after the order's
earlier events that are not applied yet, in outbox order and through the projection's own code
(``mypage_catch_up``), and the projection's deliveries later find them applied. With several
workers the same happens when another worker still holds the projection's delivery: the
catch-up waits for that entry's row lock, then finds what it applied. Only if catching up
fails does the notifier raise ``ProjectionBehind`` for those events (after sending the others),
and the outbox retries them shortly.
"""

from apps.customer.notifications.services import notifications_send_for_events
from apps.customer.projection import MESSAGE_EVENT_TYPES, MYPAGE_EVENT_TYPES, mypage_apply_batch
from hotel.eventbus import Batch, subscribe

MYPAGE_HANDLER = "customer.mypage"
NOTIFY_HANDLER = "customer.notify"


def project_mypage(batch: Batch) -> None:
    mypage_apply_batch(items=batch)


def notify_guests(batch: Batch) -> None:
    notifications_send_for_events(
        event_ids=[meta.event_id for _, meta in batch],
        correlation_ids={meta.event_id: meta.correlation_id for _, meta in batch},
    )


for _event_type in MYPAGE_EVENT_TYPES:
    subscribe(_event_type, name=MYPAGE_HANDLER, batch=True)(project_mypage)

for _event_type in MESSAGE_EVENT_TYPES:
    subscribe(_event_type, name=NOTIFY_HANDLER, in_transaction=False, batch=True)(notify_guests)
