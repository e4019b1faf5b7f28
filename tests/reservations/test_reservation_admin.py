"""Hoteliers in Django admin: their hotels' requests, confirm and reject actions, history,
cancellations and the cancellation policy, through the same services as the API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client

from apps.reservations import services
from apps.reservations.management.commands.load_demo_data import HOTELIER_PERMISSIONS
from apps.reservations.models import CancellationPolicy, Reservation
from tests.reservations.factories import (
    CancellationPolicyFactory,
    held_by_night,
    requested_reservation,
)
from tests.reservations.helpers import history, reservation_event_types
from tests.user_factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/reservations/reservation/"


@pytest.fixture
def in_a(room_type_a):
    return requested_reservation(room_type_a, order_id=5001, guest_name="Kim Minji")


@pytest.fixture
def in_b(room_type_b):
    return requested_reservation(room_type_b, order_id=5002, guest_name="Park Seojun")


@pytest.fixture
def client_a(hotelier_a) -> Client:
    """Hotel A's hotelier, whose browser asks for no language: the admin speaks Korean."""
    client = Client()
    client.force_login(hotelier_a)
    return client


@pytest.fixture
def client_a_en(hotelier_a) -> Client:
    """The same hotelier with a browser set to English."""
    client = Client(headers={"accept-language": "en"})
    client.force_login(hotelier_a)
    return client


def listed(response) -> list[int]:
    assert response.status_code == 200
    return sorted(obj.pk for obj in response.context["cl"].result_list)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(client: Client, action: str, pks: list[int], **extra) -> object:
    return client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: pks, "index": 0, **extra}
    )


def reject_apply(client: Client, pks: list[int], reason: str) -> object:
    """The intermediate page's form: posted back without ``index``, with ``apply``."""
    return client.post(
        CHANGELIST,
        {
            "action": "reject_reservations",
            ACTION_CHECKBOX_NAME: pks,
            "reason": reason,
            "apply": "Reject",
        },
    )


# --- Seeing ------------------------------------------------------------------------------------


def test_a_hotelier_lists_only_their_hotels_requests(client_a, in_a, in_b):
    response = client_a.get(CHANGELIST)

    assert listed(response) == [in_a.pk]
    assert b"Park Seojun" not in response.content
    assert b"Hotel B" not in response.content  # nor in the hotel filter


def test_a_superuser_lists_every_hotels_requests(in_a, in_b):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    assert listed(client.get(CHANGELIST)) == sorted([in_a.pk, in_b.pk])


def test_the_list_filters_by_hotel_status_and_stay_dates_and_searches(
    client_a, hotelier_a, room_type_a, in_a
):
    today = room_type_a.hotel.local_today()
    soon = requested_reservation(room_type_a, check_in=today, order_id=5003, guest_name="Lee")
    services.reservation_confirm(reservation_id=soon.pk, by=hotelier_a)

    assert listed(client_a.get(CHANGELIST, {"status__exact": "requested"})) == [in_a.pk]
    assert listed(client_a.get(CHANGELIST, {"hotel": room_type_a.hotel_id})) == sorted(
        [in_a.pk, soon.pk]
    )
    checking_in_today = {
        "check_in__gte": today.isoformat(),
        "check_in__lt": (today + timedelta(days=1)).isoformat(),
    }
    assert listed(client_a.get(CHANGELIST, checking_in_today)) == [soon.pk]
    assert listed(client_a.get(CHANGELIST, {"q": "minji"})) == [in_a.pk]
    assert listed(client_a.get(CHANGELIST, {"q": "5003"})) == [soon.pk]
    assert listed(client_a.get(CHANGELIST, {"q": "5002"})) == []  # hotel B's order


