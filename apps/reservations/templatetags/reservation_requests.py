"""The admin index's panel of open reservation requests (``{% open_requests_panel %}``)."""

from django import template
from django.urls import reverse

from apps.reservations import selectors
from apps.reservations.models import ReservationStatus

register = template.Library()

#: Requests listed on the index; the link leads to all of them.
PANEL_ROWS = 10


@register.inclusion_tag("admin/reservations/open_requests.html", takes_context=True)
def open_requests_panel(context: template.Context) -> dict:
    """The signed-in hotelier's requests awaiting a decision, deadline soonest first.

    Empty for a staff user who may not view reservations (the template then shows nothing).
    """
    user = context["request"].user
    if not user.has_perm("reservations.view_reservation"):
        return {"shown": False}
    changelist = reverse("admin:reservations_reservation_changelist")
    return {
        "shown": True,
        "open_requests": selectors.open_requests_for(user=user, limit=PANEL_ROWS),
        "all_open_url": f"{changelist}?status__exact={ReservationStatus.REQUESTED}",
    }
