import pytest

from apps.payments.models import IllegalPaymentTransition, Payment


def payment(status: str, *, amount_krw: int = 100, refunded_krw: int = 0) -> Payment:
    return Payment(status=status, amount_krw=amount_krw, refunded_krw=refunded_krw)


@pytest.mark.parametrize(
    ("start", "target"),
    [("approved", "refunded"), ("refunded", "refunded")],
)
def test_allowed_transitions(start, target):
    p = payment(start)

    p.transition_to(target)

    assert p.status == target


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("declined", "approved"),
        ("declined", "refunded"),
        ("refunded", "approved"),
        ("approved", "declined"),
        ("approved", "approved"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(start, target):
    p = payment(start)

    with pytest.raises(IllegalPaymentTransition) as refused:
        p.transition_to(target)

    assert (refused.value.code, refused.value.http_status) == ("illegal_payment_transition", 409)
    assert refused.value.details == {"from": start, "to": target}
    assert p.status == start


def test_apply_refund_moves_money_and_status_together():
    p = payment("approved", amount_krw=100)

    p.apply_refund(amount_krw=40)
    assert (p.status, p.refunded_krw, p.refundable_krw, p.fully_refunded) == (
        "refunded",
        40,
        60,
        False,
    )
    p.apply_refund(amount_krw=60)
    assert (p.status, p.refunded_krw, p.refundable_krw, p.fully_refunded) == (
        "refunded",
        100,
        0,
        True,
    )


@pytest.mark.parametrize("amount", [0, -5, 61])
def test_apply_refund_refuses_amounts_outside_what_is_left(amount):
    p = payment("refunded", amount_krw=100, refunded_krw=40)

    with pytest.raises(Exception, match="between 1 and 60 KRW"):
        p.apply_refund(amount_krw=amount)

    assert (p.status, p.refunded_krw) == ("refunded", 40)
