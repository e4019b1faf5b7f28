"""The library internals that our own stock code leans on, each checked as that code uses it.

pyproject.toml pins each library concerned to the minor release these tests passed on
(``~=X.Y.Z``). When one of these fails after an upgrade, its message names the module of ours
that relies on the internal: adapt that module (or drop it for the library's own, slower path),
then move the pin. The behaviour of the modules themselves is tested beside them
(test_flat_serializers, test_token_authentication, tests/payments/test_resilience,
test_bulk_rows); these say *which* internal changed, which those would not.
"""

from __future__ import annotations

import copy
import datetime
import inspect
import sqlite3
import threading
import time

import pybreaker
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.backends.signals import connection_created
from django.db.models import Field
from django.db.models.base import ModelState
from django.test.utils import isolate_apps
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.test import APIRequestFactory

from hotel import flat_serializers
from hotel.db_connections import SPREADING, spread_connection_lifetimes
from tests.project.test_db_connections import new_connection

FLAT = "hotel/flat_serializers.py (FlatSerializer)"
TOKEN = "hotel/token_authentication.py (TokenLookupAuthentication)"
MODEL_ROWS = "hotel/model_rows.py (ModelRows)"
BREAKER = "apps/payments/gateway/resilience.py (GuardedProvider)"
BULK = "hotel/bulk_rows.py"
CONNECTIONS = "hotel/db_connections.py (spread_connection_lifetime)"


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def assert_parameters(function, expected: list[str], user: str) -> None:
    found = parameters(function)
    assert found[: len(expected)] == expected, (
        f"{user} calls {function.__qualname__}({', '.join(expected)}); "
        f"the library now has ({', '.join(found)})"
    )


# --- djangorestframework: hotel/flat_serializers.py ------------------------------------------
def test_drf_declares_fields_in_declared_fields_before_init_subclass_runs():
    seen = {}

    class Probe(serializers.Serializer):
        def __init_subclass__(cls, **kwargs):
            super().__init_subclass__(**kwargs)
            seen.update(getattr(cls, "_declared_fields", None) or {})

    declared = serializers.CharField()

    class Child(Probe):
        name = declared

    assert seen == {"name": declared}, (
        f"{FLAT} reads Serializer._declared_fields (set by DRF's SerializerMetaclass) in "
        "__init_subclass__: DRF no longer sets it, or not before the class is created"
    )
    assert Child._declared_fields == {"name": declared}


def test_drf_builds_a_serializers_fields_from_get_fields():
    mine = serializers.CharField()

    class Probe(serializers.Serializer):
        def get_fields(self):
            return {"x": mine}

    assert Probe().fields["x"] is mine, (
        f"{FLAT} overrides Serializer.get_fields() (DRF deep-copies the declared fields "
        "there) to return shallow copies: DRF's Serializer.fields no longer calls it"
    )


@pytest.mark.parametrize("field_class", flat_serializers._RENDER_UNBOUND)
def test_drf_plain_fields_render_with_drfs_own_to_representation(field_class):
    assert field_class.to_representation.__module__ == serializers.Field.__module__, (
        f"{FLAT} renders {field_class.__name__} without binding it only while its "
        f"to_representation is DRF's own, defined in {serializers.Field.__module__}; it now "
        f"comes from {field_class.to_representation.__module__} (FlatSerializer would fall "
        "back to DRF's rendering: correct but slow)"
    )


def test_drf_plain_fields_render_what_get_attribute_reads_as_serializer_does():
    """FlatSerializer's fast path is DRF's Serializer.to_representation for plain fields:
    the attribute named by ``source`` (``getattr``), None as None, else the field's rendering."""
    source = inspect.getsource(serializers.Serializer.to_representation)
    for step in ("field.get_attribute(instance)", "field.to_representation(attribute)"):
        assert step in source, (
            f"{FLAT}'s to_representation reproduces DRF's Serializer.to_representation, "
            f"which no longer does {step!r}: compare the two"
        )
    field = serializers.CharField(source="label")
    field.bind("name", serializers.Serializer())
    assert field.source_attrs == ["label"]
    assert field.get_attribute(type("Obj", (), {"label": "x"})()) == "x"


def test_drf_method_fields_keep_their_method_name():
    assert serializers.SerializerMethodField().method_name is None, (
        f"{FLAT} reads SerializerMethodField.method_name (None: get_<field name>)"
    )
    assert serializers.SerializerMethodField(method_name="label").method_name == "label"
    field = serializers.SerializerMethodField()
    field.bind("nights", serializers.Serializer())
    assert field.method_name == "get_nights"


def test_drf_fields_that_hold_fields_say_so_by_child_or_child_relation():
    holders = [
        serializers.ListField(child=serializers.IntegerField()),
        serializers.DictField(child=serializers.IntegerField()),
        serializers.ManyRelatedField(
            child_relation=serializers.PrimaryKeyRelatedField(read_only=True)
        ),
    ]
    for holder in holders:
        assert flat_serializers._holds_other_fields(holder), (
            f"{FLAT} refuses fields holding other fields by their 'child' or "
            f"'child_relation' attribute: {type(holder).__name__} has neither any more"
        )
    for field_class in flat_serializers._RENDER_UNBOUND:
        kwargs = {"choices": ["a"]} if issubclass(field_class, serializers.ChoiceField) else {}
        if field_class is serializers.DecimalField:
            kwargs = {"max_digits": 5, "decimal_places": 2}
        assert not flat_serializers._holds_other_fields(field_class(**kwargs))


