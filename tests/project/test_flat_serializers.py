"""FlatSerializer: shallow copies of plain fields behave as DRF's deep copies do."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from rest_framework import serializers

from hotel.flat_serializers import FlatSerializer


class Stay(FlatSerializer):
    room_type_id = serializers.IntegerField(min_value=1)
    check_in = serializers.DateField()
    guests = serializers.IntegerField(min_value=1, max_value=4)
    method = serializers.ChoiceField(choices=["card", "transfer"])
    note = serializers.CharField(max_length=5, required=False, default="")
    booked_at = serializers.DateTimeField(source="created_at", read_only=True)
    nights_label = serializers.SerializerMethodField()

    def get_nights_label(self, stay) -> str:
        guests = stay["guests"] if isinstance(stay, dict) else stay.guests
        return f"{guests} guests"


class DeepStay(Stay):
    """The same fields, copied the way DRF copies them."""

    def get_fields(self):
        return serializers.Serializer.get_fields(self)

    to_representation = serializers.Serializer.to_representation


GOOD = {"room_type_id": 3, "check_in": "2027-01-02", "guests": 2, "method": "card"}
BAD = {"room_type_id": 0, "check_in": "soon", "guests": 9, "method": "cash", "note": "x" * 9}


@pytest.mark.parametrize("data", [GOOD, BAD, {}], ids=["valid", "invalid", "empty"])
def test_validates_as_deep_copied_fields_do(data):
    flat, deep = Stay(data=data), DeepStay(data=data)

    assert flat.is_valid() == deep.is_valid()
    assert flat.errors == deep.errors
    if deep.errors == {}:
        assert flat.validated_data == deep.validated_data


def test_renders_as_deep_copied_fields_do():
    stay = SimpleNamespace(
        room_type_id=3,
        check_in=datetime.date(2027, 1, 2),
        guests=2,
        method="card",
        note="",
        created_at=datetime.datetime(2026, 11, 26, 1, 2, 3, tzinfo=datetime.UTC),
    )

    assert Stay(stay).data == DeepStay(stay).data
    assert Stay(stay).data["nights_label"] == "2 guests"


def _stay(**overrides):
    values = {
        "room_type_id": 3,
        "check_in": datetime.date(2027, 1, 2),
        "guests": 2,
        "method": "card",
        "note": "",
        "created_at": datetime.datetime(2026, 11, 26, 1, 2, 3, tzinfo=datetime.UTC),
    }
    return SimpleNamespace(**{**values, **overrides})


class Priced(FlatSerializer):
    total = serializers.DecimalField(max_digits=8, decimal_places=2)
    paid = serializers.BooleanField()
    secret = serializers.CharField(write_only=True)


class DeepPriced(Priced):
    to_representation = serializers.Serializer.to_representation


class Shouting(serializers.CharField):
    def to_representation(self, value):
        return str(value).upper() + self.parent.suffix


class Loud(FlatSerializer):
    suffix = "!"
    note = Shouting()


@pytest.mark.parametrize(
    "stay",
    [
        _stay(),
        _stay(created_at=None, check_in=None),  # None renders as None, unconverted
        _stay(room_type_id="7", guests=2.0),  # values the field converts
        _stay(note=lambda: "called"),  # a callable attribute, which DRF calls
        SimpleNamespace(room_type_id=3, check_in=None, guests=2, method="card", created_at=None),
        {"room_type_id": 3, "check_in": None, "guests": 2, "method": "card", "created_at": None},
    ],
    ids=["plain", "nulls", "converted", "callable", "missing-with-default", "mapping"],
)
def test_renders_without_binding_exactly_as_drf_renders(stay):
    assert Stay(stay).data == DeepStay(stay).data


def test_renders_decimals_and_booleans_as_drf_and_never_a_write_only_field():
    order = SimpleNamespace(total="12.5", paid=1, secret="hunter2")

    assert Priced(order).data == DeepPriced(order).data == {"total": "12.50", "paid": True}


def test_a_field_that_reads_its_serializer_is_rendered_bound_as_drf_does():
    assert Loud._rendering is None
    assert Loud(SimpleNamespace(note="hi")).data == {"note": "HI!"}


def test_each_instance_binds_its_own_fields_and_the_declared_ones_stay_unbound():
    first, second = Stay(data=GOOD), Stay(data=BAD)

    for name in Stay._declared_fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
        assert Stay._declared_fields[name].parent is None
        assert Stay._declared_fields[name].field_name is None
    assert first.fields["booked_at"].source_attrs == ["created_at"]


def test_concurrent_instances_validate_independently():
    datasets = [{**GOOD, "guests": 1 + n % 4, "room_type_id": n + 1} for n in range(400)]

    def validate(data):
        stay = Stay(data=data)
        stay.is_valid(raise_exception=True)
        return stay.validated_data["room_type_id"], stay.validated_data["guests"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(validate, datasets))

    assert results == [(d["room_type_id"], d["guests"]) for d in datasets]


@pytest.mark.parametrize(
    "field",
    [
        serializers.ListField(child=serializers.IntegerField()),
        serializers.DictField(child=serializers.CharField()),
        Stay(),
    ],
    ids=["list", "dict", "nested"],
)
def test_a_field_holding_other_fields_is_refused(field):
    with pytest.raises(TypeError, match="plain fields only"):
        type("Nested", (FlatSerializer,), {"inner": field})
