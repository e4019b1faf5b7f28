"""No input gets a 5xx from the API, and every answer keeps the contract: schemathesis fuzzes
every operation of the OpenAPI schema the app serves (``/api/schema/``), as three parties.

Wiring: the schema is read from the WSGI app (``hotel.wsgi.application``), and each case is
sent to it in-process, through Django's whole request path (middleware, URL resolver, DRF, the
error pages). Each operation is a test per party (anonymous, a guest with a token, a
hotelier with a token), in a database holding a hotel, two bookings of the guest (one
cancelled) with their payments, reservations, mypage entries and messages. Generated path ids
are sometimes swapped for these records' ids, and booking bodies sometimes for bookable ones,
so the answers with data in them are checked too, not only the 404s.

Checks on every answer: no 5xx (``not_a_server_error``); the status code, content type and
body are the schema's (``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``); and every 4xx has the API's error shape
(``{"code", "message", "details"}``, ``error_shape`` below).

Cases: schemathesis's coverage phase (boundary and invalid values of each parameter) plus
``FUZZ_EXAMPLES`` random cases per operation and party (default 25: some 5,500 cases, under a
minute on two cores). Generation is deterministic unless ``FUZZ_SEED`` is set. Before a
release, run it longer and with a fresh seed (500 examples: about ten minutes)::

    FUZZ_EXAMPLES=500 FUZZ_SEED=$RANDOM .venv/bin/pytest tests/project/test_api_fuzzing.py

Marked ``fuzz``: ``-m "not fuzz"`` leaves it out of a quick local run (CI runs it).

The count of cases sent is printed by the last test of this module and written to
``test-artifacts/api_fuzzing_count.txt``. The defects the fuzzer found are kept as plain
regression tests in ``test_hostile_input.py``.
"""

import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from apps.customer.models import MypageEntry
from apps.payments.models import Payment
from apps.reservations.models import Reservation
from hotel.eventbus.worker import OutboxWorker
from hotel.wsgi import application
from tests.reservations.factories import CancellationPolicyFactory, HotelierFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED")
MIN_CASES = 1_000
COUNT_FILE = Path(__file__).resolve().parents[2] / "test-artifacts" / "api_fuzzing_count.txt"

PARTIES = ("anonymous", "guest", "hotelier")