def test_drf_binding_a_shallow_copy_leaves_the_declared_field_as_it_was():
    """FlatSerializer shares a declared field's attributes with each instance's shallow copy:
    DRF's Field.bind (and validating, rendering) must only set attributes on the copy."""
    assert_parameters(serializers.Field.bind, ["self", "field_name", "parent"], FLAT)
    declared = serializers.IntegerField(min_value=1, max_value=4)
    before = {key: repr(value) for key, value in vars(declared).items()}

    for _ in range(2):
        bound = copy.copy(declared)
        bound.bind("guests", serializers.Serializer())
        assert bound.run_validation("3") == 3
        with pytest.raises(serializers.ValidationError):
            bound.run_validation("9")
        assert bound.to_representation(2) == 2

    after = {key: repr(value) for key, value in vars(declared).items()}
    assert after == before, (
        f"{FLAT}: binding or using a shallow copy of a DRF field changed the declared field "
        f"({sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))})"
    )


# --- djangorestframework and Django: hotel/token_authentication.py ----------------------------
def test_drf_token_authentication_hands_the_key_to_authenticate_credentials():
    assert_parameters(TokenAuthentication.authenticate_credentials, ["self", "key"], TOKEN)
    assert callable(getattr(TokenAuthentication, "get_model", None)), (
        f"{TOKEN} asks TokenAuthentication.get_model() for the token model"
    )
    seen = []

    class Probe(TokenAuthentication):
        def authenticate_credentials(self, key):
            seen.append(key)
            return ("user", "token")

    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION="Token abc123")

    assert Probe().authenticate(request) == ("user", "token")
    assert seen == ["abc123"], (
        f"{TOKEN} overrides authenticate_credentials(key): DRF's authenticate no longer "
        "calls it with the key alone"
    )


@pytest.mark.django_db
def test_django_builds_rows_with_from_db_after_the_backends_converters():
    user_model = get_user_model()
    assert_parameters(user_model.from_db, ["db", "field_names", "values"], MODEL_ROWS)
    assert_parameters(connection.ops.get_db_converters, ["expression"], MODEL_ROWS)
    assert_parameters(Field.get_db_converters, ["self", "connection"], MODEL_ROWS)
    assert_parameters(Field.get_col, ["self", "alias"], MODEL_ROWS)

    meta = user_model._meta
    joined = meta.get_field("date_joined")
    column = joined.get_col(meta.db_table)
    converters = connection.ops.get_db_converters(column) + joined.get_db_converters(connection)
    for converter in converters:
        assert len(parameters(converter)) == 3, (
            f"{MODEL_ROWS} calls each converter as (value, expression, connection); "
            f"{converter.__qualname__} takes {parameters(converter)}"
        )

    attnames = [field.attname for field in meta.concrete_fields]
    values = [getattr(user_model(), name) for name in attnames]
    user = user_model.from_db("default", attnames, values)
    assert (user._state.adding, user._state.db) == (False, "default"), (
        f"{MODEL_ROWS} relies on Model.from_db marking the instance as loaded from that database"
    )


# --- pybreaker: apps/payments/gateway/resilience.py -------------------------------------------
def breaker(**kwargs) -> tuple[pybreaker.CircuitBreaker, pybreaker.CircuitMemoryStorage]:
    storage = pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
    return pybreaker.CircuitBreaker(state_storage=storage, **kwargs), storage


def test_pybreaker_calling_does_not_hold_the_breakers_lock_while_the_block_runs():
    circuit, _ = breaker(fail_max=5, reset_timeout=10)
    assert hasattr(circuit, "_lock"), (
        f"{BREAKER} goes through CircuitBreaker.calling() because call() holds the breaker's "
        "lock (CircuitBreaker._lock) for the whole call; pybreaker has no _lock any more: "
        "check how it locks now"
    )
    free = []

    def try_lock():
        got = circuit._lock.acquire(blocking=False)
        free.append(got)
        if got:
            circuit._lock.release()

    with circuit.calling():
        other = threading.Thread(target=try_lock)
        other.start()
        other.join()

    assert free == [True], (
        f"{BREAKER}: CircuitBreaker.calling() now holds the breaker's lock while the block "
        "runs, so provider calls would run one at a time per process (danielfm/pybreaker#3)"
    )