def test_the_change_page_is_read_only_with_the_history(client_a, hotelier_a, in_a):
    services.reservation_confirm(reservation_id=in_a.pk, by=hotelier_a)

    response = client_a.get(f"{CHANGELIST}{in_a.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert b'name="_save"' not in response.content
    inline = response.context["inline_admin_formsets"][0]
    assert [form.original.to_status for form in inline] == ["requested", "confirmed"]
    assert b"Order ORD-5001 paid." in response.content


def test_another_hotels_request_cannot_be_opened(client_a, in_b):
    assert client_a.get(f"{CHANGELIST}{in_b.pk}/change/").status_code == 302


def test_reservations_are_never_added_or_deleted_in_admin(client_a, in_a):
    assert client_a.get(f"{CHANGELIST}add/").status_code == 403
    assert client_a.get(f"{CHANGELIST}{in_a.pk}/delete/").status_code == 403
    choices = client_a.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert [name for name, _ in choices] == ["", "confirm_reservations", "reject_reservations"]

    run_action(client_a, "delete_selected", [in_a.pk])

    assert Reservation.objects.filter(pk=in_a.pk).exists()


# --- Confirm -----------------------------------------------------------------------------------


def test_a_hotelier_confirms_one_request(client_a, hotelier_a, in_a):
    response = run_action(client_a, "confirm_reservations", [in_a.pk])

    assert response.status_code == 302
    reservation = Reservation.objects.get(pk=in_a.pk)
    assert (reservation.status, reservation.decided_by) == ("confirmed", hotelier_a)
    assert messages_of(response) == [("success", "예약 1건을 확정했습니다.")]
    assert reservation_event_types().count("reservations.ReservationConfirmed") == 1


def test_bulk_confirm_confirms_the_requests_and_reports_the_refusals(
    client_a_en, hotelier_a, room_type_a, in_a
):
    second = requested_reservation(room_type_a, order_id=5004)
    done = requested_reservation(room_type_a, order_id=5005)
    services.reservation_reject(reservation_id=done.pk, by=hotelier_a, reason="Full")

    response = run_action(client_a_en, "confirm_reservations", [in_a.pk, second.pk, done.pk])

    assert response.status_code == 302
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {in_a.pk: "confirmed", second.pk: "confirmed", done.pk: "rejected"}
    assert messages_of(response) == [
        (
            "error",
            f"Reservation {done.pk} (order 5005): Reservation {done.pk} is rejected; "
            "it cannot become confirmed.",
        ),
        ("success", "2 reservations confirmed."),
    ]


def test_confirming_a_cancelled_request_shows_an_error_not_a_500(client_a_en, in_a):
    services.reservation_cancel_for_order(
        order_id=5001, reason="", cancelled_at=datetime(2030, 1, 1, tzinfo=UTC)
    )

    response = run_action(client_a_en, "confirm_reservations", [in_a.pk])

    assert response.status_code == 302
    assert messages_of(response) == [
        (
            "error",
            f"Reservation {in_a.pk} (order 5001): Reservation {in_a.pk} is cancelled; "
            "it cannot become confirmed.",
        )
    ]
    assert Reservation.objects.get(pk=in_a.pk).status == "cancelled"


def test_a_hotelier_cannot_act_on_another_hotels_request(client_a, in_b, room_type_b):
    run_action(client_a, "confirm_reservations", [in_b.pk])
    reject_apply(client_a, [in_b.pk], "Full")

    assert Reservation.objects.get(pk=in_b.pk).status == "requested"
    assert reservation_event_types() == ["reservations.ReservationRequested"]
    assert set(held_by_night(room_type_b).values()) == {0, 1}


def test_a_hotelier_without_the_change_permission_has_no_actions(hotelier_a, in_a):
    hotelier_a.user_permissions.remove(Permission.objects.get(codename="change_reservation"))
    client = Client()
    client.force_login(hotelier_a)

    response = run_action(client, "confirm_reservations", [in_a.pk])

    assert response.status_code == 200  # the changelist again: no such action for them
    assert Reservation.objects.get(pk=in_a.pk).status == "requested"


# --- Reject ------------------------------------------------------------------------------------


def test_reject_first_asks_for_the_reason(client_a, in_a, room_type_a):
    second = requested_reservation(room_type_a, order_id=5006)

    response = run_action(client_a, "reject_reservations", [in_a.pk, second.pk])

    assert response.status_code == 200
    assert response.templates[0].name == "admin/reservations/reservation/reject_reservations.html"
    assert [reservation.pk for reservation in response.context["reservations"]] == [
        in_a.pk,
        second.pk,
    ]
    assert b'name="reason"' in response.content
    assert "예약 요청 2건을 거절할까요?" in response.content.decode()
    assert set(Reservation.objects.values_list("status", flat=True)) == {"requested"}


def test_rejecting_with_a_reason_releases_the_rooms(client_a_en, hotelier_a, in_a, room_type_a):
    second = requested_reservation(room_type_a, order_id=5007, check_in=in_a.check_in)

    response = reject_apply(client_a_en, [in_a.pk, second.pk], "Closed for repairs")

    assert response.status_code == 302
    assert messages_of(response) == [("success", "2 reservations rejected.")]
    for reservation in Reservation.objects.all():
        assert (reservation.status, reservation.rejection_reason) == (
            "rejected",
            "Closed for repairs",
        )
        assert history(reservation)[-1] == ("requested", "rejected", "hotel", "Closed for repairs")
    assert set(held_by_night(room_type_a).values()) == {0}
    assert reservation_event_types().count("reservations.ReservationRejected") == 2


def test_rejecting_without_a_reason_shows_the_form_again(client_a, in_a):
    response = reject_apply(client_a, [in_a.pk], "")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    assert Reservation.objects.get(pk=in_a.pk).status == "requested"


def test_rejecting_a_confirmed_request_shows_an_error(client_a_en, hotelier_a, in_a):
    services.reservation_confirm(reservation_id=in_a.pk, by=hotelier_a)

    response = reject_apply(client_a_en, [in_a.pk], "Too late")

    assert response.status_code == 302
    assert messages_of(response) == [
        (
            "error",
            f"Reservation {in_a.pk} (order 5001): Reservation {in_a.pk} is confirmed; "
            "it cannot become rejected.",
        )
    ]
    assert Reservation.objects.get(pk=in_a.pk).status == "confirmed"


# --- Cancellations -----------------------------------------------------------------------------


def test_cancellations_are_listed_for_the_own_hotels_and_read_only(client_a, in_a, in_b):
    for order_id in (5001, 5002):
        services.reservation_cancel_for_order(
            order_id=order_id, reason="Plans changed", cancelled_at=datetime(2030, 1, 1, tzinfo=UTC)
        )
    own = Reservation.objects.get(pk=in_a.pk).cancellation
    other = Reservation.objects.get(pk=in_b.pk).cancellation

    response = client_a.get("/admin/reservations/cancellation/")

    assert listed(response) == [own.pk]
    assert listed(client_a.get("/admin/reservations/cancellation/", {"q": "5001"})) == [own.pk]
    detail = client_a.get(f"/admin/reservations/cancellation/{own.pk}/change/")
    assert (detail.status_code, detail.context["has_change_permission"]) == (200, False)
    assert client_a.get(f"/admin/reservations/cancellation/{other.pk}/change/").status_code == 302
    assert client_a.get("/admin/reservations/cancellation/add/").status_code == 403
    assert client_a.get(f"/admin/reservations/cancellation/{own.pk}/delete/").status_code == 403


# --- Cancellation policy -----------------------------------------------------------------------

POLICIES = "/admin/reservations/cancellationpolicy/"


def test_a_hotelier_sets_their_hotels_policy(client_a, room_type_a):
    response = client_a.post(
        f"{POLICIES}add/",
        {
            "hotel": room_type_a.hotel_id,
            "room_type": "",
            "free_until_days_before": 5,
            "fee_percent": 20,
        },
    )

    assert response.status_code == 302
    policy = CancellationPolicy.objects.get()
    assert (policy.hotel_id, policy.room_type_id, policy.free_until_days_before) == (
        room_type_a.hotel_id,
        None,
        5,
    )
    assert policy.fee_percent == 20


def test_a_hotelier_cannot_set_another_hotels_policy(client_a, room_type_a, room_type_b):
    response = client_a.post(
        f"{POLICIES}add/",
        {
            "hotel": room_type_b.hotel_id,
            "room_type": room_type_b.pk,
            "free_until_days_before": 5,
            "fee_percent": 20,
        },
    )

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"hotel", "room_type"}
    assert CancellationPolicy.objects.count() == 0


