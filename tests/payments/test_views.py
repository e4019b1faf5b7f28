"""The guest's payment history: ``PaymentListView`` (/api/payments/) and ``PaymentDetailView``
(/api/payments/{id}/)."""

import datetime

import pytest
from rest_framework.test import APIClient

from apps.payments.models import Payment
from tests.payments.factories import PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db


def test_a_guest_lists_only_their_own_payments_newest_first(guest_client, guest):
    older = PaymentFactory(guest=guest, order_id=1)
    newer = PaymentFactory(guest=guest, order_id=2, method="transfer", masked_card_number="")
    PaymentFactory(order_id=3)  # another guest's

    response = guest_client.get("/api/payments/")

    assert response.status_code == 200
    assert response.data["count"] == 2
    assert [p["id"] for p in response.data["results"]] == [newer.pk, older.pk]
    listed = dict(response.data["results"][1])
    assert datetime.datetime.fromisoformat(listed.pop("approved_at")) == older.approved_at
    assert datetime.datetime.fromisoformat(listed.pop("created_at")) == older.created_at
    assert listed == {
        "id": older.pk,
        "order_id": 1,
        "status": "approved",
        "method": "card",
        "masked_card_number": "4330-****-****-1234",
        "amount_krw": 120_000,
        "refunded_krw": 0,
        "decline_reason": "",
        "refunds": [],
    }
    assert "payment_key" not in response.data["results"][0]


def test_the_list_filters_by_status(guest_client, guest):
    PaymentFactory(guest=guest, order_id=1)
    refunded = PaymentFactory(
        guest=guest, order_id=2, status=Payment.Status.REFUNDED, refunded_krw=120_000
    )

    response = guest_client.get("/api/payments/", {"status": "refunded"})

    assert response.status_code == 200
    assert [p["id"] for p in response.data["results"]] == [refunded.pk]


def test_an_unknown_status_filter_is_a_400_naming_the_field(guest_client):
    response = guest_client.get("/api/payments/", {"status": "stolen"})

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert list(response.data["details"]) == ["status"]


def test_the_list_is_paginated(guest_client, guest):
    for n in range(25):
        PaymentFactory(guest=guest, order_id=100 + n)

    first = guest_client.get("/api/payments/")
    second = guest_client.get("/api/payments/", {"page": 2})

    assert (first.data["count"], len(first.data["results"])) == (25, 20)
    assert len(second.data["results"]) == 5
    assert first.data["next"].endswith("/api/payments/?page=2")


def test_a_guest_sees_their_payment_with_its_refunds(guest_client, guest):
    refund = RefundFactory(
        payment=PaymentFactory(
            guest=guest, order_id=5, status=Payment.Status.REFUNDED, refunded_krw=20_000
        ),
        amount_krw=20_000,
        refunded_total_krw=20_000,
        reason="fee kept",
    )

    response = guest_client.get(f"/api/payments/{refund.payment_id}/")

    assert response.status_code == 200
    assert (response.data["id"], response.data["status"], response.data["refunded_krw"]) == (
        refund.payment_id,
        "refunded",
        20_000,
    )
    assert [(r["id"], r["amount_krw"], r["reason"]) for r in response.data["refunds"]] == [
        (refund.pk, 20_000, "fee kept")
    ]


def test_another_guests_payment_is_a_404(guest_client):
    theirs = PaymentFactory(order_id=7)

    response = guest_client.get(f"/api/payments/{theirs.pk}/")

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/payments/", "/api/payments/1/"])
def test_anonymous_users_are_refused(path):
    PaymentFactory(order_id=1)

    response = APIClient().get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.data["code"] == "not_authenticated"
