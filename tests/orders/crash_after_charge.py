"""Run as a child process: begin a booking, charge it, then die (SIGKILL) before recording it.

python tests/orders/crash_after_charge.py GUEST_ID '{"hotel_id": ..., ...}' [--before-charge]
"""

import json
import os
import signal
import sys
from datetime import date

import django

django.setup()

from apps.orders.services.booking import BookingInput, order_begin  # noqa: E402
from apps.payments import api as payments  # noqa: E402


def main() -> None:
    guest_id, body = int(sys.argv[1]), json.loads(sys.argv[2])
    body["check_in"] = date.fromisoformat(body["check_in"])
    body["check_out"] = date.fromisoformat(body["check_out"])
    order = order_begin(guest_id=guest_id, booking=BookingInput(**body))
    if "--before-charge" not in sys.argv:
        payments.charge(
            order_reference=order.reference,
            amount_krw=order.total_krw,
            payment_key=body["payment_key"],
            method=body["payment_method"],
            idempotency_key=f"{order.reference}:charge",
        )
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
