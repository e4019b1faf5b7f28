"""Event types: frozen dataclasses with a name, a schema version and an aggregate.

A context declares its events in its own ``events.py``::

    @dataclass(frozen=True, kw_only=True)
    class OrderPlaced(Event, event_type="orders.OrderPlaced", version=1,
                      aggregate="order", aggregate_id_field="order_id"):
        order_id: int
        total_krw: int

Payloads are stored as JSON. When a type's schema changes, raise ``version`` and add an
upcaster that turns a payload of the previous version into the current one, so rows written
before the change stay readable::

    upcasters = {1: lambda payload: {**payload, "currency": "KRW"}}
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import cattrs.preconf.json

_converter = cattrs.preconf.json.make_converter()
_converter.register_unstructure_hook(uuid.UUID, str)
_converter.register_structure_hook(uuid.UUID, lambda value, _: uuid.UUID(str(value)))

_registry: dict[str, type[Event]] = {}


class UnknownEventType(LookupError):
    """A stored event names a type that no loaded module declares."""


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event type. Subclasses pass their identity as class keywords."""

    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    aggregate_type: ClassVar[str]
    aggregate_id_field: ClassVar[str]
    #: Version N -> function turning a version N payload into a version N + 1 payload.
    upcasters: ClassVar[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}

    def __init_subclass__(
        cls,
        *,
        event_type: str | None = None,
        version: int = 1,
        aggregate: str | None = None,
        aggregate_id_field: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if event_type is None:
            return  # an intermediate base class, not a concrete event type
        if aggregate is None or aggregate_id_field is None:
            raise TypeError(f"{event_type}: pass aggregate= and aggregate_id_field=")
        existing = _registry.get(event_type)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {event_type!r} is declared twice")
        cls.event_type = event_type
        cls.schema_version = version
        cls.aggregate_type = aggregate
        cls.aggregate_id_field = aggregate_id_field
        _registry[event_type] = cls

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate_id_field))

    def to_payload(self) -> dict[str, Any]:
        return _converter.unstructure(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], *, version: int) -> Event:
        data = dict(payload)
        while version < cls.schema_version:
            try:
                upcast = cls.upcasters[version]
            except KeyError:
                raise UnknownEventType(
                    f"{cls.event_type}: no upcaster from schema version {version}"
                ) from None
            data = upcast(data)
            version += 1
        if version != cls.schema_version:
            raise UnknownEventType(
                f"{cls.event_type}: stored version {version} is newer than the code's "
                f"{cls.schema_version}"
            )
        return _converter.structure(data, cls)


@dataclass(frozen=True, kw_only=True)
class EventMeta:
    """The envelope of a stored event, handed to handlers next to the event itself."""

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    aggregate_type: str
    aggregate_id: str
    correlation_id: str
    occurred_at: datetime.datetime
    #: Position in the outbox: increases in publication order.
    sequence: int


def event_class(event_type: str) -> type[Event]:
    try:
        return _registry[event_type]
    except KeyError:
        raise UnknownEventType(f"no event type {event_type!r} is declared") from None


def registered_event_types() -> dict[str, type[Event]]:
    return dict(_registry)
