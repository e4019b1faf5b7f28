"""The authorization matrix: every endpoint and method, and every admin page, for each party.

One world (``world``): hotel X and hotel Y, guest A with paid bookings at X (one of them
cancelled), guest B with the same at Y, booked through the API and with the outbox drained (so
orders, payments, reservations, cancellations, refunds, mypage entries and notifications all
exist), the hotelier of X, the hotelier of Y and a superuser. Objects in URLs are guest A's and
hotel X's, so guest B and hotelier Y are the outsiders.

``API_MATRIX`` and ``ADMIN_MATRIX`` are the tables: the expected answer per party, one line per
endpoint (or admin page). A new endpoint, method or admin model without a line fails
``test_every_*_has_a_row``. Refused state-changing requests must leave the database as it was;
lists must show exactly the party's own rows and never another party's references or names.
"""

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.customer.models import GuestProfile, MypageEntry, Notification
from apps.customer.services import guest_ensure_profile, guest_token_issue
from apps.orders.models import BookingRequest, Order
from apps.payments.models import Payment, Refund
from apps.reservations.models import (
    Cancellation,
    CancellationPolicy,
    Hotel,
    HotelierMembership,
    HotelNotification,
    Reservation,
    RoomNight,
)
from hotel.eventbus.models import Delivery, StoredEvent
from hotel.eventbus.testing import drain_outbox
from tests.reservations.factories import (
    CancellationPolicyFactory,
    HotelFactory,
    HotelierFactory,
    RoomTypeFactory,
    inventory,
)
from tests.user_factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()

PARTIES = ("anonymous", "guest_a", "guest_b", "hotelier_x", "hotelier_y", "staff")
GUESTS = ("guest_a", "guest_b")

# Admin answers other than a plain status code.
LOGIN = "login"  # 302 to the admin login page
GONE = "gone"  # 302 to the admin index: "... doesn't exist" (the object is out of scope)
DONE = "done"  # an action or form post that took effect (302 back to the list)
NOOP = "noop"  # a 302 like DONE, but nothing changed (the object is out of the party's scope)

# fmt: off
# Columns: anonymous, guest A, guest B, hotelier X, hotelier Y, staff.
API_MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    # The front door and the API root (its list of resources) are public.
    ("/", "GET"):                                              (302, 302, 302, 302, 302, 302),
    ("/", "POST"):                                             (302, 302, 302, 302, 302, 302),
    ("/", "PUT"):                                              (302, 302, 302, 302, 302, 302),
    ("/", "PATCH"):                                            (302, 302, 302, 302, 302, 302),
    ("/", "DELETE"):                                           (302, 302, 302, 302, 302, 302),
    ("/api/", "GET"):                                          (200, 200, 200, 200, 200, 200),
    # The public catalogue.
    ("/api/hotels/", "GET"):                                   (200, 200, 200, 200, 200, 200),
    ("/api/hotels/<int:pk>/", "GET"):                          (200, 200, 200, 200, 200, 200),
    ("/api/hotels/<int:pk>/availability/", "GET"):             (200, 200, 200, 200, 200, 200),
    ("/api/stays/", "GET"):                                    (200, 200, 200, 200, 200, 200),
    # The hoteliers' API: hotel X's reservation; guests see none, hotelier Y another hotel's.
    ("/api/reservations/", "GET"):                             (401, 200, 200, 200, 200, 200),
    ("/api/reservations/<int:pk>/", "GET"):                    (401, 404, 404, 200, 404, 200),
    ("/api/reservations/<int:pk>/confirm/", "POST"):           (401, 404, 404, 200, 404, 200),
    ("/api/reservations/<int:pk>/reject/", "POST"):            (401, 404, 404, 200, 404, 200),
    ("/api/cancellations/", "GET"):                            (401, 200, 200, 200, 200, 200),
    # The guests' API: guest A's order. Everyone signed in books for themselves; the orders,
    # payments and mypage are the caller's own, so staff too gets a 404 for A's (it has admin).
    ("/api/orders/", "GET"):                                   (401, 200, 200, 200, 200, 200),
    ("/api/orders/", "POST"):                                  (401, 201, 201, 201, 201, 201),
    ("/api/orders/<int:order_id>/", "GET"):                    (401, 200, 404, 404, 404, 404),
    ("/api/orders/<int:order_id>/cancel/", "POST"):            (401, 200, 404, 404, 404, 404),
    ("/api/orders/<int:order_id>/cancellation-quote/", "GET"): (401, 200, 404, 404, 404, 404),
    ("/api/payments/", "GET"):                                 (401, 200, 200, 200, 200, 200),
    ("/api/payments/<int:pk>/", "GET"):                        (401, 200, 404, 404, 404, 404),
    ("/api/mypage/", "GET"):                                   (401, 200, 200, 200, 200, 200),
    ("/api/mypage/<int:order_id>/", "GET"):                    (401, 200, 404, 404, 404, 404),
    ("/api/notifications/", "GET"):                            (401, 200, 200, 200, 200, 200),
    # Accounts: sign-up and token ignore the caller (no authentication); the body decides.
    ("/api/accounts/signup/", "POST"):                         (201, 201, 201, 201, 201, 201),
    ("/api/accounts/token/", "POST"):                          (200, 200, 200, 200, 200, 200),
    ("/api/accounts/me/", "GET"):                              (401, 200, 200, 200, 200, 200),
    ("/api/accounts/me/", "PATCH"):                            (401, 200, 200, 200, 200, 200),
    # The schema and its viewer are public.
    ("/api/schema/", "GET"):                                   (200, 200, 200, 200, 200, 200),
    ("/api/docs/", "GET"):                                     (200, 200, 200, 200, 200, 200),
    # The browsable API's session login (guest A's credentials; a PUT carries no form data).
    ("/api-auth/login/", "GET"):                               (200, 200, 200, 200, 200, 200),
    ("/api-auth/login/", "POST"):                              (302, 302, 302, 302, 302, 302),
    ("/api-auth/login/", "PUT"):                               (200, 200, 200, 200, 200, 200),
    ("/api-auth/logout/", "POST"):                             (200, 200, 200, 200, 200, 200),
    # Probes. Metrics take a session of the outbox's operators (not hoteliers, who are staff).
    ("/healthz", "GET"):                                       (200, 200, 200, 200, 200, 200),
    ("/readyz", "GET"):                                        (200, 200, 200, 200, 200, 200),
    ("/metrics", "GET"):                                       (403, 403, 403, 403, 403, 200),
}

