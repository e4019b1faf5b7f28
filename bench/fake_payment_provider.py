"""A payment provider for the benches: the Toss-compatible API the product's ``toss`` adapter
speaks (apps/payments/gateway/toss.py), with a latency the bench switches while it runs.

    python bench/fake_payment_provider.py --port 8399 [--latency-ms 0]

The product runs as deployed, with ``PAYMENT_PROVIDER=toss`` and ``PAYMENT_TOSS_BASE_URL``
pointing here: its timeout, circuit breaker and bulkhead meet a real HTTP server. Like a PSP
it approves every confirm, keeps a ledger (one payment per order, idempotency keys honoured,
cancels up to the amount) and answers look-ups by order, which reconciliation uses.

A slow provider is the hard case: each call first waits out the current latency, then charges
(or cancels), then answers. With a latency past the product's timeout, the product has given up
(503 to the guest, the order failed with its outcome uncertain) while the money is taken here:
reconciliation must find that charge and void it.

Bench-only endpoints: ``PUT /_bench/latency`` with ``{"ms": 3000}`` sets the latency of every
later call; ``GET /_bench/ledger`` lists the payments (order id -> amount, cancelled amount,
calls); ``GET /_bench/confirm-calls`` the order id of every confirm call as it arrived;
``GET /_bench/health``. It listens on 127.0.0.1 only. ``FakeProvider`` is the
driver's side: the server in a process of its own, and those endpoints as methods.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

HOST = "127.0.0.1"


class Ledger:
    """Payments by order id and by payment key; answers already given by idempotency key."""

    def __init__(self) -> None:
        self.latency_s = 0.0
        self.by_order: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self.calls = {"confirm": 0, "cancel": 0, "lookup": 0}
        #: Every order a confirm call came for, as it arrived (whatever became of the call).
        self.confirm_calls: list[str] = []
        self._transactions = itertools.count(1)

    def confirm(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order_id, key, amount = str(body["orderId"]), str(body["paymentKey"]), int(body["amount"])
        if order_id in self.by_order:
            return 400, {"code": "ALREADY_PROCESSED_PAYMENT", "message": "already paid"}
        payment = {
            "paymentKey": key,
            "orderId": order_id,
            "status": "DONE",
            "method": "카드",
            "card": {"number": "4330-****-****-1234"},
            "totalAmount": amount,
            "balanceAmount": amount,
            "approvedAt": _now(),
            "cancels": [],
        }
        self.by_order[order_id] = self.by_key[key] = payment
        return 200, payment

    def cancel(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        payment = self.by_key.get(key)
        if payment is None:
            return 404, {"code": "NOT_FOUND_PAYMENT", "message": "no such payment"}
        amount = int(body.get("cancelAmount") or payment["balanceAmount"])
        if amount <= 0 or amount > payment["balanceAmount"]:
            return 400, {"code": "NOT_CANCELABLE_AMOUNT", "message": "more than the balance"}
        payment["balanceAmount"] -= amount
        payment["status"] = "CANCELED" if payment["balanceAmount"] == 0 else "PARTIAL_CANCELED"
        payment["cancels"].append(
            {
                "transactionKey": f"tx_{next(self._transactions)}",
                "cancelAmount": amount,
                "canceledAt": _now(),
            }
        )
        return 200, payment

    def summary(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "latency_ms": self.latency_s * 1000,
            "payments": {
                order_id: {
                    "amount": p["totalAmount"],
                    "cancelled": p["totalAmount"] - p["balanceAmount"],
                }
                for order_id, p in self.by_order.items()
            },
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def application(ledger: Ledger) -> web.Application:
    pending: set[asyncio.Future[tuple[int, dict[str, Any]]]] = set()  # actions under way

    def answer(status: int, body: dict[str, Any]) -> web.Response:
        return web.json_response(body, status=status)

    async def remembered(request: web.Request, run) -> web.Response:  # type: ignore[no-untyped-def]
        """Wait out the latency, then act, and answer; the first answer to an Idempotency-Key
        again for every later call with it. The caller hanging up (its timeout) does not stop
        the action: the provider charges whether or not anyone waits for the answer."""
        body = await request.json()
        key = request.headers.get("Idempotency-Key", "")

        async def act() -> tuple[int, dict[str, Any]]:
            await asyncio.sleep(ledger.latency_s)
            if key and key in ledger.answers:
                return ledger.answers[key]
            status, result = run(body)
            if key:
                ledger.answers[key] = (status, json.loads(json.dumps(result)))
            return status, result

        task = asyncio.ensure_future(act())
        pending.add(task)
        task.add_done_callback(pending.discard)
        return answer(*await asyncio.shield(task))

    async def confirm(request: web.Request) -> web.Response:
        ledger.calls["confirm"] += 1
        ledger.confirm_calls.append(str((await request.json())["orderId"]))
        return await remembered(request, ledger.confirm)

    async def cancel(request: web.Request) -> web.Response:
        ledger.calls["cancel"] += 1
        key = request.match_info["payment_key"]
        return await remembered(request, lambda body: ledger.cancel(key, body))

    async def lookup(request: web.Request) -> web.Response:
        ledger.calls["lookup"] += 1
        await asyncio.sleep(ledger.latency_s)
        payment = ledger.by_order.get(request.match_info["order_id"])
        if payment is None:
            return answer(404, {"code": "NOT_FOUND_PAYMENT", "message": "no such payment"})
        return answer(200, payment)

    async def set_latency(request: web.Request) -> web.Response:
        ledger.latency_s = float((await request.json())["ms"]) / 1000
        return answer(200, {"latency_ms": ledger.latency_s * 1000})

    async def ledger_view(request: web.Request) -> web.Response:
        return answer(200, ledger.summary())

    async def confirm_calls_view(request: web.Request) -> web.Response:
        return answer(200, {"orders": ledger.confirm_calls})

    async def health(request: web.Request) -> web.Response:
        return answer(200, {"status": "ok"})

    app = web.Application()
    app.add_routes(
        [
            web.post("/v1/payments/confirm", confirm),
            web.post("/v1/payments/{payment_key}/cancel", cancel),
            web.get("/v1/payments/orders/{order_id}", lookup),
            web.put("/_bench/latency", set_latency),
            web.get("/_bench/ledger", ledger_view),
            web.get("/_bench/confirm-calls", confirm_calls_view),
            web.get("/_bench/health", health),
        ]
    )
    return app


class FakeProvider:
    """This server in its own process (its event loop never waits on the bench's work)."""

    def __init__(self, *, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> FakeProvider:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--port", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the fake payment provider exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/_bench/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the fake payment provider did not answer within 30 s")
            time.sleep(0.1)

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def set_latency(self, ms: float) -> None:
        httpx.put(f"{self.base_url}/_bench/latency", json={"ms": ms}, timeout=5).raise_for_status()

    def ledger(self) -> dict[str, Any]:
        response = httpx.get(f"{self.base_url}/_bench/ledger", timeout=30)
        response.raise_for_status()
        return response.json()

    def confirm_calls(self) -> list[str]:
        """The order references of every confirm call so far, in arrival order."""
        response = httpx.get(f"{self.base_url}/_bench/confirm-calls", timeout=30)
        response.raise_for_status()
        return response.json()["orders"]

    def product_settings(self) -> dict[str, str]:
        """What the product's environment needs to use this provider (``toss`` adapter)."""
        return {
            "PAYMENT_PROVIDER": "toss",
            "PAYMENT_TOSS_BASE_URL": self.base_url,
            "PAYMENT_TOSS_SECRET_KEY": "test_sk_bench_" + "x" * 20,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    ledger = Ledger()
    ledger.latency_s = args.latency_ms / 1000
    web.run_app(application(ledger), host=HOST, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