def test_pybreaker_calling_counts_failures_and_opens_the_circuit():
    circuit, storage = breaker(fail_max=2, reset_timeout=30, exclude=[KeyError])
    assert storage.opened_at is None, f"{BREAKER} reads CircuitMemoryStorage.opened_at"

    with pytest.raises(KeyError), circuit.calling():  # excluded: not a failure
        raise KeyError("declined")
    assert circuit.fail_counter == 0
    with pytest.raises(ValueError, match="provider down"), circuit.calling():
        raise ValueError("provider down")
    assert circuit.current_state == pybreaker.STATE_CLOSED == "closed"
    with pytest.raises(pybreaker.CircuitBreakerError), circuit.calling():
        raise ValueError("provider down")

    assert circuit.current_state == pybreaker.STATE_OPEN == "open", (
        f"{BREAKER} compares CircuitBreaker.current_state with pybreaker.STATE_*"
    )
    assert pybreaker.STATE_HALF_OPEN == "half-open"
    opened_at = storage.opened_at
    assert isinstance(opened_at, datetime.datetime), opened_at
    assert opened_at.utcoffset() == datetime.timedelta(0), (
        f"{BREAKER} adds reset_timeout to CircuitMemoryStorage.opened_at and compares it "
        "with an aware UTC now"
    )
    assert circuit.reset_timeout == 30


def test_pybreaker_listeners_hear_state_changes_with_named_states():
    assert_parameters(
        pybreaker.CircuitBreakerListener.state_change,
        ["self", "cb", "old_state", "new_state"],
        BREAKER,
    )
    heard = []

    class Listener(pybreaker.CircuitBreakerListener):
        def state_change(self, cb, old_state, new_state):
            heard.append((cb.name, old_state.name if old_state else None, new_state.name))

    circuit, _ = breaker(fail_max=1, reset_timeout=30, listeners=[Listener()], name="toss")
    circuit.open()

    assert heard == [("toss", "closed", "open")]


# --- Django: hotel/bulk_rows.py ------------------------------------------------------------
def test_django_fields_say_whether_the_database_generates_or_defaults_them():
    assert Field.generated is False, f"{BULK} skips fields whose Field.generated is true"
    assert models.GeneratedField.generated is True
    plain = models.IntegerField()
    defaulted = models.IntegerField(db_default=0)
    assert (plain.has_db_default(), defaulted.has_db_default()) == (False, True), (
        f"{BULK} asks Field.has_db_default() for the fields it cannot leave to the database"
    )
    assert (plain.has_default(), defaulted.has_default()) == (False, False)


@isolate_apps("tests.outbox_probe")
def test_django_puts_a_database_default_expression_on_fields_left_to_db_default():
    from django.db.models.expressions import DatabaseDefault

    class Defaulted(models.Model):
        note = models.CharField(max_length=10, db_default="")

        class Meta:
            app_label = "outbox_probe"

        def __str__(self) -> str:
            return self.note

    assert isinstance(Defaulted().note, DatabaseDefault), (
        f"{BULK} refuses instances holding a DatabaseDefault (django.db.models.expressions) "
        "for a db_default field: Django no longer puts one there"
    )


def test_django_converts_values_for_saving_as_save_does():
    assert_parameters(Field.pre_save, ["self", "model_instance", "add"], BULK)
    assert_parameters(Field.get_db_prep_save, ["self", "value", "connection"], BULK)
    assert_parameters(Field.cast_db_type, ["self", "connection"], BULK)
    assert_parameters(Field.to_python, ["self", "value"], BULK)
    state = ModelState()
    assert (state.adding, state.db) == (True, None), (
        f"{BULK} marks written instances saved through Model._state.adding and ._state.db"
    )


@pytest.mark.django_db
def test_django_backends_return_inserted_rows_in_order_and_say_their_parameter_limit():
    assert connection.features.can_return_rows_from_bulk_insert, (
        f"{BULK} pairs RETURNING rows with the instances given, in order, as bulk_create "
        "does where can_return_rows_from_bulk_insert"
    )
    assert hasattr(connection.features, "max_query_params"), (
        f"{BULK} reads DatabaseFeatures.max_query_params"
    )
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        assert limit >= 999, f"{BULK} reads SQLite's own parameter limit from the connection"


# --- Django: hotel/db_connections.py ---------------------------------------------------------
@pytest.mark.django_db
def test_django_sets_close_at_before_connection_created_and_closes_by_it():
    seen = []

    def record(sender, connection, **kwargs):
        seen.append(connection.close_at)

    # Django's own behaviour, without the web application's receiver if a test imported it.
    spreading = connection_created.disconnect(dispatch_uid=SPREADING)
    connection_created.connect(record, dispatch_uid="test_close_at")
    try:
        with new_connection(60) as wrapper:
            started = time.monotonic()
            wrapper.connect()
            message = (
                f"{CONNECTIONS} changes close_at in connection_created: Django no longer sets "
                "it in connect() before sending the signal"
            )
            assert seen, message
            assert seen[0] is not None, message
            assert started + 59 <= seen[0] <= time.monotonic() + 60, message
            wrapper.close_at = time.monotonic() - 1
            wrapper.close_if_unusable_or_obsolete()
            assert wrapper.connection is None, (
                f"{CONNECTIONS} relies on a request's end closing a connection past close_at"
            )
    finally:
        connection_created.disconnect(dispatch_uid="test_close_at")
        if spreading:
            spread_connection_lifetimes()
