"""Reactions to the other contexts' events: the mypage projection and the guest's messages.

Two handler names, so a slow or failing message provider never holds the mypage back:

- ``customer.mypage`` (in the worker's transaction) folds all eight booking events into the
  mypage read model. One name for all of them: the outbox hands it one order's events in
  publication order.
- ``customer.notify`` (``in_transaction=False``: it calls a messaging provider) sends the
  message a change means for the guest, once per (event, channel).

Both names subscribe to the same eight event types, so their queues for one order line up:
the outbox hands each name the order's events one at a time, in publication order, and in a
round a worker runs the in-transaction ``customer.mypage`` delivery (and commits it) before the
outside-transaction ``customer.notify`` one. The notifier thus finds the event already
projected; if it ever gets there first (another worker still holds the projection's delivery),
it raises ``ProjectionBehind`` and the outbox retries it shortly.
"""

from apps.customer.notifications.services import notifications_send_for_event
from apps.customer.projection import MESSAGE_EVENT_TYPES, MYPAGE_EVENT_TYPES, mypage_apply
from hotel.eventbus import Event, EventMeta, subscribe

MYPAGE_HANDLER = "customer.mypage"
NOTIFY_HANDLER = "customer.notify"


def project_mypage(event: Event, meta: EventMeta) -> None:
    mypage_apply(event=event, meta=meta)


def notify_guest(event: Event, meta: EventMeta) -> None:
    if not isinstance(event, MESSAGE_EVENT_TYPES):
        return  # never a message: spare the read (the delivery only keeps the queue in step)
    notifications_send_for_event(event_id=meta.event_id)


for _event_type in MYPAGE_EVENT_TYPES:
    subscribe(_event_type, name=MYPAGE_HANDLER)(project_mypage)

# Whether an event means a message (booked and paid, confirmed, rejected, cancelled, refunded)
# is the projection's call, recorded on the event's timeline row. The three types that never
# do are subscribed too, so the two names' queues for an order stay in step (see above); their
# deliveries return at once.
for _event_type in MYPAGE_EVENT_TYPES:
    subscribe(_event_type, name=NOTIFY_HANDLER, in_transaction=False)(notify_guest)