CONFIG = schemathesis.Config.from_dict(
    {
        "suppress-health-check": ["all"],
        **({"seed": int(SEED)} if SEED else {}),
        "generation": {
            "mode": "all",  # valid and invalid inputs
            "max-examples": EXAMPLES,
            "deterministic": not SEED,
            "database": "none",
            # Each party sends its own credentials (or none): none generated.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
        # Each request for the schema generates it anew (the slowest answer by far): fewer.
        "operations": [
            {"include-path": "/api/schema/", "generation": {"max-examples": max(EXAMPLES // 5, 1)}}
        ],
    }
)
# The schema as the app serves it. Loaded with ``from_wsgi``, schemathesis would leave out the
# operation it was loaded from (``/api/schema/``): read here, handed over as a document.
_served = Client(application).get("/api/schema/", query_string={"format": "json"})
assert _served.status_code == 200, _served.text
schema = schemathesis.openapi.from_dict(_served.json, config=CONFIG)
schema.app = application  # every case goes to the WSGI app, in-process

#: Cases sent, by party; the operations and parties fuzzed to the end.
CASES: Counter = Counter()
FUZZED: set[tuple[str, str]] = set()


@schemathesis.check
def error_shape(ctx, response, case):
    """A 4xx answers ``{"code": str, "message": str, "details": {...}}``, nothing else."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"A {response.status_code} whose body is not JSON") from None
    shape = f"A {response.status_code} not in the error shape: {body!r}"
    assert isinstance(body, dict), shape
    assert set(body) == {"code", "message", "details"}, shape
    assert isinstance(body["code"], str), shape
    assert body["code"], shape
    assert isinstance(body["message"], str), shape
    assert isinstance(body["details"], dict), shape
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_shape,
]


# --- the records the fuzzer may name --------------------------------------------------------

#: Ids of the world's records by the path they are read under (filled by ``fuzz_world``).
KNOWN_IDS: dict[str, list[int]] = {}
#: What a booking the hotel can take names: its hotel, room type and open nights.
BOOKABLE: dict = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Now and then an id of a record that exists instead of the generated one."""
    ids = next(
        (ids for prefix, ids in KNOWN_IDS.items() if context.operation.path.startswith(prefix)),
        None,
    )
    if not ids or not isinstance(path_parameters, dict) or len(path_parameters) != 1:
        return st.just(path_parameters)
    (name,) = path_parameters
    known = st.sampled_from(ids).map(lambda id_: {name: id_})
    return st.one_of(st.just(path_parameters), known)


@schema.hook
def flatmap_body(context, body):
    """Now and then a booking the hotel can take, paid with a sandbox key that approves or
    declines (never the keys that make the provider fail: a 503 is the provider's, not ours)."""
    if (context.operation.method, context.operation.path) != ("post", "/api/orders/"):
        return st.just(body)
    if not BOOKABLE or not isinstance(body, dict):
        return st.just(body)
    first_night = BOOKABLE["first_night"]
    bookable = st.fixed_dictionaries(
        {
            "hotel_id": st.just(BOOKABLE["hotel_id"]),
            "room_type_id": st.just(BOOKABLE["room_type_id"]),
            "days_ahead": st.integers(min_value=0, max_value=BOOKABLE["nights"] - 3),
            "nights": st.integers(min_value=1, max_value=2),
            "guests": st.integers(min_value=1, max_value=3),
            "payment_key": st.sampled_from(["test_ok", "test_decline_funds", "test_ok_fuzz"]),
        }
    ).map(
        lambda b: {
            **body,
            "hotel_id": b["hotel_id"],
            "room_type_id": b["room_type_id"],
            "check_in": (first_night + timedelta(days=b["days_ahead"])).isoformat(),
            "check_out": (first_night + timedelta(days=b["days_ahead"] + b["nights"])).isoformat(),
            "guests": b["guests"],
            "payment_key": b["payment_key"],
        }
    )
    return st.one_of(st.just(body), bookable)


@schema.hook
def flatmap_query(context, query):
    """Now and then a stay the hotel has prices for, in an availability query."""
    if not context.operation.path.endswith("/availability/") or not BOOKABLE:
        return st.just(query)
    first_night = BOOKABLE["first_night"]
    stay = st.tuples(st.integers(min_value=0, max_value=BOOKABLE["nights"]), st.integers(1, 5)).map(
        lambda days: {
            **(query if isinstance(query, dict) else {}),
            "check_in": (first_night + timedelta(days=days[0])).isoformat(),
            "check_out": (first_night + timedelta(days=sum(days))).isoformat(),
        }
    )
    return st.one_of(st.just(query), stay)


def _drain_outbox() -> None:
    worker = OutboxWorker()
    while worker.run_once().handled:
        pass


@pytest.fixture(autouse=True)
def _no_account_throttles(settings):
    """Signing up and logging in are throttled per address, and every case comes from one:
    off, so that the cases reach the views (the throttles have tests of their own)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": None,
            "login_username": None,
            "signup": None,
        },
    }


@pytest.fixture
def fuzz_world(room_type, guest, booking, settings):
    """A hotel with a cancellation policy and a hotelier; the guest's two bookings, the
    second cancelled, with everything the other contexts made of them."""
    settings.NOTIFICATION_BACKEND = "locmem"
    CancellationPolicyFactory(hotel=room_type.hotel)
    client = APIClient()
    client.force_authenticate(guest)
    orders = []
    for days_ahead in (7, 10):
        answer = client.post("/api/orders/", booking(days_ahead=days_ahead), format="json")
        assert answer.status_code == 201, answer.json()
        orders.append(answer.json()["id"])
    _drain_outbox()
    cancelled = client.post(f"/api/orders/{orders[1]}/cancel/", {"reason": "x"}, format="json")
    assert cancelled.status_code == 200, cancelled.json()
    _drain_outbox()
    assert MypageEntry.objects.filter(order_id__in=orders).count() == 2

    KNOWN_IDS.clear()
    KNOWN_IDS.update(
        {
            "/api/hotels/": [room_type.hotel_id],
            "/api/orders/": orders,
            "/api/mypage/": orders,
            "/api/payments/": list(Payment.objects.values_list("pk", flat=True)),
            "/api/reservations/": list(Reservation.objects.values_list("pk", flat=True)),
        }
    )
    BOOKABLE.update(
        hotel_id=room_type.hotel_id,
        room_type_id=room_type.pk,
        first_night=room_type.hotel.local_today(),
        nights=40,  # the conftest room type's open nights
    )
    yield {"guest": guest, "hotelier": HotelierFactory(hotels=[room_type.hotel])}
    KNOWN_IDS.clear()
    BOOKABLE.clear()


@pytest.fixture(params=PARTIES)
def party(request, fuzz_world) -> tuple[str, dict[str, str]]:
    """Who sends the cases, and the headers that say so."""
    if request.param == "anonymous":
        return request.param, {}
    token, _ = Token.objects.get_or_create(user=fuzz_world[request.param])
    return request.param, {"Authorization": f"Token {token.key}"}


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)  # a booking calls the provider outside a transaction
@schema.parametrize()
def test_no_input_is_a_server_error_or_breaks_the_schema(case, party):
    name, headers = party
    try:
        case.call_and_validate(headers=headers, checks=CHECKS)
    finally:  # sent, whatever the checks said
        CASES[name] += 1
        FUZZED.add((case.operation.label, name))


@pytest.mark.fuzz
def test_the_fuzzer_sent_enough_cases(capsys):
    """Last in the module: how many cases the fuzz sent, which must be enough to mean it."""
    expected = {(operation.label, name) for operation in _operations() for name in PARTIES}
    if not expected <= FUZZED:
        pytest.skip("Not every operation was fuzzed in this run (a selection).")
    total = sum(CASES.values())
    summary = f"API fuzzing: {total} cases ({dict(sorted(CASES.items()))})"
    with capsys.disabled():  # shown without -s too
        print(f"\n{summary}")
    COUNT_FILE.parent.mkdir(exist_ok=True)
    COUNT_FILE.write_text(f"{total}\n")
    assert total >= MIN_CASES, summary


def _operations():
    return [result.ok() for result in schema.get_all_operations()]