# Hoteliers have the reservations app's permissions only (HOTELIER_PERMISSIONS), scoped to their
# hotels; "x" is hotel X's (or guest A's) object, "y" hotel Y's (or guest B's); "autocomplete"
# is the admin's choices for a foreign key of the model (AUTOCOMPLETE_FIELDS).
# Columns: anonymous, guest A, guest B, hotelier X, hotelier Y, staff.
ADMIN_MATRIX: dict[tuple[str, str], tuple[int | str, ...]] = {
    ("reservations.hotel", "changelist"):                (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.hotel", "change x"):                  (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.hotel", "change y"):                  (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.hotel", "history y"):                 (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.roomtype", "changelist"):             (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.roomtype", "change x"):               (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.roomtype", "change y"):               (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.roomtype", "history y"):              (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.roomnight", "changelist"):            (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.roomnight", "change x"):              (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.roomnight", "change y"):              (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.roomnight", "history y"):             (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    # Who manages which hotel: operators only.
    ("reservations.hoteliermembership", "changelist"):   (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("reservations.hoteliermembership", "change x"):     (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("reservations.hoteliermembership", "change y"):     (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("reservations.reservation", "changelist"):          (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.reservation", "change x"):            (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.reservation", "change y"):            (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.reservation", "history y"):           (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.reservation", "confirm x"):           (LOGIN, LOGIN, LOGIN, DONE, NOOP, DONE),
    ("reservations.reservation", "reject x"):            (LOGIN, LOGIN, LOGIN, DONE, NOOP, DONE),
    ("reservations.cancellation", "changelist"):         (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.cancellation", "change x"):           (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.cancellation", "change y"):           (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.cancellation", "history y"):          (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.cancellation", "autocomplete"):       (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.cancellationpolicy", "changelist"):   (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.cancellationpolicy", "change x"):     (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.cancellationpolicy", "change y"):     (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.cancellationpolicy", "history y"):    (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.cancellationpolicy", "autocomplete"): (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.cancellationpolicy", "edit x"):       (LOGIN, LOGIN, LOGIN, DONE, GONE, DONE),
    # The messages sent to each hotel: read-only, its hoteliers' and operators'.
    ("reservations.hotelnotification", "changelist"):    (LOGIN, LOGIN, LOGIN, 200,  200,  200),
    ("reservations.hotelnotification", "change x"):      (LOGIN, LOGIN, LOGIN, 200,  GONE, 200),
    ("reservations.hotelnotification", "change y"):      (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    ("reservations.hotelnotification", "history y"):     (LOGIN, LOGIN, LOGIN, GONE, 200,  200),
    # Guests' orders, payments and data, the outbox and accounts: operators only.
    ("orders.order", "changelist"):                      (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("orders.order", "change x"):                        (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("orders.order", "change y"):                        (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("orders.bookingrequest", "changelist"):             (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("orders.bookingrequest", "change x"):               (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("orders.bookingrequest", "change y"):               (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("payments.payment", "changelist"):                  (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("payments.payment", "change x"):                    (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("payments.payment", "change y"):                    (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("payments.refund", "changelist"):                   (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("payments.refund", "change x"):                     (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("payments.refund", "change y"):                     (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.guestprofile", "changelist"):             (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.guestprofile", "change x"):               (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.guestprofile", "change y"):               (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.mypageentry", "changelist"):              (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.mypageentry", "change x"):                (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.mypageentry", "change y"):                (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.notification", "changelist"):             (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.notification", "change x"):               (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("customer.notification", "change y"):               (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("eventbus.storedevent", "changelist"):              (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("eventbus.storedevent", "change x"):                (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("eventbus.storedevent", "change y"):                (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("eventbus.delivery", "changelist"):                 (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("eventbus.delivery", "change x"):                   (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("eventbus.delivery", "change y"):                   (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("auth.user", "changelist"):                         (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("auth.user", "change x"):                           (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("auth.user", "change y"):                           (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("auth.group", "changelist"):                        (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("auth.group", "change x"):                          (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("auth.group", "change y"):                          (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("authtoken.tokenproxy", "changelist"):              (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("authtoken.tokenproxy", "change x"):                (LOGIN, LOGIN, LOGIN, 403,  403,  200),
    ("authtoken.tokenproxy", "change y"):                (LOGIN, LOGIN, LOGIN, 403,  403,  200),
}
# fmt: on

#: The foreign key whose admin autocomplete choices the "autocomplete" rows ask for.
AUTOCOMPLETE_FIELDS = {
    "reservations.cancellation": "reservation",
    "reservations.cancellationpolicy": "hotel",
}

#: Floors on the cells asserted: a table that silently shrinks fails.
API_CELLS_FLOOR = 180
ADMIN_CELLS_FLOOR = 350


# --- The world --------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    tokens: dict[str, str]
    hotel_x: Hotel
    hotel_y: Hotel
    room_x: Any
    room_y: Any
    order_a: Order  # guest A's paid booking at X: the object of every URL
    order_b: Order  # guest B's paid booking at Y
    cancelled_a: Order  # guest A's cancelled booking at X
    cancelled_b: Order
    book: Callable[..., Order]  # a fresh paid booking (outbox drained), for actions that succeed
    booking_body: Callable[..., dict]  # a booking body for a stay of its own

    @property
    def reservation_a(self) -> Reservation:
        return Reservation.objects.get(order_id=self.order_a.pk)

    @property
    def reservation_b(self) -> Reservation:
        return Reservation.objects.get(order_id=self.order_b.pk)


def _api_client_for(world_users: dict, tokens: dict, party: str) -> APIClient:
    """Guests call with their API token, hoteliers and staff with a session (as in the admin)."""
    client = APIClient()
    if party in tokens:
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[party]}")
    elif world_users[party] is not None:
        client.force_login(world_users[party])
    return client


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    """Sign-up and token are called by every party here: no rate limit gets in the way."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates),
    }
    settings.NOTIFICATION_BACKEND = "locmem"


@pytest.fixture
def world(room_type, booking) -> World:
    hotel_x = room_type.hotel
    hotel_x.name = "Matrix Hotel X"
    hotel_x.save(update_fields=["name"])
    room_y = RoomTypeFactory(hotel=HotelFactory(name="Matrix Hotel Y"), name="Y Double")
    inventory(room_y, first_night=room_y.hotel.local_today(), nights=40)
    hotel_y = room_y.hotel
    for hotel in (hotel_x, hotel_y):
        CancellationPolicyFactory(hotel=hotel, free_until_days_before=3, fee_percent=30)

    guest_a = UserFactory(username="matrix_alice")
    guest_b = UserFactory(username="matrix_bora")
    guest_ensure_profile(user_id=guest_a.pk, name="Alice Matrixa", phone="010-1111-2222")
    guest_ensure_profile(user_id=guest_b.pk, name="Bora Matrixb", phone="010-3333-4444")
    users = {
        "anonymous": None,
        "guest_a": guest_a,
        "guest_b": guest_b,
        "hotelier_x": HotelierFactory(username="matrix_hotelier_x", hotels=[hotel_x]),
        "hotelier_y": HotelierFactory(username="matrix_hotelier_y", hotels=[hotel_y]),
        "staff": UserFactory(username="matrix_root", is_staff=True, is_superuser=True),
    }
    tokens = {party: guest_token_issue(user=users[party]) for party in GUESTS}
    Group.objects.create(name="matrix-x")
    Group.objects.create(name="matrix-y")

    # Each booking takes two nights of its own, so no stay runs out of rooms.
    days = itertools.count(5, 2)
    keys = itertools.count(1)

    def booking_body(room) -> dict:
        return booking(room=room, days_ahead=next(days))

    def book(party: str = "guest_a", room=room_type, *, cancel: bool = False) -> Order:
        client = _api_client_for(users, tokens, party)
        response = client.post(
            "/api/orders/",
            booking_body(room),
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"matrix-{next(keys)}",
        )
        assert response.status_code == 201, response.data
        drain_outbox()
        if cancel:
            cancelled = client.post(
                f"/api/orders/{response.data['id']}/cancel/", {"reason": "plans"}, format="json"
            )
            assert cancelled.status_code == 200, cancelled.data
            drain_outbox()
        return Order.objects.get(pk=response.data["id"])

    world = World(
        users=users,
        tokens=tokens,
        hotel_x=hotel_x,
        hotel_y=hotel_y,
        room_x=room_type,
        room_y=room_y,
        order_a=book("guest_a", room_type),
        order_b=book("guest_b", room_y),
        cancelled_a=book("guest_a", room_type, cancel=True),
        cancelled_b=book("guest_b", room_y, cancel=True),
        book=book,
        booking_body=booking_body,
    )
    # Every kind of row the matrix reads exists for both guests and both hotels.
    for paid, cancelled, guest in (
        (world.order_a, world.cancelled_a, guest_a),
        (world.order_b, world.cancelled_b, guest_b),
    ):
        assert Reservation.objects.get(order_id=paid.pk).status == "requested"
        assert Payment.objects.get(order_id=paid.pk).status == "approved"
        assert MypageEntry.objects.filter(order_id=paid.pk, guest_id=guest.pk).exists()
        assert Notification.objects.filter(order_id=paid.pk, guest=guest).exists()
        assert Cancellation.objects.filter(reservation__order_id=cancelled.pk).exists()
        assert Refund.objects.filter(payment__order_id=cancelled.pk).exists()
    return world


def fingerprint() -> dict:
    """What a refused request must leave as it was."""
    return {
        "orders": sorted(
            Order.objects.values_list("id", "guest_id", "status", "cancelled_at", "refund_krw")
        ),
        "reservations": sorted(
            Reservation.objects.values_list(
                "id", "status", "decided_at", "decided_by_id", "rejection_reason"
            )
        ),
        "payments": sorted(Payment.objects.values_list("id", "status", "refunded_krw")),
        "refunds": Refund.objects.count(),
        "cancellations": Cancellation.objects.count(),
        "held": sorted(RoomNight.objects.values_list("id", "rooms_total", "rooms_held")),
        "policies": sorted(
            CancellationPolicy.objects.values_list("id", "free_until_days_before", "fee_percent")
        ),
        "profiles": sorted(
            GuestProfile.objects.values_list("user_id", "name", "phone", "language")
        ),
        "users": sorted(User.objects.values_list("id", "email", "is_staff", "is_superuser")),
        "events": StoredEvent.objects.count(),
    }


# --- Enumerating the endpoints -----------------------------------------------------------------


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _methods(callback) -> set[str]:
    """The methods a view answers (HEAD and OPTIONS follow GET and the view's own rules)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return {"GET"}  # function views: the probes (each answers GET)
    return {
        method.upper()
        for method in view_class.http_method_names
        if method not in ("head", "options") and hasattr(view_class, method)
    }


def resolver_endpoints() -> set[tuple[str, str]]:
    """Every (path pattern, method) outside the admin (which ADMIN_MATRIX covers)."""
    return {
        ("/" + path, method)
        for path, callback in _walk(get_resolver().url_patterns)
        if not path.startswith("admin/")
        for method in _methods(callback)
    }


def test_every_endpoint_and_method_has_a_row():
    endpoints = resolver_endpoints()

    assert sorted(endpoints - API_MATRIX.keys()) == [], "endpoints without a row in API_MATRIX"
    assert sorted(API_MATRIX.keys() - endpoints) == [], "rows for endpoints that do not exist"


def test_every_operation_of_the_openapi_schema_has_a_row():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # The schema names parameters its own way ({id} for <int:pk>): compare the shapes only.
    operations = {
        (re.sub(r"\{[^}]*\}", "{}", path), method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    rows = {(re.sub(r"<[^>]*>", "{}", path), method) for path, method in API_MATRIX}

    assert operations, "the schema lists no operation"
    assert sorted(operations - rows) == []


def test_every_admin_model_has_rows():
    models = {model._meta.label_lower for model in admin.site._registry}
    pages = {(model, page) for model in models for page in ("changelist", "change x", "change y")}

    assert sorted(pages - ADMIN_MATRIX.keys()) == [], "admin pages without a row in ADMIN_MATRIX"
    assert {model for model, _ in ADMIN_MATRIX} == models


# --- The API matrix ------------------------------------------------------------------------------

# The first path segment names the world's object whose id fills the URL (guest A's, hotel X's).
URL_OBJECTS: dict[str, Callable[[World, Order], int]] = {
    "hotels": lambda world, order: world.hotel_x.pk,
    "reservations": lambda world, order: Reservation.objects.get(order_id=order.pk).pk,
    "orders": lambda world, order: order.pk,
    "mypage": lambda world, order: order.pk,
    "payments": lambda world, order: Payment.objects.get(order_id=order.pk).pk,
}

# Rows whose successful request changes the object in the URL: a party that may do it acts on a
# fresh booking of guest A at hotel X, so every party meets the object in the same state.
ACTS_ON_THE_OBJECT = {
    ("/api/reservations/<int:pk>/confirm/", "POST"),
    ("/api/reservations/<int:pk>/reject/", "POST"),
    ("/api/orders/<int:order_id>/cancel/", "POST"),
}


def _body(world: World, key: tuple[str, str], party: str) -> dict | None:
    path, _method = key
    if key == ("/api/orders/", "POST"):
        return world.booking_body(world.room_x)
    if path.endswith(("/cancel/", "/reject/")):
        return {"reason": "matrix"}
    if key == ("/api/accounts/signup/", "POST"):
        return {
            "username": f"matrix_signup_{party}",
            "email": f"signup_{party}@example.com",
            "password": "a long enough matrix passphrase",
            "name": "New Guest",
            "phone": "010-5555-6666",
        }
    if key in {("/api/accounts/token/", "POST"), ("/api-auth/login/", "POST")}:
        return {"username": world.users["guest_a"].username, "password": PASSWORD}
    if key == ("/api/accounts/me/", "PATCH"):
        return {"language": "en"}
    if key in {("/api/hotels/<int:pk>/availability/", "GET"), ("/api/stays/", "GET")}:
        check_in = world.hotel_x.local_today() + timedelta(days=3)
        return {
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=2)).isoformat(),
            "guests": 2,
        }
    return None


def _url(world: World, path: str, order: Order) -> str:
    if "<" not in path:
        return path
    segment = path.strip("/").split("/")[1]
    object_id = URL_OBJECTS[segment](world, order)
    head, _, rest = path.partition("<")
    return head + str(object_id) + rest.partition(">")[2]


def _effect(world: World, key: tuple[str, str], party: str, response, order: Order) -> str:
    """Why a successful state-changing request did not do what it says ("" when it did)."""
    path, _method = key
    user = world.users[party]
    if path.endswith("/confirm/"):
        status = Reservation.objects.get(order_id=order.pk).status
        return "" if status == "confirmed" else f"reservation {status}"
    if path.endswith("/reject/"):
        status = Reservation.objects.get(order_id=order.pk).status
        return "" if status == "rejected" else f"reservation {status}"
    if path.endswith("/cancel/"):
        order.refresh_from_db()
        return "" if order.cancelled_at else f"order {order.status}"
    if key == ("/api/orders/", "POST"):
        placed = Order.objects.filter(pk=response.data["id"], guest=user, status="paid")
        return "" if placed.exists() else "no paid order of the caller"
    if key == ("/api/accounts/signup/", "POST"):
        created = User.objects.filter(username=f"matrix_signup_{party}").exists()
        return "" if created else "no account"
    if key == ("/api/accounts/token/", "POST"):
        token = Token.objects.get(user=world.users["guest_a"]).key
        return "" if response.data["token"] == token else "not guest A's token"
    if key == ("/api/accounts/me/", "PATCH"):
        language = GuestProfile.objects.get(user=user).language
        return "" if language == "en" else f"language {language}"
    return ""


# List endpoints: the order ids a row refers to, and whose rows the list shows ("guest": the
# caller's orders; "hotel": the reservations of the hotels the caller manages, all for staff).
LISTS: dict[str, tuple[str, Callable[[dict], int], Callable[[], set[int]]]] = {
    "/api/orders/": ("guest", lambda row: row["id"], lambda: _ids(Order, "id")),
    "/api/payments/": ("guest", lambda row: row["order_id"], lambda: _ids(Payment, "order_id")),
    "/api/mypage/": ("guest", lambda row: row["order_id"], lambda: _ids(MypageEntry, "order_id")),
    "/api/notifications/": (
        "guest",
        lambda row: row["order_id"],
        lambda: _ids(Notification, "order_id"),
    ),
    "/api/reservations/": (
        "hotel",
        lambda row: row["order_id"],
        lambda: _ids(Reservation, "order_id"),
    ),
    "/api/cancellations/": (
        "hotel",
        lambda row: row["order_id"],
        lambda: _ids(Cancellation, "reservation__order_id"),
    ),
}


def _ids(model, field_name: str) -> set[int]:
    return set(model.objects.values_list(field_name, flat=True))


def _party_order_ids(world: World, scope: str, party: str) -> set[int]:
    user = world.users[party]
    if scope == "guest":
        return set(Order.objects.filter(guest=user).values_list("id", flat=True))
    reservations = Reservation.objects.all()
    if not user.is_superuser:
        hotels = HotelierMembership.objects.filter(user=user).values("hotel_id")
        reservations = reservations.filter(hotel_id__in=hotels)
    return set(reservations.values_list("order_id", flat=True))


def _foreign_strings(allowed_order_ids: set[int]) -> set[str]:
    """Order references, and names of guests with no allowed order, that must not be shown."""
    references = set(
        Order.objects.exclude(pk__in=allowed_order_ids).values_list("reference", flat=True)
    )
    names = set(
        Reservation.objects.exclude(order_id__in=allowed_order_ids).values_list(
            "guest_name", flat=True
        )
    ) - set(
        Reservation.objects.filter(order_id__in=allowed_order_ids).values_list(
            "guest_name", flat=True
        )
    )
    return references | (names - {""})


def _check_list(world: World, path: str, party: str, response) -> list[str]:
    scope, order_of, rows_exist_for = LISTS[path]
    data = response.json()
    if data["next"] is not None:
        return [f"{path} {party}: more than one page, the check would be partial"]
    shown = {order_of(row) for row in data["results"]}
    allowed = _party_order_ids(world, scope, party)
    problems = []
    if shown != allowed & rows_exist_for():
        problems.append(
            f"{path} {party}: shows orders {shown}, expected {allowed & rows_exist_for()}"
        )
    body = response.content.decode()
    leaked = sorted(text for text in _foreign_strings(allowed) if text in body)
    if leaked:
        problems.append(f"{path} {party}: shows another party's {leaked}")
    return problems


def _check_error_shape(path: str, status: int, response) -> list[str]:
    if not path.startswith("/api/") or status < 400:
        return []
    problems = []
    if set(response.json()) != {"code", "message", "details"}:
        problems.append(f"{path}: error body {response.content[:200]!r}")
    if status == 401 and response.headers.get("WWW-Authenticate") != "Token":
        problems.append(f"{path}: 401 without WWW-Authenticate: Token")
    return problems


def _api_call(world: World, key: tuple[str, str], party: str, order: Order):
    path, method = key
    client = _api_client_for(world.users, world.tokens, party)
    url = _url(world, path, order)
    body = _body(world, key, party)
    if method == "GET":
        return client.get(url, body)
    if path.startswith("/api-auth/"):  # a browser's form post
        return getattr(client, method.lower())(url, body)
    return getattr(client, method.lower())(url, body, format="json")


def test_the_api_matrix(world, capsys):
    problems: list[str] = []
    cells = 0
    # Reads first, on the world as built; then the writes (which add rows of their own).
    rows = sorted(API_MATRIX.items(), key=lambda row: row[0][1] != "GET")
    for key, expected in rows:
        path, method = key
        for party, want in zip(PARTIES, expected, strict=True):
            succeeds = want < 400
            order = world.order_a
            if key in ACTS_ON_THE_OBJECT and succeeds:
                order = world.book("guest_a", world.room_x)
            before = fingerprint() if method != "GET" and not succeeds else None

            response = _api_call(world, key, party, order)

            cells += 1
            where = f"{method} {path} as {party}"
            if before is not None and fingerprint() != before:
                problems.append(f"{where}: refused, yet the database changed")
            if response.status_code != want:
                problems.append(f"{where}: {response.status_code}, expected {want}")
                continue
            problems += [f"{where}: {p}" for p in _check_error_shape(path, want, response)]
            if (
                method != "GET"
                and succeeds
                and (why := _effect(world, key, party, response, order))
            ):
                problems.append(f"{where}: answered {want} but {why}")
            if method == "GET" and want == 200 and path in LISTS:
                problems += _check_list(world, path, party, response)
            if method == "GET" and want == 200 and "<int:" in path and path.startswith("/api/"):
                problems += _check_detail(world, path, party, response)
            if want == 404:
                reference = world.order_a.reference
                if reference in response.content.decode():
                    problems.append(f"{where}: the 404 names guest A's order {reference}")

    with capsys.disabled():
        print(f"\nauthorization matrix: {cells} API cells ({len(API_MATRIX)} endpoint-methods)")
    assert not problems, "\n".join(problems)
    assert cells >= API_CELLS_FLOOR


def _check_detail(world: World, path: str, party: str, response) -> list[str]:
    """A detail that is answered is the object asked for: hotel X or guest A's order."""
    data = response.json()
    if path.startswith("/api/hotels/"):
        shown = data.get("id", data.get("hotel_id"))
        return [] if shown == world.hotel_x.pk else [f"{path} {party}: hotel {shown}"]
    # An order is its "id"; a payment, mypage entry, quote or reservation names its "order_id".
    shown = data["id"] if path == "/api/orders/<int:order_id>/" else data.get("order_id")
    return [] if shown == world.order_a.pk else [f"{path} {party}: order {shown}"]


# --- The admin matrix ----------------------------------------------------------------------------


def _admin_objects(world: World) -> dict[str, tuple[Any, Any]]:
    """For each admin model: its object of hotel X (or guest A) and of hotel Y (or guest B)."""
    guest_a, guest_b = world.users["guest_a"], world.users["guest_b"]
    a, b = world.order_a, world.order_b

    def event(order: Order) -> StoredEvent:
        return StoredEvent.objects.filter(correlation_id=str(order.pk)).order_by("id").first()

    def night(room) -> RoomNight:
        return RoomNight.objects.filter(room_type=room).order_by("night").first()

    return {
        "reservations.hotel": (world.hotel_x, world.hotel_y),
        "reservations.roomtype": (world.room_x, world.room_y),
        "reservations.roomnight": (night(world.room_x), night(world.room_y)),
        "reservations.hoteliermembership": (
            HotelierMembership.objects.get(hotel=world.hotel_x),
            HotelierMembership.objects.get(hotel=world.hotel_y),
        ),
        "reservations.reservation": (world.reservation_a, world.reservation_b),
        "reservations.cancellation": (
            Cancellation.objects.get(reservation__order_id=world.cancelled_a.pk),
            Cancellation.objects.get(reservation__order_id=world.cancelled_b.pk),
        ),
        "reservations.cancellationpolicy": (
            CancellationPolicy.objects.get(hotel=world.hotel_x),
            CancellationPolicy.objects.get(hotel=world.hotel_y),
        ),
        "reservations.hotelnotification": (
            HotelNotification.objects.filter(hotel=world.hotel_x).first(),
            HotelNotification.objects.filter(hotel=world.hotel_y).first(),
        ),
        "orders.order": (a, b),
        "orders.bookingrequest": (
            BookingRequest.objects.get(order=a),
            BookingRequest.objects.get(order=b),
        ),
        "payments.payment": (
            Payment.objects.get(order_id=a.pk),
            Payment.objects.get(order_id=b.pk),
        ),
        "payments.refund": (
            Refund.objects.get(payment__order_id=world.cancelled_a.pk),
            Refund.objects.get(payment__order_id=world.cancelled_b.pk),
        ),
        "customer.guestprofile": (guest_a.guest_profile, guest_b.guest_profile),
        "customer.mypageentry": (
            MypageEntry.objects.get(order_id=a.pk),
            MypageEntry.objects.get(order_id=b.pk),
        ),
        "customer.notification": (
            Notification.objects.filter(order_id=a.pk).first(),
            Notification.objects.filter(order_id=b.pk).first(),
        ),
        "eventbus.storedevent": (event(a), event(b)),
        "eventbus.delivery": (
            Delivery.objects.filter(event=event(a)).first(),
            Delivery.objects.filter(event=event(b)).first(),
        ),
        "auth.user": (guest_a, guest_b),
        "auth.group": (Group.objects.get(name="matrix-x"), Group.objects.get(name="matrix-y")),
        "authtoken.tokenproxy": (guest_a, guest_b),  # its admin's ids are the users'
    }


# How an object of a hotel-scoped admin model leads to its hotel.
HOTEL_OF = {
    "reservations.hotel": lambda obj: obj.pk,
    "reservations.roomtype": lambda obj: obj.hotel_id,
    "reservations.roomnight": lambda obj: obj.room_type.hotel_id,
    "reservations.reservation": lambda obj: obj.hotel_id,
    "reservations.cancellation": lambda obj: obj.reservation.hotel_id,
    "reservations.cancellationpolicy": lambda obj: obj.hotel_id,
    "reservations.hotelnotification": lambda obj: obj.hotel_id,
}


def _admin_client(world: World, party: str) -> Client:
    client = Client()
    if world.users[party] is not None:
        client.force_login(world.users[party])
    return client


def _admin_url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _outcome(response, *, acted: bool) -> int | str:
    """The response as the table writes it."""
    if response.status_code != 302:
        return response.status_code
    location = response.headers["Location"]
    if location.startswith(reverse("admin:login")):
        return LOGIN
    if location == reverse("admin:index"):
        return GONE
    return DONE if acted else NOOP


def _admin_request(world: World, label: str, page: str, party: str, objects: dict):
    """Send the page's request; returns the response and the object an action or edit is on."""
    client = _admin_client(world, party)
    x, y = objects[label]
    if page == "changelist":
        return client.get(_admin_url(label, "changelist")), None
    if page in ("change x", "change y", "history y"):
        obj = x if page == "change x" else y
        return client.get(_admin_url(label, page.split()[0], obj.pk)), None
    if page == "autocomplete":
        app_label, model_name = label.split(".")
        params = {"app_label": app_label, "model_name": model_name, "term": ""}
        params["field_name"] = AUTOCOMPLETE_FIELDS[label]
        return client.get(reverse("admin:autocomplete"), params), None
    if page in ("confirm x", "reject x"):
        data = {"action": "confirm_reservations", "index": 0}  # the changelist's action form
        if page == "reject x":  # the reason page's form, posted back with "apply"
            data = {"action": "reject_reservations", "reason": "matrix", "apply": "Reject"}
        return client.post(
            _admin_url(label, "changelist"), {**data, ACTION_CHECKBOX_NAME: [x.pk]}
        ), x
    if page == "edit x":
        data = {"hotel": x.hotel_id, "room_type": "", "free_until_days_before": 9}
        data["fee_percent"] = _edited_fee(party)
        return client.post(_admin_url(label, "change", x.pk), data), x
    raise AssertionError(f"no request for the admin page {page!r}")


def _edited_fee(party: str) -> int:
    """Each party's edit of the policy sets a fee of its own, so each edit is seen to land."""
    return 10 + PARTIES.index(party)


def _admin_effect(page: str, party: str, obj) -> bool:
    """Whether the action or edit on ``obj`` took effect."""
    if page == "confirm x":
        return Reservation.objects.get(pk=obj.pk).status == "confirmed"
    if page == "reject x":
        return Reservation.objects.get(pk=obj.pk).status == "rejected"
    if page == "edit x":
        return CancellationPolicy.objects.get(pk=obj.pk).fee_percent == _edited_fee(party)
    return False


def _check_changelist(world, label: str, party: str, response, objects: dict) -> list[str]:
    shown = list(response.context["cl"].result_list)
    x, y = objects[label]
    user = world.users[party]
    problems = []
    if user.is_superuser:
        missing = [obj for obj in (x, y) if obj.pk not in {row.pk for row in shown}]
        if missing:
            problems.append(f"{label} changelist as {party}: does not list {missing}")
        return problems
    if label not in HOTEL_OF:
        return [f"{label} changelist as {party}: shown to a hotelier, with no hotel to scope it"]
    hotels = set(HotelierMembership.objects.filter(user=user).values_list("hotel_id", flat=True))
    outside = [row for row in shown if HOTEL_OF[label](row) not in hotels]
    if outside:
        problems.append(f"{label} changelist as {party}: lists another hotel's {outside}")
    own = x if world.hotel_x.pk in hotels else y
    if own.pk not in {row.pk for row in shown}:
        problems.append(f"{label} changelist as {party}: does not list its own {own}")
    body = response.content.decode()
    foreign = set(Hotel.objects.exclude(pk__in=hotels).values_list("name", flat=True))
    foreign |= set(
        Reservation.objects.exclude(hotel_id__in=hotels).values_list("guest_name", flat=True)
    ) - set(Reservation.objects.filter(hotel_id__in=hotels).values_list("guest_name", flat=True))
    leaked = sorted(text for text in foreign if text and text in body)
    if leaked:
        problems.append(f"{label} changelist as {party}: shows {leaked}")
    return problems


def _check_autocomplete(world: World, label: str, page: str, party: str, response) -> list[str]:
    """The choices offered are exactly the hotels (or their reservations) the party manages."""
    user = world.users[party]
    hotels = Hotel.objects.all()
    if not user.is_superuser:
        hotels = hotels.filter(
            pk__in=HotelierMembership.objects.filter(user=user).values("hotel_id")
        )
    model = apps.get_model(label)._meta.get_field(AUTOCOMPLETE_FIELDS[label]).related_model
    choices = (
        model.objects.filter(pk__in=hotels)
        if model is Hotel
        else model.objects.filter(hotel__in=hotels)
    )
    shown = {int(result["id"]) for result in response.json()["results"]}
    expected = set(choices.values_list("pk", flat=True))
    if shown != expected:
        return [f"admin {label} {page} as {party}: offers {shown}, expected {expected}"]
    return []


def test_the_admin_matrix(world, capsys):
    problems: list[str] = []
    cells = 0
    world_objects = _admin_objects(world)
    for (label, page), expected in ADMIN_MATRIX.items():
        for party, want in zip(PARTIES, expected, strict=True):
            objects = world_objects
            if want == DONE and label == "reservations.reservation":
                # Each party that may confirm or reject does it on a fresh request of A at X.
                fresh = Reservation.objects.get(order_id=world.book("guest_a", world.room_x).pk)
                objects = {**world_objects, label: (fresh, world_objects[label][1])}
            writes = page in ("confirm x", "reject x", "edit x")
            before = fingerprint() if writes and want != DONE else None

            response, acted_on = _admin_request(world, label, page, party, objects)

            cells += 1
            where = f"admin {label} {page} as {party}"
            got = _outcome(response, acted=writes and _admin_effect(page, party, acted_on))
            if before is not None and fingerprint() != before:
                problems.append(f"{where}: refused, yet the database changed")
            if got != want:
                problems.append(f"{where}: {got}, expected {want}")
                continue
            if page == "changelist" and want == 200:
                problems += _check_changelist(world, label, party, response, objects)
            if page == "autocomplete" and want == 200:
                problems += _check_autocomplete(world, label, page, party, response)

    with capsys.disabled():
        print(f"\nauthorization matrix: {cells} admin cells ({len(ADMIN_MATRIX)} admin pages)")
    assert not problems, "\n".join(problems)
    assert cells >= ADMIN_CELLS_FLOOR


def test_the_matrix_parties_are_who_they_claim(world):
    """The table's columns mean what they say: A's objects are A's, X's hotelier is X's only."""
    assert world.order_a.guest == world.users["guest_a"]
    assert world.order_a.hotel_id == world.hotel_x.pk
    assert world.order_b.hotel_id == world.hotel_y.pk
    assert list(
        HotelierMembership.objects.filter(user=world.users["hotelier_x"]).values_list(
            "hotel_id", flat=True
        )
    ) == [world.hotel_x.pk]
    assert world.users["hotelier_x"].is_staff
    assert not world.users["hotelier_x"].is_superuser
    assert not world.users["guest_a"].is_staff