def test_a_second_hotel_wide_policy_is_a_form_error(client_a, room_type_a):
    CancellationPolicyFactory(hotel=room_type_a.hotel)

    response = client_a.post(
        f"{POLICIES}add/",
        {"hotel": room_type_a.hotel_id, "free_until_days_before": 1, "fee_percent": 10},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "이 호텔에는 이미 호텔 전체 취소 규정이 있습니다."
    ]
    assert CancellationPolicy.objects.count() == 1


def test_policies_are_listed_and_edited_for_the_own_hotels_only(client_a, room_type_a, room_type_b):
    own = CancellationPolicyFactory(hotel=room_type_a.hotel)
    other = CancellationPolicyFactory(hotel=room_type_b.hotel)

    assert listed(client_a.get(POLICIES)) == [own.pk]
    assert client_a.get(f"{POLICIES}{own.pk}/change/").status_code == 200
    assert client_a.get(f"{POLICIES}{other.pk}/change/").status_code == 302


# --- The demo hotelier -------------------------------------------------------------------------


def test_every_hotelier_permission_exists():
    found = set(
        Permission.objects.filter(
            content_type__app_label="reservations", codename__in=HOTELIER_PERMISSIONS
        ).values_list("codename", flat=True)
    )

    assert found == set(HOTELIER_PERMISSIONS)


def test_the_demo_hotelier_works_the_requests_of_their_hotel():
    call_command("load_demo_data")
    client = Client()
    assert client.login(username="hotelier", password="hotelier-pass-1234")

    assert client.get(CHANGELIST).status_code == 200
    assert client.get("/admin/reservations/cancellation/").status_code == 200
    assert client.get(POLICIES).status_code == 200
    assert client.get(f"{POLICIES}add/").status_code == 200
